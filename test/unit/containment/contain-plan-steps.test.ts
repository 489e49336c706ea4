/**
 * The containment plan, sub-step by sub-step: what each reads of the described instance, the
 * exact call it plans, and the exact reason it gives when there is none.
 */
import { describe, expect, it } from "vitest";
import {
  finalTagStep,
  type PlanOptions,
  planContainment,
  planDeregistrations,
} from "../../../shared/containment/contain-plan.ts";
import type {
  InstanceSubject,
  SubjectTargetGroup,
  TargetHealth,
} from "../../../shared/containment/subject.ts";
import type { PlannedStep } from "../../../shared/containment/vocabulary.ts";
import { APP_PROFILE, eni, failed, ISO_PROFILE, managedPair, ok, subject, unsupported } from "./subjects.ts";

const NOW = "2025-01-02T03:04:05.000Z";
const options = (over: Partial<PlanOptions> = {}): PlanOptions => ({
  incidentId: "ir-1",
  isolationProfileArn: ISO_PROFILE,
  stopInstance: false,
  stopProtection: false,
  asgMode: "standby",
  now: NOW,
  ...over,
});

const steps = (s: InstanceSubject, over: Partial<PlanOptions> = {}) =>
  planContainment(s, options(over)).steps;
const named = (name: string, s: InstanceSubject, over: Partial<PlanOptions> = {}): PlannedStep[] =>
  steps(s, over).filter((x) => x.name === name);
const skipped = (name: string, target: string, phase: PlannedStep["phase"], detail: string): PlannedStep => ({
  name,
  target,
  phase,
  status: "skipped",
  detail,
});
const modifyInstance = (input: Record<string, unknown>) => ({
  service: "ec2",
  operation: "ModifyInstanceAttribute",
  input: { InstanceId: "i-1", ...input },
});

describe("planContainment", () => {
  it("plans every sub-step of an unprotected instance on its own groups, in order", () => {
    const plan = planContainment(subject(), options());

    expect(plan).toStrictEqual({
      groups: [],
      steps: [
        {
          name: "protection:termination",
          target: "i-1",
          phase: "early",
          call: modifyInstance({ DisableApiTermination: { Value: true } }),
        },
        skipped("protection:stop", "i-1", "early", "stop protection not requested"),
        {
          name: "protection:shutdown-behavior",
          target: "i-1",
          phase: "early",
          call: modifyInstance({ InstanceInitiatedShutdownBehavior: { Value: "stop" } }),
        },
        skipped(
          "protection:delete-on-termination",
          "vol-1",
          "early",
          "/dev/xvda: DeleteOnTermination already false",
        ),
        {
          name: "network:untracking",
          target: "eni-1",
          phase: "untrack",
          call: {
            service: "ec2",
            operation: "ModifyNetworkInterfaceAttribute",
            input: { NetworkInterfaceId: "eni-1", Groups: ["sg-u"] },
            groupRef: { vpcId: "vpc-1", role: "untracking" },
          },
          data: { previousGroups: ["sg-app"], vpcId: "vpc-1" },
        },
        {
          name: "network:isolation",
          target: "eni-1",
          phase: "isolate",
          call: {
            service: "ec2",
            operation: "ModifyNetworkInterfaceAttribute",
            input: { NetworkInterfaceId: "eni-1", Groups: ["sg-i"] },
            groupRef: { vpcId: "vpc-1", role: "isolation" },
          },
          data: { previousGroups: ["sg-app"], vpcId: "vpc-1" },
        },
        skipped("network:elastic-ip", "i-1", "early", "no Elastic IP associated"),
        {
          name: "identity:instance-profile",
          target: "i-1",
          phase: "early",
          call: {
            service: "ec2",
            operation: "AssociateIamInstanceProfile",
            input: { InstanceId: "i-1", IamInstanceProfile: { Arn: ISO_PROFILE } },
          },
          data: { previousProfileArn: null },
        },
        skipped("fleet:auto-scaling", "i-1", "early", "not in an Auto Scaling group"),
        {
          name: "tags:incident",
          target: "i-1",
          phase: "early",
          call: {
            service: "ec2",
            operation: "CreateTags",
            input: {
              Resources: ["i-1"],
              Tags: [
                { Key: "incident-responder:incident-id", Value: "ir-1" },
                { Key: "incident-responder:state", Value: "isolating" },
                { Key: "incident-responder:isolated-at", Value: NOW },
              ],
            },
          },
        },
        skipped("instance:stop", "i-1", "stop", "not requested: memory evidence kept"),
      ],
    });
  });

  it("plans the creation of the groups of the instance's VPC when none is found", () => {
    const plan = planContainment(subject({ groups: ok([]) }), options());

    expect(plan.groups.map((g) => [g.vpcId, g.role, g.create?.operation])).toStrictEqual([
      ["vpc-1", "untracking", "CreateSecurityGroup"],
      ["vpc-1", "isolation", "CreateSecurityGroup"],
    ]);
  });
});

