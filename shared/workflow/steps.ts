/**
 * One way to run a lane's step: claim it on the incident's step map → do its work → record its
 * end → send its alert. When the step is not claimed (done already, or held by a live worker),
 * the alert its recorded end should have sent goes out if the record lacks it (the first worker
 * died between the two). A step whose work throws before it recorded the step's end is recorded
 * failed, so that a retry can claim it again at once; one that throws after (a note or an alert
 * that failed) keeps the end it recorded. Either way the error goes on to the caller.
 */
import { randomUUID } from "node:crypto";
import { LANES, type LaneName } from "../actions/step-names.ts";
import type { AlertInput, AlertStage } from "../alerts/message.ts";
import { isPassingFailure } from "../aws/errors.ts";
import type { StepStatus } from "../domain/types.ts";
import { describeError } from "../errors/index.ts";
import type { IncidentRecord, StepRecord } from "../incident/model.ts";
import type { IncidentNotes, IncidentReader, StepClaims, StepEndExtra } from "../incident/ports.ts";
import type { BaseDeps } from "./deps.ts";
import { alertFailure, notify } from "./notify.ts";

/** What running a step needs: the step map, reading and noting incidents, and alerting. */
export type StepDeps = Pick<BaseDeps, "alerter" | "log" | "now" | "evidenceBucket"> & {
  store: StepClaims & IncidentReader & IncidentNotes;
};

/** An alert about an incident, before the incident (as recorded then) is put in. */
export type StepAlert = Omit<AlertInput, "incident">;

/**
 * Waits between attempts to record a failed step when the store itself is failing (an outage
 * of the AWS APIs, throttling): about 16 s in all. A claim left `running` would keep every
 * retry of the event away from the step until its lease ran out.
 */
export const RELEASE_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000];

/** How a step's ends are alerted. */
export interface StepAlerts {
  /** The stages an end of the step is alerted under: one of them on the record means it was. */
  stages: readonly AlertStage[];
  /**
   * The alert a recorded end should have sent, for a retry that finds the step ended without any
   * of {@link stages} recorded; undefined when that end sends none.
   */
  resend?(step: StepRecord, incident: IncidentRecord): StepAlert | undefined;
  /**
   * The failure alert (see `alertFailure`) when the work throws before it alerted under one of
   * {@link stages}.
   */
  failure?: { what: string; stage?: "failed" | "containment-failed"; leftToDo: string[] };
}

/** One step of a lane, for {@link runStep}. */
export interface StepRun<T> {
  /** The incident as read before the claim. */
  incident: IncidentRecord;
  step: string;
  /** The lane that runs it: its claim lasts the lane's lease. */
  lane: LaneName;
  /**
   * The work, given its claim (for progress it records under it); it ends the step itself (with
   * {@link endStep}) on every outcome it reaches, or leaves it to the next invocation after
   * releasing its claim (`progressStep` with `release`).
   */
  work: (claim: string) => Promise<T>;
  alerts?: StepAlerts;
  /** The detail recorded when the work throws (default: `<step> failed: <error>`). */
  failedDetail?: string;
}

/**
 * Runs a step under its claim (see the module's description): the work's value, or undefined
 * when the step was not claimed.
 */
export async function runStep<T>(deps: StepDeps, run: StepRun<T>): Promise<{ value: T } | undefined> {
  const { incident, step } = run;
  const incidentId = incident.incidentId;
  const claim = randomUUID();
  if (!(await deps.store.claimStep(incidentId, step, LANES[run.lane].leaseMs, claim))) {
    deps.log.info("step already done or in progress", {
      incidentId,
      step,
      status: incident.steps[step]?.status,
    });
    if (run.alerts?.resend) await resendMissingAlert(deps, incident, step, run.alerts);
    return undefined;
  }
  try {
    return { value: await run.work(claim) };
  } catch (err) {
    const released = await release(deps.store, incidentId, step, claim, err, run.failedDetail);
    const failure = run.alerts?.failure;
    // A step the work ended already keeps its end (the retry sends its alert if it is missing).
    if (failure && released !== "ended") {
      // The work alerts on every outcome it reaches; this covers the errors that stop it first.
      const fresh = await deps.store.find(incidentId).catch(() => undefined);
      if (!fresh?.alerts.some((a) => run.alerts?.stages.includes(a.stage as AlertStage)))
        await alertFailure(deps, incidentId, failure.what, err, failure);
    }
    throw err;
  }
}

/** A step's end, for {@link endStep}. */
export interface StepEnd extends StepEndExtra {
  status: StepStatus;
  detail: string;
  /** The alert of this end (none: no alert). */
  alert?: StepAlert;
  /** What must happen after the end is recorded and before its alert, with the record as it then is. */
  beforeAlert?: (incident: IncidentRecord) => Promise<void>;
}

/**
 * Records a step's end (its status, timeline entry, notes, action results and `set`, in one write),
 * then sends its alert with the record as it stands after it. Returns that record when it read it.
 */
export async function endStep(
  deps: StepDeps,
  incidentId: string,
  step: string,
  end: StepEnd,
): Promise<IncidentRecord | undefined> {
  const { status, detail, alert, beforeAlert, ...extra } = end;
  await deps.store.finishStep(incidentId, step, status, detail, extra);
  if (!alert && !beforeAlert) return undefined;
  const updated = await deps.store.get(incidentId);
  await beforeAlert?.(updated);
  if (alert) await notify(deps, { ...alert, incident: updated });
  return updated;
}

/** After a retry finds the step ended, sends the alert its end should have sent when none is recorded. */
async function resendMissingAlert(
  deps: StepDeps,
  incident: IncidentRecord,
  step: string,
  alerts: StepAlerts,
): Promise<void> {
  const s = incident.steps[step];
  if (!s || s.status === "running") return;
  if (incident.alerts.some((a) => alerts.stages.includes(a.stage as AlertStage))) return;
  const alert = alerts.resend?.(s, incident);
  if (alert) await notify(deps, { ...alert, incident });
}

/**
 * What releasing a claim did: recorded the step failed; found it `ended` (or claimed again by
 * another worker) and left it; or could not reach the store (`unknown`).
 */
type Released = "failed" | "ended" | "unknown";

/**
 * Records the step as failed, only while it is still running under `claim`: when the work threw
 * after it had recorded the step's end (a note or an alert that failed), that end stays, and the
 * retry does not do the step again. Retries while the store's error is a passing one. Never throws.
 */
async function release(
  store: StepClaims,
  incidentId: string,
  step: string,
  claim: string,
  err: unknown,
  detail = `${step} failed: ${describeError(err)}`,
): Promise<Released> {
  for (let attempt = 0; ; attempt++) {
    try {
      const written = await store.finishStep(incidentId, step, "failed", detail, {
        error: describeError(err),
        claim,
      });
      return written ? "failed" : "ended";
    } catch (storeErr) {
      const wait = RELEASE_DELAYS_MS[attempt];
      if (wait === undefined || !isPassingFailure(storeErr)) return "unknown";
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
