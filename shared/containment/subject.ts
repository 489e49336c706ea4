/**
 * The description of an instance that containment works on — the {@link InstanceSubject}
 * read in its first round, and the {@link Readback} verification reads — and the pure
 * functions that make it from the SDK's answers. No I/O: ./read.ts makes the calls.
 */
import type { AutoScalingInstanceDetails } from "@aws-sdk/client-auto-scaling";
import type {
  Address,
  IamInstanceProfileAssociation,
  Instance,
  IpPermission,
  SecurityGroup,
} from "@aws-sdk/client-ec2";
import type { TargetGroup, TargetHealthDescription } from "@aws-sdk/client-elastic-load-balancing-v2";
import { tagsOf } from "../text/sanitize.ts";
import { type Known, known } from "./tracker.ts";
import { type GroupRole, TAG } from "./vocabulary.ts";

/**
 * Bounds of the target-group reads. The listing: 10 pages of 400, which covers the regional
 * quota (3,000 target groups). The health: DescribeTargetHealth for at most 100 of the groups
 * that can hold the instance (one call each, all in one round). Past either bound, the groups
 * not checked are reported: deregistration and verification say so, never `verified`.
 */
export const TARGET_GROUP_BOUNDS = { listPages: 10, pageSize: 400, healthReads: 100 } as const;

/** One network interface attached to the instance. */
export interface SubjectInterface {
  networkInterfaceId: string;
  vpcId?: string;
  groups: string[];
  attachmentId?: string;
  deviceIndex?: number;
  privateIps: string[];
  /** Public IPv4 addresses associated with any private address of the interface (EIPs included). */
  publicIps: string[];
}

/** An Elastic IP associated with the instance or one of its interfaces. */
export interface SubjectAddress {
  allocationId?: string;
  associationId?: string;
  publicIp: string;
  networkInterfaceId?: string;
  privateIp?: string;
  instanceId?: string;
}

/** A responder-managed security group (found by its tags). */
export interface ManagedGroup {
  groupId: string;
  vpcId: string;
  role: GroupRole;
  ingress: IpPermission[];
  egress: IpPermission[];
}

/** A load-balancer target group the instance may be registered in. */
export interface SubjectTargetGroup {
  arn: string;
  name?: string;
  targetType: string;
  vpcId?: string;
}

/** One registration of the instance (or of one of its private IPs) in a target group. */
export interface Registration {
  targetGroupArn: string;
  id: string;
  port?: number;
  availabilityZone?: string;
  state: string;
}

export interface SubjectProfile {
  arn?: string;
  associationId?: string;
  state?: string;
}

export interface SubjectAutoScaling {
  groupName?: string;
  lifecycleState?: string;
}

/** Everything containment needs to know about one instance, read in one round. */
export interface InstanceSubject {
  instanceId: string;
  /** `known` false: DescribeInstances failed; `exists` false: the instance does not exist. */
  instance: Known<{ exists: boolean }>;
  state?: string;
  vpcId?: string;
  interfaces: SubjectInterface[];
  volumes: { deviceName: string; volumeId: string; deleteOnTermination: boolean }[];
  tags: Record<string, string>;
  /** Each field undefined when it could not be read. */
  protection: { disableApiTermination?: boolean; disableApiStop?: boolean; shutdownBehavior?: string };
  profile: Known<SubjectProfile>;
  addresses: Known<SubjectAddress[]>;
  /** Every Elastic IP of the region (release checks where a recorded one is now). */
  allAddresses: Known<SubjectAddress[]>;
  autoScaling: Known<SubjectAutoScaling>;
  targetGroups: Known<SubjectTargetGroup[]>;
  /** Set when the listing of target groups stopped at its bound: more exist than `targetGroups`. */
  targetGroupsTruncated?: boolean;
  /** Managed groups of every VPC (filtered by tag, not by VPC: the VPC is not known yet). */
  groups: Known<ManagedGroup[]>;
}

