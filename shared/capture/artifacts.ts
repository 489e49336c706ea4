/**
 * Artifact collectors: each reads one thing an investigator needs (read-only calls) and
 * returns its content for the archive. A collector the endpoint cannot serve is reported
 * `unsupported`; one that finds nothing is `skipped`; neither stops the others.
 *
 * Every list is read page by page up to a stated bound ({@link ARTIFACT_BOUNDS}); an artifact
 * cut short by a bound says so in its content (`truncated`) and in its step's detail.
 */
import {
  type AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
} from "@aws-sdk/client-auto-scaling";
import { type CloudTrailClient, paginateLookupEvents } from "@aws-sdk/client-cloudtrail";
import {
  DescribeAddressesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  type EC2Client,
  GetConsoleOutputCommand,
  GetConsoleScreenshotCommand,
  type Instance,
  paginateDescribeIamInstanceProfileAssociations,
} from "@aws-sdk/client-ec2";
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
  paginateDescribeTargetGroups,
  type TargetGroup,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  GetInstanceProfileCommand,
  GetRolePolicyCommand,
  type IAMClient,
  paginateListAttachedRolePolicies,
  paginateListRolePolicies,
} from "@aws-sdk/client-iam";
import { type PageBound, readBounded, truncationNote } from "../aws/pages.ts";

/**
 * The bounds of the collectors' list reads. CloudTrail answers LookupEvents at 2 requests per
 * second per account and region: 10 pages of 50 take about 5 s. Target groups: 10 pages of 400
 * cover the regional quota (3,000), and the health of at most 100 of them (those in the
 * instance's VPC that take instance or IP targets) is read, 10 at a time.
 */
export const ARTIFACT_BOUNDS = {
  lookupEvents: { maxPages: 10, maxItems: 500 },
  targetGroups: { maxPages: 10 },
  targetHealthReads: 100,
  profileAssociations: { maxPages: 5 },
  rolePolicies: { maxPages: 5, maxItems: 50 },
  attachedPolicies: { maxPages: 5 },
} as const satisfies Record<string, PageBound | number>;

export interface ArtifactClients {
  ec2: EC2Client;
  iam: IAMClient;
  autoScaling: AutoScalingClient;
  elbv2: ElasticLoadBalancingV2Client;
  cloudTrail: CloudTrailClient;
}

/**
 * What one collector produced: content to archive (with `truncated` saying what a bound left
 * out, when one did), or why there is none.
 */
export type Collected =
  | { kind: "content"; body: string | Buffer; contentType: string; truncated?: string }
  | { kind: "none"; reason: string };

export interface Collector {
  /** Artifact file name. */
  name: string;
  /** The API call(s) the content comes from, for the manifest. */
  sourceApiCall: string;
  collect(): Promise<Collected>;
}

/** JSON content; with truncation notes, the content carries them as `truncated` too. */
const json = (value: unknown, notes: (string | undefined)[] = []): Collected => {
  const truncated = notes.filter((n): n is string => Boolean(n));
  const body = truncated.length && value && typeof value === "object" ? { ...value, truncated } : value;
  return {
    kind: "content",
    body: `${JSON.stringify(body, (_k, v) => (typeof v === "bigint" ? String(v) : v), 2)}\n`,
    contentType: "application/json",
    ...(truncated.length ? { truncated: truncated.join("; ") } : {}),
  };
};

/** Runs `fn` over `items`, at most `width` at a time, results in order. */
async function inBatches<A, B>(items: A[], width: number, fn: (a: A) => Promise<B>): Promise<B[]> {
  const out: B[] = [];
  for (let i = 0; i < items.length; i += width)
    out.push(...(await Promise.all(items.slice(i, i + width).map(fn))));
  return out;
}

/** The target groups that can hold the instance: instance or IP targets, in one of its VPCs. */
export function targetGroupsFor(groups: TargetGroup[], vpcIds: string[]): TargetGroup[] {
  const vpcs = new Set(vpcIds);
  return groups.filter(
    (g) =>
      g.TargetGroupArn &&
      (g.TargetType === undefined || g.TargetType === "instance" || g.TargetType === "ip") &&
      (!g.VpcId || vpcs.size === 0 || vpcs.has(g.VpcId)),
  );
}

/** Removes SDK response metadata before archiving. */
function strip<T extends { $metadata?: unknown }>(out: T): Omit<T, "$metadata"> {
  const { $metadata: _m, ...rest } = out;
  return rest;
}

