/**
 * Pure: the pre-isolation record — what release needs to put the instance back — and how a
 * retry keeps the record of the first attempt instead of reading a half-isolated instance.
 */
import type { ContainOptions, PreIsolationState, TargetRecord } from "./record-schema.ts";
import type { InstanceSubject, Registration } from "./subject.ts";
import { TAG } from "./vocabulary.ts";

/** Groups that belong to the responder (either role), in any VPC. */
function responderGroupIds(subject: InstanceSubject): Set<string> {
  return new Set(subject.groups.ok ? subject.groups.value.map((g) => g.groupId) : []);
}

/**
 * Pure: the pre-isolation state to record. With `previous`, that record is kept as it is
 * and only completed with what it does not know (an interface, volume, address or
 * registration that appeared since). Without it, returns `undefined` with a reason when the
 * instance already shows the responder's hand (a responder group on an interface, the
 * isolation profile, the responder's state tag other than `released`): its present state is
 * not its pre-isolation state.
 */
export function recordPreIsolation(
  subject: InstanceSubject,
  registrations: Registration[],
  opts: Pick<ContainOptions, "previous" | "isolationProfileArn" | "asgMode">,
  capturedAt: string,
): { state?: PreIsolationState; note: string } {
  const ours = responderGroupIds(subject);
  const touched = subject.interfaces.filter((i) => i.groups.some((g) => ours.has(g)));
  const eips = new Set(subject.addresses.ok ? subject.addresses.value.map((a) => a.publicIp) : []);
  const fresh: PreIsolationState = {
    instanceId: subject.instanceId,
    capturedAt,
    interfaces: subject.interfaces
      .filter((i) => !touched.includes(i))
      .map((i) => {
        const auto = i.publicIps.find((ip) => !eips.has(ip));
        return {
          networkInterfaceId: i.networkInterfaceId,
          groups: i.groups,
          ...(i.attachmentId ? { attachmentId: i.attachmentId } : {}),
          ...(i.deviceIndex !== undefined ? { deviceIndex: i.deviceIndex } : {}),
          ...(auto ? { publicIp: auto } : {}),
        };
      }),
    ...(subject.profile.ok &&
    subject.profile.value.arn &&
    subject.profile.value.arn !== opts.isolationProfileArn
      ? { instanceProfileArn: subject.profile.value.arn }
      : {}),
    ...(subject.profile.ok &&
    subject.profile.value.associationId &&
    subject.profile.value.arn !== opts.isolationProfileArn
      ? { iamAssociationId: subject.profile.value.associationId }
      : {}),
    elasticIps: subject.addresses.ok
      ? subject.addresses.value
          .filter((a) => a.allocationId && a.networkInterfaceId && a.privateIp)
          .map((a) => ({
            allocationId: a.allocationId as string,
            publicIp: a.publicIp,
            networkInterfaceId: a.networkInterfaceId as string,
            privateIp: a.privateIp as string,
            ...(a.associationId ? { associationId: a.associationId } : {}),
          }))
      : [],
    ...(subject.autoScaling.ok &&
    subject.autoScaling.value.groupName &&
    (subject.autoScaling.value.lifecycleState === "InService" ||
      (opts.asgMode === "detach" && subject.autoScaling.value.lifecycleState === "Standby"))
      ? { autoScalingGroup: { name: subject.autoScaling.value.groupName, mode: opts.asgMode } }
      : {}),
    targetGroups: registrations
      .filter((r) => r.state !== "draining")
      .map(
        (r): TargetRecord => ({
          targetGroupArn: r.targetGroupArn,
          ...(r.port !== undefined ? { port: r.port } : {}),
          ...(r.id !== subject.instanceId ? { targetId: r.id } : {}),
          ...(r.availabilityZone ? { availabilityZone: r.availabilityZone } : {}),
        }),
      ),
    protection: {
      disableApiTermination: subject.protection.disableApiTermination ?? false,
      ...(subject.protection.disableApiStop !== undefined
        ? { disableApiStop: subject.protection.disableApiStop }
        : {}),
      shutdownBehavior: subject.protection.shutdownBehavior ?? "stop",
    },
    volumesDeleteOnTermination: subject.volumes.map((v) => ({ ...v })),
    state: subject.state ?? "unknown",
  };
  const unknowns = [
    subject.protection.disableApiTermination === undefined ? "termination protection" : "",
    subject.protection.shutdownBehavior === undefined ? "shutdown behaviour" : "",
    subject.addresses.ok ? "" : "Elastic IPs",
    subject.profile.ok ? "" : "instance profile",
    subject.autoScaling.ok ? "" : "Auto Scaling group",
  ].filter(Boolean);
  const unknownNote = unknowns.length ? `; could not read (defaults recorded): ${unknowns.join(", ")}` : "";

  const prev = opts.previous;
  if (prev) {
    const has = <T>(list: T[], key: (x: T) => string, x: T) => list.some((y) => key(y) === key(x));
    const eniKey = (i: { networkInterfaceId: string }) => i.networkInterfaceId;
    const volKey = (v: { volumeId: string }) => v.volumeId;
    const eipKey = (e: { allocationId: string }) => e.allocationId;
    const tgKey = (t: TargetRecord) => `${t.targetGroupArn}|${t.targetId ?? ""}|${t.port ?? ""}`;
    const added = {
      interfaces: fresh.interfaces.filter((i) => !has(prev.interfaces, eniKey, i)),
      volumes: fresh.volumesDeleteOnTermination.filter(
        (v) => !has(prev.volumesDeleteOnTermination, volKey, v),
      ),
      eips: fresh.elasticIps.filter((e) => !has(prev.elasticIps, eipKey, e)),
      targets: fresh.targetGroups.filter((t) => !has(prev.targetGroups, tgKey, t)),
    };
    const state: PreIsolationState = {
      ...prev,
      interfaces: [...prev.interfaces, ...added.interfaces],
      volumesDeleteOnTermination: [...prev.volumesDeleteOnTermination, ...added.volumes],
      elasticIps: [...prev.elasticIps, ...added.eips],
      targetGroups: [...prev.targetGroups, ...added.targets],
      ...(prev.autoScalingGroup || !fresh.autoScalingGroup
        ? {}
        : { autoScalingGroup: fresh.autoScalingGroup }),
    };
    const n = added.interfaces.length + added.volumes.length + added.eips.length + added.targets.length;
    return {
      state,
      note: `kept the state recorded at ${prev.capturedAt}${n ? `; added ${n} item(s) that appeared since` : ""}`,
    };
  }
  const signs = [
    touched.length
      ? `interfaces on responder groups: ${touched.map((i) => i.networkInterfaceId).join(", ")}`
      : "",
    opts.isolationProfileArn && subject.profile.ok && subject.profile.value.arn === opts.isolationProfileArn
      ? "already on the isolation profile"
      : "",
    // Released: put back as recorded, its present state is its pre-isolation state again.
    subject.tags[TAG.state] && subject.tags[TAG.state] !== "released"
      ? `tagged ${TAG.state}=${subject.tags[TAG.state]}`
      : "",
  ].filter(Boolean);
  if (signs.length)
    return {
      note: `not recorded: the instance already shows containment (${signs.join("; ")}); its present state is not its pre-isolation state — release with the state recorded by the earlier attempt`,
    };
  return { state: fresh, note: `recorded at ${capturedAt}${unknownNote}` };
}
