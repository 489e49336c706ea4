// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here is CloudFormation Fn::Sub syntax, not JavaScript.
import { describe, expect, it } from "vitest";
import { INCIDENT_ID_PATTERN } from "../../../shared/incident/model.ts";
import { asArray, asObject, type CfnValue, resourcesOfType, toList } from "../../../shared/infra/cfn-yaml.ts";
import {
  evaluate,
  INCIDENT_TAGS,
  inlineStatements,
  loadTemplate,
  props,
  statements,
  subText,
  tagMap,
} from "./template-helpers.ts";

const template = loadTemplate("cleanroom.yaml");
const resources = template.Resources;
const parameters = template.Parameters ?? {};

const ref = (name: string) => ({ Ref: name });
const groupIdOf = (logicalId: string) => ({ "Fn::GetAtt": [logicalId, "GroupId"] });
const pattern = (name: string) => new RegExp(String(parameters[name]?.AllowedPattern));

const INCIDENT_PREFIX = "arn:${AWS::Partition}:s3:::${EvidenceBucket}/incidents/${IncidentId}/";
const NOTES_PREFIX = `${INCIDENT_PREFIX}notes/`;
const BUCKET = "arn:${AWS::Partition}:s3:::${EvidenceBucket}";

/** Ingress rules of a group: its inline rules plus separate AWS::EC2::SecurityGroupIngress resources. */
function ingressOf(groupLogicalId: string): CfnValue[] {
  const inline = toList(props(resources[groupLogicalId]).SecurityGroupIngress);
  const separate = resourcesOfType(template, "AWS::EC2::SecurityGroupIngress")
    .map(([, r]) => props(r))
    .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify(groupIdOf(groupLogicalId)));
  return [...inline, ...separate];
}

/** Egress rules of a group, likewise. */
function egressOf(groupLogicalId: string): CfnValue[] {
  const inline = toList(props(resources[groupLogicalId]).SecurityGroupEgress);
  const separate = resourcesOfType(template, "AWS::EC2::SecurityGroupEgress")
    .map(([, r]) => props(r))
    .filter((p) => JSON.stringify(p.GroupId) === JSON.stringify(groupIdOf(groupLogicalId)));
  return [...inline, ...separate];
}

/** Parameters as CloudFormation would see them for n evidence snapshots. */
function paramsFor(snapshotCount: number): Record<string, string> {
  const ids = Array.from({ length: snapshotCount }, (_, i) => `snap-0000000000000000${i + 1}`);
  return { EvidenceSnapshotIds: ids.join(","), EvidenceVolumeSizeGiB: "0" };
}

describe("clean room template: network", () => {
  it("has no internet gateway, NAT gateway, Elastic IP, VPN, peering or transit gateway", () => {
    const forbidden = [
      "AWS::EC2::InternetGateway",
      "AWS::EC2::EgressOnlyInternetGateway",
      "AWS::EC2::VPCGatewayAttachment",
      "AWS::EC2::NatGateway",
      "AWS::EC2::EIP",
      "AWS::EC2::EIPAssociation",
      "AWS::EC2::VPNGateway",
      "AWS::EC2::VPCPeeringConnection",
      "AWS::EC2::TransitGateway",
      "AWS::EC2::TransitGatewayAttachment",
      "AWS::EC2::CarrierGateway",
    ];

    const found = Object.values(resources).filter((r) => forbidden.includes(r.Type));

    expect(found).toEqual([]);
  });

  it("adds no routes: only the VPC's local route and the S3 gateway endpoint's", () => {
    expect(resourcesOfType(template, "AWS::EC2::Route")).toEqual([]);
  });

  it("builds two private subnets in two availability zones that never map public IPs", () => {
    const subnets = resourcesOfType(template, "AWS::EC2::Subnet");

    expect(subnets).toHaveLength(2);
    for (const [id, subnet] of subnets) {
      const p = props(subnet);
      expect([false, undefined], `${id} MapPublicIpOnLaunch`).toContain(p.MapPublicIpOnLaunch);
      expect(p.AssignIpv6AddressOnCreation, id).toBeUndefined();
      expect(p.VpcId).toEqual(ref("Vpc"));
    }
    expect(subnets.map(([, s]) => props(s).AvailabilityZone)).toEqual([
      { "Fn::Select": [0, { "Fn::GetAZs": "" }] },
      { "Fn::Select": [1, { "Fn::GetAZs": "" }] },
    ]);
  });

  it("derives the subnets 10.99.0.0/24 and 10.99.1.0/24 from the default VPC CIDR", () => {
    const vpcCidr = String(parameters.VpcCidr?.Default);

    const cidrs = resourcesOfType(template, "AWS::EC2::Subnet").map(([, s]) =>
      evaluate(props(s).CidrBlock, { VpcCidr: vpcCidr }),
    );

    expect(vpcCidr).toBe("10.99.0.0/16");
    expect(cidrs).toEqual(["10.99.0.0/24", "10.99.1.0/24"]);
  });

  it("associates every subnet with the private route table", () => {
    const associated = resourcesOfType(template, "AWS::EC2::SubnetRouteTableAssociation").map(([, a]) =>
      props(a),
    );

    expect(associated).toEqual(
      expect.arrayContaining([
        { SubnetId: ref("PrivateSubnetA"), RouteTableId: ref("PrivateRouteTable") },
        { SubnetId: ref("PrivateSubnetB"), RouteTableId: ref("PrivateRouteTable") },
      ]),
    );
  });

  it("turns on DNS support and hostnames, which private DNS for the endpoints needs", () => {
    expect(props(resources.Vpc)).toMatchObject({ EnableDnsSupport: true, EnableDnsHostnames: true });
  });
});

