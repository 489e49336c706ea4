/**
 * `responder plan` describes containment with the planner that runs it: the planner's input
 * made from what triage read (subjectFromContext), its calls listed (describeContainmentCalls),
 * and what only containment reads said so.
 */
import { describe, expect, it } from "vitest";
import { planContainment } from "../../../shared/containment/contain-plan.ts";
import {
  describeContainmentCalls,
  describeFromContext,
  subjectFromContext,
} from "../../../shared/containment/describe.ts";
import { roleRules, ruleChanges } from "../../../shared/containment/group-rules.ts";
import { buildSubject, type RawObservation } from "../../../shared/containment/subject.ts";
import type { ResourceContext } from "../../../shared/domain/types.ts";

const params = { stopInstance: false, stopProtection: false, asgMode: "standby" as const };

/** What triage read about an instance with two interfaces, two volumes, a profile and an Auto Scaling group. */
function context(over: Partial<ResourceContext> = {}): ResourceContext {
  return {
    resource: { kind: "ec2-instance", id: "i-1" },
    exists: true,
    state: "running",
    tags: {},
    accountTags: {},
    relatedTags: [],
    exposure: { publicIps: [], openIngress: [], instanceProfileArn: "arn:aws:iam::1:instance-profile/web" },
    vpcId: "vpc-1",
    missingIsolationGroups: ["untracking", "isolation"],
    autoScalingGroup: "web-asg",
    networkInterfaceIds: ["eni-1", "eni-2"],
    volumeIds: ["vol-1", "vol-2"],
    ...over,
  };
}

/** The same instance as containment's first round reads it. */
function observed(): RawObservation {
  const eni = (id: string, index: number) => ({
    NetworkInterfaceId: id,
    VpcId: "vpc-1",
    Groups: [{ GroupId: "sg-web" }],
    Attachment: { DeviceIndex: index },
  });
  const volume = (device: string, id: string) => ({
    DeviceName: device,
    Ebs: { VolumeId: id, DeleteOnTermination: true },
  });
  return {
    instance: {
      ok: true,
      value: {
        InstanceId: "i-1",
        State: { Name: "running" },
        VpcId: "vpc-1",
        NetworkInterfaces: [eni("eni-1", 0), eni("eni-2", 1)],
        BlockDeviceMappings: [volume("/dev/xvda", "vol-1"), volume("/dev/sdf", "vol-2")],
      },
    },
    groups: { ok: true, value: [] },
    addresses: { ok: true, value: [] },
    associations: {
      ok: true,
      value: [
        {
          AssociationId: "iip-assoc-1",
          State: "associated",
          IamInstanceProfile: { Arn: "arn:aws:iam::1:instance-profile/web" },
        },
      ],
    },
    autoScaling: {
      ok: true,
      value: [
        {
          InstanceId: "i-1",
          AutoScalingGroupName: "web-asg",
          LifecycleState: "InService",
          AvailabilityZone: "us-east-1a",
          HealthStatus: "HEALTHY",
          ProtectedFromScaleIn: false,
        },
      ],
    },
    targetGroups: { ok: true, value: [] },
    protection: { disableApiTermination: false, disableApiStop: false, shutdownBehavior: "terminate" },
  };
}

/** The operation of each line that is a call. */
const operations = (lines: string[]) =>
  lines.filter((l) => /^[a-z0-9]+:[A-Z]\w+ \w+=/.test(l)).map((l) => l.split(" ")[0]);

