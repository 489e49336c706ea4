/**
 * Pure logic of the scheduled preflight: which verdicts changed since the stored ones, and the
 * alert that says so. No I/O. The first run (nothing stored) reports only what fails; later runs
 * report every check whose status changed, and a check seen for the first time only if it fails.
 */
import type { AlertInput } from "../alerts/message.ts";
import { CHECKS, type CheckResult, type CheckStatus } from "./types.ts";

/** One check whose status changed: `before` is undefined when it was not stored. */
export interface CheckChange {
  account: string;
  region: string;
  check: CheckResult["check"];
  subject?: string;
  before?: CheckStatus;
  after: CheckStatus;
  reason: string;
}

/** A check's identity within an account and region: its id, and which one when it is made more than once. */
export const checkIdentity = (r: Pick<CheckResult, "account" | "region" | "check" | "subject">): string =>
  `${r.account}#${r.region}#${r.check}${r.subject ? `#${r.subject}` : ""}`;

/**
 * The changes from `previous` (undefined: never stored) to `current`. A check that is no longer
 * made (a member account removed from the configuration) is not a change.
 */
export function changedChecks(previous: readonly CheckResult[] | undefined, current: readonly CheckResult[]) {
  const before = new Map((previous ?? []).map((r) => [checkIdentity(r), r.status]));
  const changes: CheckChange[] = [];
  for (const r of current) {
    const was = before.get(checkIdentity(r));
    const changed = was === undefined ? r.status === "fail" : was !== r.status;
    if (changed)
      changes.push({
        account: r.account,
        region: r.region,
        check: r.check,
        ...(r.subject ? { subject: r.subject } : {}),
        ...(was ? { before: was } : {}),
        after: r.status,
        reason: r.reason,
      });
  }
  return changes;
}

/** One line of the alert: the check, where, from what to what, and why. */
export function changeLine(c: CheckChange): string {
  const what = c.after === "pass" ? "passes again" : c.after === "fail" ? "FAILS" : "cannot be checked";
  const from = c.before ? ` (was ${c.before})` : "";
  return `${c.check} in ${c.account} ${c.region}${c.subject ? ` [${c.subject}]` : ""} ${what}${from}: ${c.reason}`;
}

/** The alert for the changes (at least one): `failed` when any check now fails, else `preflight`. */
export function preflightAlert(changes: readonly CheckChange[], at: string): AlertInput {
  const failing = changes.filter((c) => c.after === "fail");
  const accounts = [...new Set(changes.map((c) => c.account))];
  const checks = [...new Set(changes.map((c) => c.check))];
  return {
    stage: failing.length > 0 ? "failed" : "preflight",
    about: `preflight: ${checks.join(", ")}`.slice(0, 80),
    ...(accounts.length === 1 ? { account: accounts[0] as string } : {}),
    summary: `The daily preflight check at ${at} found ${changes.length} change(s): ${failing.length} check(s) now fail, ${
      changes.filter((c) => c.after === "pass").length
    } pass again. Nothing was changed; run \`responder preflight\` to see every check.`,
    facts: {
      ...Object.fromEntries(changes.slice(0, 20).map((c, i) => [`Change ${i + 1}`, changeLine(c)])),
      ...(changes.length > 20 ? { "Changes not listed": String(changes.length - 20) } : {}),
      ...Object.fromEntries(checks.map((c) => [`Check ${c}`, CHECKS[c]])),
    },
  };
}
