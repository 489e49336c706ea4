/**
 * Verification's judgement, each thing it calls open on its own, with the sentence a person
 * reads; and the read-back a dry run judges, made from round 1's description.
 */
import { describe, expect, it } from "vitest";
import {
  type Expectations,
  evaluateIsolation,
  readbackFromSubject,
  targetGroupListing,
} from "../../../shared/containment/isolation-check.ts";
import type { Readback, TargetHealth } from "../../../shared/containment/subject.ts";
import { eni, failed, ISO_PROFILE, managedPair, ok, readback, subject, unsupported } from "./subjects.ts";

const ex: Expectations = { isolationGroups: { "vpc-1": ok("sg-i") }, isolationProfileArn: ISO_PROFILE };
const open = (over: Partial<Readback>, expectations: Expectations = ex) =>
  evaluateIsolation(readback(over), expectations).open;
const iface = (groups: string[], more: { vpcId?: string; publicIps?: string[] } = {}) => ({
  networkInterfaceId: "eni-1",
  vpcId: "vpc-1",
  groups,
  publicIps: [],
  ...more,
});

describe("evaluateIsolation", () => {
  it("is verified when nothing is open", () => {
    expect(evaluateIsolation(readback(), ex)).toStrictEqual({ ok: true, open: [] });
  });

  it("is not verified when anything is open", () => {
    expect(evaluateIsolation(readback({ profile: ok({}) }), ex)).toStrictEqual({
      ok: false,
      open: [`instance profile none (expected ${ISO_PROFILE})`],
    });
  });

  it("says when the interfaces could not be read, and whether the endpoint lacks the API", () => {
    expect(open({ interfaces: failed("Throttling") })).toStrictEqual([
      "could not verify network interfaces: Throttling",
    ]);
    expect(open({ interfaces: unsupported("not implemented") })).toStrictEqual([
      "could not verify network interfaces: not implemented (not supported by this endpoint)",
    ]);
  });

  it("opens an interface with another group beside the isolation group, with another alone, or with none", () => {
    for (const [groups, text] of [
      [["sg-i", "sg-app"], "sg-i, sg-app"],
      [["sg-app", "sg-i"], "sg-app, sg-i"],
      [["sg-app"], "sg-app"],
      [[], "none"],
    ] as const)
      expect(open({ interfaces: ok([iface([...groups])]) }), text).toStrictEqual([
        `eni-1: security groups ${text} (expected only sg-i)`,
      ]);
  });

  it("opens an interface whose VPC has no isolation group, or an unknown one, or that names no VPC", () => {
    const rb = {
      interfaces: ok([
        iface(["sg-i"], { vpcId: "vpc-2" }),
        { ...iface(["sg-i"], { vpcId: "vpc-3" }), networkInterfaceId: "eni-3" },
        { networkInterfaceId: "eni-4", groups: ["sg-i"], publicIps: [] },
      ]),
    };
    const expectations = {
      isolationGroups: { "vpc-1": ok("sg-i"), "vpc-3": failed("CreateSecurityGroup: AccessDenied") },
    };

    expect(open(rb, expectations)).toStrictEqual([
      "eni-1: no isolation group for vpc-2",
      "eni-3: no isolation group for vpc-3 (CreateSecurityGroup: AccessDenied)",
      "eni-4: no isolation group for its VPC",
    ]);
  });

  it("opens every public address that is not an Elastic IP of the instance, even on an isolated interface", () => {
    const rb = {
      interfaces: ok([iface(["sg-i"], { publicIps: ["3.3.3.3", "54.0.0.1", "3.3.3.4"] })]),
      addresses: ok([{ publicIp: "54.0.0.1", allocationId: "eipalloc-1" }]),
    };

    expect(open(rb)).toStrictEqual([
      "eni-1: public IP 3.3.3.3 still assigned",
      "eni-1: public IP 3.3.3.4 still assigned",
    ]);
  });

  it("opens every public address when the Elastic IPs could not be read", () => {
    const rb = {
      interfaces: ok([iface(["sg-i"], { publicIps: ["54.0.0.1"] })]),
      addresses: failed("Throttling"),
    };

    expect(open(rb)).toStrictEqual([
      "eni-1: public IP 54.0.0.1 still assigned",
      "could not verify Elastic IPs: Throttling",
    ]);
  });

  it("opens an isolation group with any ingress or egress rule, saying how many", () => {
    const rule = { IpProtocol: "-1" };
    const rb = {
      isolationGroups: ok([
        { groupId: "sg-i", ingress: [rule, rule], egress: [] },
        { groupId: "sg-i2", ingress: [], egress: [rule] },
        { groupId: "sg-i3", ingress: [], egress: [] },
      ]),
    };

    expect(open(rb)).toStrictEqual([
      "sg-i: isolation group has 2 ingress and 0 egress rule(s)",
      "sg-i2: isolation group has 0 ingress and 1 egress rule(s)",
    ]);
  });

  it("says when the isolation groups' rules could not be read", () => {
    expect(open({ isolationGroups: failed("Throttling") })).toStrictEqual([
      "could not verify isolation group rules: Throttling",
    ]);
  });

  it("opens an Elastic IP still associated by association or by interface, and not one left unassociated", () => {
    const rb = {
      addresses: ok([
        { publicIp: "54.0.0.1", allocationId: "eipalloc-1", associationId: "eipassoc-1" },
        { publicIp: "54.0.0.2", networkInterfaceId: "eni-1" },
        { publicIp: "54.0.0.3", allocationId: "eipalloc-3" },
      ]),
    };

    expect(open(rb)).toStrictEqual([
      "Elastic IP 54.0.0.1 (eipalloc-1) still associated with the instance",
      "Elastic IP 54.0.0.2 still associated with eni-1",
    ]);
  });

  it("opens another instance profile, or none, only when an isolation profile is configured", () => {
    expect(open({ profile: ok({ arn: "arn:app" }) })).toStrictEqual([
      `instance profile arn:app (expected ${ISO_PROFILE})`,
    ]);
    expect(open({ profile: failed("Throttling") })).toStrictEqual([
      "could not verify the instance profile: Throttling",
    ]);
    const unconfigured = { isolationGroups: ex.isolationGroups };
    expect(open({ profile: ok({ arn: "arn:app" }) }, unconfigured)).toStrictEqual([]);
    expect(open({ profile: failed("Throttling") }, unconfigured)).toStrictEqual([]);
  });

  it("opens an instance still in service in its Auto Scaling group, or in an unknown state there", () => {
    expect(open({ autoScaling: ok({ groupName: "web", lifecycleState: "InService" }) })).toStrictEqual([
      "Auto Scaling group web: instance InService",
    ]);
    expect(open({ autoScaling: ok({ groupName: "web", lifecycleState: "Pending" }) })).toStrictEqual([
      "Auto Scaling group web: instance Pending",
    ]);
    expect(open({ autoScaling: ok({ groupName: "web" }) })).toStrictEqual([
      "Auto Scaling group web: instance in an unknown state",
    ]);
  });

  it("does not open an instance out of service in its group, or in no group", () => {
    for (const lifecycleState of ["Standby", "EnteringStandby", "Detaching", "Detached"])
      expect(open({ autoScaling: ok({ groupName: "web", lifecycleState }) }), lifecycleState).toStrictEqual(
        [],
      );
    expect(open({ autoScaling: ok({ lifecycleState: "InService" }) })).toStrictEqual([]);
  });

  it("says when the Auto Scaling membership could not be read, but not where the endpoint has no Auto Scaling", () => {
    expect(open({ autoScaling: failed("Throttling") })).toStrictEqual([
      "could not verify Auto Scaling membership: Throttling",
    ]);
    expect(open({ autoScaling: unsupported("not implemented") })).toStrictEqual([]);
  });

  it("says when target groups could not be listed, but not where the endpoint has no ELBv2", () => {
    expect(open({ targetGroupListing: { error: "Throttling", unsupported: false } })).toStrictEqual([
      "could not verify target groups: Throttling",
    ]);
    expect(open({ targetGroupListing: { error: "not implemented", unsupported: true } })).toStrictEqual([]);
  });

  it("opens every registration that is not draining, by group name, or by ARN when the group has none", () => {
    const targets: TargetHealth[] = [
      {
        targetGroup: { arn: "arn:tg/web", name: "web", targetType: "instance" },
        registrations: ok([
          { targetGroupArn: "arn:tg/web", id: "i-1", port: 80, state: "healthy" },
          { targetGroupArn: "arn:tg/web", id: "i-1", port: 81, state: "draining" },
        ]),
      },
      {
        targetGroup: { arn: "arn:tg/ip", targetType: "ip" },
        registrations: ok([{ targetGroupArn: "arn:tg/ip", id: "10.0.0.5", state: "initial" }]),
      },
    ];

    expect(open({ targets })).toStrictEqual([
      "target group web: i-1:80 healthy",
      "target group arn:tg/ip: 10.0.0.5 initial",
    ]);
  });

  it("says when a group's registrations could not be read, but not where the endpoint has no ELBv2", () => {
    const targets: TargetHealth[] = [
      {
        targetGroup: { arn: "arn:tg/web", name: "web", targetType: "instance" },
        registrations: failed("Throttling"),
      },
      {
        targetGroup: { arn: "arn:tg/api", targetType: "instance" },
        registrations: unsupported("not implemented"),
      },
    ];

    expect(open({ targets })).toStrictEqual(["could not verify target group web: Throttling"]);
  });
});

