import { describe, expect, it } from "vitest";
import { planDeregistrations } from "../../../shared/containment/contain-plan.ts";
import { ruleChanges } from "../../../shared/containment/group-rules.ts";
import {
  buildSubject,
  describeContainmentCalls,
  type RawObservation,
} from "../../../shared/containment/index.ts";
import { evaluateIsolation } from "../../../shared/containment/isolation-check.ts";
import { recordPreIsolation } from "../../../shared/containment/record.ts";
import type { Readback } from "../../../shared/containment/subject.ts";
import { type Registration, registrationsOf } from "../../../shared/containment/subject.ts";
import type { Known } from "../../../shared/containment/tracker.ts";

const ok = <T>(value: T): Known<T> => ({ ok: true, value });

function raw(over: Partial<RawObservation> = {}): RawObservation {
  return {
    instance: ok({
      InstanceId: "i-1",
      State: { Name: "running" },
      VpcId: "vpc-1",
      NetworkInterfaces: [
        {
          NetworkInterfaceId: "eni-1",
          VpcId: "vpc-1",
          Groups: [{ GroupId: "sg-a" }],
          PrivateIpAddress: "10.0.0.5",
          Attachment: { DeviceIndex: 0 },
        },
      ],
      BlockDeviceMappings: [
        { DeviceName: "/dev/xvda", Ebs: { VolumeId: "vol-1", DeleteOnTermination: true } },
      ],
      Tags: [],
    }),
    groups: ok([
      {
        GroupId: "sg-u",
        VpcId: "vpc-1",
        IpPermissions: [
          { IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: [{ CidrIpv6: "::/0" }] },
        ],
        IpPermissionsEgress: [
          { IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }], Ipv6Ranges: [{ CidrIpv6: "::/0" }] },
        ],
        Tags: [{ Key: "incident-responder:role", Value: "untracking" }],
      },
      {
        GroupId: "sg-i",
        VpcId: "vpc-1",
        IpPermissions: [],
        IpPermissionsEgress: [],
        Tags: [{ Key: "incident-responder:role", Value: "isolation" }],
      },
    ]),
    addresses: ok([]),
    associations: ok([]),
    autoScaling: ok([]),
    targetGroups: ok([]),
    protection: { disableApiTermination: false, disableApiStop: false, shutdownBehavior: "stop" },
    ...over,
  };
}

const planOptions = {
  incidentId: "ir-1",
  stopInstance: false,
  stopProtection: false,
  asgMode: "standby" as const,
  now: "2025-01-01T00:00:00.000Z",
};

describe("describeContainmentCalls", () => {
  it("lists the exact calls, in order, for a described instance", () => {
    const lines = describeContainmentCalls(buildSubject("i-1", raw()), planOptions);

    expect(lines).toEqual([
      'ec2:ModifyInstanceAttribute InstanceId=i-1 DisableApiTermination={"Value":true}',
      'ec2:ModifyInstanceAttribute InstanceId=i-1 BlockDeviceMappings=[{"DeviceName":"/dev/xvda","Ebs":{"DeleteOnTermination":false}}]',
      'ec2:CreateTags Resources=[i-1] Tags=[{"Key":"incident-responder:incident-id","Value":"ir-1"},{"Key":"incident-responder:state","Value":"isolating"},{"Key":"incident-responder:isolated-at","Value":"2025-01-01T00:00:00.000Z"}]',
      "ec2:ModifyNetworkInterfaceAttribute NetworkInterfaceId=eni-1 Groups=[sg-u]",
      "ec2:ModifyNetworkInterfaceAttribute NetworkInterfaceId=eni-1 Groups=[sg-i]",
      'ec2:CreateTags Resources=[i-1] Tags=[{"Key":"incident-responder:state","Value":"isolated"}] (after verification; isolation-incomplete when it fails)',
    ]);
  });

  it("includes the creation of missing groups and names them where their ids are not known yet", () => {
    const lines = describeContainmentCalls(buildSubject("i-1", raw({ groups: ok([]) })), planOptions);

    expect(lines.filter((l) => l.startsWith("ec2:CreateSecurityGroup"))).toHaveLength(2);
    expect(lines).toContain(
      "ec2:ModifyNetworkInterfaceAttribute NetworkInterfaceId=eni-1 Groups=[<incident-responder-isolation of vpc-1>]",
    );
  });

  it("lists nothing for an instance that is gone", () => {
    const gone = raw({ instance: ok({ InstanceId: "i-1", State: { Name: "terminated" } }) });

    expect(describeContainmentCalls(buildSubject("i-1", gone), planOptions)).toEqual([]);
  });
});

describe("ruleChanges", () => {
  it("strips every rule from an isolation group and opens an untracking group both ways", () => {
    expect(
      ruleChanges("isolation", "sg-i", {
        ingress: [
          {
            IpProtocol: "tcp",
            FromPort: 22,
            ToPort: 22,
            IpRanges: [{ CidrIp: "10.0.0.0/8" }],
            UserIdGroupPairs: [],
          },
        ],
        egress: [],
      }),
    ).toEqual([
      {
        service: "ec2",
        operation: "RevokeSecurityGroupIngress",
        input: {
          GroupId: "sg-i",
          IpPermissions: [
            { IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "10.0.0.0/8" }] },
          ],
        },
      },
    ]);
    expect(ruleChanges("untracking", "sg-u").map((c) => c.operation)).toEqual([
      "AuthorizeSecurityGroupIngress",
      "AuthorizeSecurityGroupEgress",
    ]);
  });
});

