/**
 * The calls a containment would make, one line each, from the same planner that makes them:
 * for dry runs on an instance read in round 1, and for `responder plan` on what triage read
 * ({@link subjectFromContext}), where every call that depends on what only containment reads
 * says so. Pure.
 */
import type { ResourceContext } from "../domain/types.ts";
import { finalTagStep, type PlanOptions, planContainment, planDeregistrations } from "./contain-plan.ts";
import { roleRules } from "./group-rules.ts";
import {
  candidateTargetGroups,
  type InstanceSubject,
  isGone,
  type ManagedGroup,
  type TargetHealth,
} from "./subject.ts";
import { known } from "./tracker.ts";
import { formatCall, GROUP_NAME, PHASES, type PlannedStep } from "./vocabulary.ts";

/**
 * What a description knows only once containment has read the instance, by step name (the
 * planner's: `protection:termination`, `network:elastic-ip`…; `network:<role>-group` for a
 * managed group's preparation). After a planned call it says when the call is made; in place
 * of a step that the planner cannot plan without the read, it says what containment will do.
 */
export type AtStart = Partial<Record<string, string>>;

/** What else a description is given. */
export interface DescribeOptions {
  /** The registrations read (DescribeTargetHealth); without them, the check that finds them is described. */
  registrations?: TargetHealth[];
  /** See {@link AtStart}. */
  atStart?: AtStart;
}

/** Without the registrations: the check that finds them, or what stands for it. */
function deregistrationCheck(subject: InstanceSubject): PlannedStep[] {
  if (!subject.targetGroups.ok) return planDeregistrations(subject, []);
  const candidates = candidateTargetGroups(subject).length;
  if (candidates === 0) return [];
  return [
    {
      name: "fleet:target-group",
      target: subject.instanceId,
      phase: "deregister",
      detail: `elasticloadbalancing:DeregisterTargets in each of ${candidates} target group(s) where DescribeTargetHealth shows the instance`,
    },
  ];
}

/**
 * Pure: the exact mutating API calls a containment would make for the described instance,
 * in the order it makes them, one line each (for dry runs and `responder plan`). Nothing for
 * an instance that does not exist or is gone.
 */
export function describeContainmentCalls(
  subject: InstanceSubject,
  opts: PlanOptions,
  options: DescribeOptions = {},
): string[] {
  if (!subject.instance.ok || !subject.instance.value.exists || isGone(subject.state)) return [];
  const atStart = options.atStart ?? {};
  const line = (text: string, ...notes: (string | undefined)[]) => {
    const said = notes.filter(Boolean);
    return said.length ? `${text} (${said.join("; ")})` : text;
  };
  const plan = planContainment(subject, opts);
  const lines: string[] = [];
  for (const g of plan.groups) {
    const name = `network:${g.role}-group`;
    if (g.create)
      lines.push(
        line(formatCall(g.create), atStart[name], "or reuse the existing one on InvalidGroup.Duplicate"),
      );
    for (const r of g.rules) lines.push(line(formatCall(r), atStart[name]));
  }
  const dereg = options.registrations
    ? planDeregistrations(subject, options.registrations)
    : deregistrationCheck(subject);
  for (const phase of PHASES) {
    for (const st of [...plan.steps, ...dereg].filter((x) => x.phase === phase)) {
      const note = atStart[st.name];
      if (st.call) lines.push(line(formatCall(st.call), note));
      else if (note && (st.status === "failed" || st.status === "unsupported")) lines.push(note);
      else if (!st.status && st.detail) lines.push(st.detail);
    }
  }
  const tag = finalTagStep(subject, opts, true);
  if (tag.call)
    lines.push(line(formatCall(tag.call), "after verification; isolation-incomplete when it fails"));
  return lines;
}

/** The planner's input made from what triage read, and what only containment will know. */
export interface ContextSubject {
  subject: InstanceSubject;
  atStart: AtStart;
}

/** A value containment reads for itself: unknown until then. */
const readAtStart = (what: string) => ({
  ok: false as const,
  error: `${what} when containment starts`,
  unsupported: false,
});

/**
 * Pure: the description of an instance ({@link InstanceSubject}) made from what triage read
 * about it (its {@link ResourceContext}), for {@link describeContainmentCalls}. What triage
 * does not read stands as a placeholder (`<device of vol-1>`) or is assumed still to be
 * changed (protection off, in service); each call that depends on it says what containment
 * reads first (`atStart`).
 */