describe("describeFromContext", () => {
  it("lists the calls the planner makes for the same instance once containment has read it", () => {
    // Act
    const planned = describeFromContext(context(), params);
    const dryRun = describeContainmentCalls(buildSubject("i-1", observed()), {
      ...params,
      incidentId: "ir-1",
      now: "2025-01-01T00:00:00.000Z",
      isolationProfileArn: "arn:aws:iam::1:instance-profile/isolation",
    });

    // Assert
    expect(operations(planned)).toEqual(operations(dryRun));
    expect(operations(planned)).toEqual([
      "ec2:CreateSecurityGroup",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:CreateSecurityGroup",
      "ec2:RevokeSecurityGroupEgress",
      "ec2:ModifyInstanceAttribute",
      "ec2:ModifyInstanceAttribute",
      "ec2:ModifyInstanceAttribute",
      "ec2:ModifyInstanceAttribute",
      "ec2:ReplaceIamInstanceProfileAssociation",
      "autoscaling:EnterStandby",
      "ec2:CreateTags",
      "ec2:ModifyNetworkInterfaceAttribute",
      "ec2:ModifyNetworkInterfaceAttribute",
      "ec2:ModifyNetworkInterfaceAttribute",
      "ec2:ModifyNetworkInterfaceAttribute",
      "ec2:CreateTags",
    ]);
  });

  it("says what only containment reads: flags, Elastic IPs, lifecycle state, registrations", () => {
    // Act
    const lines = describeFromContext(
      context({ exposure: { publicIps: ["54.1.2.3"], openIngress: [] } }),
      params,
    );

    // Assert
    expect(lines).toContain(
      'ec2:ModifyInstanceAttribute InstanceId=i-1 DisableApiTermination={"Value":true} (skipped if already enabled when containment starts)',
    );
    expect(lines).toContain(
      "ec2:DisassociateAddress for each of 54.1.2.3 that is an Elastic IP; ec2:ModifyNetworkInterfaceAttribute AssociatePublicIpAddress=false on the interface of one assigned at launch (DescribeAddresses tells which when containment starts)",
    );
    expect(lines).toContain(
      "autoscaling:EnterStandby AutoScalingGroupName=web-asg InstanceIds=[i-1] ShouldDecrementDesiredCapacity=true (skipped if already done (its lifecycle state is read) when containment starts)",
    );
    expect(lines).toContain(
      "elasticloadbalancing:DeregisterTargets in each target group where DescribeTargetHealth shows the instance (the target groups and registrations are read when containment starts)",
    );
    // No profile read: the profile is associated, not replaced.
    expect(lines).toContain(
      'ec2:AssociateIamInstanceProfile InstanceId=i-1 IamInstanceProfile={"Arn":"<isolation profile>"} (the deny-all isolation profile of the instance\'s account, when the responder has one there; no role or profile is edited)',
    );
  });

  it("creates only the groups triage found missing, and says when it could not tell", () => {
    // Act
    const none = describeFromContext(context({ missingIsolationGroups: [] }), params);
    const one = describeFromContext(context({ missingIsolationGroups: ["isolation"] }), params);
    const unknown = describeFromContext(context({ missingIsolationGroups: undefined }), params);

    // Assert
    const creations = (lines: string[]) => lines.filter((l) => l.startsWith("ec2:CreateSecurityGroup"));
    expect(creations(none)).toEqual([]);
    expect(none.filter((l) => /SecurityGroup(Ingress|Egress)/.test(l))).toEqual([]);
    expect(none).toContain(
      "ec2:ModifyNetworkInterfaceAttribute NetworkInterfaceId=eni-1 Groups=[<incident-responder-isolation of vpc-1>]",
    );
    expect(creations(one)).toHaveLength(1);
    expect(creations(one)[0]).toMatch(/GroupName=incident-responder-isolation .*\(or reuse the existing one/);
    expect(creations(unknown)).toHaveLength(2);
    for (const line of creations(unknown))
      expect(line).toMatch(
        /\(if missing in vpc-1 when containment starts; or reuse the existing one on InvalidGroup\.Duplicate\)$/,
      );
  });

  it("stands placeholders for what triage did not read", () => {
    // Act
    const lines = describeFromContext(
      context({ vpcId: undefined, networkInterfaceIds: undefined, volumeIds: undefined }),
      { ...params, stopInstance: true, asgMode: "detach" },
    );

    // Assert
    expect(lines).toContain(
      "ec2:ModifyNetworkInterfaceAttribute NetworkInterfaceId=<every network interface of i-1> Groups=[<incident-responder-untracking of <VPC of i-1>>]",
    );
    expect(lines).toContain(
      'ec2:ModifyInstanceAttribute InstanceId=i-1 BlockDeviceMappings=[{"DeviceName":"<device of <every attached volume of i-1>>","Ebs":{"DeleteOnTermination":false}}] (skipped if DeleteOnTermination is already false when containment starts)',
    );
    expect(lines.find((l) => l.startsWith("autoscaling:"))).toMatch(/^autoscaling:DetachInstances /);
    expect(lines).toContain("ec2:StopInstances InstanceIds=[i-1]");
  });

  it("trusts only the account's tags: another incident's tag leaves the tags alone", () => {
    // Act
    const held = describeFromContext(
      context({ accountTags: { "incident-responder:incident-id": "ir-other" } }),
      params,
    );
    const eventOnly = describeFromContext(
      context({ tags: { "incident-responder:incident-id": "ir-other" }, accountTags: {} }),
      params,
    );

    // Assert
    expect(held.filter((l) => l.startsWith("ec2:CreateTags"))).toEqual([]);
    expect(eventOnly.filter((l) => l.startsWith("ec2:CreateTags"))).toHaveLength(2);
  });

  it("says there is nothing to contain for an instance that is gone", () => {
    expect(describeFromContext(context({ exists: false }), params)).toEqual([
      "(i-1 was not found: nothing to contain)",
    ]);
    expect(describeFromContext(context({ state: "terminated" }), params)).toEqual([
      "(i-1 is terminated: nothing to contain)",
    ]);
  });
});

describe("subjectFromContext", () => {
  it("plans both swaps of every interface triage read", () => {
    // Act
    const { subject } = subjectFromContext(context());
    const steps = planContainment(subject, { ...params, incidentId: "ir-1", now: "t" }).steps;

    // Assert
    const swaps = steps
      .filter((s) => s.name.startsWith("network:") && s.call)
      .map((s) => [s.phase, s.target]);
    expect(swaps).toEqual([
      ["untrack", "eni-1"],
      ["isolate", "eni-1"],
      ["untrack", "eni-2"],
      ["isolate", "eni-2"],
    ]);
  });
});

describe("roleRules", () => {
  it.each(["untracking", "isolation"] as const)("are what ruleChanges leaves as they are (%s)", (role) => {
    expect(ruleChanges(role, "sg-1", roleRules(role))).toEqual([]);
  });
});
