/**
 * Reads what the account says about a finding's resources: tags of the instance, its
 * volumes, network interfaces and Auto Scaling group, and its visible exposure.
 * Two rounds of parallel read-only calls for an instance; other kinds pass through with
 * the tags their event carried.
 */
import { type AutoScalingClient, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  type EC2Client,
  type Instance,
  type SecurityGroup,
  type Tag,
} from "@aws-sdk/client-ec2";
import { TAG } from "../containment/vocabulary.ts";
import type { AffectedResource, OpenIngress, ResourceContext } from "../domain/types.ts";
import { sanitizeText, tagsOf } from "../text/sanitize.ts";

export interface ContextClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
}

/**
 * Tags read from the account, cleaned where they are read: whoever can tag a resource (the
 * attacker, perhaps) writes them, and they go on to alerts, reports and the terminal. Keys
 * and values lose controls and hidden characters, line breaks become spaces, AWS's length
 * caps apply; a key that had hidden characters is marked (see `sanitizeTagKey`). The raw
 * tags stay in the archived evidence.
 */
export const tagMap = (tags: Tag[] | undefined): Record<string, string> => tagsOf(tags);

/** A raw tag value, for API calls that need the exact name (never shown as it is). */
const rawTag = (tags: Tag[] | undefined, key: string) => tags?.find((t) => t.Key === key)?.Value;

const WORLD = new Set(["0.0.0.0/0", "::/0"]);

/** Rules of the given groups that admit the whole internet. Pure. */
export function openIngress(groups: SecurityGroup[]): OpenIngress[] {
  const out: OpenIngress[] = [];
  for (const g of groups) {
    for (const p of g.IpPermissions ?? []) {
      const cidrs = [
        ...(p.IpRanges ?? []).map((r) => r.CidrIp),
        ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6),
      ];
      for (const cidr of cidrs) {
        if (!cidr || !WORLD.has(cidr)) continue;
        const ports =
          p.IpProtocol === "-1" || p.FromPort === undefined
            ? "all"
            : p.FromPort === p.ToPort
              ? String(p.FromPort)
              : `${p.FromPort}-${p.ToPort}`;
        out.push({ groupId: g.GroupId ?? "", ports, cidr });
      }
    }
  }
  return out;
}

function instanceContext(resource: AffectedResource, inst: Instance | undefined): ResourceContext {
  if (!inst) {
    return {
      resource,
      exists: false,
      tags: resource.tags ?? {},
      relatedTags: [],
      exposure: { publicIps: [], openIngress: [] },
    };
  }
  const publicIps = new Set<string>();
  if (inst.PublicIpAddress) publicIps.add(inst.PublicIpAddress);
  for (const eni of inst.NetworkInterfaces ?? [])
    if (eni.Association?.PublicIp) publicIps.add(eni.Association.PublicIp);
  return {
    resource,
    exists: true,
    state: inst.State?.Name,
    tags: { ...(resource.tags ?? {}), ...tagMap(inst.Tags) },
    accountTags: tagMap(inst.Tags),
    relatedTags: [],
    exposure: {
      publicIps: [...publicIps],
      openIngress: [],
      ...(inst.IamInstanceProfile?.Arn ? { instanceProfileArn: inst.IamInstanceProfile.Arn } : {}),
    },
    ...(inst.VpcId ? { vpcId: inst.VpcId } : {}),
    networkInterfaceIds: (inst.NetworkInterfaces ?? []).flatMap((n) =>
      n.NetworkInterfaceId ? [n.NetworkInterfaceId] : [],
    ),
    volumeIds: (inst.BlockDeviceMappings ?? []).flatMap((b) => (b.Ebs?.VolumeId ? [b.Ebs.VolumeId] : [])),
  };
}

/**
 * Bounds of the reads: instance ids per DescribeInstances call, and instances whose related
 * resources are read at once. However many resources an event names (it is at most 256 KB),
 * triage sends at most this many requests at a time to the account.
 */
export const RESOLVE_BOUNDS = { idsPerCall: 100, concurrent: 10 } as const;

/** Runs `fn` over `items`, at most `width` at a time, results in order. */
async function inBatches<A, B>(items: A[], width: number, fn: (a: A) => Promise<B>): Promise<B[]> {
  const out: B[] = [];
  for (let i = 0; i < items.length; i += width)
    out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}