/** The collectors for one instance. `instance` is the DescribeInstances answer already read. */
export function instanceCollectors(
  instance: Instance,
  c: ArtifactClients,
  opts: { lookbackHours: number; now: Date },
): Collector[] {
  const instanceId = instance.InstanceId ?? "";
  const enis = (instance.NetworkInterfaces ?? [])
    .map((n) => n.NetworkInterfaceId)
    .filter(Boolean) as string[];
  const volumes = (instance.BlockDeviceMappings ?? [])
    .map((b) => b.Ebs?.VolumeId)
    .filter(Boolean) as string[];
  const vpcIds = [
    ...new Set([instance.VpcId, ...(instance.NetworkInterfaces ?? []).map((n) => n.VpcId)].filter(Boolean)),
  ] as string[];
  const privateIps = new Set(
    (instance.NetworkInterfaces ?? [])
      .flatMap((n) => (n.PrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress))
      .filter(Boolean) as string[],
  );
  const p = (n: string) => `${instanceId}/${n}`;
  return [
    {
      name: p("instance-description.json"),
      sourceApiCall: "ec2:DescribeInstances",
      collect: async () => json(instance),
    },
    {
      name: p("network-interfaces.json"),
      sourceApiCall: "ec2:DescribeNetworkInterfaces",
      collect: async () =>
        enis.length
          ? json(strip(await c.ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: enis }))))
          : { kind: "none", reason: "no network interfaces" },
    },
    {
      name: p("security-groups.json"),
      sourceApiCall: "ec2:DescribeNetworkInterfaces + ec2:DescribeSecurityGroups",
      collect: async () => {
        if (!enis.length) return { kind: "none", reason: "no network interfaces" };
        const ifs = await c.ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: enis }));
        const ids = [
          ...new Set(
            (ifs.NetworkInterfaces ?? []).flatMap((n) => (n.Groups ?? []).map((g) => g.GroupId ?? "")),
          ),
        ].filter(Boolean);
        return ids.length
          ? json(strip(await c.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ids }))))
          : { kind: "none", reason: "no security groups" };
      },
    },
    {
      name: p("elastic-ips.json"),
      sourceApiCall: "ec2:DescribeAddresses",
      collect: async () =>
        json(
          strip(
            await c.ec2.send(
              new DescribeAddressesCommand({ Filters: [{ Name: "instance-id", Values: [instanceId] }] }),
            ),
          ),
        ),
    },
    {
      name: p("volumes.json"),
      sourceApiCall: "ec2:DescribeVolumes",
      collect: async () =>
        volumes.length
          ? json(strip(await c.ec2.send(new DescribeVolumesCommand({ VolumeIds: volumes }))))
          : { kind: "none", reason: "no EBS volumes" },
    },
    {
      name: p("instance-profile.json"),
      sourceApiCall:
        "ec2:DescribeIamInstanceProfileAssociations + iam:GetInstanceProfile + iam:ListRolePolicies/GetRolePolicy/ListAttachedRolePolicies",
      collect: async () => {
        const bound = ARTIFACT_BOUNDS;
        const assoc = await readBounded(
          paginateDescribeIamInstanceProfileAssociations(
            { client: c.ec2 },
            { Filters: [{ Name: "instance-id", Values: [instanceId] }] },
          ),
          (pg) => ({ items: pg.IamInstanceProfileAssociations, next: pg.NextToken }),
          bound.profileAssociations,
        );
        const notes = [
          truncationNote("DescribeIamInstanceProfileAssociations", assoc, bound.profileAssociations),
        ];
        const arn =
          assoc.items.find((a) => a.State === "associated")?.IamInstanceProfile?.Arn ??
          assoc.items[0]?.IamInstanceProfile?.Arn ??
          instance.IamInstanceProfile?.Arn;
        if (!arn) return { kind: "none", reason: "no instance profile" };
        const name = arn.split("/").pop() ?? "";
        const profile = await c.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
        const roles = await Promise.all(
          (profile.InstanceProfile?.Roles ?? []).map(async (role) => {
            const RoleName = role.RoleName ?? "";
            const [inline, attached] = await Promise.all([
              readBounded(
                paginateListRolePolicies({ client: c.iam }, { RoleName }),
                (pg) => ({ items: pg.PolicyNames, next: pg.IsTruncated ? pg.Marker : undefined }),
                bound.rolePolicies,
              ),
              readBounded(
                paginateListAttachedRolePolicies({ client: c.iam }, { RoleName }),
                (pg) => ({ items: pg.AttachedPolicies, next: pg.IsTruncated ? pg.Marker : undefined }),
                bound.attachedPolicies,
              ),
            ]);
            notes.push(
              truncationNote(`ListRolePolicies ${RoleName}`, inline, bound.rolePolicies),
              truncationNote(`ListAttachedRolePolicies ${RoleName}`, attached, bound.attachedPolicies),
            );
            const policies = await Promise.all(
              inline.items.map(async (PolicyName) => {
                const doc = await c.iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }));
                return { PolicyName, PolicyDocument: decodeURIComponent(doc.PolicyDocument ?? "") };
              }),
            );
            return { role, inlinePolicies: policies, attachedPolicies: attached.items };
          }),
        );
        return json(
          {
            associations: assoc.items,
            instanceProfile: profile.InstanceProfile,
            roles,
          },
          notes,
        );
      },
    },
    {
      name: p("fleet.json"),
      sourceApiCall:
        "autoscaling:DescribeAutoScalingInstances/Groups + elasticloadbalancing:DescribeTargetGroups/TargetHealth",
      collect: async () => {
        const asgi = await c.autoScaling.send(
          new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }),
        );
        const groupName = asgi.AutoScalingInstances?.[0]?.AutoScalingGroupName;
        const group = groupName
          ? (
              await c.autoScaling.send(
                new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }),
              )
            ).AutoScalingGroups?.[0]
          : undefined;
        const bound = ARTIFACT_BOUNDS;
        const listed = await readBounded(
          paginateDescribeTargetGroups({ client: c.elbv2 }, { PageSize: 400 }),
          (pg) => ({ items: pg.TargetGroups, next: pg.NextMarker }),
          bound.targetGroups,
        );
        const candidates = targetGroupsFor(listed.items, vpcIds);
        const read = candidates.slice(0, bound.targetHealthReads);
        const holding = (
          await inBatches(read, 10, async (tg) => {
            const health = await c.elbv2.send(
              new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }),
            );
            const mine = (health.TargetHealthDescriptions ?? []).filter(
              (d) =>
                d.Target?.Id === instanceId || (tg.TargetType === "ip" && privateIps.has(d.Target?.Id ?? "")),
            );
            return mine.length ? [{ targetGroup: tg, targets: mine }] : [];
          })
        ).flat();
        const unread = candidates.length - read.length;
        return json(
          {
            autoScalingInstance: asgi.AutoScalingInstances?.[0],
            autoScalingGroup: group,
            targetGroups: holding,
            checked: { listed: listed.items.length, candidates: candidates.length, healthRead: read.length },
          },
          [
            truncationNote("DescribeTargetGroups", listed, bound.targetGroups),
            unread > 0
              ? `DescribeTargetHealth: read for ${read.length} of ${candidates.length} target groups that can hold the instance (bound ${bound.targetHealthReads}); ${unread} not checked`
              : undefined,
          ],
        );
      },
    },
    {
      name: p("console-output.txt"),
      sourceApiCall: "ec2:GetConsoleOutput",
      collect: async () => {
        const out = await c.ec2.send(new GetConsoleOutputCommand({ InstanceId: instanceId, Latest: true }));
        if (!out.Output) return { kind: "none", reason: "no console output available" };
        return { kind: "content", body: Buffer.from(out.Output, "base64"), contentType: "text/plain" };
      },
    },
    {
      name: p("console-screenshot.jpg"),
      sourceApiCall: "ec2:GetConsoleScreenshot",
      collect: async () => {
        const out = await c.ec2.send(
          new GetConsoleScreenshotCommand({ InstanceId: instanceId, WakeUp: false }),
        );
        if (!out.ImageData) return { kind: "none", reason: "no screenshot available" };
        return { kind: "content", body: Buffer.from(out.ImageData, "base64"), contentType: "image/jpeg" };
      },
    },
    {
      name: p("cloudtrail-recent-activity.json"),
      sourceApiCall: "cloudtrail:LookupEvents",
      collect: async () => {
        const bound = ARTIFACT_BOUNDS.lookupEvents;
        const window = {
          StartTime: new Date(opts.now.getTime() - opts.lookbackHours * 3600_000),
          EndTime: opts.now,
        };
        const found = await readBounded(
          paginateLookupEvents(
            { client: c.cloudTrail, pageSize: 50 },
            {
              LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: instanceId }],
              ...window,
            },
          ),
          (pg) => ({ items: pg.Events, next: pg.NextToken }),
          bound,
        );
        return json(
          {
            lookup: { resourceName: instanceId, ...window, pages: found.pages },
            Events: found.items,
            ...(found.nextToken ? { NextToken: found.nextToken } : {}),
          },
          [truncationNote(`LookupEvents (${opts.lookbackHours} h)`, found, bound)],
        );
      },
    },
  ];
}