describe("evidence protection", () => {
  it("skips termination protection that is already on, and plans it when it is off or unknown", () => {
    const on = subject({ protection: { disableApiTermination: true, shutdownBehavior: "stop" } });
    const unknown = subject({ protection: { shutdownBehavior: "stop" } });

    expect(named("protection:termination", on)).toStrictEqual([
      skipped("protection:termination", "i-1", "early", "termination protection already enabled"),
    ]);
    expect(named("protection:termination", unknown)[0]?.call).toStrictEqual(
      modifyInstance({ DisableApiTermination: { Value: true } }),
    );
  });

  it("skips a shutdown behaviour already stop, and plans it when it is unknown", () => {
    const stop = subject({ protection: { disableApiTermination: false, shutdownBehavior: "stop" } });
    const unknown = subject({ protection: { disableApiTermination: false } });

    expect(named("protection:shutdown-behavior", stop)).toStrictEqual([
      skipped("protection:shutdown-behavior", "i-1", "early", "shutdown behaviour already stop"),
    ]);
    expect(named("protection:shutdown-behavior", unknown)[0]?.call).toStrictEqual(
      modifyInstance({ InstanceInitiatedShutdownBehavior: { Value: "stop" } }),
    );
  });

  it("enables stop protection early when asked and the instance is not to be stopped", () => {
    expect(named("protection:stop", subject(), { stopProtection: true })).toStrictEqual([
      {
        name: "protection:stop",
        target: "i-1",
        phase: "early",
        call: modifyInstance({ DisableApiStop: { Value: true } }),
      },
    ]);
  });

  it("enables stop protection last when the responder itself stops the running instance", () => {
    const [step] = named("protection:stop", subject(), { stopProtection: true, stopInstance: true });

    expect(step?.phase).toBe("final");
  });

  it("enables stop protection early when the instance to stop is already stopped or stopping", () => {
    for (const state of ["stopped", "stopping"]) {
      const [step] = named("protection:stop", subject({ state }), {
        stopProtection: true,
        stopInstance: true,
      });

      expect(step?.phase, state).toBe("early");
    }
  });

  it("skips stop protection that is already on", () => {
    const on = subject({ protection: { disableApiTermination: false, disableApiStop: true } });

    expect(named("protection:stop", on, { stopProtection: true })).toStrictEqual([
      skipped("protection:stop", "i-1", "early", "stop protection already enabled"),
    ]);
  });

  it("keeps each volume that would be deleted with the instance, and skips those already kept", () => {
    const s = subject({
      volumes: [
        { deviceName: "/dev/xvda", volumeId: "vol-1", deleteOnTermination: true },
        { deviceName: "/dev/xvdb", volumeId: "vol-2", deleteOnTermination: false },
      ],
    });

    expect(named("protection:delete-on-termination", s)).toStrictEqual([
      {
        name: "protection:delete-on-termination",
        target: "vol-1",
        phase: "early",
        call: modifyInstance({
          BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { DeleteOnTermination: false } }],
        }),
        data: { deviceName: "/dev/xvda" },
      },
      skipped(
        "protection:delete-on-termination",
        "vol-2",
        "early",
        "/dev/xvdb: DeleteOnTermination already false",
      ),
    ]);
  });

  it("plans no volume step for an instance without volumes", () => {
    expect(named("protection:delete-on-termination", subject({ volumes: [] }))).toStrictEqual([]);
  });
});