/** Reads the contexts of every resource of a finding. Read-only. */
export async function resolveContexts(
  resources: AffectedResource[],
  clients: ContextClients,
): Promise<{ contexts: ResourceContext[]; instances: Record<string, Instance> }> {
  const instanceIds = [...new Set(resources.filter((r) => r.kind === "ec2-instance").map((r) => r.id))];
  const instances: Record<string, Instance> = {};
  // One id at a time would be slower; a missing id makes the batch fail, so fall back per id.
  for (let i = 0; i < instanceIds.length; i += RESOLVE_BOUNDS.idsPerCall) {
    const found = await describeInstances(clients.ec2, instanceIds.slice(i, i + RESOLVE_BOUNDS.idsPerCall));
    for (const inst of found) if (inst.InstanceId) instances[inst.InstanceId] = inst;
  }
  const contexts = await inBatches(resources, RESOLVE_BOUNDS.concurrent, async (r) => {
    if (r.kind !== "ec2-instance") {
      return {
        resource: r,
        exists: true,
        tags: r.tags ?? {},
        relatedTags: [],
        exposure: { publicIps: [], openIngress: [] },
      };
    }
    const inst = instances[r.id];
    const ctx = instanceContext(r, inst);
    if (inst) await enrichInstance(ctx, inst, clients);
    return ctx;
  });
  return { contexts, instances };
}

async function describeInstances(ec2: EC2Client, ids: string[]): Promise<Instance[]> {
  try {
    const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: ids }));
    return (out.Reservations ?? []).flatMap((r) => r.Instances ?? []);
  } catch (err) {
    if (!String((err as { name?: string }).name).startsWith("InvalidInstanceID")) throw err;
    if (ids.length === 1) return [];
    const parts = await inBatches(ids, RESOLVE_BOUNDS.concurrent, (id) => describeInstances(ec2, [id]));
    return parts.flat();
  }
}

/**
 * The responder's managed groups that a VPC lacks; undefined when they cannot be read (only
 * a head start for containment, which finds out for itself).
 */
async function missingIsolationGroups(
  ec2: EC2Client,
  vpcId: string,
): Promise<("untracking" | "isolation")[] | undefined> {
  try {
    const out = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [
          { Name: "vpc-id", Values: [vpcId] },
          { Name: `tag:${TAG.managed}`, Values: ["true"] },
        ],
      }),
    );
    if (out.NextToken) return undefined;
    const roles = new Set(
      (out.SecurityGroups ?? []).map((g) => g.Tags?.find((t) => t.Key === TAG.role)?.Value),
    );
    return (["untracking", "isolation"] as const).filter((r) => !roles.has(r));
  } catch {
    return undefined;
  }
}

async function enrichInstance(ctx: ResourceContext, inst: Instance, clients: ContextClients): Promise<void> {
  const volumeIds = (inst.BlockDeviceMappings ?? []).map((b) => b.Ebs?.VolumeId).filter(Boolean) as string[];
  const eniIds = (inst.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId).filter(Boolean) as string[];
  const [volumes, enis, missing] = await Promise.all([
    volumeIds.length ? clients.ec2.send(new DescribeVolumesCommand({ VolumeIds: volumeIds })) : undefined,
    eniIds.length
      ? clients.ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: eniIds }))
      : undefined,
    inst.VpcId ? missingIsolationGroups(clients.ec2, inst.VpcId) : undefined,
  ]);
  if (missing) ctx.missingIsolationGroups = missing;
  // The group is looked up by its exact name: the raw tag, not the cleaned one.
  const asgName = rawTag(inst.Tags, "aws:autoscaling:groupName");
  const groupIds = [
    ...new Set((enis?.NetworkInterfaces ?? []).flatMap((n) => (n.Groups ?? []).map((g) => g.GroupId))),
  ].filter(Boolean) as string[];
  const [groups, asg] = await Promise.all([
    groupIds.length ? clients.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: groupIds })) : undefined,
    asgName
      ? clients.autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [asgName] }))
      : undefined,
  ]);
  for (const v of volumes?.Volumes ?? []) {
    if (v.Tags?.length) ctx.relatedTags.push({ source: `volume ${v.VolumeId}`, tags: tagMap(v.Tags) });
  }
  for (const n of enis?.NetworkInterfaces ?? []) {
    if (n.TagSet?.length)
      ctx.relatedTags.push({ source: `interface ${n.NetworkInterfaceId}`, tags: tagMap(n.TagSet) });
  }
  const group = asg?.AutoScalingGroups?.[0];
  if (group) {
    ctx.autoScalingGroup = group.AutoScalingGroupName;
    ctx.relatedTags.push({
      source: `auto scaling group ${sanitizeText(group.AutoScalingGroupName ?? "", 255)}`,
      tags: tagsOf(group.Tags),
    });
  }
  ctx.exposure.openIngress = openIngress(groups?.SecurityGroups ?? []);
}
