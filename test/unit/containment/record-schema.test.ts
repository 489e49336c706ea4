/**
 * The pre-isolation record's schema: a record keeps every field through a parse (the record is
 * stored, read back and given to release), and a record release could not apply is refused.
 */
import { describe, expect, it } from "vitest";
import {
  type PreIsolationState,
  PreIsolationStateSchema,
} from "../../../shared/containment/record-schema.ts";

/** A record with every field, optional ones included. */
const full = (): PreIsolationState => ({
  instanceId: "i-1",
  capturedAt: "2025-01-01T00:00:00.000Z",
  interfaces: [
    {
      networkInterfaceId: "eni-1",
      groups: ["sg-app", "sg-db"],
      attachmentId: "eni-attach-1",
      deviceIndex: 0,
      publicIp: "3.3.3.3",
    },
  ],
  instanceProfileArn: "arn:aws:iam::123456789012:instance-profile/app",
  iamAssociationId: "iip-1",
  elasticIps: [
    {
      allocationId: "eipalloc-1",
      publicIp: "54.0.0.1",
      networkInterfaceId: "eni-1",
      privateIp: "10.0.0.10",
      associationId: "eipassoc-1",
    },
  ],
  autoScalingGroup: { name: "web", mode: "standby", desiredCapacity: 3 },
  targetGroups: [{ targetGroupArn: "arn:tg/ip", port: 443, targetId: "10.0.0.10", availabilityZone: "all" }],
  protection: { disableApiTermination: false, disableApiStop: true, shutdownBehavior: "terminate" },
  volumesDeleteOnTermination: [{ deviceName: "/dev/xvda", volumeId: "vol-1", deleteOnTermination: true }],
  state: "running",
});

describe("PreIsolationStateSchema", () => {
  it("keeps every field of a full record", () => {
    expect(PreIsolationStateSchema.parse(full())).toStrictEqual(full());
  });

  it("keeps a record of an instance detached from its Auto Scaling group", () => {
    const detached = { ...full(), autoScalingGroup: { name: "web", mode: "detach" as const } };

    expect(PreIsolationStateSchema.parse(detached)).toStrictEqual(detached);
  });

  it("keeps a bare record without any optional field", () => {
    const bare = {
      instanceId: "i-1",
      capturedAt: "2025-01-01T00:00:00.000Z",
      interfaces: [{ networkInterfaceId: "eni-1", groups: [] }],
      elasticIps: [],
      targetGroups: [{ targetGroupArn: "arn:tg/web" }],
      protection: { disableApiTermination: true, shutdownBehavior: "stop" },
      volumesDeleteOnTermination: [],
      state: "unknown",
    };

    expect(PreIsolationStateSchema.parse(bare)).toStrictEqual(bare);
  });

  it("refuses an Auto Scaling mode release does not know", () => {
    const other = { ...full(), autoScalingGroup: { name: "web", mode: "terminate" } };

    expect(PreIsolationStateSchema.safeParse(other).success).toBe(false);
  });

  it("refuses a record missing what release needs, at any depth", () => {
    const broken: [string, (r: Record<string, unknown>) => void][] = [
      ["interface groups", (r) => delete (r.interfaces as Record<string, unknown>[])[0]?.groups],
      ["Elastic IP private address", (r) => delete (r.elasticIps as Record<string, unknown>[])[0]?.privateIp],
      ["target group ARN", (r) => delete (r.targetGroups as Record<string, unknown>[])[0]?.targetGroupArn],
      ["Auto Scaling group name", (r) => delete (r.autoScalingGroup as Record<string, unknown>).name],
      [
        "termination protection",
        (r) => delete (r.protection as Record<string, unknown>).disableApiTermination,
      ],
      [
        "volume flag",
        (r) => delete (r.volumesDeleteOnTermination as Record<string, unknown>[])[0]?.deleteOnTermination,
      ],
      ["state", (r) => delete r.state],
    ];
    for (const [what, breakIt] of broken) {
      const r = full() as unknown as Record<string, unknown>;
      breakIt(r);

      expect(PreIsolationStateSchema.safeParse(r).success, what).toBe(false);
    }
  });
});
