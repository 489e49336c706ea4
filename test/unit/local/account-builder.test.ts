/**
 * The account builder: keys resolve to the ids the emulator returned (subnets, groups and
 * profiles), extra interfaces are attached after launch or given at launch, the Elastic IP goes
 * to the primary interface, volume tags to their own volume, and a spec naming something it
 * does not build fails before any instance is launched.
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
  EC2Client,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  AddRoleToInstanceProfileCommand,
  CreateAccessKeyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  IAMClient,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  type AccountSpec,
  buildAccount,
  EC2_TRUST,
  launchInstance,
} from "../../../cli/local/account-builder.ts";

const ec2Mock = mockClient(EC2Client);
const iamMock = mockClient(IAMClient);

const SPEC: AccountSpec = {
  vpcs: [
    {
      key: "main",
      cidr: "10.9.0.0/16",
      tags: { Name: "main" },
      subnets: [
        { key: "a", cidr: "10.9.1.0/24", az: "us-east-1a" },
        { key: "b", cidr: "10.9.2.0/24", az: "us-east-1b" },
      ],
      groups: [
        {
          key: "web",
          name: "web",
          description: "web",
          ingress: [{ IpProtocol: "tcp", FromPort: 443, ToPort: 443 }],
        },
        { key: "app", name: "app", description: "app" },
      ],
    },
  ],
  profiles: [{ name: "web-profile", role: { name: "web-role" } }],
  instances: [
    {
      key: "web",
      subnet: "a",
      groups: ["web"],
      interfaces: [{ subnet: "b", groups: ["app"], description: "backend", tags: { Name: "web-backend" } }],
      volumes: [
        { device: "/dev/xvda", size: 8 },
        { device: "/dev/sdf", size: 20, tags: { DataClassification: "restricted" } },
      ],
      volumeTags: { Name: "web-disk" },
      profile: "web-profile",
      elasticIp: true,
      tags: { Name: "web-1", Environment: "prod" },
    },
  ],
  users: [{ name: "ci", tags: { Owner: "platform" }, accessKeys: 2 }],
};

beforeEach(() => {
  ec2Mock.reset();
  iamMock.reset();
  ec2Mock.on(CreateVpcCommand).resolves({ Vpc: { VpcId: "vpc-1" } });
  ec2Mock
    .on(CreateSubnetCommand, { AvailabilityZone: "us-east-1a" })
    .resolves({ Subnet: { SubnetId: "subnet-a" } })
    .on(CreateSubnetCommand, { AvailabilityZone: "us-east-1b" })
    .resolves({ Subnet: { SubnetId: "subnet-b" } });
  ec2Mock
    .on(CreateSecurityGroupCommand, { GroupName: "web" })
    .resolves({ GroupId: "sg-web" })
    .on(CreateSecurityGroupCommand, { GroupName: "app" })
    .resolves({ GroupId: "sg-app" });
  ec2Mock.on(DescribeImagesCommand).resolves({ Images: [{ ImageId: "ami-1" }] });
  ec2Mock.on(RunInstancesCommand).resolves({
    Instances: [
      {
        InstanceId: "i-1",
        NetworkInterfaces: [{ NetworkInterfaceId: "eni-primary", Attachment: { DeviceIndex: 0 } }],
        BlockDeviceMappings: [
          { DeviceName: "/dev/xvda", Ebs: { VolumeId: "vol-root" } },
          { DeviceName: "/dev/sdf", Ebs: { VolumeId: "vol-data" } },
        ],
      },
    ],
  });
  ec2Mock.on(AllocateAddressCommand).resolves({ AllocationId: "eipalloc-1" });
  ec2Mock
    .on(CreateNetworkInterfaceCommand)
    .resolves({ NetworkInterface: { NetworkInterfaceId: "eni-extra" } });
  iamMock.on(CreateInstanceProfileCommand).resolves({ InstanceProfile: { Arn: "arn:profile/web" } as never });
  iamMock
    .on(CreateAccessKeyCommand)
    .resolvesOnce({ AccessKey: { AccessKeyId: "AKIA1" } as never })
    .resolvesOnce({ AccessKey: { AccessKeyId: "AKIA2" } as never });
});

const clients = () => ({
  ec2: new EC2Client({ region: "us-east-1" }),
  iam: new IAMClient({ region: "us-east-1" }),
});

describe("buildAccount", () => {
  it("resolves every key to the id the emulator returned and returns the ids by key", async () => {
    const built = await buildAccount(clients(), SPEC);

    expect(built.vpcs.main).toEqual({
      vpcId: "vpc-1",
      subnetIds: { a: "subnet-a", b: "subnet-b" },
      groupIds: { web: "sg-web", app: "sg-app" },
    });
    expect(built.profileArns).toEqual({ "web-profile": "arn:profile/web" });
    expect(built.instances.web).toEqual({
      instanceId: "i-1",
      networkInterfaceId: "eni-primary",
      interfaces: 2,
      volumes: 2,
    });
    expect(built.users.ci).toEqual({ userName: "ci", accessKeyIds: ["AKIA1", "AKIA2"] });

    const run = ec2Mock.commandCalls(RunInstancesCommand)[0]?.args[0].input;
    expect(run?.ImageId).toBe("ami-1");
    expect(run?.NetworkInterfaces).toEqual([{ DeviceIndex: 0, SubnetId: "subnet-a", Groups: ["sg-web"] }]);
    expect(run?.IamInstanceProfile).toEqual({ Arn: "arn:profile/web" });
    expect(run?.BlockDeviceMappings?.map((b) => [b.DeviceName, b.Ebs?.VolumeSize])).toEqual([
      ["/dev/xvda", 8],
      ["/dev/sdf", 20],
    ]);
    expect(run?.TagSpecifications).toEqual([
      {
        ResourceType: "instance",
        Tags: [
          { Key: "Name", Value: "web-1" },
          { Key: "Environment", Value: "prod" },
        ],
      },
      { ResourceType: "volume", Tags: [{ Key: "Name", Value: "web-disk" }] },
    ]);
    expect(
      ec2Mock.commandCalls(AuthorizeSecurityGroupIngressCommand).map((c) => c.args[0].input.GroupId),
    ).toEqual(["sg-web"]);
    expect(iamMock.commandCalls(CreateRoleCommand)[0]?.args[0].input).toEqual({
      RoleName: "web-role",
      AssumeRolePolicyDocument: EC2_TRUST,
    });
    expect(iamMock.commandCalls(AddRoleToInstanceProfileCommand)[0]?.args[0].input).toEqual({
      InstanceProfileName: "web-profile",
      RoleName: "web-role",
    });
    expect(iamMock.commandCalls(CreateUserCommand)[0]?.args[0].input.Tags).toEqual([
      { Key: "Owner", Value: "platform" },
    ]);
  });

  it("attaches the extra interface after launch, the Elastic IP to the primary one, volume tags to their volume", async () => {
    await buildAccount(clients(), SPEC);

    expect(ec2Mock.commandCalls(CreateNetworkInterfaceCommand)[0]?.args[0].input).toEqual({
      SubnetId: "subnet-b",
      Groups: ["sg-app"],
      Description: "backend",
      TagSpecifications: [
        { ResourceType: "network-interface", Tags: [{ Key: "Name", Value: "web-backend" }] },
      ],
    });
    expect(ec2Mock.commandCalls(AttachNetworkInterfaceCommand)[0]?.args[0].input).toEqual({
      InstanceId: "i-1",
      NetworkInterfaceId: "eni-extra",
      DeviceIndex: 1,
    });
    expect(ec2Mock.commandCalls(AssociateAddressCommand)[0]?.args[0].input).toEqual({
      AllocationId: "eipalloc-1",
      NetworkInterfaceId: "eni-primary",
    });
    expect(ec2Mock.commandCalls(CreateTagsCommand).map((c) => c.args[0].input)).toEqual([
      { Resources: ["vol-data"], Tags: [{ Key: "DataClassification", Value: "restricted" }] },
    ]);
  });

  it.each([
    ["subnet", { subnet: "c" }, /no subnet c in VPC main/],
    ["group", { groups: ["db"] }, /no group db in VPC main/],
    ["profile", { profile: "other" }, /no profile other/],
    ["VPC", { vpc: "elsewhere" }, /no VPC elsewhere/],
  ])("refuses an instance naming an unknown %s, before launching anything", async (_what, change, error) => {
    const spec: AccountSpec = { ...SPEC, instances: [{ ...SPEC.instances![0]!, ...change }] };

    await expect(buildAccount(clients(), spec)).rejects.toThrow(error);
    expect(ec2Mock.commandCalls(RunInstancesCommand)).toHaveLength(0);
  });

  it("launches instances in the spec's order, one at a time by default", async () => {
    const order: string[] = [];
    ec2Mock.on(RunInstancesCommand).callsFake((input) => {
      order.push(input.TagSpecifications[0].Tags[0].Value);
      return { Instances: [{ InstanceId: `i-${order.length}` }] };
    });
    const base = { subnet: "a", groups: ["app"] };
    const built = await buildAccount(clients(), {
      vpcs: SPEC.vpcs ?? [],
      instances: ["one", "two", "three"].map((key) => ({ ...base, key, tags: { Name: key } })),
    });

    expect(order).toEqual(["one", "two", "three"]);
    expect(Object.fromEntries(Object.entries(built.instances).map(([k, v]) => [k, v.instanceId]))).toEqual({
      one: "i-1",
      two: "i-2",
      three: "i-3",
    });
  });
});

describe("launchInstance", () => {
  it("gives every interface to RunInstances when asked to, and attaches none after", async () => {
    const built = await launchInstance(new EC2Client({ region: "us-east-1" }), {
      imageId: "ami-9",
      interfaces: [
        { subnetId: "subnet-a", groupIds: ["sg-app", "sg-db"] },
        { subnetId: "subnet-a", groupIds: ["sg-db"] },
      ],
      extraInterfaces: "launch",
    });

    expect(ec2Mock.commandCalls(RunInstancesCommand)[0]?.args[0].input.NetworkInterfaces).toEqual([
      { DeviceIndex: 0, SubnetId: "subnet-a", Groups: ["sg-app", "sg-db"] },
      { DeviceIndex: 1, SubnetId: "subnet-a", Groups: ["sg-db"] },
    ]);
    expect(ec2Mock.commandCalls(CreateNetworkInterfaceCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(AttachNetworkInterfaceCommand)).toHaveLength(0);
    expect(ec2Mock.commandCalls(AllocateAddressCommand)).toHaveLength(0);
    expect(built.interfaces).toBe(2);
  });
});
