/**
 * Chooses the response plan: the first matching playbook of the policy, then the safety
 * rails (protected resources, missing resources, instances per finding, clean-room tiers).
 * Every change the rails make to the playbook is written as a note on the plan.
 */

import { paramsOf } from "../actions/index.ts";
import type {
  Finding,
  Impact,
  Plan,
  PlannedAction,
  ProtectedResource,
  ResourceContext,
} from "../domain/types.ts";
import { selectPlaybook } from "../policy/match.ts";
import type { Policy } from "../policy/policy-schema.ts";
import { applyPrincipalRails } from "../principal/rails.ts";
import { isProtected, resourceRef } from "./safety.ts";

/** The playbook name on a plan when no playbook of the policy matched. */
export const NO_PLAYBOOK = "(no matching playbook)";

/** Instance states in which the instance is gone or going. */
const GONE_STATES = new Set(["terminated", "shutting-down"]);

export interface ChoosePlanInput {
  finding: Finding;
  impact: Impact;
  contexts: ResourceContext[];
  policy: Policy;
}

/**
 * Picks the first playbook whose match holds and applies the safety rails:
 * - a protected instance, or one not found or terminated, is never contained (and never
 *   stopped); contain-instance is dropped when no instance is left, and narrowed to the
 *   remaining ones (`targets`) otherwise; protected instances are listed in `plan.protected`
 *   (never a quiet skip);
 * - when the finding names more instances than `settings.maxInstancesPerFinding`,
 *   contain-instance requires approval (the hourly cap is applied once its slots are reserved:
 *   triage/circuit.ts);
 * - a Security Hub finding from a product that is not AWS's own makes every action but
 *   notify require approval (`settings.securityHub.thirdPartyRequiresApproval`);
 * - launch-cleanroom is dropped for tiers outside `settings.cleanroom.tiers`;
 * - capture-snapshots and launch-cleanroom are dropped when no disk of the finding exists.
 * With no matching playbook the plan is alert only.
 */
export function choosePlan(input: ChoosePlanInput): Plan {
  const { finding, impact, contexts, policy } = input;
  const playbook = selectPlaybook(policy, { finding, impact, contexts });
  const notes: string[] = [];
  if (!playbook) {
    notes.push("no playbook matched: alert only");
    return {
      playbook: NO_PLAYBOOK,
      actions: [{ name: "notify", params: {}, requiresApproval: false }],
      notes,
    };
  }

  const actions: PlannedAction[] = [];
  const protectedOnes: ProtectedResource[] = [];
  for (const source of playbook.actions) {
    const action: PlannedAction = {
      name: source.name,
      params: structuredClone(source.params),
      requiresApproval: source.requiresApproval,
    };
    if (action.name === "contain-instance") {
      const rails = { finding, contexts, policy, notes, protectedOnes };
      if (!applyContainmentRails(action, rails)) continue;
    }
    if (!applyPrincipalRails(action, finding, notes)) continue;
    if (
      (action.name === "capture-snapshots" || action.name === "launch-cleanroom") &&
      !hasDisks(finding, contexts)
    ) {
      notes.push(`${action.name} dropped: no instance or volume of the finding exists to take disks from`);
      continue;
    }
    if (action.name === "launch-cleanroom" && !policy.settings.cleanroom.tiers.includes(impact.tier)) {
      notes.push(
        `launch-cleanroom dropped: tier ${impact.tier} is not among cleanroom tiers (${policy.settings.cleanroom.tiers.join(", ") || "none"})`,
      );
      continue;
    }
    actions.push(action);
  }
  // revoke-instance-credentials acts on the instances contain-instance contains (shared/credentials/lane.ts).
  const revoke = actions.findIndex((a) => a.name === "revoke-instance-credentials");
  if (revoke >= 0 && !actions.some((a) => a.name === "contain-instance")) {
    actions.splice(revoke, 1);
    notes.push(
      "revoke-instance-credentials dropped: it acts on the instances contain-instance contains, and none is left",
    );
  }
  applyThirdPartyRail(actions, finding, policy, notes);
  followContainApproval(actions);
  return {
    playbook: playbook.name,
    actions,
    notes,
    ...(protectedOnes.length ? { protected: protectedOnes } : {}),
  };
}

/**
 * revoke-instance-credentials runs inside the contain step, on the instances contain-instance
 * contains: when containment waits for a person, so does it (a denial then ends the step).
 */
export function followContainApproval(actions: PlannedAction[]): void {
  const contain = actions.find((a) => a.name === "contain-instance");
  for (const a of actions)
    if (a.name === "revoke-instance-credentials" && contain?.requiresApproval) a.requiresApproval = true;
}

