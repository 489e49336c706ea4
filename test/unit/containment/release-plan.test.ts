/**
 * Release, the pure part: each difference that makes applying the record unsafe, with the
 * sentence a person reads; each sub-step that puts the instance back, or why there is none;
 * and what is not back once they are made.
 */
import { describe, expect, it } from "vitest";
import type { PreIsolationState, ReleaseOptions } from "../../../shared/containment/record-schema.ts";
import {
  evaluateRelease,
  planRelease,
  releaseDifferences,
} from "../../../shared/containment/release-plan.ts";
import type { InstanceSubject, Readback, TargetHealth } from "../../../shared/containment/subject.ts";
import type { PlannedStep } from "../../../shared/containment/vocabulary.ts";
import { APP_PROFILE, eni, failed, ISO_PROFILE, ok, readback, record, subject } from "./subjects.ts";

const NOW = "2025-01-03T00:00:00.000Z";
const releaseOpts: ReleaseOptions = {
  incidentId: "ir-1",
  force: false,
  dryRun: false,
  isolationProfileArn: ISO_PROFILE,
};
/** i-1 as containment left it: eni-1 on the isolation group, tagged by ir-1. */
const isolated = (over: Partial<InstanceSubject> = {}) =>
  subject({
    interfaces: [eni("eni-1", { groups: ["sg-i"] })],
    tags: { "incident-responder:incident-id": "ir-1", "incident-responder:state": "isolated" },
    ...over,
  });
const diffs = (s: InstanceSubject, pre: PreIsolationState = record(), opts: Partial<ReleaseOptions> = {}) =>
  releaseDifferences(s, pre, { ...releaseOpts, ...opts });
const EIP = {
  allocationId: "eipalloc-1",
  publicIp: "54.0.0.1",
  networkInterfaceId: "eni-1",
  privateIp: "10.0.0.10",
};

