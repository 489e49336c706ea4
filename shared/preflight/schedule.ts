/**
 * The daily preflight (serverless.yml: the triage function's schedule named `…-preflight`):
 * runs the checks, compares each account and region's verdicts with the stored ones, alerts
 * over SNS only on change (first run: only if something fails), then stores the new verdicts.
 * The alert goes out before the store is written: a failed alert is retried with the next
 * delivery rather than lost (a duplicate delivery may alert twice).
 */

import { buildAlert } from "../alerts/message.ts";
import type { PreflightResults } from "../incident/preflight-results.ts";
import type { AnyEvent } from "../runtime/lambda.ts";
import type { BaseDeps } from "../workflow/deps.ts";
import { nowIso } from "../workflow/deps.ts";
import { type CheckChange, changedChecks, preflightAlert } from "./diff.ts";
import type { PreflightReport } from "./types.ts";

/** The schedule rule's name ends so (serverless.yml `schedule.name`). */
export const PREFLIGHT_RULE_SUFFIX = "-preflight";

/**
 * Whether a scheduled event comes from the preflight's rule. Only EventBridge writes a
 * `Scheduled Event` of source `aws.events` (PutEvents refuses `aws.` sources), and its
 * `resources` names the rule that fired.
 */
export function isPreflightSchedule(event: unknown): boolean {
  const e = event as (AnyEvent & { resources?: unknown; account?: unknown }) | null;
  const rule = Array.isArray(e?.resources) ? String(e.resources[0] ?? "") : "";
  return (
    e?.source === "aws.events" &&
    typeof e.account === "string" &&
    /^\d{12}$/.test(e.account) &&
    e["detail-type"] === "Scheduled Event" &&
    /:rule\/[\w.-]+$/.test(rule) &&
    rule.endsWith(PREFLIGHT_RULE_SUFFIX)
  );
}

/** What a scheduled run did. */
export interface ScheduledPreflightOutcome {
  outcome: "preflight";
  ok: boolean;
  checks: number;
  changes: CheckChange[];
  alerted: boolean;
}

/** Runs the checks (`run`), alerts on change, stores the verdicts per account and region. */
export async function scheduledPreflight(
  run: () => Promise<PreflightReport>,
  deps: Pick<BaseDeps, "alerter" | "log" | "now"> & { results: PreflightResults },
): Promise<ScheduledPreflightOutcome> {
  const report = await run();
  const at = nowIso(deps);
  const groups = new Map<string, { account: string; region: string; results: PreflightReport["results"] }>();
  for (const r of report.results) {
    const key = `${r.account}#${r.region}`;
    const g = groups.get(key) ?? { account: r.account, region: r.region, results: [] };
    g.results.push(r);
    groups.set(key, g);
  }
  const changes: CheckChange[] = [];
  for (const g of groups.values()) {
    const last = await deps.results.last(g.account, g.region);
    changes.push(...changedChecks(last?.results, g.results));
  }
  if (changes.length > 0) {
    await deps.alerter.publish(buildAlert({ ...preflightAlert(changes, at), at }));
    deps.log.warn("preflight changed", { changes: changes.length });
  }
  for (const g of groups.values()) await deps.results.save({ ...g, at });
  return {
    outcome: "preflight",
    ok: report.ok,
    checks: report.results.length,
    changes,
    alerted: changes.length > 0,
  };
}
