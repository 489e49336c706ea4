/**
 * The pre-isolation record: what a first attempt keeps of the instance, field by field; when it
 * refuses to take a half-isolated instance for its "before"; and how a retry keeps the first
 * attempt's record and adds only what appeared since.
 */
import { describe, expect, it } from "vitest";
import { recordPreIsolation } from "../../../shared/containment/record.ts";
import type { ContainOptions, PreIsolationState } from "../../../shared/containment/record-schema.ts";
import type { InstanceSubject, Registration } from "../../../shared/containment/subject.ts";
import { APP_PROFILE, eni, failed, ISO_PROFILE, ok, record, subject } from "./subjects.ts";

const AT = "2025-01-02T03:04:05.000Z";
type Opts = Pick<ContainOptions, "previous" | "isolationProfileArn" | "asgMode">;
const opts = (over: Partial<Opts> = {}): Opts => ({
  isolationProfileArn: ISO_PROFILE,
  asgMode: "standby",
  ...over,
});
const recorded = (s: InstanceSubject, regs: Registration[] = [], over: Partial<Opts> = {}) =>
  recordPreIsolation(s, regs, opts(over), AT);

/** An instance with something of everything to record. */
function rich(): InstanceSubject {
  return subject({
    state: "running",
    interfaces: [
      eni("eni-1", {
        groups: ["sg-app", "sg-db"],
        attachmentId: "eni-attach-1",
        deviceIndex: 0,
        publicIps: ["54.0.0.1", "3.3.3.3"],
      }),
      eni("eni-2", { groups: ["sg-db"], deviceIndex: 1, publicIps: ["54.0.0.2"] }),
      eni("eni-3", { groups: [] }),
    ],
    volumes: [
      { deviceName: "/dev/xvda", volumeId: "vol-1", deleteOnTermination: true },
      { deviceName: "/dev/xvdb", volumeId: "vol-2", deleteOnTermination: false },
    ],
    protection: { disableApiTermination: true, disableApiStop: false, shutdownBehavior: "terminate" },
    profile: ok({ arn: APP_PROFILE, associationId: "iip-1", state: "associated" }),
    addresses: ok([
      {
        allocationId: "eipalloc-1",
        associationId: "eipassoc-1",
        publicIp: "54.0.0.1",
        networkInterfaceId: "eni-1",
        privateIp: "10.0.0.10",
      },
      {
        allocationId: "eipalloc-2",
        publicIp: "54.0.0.2",
        networkInterfaceId: "eni-2",
        privateIp: "10.0.0.11",
      },
      { allocationId: "eipalloc-3", publicIp: "54.0.0.3", instanceId: "i-1" },
      { publicIp: "54.0.0.4", networkInterfaceId: "eni-1", privateIp: "10.0.0.12" },
      { allocationId: "eipalloc-5", publicIp: "54.0.0.5", privateIp: "10.0.0.13" },
      { allocationId: "eipalloc-6", publicIp: "54.0.0.6", networkInterfaceId: "eni-1" },
    ]),
    autoScaling: ok({ groupName: "web", lifecycleState: "InService" }),
  });
}

const REGS: Registration[] = [
  { targetGroupArn: "arn:tg/web", id: "i-1", port: 80, state: "healthy" },
  { targetGroupArn: "arn:tg/web", id: "i-1", port: 81, state: "draining" },
  { targetGroupArn: "arn:tg/ip", id: "10.0.0.10", availabilityZone: "all", state: "unhealthy" },
];

