/**
 * A small stateful account for containment unit tests, behind aws-sdk-client-mock: the
 * describe calls read `world`, the modifying calls change it. Faults make chosen calls fail.
 */
import {
  AttachInstancesCommand,
  type AutoScalingClient,
  DescribeAutoScalingInstancesCommand,
  DetachInstancesCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  AssociateAddressCommand,
  AssociateIamInstanceProfileCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DescribeAddressesCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DisassociateAddressCommand,
  DisassociateIamInstanceProfileCommand,
  type EC2Client,
  type IpPermission,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceIamInstanceProfileAssociationCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  DeregisterTargetsCommand,
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { autoScalingClient, ec2Client, elbv2Client } from "../../../shared/aws/clients.ts";
import type { ContainmentClients } from "../../../shared/containment/index.ts";

export interface WorldEni {
  id: string;
  vpcId: string;
  groups: string[];
  privateIp: string;
  publicIp?: string;
}

export interface World {
  instance?: {
    id: string;
    state: string;
    vpcId: string;
    enis: WorldEni[];
    volumes: { device: string; volumeId: string; deleteOnTermination: boolean }[];
    tags: Record<string, string>;
    disableApiTermination: boolean;
    disableApiStop: boolean;
    shutdownBehavior: string;
  };
  groups: {
    id: string;
    vpcId: string;
    name: string;
    role?: string;
    ingress: IpPermission[];
    egress: IpPermission[];
  }[];
  addresses: {
    allocationId: string;
    publicIp: string;
    associationId?: string;
    eni?: string;
    privateIp?: string;
  }[];
  profile?: { associationId: string; arn: string };
  asg?: { name: string; state: string };
  targetGroups: { arn: string; name: string; vpcId: string; type: string }[];
  targets: { tgArn: string; id: string; port: number; state: string }[];
}

const ALL: IpPermission = {
  IpProtocol: "-1",
  IpRanges: [{ CidrIp: "0.0.0.0/0" }],
  Ipv6Ranges: [{ CidrIpv6: "::/0" }],
};

/** An instance with two interfaces (an Elastic IP on the second), two volumes, a profile, an ASG and a target group. */
export function sampleWorld(): World {
  return {
    instance: {
      id: "i-0abc",
      state: "running",
      vpcId: "vpc-1",
      enis: [
        { id: "eni-1", vpcId: "vpc-1", groups: ["sg-app", "sg-db"], privateIp: "10.0.0.10" },
        { id: "eni-2", vpcId: "vpc-1", groups: ["sg-db"], privateIp: "10.0.0.11" },
      ],
      volumes: [
        { device: "/dev/xvda", volumeId: "vol-1", deleteOnTermination: true },
        { device: "/dev/xvdb", volumeId: "vol-2", deleteOnTermination: true },
      ],
      tags: { Name: "web" },
      disableApiTermination: false,
      disableApiStop: false,
      shutdownBehavior: "terminate",
    },
    groups: [
      {
        id: "sg-untr",
        vpcId: "vpc-1",
        name: "incident-responder-untracking",
        role: "untracking",
        ingress: [ALL],
        egress: [ALL],
      },
      {
        id: "sg-iso",
        vpcId: "vpc-1",
        name: "incident-responder-isolation",
        role: "isolation",
        ingress: [],
        egress: [],
      },
    ],
    addresses: [
      {
        allocationId: "eipalloc-1",
        publicIp: "54.0.0.1",
        associationId: "eipassoc-1",
        eni: "eni-2",
        privateIp: "10.0.0.11",
      },
    ],
    profile: { associationId: "iip-assoc-1", arn: "arn:aws:iam::123456789012:instance-profile/app" },
    asg: { name: "web", state: "InService" },
    targetGroups: [
      {
        arn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1",
        name: "web",
        vpcId: "vpc-1",
        type: "instance",
      },
    ],
    targets: [
      {
        tgArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1",
        id: "i-0abc",
        port: 80,
        state: "healthy",
      },
    ],
  };
}

export const ISOLATION_PROFILE = "arn:aws:iam::123456789012:instance-profile/isolation";

/** Makes an error shaped like the SDK's. */
export function awsError(name: string, message = name, status = 400): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: status } });
}

/** What the SDK throws when the endpoint answers an HTML page (the emulator's "not implemented"). */
export function notImplemented(): Error {
  return Object.assign(
    new Error(
      "Deserialization error: to see the raw response, inspect the hidden field {error}.$response on this object.",
    ),
    {
      $metadata: { httpStatusCode: 500 },
    },
  );
}