export function subjectFromContext(ctx: ResourceContext): ContextSubject {
  const id = ctx.resource.id;
  const vpcId = ctx.vpcId ?? `<VPC of ${id}>`;
  const interfaceIds = ctx.networkInterfaceIds ?? [`<every network interface of ${id}>`];
  const volumeIds = ctx.volumeIds ?? [`<every attached volume of ${id}>`];
  const publicIps = ctx.exposure.publicIps;
  // Present groups are found by tag when containment starts; their rules are checked then.
  const present: ManagedGroup[] = ctx.missingIsolationGroups
    ? (["untracking", "isolation"] as const)
        .filter((role) => !ctx.missingIsolationGroups?.includes(role))
        .map((role) => ({ groupId: `<${GROUP_NAME[role]} of ${vpcId}>`, vpcId, role, ...roleRules(role) }))
    : [];
  const profileArn = ctx.exposure.instanceProfileArn;
  const addresses = publicIps.length
    ? readAtStart(`which of ${publicIps.join(", ")} are Elastic IPs is read`)
    : known([]);
  const subject: InstanceSubject = {
    instanceId: id,
    instance: known({ exists: ctx.exists }),
    ...(ctx.state ? { state: ctx.state } : {}),
    vpcId,
    interfaces: interfaceIds.map((networkInterfaceId) => ({
      networkInterfaceId,
      vpcId,
      groups: [],
      privateIps: [],
      publicIps: [],
    })),
    volumes: volumeIds.map((volumeId) => ({
      deviceName: `<device of ${volumeId}>`,
      volumeId,
      deleteOnTermination: true,
    })),
    // Only tags read from the account: an event's tags never stand for the instance's.
    tags: ctx.accountTags ?? {},
    protection: {},
    profile: known(profileArn ? { arn: profileArn, associationId: `<profile association of ${id}>` } : {}),
    addresses,
    allAddresses: addresses,
    autoScaling: known(
      ctx.autoScalingGroup ? { groupName: ctx.autoScalingGroup, lifecycleState: "InService" } : {},
    ),
    targetGroups: readAtStart("the target groups are read"),
    groups: known(present),
  };
  const unlessAlready = (what: string) => `skipped if ${what} when containment starts`;
  // Triage could not tell which groups the VPC lacks: containment looks for them first.
  const groups = ctx.missingIsolationGroups
    ? {}
    : Object.fromEntries(
        (["untracking", "isolation"] as const).map((role) => [
          `network:${role}-group`,
          `if missing in ${vpcId} when containment starts`,
        ]),
      );
  const atStart: AtStart = {
    ...groups,
    "protection:termination": unlessAlready("already enabled"),
    "protection:stop": unlessAlready("already enabled"),
    "protection:shutdown-behavior": unlessAlready("already stop"),
    "protection:delete-on-termination": unlessAlready("DeleteOnTermination is already false"),
    "network:elastic-ip": `ec2:DisassociateAddress for each of ${publicIps.join(", ")} that is an Elastic IP; ec2:ModifyNetworkInterfaceAttribute AssociatePublicIpAddress=false on the interface of one assigned at launch (DescribeAddresses tells which when containment starts)`,
    "identity:instance-profile": `the deny-all isolation profile of the instance's account, when the responder has one there${profileArn ? `, in place of ${profileArn}` : ""}; no role or profile is edited`,
    "fleet:auto-scaling": unlessAlready("already done (its lifecycle state is read)"),
    "fleet:target-group": `elasticloadbalancing:DeregisterTargets in each target group where DescribeTargetHealth shows the instance (the target groups and registrations are read when containment starts)`,
  };
  return { subject, atStart };
}

/** The placeholders of what a plan cannot know before the incident exists. */
const PLAN_PLACEHOLDERS = {
  incidentId: "<incident id>",
  now: "<time of containment>",
  isolationProfileArn: "<isolation profile>",
} as const;

/**
 * Pure: the calls containing the instance would make, from what triage read about it (for
 * `responder plan`); one line saying so when there is nothing to contain.
 */
export function describeFromContext(
  ctx: ResourceContext,
  params: Pick<PlanOptions, "stopInstance" | "stopProtection" | "asgMode">,
): string[] {
  const { subject, atStart } = subjectFromContext(ctx);
  const lines = describeContainmentCalls(subject, { ...PLAN_PLACEHOLDERS, ...params }, { atStart });
  if (lines.length) return lines;
  return [`(${ctx.resource.id} ${ctx.exists ? `is ${ctx.state}` : "was not found"}: nothing to contain)`];
}