describe("recordPreIsolation, first attempt", () => {
  it("records every interface, profile, Elastic IP, membership, registration, protection and volume as it is", () => {
    const out = recorded(rich(), REGS);

    expect(out).toStrictEqual({
      note: `recorded at ${AT}`,
      state: {
        instanceId: "i-1",
        capturedAt: AT,
        interfaces: [
          {
            networkInterfaceId: "eni-1",
            groups: ["sg-app", "sg-db"],
            attachmentId: "eni-attach-1",
            deviceIndex: 0,
            publicIp: "3.3.3.3",
          },
          { networkInterfaceId: "eni-2", groups: ["sg-db"], deviceIndex: 1 },
          { networkInterfaceId: "eni-3", groups: [] },
        ],
        instanceProfileArn: APP_PROFILE,
        iamAssociationId: "iip-1",
        elasticIps: [
          {
            allocationId: "eipalloc-1",
            publicIp: "54.0.0.1",
            networkInterfaceId: "eni-1",
            privateIp: "10.0.0.10",
            associationId: "eipassoc-1",
          },
          {
            allocationId: "eipalloc-2",
            publicIp: "54.0.0.2",
            networkInterfaceId: "eni-2",
            privateIp: "10.0.0.11",
          },
        ],
        autoScalingGroup: { name: "web", mode: "standby" },
        targetGroups: [
          { targetGroupArn: "arn:tg/web", port: 80 },
          { targetGroupArn: "arn:tg/ip", targetId: "10.0.0.10", availabilityZone: "all" },
        ],
        protection: { disableApiTermination: true, disableApiStop: false, shutdownBehavior: "terminate" },
        volumesDeleteOnTermination: [
          { deviceName: "/dev/xvda", volumeId: "vol-1", deleteOnTermination: true },
          { deviceName: "/dev/xvdb", volumeId: "vol-2", deleteOnTermination: false },
        ],
        state: "running",
      },
    });
  });

  it("records defaults for what could not be read, and says which", () => {
    const s = subject({
      state: undefined,
      protection: {},
      profile: failed("Throttling"),
      addresses: failed("Throttling"),
      autoScaling: failed("Throttling"),
    });

    expect(recorded(s)).toStrictEqual({
      note: `recorded at ${AT}; could not read (defaults recorded): termination protection, shutdown behaviour, Elastic IPs, instance profile, Auto Scaling group`,
      state: {
        instanceId: "i-1",
        capturedAt: AT,
        interfaces: [{ networkInterfaceId: "eni-1", groups: ["sg-app"] }],
        elasticIps: [],
        targetGroups: [],
        protection: { disableApiTermination: false, shutdownBehavior: "stop" },
        volumesDeleteOnTermination: [
          { deviceName: "/dev/xvda", volumeId: "vol-1", deleteOnTermination: false },
        ],
        state: "unknown",
      },
    });
  });

  it("names only what could not be read", () => {
    expect(recorded(subject({ protection: { disableApiTermination: false } })).note).toBe(
      `recorded at ${AT}; could not read (defaults recorded): shutdown behaviour`,
    );
    expect(recorded(subject({ addresses: failed("x") })).note).toBe(
      `recorded at ${AT}; could not read (defaults recorded): Elastic IPs`,
    );
  });

  it("records no profile for an instance without one, nor an association that names no profile", () => {
    const none = recorded(subject({ profile: ok({}) })).state;
    const bare = recorded(subject({ profile: ok({ associationId: "iip-1" }) }), [], {
      isolationProfileArn: undefined,
    }).state;

    expect(none && "instanceProfileArn" in none).toBe(false);
    expect(none && "iamAssociationId" in none).toBe(false);
    expect(bare && "iamAssociationId" in bare).toBe(false);
  });

  it("records the profile when no isolation profile is configured", () => {
    const s = subject({ profile: ok({ arn: APP_PROFILE, associationId: "iip-1" }) });

    const state = recorded(s, [], { isolationProfileArn: undefined }).state;

    expect([state?.instanceProfileArn, state?.iamAssociationId]).toStrictEqual([APP_PROFILE, "iip-1"]);
  });

  it("records the Auto Scaling group only when the instance is in service there (or in standby, to detach)", () => {
    const asg = (
      lifecycleState: string | undefined,
      asgMode: Opts["asgMode"],
      groupName: string | undefined,
    ) =>
      recorded(subject({ autoScaling: ok({ groupName, lifecycleState }) }), [], { asgMode }).state
        ?.autoScalingGroup;

    expect(asg("InService", "detach", "web")).toStrictEqual({ name: "web", mode: "detach" });
    expect(asg("Standby", "detach", "web")).toStrictEqual({ name: "web", mode: "detach" });
    expect(asg("Standby", "standby", "web")).toBeUndefined();
    expect(asg("Pending", "detach", "web")).toBeUndefined();
    expect(asg(undefined, "detach", "web")).toBeUndefined();
    expect(asg("InService", "standby", undefined)).toBeUndefined();
  });

  it("records stop protection only when it was read", () => {
    const s = subject({
      protection: { disableApiTermination: false, shutdownBehavior: "stop", disableApiStop: true },
    });

    expect(recorded(s).state?.protection).toStrictEqual({
      disableApiTermination: false,
      disableApiStop: true,
      shutdownBehavior: "stop",
    });
  });

  it("records no public address for an interface whose only public address is an Elastic IP", () => {
    const s = subject({
      interfaces: [eni("eni-1", { publicIps: ["54.0.0.9"] })],
      addresses: ok([{ publicIp: "54.0.0.9" }]),
    });

    expect(recorded(s).state?.interfaces).toStrictEqual([
      { networkInterfaceId: "eni-1", groups: ["sg-app"] },
    ]);
  });
});

