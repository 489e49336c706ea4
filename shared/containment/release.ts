/**
 * Release: puts an isolated instance back as it was before isolation, from the recorded
 * pre-isolation state — security groups on every interface, Elastic IPs, instance profile,
 * Auto Scaling membership, target groups, evidence protection — and reads it back.
 *
 * It refuses (status `refused`, with the differences) when the instance changed since
 * isolation in a way that makes the record unsafe to apply — an interface added or gone,
 * groups that are neither the isolation group nor the recorded ones, another profile, an
 * Elastic IP now used elsewhere, another incident's tag — unless `force` is set.
 */
import type { ActionResult } from "../domain/types.ts";
import { execute } from "./calls.ts";
import { type InstanceSubject, observeInstance, type SubjectTargetGroup } from "./observe.ts";
import { formatCall, isGone, type PlannedCall, type PlannedStep } from "./plan.ts";
import {
  type ContainmentClients,
  type PreIsolationState,
  PreIsolationStateSchema,
  type ReleaseOptions,
  type ReleaseOutcome,
  TAG,
  type Verification,
} from "./schema.ts";
import { CallTracker } from "./tracker.ts";
import { type Readback, verificationReads } from "./verify.ts";

const sameSet = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * Pure: how the instance differs from what containment left, in ways that make applying
 * the record unsafe. Empty: release may go on.
 */
export function releaseDifferences(
  subject: InstanceSubject,
  pre: PreIsolationState,
  opts: ReleaseOptions,
): string[] {
  const diffs: string[] = [];
  const held = subject.tags[TAG.incidentId];
  if (held && held !== opts.incidentId)
    diffs.push(`instance is held by incident ${held}, not ${opts.incidentId}`);

  const current = new Map(subject.interfaces.map((i) => [i.networkInterfaceId, i]));
  const recorded = new Set(pre.interfaces.map((i) => i.networkInterfaceId));
  for (const i of subject.interfaces)
    if (!recorded.has(i.networkInterfaceId))
      diffs.push(`new network interface ${i.networkInterfaceId} (not there at isolation)`);
  for (const r of pre.interfaces)
    if (!current.has(r.networkInterfaceId))
      diffs.push(`network interface ${r.networkInterfaceId} is no longer attached`);
  if (!subject.groups.ok)
    diffs.push(`could not list the responder's security groups: ${subject.groups.error}`);
  else {
    const ours = new Set(subject.groups.value.map((g) => g.groupId));
    for (const r of pre.interfaces) {
      const now = current.get(r.networkInterfaceId);
      if (!now || sameSet(now.groups, r.groups)) continue;
      if (now.groups.length === 1 && ours.has(now.groups[0] as string)) continue;
      diffs.push(
        `${r.networkInterfaceId}: security groups ${now.groups.join(", ") || "none"} are neither the isolation group nor the recorded ${r.groups.join(", ")}`,
      );
    }
  }

  if (!subject.profile.ok) diffs.push(`could not read the instance profile: ${subject.profile.error}`);
  else {
    const arn = subject.profile.value.arn;
    if (arn !== pre.instanceProfileArn) {
      if (opts.isolationProfileArn && arn !== opts.isolationProfileArn)
        diffs.push(
          `instance profile is ${arn ?? "none"}: neither the isolation profile nor the recorded ${pre.instanceProfileArn ?? "none"}`,
        );
      if (!arn && pre.instanceProfileArn)
        diffs.push(`instance profile was removed (recorded ${pre.instanceProfileArn})`);
    }
  }

  if (pre.elasticIps.length) {
    if (!subject.allAddresses.ok) diffs.push(`could not list Elastic IPs: ${subject.allAddresses.error}`);
    else
      for (const e of pre.elasticIps) {
        const a = subject.allAddresses.value.find((x) => x.allocationId === e.allocationId);
        if (!a) diffs.push(`Elastic IP ${e.publicIp} (${e.allocationId}) is no longer allocated`);
        else if ((a.networkInterfaceId || a.instanceId) && a.networkInterfaceId !== e.networkInterfaceId)
          diffs.push(
            `Elastic IP ${e.publicIp} (${e.allocationId}) is now associated with ${a.networkInterfaceId ?? a.instanceId}`,
          );
      }
  }

  const asg = pre.autoScalingGroup;
  if (asg) {
    if (!subject.autoScaling.ok)
      diffs.push(`could not read the Auto Scaling membership: ${subject.autoScaling.error}`);
    else {
      const { groupName, lifecycleState } = subject.autoScaling.value;
      if (groupName && groupName !== asg.name)
        diffs.push(`instance is now in Auto Scaling group ${groupName}, not ${asg.name}`);
      else if (asg.mode === "standby" && !groupName)
        diffs.push(`instance is no longer in Auto Scaling group ${asg.name}`);
      else if (groupName && lifecycleState !== "Standby" && lifecycleState !== "InService")
        diffs.push(`instance is ${lifecycleState} in Auto Scaling group ${asg.name}`);
    }
  }
  return diffs;
}