describe("recordPreIsolation", () => {
  it("keeps the earlier record and adds only what appeared since", () => {
    const subject = buildSubject(
      "i-1",
      raw({
        instance: ok({
          InstanceId: "i-1",
          State: { Name: "running" },
          VpcId: "vpc-1",
          NetworkInterfaces: [
            { NetworkInterfaceId: "eni-1", VpcId: "vpc-1", Groups: [{ GroupId: "sg-i" }] },
            { NetworkInterfaceId: "eni-9", VpcId: "vpc-1", Groups: [{ GroupId: "sg-new" }] },
          ],
        }),
      }),
    );
    const previous = {
      instanceId: "i-1",
      capturedAt: "2025-01-01T00:00:00.000Z",
      interfaces: [{ networkInterfaceId: "eni-1", groups: ["sg-a"] }],
      elasticIps: [],
      targetGroups: [],
      protection: { disableApiTermination: false, shutdownBehavior: "terminate" },
      volumesDeleteOnTermination: [],
      state: "running",
    };

    const r = recordPreIsolation(subject, [], { previous, asgMode: "standby" }, "2025-01-01T01:00:00.000Z");

    expect(r.state?.interfaces).toEqual([
      { networkInterfaceId: "eni-1", groups: ["sg-a"] },
      { networkInterfaceId: "eni-9", groups: ["sg-new"] },
    ]);
    expect(r.state?.protection).toEqual(previous.protection);
    expect(r.note).toMatch(/kept the state recorded at 2025-01-01T00:00:00.000Z; added 1 item/);
  });
});

describe("target groups", () => {
  it("matches `ip` target groups by the instance's private addresses and deregisters every port", () => {
    const tg = { arn: "arn:tg/ip", targetType: "ip", vpcId: "vpc-1" };
    const regs = registrationsOf(
      tg,
      [
        { Target: { Id: "10.0.0.5", Port: 80 }, TargetHealth: { State: "healthy" } },
        { Target: { Id: "10.0.0.5", Port: 443 }, TargetHealth: { State: "unhealthy" } },
        { Target: { Id: "10.0.0.6", Port: 80 }, TargetHealth: { State: "healthy" } },
      ],
      "i-1",
      ["10.0.0.5"],
    );
    const steps = planDeregistrations(buildSubject("i-1", raw()), [
      { targetGroup: tg, registrations: ok(regs) },
    ]);

    expect(steps).toHaveLength(1);
    expect(steps[0]?.call?.input).toEqual({
      TargetGroupArn: "arn:tg/ip",
      Targets: [
        { Id: "10.0.0.5", Port: 80 },
        { Id: "10.0.0.5", Port: 443 },
      ],
    });
  });
});

describe("evaluateIsolation", () => {
  const base: Readback = {
    interfaces: ok([{ networkInterfaceId: "eni-1", vpcId: "vpc-1", groups: ["sg-i"], publicIps: [] }]),
    isolationGroups: ok([{ groupId: "sg-i", ingress: [], egress: [] }]),
    profile: ok({ arn: "arn:iso" }),
    addresses: ok([]),
    autoScaling: ok({ groupName: "web", lifecycleState: "Standby" }),
    targets: [],
  };
  const ex = { isolationGroups: { "vpc-1": ok("sg-i") }, isolationProfileArn: "arn:iso" };

  it("passes when nothing is left open (draining targets included)", () => {
    const draining: Registration = { targetGroupArn: "arn:tg", id: "i-1", port: 80, state: "draining" };
    expect(
      evaluateIsolation(
        {
          ...base,
          targets: [
            {
              targetGroup: { arn: "arn:tg", name: "web", targetType: "instance" },
              registrations: ok([draining]),
            },
          ],
        },
        ex,
      ),
    ).toEqual({
      ok: true,
      open: [],
    });
  });

  it("names everything still open", () => {
    const rb: Readback = {
      ...base,
      interfaces: ok([
        { networkInterfaceId: "eni-1", vpcId: "vpc-1", groups: ["sg-i", "sg-a"], publicIps: ["3.3.3.3"] },
      ]),
      isolationGroups: ok([{ groupId: "sg-i", ingress: [], egress: [{ IpProtocol: "-1" }] }]),
      profile: ok({ arn: "arn:app" }),
      addresses: ok([
        {
          publicIp: "54.0.0.1",
          allocationId: "eipalloc-1",
          associationId: "a-1",
          networkInterfaceId: "eni-1",
        },
      ]),
      autoScaling: ok({ groupName: "web", lifecycleState: "InService" }),
      targets: [
        {
          targetGroup: { arn: "arn:tg", name: "web", targetType: "instance" },
          registrations: ok([{ targetGroupArn: "arn:tg", id: "i-1", port: 80, state: "healthy" }]),
        },
      ],
    };

    expect(evaluateIsolation(rb, ex).open).toEqual([
      "eni-1: security groups sg-i, sg-a (expected only sg-i)",
      "eni-1: public IP 3.3.3.3 still assigned",
      "sg-i: isolation group has 0 ingress and 1 egress rule(s)",
      "Elastic IP 54.0.0.1 (eipalloc-1) still associated with eni-1",
      "instance profile arn:app (expected arn:iso)",
      "Auto Scaling group web: instance InService",
      "target group web: i-1:80 healthy",
    ]);
  });
});
