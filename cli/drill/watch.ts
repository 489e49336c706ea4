/**
 * Watching an incident settle: used by `responder ingest`, drills and tests. Polls the
 * incident record (the one source of truth) until every lane of its plan has ended.
 */

import { stepsOf } from "../../shared/actions/index.ts";
import { CLEANROOM_STEP, MANIFEST_STEP } from "../../shared/actions/step-names.ts";
import { isPassingFailure } from "../../shared/aws/errors.ts";
import type { IncidentRecord, TimelineEntry } from "../../shared/incident/model.ts";
import { currentApprovals, isSettled } from "../../shared/incident/model.ts";
import type { IncidentStore } from "../../shared/incident/store.ts";

/** Steps that must end before an incident counts as settled. */
export function expectedSteps(incident: IncidentRecord): string[] {
  const steps = new Set<string>(["triage"]);
  for (const a of incident.plan.actions) {
    if (a.requiresApproval && !currentApprovals(incident).some((x) => x.decision === "approved")) continue;
    for (const s of stepsOf(a.name)) steps.add(s);
  }
  // A dry run writes no manifest; failed snapshots keep it from being written.
  if (incident.dryRun) steps.delete(MANIFEST_STEP);
  if (incident.dryRun) steps.delete(CLEANROOM_STEP);
  return [...steps];
}

/** Waits until the incident has settled; reports each new timeline entry. */
export async function waitForSettled(
  store: IncidentStore,
  incidentId: string,
  opts: { timeoutMs?: number; intervalMs?: number; onEntry?: (e: TimelineEntry) => void } = {},
): Promise<{ incident: IncidentRecord; settled: boolean }> {
  const deadline = Date.now() + (opts.timeoutMs ?? 60_000);
  let seen = 0;
  const read = () => readThrough(() => store.get(incidentId), deadline);
  let incident = await read();
  for (;;) {
    for (const e of incident.timeline.slice(seen)) opts.onEntry?.(e);
    seen = incident.timeline.length;
    const manifestBlocked =
      incident.steps.snapshots?.status === "failed" && incident.steps.manifest === undefined;
    // Without a manifest no `Evidence Preserved` comes, so no clean room either.
    const expected = expectedSteps(incident).filter(
      (s) => !(manifestBlocked && (s === "manifest" || s === "cleanroom")),
    );
    if (isSettled(incident, expected)) return { incident, settled: true };
    if (Date.now() > deadline) return { incident, settled: false };
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 150));
    incident = await read();
  }
}

/**
 * Makes a read again while it fails for a passing reason (throttling, a 5xx, the network),
 * until the deadline: one failed poll does not end the watch.
 */
export async function readThrough<T>(read: () => Promise<T>, deadline: number): Promise<T> {
  for (;;) {
    try {
      return await read();
    } catch (err) {
      if (!isPassingFailure(err) || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** Waits for the marker that maps a finding to its incident (written by triage). */
export async function waitForIncidentOf(
  find: () => Promise<string | undefined>,
  timeoutMs = 30_000,
): Promise<string | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const id = await readThrough(find, deadline);
    if (id) return id;
    await new Promise((r) => setTimeout(r, 100));
  }
  return undefined;
}
