/**
 * A fleet of instances for the benchmark, in the emulator: several VPCs, each instance shaped
 * like the demo's payments web server (two network interfaces, three volumes, an Elastic IP,
 * an instance profile, production tags), and real-format GuardDuty findings aimed at them.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AttachNetworkInterfaceCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  type EC2Client,
  RunInstancesCommand,
  type Tag,
} from "@aws-sdk/client-ec2";
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";

export interface FleetInstance {
  instanceId: string;
  vpcId: string;
  /** Network interfaces and volumes the instance has. */
  interfaces: number;
  volumes: number;
}

export interface Fleet {
  vpcIds: string[];
  instances: FleetInstance[];
}

const tags = (t: Record<string, string>): Tag[] => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));

/** One instance profile the fleet shares (created once per emulator). */
async function ensureProfile(iam: IAMClient, name: string): Promise<string | undefined> {
  await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
    }),
  );
  const profile = await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: name }));
  await iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }));
  return profile.InstanceProfile?.Arn;
}

/**
 * Creates `count` instances spread over `vpcs` VPCs (each VPC with two subnets and an
 * application group open to the world on 22 and 443).
 */
export async function seedFleet(
  ec2: EC2Client,
  iam: IAMClient,
  opts: { name: string; count: number; vpcs: number; cidrBase: number },
): Promise<Fleet> {
  const profileArn = await ensureProfile(iam, `${opts.name}-profile`);
  const images = await ec2.send(new DescribeImagesCommand({}));
  const imageId = images.Images?.[0]?.ImageId ?? "ami-12c6146b";
  const vpcs = await Promise.all(
    Array.from({ length: opts.vpcs }, async (_, v) => {
      const second = opts.cidrBase + v;
      const vpc = await ec2.send(
        new CreateVpcCommand({
          CidrBlock: `10.${second}.0.0/16`,
          TagSpecifications: [{ ResourceType: "vpc", Tags: tags({ Name: `${opts.name}-${v}` }) }],
        }),
      );
      const vpcId = vpc.Vpc?.VpcId ?? "";
      const subnets = await Promise.all(
        ["a", "b"].map((az, i) =>
          ec2.send(
            new CreateSubnetCommand({
              VpcId: vpcId,
              CidrBlock: `10.${second}.${i + 1}.0/24`,
              AvailabilityZone: `us-east-1${az}`,
            }),
          ),
        ),
      );
      const group = await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: `${opts.name}-app`,
          Description: "app tier",
          VpcId: vpcId,
        }),
      );
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: group.GroupId,
          IpPermissions: [443, 22].map((port) => ({
            IpProtocol: "tcp",
            FromPort: port,
            ToPort: port,
            IpRanges: [{ CidrIp: "0.0.0.0/0" }],
          })),
        }),
      );
      return {
        vpcId,
        subnetIds: subnets.map((s) => s.Subnet?.SubnetId ?? ""),
        groupId: group.GroupId ?? "",
      };
    }),
  );
  // Instances one VPC after another, several at a time (the emulator serialises much of it anyway).
  const instances: FleetInstance[] = [];
  const queue = Array.from({ length: opts.count }, (_, i) => i);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
        const net = vpcs[i % vpcs.length] as (typeof vpcs)[number];
        instances.push(await launch(ec2, { ...opts, imageId, profileArn, net, index: i }));
      }
    }),
  );
  instances.sort((a, b) => a.instanceId.localeCompare(b.instanceId));
  return { vpcIds: vpcs.map((v) => v.vpcId), instances };
}

async function launch(
  ec2: EC2Client,
  o: {
    name: string;
    imageId: string;
    profileArn: string | undefined;
    net: { vpcId: string; subnetIds: string[]; groupId: string };
    index: number;
  },
): Promise<FleetInstance> {
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: o.imageId,
      InstanceType: "t3.micro",
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: o.net.subnetIds[0], Groups: [o.net.groupId] }],
      BlockDeviceMappings: [
        { DeviceName: "/dev/xvda", Ebs: { VolumeSize: 8, DeleteOnTermination: true } },
        { DeviceName: "/dev/sdf", Ebs: { VolumeSize: 20, DeleteOnTermination: true } },
        { DeviceName: "/dev/sdg", Ebs: { VolumeSize: 10, DeleteOnTermination: true } },
      ],
      ...(o.profileArn ? { IamInstanceProfile: { Arn: o.profileArn } } : {}),
      TagSpecifications: [
        {
          ResourceType: "instance",
          Tags: tags({
            Name: `${o.name}-web-${o.index}`,
            Environment: "prod",
            DataClassification: "restricted",
            Criticality: "high",
            Owner: "payments-team@example.com",
          }),
        },
      ],
    }),
  );
  const inst = run.Instances?.[0];
  const instanceId = inst?.InstanceId ?? "";
  const eip = await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
  await ec2.send(
    new AssociateAddressCommand({
      AllocationId: eip.AllocationId,
      NetworkInterfaceId: inst?.NetworkInterfaces?.[0]?.NetworkInterfaceId,
    }),
  );
  const eni = await ec2.send(
    new CreateNetworkInterfaceCommand({ SubnetId: o.net.subnetIds[1], Groups: [o.net.groupId] }),
  );
  await ec2.send(
    new AttachNetworkInterfaceCommand({
      InstanceId: instanceId,
      NetworkInterfaceId: eni.NetworkInterface?.NetworkInterfaceId,
      DeviceIndex: 1,
    }),
  );
  return { instanceId, vpcId: o.net.vpcId, interfaces: 2, volumes: 3 };
}

const c2 = JSON.parse(
  readFileSync(new URL("../drills/events/guardduty-c2.json", import.meta.url), "utf8"),
) as Record<string, unknown>;

/**
 * A real-format GuardDuty `Backdoor:EC2/C&CActivity.B!DNS` finding (not a sample: no drill
 * wrapper needed) on an instance, with its own finding id.
 */
export function guardDutyFinding(
  instanceId: string,
  account: string,
  region: string,
  findingId = randomBytes(16).toString("hex"),
): Record<string, unknown> {
  const e = structuredClone(c2) as { detail: Record<string, unknown> } & Record<string, unknown>;
  const now = new Date().toISOString();
  const d = e.detail as {
    id: string;
    arn: string;
    accountId: string;
    region: string;
    createdAt: string;
    updatedAt: string;
    severity: number;
    title: string;
    description: string;
    service: { additionalInfo?: Record<string, unknown>; detectorId?: string };
    resource: { instanceDetails: { instanceId: string } };
  };
  d.id = findingId;
  d.arn = `arn:aws:guardduty:${region}:${account}:detector/${d.service.detectorId ?? "d"}/finding/${findingId}`;
  d.accountId = account;
  d.region = region;
  d.createdAt = now;
  d.updatedAt = now;
  d.severity = 8;
  d.service.additionalInfo = {};
  d.resource.instanceDetails.instanceId = instanceId;
  d.title = d.title.replaceAll("i-99999999", instanceId);
  d.description = d.description.replaceAll("i-99999999", instanceId);
  return { ...e, id: randomUUID(), account, region, time: now };
}