/** Most characters of a product name (a claim of the importer) quoted in a note. */
const MAX_PRODUCT_NAME = 64;

/**
 * A Security Hub finding from a product that is not AWS's own (anyone with
 * `securityhub:BatchImportFindings` can import one, naming up to 32 resources): every action
 * but notify waits for a person, when `settings.securityHub.thirdPartyRequiresApproval`.
 */
function applyThirdPartyRail(
  actions: PlannedAction[],
  finding: Finding,
  policy: Policy,
  notes: string[],
): void {
  if (finding.source !== "securityhub" || finding.product?.aws === true) return;
  if (!policy.settings.securityHub.thirdPartyRequiresApproval) return;
  const held = actions.filter((a) => a.name !== "notify");
  if (held.length === 0) return;
  for (const a of held) a.requiresApproval = true;
  const product = finding.product;
  const name = product?.name
    ? `, named ${JSON.stringify(product.name.slice(0, MAX_PRODUCT_NAME))} by its importer`
    : "";
  notes.push(
    `Security Hub finding from a product that is not AWS's own (${product?.arn ?? "no ProductArn"}${name}): ${held
      .map((a) => a.name)
      .join(
        ", ",
      )} ${held.length === 1 ? "requires" : "require"} approval (settings.securityHub.thirdPartyRequiresApproval)`,
  );
}

/** True when some instance or volume of the finding exists (a snapshot source), or nothing was read. */
function hasDisks(finding: Finding, contexts: ResourceContext[]): boolean {
  const disks = finding.resources.filter((r) => r.kind === "ec2-instance" || r.kind === "ec2-volume");
  if (disks.length === 0) return true;
  return disks.some((r) => {
    const ctx = contexts.find((c) => c.resource.id === r.id);
    return !ctx || (ctx.exists && !(ctx.state && GONE_STATES.has(ctx.state)));
  });
}

/** What the containment rails read, and where they write their notes and protected instances. */
interface RailInput {
  finding: Finding;
  contexts: ResourceContext[];
  policy: Policy;
  notes: string[];
  protectedOnes: ProtectedResource[];
}

/** Narrows contain-instance to the instances it may touch; false when none is left. */
function applyContainmentRails(action: PlannedAction, rails: RailInput): boolean {
  const { finding, contexts, policy, notes, protectedOnes } = rails;
  const stop = paramsOf(action, "contain-instance").stopInstance ? " nor stopped" : "";
  const instanceIds = unique(
    [...finding.resources, ...contexts.map((c) => c.resource)]
      .filter((r) => r.kind === "ec2-instance")
      .map((r) => r.id),
  );
  if (instanceIds.length === 0) {
    notes.push("contain-instance dropped: no EC2 instance among the affected resources");
    return false;
  }

  const targets: string[] = [];
  for (const id of instanceIds) {
    const ctx = contexts.find((c) => c.resource.id === id);
    if (!ctx) {
      notes.push(`${id} was not read from the account: not contained${stop}`);
      continue;
    }
    const guard = isProtected(ctx, policy.settings, finding);
    if (guard.ignoredClaim) notes.push(guard.ignoredClaim);
    if (guard.protected) {
      notes.push(`${guard.reason}: not contained${stop}`);
      const ref = resourceRef(ctx.resource, finding);
      protectedOnes.push({
        id,
        kind: ctx.resource.kind,
        reason: guard.reason ?? `${id} is protected`,
        ...(ref?.account ? { account: ref.account } : {}),
        ...(ref?.region ? { region: ref.region } : {}),
      });
      continue;
    }
    if (!ctx.exists) {
      notes.push(`${id} not found (terminated or in another account): not contained${stop}`);
      continue;
    }
    if (ctx.state && GONE_STATES.has(ctx.state)) {
      notes.push(`${id} is ${ctx.state}: not contained${stop}`);
      continue;
    }
    targets.push(id);
  }
  if (targets.length === 0) {
    notes.push("contain-instance dropped: no instance left to contain");
    return false;
  }
  action.targets = targets;
  const sessions = finding.resources.flatMap((r) =>
    r.kind === "ec2-instance" && r.sessionOfRole && targets.includes(r.id) ? [[r.id, r.sessionOfRole]] : [],
  );
  if (sessions.length) action.sessionRoles = Object.fromEntries(sessions);

  const cap = policy.settings.maxInstancesPerFinding;
  if (instanceIds.length > cap) {
    action.requiresApproval = true;
    notes.push(
      `the finding names ${instanceIds.length} instances, more than maxInstancesPerFinding (${cap}): contain-instance requires approval`,
    );
  }
  return true;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
