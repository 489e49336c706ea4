/**
 * Sends an alert and records it on the incident. An alert that cannot be sent is logged as
 * an error and recorded on the timeline: it never hides the step's own outcome.
 */
import { type AlertInput, buildAlert } from "../alerts/message.ts";
import { describeError } from "../errors/index.ts";
import type { BaseDeps } from "./deps.ts";
import { nowIso } from "./deps.ts";

/** Publishes an alert for a stage; records it on the incident when there is one. */
export async function notify(
  deps: Pick<BaseDeps, "alerter" | "store" | "log" | "now">,
  input: AlertInput,
): Promise<void> {
  const alert = buildAlert(input);
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