const ec2 = (operation: string, input: Record<string, unknown>): PlannedCall => ({
  service: "ec2",
  operation,
  input,
});
const skip = (name: string, target: string, detail: string): PlannedStep => ({
  name,
  target,
  phase: "early",
  status: "skipped",
  detail,
});
const callStep = (name: string, target: string, call: PlannedCall): PlannedStep => ({
  name,
  target,
  phase: "early",
  call,
});

/** Pure: the sub-steps that put the instance back as recorded (what is back already is skipped). */
export function planRelease(subject: InstanceSubject, pre: PreIsolationState, now: string): PlannedStep[] {
  const id = subject.instanceId;
  const steps: PlannedStep[] = [];
  const current = new Map(subject.interfaces.map((i) => [i.networkInterfaceId, i]));
  for (const r of pre.interfaces) {
    const eni = current.get(r.networkInterfaceId);
    if (!eni) steps.push(skip("network:groups", r.networkInterfaceId, "no longer attached"));
    else if (sameSet(eni.groups, r.groups))
      steps.push(skip("network:groups", r.networkInterfaceId, "already on its recorded groups"));
    else if (r.groups.length === 0)
      steps.push(skip("network:groups", r.networkInterfaceId, "no groups recorded"));
    else
      steps.push(
        callStep(
          "network:groups",
          r.networkInterfaceId,
          ec2("ModifyNetworkInterfaceAttribute", {
            NetworkInterfaceId: r.networkInterfaceId,
            Groups: r.groups,
          }),
        ),
      );
    if (r.publicIp && eni && eni.publicIps.length === 0)
      steps.push({
        ...callStep(
          "network:public-ip",
          r.networkInterfaceId,
          ec2("ModifyNetworkInterfaceAttribute", {
            NetworkInterfaceId: r.networkInterfaceId,
            AssociatePublicIpAddress: true,
          }),
        ),
        data: { note: `a new public IPv4 address is assigned; ${r.publicIp} cannot be given back` },
      });
  }
  for (const i of subject.interfaces)
    if (!pre.interfaces.some((r) => r.networkInterfaceId === i.networkInterfaceId))
      steps.push(skip("network:groups", i.networkInterfaceId, "not recorded at isolation: left as it is"));

  const all = subject.allAddresses.ok ? subject.allAddresses.value : [];
  for (const e of pre.elasticIps) {
    const a = all.find((x) => x.allocationId === e.allocationId);
    if (a?.networkInterfaceId === e.networkInterfaceId && a.privateIp === e.privateIp)
      steps.push(skip("network:elastic-ip", e.allocationId, "already associated as recorded"));
    else if (a?.networkInterfaceId || a?.instanceId)
      steps.push({
        name: "network:elastic-ip",
        target: e.allocationId,
        phase: "early",
        status: "failed",
        detail: `now associated with ${a.networkInterfaceId ?? a.instanceId}: not taken back`,
      });
    else
      steps.push(
        callStep(
          "network:elastic-ip",
          e.allocationId,
          ec2("AssociateAddress", {
            AllocationId: e.allocationId,
            NetworkInterfaceId: e.networkInterfaceId,
            PrivateIpAddress: e.privateIp,
            AllowReassociation: false,
          }),
        ),
      );
  }

  const profile = subject.profile.ok ? subject.profile.value : undefined;
  if (!profile)
    steps.push({
      name: "identity:instance-profile",
      target: id,
      phase: "early",
      status: "failed",
      detail: "profile association unknown",
    });
  else if (profile.arn === pre.instanceProfileArn)
    steps.push(
      skip(
        "identity:instance-profile",
        id,
        pre.instanceProfileArn ? "already on its recorded profile" : "no profile, as recorded",
      ),
    );
  else if (pre.instanceProfileArn)
    steps.push(
      callStep(
        "identity:instance-profile",
        id,
        profile.associationId
          ? ec2("ReplaceIamInstanceProfileAssociation", {
              AssociationId: profile.associationId,
              IamInstanceProfile: { Arn: pre.instanceProfileArn },
            })
          : ec2("AssociateIamInstanceProfile", {
              InstanceId: id,
              IamInstanceProfile: { Arn: pre.instanceProfileArn },
            }),
      ),
    );
  else if (profile.associationId)
    steps.push(
      callStep(
        "identity:instance-profile",
        id,
        ec2("DisassociateIamInstanceProfile", { AssociationId: profile.associationId }),
      ),
    );

  const asg = pre.autoScalingGroup;
  const membership = subject.autoScaling.ok ? subject.autoScaling.value : undefined;
  if (!asg) steps.push(skip("fleet:auto-scaling", id, "not in an Auto Scaling group at isolation"));
  else if (!membership)
    steps.push({
      name: "fleet:auto-scaling",
      target: asg.name,
      phase: "early",
      status: "failed",
      detail: "membership unknown",
    });
  else if (membership.groupName === asg.name && membership.lifecycleState === "InService")
    steps.push(skip("fleet:auto-scaling", asg.name, "already in service"));
  else if (membership.groupName === asg.name && membership.lifecycleState === "Standby")
    steps.push({
      ...callStep("fleet:auto-scaling", asg.name, {
        service: "autoscaling",
        operation: "ExitStandby",
        input: { AutoScalingGroupName: asg.name, InstanceIds: [id] },
      }),
    });
  else if (!membership.groupName && asg.mode === "detach")
    steps.push(
      callStep("fleet:auto-scaling", asg.name, {
        service: "autoscaling",
        operation: "AttachInstances",
        input: { AutoScalingGroupName: asg.name, InstanceIds: [id] },
      }),
    );
  else
    steps.push({
      name: "fleet:auto-scaling",
      target: asg.name,
      phase: "early",
      status: "failed",
      detail:
        `cannot return to ${asg.name} from ${membership.groupName ?? "no group"} ${membership.lifecycleState ?? ""}`.trim(),
    });

  const byGroup = new Map<string, PreIsolationState["targetGroups"]>();
  for (const t of pre.targetGroups)
    byGroup.set(t.targetGroupArn, [...(byGroup.get(t.targetGroupArn) ?? []), t]);
  for (const [arn, targets] of byGroup)
    steps.push(
      callStep("fleet:target-group", arn, {
        service: "elasticloadbalancing",
        operation: "RegisterTargets",
        input: {
          TargetGroupArn: arn,
          Targets: targets.map((t) => ({
            Id: t.targetId ?? id,
            ...(t.port !== undefined ? { Port: t.port } : {}),
            ...(t.availabilityZone ? { AvailabilityZone: t.availabilityZone } : {}),
          })),
        },
      }),
    );

  const p = pre.protection;
  const cur = subject.protection;
  const attr = (name: string, differs: boolean, input: Record<string, unknown>, same: string) =>
    steps.push(
      differs
        ? callStep(name, id, ec2("ModifyInstanceAttribute", { InstanceId: id, ...input }))
        : skip(name, id, same),
    );
  attr(
    "protection:termination",
    cur.disableApiTermination !== p.disableApiTermination,
    { DisableApiTermination: { Value: p.disableApiTermination } },
    "as recorded",
  );
  attr(
    "protection:stop",
    cur.disableApiStop !== (p.disableApiStop ?? false) && cur.disableApiStop !== undefined,
    { DisableApiStop: { Value: p.disableApiStop ?? false } },
    "as recorded",
  );
  attr(
    "protection:shutdown-behavior",
    cur.shutdownBehavior !== p.shutdownBehavior,
    { InstanceInitiatedShutdownBehavior: { Value: p.shutdownBehavior } },
    "as recorded",
  );
  for (const v of pre.volumesDeleteOnTermination) {
    const now = subject.volumes.find((x) => x.volumeId === v.volumeId);
    if (!now) steps.push(skip("protection:delete-on-termination", v.volumeId, "no longer attached"));
    else if (now.deleteOnTermination === v.deleteOnTermination)
      steps.push(skip("protection:delete-on-termination", v.volumeId, "as recorded"));
    else
      steps.push(
        callStep(
          "protection:delete-on-termination",
          v.volumeId,
          ec2("ModifyInstanceAttribute", {
            InstanceId: id,
            BlockDeviceMappings: [
              { DeviceName: now.deviceName, Ebs: { DeleteOnTermination: v.deleteOnTermination } },
            ],
          }),
        ),
      );
  }
  steps.push(
    subject.tags[TAG.state] === "released"
      ? skip("tags:state", id, "already tagged released")
      : callStep(
          "tags:state",
          id,
          ec2("CreateTags", {
            Resources: [id],
            Tags: [
              { Key: TAG.state, Value: "released" },
              { Key: TAG.releasedAt, Value: now },
            ],
          }),
        ),
  );
  if (pre.state === "running" && (subject.state === "stopped" || subject.state === "stopping"))
    steps.push(
      skip(
        "instance:start",
        id,
        `was running at isolation, is ${subject.state} now: start it when ready (release does not start instances)`,
      ),
    );
  return steps;
}

