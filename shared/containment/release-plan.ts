/**
 * Release, the pure part: how the instance differs from what containment left (reasons to
 * refuse), the sub-steps that put it back as recorded, and what is not back once they are
 * made. No I/O: ./release.ts reads the instance, makes the calls and reads it back.
 */
import type { PreIsolationState, ReleaseOptions, Verification } from "./record-schema.ts";
import type { InstanceSubject, Readback } from "./subject.ts";
import { ec2Call, type PlannedCall, type PlannedStep, skipStep, TAG } from "./vocabulary.ts";

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
        diffs.push(
          `instance is ${lifecycleState ?? "in an unknown state"} in Auto Scaling group ${asg.name}`,
        );
    }
  }
  return diffs;
}

const ec2 = ec2Call;
const skip = (name: string, target: string, detail: string): PlannedStep =>
  skipStep(name, target, "early", detail);
const callStep = (name: string, target: string, call: PlannedCall): PlannedStep => ({
  name,
  target,
  phase: "early",
  call,
});
/** The call that puts one recorded thing back, or why there is none (`skipped`). */
const restore = (name: string, target: string, skipped: string | undefined, call: () => PlannedCall) =>
  skipped ? skip(name, target, skipped) : callStep(name, target, call());

/** Pure: the sub-steps that put the instance back as recorded (what is back already is skipped). */
export function planRelease(subject: InstanceSubject, pre: PreIsolationState, now: string): PlannedStep[] {
  const id = subject.instanceId;
  const steps: PlannedStep[] = [];
  const current = new Map(subject.interfaces.map((i) => [i.networkInterfaceId, i]));
  for (const r of pre.interfaces) {
    const eni = current.get(r.networkInterfaceId);
    const skipped = !eni
      ? "no longer attached"
      : sameSet(eni.groups, r.groups)
        ? "already on its recorded groups"
        : r.groups.length === 0
          ? "no groups recorded"
          : undefined;
    steps.push(
      restore("network:groups", r.networkInterfaceId, skipped, () =>
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
    const skipped = !now
      ? "no longer attached"
      : now.deleteOnTermination === v.deleteOnTermination
        ? "as recorded"
        : undefined;
    steps.push(
      restore("protection:delete-on-termination", v.volumeId, skipped, () =>
        ec2("ModifyInstanceAttribute", {
          InstanceId: id,
          BlockDeviceMappings: [
            { DeviceName: now?.deviceName, Ebs: { DeleteOnTermination: v.deleteOnTermination } },
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
