/**
 * One way to build a shaped emulator account: VPCs with their subnets and security groups,
 * instance profiles (with their roles), instances (tags, volumes and their tags, extra network
 * interfaces, an Elastic IP, a profile) and IAM users with access keys, from a small
 * declarative spec. The demo account, the bench fleet, the drill's instance copies and the
 * integration tests all build through it. Only ever run against the emulator: it creates
 * resources and never cleans them up.
 */
import {
  type _InstanceType,
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
  type IpPermission,
  RunInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  AddRoleToInstanceProfileCommand,
  CreateAccessKeyCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  CreateUserCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";

/** Tags as the EC2 and IAM APIs take them. */
export const tagList = (t: Record<string, string>): { Key: string; Value: string }[] =>
  Object.entries(t).map(([Key, Value]) => ({ Key, Value }));

/** A trust policy that lets EC2 assume a role (an instance profile's role). */
export const EC2_TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/** A subnet of a VPC spec. */
export interface SubnetSpec {
  key: string;
  cidr: string;
  az: string;
}

/** A security group of a VPC spec, with the ingress it allows. */
export interface GroupSpec {
  key: string;
  name: string;
  description: string;
  ingress?: IpPermission[];
}

/** A VPC and what is in it; instances name its subnets and groups by key. */
export interface VpcSpec {
  key: string;
  cidr: string;
  tags?: Record<string, string>;
  subnets?: SubnetSpec[];
  groups?: GroupSpec[];
}

/** An instance profile, with its role (same name unless given; none when `role` is false). */
export interface ProfileSpec {
  name: string;
  role?: { name?: string; trustPolicy?: string } | false;
}

/** An EBS volume of an instance, by device (the first is the root volume). */
export interface VolumeSpec {
  device: string;
  size: number;
  /** Tags of this volume only, set after launch (they may differ from the instance's). */
  tags?: Record<string, string>;
}

/** A network interface; subnet and groups are ids (see `InstanceSpec` for keys). */
export interface InterfaceShape {
  subnetId: string;
  groupIds: string[];
  description?: string;
  tags?: Record<string, string>;
  /** The device index when attached after launch (default: its place in the list). */
  deviceIndex?: number;
}

/** An instance to launch, with every reference resolved to an id. */
export interface InstanceShape {
  imageId: string;
  instanceType?: _InstanceType;
  /** The interfaces: the first is the primary one; see `extraInterfaces` for the others. */
  interfaces: InterfaceShape[];
  /**
   * `attach` (default): the other interfaces are created and attached after launch, as a team
   * adds a backend interface; `launch`: all are given to RunInstances.
   */
  extraInterfaces?: "attach" | "launch";
  /** Block devices; none given: the image's own. */
  volumes?: VolumeSpec[];
  /** Tags every volume gets at launch. */
  volumeTags?: Record<string, string>;
  profileArn?: string;
  tags?: Record<string, string>;
  /** An Elastic IP on the primary interface (launch-assigned public IPs cannot be removed in the emulator). */
  elasticIp?: boolean;
}

/** An instance of an account spec: its network by keys of its VPC. */
export interface InstanceSpec
  extends Omit<InstanceShape, "imageId" | "interfaces" | "profileArn" | "extraInterfaces"> {
  key: string;
  /** The VPC's key (default: the first VPC). */
  vpc?: string;
  /** The primary interface's subnet and groups, by key. */
  subnet: string;
  groups: string[];
  /** Interfaces beyond the primary one, attached after launch. */
  interfaces?: { subnet: string; groups: string[]; description?: string; tags?: Record<string, string> }[];
  /** The name of one of the spec's profiles. */
  profile?: string;
  imageId?: string;
}

/** An IAM user with its tags and `accessKeys` access keys (all Active). */
export interface UserSpec {
  name: string;
  tags?: Record<string, string>;
  accessKeys?: number;
}

/** What to build. */
export interface AccountSpec {
  vpcs?: VpcSpec[];
  profiles?: ProfileSpec[];
  instances?: InstanceSpec[];
  users?: UserSpec[];
  /** Instances launched at a time (default 1: in the spec's order). */
  concurrency?: number;
}

/** A VPC as built: ids by key. */
export interface BuiltVpc {
  vpcId: string;
  subnetIds: Record<string, string>;
  groupIds: Record<string, string>;
}

/** An instance as built. */
export interface BuiltInstance {
  instanceId: string;
  /** The primary network interface. */
  networkInterfaceId: string;
  /** How many network interfaces and volumes the instance has. */
  interfaces: number;
  volumes: number;
}

/** A user as built. */
export interface BuiltUser {
  userName: string;
  accessKeyIds: string[];
}

/** The ids of what was built, by key (profiles and users by name). */
export interface BuiltAccount {
  vpcs: Record<string, BuiltVpc>;
  profileArns: Record<string, string>;
  instances: Record<string, BuiltInstance>;
  users: Record<string, BuiltUser>;
}

/** The clients the builder uses. */
export interface BuilderClients {
  ec2: EC2Client;
  iam: IAMClient;
}

const images = new WeakMap<EC2Client, Promise<string>>();

/** An image of the emulator's (the first it lists; looked up once per client). */
export function defaultImage(ec2: EC2Client): Promise<string> {
  let found = images.get(ec2);
  if (!found) {
    found = ec2.send(new DescribeImagesCommand({})).then((out) => out.Images?.[0]?.ImageId ?? "ami-12c6146b");
    images.set(ec2, found);
  }
  return found;
}

/** Creates a VPC with its subnets and security groups (and their ingress). */
export async function buildVpc(ec2: EC2Client, spec: VpcSpec): Promise<BuiltVpc> {
  const vpc = await ec2.send(
    new CreateVpcCommand({
      CidrBlock: spec.cidr,
      ...(spec.tags ? { TagSpecifications: [{ ResourceType: "vpc", Tags: tagList(spec.tags) }] } : {}),
    }),
  );
  const vpcId = vpc.Vpc?.VpcId ?? "";
  const subnets = await Promise.all(
    (spec.subnets ?? []).map(async (s) => {
      const out = await ec2.send(
        new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: s.cidr, AvailabilityZone: s.az }),
      );
      return [s.key, out.Subnet?.SubnetId ?? ""] as const;
    }),
  );
  const groupIds: Record<string, string> = {};
  for (const g of spec.groups ?? []) {
    const out = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: g.name, Description: g.description, VpcId: vpcId }),
    );
    groupIds[g.key] = out.GroupId ?? "";
  }
  for (const g of spec.groups ?? []) {
    if (g.ingress?.length) {
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({ GroupId: groupIds[g.key], IpPermissions: g.ingress }),
      );
    }
  }
  return { vpcId, subnetIds: Object.fromEntries(subnets), groupIds };
}

