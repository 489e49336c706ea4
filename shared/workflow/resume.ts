/**
 * Re-drives lanes whose worker stopped before finishing. A worker that dies mid-step (a
 * Lambda timeout, a crash, an out-of-memory kill) leaves its claim `running`; until the
 * claim's lease runs out every retry of the event is turned away, and after it nothing
 * would start the lane again. The scheduled run (triage's `schedule` in serverless.yml)
 * finds such steps on open incidents, starts their lanes again through the bus (the lanes
 * are idempotent and re-claim the expired step), records it and alerts. A step that keeps
 * stopping is given up after {@link MAX_RESUMES} attempts: recorded as failed and alerted,
 * never left `running` in silence.
 */

import { actionsOfStep } from "../actions/index.ts";
import { CLEANROOM_STEP, CONTAIN_STEP } from "../actions/step-names.ts";
import { describeError } from "../errors/index.ts";
import type { IncidentRecord } from "../incident/model.ts";
import type { BaseDeps } from "./deps.ts";
import { alertFailure } from "./notify.ts";

/** How many times a stalled step is started again before it is recorded as failed. */
export const MAX_RESUMES = 3;

/** The timeline step of a re-drive of `step`. */
const resumeStep = (step: string) => `resume:${step}`;

/**
 * Steps the schedule starts again through `Incident Opened`: those of the actions' lanes that
 * that event starts (the clean room starts on `Evidence Preserved`, and sweeps its own).
 */
const resumable = (step: string) => step !== CLEANROOM_STEP && actionsOfStep(step).length > 0;

/** Pure: the lane steps of an incident that are `running` with a lease that has run out. */
export function stalledSteps(incident: IncidentRecord, nowMs: number): string[] {
  if (incident.status !== "open") return [];
  return Object.entries(incident.steps)
    .filter(
      ([name, s]) =>
        resumable(name) && s.status === "running" && s.leaseUntil !== undefined && s.leaseUntil < nowMs,
    )
    .map(([name]) => name)
    .sort();
}

/** Pure: the planned actions (those not waiting for approval) that start the given steps again. */
export function actionsFor(incident: IncidentRecord, steps: string[]): string[] {
  const planned = new Set(incident.plan.actions.map((a) => a.name));
  const wanted = new Set<string>(steps.flatMap(actionsOfStep));
  return [...wanted].filter((a) => planned.has(a)).sort();
}

/**
 * How long a drill incident stays open when nobody ends its drill (the person's `responder
 * drill` closes it when its scorecard is done; a drill that was interrupted is closed here).
 */
export const DRILL_TTL_MS = 6 * 3600_000;

/** Pure: the open drill incidents older than {@link DRILL_TTL_MS}. */
export function expiredDrills(incidents: IncidentRecord[], nowMs: number): string[] {
  return incidents
    .filter((i) => i.drill && i.status === "open" && nowMs - Date.parse(i.createdAt) > DRILL_TTL_MS)
    .map((i) => i.incidentId);
}

/** Closes drill incidents whose drill ended without closing them (scheduled, with the re-drives). */
export async function closeExpiredDrills(deps: Pick<BaseDeps, "store" | "log" | "now">): Promise<string[]> {
  const nowMs = (deps.now?.() ?? new Date()).getTime();
  const expired = expiredDrills(await deps.store.listOpen(), nowMs);
  for (const id of expired) {
    await deps.store
      .close(id, `drill expired: open for more than ${DRILL_TTL_MS / 3600_000} h without its drill ending it`)
      .catch((err) =>
        deps.log.error("expired drill not closed", { incidentId: id, error: describeError(err) }),
      );
  }
  return expired;
}

export interface ResumeOutcome {
  incidentId: string;
  /** Steps started again. */
  resumed: string[];
  /** Steps given up (recorded as failed). */
  abandoned: string[];
}

/** The scheduled run: re-drives every stalled lane of every open incident. */
export async function resumeStalled(deps: BaseDeps): Promise<ResumeOutcome[]> {
  const nowMs = (deps.now?.() ?? new Date()).getTime();
  const outcomes: ResumeOutcome[] = [];
  for (const listed of await deps.store.listOpen()) {
    if (stalledSteps(listed, nowMs).length === 0) continue;
    try {
      outcomes.push(await resumeIncident(listed.incidentId, nowMs, deps));
    } catch (err) {
      deps.log.error("stalled lane not resumed", {
        incidentId: listed.incidentId,
        error: describeError(err),
      });
    }
  }
  return outcomes;
}

async function resumeIncident(incidentId: string, nowMs: number, deps: BaseDeps): Promise<ResumeOutcome> {
  // The full record: the listing carries no timeline, which counts the earlier re-drives.
  const incident = await deps.store.get(incidentId);
  const stalled = stalledSteps(incident, nowMs);
  const times = (step: string) => incident.timeline.filter((t) => t.step === resumeStep(step)).length;
  const abandoned = stalled.filter((s) => times(s) >= MAX_RESUMES);
  const resumed = stalled.filter((s) => !abandoned.includes(s));
  const stopped = (s: string) =>
    `its worker stopped before finishing (claimed at ${incident.steps[s]?.startedAt ?? "?"}, lease ran out at ${new Date(
      incident.steps[s]?.leaseUntil ?? 0,
    ).toISOString()})`;

  for (const step of abandoned) {
    await deps.store.finishStep(
      incidentId,
      step,
      "failed",
      `${step} stopped ${MAX_RESUMES + 1} times before finishing: not started again`,
      { error: stopped(step) },
    );
  }
  const actions = actionsFor(incident, resumed);
  if (actions.length) {
    await deps.bus.emit("Incident Opened", {
      incidentId,
      actions,
      account: incident.account,
      resumed: true,
    });
    for (const step of resumed)
      await deps.store.note(incidentId, {
        step: resumeStep(step),
        status: "info",
        detail: `${step}: ${stopped(step)}; lane started again (${times(step) + 1} of ${MAX_RESUMES})`,
      });
  }
  if (stalled.length) {
    const containment = stalled.includes(CONTAIN_STEP);
    await alertFailure(
      deps,
      incidentId,
      stalled.join(", "),
      new Error(stalled.map((s) => `${s}: ${stopped(s)}`).join("; ")),
      {
        ...(containment ? { stage: "containment-failed" as const } : {}),
        leftToDo: [
          ...(resumed.length ? [`Started again: ${resumed.join(", ")}`] : []),
          ...(abandoned.length
            ? [`Given up after ${MAX_RESUMES} restarts: ${abandoned.join(", ")} — finish by hand`]
            : []),
          ...(containment ? ["Containment is NOT confirmed until the contained alert arrives"] : []),
          `responder status ${incidentId}`,
        ],
      },
    );
  }
  return { incidentId, resumed, abandoned };
}