describe("clean room template: VPC endpoints", () => {
  const endpoints = resourcesOfType(template, "AWS::EC2::VPCEndpoint").map(([, e]) => props(e));
  const byService = (service: string) =>
    endpoints.filter((e) => subText(e.ServiceName) === `com.amazonaws.\${AWS::Region}.${service}`);

  it("has an S3 gateway endpoint on the private route table", () => {
    const [s3] = byService("s3");

    expect(byService("s3")).toHaveLength(1);
    expect(s3).toMatchObject({ VpcEndpointType: "Gateway", RouteTableIds: [ref("PrivateRouteTable")] });
  });

  it("limits the S3 endpoint to this incident's prefix of the evidence bucket", () => {
    const policy = statements(byService("s3")[0]?.PolicyDocument);

    expect(policy.map((st) => st.sid)).toEqual([
      "ReadIncidentEvidence",
      "ListIncidentPrefix",
      "WriteIncidentNotes",
    ]);
    for (const st of policy) {
      expect(st.effect).toBe("Allow");
      for (const r of st.resources) {
        const arn = subText(r) ?? "";
        expect(arn === BUCKET || arn.startsWith(INCIDENT_PREFIX), `${st.sid}: ${arn}`).toBe(true);
      }
      expect(
        st.actions.every((a) => a.startsWith("s3:") && !a.includes("*")),
        st.sid,
      ).toBe(true);
    }
    const writes = policy.filter((st) => st.actions.includes("s3:PutObject"));
    expect(writes.flatMap((st) => st.resources.map(subText))).toEqual([`${NOTES_PREFIX}*`]);
  });

  it.each(["ssm", "ssmmessages", "ec2messages"])(
    "has an interface endpoint for %s with private DNS, in both subnets, behind the endpoint group",
    (service) => {
      const found = byService(service);

      expect(found).toHaveLength(1);
      expect(found[0]).toMatchObject({
        VpcEndpointType: "Interface",
        PrivateDnsEnabled: true,
        VpcId: ref("Vpc"),
        SubnetIds: [ref("PrivateSubnetA"), ref("PrivateSubnetB")],
        SecurityGroupIds: [groupIdOf("EndpointSecurityGroup")],
      });
    },
  );

  it("admits only HTTPS from the workstation group to the endpoints, and lets nothing out", () => {
    const ingress = ingressOf("EndpointSecurityGroup").map((r) => asObject(r));
    const egress = egressOf("EndpointSecurityGroup").map((r) => asObject(r));

    expect(ingress).toHaveLength(1);
    expect(ingress[0]).toMatchObject({
      IpProtocol: "tcp",
      FromPort: 443,
      ToPort: 443,
      SourceSecurityGroupId: groupIdOf("WorkstationSecurityGroup"),
    });
    expect(ingress[0]?.CidrIp).toBeUndefined();
    // One placeholder rule to the loopback address replaces the default allow-all egress.
    expect(egress).toEqual([expect.objectContaining({ IpProtocol: "-1", CidrIp: "127.0.0.1/32" })]);
  });
});

