/**
 * The plan's rails for `contain-principal` and `contain-bucket` (called by shared/triage/choose-playbook.ts):
 * dropped when the finding names nothing they can act on, narrowed to what it names, and — for
 * roles, by default — sent to a person, since every session of the role ends. Pure; every
 * change is written as a note on the plan.
 */
import { paramsOf } from "../actions/index.ts";
import { BUCKET_NAME } from "../bucket/policy.ts";
import type { Finding, PlannedAction } from "../domain/types.ts";
import { principalTargets } from "./target.ts";

/** Applies the rails to one planned action; false when the action is dropped. */
export function applyPrincipalRails(action: PlannedAction, finding: Finding, notes: string[]): boolean {
  if (action.name === "contain-bucket") {
    const buckets = finding.resources.filter(
      (r) =>
        r.kind === "s3-bucket" && BUCKET_NAME.test(r.id) && (!r.account || r.account === finding.account),
    );
    if (!buckets.length) {
      notes.push("contain-bucket dropped: no bucket of the finding's account among the affected resources");
      return false;
    }
    action.targets = buckets.map((b) => b.id);
    return true;
  }
  if (action.name !== "contain-principal") return true;
  const { targets, refused, quarantine } = principalTargets(finding);
  for (const r of refused) notes.push(`contain-principal: ${r}`);
  if (!targets.length) {
    notes.push(
      "contain-principal dropped: no IAM user or role of the finding's account among the affected resources",
    );
    return false;
  }
  action.targets = targets.map((t) => `${t.kind}/${t.name}`);
  if (quarantine)
    notes.push("AWS's compromised-key quarantine signal: every active key of the user is deactivated");
  const roles = targets.filter((t) => t.kind === "role");
  if (
    roles.length &&
    paramsOf(action, "contain-principal").rolesRequireApproval &&
    !action.requiresApproval
  ) {
    action.requiresApproval = true;
    notes.push(
      `contain-principal on role ${roles.map((r) => r.name).join(", ")} requires approval: every session of the role issued before containment ends (rolesRequireApproval)`,
    );
  }
  return true;
}
