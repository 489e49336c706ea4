/**
 * Approvals: actions marked `requiresApproval` (by the policy, or by the blast-radius
 * circuit) wait until a person approves or denies them.
 */
import { InvalidEventError, NotFoundError, RefusedError } from "../errors/index.ts";
import { parseApprovalEvent } from "../intake/approval.ts";
import type { BaseDeps } from "./deps.ts";
import { nowIso } from "./deps.ts";
import { notify } from "./notify.ts";

export interface Decision {
  incidentId: string;
  decision: "approved" | "denied";
  by: string;
  reason?: string;
}

/** Records a decision; an approval releases the waiting actions through the event bus. */
export async function decide(
  d: Decision,
  deps: Pick<BaseDeps, "store" | "bus" | "alerter" | "log" | "now">,
): Promise<string[]> {
  const incident = await deps.store.get(d.incidentId);
  if (incident.status === "closed") throw new RefusedError(`incident ${d.incidentId} is closed`);
  const waiting = incident.plan.actions.filter((a) => a.requiresApproval).map((a) => a.name);
  if (!waiting.length) throw new RefusedError(`incident ${d.incidentId} has no action waiting for approval`);
  const prior = (incident.approvals ?? []).find((a) => a.decision === "approved" || a.decision === "denied");
  if (prior)
    throw new RefusedError(
      `incident ${d.incidentId} was already ${prior.decision} by ${prior.by} at ${prior.at}`,
    );
  const record = {
    at: nowIso(deps),
    by: d.by,
    decision: d.decision,
    ...(d.reason ? { reason: d.reason } : {}),
  };
  await deps.store.note(
    d.incidentId,
    {
      step: "approval",
      status: "info",
      detail: `${d.decision} by ${d.by}: ${waiting.join(", ")}${d.reason ? ` — ${d.reason}` : ""}`,
    },
    { approvals: [...(incident.approvals ?? []), record] },
  );
  if (d.decision === "approved") {
    await deps.bus.emit("Incident Approved", {
      incidentId: d.incidentId,
      actions: waiting,
      account: incident.account,
      by: d.by,
    });
  } else {
    for (const step of waiting.includes("contain-instance") ? ["contain"] : []) {
      await deps.store.finishStep(
        d.incidentId,
        step,
        "skipped",
        `denied by ${d.by}${d.reason ? `: ${d.reason}` : ""}`,
      );
    }
    await notify(deps, {
      stage: "denied",
      incident: await deps.store.get(d.incidentId),
      summary: `Waiting actions denied by ${d.by}: ${waiting.join(", ")}. Nothing more will be done for them.`,
    });
  }
  return waiting;
}

/** What an approval event came to. */
export type ApprovalEventOutcome = {
  outcome: "approved" | "denied" | "duplicate";
  incidentId: string;
  actions: string[];
};

/**
 * Handles an `Incident Approval Decision` event (source `incident-responder.approvals`, on the
 * responder's bus): the same {@link decide} as `responder approve|deny`. The same event
 * delivered again (EventBridge delivers at least once) is recognised by its id and changes nothing.
 * @throws InvalidEventError for a malformed decision, and for one that cannot apply — an
 * unknown or closed incident, nothing waiting, already decided (path `detail.incidentId`, the
 * RefusedError or NotFoundError as `cause`): another attempt would not change the answer.
 */
export async function decideFromEvent(
  event: unknown,
  deps: Pick<BaseDeps, "store" | "bus" | "alerter" | "log" | "now">,
): Promise<ApprovalEventOutcome> {
  const d = parseApprovalEvent(event);
  try {
    const incident = await deps.store.get(d.incidentId);
    const same = (incident.approvals ?? []).find((a) => a.by === d.by && a.decision === d.decision);
    if (same) {
      deps.log.info("approval event already recorded", { incidentId: d.incidentId, eventId: d.eventId });
      return { outcome: "duplicate", incidentId: d.incidentId, actions: [] };
    }
    const actions = await decide(
      {
        incidentId: d.incidentId,
        decision: d.decision,
        by: d.by,
        ...(d.reason ? { reason: d.reason } : {}),
      },
      deps,
    );
    return { outcome: d.decision, incidentId: d.incidentId, actions };
  } catch (err) {
    if (err instanceof RefusedError || err instanceof NotFoundError) {
      throw new InvalidEventError(err.message, "detail.incidentId", { cause: err });
    }
    throw err;
  }
}