describe("releaseDifferences", () => {
  it("finds none on the instance as containment left it", () => {
    expect(diffs(isolated())).toStrictEqual([]);
  });

  it("finds none when the interface is back on its recorded groups, in any order, or on the untracking group", () => {
    const pre = record({ interfaces: [{ networkInterfaceId: "eni-1", groups: ["sg-app", "sg-db"] }] });

    expect(
      diffs(isolated({ interfaces: [eni("eni-1", { groups: ["sg-db", "sg-app"] })] }), pre),
    ).toStrictEqual([]);
    expect(diffs(isolated({ interfaces: [eni("eni-1", { groups: ["sg-u"] })] }), pre)).toStrictEqual([]);
  });

  it("refuses an instance another incident holds", () => {
    expect(diffs(isolated({ tags: { "incident-responder:incident-id": "ir-0" } }))).toStrictEqual([
      "instance is held by incident ir-0, not ir-1",
    ]);
  });

  it("accepts an instance no incident tagged", () => {
    expect(diffs(isolated({ tags: {} }))).toStrictEqual([]);
  });

  it("refuses an interface added or gone since isolation", () => {
    const pre = record({
      interfaces: [
        { networkInterfaceId: "eni-1", groups: ["sg-app"] },
        { networkInterfaceId: "eni-2", groups: ["sg-app"] },
      ],
    });
    const s = isolated({
      interfaces: [eni("eni-1", { groups: ["sg-i"] }), eni("eni-3", { groups: ["sg-i"] })],
    });

    expect(diffs(s, pre)).toStrictEqual([
      "new network interface eni-3 (not there at isolation)",
      "network interface eni-2 is no longer attached",
    ]);
  });

  it("refuses groups that are neither the responder's alone nor the recorded ones, naming both", () => {
    const pre = record({ interfaces: [{ networkInterfaceId: "eni-1", groups: ["sg-app", "sg-db"] }] });
    const on = (groups: string[]) => diffs(isolated({ interfaces: [eni("eni-1", { groups })] }), pre);

    expect(on(["sg-app"])).toStrictEqual([
      "eni-1: security groups sg-app are neither the isolation group nor the recorded sg-app, sg-db",
    ]);
    expect(on(["sg-app", "sg-x"])).toStrictEqual([
      "eni-1: security groups sg-app, sg-x are neither the isolation group nor the recorded sg-app, sg-db",
    ]);
    expect(on(["sg-i", "sg-app"])).toStrictEqual([
      "eni-1: security groups sg-i, sg-app are neither the isolation group nor the recorded sg-app, sg-db",
    ]);
    expect(on([])).toStrictEqual([
      "eni-1: security groups none are neither the isolation group nor the recorded sg-app, sg-db",
    ]);
  });

  it("refuses when the responder's groups could not be listed", () => {
    expect(diffs(isolated({ groups: failed("AccessDenied") }))).toStrictEqual([
      "could not list the responder's security groups: AccessDenied",
    ]);
  });

  it("refuses when the profile could not be read", () => {
    expect(diffs(isolated({ profile: failed("Throttling") }))).toStrictEqual([
      "could not read the instance profile: Throttling",
    ]);
  });

  it("accepts the isolation profile or the recorded one", () => {
    const pre = record({ instanceProfileArn: APP_PROFILE });

    expect(diffs(isolated({ profile: ok({ arn: ISO_PROFILE }) }), pre)).toStrictEqual([]);
    expect(diffs(isolated({ profile: ok({ arn: APP_PROFILE }) }), pre)).toStrictEqual([]);
  });

  it("refuses another profile, or none where one was recorded", () => {
    const pre = record({ instanceProfileArn: APP_PROFILE });

    expect(diffs(isolated({ profile: ok({ arn: "arn:other" }) }), pre)).toStrictEqual([
      `instance profile is arn:other: neither the isolation profile nor the recorded ${APP_PROFILE}`,
    ]);
    expect(diffs(isolated({ profile: ok({ arn: "arn:other" }) }))).toStrictEqual([
      "instance profile is arn:other: neither the isolation profile nor the recorded none",
    ]);
    expect(diffs(isolated({ profile: ok({}) }), pre)).toStrictEqual([
      `instance profile is none: neither the isolation profile nor the recorded ${APP_PROFILE}`,
      `instance profile was removed (recorded ${APP_PROFILE})`,
    ]);
  });

  it("without a known isolation profile, accepts another profile but not a removed one", () => {
    const pre = record({ instanceProfileArn: APP_PROFILE });
    const opts = { isolationProfileArn: undefined };

    expect(diffs(isolated({ profile: ok({ arn: "arn:other" }) }), pre, opts)).toStrictEqual([]);
    expect(diffs(isolated({ profile: ok({}) }), pre, opts)).toStrictEqual([
      `instance profile was removed (recorded ${APP_PROFILE})`,
    ]);
  });

  it("accepts a recorded Elastic IP left unassociated or associated as recorded", () => {
    const pre = record({ elasticIps: [EIP] });

    expect(
      diffs(isolated({ allAddresses: ok([{ allocationId: "eipalloc-1", publicIp: "54.0.0.1" }]) }), pre),
    ).toStrictEqual([]);
    expect(
      diffs(isolated({ allAddresses: ok([{ ...EIP, associationId: "eipassoc-9" }]) }), pre),
    ).toStrictEqual([]);
  });

  it("refuses a recorded Elastic IP released or now used elsewhere", () => {
    const pre = record({
      elasticIps: [
        EIP,
        { ...EIP, allocationId: "eipalloc-2", publicIp: "54.0.0.2" },
        { ...EIP, allocationId: "eipalloc-3", publicIp: "54.0.0.3" },
      ],
    });
    const s = isolated({
      allAddresses: ok([
        { allocationId: "eipalloc-2", publicIp: "54.0.0.2", networkInterfaceId: "eni-9" },
        { allocationId: "eipalloc-3", publicIp: "54.0.0.3", instanceId: "i-9" },
      ]),
    });

    expect(diffs(s, pre)).toStrictEqual([
      "Elastic IP 54.0.0.1 (eipalloc-1) is no longer allocated",
      "Elastic IP 54.0.0.2 (eipalloc-2) is now associated with eni-9",
      "Elastic IP 54.0.0.3 (eipalloc-3) is now associated with i-9",
    ]);
  });

  it("refuses when the Elastic IPs could not be listed, only when one was recorded", () => {
    expect(
      diffs(isolated({ allAddresses: failed("Throttling") }), record({ elasticIps: [EIP] })),
    ).toStrictEqual(["could not list Elastic IPs: Throttling"]);
    expect(diffs(isolated({ allAddresses: failed("Throttling") }))).toStrictEqual([]);
  });

  describe("Auto Scaling", () => {
    const inAsg = (mode: "standby" | "detach") => record({ autoScalingGroup: { name: "web", mode } });
    const member = (groupName?: string, lifecycleState?: string) =>
      isolated({
        autoScaling: ok({
          ...(groupName ? { groupName } : {}),
          ...(lifecycleState ? { lifecycleState } : {}),
        }),
      });

    it("accepts the recorded group in standby or in service, and no group after a detach", () => {
      expect(diffs(member("web", "Standby"), inAsg("standby"))).toStrictEqual([]);
      expect(diffs(member("web", "InService"), inAsg("standby"))).toStrictEqual([]);
      expect(diffs(member(), inAsg("detach"))).toStrictEqual([]);
    });

    it("refuses another group, no group after a standby, or a state it cannot return from", () => {
      expect(diffs(member("api", "InService"), inAsg("detach"))).toStrictEqual([
        "instance is now in Auto Scaling group api, not web",
      ]);
      expect(diffs(member(), inAsg("standby"))).toStrictEqual([
        "instance is no longer in Auto Scaling group web",
      ]);
      expect(diffs(member("web", "Pending"), inAsg("detach"))).toStrictEqual([
        "instance is Pending in Auto Scaling group web",
      ]);
      expect(diffs(member("web"), inAsg("detach"))).toStrictEqual([
        "instance is in an unknown state in Auto Scaling group web",
      ]);
    });

    it("refuses when the membership could not be read, only when one was recorded", () => {
      expect(diffs(isolated({ autoScaling: failed("Throttling") }), inAsg("standby"))).toStrictEqual([
        "could not read the Auto Scaling membership: Throttling",
      ]);
      expect(diffs(isolated({ autoScaling: failed("Throttling") }))).toStrictEqual([]);
    });
  });
});

