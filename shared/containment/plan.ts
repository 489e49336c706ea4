/**
 * The pure core of containment: from the description of an instance (what round 1 read),
 * which API calls isolate it, which are already done, and what to record for release.
 * No I/O. The same plan drives execution, dry runs and `responder plan`.
 */
import type { IpPermission } from "@aws-sdk/client-ec2";
import type { ActionStatus } from "../domain/types.ts";
import type { InstanceSubject, ManagedGroup, Registration, SubjectTargetGroup } from "./observe.ts";
import { candidateTargetGroups } from "./observe.ts";
import {
  type ContainOptions,
  GROUP_DESCRIPTION,
  GROUP_NAME,
  type GroupRole,
  type PreIsolationState,
  TAG,
  type TargetRecord,
} from "./schema.ts";
import type { Known } from "./tracker.ts";

/** IAM-style service prefixes: `${service}:${operation}` is the IAM action the call needs. */
export type Service = "ec2" | "autoscaling" | "elasticloadbalancing";

/** One mutating API call, with its exact input. */
export interface PlannedCall {
  service: Service;
  operation: string;
  input: Record<string, unknown>;
  /**
   * A managed group the call needs, which may not exist yet: its id replaces `GroupId` (or
   * `Groups`) when the call is made.
   */
  groupRef?: { vpcId: string; role: GroupRole };
}

/**
 * When a step runs: `early` right after round 1; `untrack` then `isolate` are the two swaps
 * (after group preparation when a group is missing); `deregister` once target health is
 * known; `stop` with verification; `final` after it.
 */
export type Phase = "early" | "untrack" | "isolate" | "deregister" | "stop" | "final";

/** One sub-step on one target: a call to make, or the reason there is none. */
export interface PlannedStep {
  name: string;
  target: string;
  phase: Phase;
  call?: PlannedCall;
  /** Without a call: `skipped` (nothing to do), `failed`/`unsupported` (blocked by an unknown). */
  status?: ActionStatus;
  detail?: string;
  data?: Record<string, unknown>;
}

/** Preparation of one managed group of one VPC: creation and/or rule changes. */
export interface GroupPreparation {
  vpcId: string;
  role: GroupRole;
  /** The existing group; absent when it has to be created. */
  groupId?: string;
  create?: PlannedCall;
  /** Rule changes that make the group what its role says. */
  rules: PlannedCall[];
}

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

const ALL_V4 = "0.0.0.0/0";
const ALL_V6 = "::/0";

function allTraffic(perms: IpPermission[]): { v4: boolean; v6: boolean } {
  const all = perms.filter((p) => p.IpProtocol === "-1");
  return {
    v4: all.some((p) => (p.IpRanges ?? []).some((r) => r.CidrIp === ALL_V4)),
    v6: all.some((p) => (p.Ipv6Ranges ?? []).some((r) => r.CidrIpv6 === ALL_V6)),
  };
}

function allTrafficPermission(v4: boolean, v6: boolean): IpPermission {
  return {
    IpProtocol: "-1",
    ...(v4 ? { IpRanges: [{ CidrIp: ALL_V4 }] } : {}),
    ...(v6 ? { Ipv6Ranges: [{ CidrIpv6: ALL_V6 }] } : {}),
  };
}

/** A described rule as a revoke input: empty lists dropped, group pairs by id. */
function revocable(p: IpPermission): IpPermission {
  const out: IpPermission = { IpProtocol: p.IpProtocol };
  if (p.FromPort !== undefined) out.FromPort = p.FromPort;
  if (p.ToPort !== undefined) out.ToPort = p.ToPort;
  if (p.IpRanges?.length) out.IpRanges = p.IpRanges.map((r) => ({ CidrIp: r.CidrIp }));
  if (p.Ipv6Ranges?.length) out.Ipv6Ranges = p.Ipv6Ranges.map((r) => ({ CidrIpv6: r.CidrIpv6 }));
  if (p.PrefixListIds?.length)
    out.PrefixListIds = p.PrefixListIds.map((r) => ({ PrefixListId: r.PrefixListId }));
  if (p.UserIdGroupPairs?.length)
    out.UserIdGroupPairs = p.UserIdGroupPairs.map((g) => ({
      GroupId: g.GroupId,
      ...(g.UserId ? { UserId: g.UserId } : {}),
    }));
  return out;
}

/**
 * Pure: the rule changes that make a group what its role says. `rules` undefined: a group
 * just created, with only the default egress rule (all IPv4, and all IPv6 in an IPv6 VPC).
 * Untracking: all traffic in and out, IPv4 and IPv6. Isolation: no rule at all.
 */
