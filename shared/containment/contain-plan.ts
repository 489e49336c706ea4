/**
 * The pure core of containment: from the description of an instance (what round 1 read),
 * which API calls isolate it and which are already done. No I/O. The same plan drives
 * execution, dry runs and `responder plan` (./describe.ts).
 */
import { type GroupPreparation, managedGroup, planGroups } from "./group-rules.ts";
import type { ContainOptions } from "./record-schema.ts";
import {
  type InstanceSubject,
  OUT_OF_SERVICE_STATES,
  type TargetHealth,
  uncheckedTargetGroups,
} from "./subject.ts";
import {
  blockedStep,
  ec2Call,
  GROUP_NAME,
  type GroupRole,
  type PlannedCall,
  type PlannedStep,
  skipStep as skip,
  TAG,
} from "./vocabulary.ts";

export interface ContainmentPlan {
  groups: GroupPreparation[];
  steps: PlannedStep[];
}

/** The options the planner uses. */
export type PlanOptions = Pick<
  ContainOptions,
  "incidentId" | "isolationProfileArn" | "stopInstance" | "stopProtection" | "asgMode"
> & {
  /** ISO time written in the `isolated-at` tag. */
  now: string;
};

function protectionSteps(s: InstanceSubject, opts: PlanOptions): PlannedStep[] {
  const id = s.instanceId;
  const steps: PlannedStep[] = [];
  steps.push(
    s.protection.disableApiTermination === true
      ? skip("protection:termination", id, "early", "termination protection already enabled")
      : {
          name: "protection:termination",
          target: id,
          phase: "early",
          call: ec2Call("ModifyInstanceAttribute", {
            InstanceId: id,
            DisableApiTermination: { Value: true },
          }),
        },
  );
  if (!opts.stopProtection) steps.push(skip("protection:stop", id, "early", "stop protection not requested"));
  else if (s.protection.disableApiStop === true)
    steps.push(skip("protection:stop", id, "early", "stop protection already enabled"));
  else
    steps.push({
      name: "protection:stop",
      target: id,
      // Stop protection would refuse the responder's own StopInstances: enable it after.
      phase: opts.stopInstance && !isStopped(s.state) ? "final" : "early",
      call: ec2Call("ModifyInstanceAttribute", { InstanceId: id, DisableApiStop: { Value: true } }),
    });
  steps.push(
    s.protection.shutdownBehavior === "stop"
      ? skip("protection:shutdown-behavior", id, "early", "shutdown behaviour already stop")
      : {
          name: "protection:shutdown-behavior",
          target: id,
          phase: "early",
          call: ec2Call("ModifyInstanceAttribute", {
            InstanceId: id,
            InstanceInitiatedShutdownBehavior: { Value: "stop" },
          }),
        },
  );
  for (const v of s.volumes) {
    steps.push(
      v.deleteOnTermination
        ? {
            name: "protection:delete-on-termination",
            target: v.volumeId,
            phase: "early",
            call: ec2Call("ModifyInstanceAttribute", {
              InstanceId: id,
              BlockDeviceMappings: [{ DeviceName: v.deviceName, Ebs: { DeleteOnTermination: false } }],
            }),
            data: { deviceName: v.deviceName },
          }
        : skip(
            "protection:delete-on-termination",
            v.volumeId,
            "early",
            `${v.deviceName}: DeleteOnTermination already false`,
          ),
    );
  }
  return steps;
}

function isStopped(state: string | undefined): boolean {
  return state === "stopped" || state === "stopping";
}