describe("planRelease", () => {
  const plan = (s: InstanceSubject, pre: PreIsolationState = record()) => planRelease(s, pre, NOW);
  const named = (name: string, s: InstanceSubject, pre?: PreIsolationState) =>
    plan(s, pre).filter((x) => x.name === name);
  const skipped = (name: string, target: string, detail: string): PlannedStep => ({
    name,
    target,
    phase: "early",
    status: "skipped",
    detail,
  });
  const call = (
    name: string,
    target: string,
    operation: string,
    input: Record<string, unknown>,
    service = "ec2",
  ) => ({
    name,
    target,
    phase: "early",
    call: { service, operation, input },
  });
  const cannot = (name: string, target: string, detail: string) => ({
    name,
    target,
    phase: "early",
    status: "failed",
    detail,
  });

  it("puts back the groups, untags, and skips what is as recorded, in order", () => {
    expect(plan(isolated())).toStrictEqual([
      call("network:groups", "eni-1", "ModifyNetworkInterfaceAttribute", {
        NetworkInterfaceId: "eni-1",
        Groups: ["sg-app"],
      }),
      skipped("identity:instance-profile", "i-1", "no profile, as recorded"),
      skipped("fleet:auto-scaling", "i-1", "not in an Auto Scaling group at isolation"),
      skipped("protection:termination", "i-1", "as recorded"),
      skipped("protection:stop", "i-1", "as recorded"),
      skipped("protection:shutdown-behavior", "i-1", "as recorded"),
      call("tags:state", "i-1", "CreateTags", {
        Resources: ["i-1"],
        Tags: [
          { Key: "incident-responder:state", Value: "released" },
          { Key: "incident-responder:released-at", Value: NOW },
        ],
      }),
    ]);
  });

  describe("network", () => {
    it("skips an interface gone, one back on its groups, and one recorded without groups", () => {
      const pre = record({
        interfaces: [
          { networkInterfaceId: "eni-1", groups: ["sg-app", "sg-db"] },
          { networkInterfaceId: "eni-2", groups: ["sg-app"] },
          { networkInterfaceId: "eni-3", groups: [] },
        ],
      });
      const s = isolated({
        interfaces: [eni("eni-1", { groups: ["sg-db", "sg-app"] }), eni("eni-3", { groups: ["sg-i"] })],
      });

      expect(named("network:groups", s, pre)).toStrictEqual([
        skipped("network:groups", "eni-1", "already on its recorded groups"),
        skipped("network:groups", "eni-2", "no longer attached"),
        skipped("network:groups", "eni-3", "no groups recorded"),
      ]);
    });

    it("puts back an interface on part of its groups, or on others beside them", () => {
      const pre = record({ interfaces: [{ networkInterfaceId: "eni-1", groups: ["sg-app", "sg-db"] }] });

      for (const groups of [["sg-app"], ["sg-app", "sg-x"], ["sg-app", "sg-db", "sg-x"]])
        expect(
          named("network:groups", isolated({ interfaces: [eni("eni-1", { groups })] }), pre),
          `${groups}`,
        ).toStrictEqual([
          call("network:groups", "eni-1", "ModifyNetworkInterfaceAttribute", {
            NetworkInterfaceId: "eni-1",
            Groups: ["sg-app", "sg-db"],
          }),
        ]);
    });

    it("leaves an interface not recorded at isolation as it is", () => {
      const pre = record({
        interfaces: [
          { networkInterfaceId: "eni-1", groups: ["sg-app"] },
          { networkInterfaceId: "eni-2", groups: ["sg-app"] },
        ],
      });
      const s = isolated({
        interfaces: [
          eni("eni-1", { groups: ["sg-app"] }),
          eni("eni-2", { groups: ["sg-app"] }),
          eni("eni-3"),
        ],
      });

      expect(named("network:groups", s, pre)).toStrictEqual([
        skipped("network:groups", "eni-1", "already on its recorded groups"),
        skipped("network:groups", "eni-2", "already on its recorded groups"),
        skipped("network:groups", "eni-3", "not recorded at isolation: left as it is"),
      ]);
    });

    it("asks for a new public address where one was removed, saying the old one cannot come back", () => {
      const pre = record({
        interfaces: [
          { networkInterfaceId: "eni-1", groups: ["sg-app"], publicIp: "3.3.3.3" },
          { networkInterfaceId: "eni-2", groups: ["sg-app"], publicIp: "3.3.3.4" },
          { networkInterfaceId: "eni-3", groups: ["sg-app"], publicIp: "3.3.3.5" },
        ],
      });
      const s = isolated({
        interfaces: [
          eni("eni-1", { groups: ["sg-i"] }),
          eni("eni-2", { groups: ["sg-i"], publicIps: ["3.3.3.9"] }),
        ],
      });

      expect(named("network:public-ip", s, pre)).toStrictEqual([
        {
          ...call("network:public-ip", "eni-1", "ModifyNetworkInterfaceAttribute", {
            NetworkInterfaceId: "eni-1",
            AssociatePublicIpAddress: true,
          }),
          data: { note: "a new public IPv4 address is assigned; 3.3.3.3 cannot be given back" },
        },
      ]);
      expect(
        plan(s, pre)
          .map((x) => `${x.name} ${x.target}`)
          .slice(0, 4),
      ).toStrictEqual([
        "network:groups eni-1",
        "network:public-ip eni-1",
        "network:groups eni-2",
        "network:groups eni-3",
      ]);
    });

    it("re-associates an unassociated Elastic IP as recorded, never taking it from elsewhere", () => {
      const pre = record({ elasticIps: [EIP] });
      const s = isolated({ allAddresses: ok([{ allocationId: "eipalloc-1", publicIp: "54.0.0.1" }]) });

      expect(named("network:elastic-ip", s, pre)).toStrictEqual([
        call("network:elastic-ip", "eipalloc-1", "AssociateAddress", {
          AllocationId: "eipalloc-1",
          NetworkInterfaceId: "eni-1",
          PrivateIpAddress: "10.0.0.10",
          AllowReassociation: false,
        }),
      ]);
    });

    it("re-associates a recorded Elastic IP when the addresses could not be listed (the call refuses to take it)", () => {
      const s = isolated({ allAddresses: failed("Throttling") });

      expect(named("network:elastic-ip", s, record({ elasticIps: [EIP] }))[0]?.call?.operation).toBe(
        "AssociateAddress",
      );
    });

    it("skips an Elastic IP associated as recorded, and will not take back one associated otherwise", () => {
      const pre = record({
        elasticIps: [
          EIP,
          { ...EIP, allocationId: "eipalloc-2" },
          { ...EIP, allocationId: "eipalloc-3" },
          { ...EIP, allocationId: "eipalloc-4" },
        ],
      });
      const s = isolated({
        allAddresses: ok([
          { ...EIP, associationId: "eipassoc-1" },
          { ...EIP, allocationId: "eipalloc-2", privateIp: "10.0.0.99" },
          { allocationId: "eipalloc-3", publicIp: "54.0.0.1", networkInterfaceId: "eni-9" },
          { allocationId: "eipalloc-4", publicIp: "54.0.0.1", instanceId: "i-9" },
        ]),
      });

      expect(named("network:elastic-ip", s, pre)).toStrictEqual([
        skipped("network:elastic-ip", "eipalloc-1", "already associated as recorded"),
        cannot("network:elastic-ip", "eipalloc-2", "now associated with eni-1: not taken back"),
        cannot("network:elastic-ip", "eipalloc-3", "now associated with eni-9: not taken back"),
        cannot("network:elastic-ip", "eipalloc-4", "now associated with i-9: not taken back"),
      ]);
    });
  });

  describe("identity", () => {
    const identity = (profile: InstanceSubject["profile"], pre: PreIsolationState) =>
      named("identity:instance-profile", isolated({ profile }), pre);
    const withApp = record({ instanceProfileArn: APP_PROFILE });

    it("cannot put the profile back when the association is unknown", () => {
      expect(identity(failed("Throttling"), withApp)).toStrictEqual([
        cannot("identity:instance-profile", "i-1", "profile association unknown"),
      ]);
    });

    it("skips a profile already as recorded", () => {
      expect(identity(ok({ arn: APP_PROFILE, associationId: "iip-1" }), withApp)).toStrictEqual([
        skipped("identity:instance-profile", "i-1", "already on its recorded profile"),
      ]);
    });

    it("replaces the isolation profile's association with the recorded profile", () => {
      expect(identity(ok({ arn: ISO_PROFILE, associationId: "iip-2" }), withApp)).toStrictEqual([
        call("identity:instance-profile", "i-1", "ReplaceIamInstanceProfileAssociation", {
          AssociationId: "iip-2",
          IamInstanceProfile: { Arn: APP_PROFILE },
        }),
      ]);
    });

    it("associates the recorded profile with an instance that has none", () => {
      expect(identity(ok({}), withApp)).toStrictEqual([
        call("identity:instance-profile", "i-1", "AssociateIamInstanceProfile", {
          InstanceId: "i-1",
          IamInstanceProfile: { Arn: APP_PROFILE },
        }),
      ]);
    });

    it("plans nothing for a profile not recorded whose association is unknown (verification then says it is not back)", () => {
      expect(identity(ok({ arn: ISO_PROFILE }), record())).toStrictEqual([]);
    });

    it("removes the isolation profile from an instance that had none", () => {
      expect(identity(ok({ arn: ISO_PROFILE, associationId: "iip-2" }), record())).toStrictEqual([
        call("identity:instance-profile", "i-1", "DisassociateIamInstanceProfile", {
          AssociationId: "iip-2",
        }),
      ]);
    });
  });

  describe("Auto Scaling", () => {
    const fleet = (mode: "standby" | "detach", autoScaling: InstanceSubject["autoScaling"]) =>
      named(
        "fleet:auto-scaling",
        isolated({ autoScaling }),
        record({ autoScalingGroup: { name: "web", mode } }),
      );
    const asgCall = (operation: string) => [
      call(
        "fleet:auto-scaling",
        "web",
        operation,
        { AutoScalingGroupName: "web", InstanceIds: ["i-1"] },
        "autoscaling",
      ),
    ];

    it("cannot return the instance when its membership is unknown", () => {
      expect(fleet("standby", failed("Throttling"))).toStrictEqual([
        cannot("fleet:auto-scaling", "web", "membership unknown"),
      ]);
    });

    it("skips an instance already in service in its group", () => {
      expect(fleet("standby", ok({ groupName: "web", lifecycleState: "InService" }))).toStrictEqual([
        skipped("fleet:auto-scaling", "web", "already in service"),
      ]);
    });

    it("takes an instance in standby in its group out of standby, whatever the mode", () => {
      expect(fleet("standby", ok({ groupName: "web", lifecycleState: "Standby" }))).toStrictEqual(
        asgCall("ExitStandby"),
      );
      expect(fleet("detach", ok({ groupName: "web", lifecycleState: "Standby" }))).toStrictEqual(
        asgCall("ExitStandby"),
      );
    });

    it("attaches a detached instance back to its group", () => {
      expect(fleet("detach", ok({}))).toStrictEqual(asgCall("AttachInstances"));
    });

    it("cannot return the instance from another group, another state, or no group after a standby", () => {
      expect(fleet("standby", ok({}))).toStrictEqual([
        cannot("fleet:auto-scaling", "web", "cannot return to web from no group"),
      ]);
      expect(fleet("detach", ok({ groupName: "api", lifecycleState: "InService" }))).toStrictEqual([
        cannot("fleet:auto-scaling", "web", "cannot return to web from api InService"),
      ]);
      expect(fleet("standby", ok({ groupName: "web", lifecycleState: "Pending" }))).toStrictEqual([
        cannot("fleet:auto-scaling", "web", "cannot return to web from web Pending"),
      ]);
      expect(fleet("detach", ok({ groupName: "api", lifecycleState: "Standby" }))).toStrictEqual([
        cannot("fleet:auto-scaling", "web", "cannot return to web from api Standby"),
      ]);
    });
  });

  it("registers the recorded targets again, one call per target group, with port, target and zone when recorded", () => {
    const pre = record({
      targetGroups: [
        { targetGroupArn: "arn:tg/web", port: 80 },
        { targetGroupArn: "arn:tg/ip", targetId: "10.0.0.10", availabilityZone: "all" },
        { targetGroupArn: "arn:tg/web", port: 8080 },
      ],
    });

    expect(named("fleet:target-group", isolated(), pre)).toStrictEqual([
      call(
        "fleet:target-group",
        "arn:tg/web",
        "RegisterTargets",
        {
          TargetGroupArn: "arn:tg/web",
          Targets: [
            { Id: "i-1", Port: 80 },
            { Id: "i-1", Port: 8080 },
          ],
        },
        "elasticloadbalancing",
      ),
      call(
        "fleet:target-group",
        "arn:tg/ip",
        "RegisterTargets",
        { TargetGroupArn: "arn:tg/ip", Targets: [{ Id: "10.0.0.10", AvailabilityZone: "all" }] },
        "elasticloadbalancing",
      ),
    ]);
  });

  describe("protection", () => {
    const protection = (
      current: InstanceSubject["protection"],
      recorded: PreIsolationState["protection"],
      volumes: InstanceSubject["volumes"] = [],
      recordedVolumes: PreIsolationState["volumesDeleteOnTermination"] = [],
    ) =>
      plan(
        isolated({ protection: current, volumes }),
        record({ protection: recorded, volumesDeleteOnTermination: recordedVolumes }),
      ).filter((x) => x.name.startsWith("protection:"));
    const modify = (name: string, target: string, input: Record<string, unknown>) =>
      call(name, target, "ModifyInstanceAttribute", { InstanceId: "i-1", ...input });

    it("puts back every flag containment changed", () => {
      expect(
        protection(
          { disableApiTermination: true, disableApiStop: true, shutdownBehavior: "stop" },
          { disableApiTermination: false, disableApiStop: false, shutdownBehavior: "terminate" },
        ),
      ).toStrictEqual([
        modify("protection:termination", "i-1", { DisableApiTermination: { Value: false } }),
        modify("protection:stop", "i-1", { DisableApiStop: { Value: false } }),
        modify("protection:shutdown-behavior", "i-1", {
          InstanceInitiatedShutdownBehavior: { Value: "terminate" },
        }),
      ]);
    });

    it("turns stop protection off when none was recorded, and leaves it when it cannot be read", () => {
      const stop = (current: boolean | undefined, recorded: boolean | undefined) =>
        protection(
          {
            disableApiTermination: false,
            shutdownBehavior: "stop",
            ...(current === undefined ? {} : { disableApiStop: current }),
          },
          {
            disableApiTermination: false,
            shutdownBehavior: "stop",
            ...(recorded === undefined ? {} : { disableApiStop: recorded }),
          },
        ).find((x) => x.name === "protection:stop");

      expect(stop(true, undefined)).toStrictEqual(
        modify("protection:stop", "i-1", { DisableApiStop: { Value: false } }),
      );
      expect(stop(false, true)).toStrictEqual(
        modify("protection:stop", "i-1", { DisableApiStop: { Value: true } }),
      );
      expect(stop(false, undefined)).toStrictEqual(skipped("protection:stop", "i-1", "as recorded"));
      expect(stop(false, false)).toStrictEqual(skipped("protection:stop", "i-1", "as recorded"));
      expect(stop(undefined, true)).toStrictEqual(skipped("protection:stop", "i-1", "as recorded"));
    });

    it("puts back DeleteOnTermination of each recorded volume still attached, by its present device", () => {
      const steps = protection(
        { disableApiTermination: false, disableApiStop: false, shutdownBehavior: "terminate" },
        { disableApiTermination: false, shutdownBehavior: "terminate" },
        [
          { deviceName: "/dev/sdf", volumeId: "vol-1", deleteOnTermination: false },
          { deviceName: "/dev/xvdb", volumeId: "vol-2", deleteOnTermination: false },
        ],
        [
          { deviceName: "/dev/xvda", volumeId: "vol-1", deleteOnTermination: true },
          { deviceName: "/dev/xvdb", volumeId: "vol-2", deleteOnTermination: false },
          { deviceName: "/dev/xvdc", volumeId: "vol-3", deleteOnTermination: true },
        ],
      ).filter((x) => x.name === "protection:delete-on-termination");

      expect(steps).toStrictEqual([
        modify("protection:delete-on-termination", "vol-1", {
          BlockDeviceMappings: [{ DeviceName: "/dev/sdf", Ebs: { DeleteOnTermination: true } }],
        }),
        skipped("protection:delete-on-termination", "vol-2", "as recorded"),
        skipped("protection:delete-on-termination", "vol-3", "no longer attached"),
      ]);
    });
  });

  it("skips the state tag of an instance already tagged released", () => {
    expect(named("tags:state", isolated({ tags: { "incident-responder:state": "released" } }))).toStrictEqual(
      [skipped("tags:state", "i-1", "already tagged released")],
    );
  });

  it("says that an instance stopped since isolation is not started", () => {
    for (const state of ["stopped", "stopping"])
      expect(named("instance:start", isolated({ state })), state).toStrictEqual([
        skipped(
          "instance:start",
          "i-1",
          `was running at isolation, is ${state} now: start it when ready (release does not start instances)`,
        ),
      ]);
    expect(named("instance:start", isolated({ state: "running" }))).toStrictEqual([]);
    expect(
      named("instance:start", isolated({ state: "stopped" }), record({ state: "stopped" })),
    ).toStrictEqual([]);
  });
});

