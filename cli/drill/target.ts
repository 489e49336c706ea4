/** What a drill reads of its target instance, before and after: read-only. */
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { tagsOf } from "../../shared/text/sanitize.ts";

/** What the drill reads of its target before the event: tags, owner account, groups per interface. Read-only. */
export interface TargetView {
  instanceId: string;
  found: boolean;
  account?: string;
  tags: Record<string, string>;
  /** Security group ids per network interface id. */
  groups: Record<string, string[]>;
  /** The first group of the primary interface. */
  groupId?: string;
  volumes: number;
}

/** Reads the target instance (DescribeInstances + DescribeNetworkInterfaces). Read-only. */
export async function viewTarget(ec2: EC2Client, instanceId: string): Promise<TargetView> {
  const out = await ec2
    .send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))
    .catch((err: Error) => {
      if (String(err.name).startsWith("InvalidInstanceID")) return { Reservations: [] };
      throw err;
    });
  const reservation = out.Reservations?.[0];
  const inst = reservation?.Instances?.[0];
  if (!inst) return { instanceId, found: false, tags: {}, groups: {}, volumes: 0 };
  const eniIds = (inst.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId ?? "").filter(Boolean);
  const enis = eniIds.length
    ? ((await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: eniIds })))
        .NetworkInterfaces ?? [])
    : [];
  const groups = Object.fromEntries(
    enis.map((n) => [n.NetworkInterfaceId ?? "", (n.Groups ?? []).map((g) => g.GroupId ?? "").sort()]),
  );
  const primary =
    enis.find((n) => n.Attachment?.DeviceIndex === 0) ??
    enis.find((n) => n.NetworkInterfaceId === inst.NetworkInterfaces?.[0]?.NetworkInterfaceId);
  const groupId = primary?.Groups?.[0]?.GroupId ?? inst.SecurityGroups?.[0]?.GroupId;
  return {
    instanceId,
    found: true,
    ...(reservation?.OwnerId ? { account: reservation.OwnerId } : {}),
    tags: tagsOf(inst.Tags),
    groups,
    ...(groupId ? { groupId } : {}),
    volumes: (inst.BlockDeviceMappings ?? []).filter((b) => b.Ebs?.VolumeId).length,
  };
}