/** The answers of the first round, as the SDK gave them. */
export interface RawObservation {
  /** `undefined`: the instance does not exist. */
  instance: Known<Instance | undefined>;
  groups: Known<SecurityGroup[]>;
  addresses: Known<Address[]>;
  associations: Known<IamInstanceProfileAssociation[]>;
  autoScaling: Known<AutoScalingInstanceDetails[]>;
  targetGroups: Known<TargetGroup[]>;
  /** The listing stopped at its bound ({@link TARGET_GROUP_BOUNDS}). */
  targetGroupsTruncated?: boolean;
  protection: InstanceSubject["protection"];
}

export function toManagedGroup(g: SecurityGroup): ManagedGroup | undefined {
  const role = g.Tags?.find((t) => t.Key === TAG.role)?.Value;
  if (!g.GroupId || !g.VpcId || (role !== "untracking" && role !== "isolation")) return undefined;
  return {
    groupId: g.GroupId,
    vpcId: g.VpcId,
    role,
    ingress: g.IpPermissions ?? [],
    egress: g.IpPermissionsEgress ?? [],
  };
}

/** Auto Scaling lifecycle states in which the group no longer counts on (or replaces) the instance. */
export const OUT_OF_SERVICE_STATES = new Set(["Standby", "EnteringStandby", "Detaching", "Detached"]);

/** True for instances that are gone or going: nothing to contain. */
export function isGone(state: string | undefined): boolean {
  return state === "terminated" || state === "shutting-down";
}

/** The registrations of the instance in one target group, as DescribeTargetHealth told them. */
export interface TargetHealth {
  targetGroup: SubjectTargetGroup;
  registrations: Known<Registration[]>;
}

/** One interface as read back. */
export interface InterfaceState {
  networkInterfaceId: string;
  vpcId?: string;
  groups: string[];
  publicIps: string[];
}

/** The state verification judges. */
export interface Readback {
  interfaces: Known<InterfaceState[]>;
  /** Rules of the isolation groups in use. */
  isolationGroups: Known<{ groupId: string; ingress: IpPermission[]; egress: IpPermission[] }[]>;
  profile: Known<SubjectProfile>;
  addresses: Known<SubjectAddress[]>;
  autoScaling: Known<SubjectAutoScaling>;
  targets: TargetHealth[];
  /** Set when the target groups themselves could not be listed. */
  targetGroupListing?: { error: string; unsupported: boolean };
}

/** What DescribeInstances and DescribeNetworkInterfaces both say of an interface. */
interface SdkInterface {
  NetworkInterfaceId?: string;
  VpcId?: string;
  Groups?: { GroupId?: string }[];
  Association?: { PublicIp?: string };
  PrivateIpAddresses?: { PrivateIpAddress?: string; Association?: { PublicIp?: string } }[];
}

/** One interface as DescribeNetworkInterfaces (or DescribeInstances) reports it. */
export function interfaceStateOf(n: SdkInterface, vpcId = n.VpcId): InterfaceState | undefined {
  if (!n.NetworkInterfaceId) return undefined;
  const publicIps = new Set<string>();
  if (n.Association?.PublicIp) publicIps.add(n.Association.PublicIp);
  for (const p of n.PrivateIpAddresses ?? [])
    if (p.Association?.PublicIp) publicIps.add(p.Association.PublicIp);
  return {
    networkInterfaceId: n.NetworkInterfaceId,
    ...(vpcId ? { vpcId } : {}),
    groups: (n.Groups ?? []).map((g) => g.GroupId).filter((g): g is string => Boolean(g)),
    publicIps: [...publicIps],
  };
}

/** The instance's interfaces as DescribeInstances reports them. */
export function interfacesOf(instance: Instance): SubjectInterface[] {
  return (instance.NetworkInterfaces ?? []).flatMap((n) => {
    const state = interfaceStateOf(n, n.VpcId ?? instance.VpcId);
    if (!state) return [];
    const privateIps = new Set<string>();
    if (n.PrivateIpAddress) privateIps.add(n.PrivateIpAddress);
    for (const p of n.PrivateIpAddresses ?? []) if (p.PrivateIpAddress) privateIps.add(p.PrivateIpAddress);
    return [
      {
        ...state,
        ...(n.Attachment?.AttachmentId ? { attachmentId: n.Attachment.AttachmentId } : {}),
        ...(n.Attachment?.DeviceIndex !== undefined ? { deviceIndex: n.Attachment.DeviceIndex } : {}),
        privateIps: [...privateIps],
      },
    ];
  });
}

