/**
 * Escalation, as a pure decision: a finding that joins an open incident (or a newer version of
 * its own finding) is decided on its own, and the incident's decision becomes the union of
 * both — the higher impact, every action either asks for, every instance either names. A
 * later finding can only add to the response, never take from it; the reasons say what grew.
 */
import type { Impact, Plan, PlannedAction, Tier } from "../domain/types.ts";

const TIER_RANK: Record<Tier, number> = { low: 0, medium: 1, high: 2, critical: 3 };

/** The decision an incident holds, or that a finding asks for. */
export interface Decision {
  impact: Impact;
  plan: Plan;
}

/** The merged decision, and what grew (empty when the incident already covers the finding). */
export interface Escalated extends Decision {
  /** Why the response grew, for the timeline and the `escalated` alert. */
  reasons: string[];
  /** Actions whose lanes must run (again) for the new decision: added, or given new targets. */
  changed: string[];
}

/** The instances an action acts on: its targets, or the decision's instances when it names none. */
function targetsOf(action: PlannedAction | undefined, instances: readonly string[]): string[] {
  return action?.targets ? [...action.targets] : [...instances];
}

/**
 * Merges the decision for a new finding into the incident's.
 * @param current the incident's decision, with the instances its findings named.
 * @param next the new finding's own decision, with the instances it names.
 */
export function escalate(
  current: Decision & {
    instances: readonly string[];
    /** Actions a person denied: they wait for a new decision rather than run on the new finding. */
    denied?: readonly string[];
  },
  next: Decision & { instances: readonly string[] },
): Escalated {
  const reasons: string[] = [];
  const changed: string[] = [];
  const higher = TIER_RANK[next.impact.tier] > TIER_RANK[current.impact.tier];
  const impact = higher || next.impact.score > current.impact.score ? next.impact : current.impact;
  if (higher)
    reasons.push(`impact ${current.impact.tier} → ${next.impact.tier} (score ${next.impact.score})`);

  const actions = current.plan.actions.map((a) => structuredClone(a));
  for (const wanted of next.plan.actions) {
    const have = actions.find((a) => a.name === wanted.name);
    if (!have) {
      actions.push(structuredClone(wanted));
      if (wanted.name !== "notify") {
        changed.push(wanted.name);
        reasons.push(`${wanted.name} added${wanted.requiresApproval ? " (waits for approval)" : ""}`);
      }
      continue;
    }
    if (wanted.name !== "contain-instance") continue;
    const old = targetsOf(have, current.instances);
    const added = targetsOf(wanted, next.instances).filter((id) => !old.includes(id));
    if (added.length) {
      have.targets = [...old, ...added];
      // Instances the new finding names only by a role session keep their claim to check.
      for (const id of added) {
        const role = wanted.sessionRoles?.[id];
        if (role) have.sessionRoles = { ...have.sessionRoles, [id]: role };
      }
      changed.push(have.name);
      reasons.push(`${have.name}: also ${added.join(", ")}`);
    }
    // The response may grow, never shrink: a wait for approval ends when the new finding's own
    // decision contains without one. A person's denial is not overruled by a machine: the
    // grown action waits for a person again.
    if (current.denied?.includes(have.name)) {
      if (added.length) {
        have.requiresApproval = true;
        reasons.push(`${have.name} was denied before: it waits for a new decision`);
      }
    } else if (have.requiresApproval && !wanted.requiresApproval) {
      have.requiresApproval = false;
      if (!changed.includes(have.name)) changed.push(have.name);
      reasons.push(`${have.name} no longer waits for approval: the new finding's decision contains at once`);
    }
  }
  const notes = [...current.plan.notes, ...next.plan.notes.filter((n) => !current.plan.notes.includes(n))];
  const playbook =
    changed.length && !current.plan.playbook.split(" + ").includes(next.plan.playbook)
      ? `${current.plan.playbook} + ${next.plan.playbook}`
      : current.plan.playbook;
  return { impact, plan: { playbook, actions, notes }, reasons, changed };
}
