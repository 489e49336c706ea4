/**
 * Sends an alert and records it on the incident. An alert that cannot be sent is logged as
 * an error and recorded on the timeline: it never hides the step's own outcome.
 */
import { type AlertInput, buildAlert } from "../alerts/message.ts";
import { describeError } from "../errors/index.ts";
import type { IncidentNotes, IncidentReader } from "../incident/ports.ts";
import type { BaseDeps } from "./deps.ts";
import { nowIso } from "./deps.ts";

/** What sending an alert needs: the alerter, and the incident's notes to record it in. */
export type AlertDeps = Pick<BaseDeps, "alerter" | "log" | "now" | "evidenceBucket"> & {
  store: IncidentNotes;
};

/** Publishes an alert for a stage; records it on the incident when there is one. */
export async function notify(deps: AlertDeps, input: AlertInput): Promise<void> {
  const evidenceBucket = input.evidenceBucket ?? deps.evidenceBucket;
  const alert = buildAlert({
    ...input,
    at: input.at ?? nowIso(deps),
    ...(evidenceBucket ? { evidenceBucket } : {}),
  });
  const incidentId = input.incident?.incidentId;
  try {
    const { messageId } = await deps.alerter.publish(alert);
    if (incidentId) {
      await deps.store.recordAlert(incidentId, {
        stage: alert.stage,
        at: nowIso(deps),
        subject: alert.subject,
        ...(messageId ? { messageId } : {}),
      });
    }
  } catch (err) {
    deps.log.error("alert could not be published", {
      incidentId,
      stage: alert.stage,
      error: describeError(err),
    });
    if (incidentId) {
      await deps.store
        .note(incidentId, {
          step: "alert",
          status: "failed",
          detail: `alert "${alert.subject}" not sent`,
          error: describeError(err),
        })
        .catch(() => undefined);
    }
    throw err;
  }
}

/**
 * Alerts that a lane threw before it could alert on its own (a store write, a client that
 * could not be built…). Never throws: the caller rethrows the original error so the event is
 * retried, and the alert says what was left undone.
 */
const alerted = new WeakSet<object>();

/** True when a workflow has already alerted this error (the handler need not alert again). */
export function wasAlerted(err: unknown): boolean {
  return typeof err === "object" && err !== null && alerted.has(err);
}

export async function alertFailure(
  deps: AlertDeps & { store: Pick<IncidentReader, "get"> },
  incidentId: string,
  what: string,
  err: unknown,
  opts: { stage?: "failed" | "containment-failed"; leftToDo?: string[] } = {},
): Promise<void> {
  try {
    const incident = await deps.store.get(incidentId);
    await notify(deps, {
      stage: opts.stage ?? "failed",
      incident,
      summary: `${what} stopped with an error; it will be retried, and nothing is reported as done that was not.`,
      failed: [{ what, error: describeError(err) }],
      leftToDo: opts.leftToDo ?? [`Check the incident: responder status ${incidentId}`],
    });
    if (typeof err === "object" && err !== null) alerted.add(err);
  } catch (alertErr) {
    deps.log.error("failure alert not sent", {
      incidentId,
      what,
      error: describeError(err),
      alertError: describeError(alertErr),
    });
  }
}
