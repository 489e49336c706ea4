/**
 * The calls a containment would make, one line each, from the same planner that makes them:
 * for dry runs on an instance read in round 1. Pure.
 */
import { finalTagStep, type PlanOptions, planContainment, planDeregistrations } from "./plan.ts";
import { candidateTargetGroups, type InstanceSubject, isGone, type TargetHealth } from "./subject.ts";
import { formatCall, PHASES, type PlannedStep } from "./vocabulary.ts";

/** What else a description is given. */
export interface DescribeOptions {
  /** The registrations read (DescribeTargetHealth); without them, the check that finds them is described. */
  registrations?: TargetHealth[];
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
  const plan = planContainment(subject, opts);
  const lines: string[] = [];
  for (const g of plan.groups) {
    if (g.create) lines.push(`${formatCall(g.create)} (or reuse the existing one on InvalidGroup.Duplicate)`);
    for (const r of g.rules) lines.push(formatCall(r));
  }
  const dereg = options.registrations
    ? planDeregistrations(subject, options.registrations)
    : deregistrationCheck(subject);
  for (const phase of PHASES) {
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