/**
 * One call as the mock saw it: when it started and when it was answered, on one counter shared
 * by every call (a logical clock: no two events share a tick).
 */
export interface TimedCall {
  operation: string;
  input: Record<string, unknown>;
  started: number;
  ended?: number;
}

/** Per operation: an error to throw instead of answering (or undefined to answer). */
export type Faults = Record<string, (input: Record<string, unknown>) => Error | undefined>;

export interface Mocked {
  clients: ContainmentClients;
  ec2: AwsClientStub<EC2Client>;
  autoScaling: AwsClientStub<AutoScalingClient>;
  elbv2: AwsClientStub<ElasticLoadBalancingV2Client>;
  world: World;
  /** Names of every operation called, in order. */
  operations(): string[];
}

/** Operations that change something. */
export const MUTATING = new Set([
  "AssociateAddress",
  "AssociateIamInstanceProfile",
  "AuthorizeSecurityGroupEgress",
  "AuthorizeSecurityGroupIngress",
  "CreateSecurityGroup",
  "CreateTags",
  "DisassociateAddress",
  "DisassociateIamInstanceProfile",
  "ModifyInstanceAttribute",
  "ModifyNetworkInterfaceAttribute",
  "ReplaceIamInstanceProfileAssociation",
  "RevokeSecurityGroupEgress",
  "RevokeSecurityGroupIngress",
  "StopInstances",
  "EnterStandby",
  "ExitStandby",
  "DetachInstances",
  "AttachInstances",
  "DeregisterTargets",
  "RegisterTargets",
]);