describe("recordPreIsolation refuses an instance that already shows containment", () => {
  const refusal = (signs: string) =>
    `not recorded: the instance already shows containment (${signs}); its present state is not its pre-isolation state — release with the state recorded by the earlier attempt`;

  it("when an interface is on a responder group of any VPC", () => {
    const s = subject({
      interfaces: [
        eni("eni-1", { groups: ["sg-app", "sg-u"] }),
        eni("eni-2"),
        eni("eni-3", { groups: ["sg-i"] }),
      ],
    });

    expect(recorded(s)).toStrictEqual({ note: refusal("interfaces on responder groups: eni-1, eni-3") });
  });

  it("when the instance is on the isolation profile", () => {
    expect(recorded(subject({ profile: ok({ arn: ISO_PROFILE, associationId: "iip-9" }) }))).toStrictEqual({
      note: refusal("already on the isolation profile"),
    });
  });

  it("when the instance carries the responder's state tag", () => {
    expect(recorded(subject({ tags: { "incident-responder:state": "isolating" } }))).toStrictEqual({
      note: refusal("tagged incident-responder:state=isolating"),
    });
  });

  it("naming every sign it sees", () => {
    const s = subject({
      interfaces: [eni("eni-1", { groups: ["sg-i"] })],
      profile: ok({ arn: ISO_PROFILE }),
      tags: { "incident-responder:state": "isolated" },
    });

    expect(recorded(s).note).toBe(
      refusal(
        "interfaces on responder groups: eni-1; already on the isolation profile; tagged incident-responder:state=isolated",
      ),
    );
  });

  it("but not when the responder's tags say the instance was released: it is back as it was", () => {
    const s = subject({
      tags: { "incident-responder:incident-id": "ir-0", "incident-responder:state": "released" },
    });

    expect(recorded(s).state?.interfaces).toStrictEqual([
      { networkInterfaceId: "eni-1", groups: ["sg-app"] },
    ]);
  });

  it("but not when no isolation profile is configured and the instance has none", () => {
    expect(
      recorded(subject({ profile: ok({}) }), [], { isolationProfileArn: undefined }).state,
    ).toBeDefined();
  });

  it("but not when the profile could not be read", () => {
    expect(recorded(subject({ profile: failed("Throttling") })).state).toBeDefined();
  });

  it("but not when the responder's groups could not be listed (nothing to tell them by)", () => {
    const s = subject({ interfaces: [eni("eni-1", { groups: ["sg-i"] })], groups: failed("AccessDenied") });

    expect(recorded(s).state?.interfaces).toStrictEqual([{ networkInterfaceId: "eni-1", groups: ["sg-i"] }]);
  });
});

