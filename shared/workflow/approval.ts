/**
 * Approvals: actions marked `requiresApproval` (by the policy, or by the blast-radius
 * circuit) wait until a person approves or denies them.
 */
import { stepsOf } from "../actions/index.ts";
import { InvalidEventError, NotFoundError, RefusedError } from "../errors/index.ts";
import { currentApprovals } from "../incident/model.ts";
import { parseApprovalEvent } from "../intake/approval.ts";
import type { BaseDeps } from "./deps.ts";
import { nowIso } from "./deps.ts";
import { notify } from "./notify.ts";

export interface Decision {
  incidentId: string;
  decision: "approved" | "denied";
  /** Who decided, as AWS authenticated them (never a field of an event). */
  by: string;
  reason?: string;
  /** What an event said about who decided: kept as a claim beside `by`. */
  claimedBy?: string;
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
  // One decision per plan revision: an escalation that adds waiting actions asks again.
  const prior = currentApprovals(incident)[0];
  if (prior)
    throw new RefusedError(
      `incident ${d.incidentId} was already ${prior.decision} by ${prior.by} at ${prior.at}`,
    );
  const revision = incident.planRevision ?? 0;
  const record = {
    at: nowIso(deps),
    by: d.by,
    decision: d.decision,
    ...(d.reason ? { reason: d.reason } : {}),
    ...(revision ? { revision } : {}),
    ...(d.claimedBy ? { claimedBy: d.claimedBy } : {}),
  };
  await deps.store.note(
    d.incidentId,
    {
      step: "approval",
      status: "info",
      detail: `${d.decision} by ${d.by}${d.claimedBy ? ` (the event says: ${d.claimedBy})` : ""}: ${waiting.join(", ")}${d.reason ? ` — ${d.reason}` : ""}`,
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
    // The steps of the denied actions end as skipped, unless an action that still runs records them too.
    const running = incident.plan.actions.filter((a) => !a.requiresApproval).flatMap((a) => stepsOf(a.name));
    const ended = [...new Set(waiting.flatMap(stepsOf))].filter((s) => !running.includes(s));
    for (const step of ended) {
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
 * Who an approval event is from, as far as AWS authenticated it: the bus's resource policy
 * admits `Incident Approval Decision` events only from the approver roles of the
 * configuration (serverless.yml, ResponderBusPolicy), so the sender is one of them. The
 * event's own `by` is only a claim, kept beside it.
 */
export function approverOf(roles: readonly string[], eventId: string): string {
  const who = roles.length === 1 ? `${roles[0]}` : `one of the approver roles ${roles.join(", ")}`;
  return `${who} (through the bus, event ${eventId})`;
}

/**
 * Handles an `Incident Approval Decision` event (source `incident-responder.approvals`, on the
 * responder's bus): the same {@link decide} as `responder approve|deny`, recorded under the
 * approver role(s) the bus admits (never under the event's `by`, which is kept as a claim).
 * With no approver role configured, decisions by event are refused: only `responder
 * approve|deny`, which records the caller's STS identity, can decide. The same event delivered
 * again (EventBridge delivers at least once) is recognised by its id and changes nothing.
 * @throws InvalidEventError for a malformed decision, for one that arrives while decisions by
 * event are off (path `source`), and for one that cannot apply — an unknown or closed incident,
 * nothing waiting, already decided (path `detail.incidentId`, the RefusedError or
 * NotFoundError as `cause`): another attempt would not change the answer.
 */
export async function decideFromEvent(
  event: unknown,
  deps: Pick<BaseDeps, "store" | "bus" | "alerter" | "log" | "now"> & { approverRoleArns: readonly string[] },
): Promise<ApprovalEventOutcome> {
  const d = parseApprovalEvent(event);
  if (!deps.approverRoleArns.length)
    throw new InvalidEventError(
      "decisions by event are off: no approver role is configured (APPROVER_ROLE_ARNS), so nothing authenticates who sent it; decide with responder approve|deny, which records your AWS identity",
      "source",
    );
  const by = approverOf(deps.approverRoleArns, d.eventId);
  try {
    const incident = await deps.store.get(d.incidentId);
    const same = (incident.approvals ?? []).find((a) => a.by === by && a.decision === d.decision);
    if (same) {
      deps.log.info("approval event already recorded", { incidentId: d.incidentId, eventId: d.eventId });
      return { outcome: "duplicate", incidentId: d.incidentId, actions: [] };
    }
    const actions = await decide(
      {
        incidentId: d.incidentId,
        decision: d.decision,
        by,
        claimedBy: d.by,
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