describe("network swaps", () => {
  const swaps = (s: InstanceSubject) =>
    steps(s)
      .filter((x) => x.name === "network:untracking" || x.name === "network:isolation")
      .map((x) =>
        x.call ? `${x.name} ${x.target} -> ${x.call.input.Groups}` : `${x.name} ${x.target}: ${x.detail}`,
      );

  it("swaps every interface twice, each to the groups of its own VPC", () => {
    const s = subject({
      interfaces: [eni("eni-1"), eni("eni-2", { vpcId: "vpc-2", groups: ["sg-x", "sg-y"] })],
      groups: ok([...managedPair("vpc-1", "sg-u", "sg-i"), ...managedPair("vpc-2", "sg-u2", "sg-i2")]),
    });

    expect(swaps(s)).toStrictEqual([
      "network:untracking eni-1 -> sg-u",
      "network:isolation eni-1 -> sg-i",
      "network:untracking eni-2 -> sg-u2",
      "network:isolation eni-2 -> sg-i2",
    ]);
    expect(named("network:isolation", s)[1]?.data).toStrictEqual({
      previousGroups: ["sg-x", "sg-y"],
      vpcId: "vpc-2",
    });
  });

  it("takes the instance's VPC for an interface that names none", () => {
    const s = subject({ interfaces: [eni("eni-1", { vpcId: undefined })] });

    expect(swaps(s)).toStrictEqual(["network:untracking eni-1 -> sg-u", "network:isolation eni-1 -> sg-i"]);
  });

  it("names the groups it needs when neither the interface nor the instance says its VPC", () => {
    const s = subject({ vpcId: undefined, interfaces: [eni("eni-1", { vpcId: undefined })] });

    expect(named("network:isolation", s)[0]?.call).toStrictEqual({
      service: "ec2",
      operation: "ModifyNetworkInterfaceAttribute",
      input: { NetworkInterfaceId: "eni-1", Groups: ["<incident-responder-isolation of >"] },
      groupRef: { vpcId: "", role: "isolation" },
    });
  });

  it("names the groups to be created when the responder's groups could not be listed", () => {
    const s = subject({ groups: failed("AccessDenied") });

    expect(swaps(s)).toStrictEqual([
      "network:untracking eni-1 -> <incident-responder-untracking of vpc-1>",
      "network:isolation eni-1 -> <incident-responder-isolation of vpc-1>",
    ]);
  });

  it("skips both swaps of an interface already on the isolation group only", () => {
    const s = subject({ interfaces: [eni("eni-1", { groups: ["sg-i"] })] });

    expect(swaps(s)).toStrictEqual([
      "network:untracking eni-1: already on the isolation group only",
      "network:isolation eni-1: already on sg-i only",
    ]);
    expect(named("network:untracking", s)[0]?.phase).toBe("untrack");
    expect(named("network:isolation", s)[0]?.phase).toBe("isolate");
  });

  it("skips only the untracking swap of an interface already on the untracking group only", () => {
    const s = subject({ interfaces: [eni("eni-1", { groups: ["sg-u"] })] });

    expect(swaps(s)).toStrictEqual([
      "network:untracking eni-1: already on sg-u only",
      "network:isolation eni-1 -> sg-i",
    ]);
    expect(named("network:untracking", s)[0]?.phase).toBe("untrack");
  });

  it("swaps an interface that has the isolation group beside another, or no group at all", () => {
    const s = subject({
      interfaces: [
        eni("eni-1", { groups: ["sg-i", "sg-app"] }),
        eni("eni-2", { groups: ["sg-u", "sg-app"] }),
        eni("eni-3", { groups: [] }),
      ],
    });

    expect(swaps(s)).toStrictEqual([
      "network:untracking eni-1 -> sg-u",
      "network:isolation eni-1 -> sg-i",
      "network:untracking eni-2 -> sg-u",
      "network:isolation eni-2 -> sg-i",
      "network:untracking eni-3 -> sg-u",
      "network:isolation eni-3 -> sg-i",
    ]);
  });

  it("does not take another VPC's isolation group for this interface's", () => {
    const s = subject({
      interfaces: [eni("eni-1", { vpcId: "vpc-2", groups: ["sg-i"] })],
      groups: ok(managedPair("vpc-1")),
    });

    expect(swaps(s)).toStrictEqual([
      "network:untracking eni-1 -> <incident-responder-untracking of vpc-2>",
      "network:isolation eni-1 -> <incident-responder-isolation of vpc-2>",
    ]);
  });
});