function networkSteps(s: InstanceSubject): PlannedStep[] {
  const steps: PlannedStep[] = [];
  const found = s.groups.ok ? s.groups.value : [];
  for (const eni of s.interfaces) {
    const vpcId = eni.vpcId ?? s.vpcId ?? "";
    const iso = managedGroup(found, vpcId, "isolation")?.groupId;
    const untr = managedGroup(found, vpcId, "untracking")?.groupId;
    const only = (g: string | undefined) => g !== undefined && eni.groups.length === 1 && eni.groups[0] === g;
    const swap = (role: GroupRole, groupId: string | undefined): PlannedCall => ({
      service: "ec2",
      operation: "ModifyNetworkInterfaceAttribute",
      input: {
        NetworkInterfaceId: eni.networkInterfaceId,
        Groups: [groupId ?? `<${GROUP_NAME[role]} of ${vpcId}>`],
      },
      groupRef: { vpcId, role },
    });
    const data = { previousGroups: eni.groups, vpcId };
    if (only(iso)) {
      steps.push(
        skip("network:untracking", eni.networkInterfaceId, "untrack", "already on the isolation group only"),
      );
      steps.push(skip("network:isolation", eni.networkInterfaceId, "isolate", `already on ${iso} only`));
      continue;
    }
    steps.push(
      only(untr)
        ? skip("network:untracking", eni.networkInterfaceId, "untrack", `already on ${untr} only`)
        : {
            name: "network:untracking",
            target: eni.networkInterfaceId,
            phase: "untrack",
            call: swap("untracking", untr),
            data,
          },
    );
    steps.push({
      name: "network:isolation",
      target: eni.networkInterfaceId,
      phase: "isolate",
      call: swap("isolation", iso),
      data,
    });
  }
  if (!s.addresses.ok) {
    steps.push(
      blockedStep("network:elastic-ip", s.instanceId, "early", "could not list Elastic IPs", s.addresses),
    );
    return steps;
  }
  const eips = s.addresses.value.filter((a) => a.associationId);
  for (const a of eips)
    steps.push({
      name: "network:elastic-ip",
      target: a.allocationId ?? a.publicIp,
      phase: "early",
      call: ec2Call("DisassociateAddress", { AssociationId: a.associationId }),
      data: { publicIp: a.publicIp, networkInterfaceId: a.networkInterfaceId, privateIp: a.privateIp },
    });
  if (eips.length === 0)
    steps.push(skip("network:elastic-ip", s.instanceId, "early", "no Elastic IP associated"));
  // Public addresses that are not Elastic IPs were assigned at launch: only the primary interface has one.
  const eipIps = new Set(s.addresses.value.map((a) => a.publicIp));
  for (const eni of s.interfaces) {
    const auto = eni.publicIps.filter((ip) => !eipIps.has(ip));
    if (auto.length === 0) continue;
    steps.push({
      name: "network:public-ip",
      target: eni.networkInterfaceId,
      phase: "early",
      call: ec2Call("ModifyNetworkInterfaceAttribute", {
        NetworkInterfaceId: eni.networkInterfaceId,
        AssociatePublicIpAddress: false,
      }),
      data: { publicIps: auto },
    });
  }
  return steps;
}

function identityStep(s: InstanceSubject, opts: PlanOptions): PlannedStep {
  const name = "identity:instance-profile";
  const id = s.instanceId;
  if (!opts.isolationProfileArn)
    return skip(
      name,
      id,
      "early",
      "no isolation instance profile configured (ISOLATION_PROFILE_ARN): identity left as is",
    );
  if (!s.profile.ok)
    return blockedStep(name, id, "early", "could not read the profile association", s.profile);
  const current = s.profile.value;
  if (current.arn === opts.isolationProfileArn)
    return skip(name, id, "early", "already on the isolation profile");
  const arn = { Arn: opts.isolationProfileArn };
  return {
    name,
    target: id,
    phase: "early",
    call: current.associationId
      ? ec2Call("ReplaceIamInstanceProfileAssociation", {
          AssociationId: current.associationId,
          IamInstanceProfile: arn,
        })
      : ec2Call("AssociateIamInstanceProfile", { InstanceId: id, IamInstanceProfile: arn }),
    data: { previousProfileArn: current.arn ?? null },
  };
}

function fleetStep(s: InstanceSubject, opts: PlanOptions): PlannedStep {
  const name = "fleet:auto-scaling";
  if (!s.autoScaling.ok)
    return blockedStep(
      name,
      s.instanceId,
      "early",
      "could not read the Auto Scaling membership",
      s.autoScaling,
    );
  const { groupName, lifecycleState } = s.autoScaling.value;
  if (!groupName) return skip(name, s.instanceId, "early", "not in an Auto Scaling group");
  const input = {
    AutoScalingGroupName: groupName,
    InstanceIds: [s.instanceId],
    ShouldDecrementDesiredCapacity: true,
  };
  const call = (operation: string): PlannedStep => ({
    name,
    target: groupName,
    phase: "early",
    call: { service: "autoscaling", operation, input },
    data: { lifecycleState },
  });
  if (opts.asgMode === "detach") {
    if (lifecycleState === "InService" || lifecycleState === "Standby") return call("DetachInstances");
    if (lifecycleState === "Detaching") return skip(name, groupName, "early", "already detaching");
  } else {
    if (lifecycleState === "InService") return call("EnterStandby");
    if (lifecycleState && OUT_OF_SERVICE_STATES.has(lifecycleState))
      return skip(name, groupName, "early", `already out of service (${lifecycleState})`);
  }
  return {
    name,
    target: groupName,
    phase: "early",
    status: "failed",
    detail: `cannot ${opts.asgMode === "detach" ? "detach" : "enter standby"} from lifecycle state ${lifecycleState ?? "unknown"}`,
  };
}

/** The incident that holds the instance: the one its tags name, unless that incident released it. */
function holder(tags: Record<string, string>): string | undefined {
  return tags[TAG.state] === "released" ? undefined : tags[TAG.incidentId];
}

