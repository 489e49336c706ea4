/**
 * A fresh copy of a demo instance for a drill that needs one: same image, type, subnet,
 * security groups per network interface, volumes (sizes and tags), instance profile, public
 * address and tags — so that impact and containment see the same instance — under a new
 * Name. Only ever run against the emulator, for `responder drill --all` where two scenarios
 * target the same demo instance (one incident per resource: a second finding would join the
 * first incident instead of opening its own).
 */
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AttachNetworkInterfaceCommand,
  CreateNetworkInterfaceCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeVolumesCommand,
  type EC2Client,
  RunInstancesCommand,
  type Tag,
} from "@aws-sdk/client-ec2";

/** `payments-web-1` → `payments-web-2`; `bastion` → `bastion-2`. */
export function nextName(name: string, n = 2): string {
  const m = /^(.*?)(\d+)$/.exec(name);
  if (m?.[1] !== undefined && m[2]) return `${m[1]}${Number(m[2]) + n - 1}`;
  return `${name}-${n}`;
}

const userTags = (tags: Tag[] | undefined) => (tags ?? []).filter((t) => t.Key && !t.Key.startsWith("aws:"));

/** Launches a copy of `instanceId`; returns the new instance id. */
export async function cloneInstance(ec2: EC2Client, instanceId: string, copy = 2): Promise<string> {
  const described = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  const src = described.Reservations?.[0]?.Instances?.[0];
  if (!src) throw new Error(`cannot copy ${instanceId}: not found`);
  const eniIds = (src.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId ?? "").filter(Boolean);
  const enis =
    (await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: eniIds })))
      .NetworkInterfaces ?? [];
  const deviceOf = (id: string | undefined) =>
    src.NetworkInterfaces?.find((n) => n.NetworkInterfaceId === id)?.Attachment?.DeviceIndex ?? 0;
  const ordered = [...enis].sort((a, b) => deviceOf(a.NetworkInterfaceId) - deviceOf(b.NetworkInterfaceId));
  const primary = ordered[0];
  const volumeIds = (src.BlockDeviceMappings ?? []).map((b) => b.Ebs?.VolumeId ?? "").filter(Boolean);
  const volumes = volumeIds.length
    ? ((await ec2.send(new DescribeVolumesCommand({ VolumeIds: volumeIds }))).Volumes ?? [])
    : [];
  const volumeOf = (id: string | undefined) => volumes.find((v) => v.VolumeId === id);
  const tags = userTags(src.Tags).map((t) =>
    t.Key === "Name" ? { Key: "Name", Value: nextName(t.Value ?? instanceId, copy) } : t,
  );
  const run = await ec2.send(
    new RunInstancesCommand({
      ImageId: src.ImageId,
      InstanceType: src.InstanceType,
      MinCount: 1,
      MaxCount: 1,
      NetworkInterfaces: [
        {
          DeviceIndex: 0,
          SubnetId: primary?.SubnetId ?? src.SubnetId,
          Groups: (primary?.Groups ?? src.SecurityGroups ?? []).map((g) => g.GroupId ?? "").filter(Boolean),
        },
      ],
      BlockDeviceMappings: (src.BlockDeviceMappings ?? []).map((b) => ({
        DeviceName: b.DeviceName,
        Ebs: { VolumeSize: volumeOf(b.Ebs?.VolumeId)?.Size ?? 8, DeleteOnTermination: true },
      })),
      ...(src.IamInstanceProfile?.Arn ? { IamInstanceProfile: { Arn: src.IamInstanceProfile.Arn } } : {}),
      TagSpecifications: [{ ResourceType: "instance", Tags: tags }],
    }),
  );
  const inst = run.Instances?.[0];
  const newId = inst?.InstanceId ?? "";
  if (primary?.Association?.PublicIp) {
    const eip = await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
    await ec2.send(
      new AssociateAddressCommand({
        AllocationId: eip.AllocationId,
        NetworkInterfaceId: inst?.NetworkInterfaces?.[0]?.NetworkInterfaceId,
      }),
    );
  }
  for (const eni of ordered.slice(1)) {
    const created = await ec2.send(
      new CreateNetworkInterfaceCommand({
        SubnetId: eni.SubnetId,
        Groups: (eni.Groups ?? []).map((g) => g.GroupId ?? "").filter(Boolean),
        ...(eni.Description ? { Description: eni.Description } : {}),
        ...(userTags(eni.TagSet).length
          ? { TagSpecifications: [{ ResourceType: "network-interface", Tags: userTags(eni.TagSet) }] }
          : {}),
      }),
    );
    await ec2.send(
      new AttachNetworkInterfaceCommand({
        InstanceId: newId,
        NetworkInterfaceId: created.NetworkInterface?.NetworkInterfaceId,
        DeviceIndex: deviceOf(eni.NetworkInterfaceId),
      }),
    );
  }
  // Volume tags (a restricted data volume counts for impact).
  for (const b of inst?.BlockDeviceMappings ?? []) {
    const from = src.BlockDeviceMappings?.find((x) => x.DeviceName === b.DeviceName);
    const vtags = userTags(volumeOf(from?.Ebs?.VolumeId)?.Tags);
    if (b.Ebs?.VolumeId && vtags.length) {
      await ec2.send(new CreateTagsCommand({ Resources: [b.Ebs.VolumeId], Tags: vtags }));
    }
  }
  return newId;
}