/** Pure: what is not back to the recorded state. */
export function evaluateRelease(rb: Readback, pre: PreIsolationState): Verification {
  const open: string[] = [];
  if (!rb.interfaces.ok) open.push(`could not verify network interfaces: ${rb.interfaces.error}`);
  else
    for (const r of pre.interfaces) {
      const eni = rb.interfaces.value.find((i) => i.networkInterfaceId === r.networkInterfaceId);
      if (eni && !sameSet(eni.groups, r.groups))
        open.push(
          `${r.networkInterfaceId}: security groups ${eni.groups.join(", ")} (recorded ${r.groups.join(", ")})`,
        );
    }
  if (!rb.addresses.ok) open.push(`could not verify Elastic IPs: ${rb.addresses.error}`);
  else
    for (const e of pre.elasticIps)
      if (
        !rb.addresses.value.some(
          (a) => a.allocationId === e.allocationId && a.networkInterfaceId === e.networkInterfaceId,
        )
      )
        open.push(`Elastic IP ${e.publicIp} (${e.allocationId}) not associated with ${e.networkInterfaceId}`);
  if (!rb.profile.ok) open.push(`could not verify the instance profile: ${rb.profile.error}`);
  else if (rb.profile.value.arn !== pre.instanceProfileArn)
    open.push(
      `instance profile ${rb.profile.value.arn ?? "none"} (recorded ${pre.instanceProfileArn ?? "none"})`,
    );
  if (pre.autoScalingGroup) {
    if (!rb.autoScaling.ok) open.push(`could not verify Auto Scaling membership: ${rb.autoScaling.error}`);
    else if (
      rb.autoScaling.value.groupName !== pre.autoScalingGroup.name ||
      rb.autoScaling.value.lifecycleState !== "InService"
    )
      open.push(
        `Auto Scaling group ${pre.autoScalingGroup.name}: instance ${rb.autoScaling.value.groupName ? rb.autoScaling.value.lifecycleState : "not in the group"}`,
      );
  }
  for (const t of pre.targetGroups) {
    const h = rb.targets.find((x) => x.targetGroup.arn === t.targetGroupArn);
    if (!h) continue;
    if (!h.registrations.ok)
      open.push(`could not verify target group ${t.targetGroupArn}: ${h.registrations.error}`);
    else if (
      !h.registrations.value.some(
        (r) =>
          r.id === (t.targetId ?? pre.instanceId) &&
          (t.port === undefined || r.port === t.port) &&
          r.state !== "draining",
      )
    )
      open.push(
        `target group ${t.targetGroupArn}: ${t.targetId ?? pre.instanceId}${t.port !== undefined ? `:${t.port}` : ""} not registered`,
      );
  }
  return { ok: open.length === 0, open };
}