/** Creates an instance profile and its role; returns the profile's ARN. */
export async function buildProfile(iam: IAMClient, spec: ProfileSpec): Promise<string> {
  const roleName = spec.role === false ? undefined : (spec.role?.name ?? spec.name);
  if (roleName) {
    const trust = spec.role === false ? EC2_TRUST : (spec.role?.trustPolicy ?? EC2_TRUST);
    await iam.send(new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: trust }));
  }
  const out = await iam.send(new CreateInstanceProfileCommand({ InstanceProfileName: spec.name }));
  if (roleName) {
    await iam.send(
      new AddRoleToInstanceProfileCommand({ InstanceProfileName: spec.name, RoleName: roleName }),
    );
  }
  return out.InstanceProfile?.Arn ?? "";
}

/** Creates an IAM user with its tags and access keys. */
export async function buildUser(iam: IAMClient, spec: UserSpec): Promise<BuiltUser> {
  await iam.send(
    new CreateUserCommand({ UserName: spec.name, ...(spec.tags ? { Tags: tagList(spec.tags) } : {}) }),
  );
  const accessKeyIds: string[] = [];
  for (let i = 0; i < (spec.accessKeys ?? 0); i++) {
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: spec.name }));
    accessKeyIds.push(key.AccessKey?.AccessKeyId ?? "");
  }
  return { userName: spec.name, accessKeyIds };
}

const launchInterface = (n: InterfaceShape, DeviceIndex: number) => ({
  DeviceIndex,
  SubnetId: n.subnetId,
  Groups: n.groupIds,
});

