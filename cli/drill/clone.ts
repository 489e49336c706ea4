/**
 * A fresh copy of a demo instance for a drill that needs one: same image, type, subnet,
 * security groups per network interface, volumes (sizes and tags), instance profile, public
 * address and tags — so that impact and containment see the same instance — under a new
 * Name. Only ever run against the emulator, for `responder drill --all` where two scenarios
 * target the same demo instance (one incident per resource: a second finding would join the
 * first incident instead of opening its own).
 */
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeVolumesCommand,
  type EC2Client,
  type Tag,
} from "@aws-sdk/client-ec2";
import { launchInstance } from "../local/account-builder.ts";

/** `payments-web-1` → `payments-web-2`; `bastion` → `bastion-2`. */
export function nextName(name: string, n = 2): string {
  const m = /^(.*?)(\d+)$/.exec(name);
  if (m?.[1] !== undefined && m[2]) return `${m[1]}${Number(m[2]) + n - 1}`;
  return `${name}-${n}`;
}

/** The tags a user can set (no `aws:` ones), in their order. */
const userTags = (tags: Tag[] | undefined): Record<string, string> =>
  Object.fromEntries(
    (tags ?? []).filter((t) => t.Key && !t.Key.startsWith("aws:")).map((t) => [t.Key, t.Value ?? ""]),
  );
const groupIds = (groups: { GroupId?: string }[] | undefined) =>
  (groups ?? []).map((g) => g.GroupId ?? "").filter(Boolean);

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
  const tags = userTags(src.Tags);
  if (tags.Name !== undefined) tags.Name = nextName(tags.Name || instanceId, copy);
  const built = await launchInstance(ec2, {
    imageId: src.ImageId ?? "",
    ...(src.InstanceType ? { instanceType: src.InstanceType } : {}),
    interfaces: [
      {
        subnetId: primary?.SubnetId ?? src.SubnetId ?? "",
        groupIds: groupIds(primary?.Groups ?? src.SecurityGroups),
      },
      ...ordered.slice(1).map((eni) => {
        const eniTags = userTags(eni.TagSet);
        return {
          subnetId: eni.SubnetId ?? "",
          groupIds: groupIds(eni.Groups),
          deviceIndex: deviceOf(eni.NetworkInterfaceId),
          ...(eni.Description ? { description: eni.Description } : {}),
          ...(Object.keys(eniTags).length ? { tags: eniTags } : {}),
        };
      }),
    ],
    // Volume tags too: a restricted data volume counts for impact.
    volumes: (src.BlockDeviceMappings ?? []).map((b) => {
      const volume = volumeOf(b.Ebs?.VolumeId);
      return { device: b.DeviceName ?? "", size: volume?.Size ?? 8, tags: userTags(volume?.Tags) };
    }),
    ...(src.IamInstanceProfile?.Arn ? { profileArn: src.IamInstanceProfile.Arn } : {}),
    tags,
    elasticIp: Boolean(primary?.Association?.PublicIp),
  });
  return built.instanceId;
}