function toSubjectAddress(a: Address): SubjectAddress | undefined {
  if (!a.PublicIp) return undefined;
  // The emulator answers "" for an absent id.
  return {
    publicIp: a.PublicIp,
    ...(a.AllocationId ? { allocationId: a.AllocationId } : {}),
    ...(a.AssociationId ? { associationId: a.AssociationId } : {}),
    ...(a.NetworkInterfaceId ? { networkInterfaceId: a.NetworkInterfaceId } : {}),
    ...(a.PrivateIpAddress ? { privateIp: a.PrivateIpAddress } : {}),
    ...(a.InstanceId ? { instanceId: a.InstanceId } : {}),
  };
}

/** Elastic IPs of the instance: associated with it, or with one of its interfaces. */
export function addressesOf(all: Address[], instanceId: string, interfaceIds: string[]): SubjectAddress[] {
  const enis = new Set(interfaceIds);
  return all
    .map(toSubjectAddress)
    .filter(
      (a): a is SubjectAddress =>
        a !== undefined &&
        (a.instanceId === instanceId ||
          (a.networkInterfaceId !== undefined && enis.has(a.networkInterfaceId))),
    );
}

/** The current profile association (associated or associating), if any. */
export function profileOf(associations: IamInstanceProfileAssociation[]): SubjectProfile {
  const a = associations.find((x) => x.State === "associated" || x.State === "associating");
  if (!a) return {};
  return {
    ...(a.IamInstanceProfile?.Arn ? { arn: a.IamInstanceProfile.Arn } : {}),
    ...(a.AssociationId ? { associationId: a.AssociationId } : {}),
    ...(a.State ? { state: a.State } : {}),
  };
}

export function autoScalingOf(
  instances: AutoScalingInstanceDetails[],
  instanceId: string,
): SubjectAutoScaling {
  const a = instances.find((x) => x.InstanceId === instanceId);
  if (!a?.AutoScalingGroupName) return {};
  return {
    groupName: a.AutoScalingGroupName,
    ...(a.LifecycleState ? { lifecycleState: a.LifecycleState } : {}),
  };
}

function targetGroupOf(t: TargetGroup): SubjectTargetGroup | undefined {
  if (!t.TargetGroupArn) return undefined;
  return {
    arn: t.TargetGroupArn,
    ...(t.TargetGroupName ? { name: t.TargetGroupName } : {}),
    targetType: t.TargetType ?? "instance",
    ...(t.VpcId ? { vpcId: t.VpcId } : {}),
  };
}

const mapKnown = <A, B>(k: Known<A>, f: (a: A) => B): Known<B> => (k.ok ? known(f(k.value)) : k);

