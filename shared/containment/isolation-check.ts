/**
 * Verification, the judgement: what is still open once containment is done, from the state
 * read back (./read.ts `verificationReads`). Pure; it also serves dry runs, on the state read
 * in round 1 ({@link readbackFromSubject}).
 */
import type { Verification } from "./record-schema.ts";
import {
  type InstanceSubject,
  OUT_OF_SERVICE_STATES,
  type Readback,
  uncheckedTargetGroups,
} from "./subject.ts";
import { type Known, known } from "./tracker.ts";

export interface Expectations {
  /** The isolation group of each VPC (unknown: it could not be found or created). */
  isolationGroups: Record<string, Known<string>>;
  /** Checked only when configured. */
  isolationProfileArn?: string;
}

const cannot = (what: string, k: { error: string; unsupported: boolean }) =>
  `could not verify ${what}: ${k.error}${k.unsupported ? " (not supported by this endpoint)" : ""}`;

/**
 * Pure: what is still open. Open: an interface with any group but its VPC's isolation group
 * (or with a public address); an isolation group with a rule; an Elastic IP still associated;
 * the instance profile other than the isolation profile (when one is configured); the
 * instance in service in an Auto Scaling group; a registration in a target group that is not
 * draining. A state that could not be read is open too: it is not verified.
 */
export function evaluateIsolation(rb: Readback, ex: Expectations): Verification {
  const open: string[] = [];
  const eipIps = new Set(rb.addresses.ok ? rb.addresses.value.map((a) => a.publicIp) : []);
  if (!rb.interfaces.ok) open.push(cannot("network interfaces", rb.interfaces));
  else
    for (const eni of rb.interfaces.value) {
      const id = eni.networkInterfaceId;
      const iso = eni.vpcId ? ex.isolationGroups[eni.vpcId] : undefined;
      if (!iso) open.push(`${id}: no isolation group for ${eni.vpcId ?? "its VPC"}`);
      else if (!iso.ok) open.push(`${id}: no isolation group for ${eni.vpcId} (${iso.error})`);
      else if (eni.groups.length !== 1 || eni.groups[0] !== iso.value)
        open.push(`${id}: security groups ${eni.groups.join(", ") || "none"} (expected only ${iso.value})`);
      for (const ip of eni.publicIps.filter((x) => !eipIps.has(x)))
        open.push(`${id}: public IP ${ip} still assigned`);
    }
  if (!rb.isolationGroups.ok) open.push(cannot("isolation group rules", rb.isolationGroups));
  else
    for (const g of rb.isolationGroups.value)
      if (g.ingress.length || g.egress.length)
        open.push(
          `${g.groupId}: isolation group has ${g.ingress.length} ingress and ${g.egress.length} egress rule(s)`,
        );
  if (!rb.addresses.ok) open.push(cannot("Elastic IPs", rb.addresses));
  else
    for (const a of rb.addresses.value.filter((x) => x.associationId || x.networkInterfaceId))
      open.push(
        `Elastic IP ${a.publicIp}${a.allocationId ? ` (${a.allocationId})` : ""} still associated with ${a.networkInterfaceId ?? "the instance"}`,
      );
  if (ex.isolationProfileArn) {
    if (!rb.profile.ok) open.push(cannot("the instance profile", rb.profile));
    else if (rb.profile.value.arn !== ex.isolationProfileArn)
      open.push(`instance profile ${rb.profile.value.arn ?? "none"} (expected ${ex.isolationProfileArn})`);
  }
  // An endpoint without Auto Scaling or ELBv2 cannot have the instance in a group: not open.
  if (!rb.autoScaling.ok) {
    if (!rb.autoScaling.unsupported) open.push(cannot("Auto Scaling membership", rb.autoScaling));
  } else {
    const { groupName, lifecycleState } = rb.autoScaling.value;
    if (groupName && !(lifecycleState && OUT_OF_SERVICE_STATES.has(lifecycleState)))
      open.push(`Auto Scaling group ${groupName}: instance ${lifecycleState ?? "in an unknown state"}`);
  }
  if (rb.targetGroupListing && !rb.targetGroupListing.unsupported)
    open.push(cannot("target groups", rb.targetGroupListing));
  for (const { targetGroup, registrations } of rb.targets) {
    const tg = targetGroup.name ?? targetGroup.arn;
    if (!registrations.ok) {
      if (!registrations.unsupported) open.push(cannot(`target group ${tg}`, registrations));
    } else
      for (const r of registrations.value.filter((x) => x.state !== "draining"))
        open.push(`target group ${tg}: ${r.id}${r.port !== undefined ? `:${r.port}` : ""} ${r.state}`);
  }
  return { ok: open.length === 0, open };
}

/** Pure: the readback equivalent of what round 1 read (for dry runs: what is open now). */
export function readbackFromSubject(
  subject: InstanceSubject,
  targets: Readback["targets"],
  isolationGroupIds: string[],
): Readback {
  const groups = subject.groups;
  return {
    interfaces: known(
      subject.interfaces.map((i) => ({
        networkInterfaceId: i.networkInterfaceId,
        ...(i.vpcId ? { vpcId: i.vpcId } : {}),
        groups: i.groups,
        publicIps: i.publicIps,
      })),
    ),
    isolationGroups: groups.ok
      ? known(groups.value.filter((g) => isolationGroupIds.includes(g.groupId)))
      : groups,
    profile: subject.profile,
    addresses: subject.addresses,
    autoScaling: subject.autoScaling,
    targets,
    ...targetGroupListing(subject),
  };
}

/**
 * Pure: what verification must say about the target groups it could not check: the listing
 * failed, or a bound left some unchecked ({@link uncheckedTargetGroups}).
 */
export function targetGroupListing(subject: InstanceSubject): Pick<Readback, "targetGroupListing"> {
  if (!subject.targetGroups.ok) return { targetGroupListing: subject.targetGroups };
  const unchecked = uncheckedTargetGroups(subject);
  return unchecked ? { targetGroupListing: { error: unchecked, unsupported: false } } : {};
}
