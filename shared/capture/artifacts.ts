/**
 * Artifact collectors: each reads one thing an investigator needs (read-only calls) and
 * returns its content for the archive. A collector the endpoint cannot serve is reported
 * `unsupported`; one that finds nothing is `skipped`; neither stops the others.
 */
import {
  type AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
} from "@aws-sdk/client-auto-scaling";
import { type CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import {
  DescribeAddressesCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  type EC2Client,
  GetConsoleOutputCommand,
  GetConsoleScreenshotCommand,
  type Instance,
} from "@aws-sdk/client-ec2";
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  GetInstanceProfileCommand,
  GetRolePolicyCommand,
  type IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";

export interface ArtifactClients {
  ec2: EC2Client;
  iam: IAMClient;
  autoScaling: AutoScalingClient;
  elbv2: ElasticLoadBalancingV2Client;
  cloudTrail: CloudTrailClient;
}

/** What one collector produced: content to archive, or why there is none. */
export type Collected =
  | { kind: "content"; body: string | Buffer; contentType: string }
  | { kind: "none"; reason: string };

export interface Collector {
  /** Artifact file name. */
  name: string;
  /** The API call(s) the content comes from, for the manifest. */
  sourceApiCall: string;
  collect(): Promise<Collected>;
}

const json = (value: unknown): Collected => ({
  kind: "content",
  body: `${JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? String(v) : v), 2)}\n`,
  contentType: "application/json",
});

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
        const assoc = await c.ec2.send(
          new DescribeIamInstanceProfileAssociationsCommand({
            Filters: [{ Name: "instance-id", Values: [instanceId] }],
          }),
        );
        const arn =
          assoc.IamInstanceProfileAssociations?.[0]?.IamInstanceProfile?.Arn ??
          instance.IamInstanceProfile?.Arn;
        if (!arn) return { kind: "none", reason: "no instance profile" };
        const name = arn.split("/").pop() ?? "";
        const profile = await c.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
        const roles = await Promise.all(
          (profile.InstanceProfile?.Roles ?? []).map(async (role) => {
            const RoleName = role.RoleName ?? "";
            const [inline, attached] = await Promise.all([
              c.iam.send(new ListRolePoliciesCommand({ RoleName })),
              c.iam.send(new ListAttachedRolePoliciesCommand({ RoleName })),
            ]);
            const policies = await Promise.all(
              (inline.PolicyNames ?? []).map(async (PolicyName) => {
                const doc = await c.iam.send(new GetRolePolicyCommand({ RoleName, PolicyName }));
                return { PolicyName, PolicyDocument: decodeURIComponent(doc.PolicyDocument ?? "") };
              }),
            );
            return { role, inlinePolicies: policies, attachedPolicies: attached.AttachedPolicies ?? [] };
          }),
        );
        return json({
          associations: assoc.IamInstanceProfileAssociations,
          instanceProfile: profile.InstanceProfile,
          roles,
        });
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
        const tgs = await c.elbv2.send(new DescribeTargetGroupsCommand({}));
        const holding = [];
        for (const tg of tgs.TargetGroups ?? []) {
          const health = await c.elbv2.send(
            new DescribeTargetHealthCommand({ TargetGroupArn: tg.TargetGroupArn }),
          );
          const mine = (health.TargetHealthDescriptions ?? []).filter((d) => d.Target?.Id === instanceId);
          if (mine.length) holding.push({ targetGroup: tg, targets: mine });
        }
        return json({
          autoScalingInstance: asgi.AutoScalingInstances?.[0],
          autoScalingGroup: group,
          targetGroups: holding,
        });
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
        const out = await c.cloudTrail.send(
          new LookupEventsCommand({
            LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: instanceId }],
            StartTime: new Date(opts.now.getTime() - opts.lookbackHours * 3600_000),
            EndTime: opts.now,
            MaxResults: 50,
          }),
        );
        return json(strip(out));
      },
    },
  ];
}