/**
 * Restores an isolated instance from its pre-isolation record and verifies it. Refuses
 * (status `refused`, nothing changed) when the instance changed since isolation, unless
 * `force`. Never throws for an AWS error.
 */
export async function releaseInstance(
  instanceId: string,
  pre: PreIsolationState,
  clients: ContainmentClients,
  opts: ReleaseOptions,
): Promise<ReleaseOutcome> {
  const tracker = new CallTracker();
  const base = { instanceId, steps: [] as ActionResult[], verification: { ok: false, open: [] as string[] } };
  const done = (o: Omit<ReleaseOutcome, "rounds" | "calls">): ReleaseOutcome => ({
    ...o,
    rounds: tracker.rounds,
    calls: tracker.calls,
  });
  const parsed = PreIsolationStateSchema.safeParse(pre);
  if (!parsed.success || pre.instanceId !== instanceId)
    return done({
      ...base,
      status: "refused",
      differences: [
        parsed.success
          ? `the record is of ${pre.instanceId}, not ${instanceId}`
          : `invalid pre-isolation record: ${parsed.error.message}`,
      ],
    });

  const subject = await observeInstance(instanceId, clients, tracker);
  if (!subject.instance.ok)
    return done({
      ...base,
      status: "failed",
      differences: [],
      verification: { ok: false, open: [`instance state unknown: ${subject.instance.error}`] },
    });
  if (!subject.instance.value.exists) return done({ ...base, status: "not-found", differences: [] });
  if (isGone(subject.state)) return done({ ...base, status: "terminated", differences: [] });

  const differences = releaseDifferences(subject, pre, opts);
  if (differences.length && !opts.force) return done({ ...base, status: "refused", differences });

  const steps = planRelease(subject, pre, (opts.now ?? (() => new Date()))().toISOString());
  const results = new Map<PlannedStep, ActionResult>();
  const noGroups = () => ({ ok: false as const, error: "release uses no managed group", unsupported: false });
  await tracker.round(
    steps.map((st) => async (lane) => {
      results.set(st, await execute(lane, clients, st, noGroups, opts.dryRun));
    }),
  );
  const reported = steps.map((st) => results.get(st) as ActionResult);
  if (opts.dryRun)
    return done({
      instanceId,
      status: "dry-run",
      differences,
      steps: reported,
      verification: {
        ok: false,
        open: steps.filter((s) => s.call).map((s) => `to restore: ${formatCall(s.call as PlannedCall)}`),
      },
    });

  const tgs: SubjectTargetGroup[] = [...new Set(pre.targetGroups.map((t) => t.targetGroupArn))].map(
    (arn) => ({
      arn,
      targetType: pre.targetGroups.some((t) => t.targetGroupArn === arn && t.targetId) ? "ip" : "instance",
    }),
  );
  const privateIps = subject.interfaces.flatMap((i) => i.privateIps);
  const reads = verificationReads(clients, instanceId, [], tgs, privateIps);
  await tracker.round(reads.tasks);
  const verification = evaluateRelease(reads.readback(), pre);
  const failed = reported.some((r) => r.status === "failed" || r.status === "unsupported");
  return done({
    instanceId,
    status: verification.ok && !failed ? "released" : "failed",
    differences,
    steps: reported,
    verification,
  });
}