export function ruleChanges(
  role: GroupRole,
  groupId: string,
  rules?: { ingress: IpPermission[]; egress: IpPermission[] },
): PlannedCall[] {
  const calls: PlannedCall[] = [];
  const call = (operation: string, perms: IpPermission[]): PlannedCall => ({
    service: "ec2",
    operation,
    input: { GroupId: groupId, IpPermissions: perms },
  });
  if (role === "untracking") {
    const inn = rules ? allTraffic(rules.ingress) : { v4: false, v6: false };
    const out = rules ? allTraffic(rules.egress) : { v4: true, v6: false };
    if (!inn.v4 || !inn.v6)
      calls.push(call("AuthorizeSecurityGroupIngress", [allTrafficPermission(!inn.v4, !inn.v6)]));
    if (!out.v4 || !out.v6)
      calls.push(call("AuthorizeSecurityGroupEgress", [allTrafficPermission(!out.v4, !out.v6)]));
    return calls;
  }
  if (!rules) return [call("RevokeSecurityGroupEgress", [allTrafficPermission(true, true)])];
  if (rules.ingress.length) calls.push(call("RevokeSecurityGroupIngress", rules.ingress.map(revocable)));
  if (rules.egress.length) calls.push(call("RevokeSecurityGroupEgress", rules.egress.map(revocable)));
  return calls;
}

/** Pure: the CreateSecurityGroup call of a managed group. */
export function createGroupCall(vpcId: string, role: GroupRole): PlannedCall {
  return {
    service: "ec2",
    operation: "CreateSecurityGroup",
    input: {
      VpcId: vpcId,
      GroupName: GROUP_NAME[role],
      Description: GROUP_DESCRIPTION[role],
      TagSpecifications: [
        {
          ResourceType: "security-group",
          Tags: [
            { Key: TAG.role, Value: role },
            { Key: TAG.managed, Value: "true" },
            { Key: "Name", Value: GROUP_NAME[role] },
          ],
        },
      ],
    },
  };
}

/** The VPCs of the instance's interfaces (the instance's own VPC when they say none). */
export function vpcsOf(subject: InstanceSubject): string[] {
  const vpcs = new Set<string>();
  for (const i of subject.interfaces) if (i.vpcId) vpcs.add(i.vpcId);
  if (vpcs.size === 0 && subject.vpcId) vpcs.add(subject.vpcId);
  return [...vpcs];
}

/** The managed group of a role in a VPC, when it exists (the first found, oldest name wins ties). */
export function managedGroup(
  groups: ManagedGroup[],
  vpcId: string,
  role: GroupRole,
): ManagedGroup | undefined {
  return groups
    .filter((g) => g.vpcId === vpcId && g.role === role)
    .sort((a, b) => a.groupId.localeCompare(b.groupId))[0];
}

/** Pure: what must happen to the managed groups of these VPCs before interfaces can move to them. */
export function planVpcGroups(vpcIds: string[], found: ManagedGroup[]): GroupPreparation[] {
  const out: GroupPreparation[] = [];
  for (const vpcId of vpcIds) {
    for (const role of ["untracking", "isolation"] as const) {
      const g = managedGroup(found, vpcId, role);
      if (g) {
        const rules = ruleChanges(role, g.groupId, g);
        if (rules.length) out.push({ vpcId, role, groupId: g.groupId, rules });
      } else {
        // Not found (or the lookup failed): create it; a duplicate is then found by name.
        out.push({
          vpcId,
          role,
          create: createGroupCall(vpcId, role),
          rules: ruleChanges(role, `<new ${role} group>`),
        });
      }
    }
  }
  return out;
}

/** Pure: what must happen to the managed groups of the instance's VPCs before the swaps. */
export function planGroups(subject: InstanceSubject): GroupPreparation[] {
  return planVpcGroups(vpcsOf(subject), subject.groups.ok ? subject.groups.value : []);
}

const ec2Call = (operation: string, input: Record<string, unknown>): PlannedCall => ({
  service: "ec2",
  operation,
  input,
});

const skip = (name: string, target: string, phase: Phase, detail: string): PlannedStep => ({
  name,
  target,
  phase,
  status: "skipped",
  detail,
});

const blockedStep = (
  name: string,
  target: string,
  phase: Phase,
  what: string,
  k: { error: string; unsupported: boolean },
): PlannedStep => ({
  name,
  target,
  phase,
  status: k.unsupported ? "unsupported" : "failed",
  detail: `${what}: ${k.error}`,
});

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

/** Auto Scaling lifecycle states in which the group no longer counts on (or replaces) the instance. */
export const OUT_OF_SERVICE_STATES = new Set(["Standby", "EnteringStandby", "Detaching", "Detached"]);

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