describe("Elastic IPs and public addresses", () => {
  it("disassociates every associated Elastic IP and leaves unassociated ones alone", () => {
    const s = subject({
      addresses: ok([
        {
          allocationId: "eipalloc-1",
          associationId: "eipassoc-1",
          publicIp: "54.0.0.1",
          networkInterfaceId: "eni-1",
          privateIp: "10.0.0.10",
        },
        { publicIp: "54.0.0.2", associationId: "eipassoc-2", instanceId: "i-1" },
        { allocationId: "eipalloc-3", publicIp: "54.0.0.3", networkInterfaceId: "eni-1" },
      ]),
    });

    expect(named("network:elastic-ip", s)).toStrictEqual([
      {
        name: "network:elastic-ip",
        target: "eipalloc-1",
        phase: "early",
        call: { service: "ec2", operation: "DisassociateAddress", input: { AssociationId: "eipassoc-1" } },
        data: { publicIp: "54.0.0.1", networkInterfaceId: "eni-1", privateIp: "10.0.0.10" },
      },
      {
        name: "network:elastic-ip",
        target: "54.0.0.2",
        phase: "early",
        call: { service: "ec2", operation: "DisassociateAddress", input: { AssociationId: "eipassoc-2" } },
        data: { publicIp: "54.0.0.2", networkInterfaceId: undefined, privateIp: undefined },
      },
    ]);
  });

  it("says there is no Elastic IP when the only one is not associated", () => {
    const s = subject({ addresses: ok([{ allocationId: "eipalloc-3", publicIp: "54.0.0.3" }]) });

    expect(named("network:elastic-ip", s)).toStrictEqual([
      skipped("network:elastic-ip", "i-1", "early", "no Elastic IP associated"),
    ]);
  });

  it("removes a public address assigned at launch, but not one that is an Elastic IP", () => {
    const s = subject({
      interfaces: [
        eni("eni-1", { publicIps: ["3.3.3.3", "54.0.0.1"] }),
        eni("eni-2", { publicIps: ["54.0.0.2"] }),
        eni("eni-3"),
      ],
      addresses: ok([
        {
          allocationId: "eipalloc-1",
          associationId: "a-1",
          publicIp: "54.0.0.1",
          networkInterfaceId: "eni-1",
        },
        { allocationId: "eipalloc-2", publicIp: "54.0.0.2" },
      ]),
    });

    expect(named("network:public-ip", s)).toStrictEqual([
      {
        name: "network:public-ip",
        target: "eni-1",
        phase: "early",
        call: {
          service: "ec2",
          operation: "ModifyNetworkInterfaceAttribute",
          input: { NetworkInterfaceId: "eni-1", AssociatePublicIpAddress: false },
        },
        data: { publicIps: ["3.3.3.3"] },
      },
    ]);
  });

  it("blocks the Elastic IP step when addresses could not be listed, with the reason, and plans no public-IP step", () => {
    const s = subject({
      interfaces: [eni("eni-1", { publicIps: ["3.3.3.3"] })],
      addresses: failed("UnauthorizedOperation: no"),
    });

    expect(
      steps(s).filter((x) => x.name === "network:elastic-ip" || x.name === "network:public-ip"),
    ).toStrictEqual([
      {
        name: "network:elastic-ip",
        target: "i-1",
        phase: "early",
        status: "failed",
        detail: "could not list Elastic IPs: UnauthorizedOperation: no",
      },
    ]);
  });

  it("says the Elastic IP step is unsupported where the endpoint lacks the API", () => {
    const s = subject({ addresses: unsupported("not implemented") });

    expect(named("network:elastic-ip", s)[0]?.status).toBe("unsupported");
  });
});