/** Pure: the description of an instance from the answers of the first round. */
export function buildSubject(instanceId: string, raw: RawObservation): InstanceSubject {
  const inst = raw.instance.ok ? raw.instance.value : undefined;
  const interfaces = inst ? interfacesOf(inst) : [];
  // Sanitised where read: the incident-id and state tags are echoed in details and alerts.
  const tags = tagsOf(inst?.Tags);
  const volumes = (inst?.BlockDeviceMappings ?? [])
    .filter((b) => b.DeviceName && b.Ebs?.VolumeId)
    .map((b) => ({
      deviceName: b.DeviceName as string,
      volumeId: b.Ebs?.VolumeId as string,
      deleteOnTermination: b.Ebs?.DeleteOnTermination ?? false,
    }));
  // DescribeInstances reports the profile too, but late after a change: the associations are authoritative.
  let profile = mapKnown(raw.associations, profileOf);
  if (!profile.ok && inst?.IamInstanceProfile?.Arn) profile = known({ arn: inst.IamInstanceProfile.Arn });
  return {
    instanceId,
    instance: mapKnown(raw.instance, (i) => ({ exists: i !== undefined })),
    ...(inst?.State?.Name ? { state: inst.State.Name } : {}),
    ...(inst?.VpcId ? { vpcId: inst.VpcId } : {}),
    interfaces,
    volumes,
    tags,
    protection: raw.protection,
    profile,
    addresses: mapKnown(raw.addresses, (all) =>
      addressesOf(
        all,
        instanceId,
        interfaces.map((i) => i.networkInterfaceId),
      ),
    ),
    allAddresses: mapKnown(raw.addresses, (all) =>
      all.map(toSubjectAddress).filter((a): a is SubjectAddress => a !== undefined),
    ),
    autoScaling: mapKnown(raw.autoScaling, (a) => autoScalingOf(a, instanceId)),
    targetGroups: mapKnown(raw.targetGroups, (tgs) =>
      tgs.map(targetGroupOf).filter((t): t is SubjectTargetGroup => t !== undefined),
    ),
    ...(raw.targetGroupsTruncated ? { targetGroupsTruncated: true } : {}),
    groups: mapKnown(raw.groups, (gs) =>
      gs.map(toManagedGroup).filter((g): g is ManagedGroup => g !== undefined),
    ),
  };
}

/** Every listed target group the instance can be registered in: instance or ip targets, in one of its VPCs. */
function allCandidates(subject: InstanceSubject): SubjectTargetGroup[] {
  if (!subject.targetGroups.ok) return [];
  const vpcs = new Set(subject.interfaces.map((i) => i.vpcId).filter(Boolean));
  if (subject.vpcId) vpcs.add(subject.vpcId);
  return subject.targetGroups.value.filter(
    (t) => (t.targetType === "instance" || t.targetType === "ip") && (!t.vpcId || vpcs.has(t.vpcId)),
  );
}

/**
 * The target groups whose health is read for the instance: those it can be registered in
 * (instance or ip targets, in one of its VPCs), at most {@link TARGET_GROUP_BOUNDS}.healthReads.
 */
export function candidateTargetGroups(subject: InstanceSubject): SubjectTargetGroup[] {
  return allCandidates(subject).slice(0, TARGET_GROUP_BOUNDS.healthReads);
}

/**
 * Pure: what the bounds left unchecked — target groups not listed, or listed but beyond the
 * health reads — as a sentence; undefined when every group that can hold the instance is checked.
 */
export function uncheckedTargetGroups(subject: InstanceSubject): string | undefined {
  const all = allCandidates(subject).length;
  const beyond = all - candidateTargetGroups(subject).length;
  const notes = [
    ...(subject.targetGroupsTruncated
      ? [
          `more than ${TARGET_GROUP_BOUNDS.listPages * TARGET_GROUP_BOUNDS.pageSize} target groups: the listing stopped at its bound, the others were not checked`,
        ]
      : []),
    ...(beyond > 0
      ? [
          `${all} target groups can hold the instance: the health of ${all - beyond} was read (bound ${TARGET_GROUP_BOUNDS.healthReads}), ${beyond} not checked`,
        ]
      : []),
  ];
  return notes.length ? notes.join("; ") : undefined;
}

/** Pure: the registrations of the instance (by id, or by private IP in `ip` groups) in one target group. */
export function registrationsOf(
  tg: SubjectTargetGroup,
  descriptions: TargetHealthDescription[],
  instanceId: string,
  privateIps: string[],
): Registration[] {
  const ips = new Set(privateIps);
  return descriptions
    .filter(
      (d) => d.Target?.Id && (tg.targetType === "ip" ? ips.has(d.Target.Id) : d.Target.Id === instanceId),
    )
    .map((d) => ({
      targetGroupArn: tg.arn,
      id: d.Target?.Id as string,
      ...(d.Target?.Port !== undefined ? { port: d.Target.Port } : {}),
      ...(d.Target?.AvailabilityZone ? { availabilityZone: d.Target.AvailabilityZone } : {}),
      state: d.TargetHealth?.State ?? "unknown",
    }));
}
