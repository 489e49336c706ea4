/**
 * Every read of containment and release, each written once: the Describe calls, as tasks of a
 * round. Two rounds are made of them — the first round, which describes the instance (the
 * {@link InstanceSubject} the pure planner works on), and verification, which reads the state
 * back (the {@link Readback} the pure judgement works on). Nothing here changes anything.
 *
 * Security groups are read back per network interface (DescribeNetworkInterfaces), never from
 * DescribeInstances `SecurityGroups`: that is what holds on AWS for instances with several
 * interfaces, and the emulator reports the instance-level list wrongly.
 */
import {
  type AutoScalingClient,
  type AutoScalingInstanceDetails,
  DescribeAutoScalingInstancesCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  type Address,
  DescribeAddressesCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type IamInstanceProfileAssociation,
  type NetworkInterface,
  type SecurityGroup,
} from "@aws-sdk/client-ec2";
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { errorCode } from "../aws/errors.ts";
import type { ContainmentClients } from "./record-schema.ts";
import {
  addressesOf,
  autoScalingOf,
  buildSubject,
  type InstanceSubject,
  type InterfaceState,
  interfaceStateOf,
  profileOf,
  type RawObservation,
  type Readback,
  type Registration,
  registrationsOf,
  type SubjectTargetGroup,
  TARGET_GROUP_BOUNDS,
} from "./subject.ts";
import {
  boundedPages,
  type CallTracker,
  type Known,
  known,
  type Lane,
  pages,
  read,
  readPages,
  type Task,
  unknownFrom,
} from "./tracker.ts";
import { TAG } from "./vocabulary.ts";

const NOT_FOUND_CODES = new Set(["InvalidInstanceID.NotFound", "InvalidInstanceID.Malformed"]);

/** A filter on the instance, under the name the API gives it. */
const ofInstance = (name: string, instanceId: string) => [{ Name: name, Values: [instanceId] }];

/** DescribeInstances of one instance; `undefined` when it does not exist. */
async function readInstance(
  lane: Lane,
  ec2: EC2Client,
  instanceId: string,
): Promise<RawObservation["instance"]> {
  try {
    const out = await lane.call(() => ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] })));
    return known(
      (out.Reservations ?? []).flatMap((r) => r.Instances ?? []).find((i) => i.InstanceId === instanceId),
    );
  } catch (err) {
    return NOT_FOUND_CODES.has(errorCode(err) ?? "") ? known(undefined) : unknownFrom(err);
  }
}

/** Reads every responder-managed security group (of every VPC, or of the given ones). */
export async function readManagedGroups(
  lane: Lane,
  ec2: EC2Client,
  vpcIds?: string[],
): Promise<SecurityGroup[]> {
  const filters = [{ Name: `tag:${TAG.managed}`, Values: ["true"] }];
  if (vpcIds) filters.push({ Name: "vpc-id", Values: vpcIds });
  return pages(lane, (NextToken) =>
    ec2
      .send(new DescribeSecurityGroupsCommand({ Filters: filters, NextToken }))
      .then((p) => ({ items: p.SecurityGroups, next: p.NextToken })),
  );
}

/** Every Elastic IP of the region: unfiltered, since one on a secondary interface may not carry the instance id. */
function readAddresses(lane: Lane, ec2: EC2Client): Promise<Known<Address[]>> {
  return read(lane, async () => (await ec2.send(new DescribeAddressesCommand({}))).Addresses ?? []);
}

/** The instance's profile associations. */
function readAssociations(
  lane: Lane,
  ec2: EC2Client,
  instanceId: string,
): Promise<Known<IamInstanceProfileAssociation[]>> {
  const Filters = ofInstance("instance-id", instanceId);
  return readPages(lane, (NextToken) =>
    ec2
      .send(new DescribeIamInstanceProfileAssociationsCommand({ Filters, NextToken }))
      .then((p) => ({ items: p.IamInstanceProfileAssociations, next: p.NextToken })),
  );
}

/** The instance's Auto Scaling membership. */
function readAutoScaling(
  lane: Lane,
  autoScaling: AutoScalingClient,
  instanceId: string,
): Promise<Known<AutoScalingInstanceDetails[]>> {
  return read(
    lane,
    async () =>
      (await autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] })))
        .AutoScalingInstances ?? [],
  );
}

/** The target groups of the region, up to {@link TARGET_GROUP_BOUNDS}. */
async function readTargetGroups(
  lane: Lane,
  elbv2: ElasticLoadBalancingV2Client,
): Promise<Pick<RawObservation, "targetGroups" | "targetGroupsTruncated">> {
  try {
    const listed = await boundedPages(
      lane,
      (Marker) =>
        elbv2
          .send(new DescribeTargetGroupsCommand({ PageSize: TARGET_GROUP_BOUNDS.pageSize, Marker }))
          .then((p) => ({ items: p.TargetGroups, next: p.NextMarker })),
      TARGET_GROUP_BOUNDS.listPages,
    );
    return {
      targetGroups: known(listed.items),
      ...(listed.truncated ? { targetGroupsTruncated: true } : {}),
    };
  } catch (err) {
    return { targetGroups: unknownFrom(err) };
  }
}

/** One DescribeTargetHealth call: the registrations of the instance in that group. */
export async function readRegistrations(
  lane: Lane,
  elbv2: ElasticLoadBalancingV2Client,
  tg: SubjectTargetGroup,
  instanceId: string,
  privateIps: string[],
): Promise<Known<Registration[]>> {
  const r = await read(lane, () => elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: tg.arn })));
  return r.ok
    ? known(registrationsOf(tg, r.value.TargetHealthDescriptions ?? [], instanceId, privateIps))
    : r;
}