/** Launches one instance of the given shape, then its Elastic IP, extra interfaces and volume tags. */
export async function launchInstance(ec2: EC2Client, shape: InstanceShape): Promise<BuiltInstance> {
  const [primary, ...others] = shape.interfaces;
  const atLaunch = shape.extraInterfaces === "launch" ? shape.interfaces : primary ? [primary] : [];
  const tagSpecs = [
    ...(shape.tags ? [{ ResourceType: "instance" as const, Tags: tagList(shape.tags) }] : []),
    ...(shape.volumeTags ? [{ ResourceType: "volume" as const, Tags: tagList(shape.volumeTags) }] : []),
  ];
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: shape.imageId,
      InstanceType: shape.instanceType ?? "t3.micro",
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: atLaunch.map(launchInterface),
      ...(shape.volumes
        ? {
            BlockDeviceMappings: shape.volumes.map((v) => ({
              DeviceName: v.device,
              Ebs: { VolumeSize: v.size, DeleteOnTermination: true },
            })),
          }
        : {}),
      ...(shape.profileArn ? { IamInstanceProfile: { Arn: shape.profileArn } } : {}),
      ...(tagSpecs.length ? { TagSpecifications: tagSpecs } : {}),
    }),
  );
  const inst = run.Instances?.[0];
  const instanceId = inst?.InstanceId ?? "";
  const networkInterfaceId =
    inst?.NetworkInterfaces?.find((n) => n.Attachment?.DeviceIndex === 0)?.NetworkInterfaceId ??
    inst?.NetworkInterfaces?.[0]?.NetworkInterfaceId ??
    "";
  if (shape.elasticIp) {
    const eip = await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
    await ec2.send(
      new AssociateAddressCommand({ AllocationId: eip.AllocationId, NetworkInterfaceId: networkInterfaceId }),
    );
  }
  if (shape.extraInterfaces !== "launch") {
    for (const [i, n] of others.entries()) {
      const eni = await ec2.send(
        new CreateNetworkInterfaceCommand({
          SubnetId: n.subnetId,
          Groups: n.groupIds,
          ...(n.description ? { Description: n.description } : {}),
          ...(n.tags
            ? { TagSpecifications: [{ ResourceType: "network-interface", Tags: tagList(n.tags) }] }
            : {}),
        }),
      );
      await ec2.send(
        new AttachNetworkInterfaceCommand({
          InstanceId: instanceId,
          NetworkInterfaceId: eni.NetworkInterface?.NetworkInterfaceId,
          DeviceIndex: n.deviceIndex ?? i + 1,
        }),
      );
    }
  }
  for (const v of shape.volumes ?? []) {
    const volumeId = inst?.BlockDeviceMappings?.find((b) => b.DeviceName === v.device)?.Ebs?.VolumeId;
    if (v.tags && Object.keys(v.tags).length && volumeId) {
      await ec2.send(new CreateTagsCommand({ Resources: [volumeId], Tags: tagList(v.tags) }));
    }
  }
  return {
    instanceId,
    networkInterfaceId,
    interfaces: shape.interfaces.length,
    volumes: shape.volumes?.length ?? inst?.BlockDeviceMappings?.length ?? 0,
  };
}

/** An instance spec's shape: its keys resolved against what was built. */
function shapeOf(
  spec: InstanceSpec,
  built: Pick<BuiltAccount, "vpcs" | "profileArns">,
  firstVpc: string | undefined,
  imageId: string,
): InstanceShape {
  const vpcKey = spec.vpc ?? firstVpc ?? "";
  const vpc = built.vpcs[vpcKey];
  if (!vpc) throw new Error(`instance ${spec.key}: no VPC ${vpcKey}`);
  const subnet = (key: string) => {
    const id = vpc.subnetIds[key];
    if (!id) throw new Error(`instance ${spec.key}: no subnet ${key} in VPC ${vpcKey}`);
    return id;
  };
  const groups = (keys: string[]) =>
    keys.map((key) => {
      const id = vpc.groupIds[key];
      if (!id) throw new Error(`instance ${spec.key}: no group ${key} in VPC ${vpcKey}`);
      return id;
    });
  const profileArn = spec.profile ? built.profileArns[spec.profile] : undefined;
  if (spec.profile && !profileArn) throw new Error(`instance ${spec.key}: no profile ${spec.profile}`);
  const { key: _k, vpc: _v, subnet: s, groups: g, interfaces, profile: _p, ...rest } = spec;
  return {
    ...rest,
    imageId: spec.imageId ?? imageId,
    interfaces: [
      { subnetId: subnet(s), groupIds: groups(g) },
      ...(interfaces ?? []).map((n) => ({
        subnetId: subnet(n.subnet),
        groupIds: groups(n.groups),
        ...(n.description ? { description: n.description } : {}),
        ...(n.tags ? { tags: n.tags } : {}),
      })),
    ],
    ...(profileArn ? { profileArn } : {}),
  };
}

/**
 * Builds the account: VPCs (in parallel), profiles, then instances (`concurrency` at a time,
 * in the spec's order when 1), then users. Returns every id by key.
 */
export async function buildAccount(clients: BuilderClients, spec: AccountSpec): Promise<BuiltAccount> {
  const { ec2, iam } = clients;
  const vpcs = Object.fromEntries(
    await Promise.all((spec.vpcs ?? []).map(async (v) => [v.key, await buildVpc(ec2, v)] as const)),
  );
  const profileArns: Record<string, string> = {};
  for (const p of spec.profiles ?? []) profileArns[p.name] = await buildProfile(iam, p);
  const instances: Record<string, BuiltInstance> = {};
  const specs = spec.instances ?? [];
  if (specs.length) {
    const imageId = specs.every((s) => s.imageId) ? "" : await defaultImage(ec2);
    const queue = [...specs];
    await Promise.all(
      Array.from({ length: Math.max(1, spec.concurrency ?? 1) }, async () => {
        for (let s = queue.shift(); s !== undefined; s = queue.shift()) {
          const shape = shapeOf(s, { vpcs, profileArns }, spec.vpcs?.[0]?.key, imageId);
          instances[s.key] = await launchInstance(ec2, shape);
        }
      }),
    );
  }
  const users: Record<string, BuiltUser> = {};
  for (const u of spec.users ?? []) users[u.name] = await buildUser(iam, u);
  return { vpcs, profileArns, instances, users };
}