describe("evaluateRelease", () => {
  const back = (over: Partial<Readback> = {}) =>
    readback({
      interfaces: ok([
        { networkInterfaceId: "eni-1", vpcId: "vpc-1", groups: ["sg-app", "sg-db"], publicIps: [] },
      ]),
      profile: ok({ arn: APP_PROFILE }),
      ...over,
    });
  const pre = record({
    interfaces: [
      { networkInterfaceId: "eni-1", groups: ["sg-db", "sg-app"] },
      { networkInterfaceId: "eni-2", groups: ["sg-app"] },
    ],
    instanceProfileArn: APP_PROFILE,
  });
  const open = (rb: Readback, p: PreIsolationState = pre) => evaluateRelease(rb, p).open;

  it("is back when everything is as recorded (an interface gone is not looked at)", () => {
    expect(evaluateRelease(back(), pre)).toStrictEqual({ ok: true, open: [] });
  });

  it("is not back when anything is open", () => {
    expect(evaluateRelease(back({ profile: ok({}) }), pre)).toStrictEqual({
      ok: false,
      open: [`instance profile none (recorded ${APP_PROFILE})`],
    });
  });

  it("opens an interface not on exactly its recorded groups", () => {
    for (const groups of [["sg-app"], ["sg-app", "sg-x"], ["sg-app", "sg-db", "sg-i"]])
      expect(
        open(back({ interfaces: ok([{ networkInterfaceId: "eni-1", groups, publicIps: [] }]) })),
        `${groups}`,
      ).toStrictEqual([`eni-1: security groups ${groups.join(", ")} (recorded sg-db, sg-app)`]);
  });

  it("says what it could not read back", () => {
    const rb = back({
      interfaces: failed("a"),
      addresses: failed("b"),
      profile: failed("c"),
      autoScaling: failed("d"),
    });

    expect(open(rb, { ...pre, autoScalingGroup: { name: "web", mode: "standby" } })).toStrictEqual([
      "could not verify network interfaces: a",
      "could not verify Elastic IPs: b",
      "could not verify the instance profile: c",
      "could not verify Auto Scaling membership: d",
    ]);
  });

  it("opens another profile, or one where none was recorded", () => {
    const none = { ...pre, instanceProfileArn: undefined };

    expect(open(back({ profile: ok({ arn: ISO_PROFILE }) }), none)).toStrictEqual([
      `instance profile ${ISO_PROFILE} (recorded none)`,
    ]);
    expect(open(back({ profile: ok({}) }), none)).toStrictEqual([]);
  });

  it("opens a recorded Elastic IP not associated with its recorded interface", () => {
    const withEip = { ...pre, elasticIps: [EIP] };

    expect(open(back({ addresses: ok([{ ...EIP }]) }), withEip)).toStrictEqual([]);
    expect(
      open(
        back({ addresses: ok([{ ...EIP, allocationId: "eipalloc-9", publicIp: "54.0.0.9" }, { ...EIP }]) }),
        withEip,
      ),
    ).toStrictEqual([]);
    expect(open(back({ addresses: ok([{ ...EIP, networkInterfaceId: "eni-2" }]) }), withEip)).toStrictEqual([
      "Elastic IP 54.0.0.1 (eipalloc-1) not associated with eni-1",
    ]);
    expect(open(back({ addresses: ok([{ ...EIP, allocationId: "eipalloc-2" }]) }), withEip)).toStrictEqual([
      "Elastic IP 54.0.0.1 (eipalloc-1) not associated with eni-1",
    ]);
  });

  it("opens an Auto Scaling membership not in service in its recorded group, and none where none was recorded", () => {
    const withAsg = { ...pre, autoScalingGroup: { name: "web", mode: "standby" as const } };

    expect(
      open(back({ autoScaling: ok({ groupName: "web", lifecycleState: "InService" }) }), withAsg),
    ).toStrictEqual([]);
    expect(
      open(back({ autoScaling: ok({ groupName: "web", lifecycleState: "Standby" }) }), withAsg),
    ).toStrictEqual(["Auto Scaling group web: instance Standby"]);
    expect(
      open(back({ autoScaling: ok({ groupName: "api", lifecycleState: "InService" }) }), withAsg),
    ).toStrictEqual(["Auto Scaling group web: instance InService"]);
    expect(open(back({ autoScaling: ok({}) }), withAsg)).toStrictEqual([
      "Auto Scaling group web: instance not in the group",
    ]);
    expect(open(back({ autoScaling: ok({ groupName: "api", lifecycleState: "Standby" }) }))).toStrictEqual(
      [],
    );
  });

  describe("target groups", () => {
    const TG = { arn: "arn:tg/web", targetType: "instance" };
    const withTargets = {
      ...pre,
      targetGroups: [
        { targetGroupArn: "arn:tg/web", port: 80 },
        { targetGroupArn: "arn:tg/web" },
        { targetGroupArn: "arn:tg/ip", targetId: "10.0.0.10", port: 443 },
      ],
    };
    const targets = (
      web: TargetHealth["registrations"],
      ip: TargetHealth["registrations"],
    ): TargetHealth[] => [
      { targetGroup: TG, registrations: web },
      { targetGroup: { arn: "arn:tg/ip", targetType: "ip" }, registrations: ip },
    ];
    const reg = (id: string, port: number, state: string) => ({ targetGroupArn: "", id, port, state });

    it("is back when every recorded target is registered and not draining", () => {
      const rb = back({
        targets: targets(ok([reg("i-1", 80, "initial")]), ok([reg("10.0.0.10", 443, "healthy")])),
      });

      expect(open(rb, withTargets)).toStrictEqual([]);
    });

    it("opens a recorded target missing, on another port, or draining", () => {
      const rb = back({
        targets: targets(
          ok([reg("i-1", 81, "healthy"), reg("i-2", 80, "healthy")]),
          ok([reg("10.0.0.10", 443, "draining")]),
        ),
      });

      expect(open(rb, withTargets)).toStrictEqual([
        "target group arn:tg/web: i-1:80 not registered",
        "target group arn:tg/ip: 10.0.0.10:443 not registered",
      ]);
    });

    it("opens a recorded target without port when no registration is live", () => {
      const rb = back({ targets: targets(ok([]), ok([reg("10.0.0.10", 443, "healthy")])) });

      expect(open(rb, withTargets)).toStrictEqual([
        "target group arn:tg/web: i-1:80 not registered",
        "target group arn:tg/web: i-1 not registered",
      ]);
    });

    it("says when a group's registrations could not be read, and passes over a group it did not read", () => {
      const rb = back({ targets: [{ targetGroup: TG, registrations: failed("Throttling") }] });

      expect(open(rb, withTargets)).toStrictEqual([
        "could not verify target group arn:tg/web: Throttling",
        "could not verify target group arn:tg/web: Throttling",
      ]);
    });
  });
});