describe("clean room template: workstation", () => {
  const instance = props(resources.Workstation);
  const launchData = asObject(props(resources.WorkstationLaunchTemplate).LaunchTemplateData);

  it("is launched from the launch template, in private subnet A, with the workstation group only", () => {
    expect(instance).toMatchObject({
      LaunchTemplate: {
        LaunchTemplateId: ref("WorkstationLaunchTemplate"),
        Version: { "Fn::GetAtt": ["WorkstationLaunchTemplate", "LatestVersionNumber"] },
      },
      ImageId: ref("AmiId"),
      InstanceType: ref("InstanceType"),
      SubnetId: ref("PrivateSubnetA"),
      SecurityGroupIds: [groupIdOf("WorkstationSecurityGroup")],
      IamInstanceProfile: ref("WorkstationInstanceProfile"),
    });
  });

  it("never gets a public IP address", () => {
    const interfaces = [...toList(instance.NetworkInterfaces), ...toList(launchData.NetworkInterfaces)];

    for (const eni of interfaces) expect(asObject(eni).AssociatePublicIpAddress).not.toBe(true);
    expect(props(resources.PrivateSubnetA).MapPublicIpOnLaunch).toBe(false);
  });

  it("requires IMDSv2 with a hop limit of 1", () => {
    expect(launchData.MetadataOptions).toMatchObject({
      HttpEndpoint: "enabled",
      HttpTokens: "required",
      HttpPutResponseHopLimit: 1,
    });
    // No competing metadata options on the instance itself.
    expect(instance.MetadataOptions).toBeUndefined();
  });

  it("has an encrypted gp3 root volume on the AMI's root device", () => {
    const mappings = asArray(launchData.BlockDeviceMappings).map((m) => asObject(m));

    expect(mappings).toEqual([
      {
        DeviceName: ref("RootDeviceName"),
        Ebs: expect.objectContaining({ VolumeType: "gp3", Encrypted: true, DeleteOnTermination: true }),
      },
    ]);
    expect(instance.BlockDeviceMappings).toBeUndefined();
  });

  it("accepts no inbound connections at all", () => {
    expect(ingressOf("WorkstationSecurityGroup")).toEqual([]);
  });

  it("sends only HTTPS, to the endpoint group and to the S3 prefix list", () => {
    const egress = egressOf("WorkstationSecurityGroup").map((r) => asObject(r));

    for (const rule of egress) {
      expect(rule).toMatchObject({ IpProtocol: "tcp", FromPort: 443, ToPort: 443 });
      expect(rule.CidrIp).toBeUndefined();
      expect(rule.CidrIpv6).toBeUndefined();
    }
    expect(egress.map((r) => r.DestinationSecurityGroupId ?? r.DestinationPrefixListId)).toEqual([
      groupIdOf("EndpointSecurityGroup"),
      ref("S3PrefixListId"),
    ]);
  });

  it("makes non-root EBS disks read-only from boot (defence in depth for the evidence)", () => {
    const userData = String(asObject(instance.UserData)["Fn::Base64"]);

    expect(userData).toMatch(/^#!\/bin\/bash/);
    expect(userData).toContain("blockdev --setro");
  });
});

describe("clean room template: evidence volumes", () => {
  const volumes = resourcesOfType(template, "AWS::EC2::Volume");
  const attachments = resourcesOfType(template, "AWS::EC2::VolumeAttachment");
  const conditions = template.Conditions ?? {};

  it("creates up to four encrypted gp3 volumes from the snapshot ids, in the workstation's zone", () => {
    expect(volumes.map(([id]) => id)).toEqual([
      "EvidenceVolume1",
      "EvidenceVolume2",
      "EvidenceVolume3",
      "EvidenceVolume4",
    ]);
    volumes.forEach(([id, volume], i) => {
      expect(props(volume), id).toMatchObject({
        Encrypted: true,
        VolumeType: "gp3",
        SnapshotId: { "Fn::Select": [i, { "Fn::Split": [",", ref("EvidenceSnapshotIds")] }] },
        AvailabilityZone: props(resources.PrivateSubnetA).AvailabilityZone,
      });
      expect(volume.Condition, id).toBe(i === 0 ? undefined : `HasSnapshot${i + 1}`);
    });
  });

  it("attaches them at /dev/sdf to /dev/sdi of the workstation, under the same conditions", () => {
    expect(attachments.map(([, a]) => ({ condition: a.Condition, ...props(a) }))).toEqual(
      ["sdf", "sdg", "sdh", "sdi"].map((dev, i) => ({
        condition: i === 0 ? undefined : `HasSnapshot${i + 1}`,
        InstanceId: ref("Workstation"),
        VolumeId: ref(`EvidenceVolume${i + 1}`),
        Device: `/dev/${dev}`,
      })),
    );
  });

  it.each([1, 2, 3, 4])("creates exactly %i volume(s) for that many snapshot ids", (count) => {
    const params = paramsFor(count);

    const created = volumes.filter(
      ([, v]) => v.Condition === undefined || evaluate(conditions[v.Condition], params, conditions) === true,
    );
    const snapshotIds = created.map(([, v]) => evaluate(props(v).SnapshotId, params, conditions));

    expect(created).toHaveLength(count);
    expect(snapshotIds.join(",")).toBe(params.EvidenceSnapshotIds);
  });

  it("lists the created volumes in the EvidenceVolumeIds output, in attachment order", () => {
    const output = template.Outputs?.EvidenceVolumeIds?.Value;
    // Refs to volumes evaluate to their logical ids here.
    const volumeRefs = Object.fromEntries(volumes.map(([id]) => [id, id]));

    const listed = [1, 2, 3, 4].map((n) => {
      const params = { ...paramsFor(n), ...volumeRefs };
      return evaluateIf(output, params, conditions);
    });

    expect(listed).toEqual([
      "EvidenceVolume1",
      "EvidenceVolume1,EvidenceVolume2",
      "EvidenceVolume1,EvidenceVolume2,EvidenceVolume3",
      "EvidenceVolume1,EvidenceVolume2,EvidenceVolume3,EvidenceVolume4",
    ]);
  });

  it("gives volumes their snapshot's size unless a size is set (Size >= snapshot size in AWS)", () => {
    const size = props(volumes[0]?.[1]).Size;

    expect(size).toEqual({
      "Fn::If": ["HasEvidenceVolumeSize", ref("EvidenceVolumeSizeGiB"), ref("AWS::NoValue")],
    });
    expect(evaluate(conditions.HasEvidenceVolumeSize, { EvidenceVolumeSizeGiB: "0" })).toBe(false);
    expect(evaluate(conditions.HasEvidenceVolumeSize, { EvidenceVolumeSizeGiB: "8" })).toBe(true);
  });
});

/** Evaluates nested Fn::If over conditions, then the chosen branch. */
function evaluateIf(
  value: CfnValue | undefined,
  params: Record<string, string>,
  conditions: Record<string, CfnValue>,
): unknown {
  const obj = value && typeof value === "object" && !Array.isArray(value) ? value : undefined;
  if (obj && "Fn::If" in obj) {
    const [name, yes, no] = asArray(obj["Fn::If"]);
    const chosen = evaluate(conditions[String(name)], params, conditions) === true ? yes : no;
    return evaluateIf(chosen, params, conditions);
  }
  return evaluate(value, params, conditions);
}

describe("clean room template: workstation role", () => {
  const role = props(resources.WorkstationRole);
  const policy = inlineStatements(resources.WorkstationRole);

  it("can be assumed by EC2 only", () => {
    const trust = statements(role.AssumeRolePolicyDocument);

    expect(trust).toEqual([
      expect.objectContaining({
        effect: "Allow",
        actions: ["sts:AssumeRole"],
        principal: { Service: "ec2.amazonaws.com" },
      }),
    ]);
  });

  it("has the Session Manager core policy and no other managed policy", () => {
    expect(toList(role.ManagedPolicyArns).map(subText)).toEqual([
      "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore",
    ]);
  });

  it("allows nothing with a wildcard action or resource, and denies nothing it then relies on", () => {
    expect(policy.map((st) => st.sid)).toEqual([
      "ReadIncidentEvidence",
      "ListIncidentPrefix",
      "WriteIncidentNotes",
      "UseEvidenceKeyThroughS3",
    ]);
    for (const st of policy) {
      expect(st.effect, st.sid).toBe("Allow");
      expect(
        st.actions.some((a) => a.includes("*")),
        st.sid,
      ).toBe(false);
      expect(st.resources, st.sid).not.toContain("*");
    }
  });

  it("reads only this incident's prefix of the evidence bucket", () => {
    const reads = policy.filter((st) => st.actions.some((a) => a.startsWith("s3:Get")));

    expect(reads.flatMap((st) => st.resources.map(subText))).toEqual([`${INCIDENT_PREFIX}*`]);
  });

  it("lists the bucket only under this incident's prefix", () => {
    const lists = policy.filter((st) => st.actions.includes("s3:ListBucket"));

    expect(lists).toEqual([
      expect.objectContaining({
        resources: [{ "Fn::Sub": BUCKET }],
        condition: {
          StringLike: {
            "s3:prefix": [
              { "Fn::Sub": "incidents/${IncidentId}/" },
              { "Fn::Sub": "incidents/${IncidentId}/*" },
            ],
          },
        },
      }),
    ]);
  });

  it("writes only under this incident's notes prefix, and deletes nothing", () => {
    const s3Actions = policy.flatMap((st) => st.actions).filter((a) => a.startsWith("s3:"));
    const writes = policy.filter((st) => st.actions.some((a) => a.startsWith("s3:Put")));

    expect(writes.flatMap((st) => st.resources.map(subText))).toEqual([`${NOTES_PREFIX}*`]);
    expect(writes.flatMap((st) => st.actions)).toEqual(["s3:PutObject"]);
    expect(s3Actions.filter((a) => /Delete|Acl|Policy|Retention|LegalHold|Lifecycle/.test(a))).toEqual([]);
  });

  it("uses the evidence key only through S3", () => {
    const kms = policy.filter((st) => st.actions.some((a) => a.startsWith("kms:")));

    expect(kms).toEqual([
      expect.objectContaining({
        actions: ["kms:Decrypt", "kms:GenerateDataKey"],
        resources: [ref("KmsKeyArn")],
        condition: { StringEquals: { "kms:ViaService": { "Fn::Sub": "s3.${AWS::Region}.amazonaws.com" } } },
      }),
    ]);
  });
});

describe("clean room template: tags", () => {
  // These types take no tags in CloudFormation.
  const UNTAGGABLE = new Set([
    "AWS::IAM::InstanceProfile",
    "AWS::EC2::SubnetRouteTableAssociation",
    "AWS::EC2::SecurityGroupIngress",
    "AWS::EC2::SecurityGroupEgress",
    "AWS::EC2::VolumeAttachment",
  ]);

  it("tags every taggable resource with the incident, creator, expiry and managed marker", () => {
    const missing: string[] = [];
    for (const [id, resource] of Object.entries(resources)) {
      if (UNTAGGABLE.has(resource.Type)) continue;
      const p = props(resource);
      const tagLists =
        resource.Type === "AWS::EC2::LaunchTemplate"
          ? asArray(p.TagSpecifications).map((spec) => asObject(spec).Tags)
          : [p.Tags];
      for (const tags of tagLists) {
        if (tags === undefined) {
          missing.push(`${id}: no tags`);
          continue;
        }
        const map = tagMap(tags);
        for (const [key, value] of Object.entries(INCIDENT_TAGS)) {
          if (JSON.stringify(map.get(key)) !== JSON.stringify(value)) missing.push(`${id}: ${key}`);
        }
      }
    }

    expect(missing).toEqual([]);
  });

  it("tags the workstation's root volume and network interface through the launch template", () => {
    const specs = asArray(
      asObject(props(resources.WorkstationLaunchTemplate).LaunchTemplateData).TagSpecifications,
    );

    const tagged = specs
      .map((s) => asObject(s))
      .filter((s) => tagMap(s.Tags).has("incident-responder:incident-id"));

    expect(tagged.map((s) => s.ResourceType)).toEqual(["volume", "network-interface"]);
  });
});

describe("clean room template: parameters and outputs", () => {
  it("accepts the responder's incident ids and nothing else", () => {
    const re = pattern("IncidentId");
    const good = ["ir-20250131-0a1b2c3d", "ir-00000000-ffffffff"];
    const bad = [
      "ir-2025013-0a1b2c3d",
      "ir-20250131-0A1B2C3D",
      "IR-20250131-0a1b2c3d",
      "ir-20250131-0a1b2c3d ",
      "",
    ];

    for (const id of good) {
      expect(re.test(id), id).toBe(true);
      expect(INCIDENT_ID_PATTERN.test(id), id).toBe(true);
    }
    for (const id of bad) {
      expect(re.test(id), id).toBe(false);
      expect(INCIDENT_ID_PATTERN.test(id), id).toBe(false);
    }
  });

  it("accepts one to four comma-separated snapshot ids", () => {
    const re = pattern("EvidenceSnapshotIds");
    const id = (n: number) => `snap-0123456789abcdef${n}`;

    for (const n of [1, 2, 3, 4]) {
      expect(re.test(Array.from({ length: n }, (_, i) => id(i)).join(",")), `${n} ids`).toBe(true);
    }
    for (const bad of [
      "",
      [1, 2, 3, 4, 5].map(id).join(","),
      `${id(1)}, ${id(2)}`,
      `${id(1)},`,
      "vol-0123456789abcdef0",
    ]) {
      expect(re.test(bad), bad).toBe(false);
    }
  });

  it("accepts only ISO-8601 UTC times as the expiry", () => {
    const re = pattern("ExpiresAt");

    expect(re.test("2025-02-01T12:00:00Z")).toBe(true);
    expect(re.test("2025-02-01T12:00:00.123Z")).toBe(true);
    expect(re.test("2025-02-01 12:00")).toBe(false);
    expect(re.test("2025-02-01T12:00:00+01:00")).toBe(false);
  });

  it("defaults the AMI to the latest Amazon Linux 2023 through an SSM parameter", () => {
    expect(parameters.AmiId).toMatchObject({
      Type: "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>",
      Default: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
    });
  });

  it("defaults to m5.large among a fixed list of instance types", () => {
    const type = parameters.InstanceType;

    expect(type?.Default).toBe("m5.large");
    expect(asArray(type?.AllowedValues)).toContain("m5.large");
  });

  it("defaults the VPC to 10.99.0.0/16 and accepts only private /16 blocks", () => {
    const re = pattern("VpcCidr");

    expect(re.test(String(parameters.VpcCidr?.Default))).toBe(true);
    expect(re.test("172.16.0.0/16")).toBe(true);
    expect(re.test("8.8.0.0/16")).toBe(false);
    expect(re.test("10.99.0.0/24")).toBe(false);
  });

  it("declares the documented parameters", () => {
    expect(Object.keys(parameters).sort()).toEqual(
      [
        "AmiId",
        "CreatedBy",
        "EvidenceBucket",
        "EvidenceSnapshotIds",
        "EvidenceVolumeSizeGiB",
        "ExpiresAt",
        "IncidentId",
        "InstanceType",
        "KmsKeyArn",
        "RootDeviceName",
        "RootVolumeSizeGiB",
        "S3PrefixListId",
        "VpcCidr",
        "WorkstationPermissionsBoundary",
      ].sort(),
    );
  });

  it("bounds the workstation role with the boundary it is given, and only then", () => {
    const role = resources.WorkstationRole?.Properties as Record<string, unknown>;
    expect(role.PermissionsBoundary).toEqual({
      "Fn::If": [
        "HasPermissionsBoundary",
        { Ref: "WorkstationPermissionsBoundary" },
        { Ref: "AWS::NoValue" },
      ],
    });
    expect(template.Conditions?.HasPermissionsBoundary).toEqual({
      "Fn::Not": [{ "Fn::Equals": [{ Ref: "WorkstationPermissionsBoundary" }, ""] }],
    });
  });

  it("outputs the workstation, VPC, group, volumes, Session Manager command and notes prefix", () => {
    const outputs = template.Outputs ?? {};

    expect(Object.keys(outputs)).toEqual([
      "WorkstationInstanceId",
      "VpcId",
      "SecurityGroupId",
      "EvidenceVolumeIds",
      "SessionManagerCommand",
      "NotesPrefix",
    ]);
    expect(outputs.WorkstationInstanceId?.Value).toEqual(ref("Workstation"));
    expect(outputs.VpcId?.Value).toEqual(ref("Vpc"));
    expect(outputs.SecurityGroupId?.Value).toEqual(groupIdOf("WorkstationSecurityGroup"));
    expect(subText(outputs.SessionManagerCommand?.Value)).toBe(
      "aws ssm start-session --target ${Workstation} --region ${AWS::Region}",
    );
    expect(subText(outputs.NotesPrefix?.Value)).toBe("s3://${EvidenceBucket}/incidents/${IncidentId}/notes/");
  });
});