function tagStep(s: InstanceSubject, opts: PlanOptions): PlannedStep {
  const name = "tags:incident";
  const held = holder(s.tags);
  if (held && held !== opts.incidentId)
    return skip(name, s.instanceId, "early", `already tagged by incident ${held}: tags left unchanged`);
  const tags: { Key: string; Value: string }[] = [];
  if (s.tags[TAG.incidentId] !== opts.incidentId) tags.push({ Key: TAG.incidentId, Value: opts.incidentId });
  const state = s.tags[TAG.state];
  if (state !== "isolated" && state !== "isolating") tags.push({ Key: TAG.state, Value: "isolating" });
  // A released instance keeps the isolation time of its earlier containment: this one is new.
  if (!s.tags[TAG.isolatedAt] || state === "released") tags.push({ Key: TAG.isolatedAt, Value: opts.now });
  if (tags.length === 0) return skip(name, s.instanceId, "early", "already tagged");
  return {
    name,
    target: s.instanceId,
    phase: "early",
    call: ec2Call("CreateTags", { Resources: [s.instanceId], Tags: tags }),
  };
}

function stopStep(s: InstanceSubject, opts: PlanOptions): PlannedStep {
  if (!opts.stopInstance)
    return skip("instance:stop", s.instanceId, "stop", "not requested: memory evidence kept");
  if (isStopped(s.state)) return skip("instance:stop", s.instanceId, "stop", `already ${s.state}`);
  return {
    name: "instance:stop",
    target: s.instanceId,
    phase: "stop",
    call: ec2Call("StopInstances", { InstanceIds: [s.instanceId] }),
  };
}

/**
 * Pure: the last tag, once verification has spoken: `isolated` only when verified. Left
 * alone when another incident holds the instance (and has not released it).
 */
export function finalTagStep(
  subject: InstanceSubject,
  opts: Pick<PlanOptions, "incidentId">,
  verified: boolean,
): PlannedStep {
  const name = "tags:state";
  const held = holder(subject.tags);
  if (held && held !== opts.incidentId)
    return skip(name, subject.instanceId, "final", `already tagged by incident ${held}: tags left unchanged`);
  const value = verified ? "isolated" : "isolation-incomplete";
  if (subject.tags[TAG.state] === value)
    return skip(name, subject.instanceId, "final", `already tagged ${value}`);
  return {
    name,
    target: subject.instanceId,
    phase: "final",
    call: ec2Call("CreateTags", {
      Resources: [subject.instanceId],
      Tags: [{ Key: TAG.state, Value: value }],
    }),
  };
}

/** Pure: every sub-step of containing the described instance, except target-group deregistration. */
export function planContainment(subject: InstanceSubject, opts: PlanOptions): ContainmentPlan {
  return {
    groups: planGroups(subject),
    steps: [
      ...protectionSteps(subject, opts),
      ...networkSteps(subject),
      identityStep(subject, opts),
      fleetStep(subject, opts),
      tagStep(subject, opts),
      stopStep(subject, opts),
    ],
  };
}

/**
 * Pure: the deregistration steps, once the registrations are known (one DeregisterTargets
 * per target group, with every registration of the instance in it).
 */
export function planDeregistrations(subject: InstanceSubject, health: TargetHealth[]): PlannedStep[] {
  const name = "fleet:target-group";
  if (!subject.targetGroups.ok)
    return [
      blockedStep(
        name,
        subject.instanceId,
        "deregister",
        "could not list target groups",
        subject.targetGroups,
      ),
    ];
  const steps: PlannedStep[] = [];
  for (const { targetGroup, registrations } of health) {
    if (!registrations.ok) {
      steps.push(
        blockedStep(name, targetGroup.arn, "deregister", "could not read target health", registrations),
      );
      continue;
    }
    const live = registrations.value.filter((r) => r.state !== "draining");
    if (registrations.value.length && live.length === 0) {
      steps.push(skip(name, targetGroup.arn, "deregister", "already draining"));
      continue;
    }
    if (live.length === 0) continue;
    steps.push({
      name,
      target: targetGroup.arn,
      phase: "deregister",
      call: {
        service: "elasticloadbalancing",
        operation: "DeregisterTargets",
        input: {
          TargetGroupArn: targetGroup.arn,
          Targets: live.map((r) => ({
            Id: r.id,
            ...(r.port !== undefined ? { Port: r.port } : {}),
            ...(r.availabilityZone ? { AvailabilityZone: r.availabilityZone } : {}),
          })),
        },
      },
      data: { states: live.map((r) => `${r.id}:${r.port ?? ""} ${r.state}`) },
    });
  }
  // Groups the bounds left unchecked may still route to the instance: said, never passed over.
  const unchecked = uncheckedTargetGroups(subject);
  if (unchecked)
    steps.push(
      blockedStep(name, subject.instanceId, "deregister", "not every target group was checked", {
        error: unchecked,
        unsupported: false,
      }),
    );
  if (steps.length === 0)
    steps.push(skip(name, subject.instanceId, "deregister", "not registered in any target group"));
  return steps;
}
