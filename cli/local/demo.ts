/**
 * A small demo account for local drills: one VPC, two subnets, security groups, and a few
 * instances with the tags real teams use (Environment, DataClassification, Criticality,
 * Owner, WorkQueue), some with several volumes and network interfaces, one protected; the
 * web server's role shared with a sibling worker; an IAM user for CI with two access keys.
 * Only ever run against the emulator.
 */
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AttachNetworkInterfaceCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateTagsCommand,
  CreateVpcCommand,
  DescribeImagesCommand,
  type EC2Client,
  RunInstancesCommand,
  type Tag,
} from "@aws-sdk/client-ec2";
import {
  AddRoleToInstanceProfileCommand,
  CreateAccessKeyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";

export interface DemoInstance {
  /** `worker`: the web server's sibling, launched with the same instance profile (and role). */
  key: "web" | "batch" | "dev" | "bastion" | "worker";
  instanceId: string;
  name: string;
  tags: Record<string, string>;
  interfaces: number;
  volumes: number;
}

/** An IAM user of the demo account, tagged for drills, with its access keys (all Active). */
export interface DemoUser {
  key: "ci-deployer";
  userName: string;
  accessKeyIds: string[];
}

export interface DemoAccount {
  vpcId: string;
  subnetIds: string[];
  instances: Record<DemoInstance["key"], DemoInstance>;
  users: Record<DemoUser["key"], DemoUser>;
  /** The role of the web server's instance profile (shared with the worker). */
  webRole: string;
}

/** The demo web server's role, in its instance profile `demo-web-profile`. */
export const DEMO_WEB_ROLE = "demo-web-role";

const tags = (t: Record<string, string>): Tag[] => Object.entries(t).map(([Key, Value]) => ({ Key, Value }));

interface Spec {
  key: DemoInstance["key"];
  tags: Record<string, string>;
  extraInterfaces: number;
  dataVolumes: { device: string; size: number; tags?: Record<string, string> }[];
  /** An Elastic IP on the primary interface (launch-assigned public IPs cannot be removed in the emulator). */
  elasticIp: boolean;
  profile: boolean;
}

const SPECS: Spec[] = [
  {
    key: "web",
    tags: {
      Name: "payments-web-1",
      Environment: "prod",
      DataClassification: "restricted",
      Criticality: "high",
      Owner: "payments-team@example.com",
      WorkQueue: "SEC-PAYMENTS",
      "incident-responder:drill": "true",
    },
    extraInterfaces: 1,
    dataVolumes: [
      { device: "/dev/sdf", size: 20, tags: { DataClassification: "restricted", Name: "payments-db-data" } },
      { device: "/dev/sdg", size: 10 },
    ],
    elasticIp: true,
    profile: true,
  },
  {
    key: "batch",
    tags: {
      Name: "reporting-batch-1",
      Environment: "staging",
      DataClassification: "internal",
      Criticality: "medium",
      Owner: "data-team@example.com",
      WorkQueue: "SEC-DATA",
      "incident-responder:drill": "true",
    },
    extraInterfaces: 0,
    dataVolumes: [{ device: "/dev/sdf", size: 50 }],
    elasticIp: false,
    profile: false,
  },
  {
    key: "dev",
    tags: { Name: "dev-sandbox-1", Environment: "dev", "incident-responder:drill": "true" },
    extraInterfaces: 0,
    dataVolumes: [],
    elasticIp: false,
    profile: false,
  },
  {
    key: "bastion",
    tags: {
      Name: "bastion-1",
      Environment: "prod",
      Criticality: "critical",
      Owner: "platform-team@example.com",
      "incident-responder:protected": "true",
      "incident-responder:drill": "true",
    },
    extraInterfaces: 0,
    dataVolumes: [],
    elasticIp: true,
    profile: false,
  },
  {
    key: "worker",
    tags: {
      Name: "payments-worker-1",
      Environment: "prod",
      DataClassification: "restricted",
      Criticality: "high",
      Owner: "payments-team@example.com",
      WorkQueue: "SEC-PAYMENTS",
      "incident-responder:drill": "true",
    },
    extraInterfaces: 0,
    dataVolumes: [],
    elasticIp: false,
    profile: true,
  },
];

/** Creates the drill-tagged CI user `drill-ci-deployer` with two active access keys. */
async function seedUser(iam: IAMClient): Promise<DemoUser> {
  const userName = "drill-ci-deployer";
  await iam.send(
    new CreateUserCommand({
      UserName: userName,
      Tags: [
        { Key: "Owner", Value: "platform-team@example.com" },
        { Key: "incident-responder:drill", Value: "true" },
      ],
    }),
  );
  const accessKeyIds: string[] = [];
  for (let i = 0; i < 2; i++) {
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: userName }));
    accessKeyIds.push(key.AccessKey?.AccessKeyId ?? "");
  }
  return { key: "ci-deployer", userName, accessKeyIds };
}