describe("identity", () => {
  it("leaves identity alone when no isolation profile is configured", () => {
    expect(named("identity:instance-profile", subject(), { isolationProfileArn: undefined })).toStrictEqual([
      skipped(
        "identity:instance-profile",
        "i-1",
        "early",
        "no isolation instance profile configured (ISOLATION_PROFILE_ARN): identity left as is",
      ),
    ]);
  });

  it("is blocked when the profile association could not be read", () => {
    expect(named("identity:instance-profile", subject({ profile: failed("Throttling") }))).toStrictEqual([
      {
        name: "identity:instance-profile",
        target: "i-1",
        phase: "early",
        status: "failed",
        detail: "could not read the profile association: Throttling",
      },
    ]);
  });

  it("skips an instance already on the isolation profile", () => {
    const s = subject({ profile: ok({ arn: ISO_PROFILE, associationId: "iip-1" }) });

    expect(named("identity:instance-profile", s)).toStrictEqual([
      skipped("identity:instance-profile", "i-1", "early", "already on the isolation profile"),
    ]);
  });

  it("replaces the association of an instance that has a profile, and records the one it had", () => {
    const s = subject({ profile: ok({ arn: APP_PROFILE, associationId: "iip-1" }) });

    expect(named("identity:instance-profile", s)).toStrictEqual([
      {
        name: "identity:instance-profile",
        target: "i-1",
        phase: "early",
        call: {
          service: "ec2",
          operation: "ReplaceIamInstanceProfileAssociation",
          input: { AssociationId: "iip-1", IamInstanceProfile: { Arn: ISO_PROFILE } },
        },
        data: { previousProfileArn: APP_PROFILE },
      },
    ]);
  });
});

describe("Auto Scaling", () => {
  const fleet = (lifecycleState: string | undefined, asgMode: PlanOptions["asgMode"]) =>
    named(
      "fleet:auto-scaling",
      subject({ autoScaling: ok({ groupName: "web", ...(lifecycleState ? { lifecycleState } : {}) }) }),
      { asgMode },
    )[0];
  const call = (operation: string, lifecycleState: string) => ({
    name: "fleet:auto-scaling",
    target: "web",
    phase: "early",
    call: {
      service: "autoscaling",
      operation,
      input: { AutoScalingGroupName: "web", InstanceIds: ["i-1"], ShouldDecrementDesiredCapacity: true },
    },
    data: { lifecycleState },
  });
  const cannot = (detail: string) => ({
    name: "fleet:auto-scaling",
    target: "web",
    phase: "early",
    status: "failed",
    detail,
  });

  it("is blocked when the membership could not be read", () => {
    expect(named("fleet:auto-scaling", subject({ autoScaling: failed("Throttling") }))).toStrictEqual([
      {
        name: "fleet:auto-scaling",
        target: "i-1",
        phase: "early",
        status: "failed",
        detail: "could not read the Auto Scaling membership: Throttling",
      },
    ]);
  });

  it("puts an instance in service into standby, decrementing the desired capacity", () => {
    expect(fleet("InService", "standby")).toStrictEqual(call("EnterStandby", "InService"));
  });

  it("skips an instance already out of service in standby mode, saying its state", () => {
    for (const state of ["Standby", "EnteringStandby", "Detaching", "Detached"])
      expect(fleet(state, "standby"), state).toStrictEqual(
        skipped("fleet:auto-scaling", "web", "early", `already out of service (${state})`),
      );
  });

  it("cannot enter standby from another state, nor from an unknown one", () => {
    expect(fleet("Pending", "standby")).toStrictEqual(
      cannot("cannot enter standby from lifecycle state Pending"),
    );
    expect(fleet(undefined, "standby")).toStrictEqual(
      cannot("cannot enter standby from lifecycle state unknown"),
    );
  });

  it("detaches an instance in service or in standby in detach mode", () => {
    expect(fleet("InService", "detach")).toStrictEqual(call("DetachInstances", "InService"));
    expect(fleet("Standby", "detach")).toStrictEqual(call("DetachInstances", "Standby"));
  });

  it("skips an instance already detaching, and cannot detach from another state", () => {
    expect(fleet("Detaching", "detach")).toStrictEqual(
      skipped("fleet:auto-scaling", "web", "early", "already detaching"),
    );
    expect(fleet("Pending", "detach")).toStrictEqual(cannot("cannot detach from lifecycle state Pending"));
  });
});