function tagStep(s: InstanceSubject, opts: PlanOptions): PlannedStep {
  const name = "tags:incident";
  const held = s.tags[TAG.incidentId];
  if (held && held !== opts.incidentId)
    return skip(name, s.instanceId, "early", `already tagged by incident ${held}: tags left unchanged`);
  const tags: { Key: string; Value: string }[] = [];
  if (held !== opts.incidentId) tags.push({ Key: TAG.incidentId, Value: opts.incidentId });
  const state = s.tags[TAG.state];
  if (state !== "isolated" && state !== "isolating") tags.push({ Key: TAG.state, Value: "isolating" });
  if (!s.tags[TAG.isolatedAt]) tags.push({ Key: TAG.isolatedAt, Value: opts.now });
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
 * alone when another incident holds the instance.
 */
export function finalTagStep(
  subject: InstanceSubject,
  opts: Pick<PlanOptions, "incidentId">,
  verified: boolean,
): PlannedStep {
  const name = "tags:state";
  const held = subject.tags[TAG.incidentId];
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
export function planDeregistrations(
  subject: InstanceSubject,
  health: { targetGroup: SubjectTargetGroup; registrations: Known<Registration[]> }[],
): PlannedStep[] {
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
  if (steps.length === 0)
    steps.push(skip(name, subject.instanceId, "deregister", "not registered in any target group"));
  return steps;
}

function formatValue(v: unknown): string {
  if (Array.isArray(v) && v.every((x) => typeof x !== "object" || x === null)) return `[${v.join(",")}]`;
  if (typeof v === "object" && v !== null) return JSON.stringify(v);
  return String(v);
}

/** One call as a readable line: `ec2:ModifyNetworkInterfaceAttribute NetworkInterfaceId=eni-1 Groups=[sg-2]`. */
export function formatCall(call: PlannedCall): string {
  const params = Object.entries(call.input)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${formatValue(v)}`);
  return [`${call.service}:${call.operation}`, ...params].join(" ");
}

/**
 * Pure: the exact mutating API calls a containment would make for the described instance,
 * in order, one line each (for dry runs and `responder plan`). Without `registrations`, the
 * target-group deregistrations are described by the check that finds them.
 */
export function describeContainmentCalls(
  subject: InstanceSubject,
  opts: PlanOptions,
  registrations?: { targetGroup: SubjectTargetGroup; registrations: Known<Registration[]> }[],
): string[] {
  if (!subject.instance.ok || !subject.instance.value.exists || isGone(subject.state)) return [];
  const plan = planContainment(subject, opts);
  const lines: string[] = [];
  for (const g of plan.groups) {
    if (g.create) lines.push(`${formatCall(g.create)} (or reuse the existing one on InvalidGroup.Duplicate)`);
    for (const r of g.rules) lines.push(formatCall(r));
  }
  const dereg = registrations
    ? planDeregistrations(subject, registrations)
    : candidateTargetGroups(subject).length
      ? [
          {
            name: "fleet:target-group",
            target: subject.instanceId,
            phase: "deregister" as const,
            detail: `elasticloadbalancing:DeregisterTargets in each of ${candidateTargetGroups(subject).length} target group(s) where DescribeTargetHealth shows the instance`,
          },
        ]
      : [];
  for (const phase of ["early", "untrack", "isolate", "deregister", "stop", "final"] as const) {
    for (const st of [...plan.steps, ...dereg].filter((x) => x.phase === phase)) {
      if (st.call) lines.push(formatCall(st.call));
      else if (!st.status && st.detail) lines.push(st.detail);
    }
  }
  const tag = finalTagStep(subject, opts, true);
  if (tag.call)
    lines.push(`${formatCall(tag.call)} (after verification; isolation-incomplete when it fails)`);
  return lines;
}

/** True for instances that are gone or going: nothing to contain. */
export function isGone(state: string | undefined): boolean {
  return state === "terminated" || state === "shutting-down";
}

/** Groups that belong to the responder (either role), in any VPC. */
export function responderGroupIds(subject: InstanceSubject): Set<string> {
  return new Set(subject.groups.ok ? subject.groups.value.map((g) => g.groupId) : []);
}

/**
 * Pure: the pre-isolation state to record. With `previous`, that record is kept as it is
 * and only completed with what it does not know (an interface, volume, address or
 * registration that appeared since). Without it, returns `undefined` with a reason when the
 * instance already shows the responder's hand (a responder group on an interface, the
 * isolation profile, the responder's tags): its present state is not its pre-isolation state.
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
    subject.tags[TAG.state] ? `tagged ${TAG.state}=${subject.tags[TAG.state]}` : "",
  ].filter(Boolean);
  if (signs.length)
    return {
      note: `not recorded: the instance already shows containment (${signs.join("; ")}); its present state is not its pre-isolation state — release with the state recorded by the earlier attempt`,
    };
  return { state: fresh, note: `recorded at ${capturedAt}${unknownNote}` };
}