/** Creates the demo account's network and instances in the emulator. */
export async function seedDemoAccount(ec2: EC2Client, iam: IAMClient): Promise<DemoAccount> {
  const vpc = await ec2.send(
    new CreateVpcCommand({
      CidrBlock: "10.20.0.0/16",
      TagSpecifications: [{ ResourceType: "vpc", Tags: tags({ Name: "demo-prod" }) }],
    }),
  );
  const vpcId = vpc.Vpc?.VpcId ?? "";
  const subnets = await Promise.all(
    ["10.20.1.0/24", "10.20.2.0/24"].map((CidrBlock, i) =>
      ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock, AvailabilityZone: `us-east-1${"ab"[i]}` })),
    ),
  );
  const subnetIds = subnets.map((s) => s.Subnet?.SubnetId ?? "");
  const web = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: "demo-web", Description: "web tier", VpcId: vpcId }),
  );
  const app = await ec2.send(
    new CreateSecurityGroupCommand({ GroupName: "demo-app", Description: "app tier", VpcId: vpcId }),
  );
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: web.GroupId,
      IpPermissions: [
        { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
        {
          IpProtocol: "tcp",
          FromPort: 22,
          ToPort: 22,
          IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "temporary: vendor access" }],
        },
      ],
    }),
  );
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: app.GroupId,
      IpPermissions: [
        { IpProtocol: "tcp", FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: "10.20.0.0/16" }] },
      ],
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: DEMO_WEB_ROLE,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" },
        ],
      }),
    }),
  );
  const profile = await iam.send(
    new CreateInstanceProfileCommand({ InstanceProfileName: "demo-web-profile" }),
  );
  await iam.send(
    new AddRoleToInstanceProfileCommand({
      InstanceProfileName: "demo-web-profile",
      RoleName: DEMO_WEB_ROLE,
    }),
  );
  const images = await ec2.send(new DescribeImagesCommand({}));
  const imageId = images.Images?.[0]?.ImageId ?? "ami-12c6146b";

  const instances = {} as DemoAccount["instances"];
  for (const spec of SPECS) {
    const groups = [spec.key === "web" || spec.key === "bastion" ? web.GroupId : app.GroupId].filter(
      Boolean,
    ) as string[];
    const run = await ec2.send(
      new RunInstancesCommand({
        ImageId: imageId,
        InstanceType: "t3.micro",
        MinCount: 1,
        MaxCount: 1,
        NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: subnetIds[0], Groups: groups }],
        BlockDeviceMappings: [
          { DeviceName: "/dev/xvda", Ebs: { VolumeSize: 8, DeleteOnTermination: true } },
          ...spec.dataVolumes.map((v) => ({
            DeviceName: v.device,
            Ebs: { VolumeSize: v.size, DeleteOnTermination: true },
          })),
        ],
        ...(spec.profile ? { IamInstanceProfile: { Arn: profile.InstanceProfile?.Arn } } : {}),
        TagSpecifications: [
          { ResourceType: "instance", Tags: tags(spec.tags) },
          { ResourceType: "volume", Tags: tags({ Name: `${spec.tags.Name}-disk` }) },
        ],
      }),
    );
    const inst = run.Instances?.[0];
    const instanceId = inst?.InstanceId ?? "";
    if (spec.elasticIp) {
      const eip = await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
      await ec2.send(
        new AssociateAddressCommand({
          AllocationId: eip.AllocationId,
          NetworkInterfaceId: inst?.NetworkInterfaces?.[0]?.NetworkInterfaceId,
        }),
      );
    }
    for (let i = 0; i < spec.extraInterfaces; i++) {
      const eni = await ec2.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: subnetIds[1],
          Groups: [app.GroupId ?? ""],
          Description: `${spec.tags.Name} backend`,
          TagSpecifications: [
            { ResourceType: "network-interface", Tags: tags({ Name: `${spec.tags.Name}-backend` }) },
          ],
        }),
      );
      await ec2.send(
        new AttachNetworkInterfaceCommand({
          InstanceId: instanceId,
          NetworkInterfaceId: eni.NetworkInterface?.NetworkInterfaceId,
          DeviceIndex: i + 1,
        }),
      );
    }
    // Volume tags that differ from the instance's (a restricted data volume).
    for (const v of spec.dataVolumes.filter((d) => d.tags)) {
      const mapping = inst?.BlockDeviceMappings?.find((b) => b.DeviceName === v.device);
      if (mapping?.Ebs?.VolumeId) {
        await ec2.send(
          new CreateTagsCommand({ Resources: [mapping.Ebs.VolumeId], Tags: tags(v.tags ?? {}) }),
        );
      }
    }
    instances[spec.key] = {
      key: spec.key,
      instanceId,
      name: spec.tags.Name ?? spec.key,
      tags: spec.tags,
      interfaces: 1 + spec.extraInterfaces,
      volumes: 1 + spec.dataVolumes.length,
    };
  }
  const users = { "ci-deployer": await seedUser(iam) };
  return { vpcId, subnetIds, instances, users, webRole: DEMO_WEB_ROLE };
}