describe("incident tags", () => {
  const tagsOf = (tags: Record<string, string>) => named("tags:incident", subject({ tags }))[0];

  it("leaves the tags of an instance another incident holds unchanged", () => {
    expect(tagsOf({ "incident-responder:incident-id": "ir-0" })).toStrictEqual(
      skipped("tags:incident", "i-1", "early", "already tagged by incident ir-0: tags left unchanged"),
    );
  });

  it("writes only the tags that are missing when this incident already tagged the instance", () => {
    const step = tagsOf({ "incident-responder:incident-id": "ir-1", "incident-responder:state": "released" });

    expect(step?.call?.input).toStrictEqual({
      Resources: ["i-1"],
      Tags: [
        { Key: "incident-responder:state", Value: "isolating" },
        { Key: "incident-responder:isolated-at", Value: NOW },
      ],
    });
  });

  it("keeps a state of isolating or isolated and an isolation time already written", () => {
    for (const state of ["isolating", "isolated"]) {
      const step = tagsOf({ "incident-responder:state": state, "incident-responder:isolated-at": "earlier" });

      expect(step?.call?.input, state).toStrictEqual({
        Resources: ["i-1"],
        Tags: [{ Key: "incident-responder:incident-id", Value: "ir-1" }],
      });
    }
  });

  it("takes over the tags of an instance another incident released, with a new isolation time", () => {
    const step = tagsOf({
      "incident-responder:incident-id": "ir-0",
      "incident-responder:state": "released",
      "incident-responder:isolated-at": "earlier",
    });

    expect(step?.call?.input).toStrictEqual({
      Resources: ["i-1"],
      Tags: [
        { Key: "incident-responder:incident-id", Value: "ir-1" },
        { Key: "incident-responder:state", Value: "isolating" },
        { Key: "incident-responder:isolated-at", Value: NOW },
      ],
    });
  });

  it("skips an instance that already carries every tag", () => {
    const step = tagsOf({
      "incident-responder:incident-id": "ir-1",
      "incident-responder:state": "isolated",
      "incident-responder:isolated-at": "earlier",
    });

    expect(step).toStrictEqual(skipped("tags:incident", "i-1", "early", "already tagged"));
  });
});

describe("stopping", () => {
  it("stops a running instance when asked", () => {
    expect(named("instance:stop", subject(), { stopInstance: true })).toStrictEqual([
      {
        name: "instance:stop",
        target: "i-1",
        phase: "stop",
        call: { service: "ec2", operation: "StopInstances", input: { InstanceIds: ["i-1"] } },
      },
    ]);
  });

  it("skips an instance already stopped or stopping, saying which", () => {
    for (const state of ["stopped", "stopping"])
      expect(named("instance:stop", subject({ state }), { stopInstance: true })).toStrictEqual([
        skipped("instance:stop", "i-1", "stop", `already ${state}`),
      ]);
  });
});

describe("finalTagStep", () => {
  const call = (value: string): PlannedStep => ({
    name: "tags:state",
    target: "i-1",
    phase: "final",
    call: {
      service: "ec2",
      operation: "CreateTags",
      input: { Resources: ["i-1"], Tags: [{ Key: "incident-responder:state", Value: value }] },
    },
  });

  it("tags isolated when verified, isolation-incomplete when not", () => {
    const s = subject({
      tags: { "incident-responder:incident-id": "ir-1", "incident-responder:state": "isolating" },
    });

    expect(finalTagStep(s, { incidentId: "ir-1" }, true)).toStrictEqual(call("isolated"));
    expect(finalTagStep(s, { incidentId: "ir-1" }, false)).toStrictEqual(call("isolation-incomplete"));
  });

  it("tags an instance that carries no incident tag", () => {
    expect(finalTagStep(subject(), { incidentId: "ir-1" }, true)).toStrictEqual(call("isolated"));
  });

  it("skips a state already written", () => {
    const s = subject({ tags: { "incident-responder:state": "isolation-incomplete" } });

    expect(finalTagStep(s, { incidentId: "ir-1" }, false)).toStrictEqual(
      skipped("tags:state", "i-1", "final", "already tagged isolation-incomplete"),
    );
  });

  it("tags an instance another incident had released", () => {
    const s = subject({
      tags: { "incident-responder:incident-id": "ir-0", "incident-responder:state": "released" },
    });

    expect(finalTagStep(s, { incidentId: "ir-1" }, true)).toStrictEqual(call("isolated"));
  });

  it("leaves the tags of an instance another incident holds unchanged", () => {
    const s = subject({
      tags: { "incident-responder:incident-id": "ir-0", "incident-responder:state": "isolated" },
    });

    expect(finalTagStep(s, { incidentId: "ir-1" }, false)).toStrictEqual(
      skipped("tags:state", "i-1", "final", "already tagged by incident ir-0: tags left unchanged"),
    );
  });
});