/**
 * Round 1: DescribeInstances ∥ managed security groups ∥ DescribeAddresses ∥ profile
 * associations ∥ DescribeAutoScalingInstances ∥ DescribeTargetGroups ∥ the three protection
 * attributes. All of them need only the instance id. `beside`: other tasks of the same round.
 */
export async function observeInstance(
  instanceId: string,
  clients: ContainmentClients,
  tracker: CallTracker,
  beside: Task[] = [],
): Promise<InstanceSubject> {
  const { ec2, autoScaling, elbv2 } = clients;
  const raw: RawObservation = {
    instance: known(undefined),
    groups: known([]),
    addresses: known([]),
    associations: known([]),
    autoScaling: known([]),
    targetGroups: known([]),
    protection: {},
  };
  const attribute =
    (name: "disableApiTermination" | "disableApiStop" | "instanceInitiatedShutdownBehavior") =>
    async (lane: Lane) => {
      const r = await read(lane, () =>
        ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: name })),
      );
      if (!r.ok) return;
      const v = r.value;
      if (v.DisableApiTermination?.Value !== undefined)
        raw.protection.disableApiTermination = v.DisableApiTermination.Value;
      if (v.DisableApiStop?.Value !== undefined) raw.protection.disableApiStop = v.DisableApiStop.Value;
      if (v.InstanceInitiatedShutdownBehavior?.Value)
        raw.protection.shutdownBehavior = v.InstanceInitiatedShutdownBehavior.Value;
    };

  await tracker.round([
    async (lane) => {
      raw.instance = await readInstance(lane, ec2, instanceId);
    },
    async (lane) => {
      try {
        raw.groups = known(await readManagedGroups(lane, ec2));
      } catch (err) {
        raw.groups = unknownFrom(err);
      }
    },
    async (lane) => {
      raw.addresses = await readAddresses(lane, ec2);
    },
    async (lane) => {
      raw.associations = await readAssociations(lane, ec2, instanceId);
    },
    async (lane) => {
      raw.autoScaling = await readAutoScaling(lane, autoScaling, instanceId);
    },
    async (lane) => {
      Object.assign(raw, await readTargetGroups(lane, elbv2));
    },
    attribute("disableApiTermination"),
    attribute("disableApiStop"),
    attribute("instanceInitiatedShutdownBehavior"),
    ...beside,
  ]);
  return buildSubject(instanceId, raw);
}

/**
 * The reads of verification, as tasks of one round (to run alongside other work), and the
 * readback they produce once the round is over.
 */
export function verificationReads(
  clients: ContainmentClients,
  instanceId: string,
  isolationGroupIds: string[],
  targetGroups: SubjectTargetGroup[],
  /** The private IPs read in round 1, for `ip` target groups. */
  privateIps: string[],
): { tasks: Task[]; readback: () => Readback } {
  const { ec2, autoScaling, elbv2 } = clients;
  let interfaces: Known<NetworkInterface[]> = known([]);
  let isolationGroups: Readback["isolationGroups"] = known([]);
  let associations: Known<IamInstanceProfileAssociation[]> = known([]);
  let addresses: Known<Address[]> = known([]);
  let asg: Known<AutoScalingInstanceDetails[]> = known([]);
  const targets: Readback["targets"] = [];
  const tasks: Task[] = [
    async (lane) => {
      const Filters = ofInstance("attachment.instance-id", instanceId);
      interfaces = await readPages(lane, (NextToken) =>
        ec2
          .send(new DescribeNetworkInterfacesCommand({ Filters, NextToken }))
          .then((p) => ({ items: p.NetworkInterfaces, next: p.NextToken })),
      );
    },
    async (lane) => {
      if (isolationGroupIds.length === 0) return;
      const r = await read(lane, () =>
        ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: isolationGroupIds })),
      );
      isolationGroups = r.ok
        ? known(
            (r.value.SecurityGroups ?? []).map((g) => ({
              groupId: g.GroupId ?? "",
              ingress: g.IpPermissions ?? [],
              egress: g.IpPermissionsEgress ?? [],
            })),
          )
        : r;
    },
    async (lane) => {
      associations = await readAssociations(lane, ec2, instanceId);
    },
    async (lane) => {
      addresses = await readAddresses(lane, ec2);
    },
    async (lane) => {
      asg = await readAutoScaling(lane, autoScaling, instanceId);
    },
    ...targetGroups.map((tg) => async (lane: Lane) => {
      targets.push({
        targetGroup: tg,
        registrations: await readRegistrations(lane, elbv2, tg, instanceId, privateIps),
      });
    }),
  ];
  return {
    tasks,
    readback: () => {
      const enis = interfaces.ok
        ? known(
            interfaces.value
              .map((n) => interfaceStateOf(n))
              .filter((x): x is InterfaceState => x !== undefined),
          )
        : interfaces;
      const eniIds = enis.ok ? enis.value.map((e) => e.networkInterfaceId) : [];
      return {
        interfaces: enis,
        isolationGroups,
        profile: associations.ok ? known(profileOf(associations.value)) : associations,
        addresses: addresses.ok ? known(addressesOf(addresses.value, instanceId, eniIds)) : addresses,
        autoScaling: asg.ok ? known(autoScalingOf(asg.value, instanceId)) : asg,
        targets: targets.sort((a, b) => a.targetGroup.arn.localeCompare(b.targetGroup.arn)),
      };
    },
  };
}