export function mockWorld(
  world: World,
  faults: Faults = {},
  options: {
    stickyGroups?: string[];
    /**
     * Records each call's start and answer here, and answers on a later turn of the event loop
     * (as a network call would): calls in flight together overlap on the timeline.
     */
    timeline?: TimedCall[];
    /** Awaited before each call is answered: lets a test hold a call open while others run. */
    beforeAnswer?: (op: string, input: Record<string, unknown>) => Promise<void>;
  } = {},
): Mocked {
  const opts = {
    region: "us-east-1",
    maxAttempts: 1,
    credentials: { accessKeyId: "a", secretAccessKey: "b" },
  };
  const clients = { ec2: ec2Client(opts), autoScaling: autoScalingClient(opts), elbv2: elbv2Client(opts) };
  const ec2 = mockClient(clients.ec2);
  const autoScaling = mockClient(clients.autoScaling);
  const elbv2 = mockClient(clients.elbv2);
  const log: string[] = [];
  let tick = 0;
  let sgCounter = 0;
  // biome-ignore lint/suspicious/noExplicitAny: each handler has its own input type
  const handle = (op: string, fn: (input: any) => unknown) => async (input: Record<string, unknown>) => {
    log.push(op);
    const timed: TimedCall | undefined = options.timeline && { operation: op, input, started: ++tick };
    if (timed) {
      options.timeline?.push(timed);
      await new Promise((r) => setImmediate(r));
    }
    try {
      const fault = faults[op]?.(input);
      if (fault) throw fault;
      await options.beforeAnswer?.(op, input);
      return await fn(input);
    } finally {
      if (timed) timed.ended = ++tick;
    }
  };
  const inst = () => world.instance;
  const eni = (id: string) => inst()?.enis.find((e) => e.id === id);
  const publicIp = (e: WorldEni) => e.publicIp ?? world.addresses.find((a) => a.eni === e.id)?.publicIp;
  const describeInstance = () => {
    const i = inst();
    if (!i) throw awsError("InvalidInstanceID.NotFound");
    return {
      Reservations: [
        {
          Instances: [
            {
              InstanceId: i.id,
              State: { Name: i.state },
              VpcId: i.vpcId,
              Tags: Object.entries(i.tags).map(([Key, Value]) => ({ Key, Value })),
              BlockDeviceMappings: i.volumes.map((v) => ({
                DeviceName: v.device,
                Ebs: { VolumeId: v.volumeId, DeleteOnTermination: v.deleteOnTermination },
              })),
              NetworkInterfaces: i.enis.map((e, n) => ({
                NetworkInterfaceId: e.id,
                VpcId: e.vpcId,
                Groups: e.groups.map((GroupId) => ({ GroupId })),
                Attachment: { AttachmentId: `eni-attach-${n}`, DeviceIndex: n },
                PrivateIpAddress: e.privateIp,
                PrivateIpAddresses: [{ PrivateIpAddress: e.privateIp, Primary: true }],
                ...(publicIp(e) ? { Association: { PublicIp: publicIp(e) } } : {}),
              })),
            },
          ],
        },
      ],
    };
  };
  ec2.on(DescribeInstancesCommand).callsFake(handle("DescribeInstances", describeInstance));
  ec2.on(DescribeNetworkInterfacesCommand).callsFake(
    handle("DescribeNetworkInterfaces", () => ({
      NetworkInterfaces: (inst()?.enis ?? []).map((e) => ({
        NetworkInterfaceId: e.id,
        VpcId: e.vpcId,
        Groups: e.groups.map((GroupId) => ({ GroupId })),
        PrivateIpAddresses: [{ PrivateIpAddress: e.privateIp }],
        ...(publicIp(e) ? { Association: { PublicIp: publicIp(e) } } : {}),
      })),
    })),
  );
  ec2.on(DescribeInstanceAttributeCommand).callsFake(
    handle("DescribeInstanceAttribute", (input: { Attribute: string }) => {
      const i = inst();
      if (!i) throw awsError("InvalidInstanceID.NotFound");
      if (input.Attribute === "disableApiTermination")
        return { DisableApiTermination: { Value: i.disableApiTermination } };
      if (input.Attribute === "disableApiStop") return { DisableApiStop: { Value: i.disableApiStop } };
      return { InstanceInitiatedShutdownBehavior: { Value: i.shutdownBehavior } };
    }),
  );
  ec2.on(DescribeSecurityGroupsCommand).callsFake(
    handle(
      "DescribeSecurityGroups",
      (input: { GroupIds?: string[]; Filters?: { Name: string; Values: string[] }[] }) => ({
        SecurityGroups: world.groups
          .filter((g) => !input.GroupIds || input.GroupIds.includes(g.id))
          .filter((g) =>
            (input.Filters ?? []).every((f) =>
              f.Name === "vpc-id"
                ? f.Values.includes(g.vpcId)
                : f.Name === "group-name"
                  ? f.Values.includes(g.name)
                  : f.Name.startsWith("tag:")
                    ? g.role !== undefined
                    : true,
            ),
          )
          .map((g) => ({
            GroupId: g.id,
            VpcId: g.vpcId,
            GroupName: g.name,
            IpPermissions: g.ingress,
            IpPermissionsEgress: g.egress,
            Tags: g.role
              ? [
                  { Key: "incident-responder:role", Value: g.role },
                  { Key: "incident-responder:managed", Value: "true" },
                ]
              : [],
          })),
      }),
    ),
  );
  ec2.on(DescribeAddressesCommand).callsFake(
    handle("DescribeAddresses", () => ({
      Addresses: world.addresses.map((a) => ({
        AllocationId: a.allocationId,
        PublicIp: a.publicIp,
        ...(a.associationId
          ? { AssociationId: a.associationId, NetworkInterfaceId: a.eni, PrivateIpAddress: a.privateIp }
          : {}),
      })),
    })),
  );
  ec2.on(DescribeIamInstanceProfileAssociationsCommand).callsFake(
    handle("DescribeIamInstanceProfileAssociations", () => ({
      IamInstanceProfileAssociations: world.profile
        ? [
            {
              AssociationId: world.profile.associationId,
              InstanceId: inst()?.id,
              IamInstanceProfile: { Arn: world.profile.arn },
              State: "associated",
            },
          ]
        : [],
    })),
  );
  ec2.on(ModifyNetworkInterfaceAttributeCommand).callsFake(
    handle(
      "ModifyNetworkInterfaceAttribute",
      (input: { NetworkInterfaceId: string; Groups?: string[]; AssociatePublicIpAddress?: boolean }) => {
        const e = eni(input.NetworkInterfaceId);
        if (!e) throw awsError("InvalidNetworkInterfaceID.NotFound");
        if (input.Groups && !options.stickyGroups?.includes(e.id)) e.groups = input.Groups;
        if (input.AssociatePublicIpAddress === false) delete e.publicIp;
        return {};
      },
    ),
  );
  ec2.on(ModifyInstanceAttributeCommand).callsFake(
    handle(
      "ModifyInstanceAttribute",
      (input: {
        DisableApiTermination?: { Value: boolean };
        DisableApiStop?: { Value: boolean };
        InstanceInitiatedShutdownBehavior?: { Value: string };
        BlockDeviceMappings?: { DeviceName: string; Ebs: { DeleteOnTermination: boolean } }[];
      }) => {
        const i = inst();
        if (!i) throw awsError("InvalidInstanceID.NotFound");
        if (input.DisableApiTermination) i.disableApiTermination = input.DisableApiTermination.Value;
        if (input.DisableApiStop) i.disableApiStop = input.DisableApiStop.Value;
        if (input.InstanceInitiatedShutdownBehavior)
          i.shutdownBehavior = input.InstanceInitiatedShutdownBehavior.Value;
        for (const b of input.BlockDeviceMappings ?? []) {
          const v = i.volumes.find((x) => x.device === b.DeviceName);
          if (v) v.deleteOnTermination = b.Ebs.DeleteOnTermination;
        }
        return {};
      },
    ),
  );
  ec2.on(DisassociateAddressCommand).callsFake(
    handle("DisassociateAddress", (input: { AssociationId: string }) => {
      const a = world.addresses.find((x) => x.associationId === input.AssociationId);
      if (!a) throw awsError("InvalidAssociationID.NotFound");
      delete a.associationId;
      delete a.eni;
      delete a.privateIp;
      return {};
    }),
  );
  ec2.on(AssociateAddressCommand).callsFake(
    handle(
      "AssociateAddress",
      (input: { AllocationId: string; NetworkInterfaceId: string; PrivateIpAddress: string }) => {
        const a = world.addresses.find((x) => x.allocationId === input.AllocationId);
        if (!a) throw awsError("InvalidAllocationID.NotFound");
        Object.assign(a, {
          associationId: "eipassoc-new",
          eni: input.NetworkInterfaceId,
          privateIp: input.PrivateIpAddress,
        });
        return { AssociationId: "eipassoc-new" };
      },
    ),
  );
  ec2.on(ReplaceIamInstanceProfileAssociationCommand).callsFake(
    handle("ReplaceIamInstanceProfileAssociation", (input: { IamInstanceProfile: { Arn: string } }) => {
      if (!world.profile) throw awsError("InvalidAssociationID.NotFound");
      world.profile.arn = input.IamInstanceProfile.Arn;
      return {};
    }),
  );
  ec2.on(AssociateIamInstanceProfileCommand).callsFake(
    handle("AssociateIamInstanceProfile", (input: { IamInstanceProfile: { Arn: string } }) => {
      world.profile = { associationId: "iip-assoc-new", arn: input.IamInstanceProfile.Arn };
      return {};
    }),
  );
  ec2.on(DisassociateIamInstanceProfileCommand).callsFake(
    handle("DisassociateIamInstanceProfile", () => {
      delete world.profile;
      return {};
    }),
  );
  ec2.on(CreateTagsCommand).callsFake(
    handle("CreateTags", (input: { Tags: { Key: string; Value: string }[] }) => {
      const i = inst();
      if (i) for (const t of input.Tags) i.tags[t.Key] = t.Value;
      return {};
    }),
  );
  ec2.on(StopInstancesCommand).callsFake(
    handle("StopInstances", () => {
      const i = inst();
      if (i) i.state = "stopping";
      return {};
    }),
  );
  ec2.on(CreateSecurityGroupCommand).callsFake(
    handle(
      "CreateSecurityGroup",
      (input: {
        VpcId: string;
        GroupName: string;
        TagSpecifications?: { Tags: { Key: string; Value: string }[] }[];
      }) => {
        if (world.groups.some((g) => g.vpcId === input.VpcId && g.name === input.GroupName))
          throw awsError("InvalidGroup.Duplicate");
        sgCounter += 1;
        const id = `sg-new${sgCounter}`;
        const role = input.TagSpecifications?.[0]?.Tags.find(
          (t) => t.Key === "incident-responder:role",
        )?.Value;
        world.groups.push({
          id,
          vpcId: input.VpcId,
          name: input.GroupName,
          ...(role ? { role } : {}),
          ingress: [],
          egress: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
        });
        return { GroupId: id };
      },
    ),
  );
  const group = (id: string) => {
    const g = world.groups.find((x) => x.id === id);
    if (!g) throw awsError("InvalidGroup.NotFound");
    return g;
  };
  ec2.on(AuthorizeSecurityGroupIngressCommand).callsFake(
    handle("AuthorizeSecurityGroupIngress", (input: { GroupId: string; IpPermissions: IpPermission[] }) => {
      group(input.GroupId).ingress.push(...input.IpPermissions);
      return {};
    }),
  );
  ec2.on(AuthorizeSecurityGroupEgressCommand).callsFake(
    handle("AuthorizeSecurityGroupEgress", (input: { GroupId: string; IpPermissions: IpPermission[] }) => {
      group(input.GroupId).egress.push(...input.IpPermissions);
      return {};
    }),
  );
  ec2.on(RevokeSecurityGroupIngressCommand).callsFake(
    handle("RevokeSecurityGroupIngress", (input: { GroupId: string }) => {
      group(input.GroupId).ingress = [];
      return {};
    }),
  );
  ec2.on(RevokeSecurityGroupEgressCommand).callsFake(
    handle("RevokeSecurityGroupEgress", (input: { GroupId: string }) => {
      group(input.GroupId).egress = [];
      return {};
    }),
  );

  autoScaling.on(DescribeAutoScalingInstancesCommand).callsFake(
    handle("DescribeAutoScalingInstances", () => ({
      AutoScalingInstances: world.asg
        ? [{ InstanceId: inst()?.id, AutoScalingGroupName: world.asg.name, LifecycleState: world.asg.state }]
        : [],
    })),
  );
  autoScaling.on(EnterStandbyCommand).callsFake(
    handle("EnterStandby", () => {
      if (world.asg?.state !== "InService") throw awsError("ValidationError", "not InService");
      world.asg.state = "Standby";
      return {};
    }),
  );
  autoScaling.on(ExitStandbyCommand).callsFake(
    handle("ExitStandby", () => {
      if (world.asg) world.asg.state = "InService";
      return {};
    }),
  );
  autoScaling.on(DetachInstancesCommand).callsFake(
    handle("DetachInstances", () => {
      delete world.asg;
      return {};
    }),
  );
  autoScaling.on(AttachInstancesCommand).callsFake(
    handle("AttachInstances", (input: { AutoScalingGroupName: string }) => {
      world.asg = { name: input.AutoScalingGroupName, state: "InService" };
      return {};
    }),
  );

  // Pages as ELBv2 gives them: PageSize at a time (at most 400), NextMarker while more remain.
  elbv2.on(DescribeTargetGroupsCommand).callsFake(
    handle("DescribeTargetGroups", (input: { PageSize?: number; Marker?: string }) => {
      const from = Number(input.Marker ?? 0);
      const size = Math.min(input.PageSize ?? 400, 400);
      const next = from + size < world.targetGroups.length ? String(from + size) : undefined;
      return {
        TargetGroups: world.targetGroups.slice(from, from + size).map((t) => ({
          TargetGroupArn: t.arn,
          TargetGroupName: t.name,
          VpcId: t.vpcId,
          TargetType: t.type,
        })),
        ...(next ? { NextMarker: next } : {}),
      };
    }),
  );
  elbv2.on(DescribeTargetHealthCommand).callsFake(
    handle("DescribeTargetHealth", (input: { TargetGroupArn: string }) => ({
      TargetHealthDescriptions: world.targets
        .filter((t) => t.tgArn === input.TargetGroupArn)
        .map((t) => ({ Target: { Id: t.id, Port: t.port }, TargetHealth: { State: t.state } })),
    })),
  );
  elbv2.on(DeregisterTargetsCommand).callsFake(
    handle(
      "DeregisterTargets",
      (input: { TargetGroupArn: string; Targets: { Id: string; Port?: number }[] }) => {
        for (const t of world.targets)
          if (
            t.tgArn === input.TargetGroupArn &&
            input.Targets.some((x) => x.Id === t.id && (x.Port === undefined || x.Port === t.port))
          )
            t.state = "draining";
        return {};
      },
    ),
  );
  elbv2.on(RegisterTargetsCommand).callsFake(
    handle(
      "RegisterTargets",
      (input: { TargetGroupArn: string; Targets: { Id: string; Port: number }[] }) => {
        for (const x of input.Targets) {
          world.targets = world.targets.filter(
            (t) => !(t.tgArn === input.TargetGroupArn && t.id === x.Id && t.port === x.Port),
          );
          world.targets.push({ tgArn: input.TargetGroupArn, id: x.Id, port: x.Port, state: "initial" });
        }
        return {};
      },
    ),
  );

  return { clients, ec2, autoScaling, elbv2, world, operations: () => [...log] };
}