describe("planDeregistrations", () => {
  const TG: SubjectTargetGroup = { arn: "arn:tg/web", name: "web", targetType: "instance" };
  const health = (registrations: TargetHealth["registrations"], targetGroup = TG): TargetHealth => ({
    targetGroup,
    registrations,
  });
  const reg = (id: string, state: string, more: { port?: number; availabilityZone?: string } = {}) => ({
    targetGroupArn: TG.arn,
    id,
    state,
    ...more,
  });

  it("deregisters every live registration of a group in one call, with port and zone when known", () => {
    const out = planDeregistrations(subject({ targetGroups: ok([TG]) }), [
      health(
        ok([
          reg("i-1", "healthy", { port: 80 }),
          reg("i-1", "draining", { port: 8080 }),
          reg("10.0.0.5", "unhealthy", { availabilityZone: "all" }),
        ]),
      ),
    ]);

    expect(out).toStrictEqual([
      {
        name: "fleet:target-group",
        target: "arn:tg/web",
        phase: "deregister",
        call: {
          service: "elasticloadbalancing",
          operation: "DeregisterTargets",
          input: {
            TargetGroupArn: "arn:tg/web",
            Targets: [
              { Id: "i-1", Port: 80 },
              { Id: "10.0.0.5", AvailabilityZone: "all" },
            ],
          },
        },
        data: { states: ["i-1:80 healthy", "10.0.0.5: unhealthy"] },
      },
    ]);
  });

  it("skips a group where every registration is already draining", () => {
    const out = planDeregistrations(subject(), [health(ok([reg("i-1", "draining", { port: 80 })]))]);

    expect(out).toStrictEqual([
      skipped("fleet:target-group", "arn:tg/web", "deregister", "already draining"),
    ]);
  });

  it("says the instance is in no target group when no group holds it", () => {
    const out = planDeregistrations(subject(), [health(ok([]))]);

    expect(out).toStrictEqual([
      skipped("fleet:target-group", "i-1", "deregister", "not registered in any target group"),
    ]);
  });

  it("is blocked for a group whose health could not be read, and goes on with the others", () => {
    const other = { arn: "arn:tg/api", targetType: "instance" };
    const out = planDeregistrations(subject(), [
      health(unsupported("not implemented")),
      health(failed("Throttling"), other),
    ]);

    expect(out).toStrictEqual([
      {
        name: "fleet:target-group",
        target: "arn:tg/web",
        phase: "deregister",
        status: "unsupported",
        detail: "could not read target health: not implemented",
      },
      {
        name: "fleet:target-group",
        target: "arn:tg/api",
        phase: "deregister",
        status: "failed",
        detail: "could not read target health: Throttling",
      },
    ]);
  });

  it("is blocked as a whole when the target groups could not be listed", () => {
    const out = planDeregistrations(subject({ targetGroups: failed("AccessDenied") }), [
      health(ok([reg("i-1", "healthy")])),
    ]);

    expect(out).toStrictEqual([
      {
        name: "fleet:target-group",
        target: "i-1",
        phase: "deregister",
        status: "failed",
        detail: "could not list target groups: AccessDenied",
      },
    ]);
  });

  it("says, after the deregistrations, that a listing stopped at its bound left groups unchecked", () => {
    const out = planDeregistrations(subject({ targetGroups: ok([TG]), targetGroupsTruncated: true }), [
      health(ok([reg("i-1", "draining")])),
    ]);

    expect(out).toStrictEqual([
      skipped("fleet:target-group", "arn:tg/web", "deregister", "already draining"),
      {
        name: "fleet:target-group",
        target: "i-1",
        phase: "deregister",
        status: "failed",
        detail:
          "not every target group was checked: more than 4000 target groups: the listing stopped at its bound, the others were not checked",
      },
    ]);
  });
});