describe("recordPreIsolation on a retry", () => {
  const previous = (): PreIsolationState =>
    record({
      capturedAt: "2025-01-01T00:00:00.000Z",
      interfaces: [
        { networkInterfaceId: "eni-1", groups: ["sg-app"] },
        { networkInterfaceId: "eni-2", groups: ["sg-db"] },
      ],
      instanceProfileArn: APP_PROFILE,
      elasticIps: [
        {
          allocationId: "eipalloc-1",
          publicIp: "54.0.0.1",
          networkInterfaceId: "eni-1",
          privateIp: "10.0.0.10",
        },
        {
          allocationId: "eipalloc-2",
          publicIp: "54.0.0.2",
          networkInterfaceId: "eni-2",
          privateIp: "10.0.0.11",
        },
      ],
      targetGroups: [
        { targetGroupArn: "arn:tg/web", port: 80 },
        { targetGroupArn: "arn:tg/ip", targetId: "10.0.0.10", port: 80 },
      ],
      volumesDeleteOnTermination: [
        { deviceName: "/dev/xvda", volumeId: "vol-1", deleteOnTermination: true },
        { deviceName: "/dev/xvdb", volumeId: "vol-2", deleteOnTermination: true },
      ],
    });
  /** The instance as the first attempt left it: isolated, with one more of everything since. */
  const now = () =>
    subject({
      interfaces: [
        eni("eni-1", { groups: ["sg-i"] }),
        eni("eni-2", { groups: ["sg-db"] }),
        eni("eni-9", { groups: ["sg-new"] }),
        eni("eni-8", { groups: ["sg-u"] }),
      ],
      volumes: [
        { deviceName: "/dev/xvda", volumeId: "vol-1", deleteOnTermination: false },
        { deviceName: "/dev/xvdc", volumeId: "vol-9", deleteOnTermination: true },
      ],
      protection: { disableApiTermination: true, shutdownBehavior: "stop" },
      profile: ok({ arn: ISO_PROFILE, associationId: "iip-2" }),
      addresses: ok([
        {
          allocationId: "eipalloc-2",
          publicIp: "54.0.0.2",
          networkInterfaceId: "eni-2",
          privateIp: "10.0.0.11",
        },
        {
          allocationId: "eipalloc-9",
          publicIp: "54.0.0.9",
          networkInterfaceId: "eni-9",
          privateIp: "10.0.0.19",
        },
      ]),
      tags: { "incident-responder:state": "isolating" },
    });
  const regsNow: Registration[] = [
    { targetGroupArn: "arn:tg/web", id: "i-1", port: 80, state: "healthy" },
    { targetGroupArn: "arn:tg/web", id: "i-1", port: 443, state: "healthy" },
    { targetGroupArn: "arn:tg/ip", id: "10.0.0.10", port: 80, state: "healthy" },
    { targetGroupArn: "arn:tg/ip", id: "10.0.0.11", port: 80, state: "healthy" },
  ];

  it("keeps the first record and adds each interface, volume, Elastic IP and registration that appeared since", () => {
    const prev = previous();

    const out = recorded(now(), regsNow, { previous: prev });

    expect(out).toStrictEqual({
      note: "kept the state recorded at 2025-01-01T00:00:00.000Z; added 5 item(s) that appeared since",
      state: {
        ...prev,
        interfaces: [...prev.interfaces, { networkInterfaceId: "eni-9", groups: ["sg-new"] }],
        volumesDeleteOnTermination: [
          ...prev.volumesDeleteOnTermination,
          { deviceName: "/dev/xvdc", volumeId: "vol-9", deleteOnTermination: true },
        ],
        elasticIps: [
          ...prev.elasticIps,
          {
            allocationId: "eipalloc-9",
            publicIp: "54.0.0.9",
            networkInterfaceId: "eni-9",
            privateIp: "10.0.0.19",
          },
        ],
        targetGroups: [
          ...prev.targetGroups,
          { targetGroupArn: "arn:tg/web", port: 443 },
          { targetGroupArn: "arn:tg/ip", targetId: "10.0.0.11", port: 80 },
        ],
      },
    });
  });

  it("adds nothing, and says only what it kept, when nothing appeared", () => {
    const prev = previous();
    const s = subject({
      interfaces: [eni("eni-1", { groups: ["sg-i"] })],
      volumes: [{ deviceName: "/dev/xvda", volumeId: "vol-1", deleteOnTermination: false }],
      tags: { "incident-responder:state": "isolating" },
    });

    expect(recorded(s, [], { previous: prev })).toStrictEqual({
      note: "kept the state recorded at 2025-01-01T00:00:00.000Z",
      state: prev,
    });
  });

  it("adds everything to a first record that had nothing", () => {
    const prev = record({ interfaces: [], volumesDeleteOnTermination: [] });
    const s = subject({ volumes: [] });

    const out = recorded(s, [], { previous: prev });

    expect(out.state?.interfaces).toStrictEqual([{ networkInterfaceId: "eni-1", groups: ["sg-app"] }]);
    expect(out.note).toBe(
      "kept the state recorded at 2025-01-01T00:00:00.000Z; added 1 item(s) that appeared since",
    );
  });

  it("adds an Auto Scaling membership the first record did not have, and keeps the one it had", () => {
    const inService = subject({ autoScaling: ok({ groupName: "web", lifecycleState: "InService" }) });
    const had = record({ autoScalingGroup: { name: "old", mode: "detach" } });

    expect(recorded(inService, [], { previous: record() }).state?.autoScalingGroup).toStrictEqual({
      name: "web",
      mode: "standby",
    });
    expect(recorded(inService, [], { previous: had }).state?.autoScalingGroup).toStrictEqual({
      name: "old",
      mode: "detach",
    });
    expect(recorded(subject({ volumes: [] }), [], { previous: record() }).state).toStrictEqual(record());
  });
});