describe("readbackFromSubject", () => {
  it("judges round 1's description as verification would: interfaces, the isolation groups in use, the rest as read", () => {
    const s = subject({
      interfaces: [
        eni("eni-1", {
          groups: ["sg-app"],
          publicIps: ["3.3.3.3"],
          privateIps: ["10.0.0.5"],
          attachmentId: "a-1",
        }),
        eni("eni-2", { vpcId: undefined }),
      ],
      profile: ok({ arn: "arn:app", associationId: "iip-1" }),
      addresses: ok([{ publicIp: "54.0.0.1" }]),
      autoScaling: ok({ groupName: "web", lifecycleState: "InService" }),
    });
    const targets: TargetHealth[] = [
      { targetGroup: { arn: "arn:tg/web", targetType: "instance" }, registrations: ok([]) },
    ];

    expect(readbackFromSubject(s, targets, ["sg-i"])).toStrictEqual({
      interfaces: ok([
        { networkInterfaceId: "eni-1", vpcId: "vpc-1", groups: ["sg-app"], publicIps: ["3.3.3.3"] },
        { networkInterfaceId: "eni-2", groups: ["sg-app"], publicIps: [] },
      ]),
      isolationGroups: ok([{ groupId: "sg-i", vpcId: "vpc-1", role: "isolation", ingress: [], egress: [] }]),
      profile: s.profile,
      addresses: s.addresses,
      autoScaling: s.autoScaling,
      targets,
    });
  });

  it("passes on why the groups or the target groups could not be read", () => {
    const s = subject({ groups: failed("AccessDenied"), targetGroups: unsupported("not implemented") });

    const rb = readbackFromSubject(s, [], ["sg-i"]);

    expect(rb.isolationGroups).toStrictEqual(failed("AccessDenied"));
    expect(rb.targetGroupListing).toStrictEqual(unsupported("not implemented"));
  });

  it("takes none of the groups when no isolation group is in use", () => {
    expect(readbackFromSubject(subject({ groups: ok(managedPair()) }), [], []).isolationGroups).toStrictEqual(
      ok([]),
    );
  });
});

describe("targetGroupListing", () => {
  it("says nothing when every target group that can hold the instance was checked", () => {
    expect(targetGroupListing(subject())).toStrictEqual({});
  });

  it("passes on why the listing failed", () => {
    expect(targetGroupListing(subject({ targetGroups: failed("Throttling") }))).toStrictEqual({
      targetGroupListing: failed("Throttling"),
    });
  });

  it("says which groups a bound left unchecked, as a failure", () => {
    expect(targetGroupListing(subject({ targetGroupsTruncated: true }))).toStrictEqual({
      targetGroupListing: {
        error: "more than 4000 target groups: the listing stopped at its bound, the others were not checked",
        unsupported: false,
      },
    });
  });
});
