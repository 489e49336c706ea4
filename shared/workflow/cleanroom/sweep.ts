/**
 * The scheduled run: continues launches and deletions whose status event was missed, and deletes
 * the clean rooms that have expired — only stacks an incident records creating, at the expiry the
 * incident recorded. A stack that merely carries the clean-room name prefix and an expired tag is
 * reported and left alone: the responder never deletes a stack it did not create.
 */
import {
  CLEANROOM_TAG,
  incidentIdOfStack,
  listCleanroomStacks,
  selectExpired,
} from "../../cleanroom/index.ts";
import { describeError } from "../../errors/index.ts";
import type { IncidentRecord } from "../../incident/model.ts";
import { cleanroomOf } from "../../incident/record.ts";
import {
  CLEANROOM_DESTROY_STEP,
  CLEANROOM_STEP,
  type CleanroomDeps,
  type CleanroomOutcome,
} from "./common.ts";
import { destroyCleanroom } from "./destroy.ts";
import { reconcileDestroy, reconcileLaunch } from "./status.ts";

/** True when the incident's recorded clean room has passed its recorded expiry and is not deleted. */
function expiredByRecord(incident: IncidentRecord, now: Date): string | undefined {
  const r = cleanroomOf(incident);
  if (!r?.stackId || !r.expiresAt || r.destroyedAt) return undefined;
  const destroy = incident.steps[CLEANROOM_DESTROY_STEP]?.status;
  if (destroy && destroy !== "failed") return undefined;
  const at = Date.parse(r.expiresAt);
  return !Number.isNaN(at) && at <= now.getTime() ? r.expiresAt : undefined;
}

/**
 * The scheduled run: continues launches and deletions whose status event was missed, then deletes
 * every recorded clean room whose recorded expiry has passed — found through the open incidents
 * and through the clean-room stacks of the responder's own account and of the accounts of open
 * incidents that have a clean room (which also finds those of closed incidents).
 */
export async function sweepCleanrooms(deps: CleanroomDeps): Promise<CleanroomOutcome[]> {
  const now = deps.now?.() ?? new Date();
  const outcomes: CleanroomOutcome[] = [];
  const handled = new Set<string>();
  const open = await deps.store.listOpen();
  for (const incident of open) {
    try {
      if (incident.steps[CLEANROOM_STEP]?.status === "waiting")
        outcomes.push(await reconcileLaunch(incident, deps));
      if (incident.steps[CLEANROOM_DESTROY_STEP]?.status === "waiting")
        outcomes.push(await reconcileDestroy(incident, deps));
      const expiresAt = expiredByRecord(await deps.store.get(incident.incidentId), now);
      if (expiresAt) {
        handled.add(incident.incidentId);
        outcomes.push(await destroyCleanroom(incident.incidentId, { kind: "expired", expiresAt }, deps));
      }
    } catch (err) {
      deps.log.error("clean room not reconciled", {
        incidentId: incident.incidentId,
        error: describeError(err),
      });
    }
  }
  const accounts = new Set<string>([await deps.ownAccount()]);
  // Checked when acted on: listing one more account's clean rooms does no harm.
  for (const i of open) if (i.cleanroom !== undefined) accounts.add(i.account);
  for (const account of [...accounts].filter(Boolean)) {
    try {
      const clients = await deps.clientsFor(account, "cleanroom-expiry");
      const { stacks, errors, truncated } = await listCleanroomStacks(clients.cfn);
      for (const e of errors) deps.log.warn("clean room stack not readable", { account, error: e });
      if (truncated) {
        deps.log.warn("clean rooms listed in part: a bound was reached", { account, truncated });
        outcomes.push({ action: "sweep", outcome: "partial", detail: `${account}: ${truncated}` });
      }
      const { expired, unreadable } = selectExpired(stacks, now);
      for (const s of unreadable)
        deps.log.warn("clean room without a readable expires-at tag: left alone", {
          account,
          stack: s.stackName,
        });
      for (const s of expired) {
        const incidentId = incidentIdOfStack(s.stackName);
        if (incidentId && handled.has(incidentId)) continue;
        try {
          const incident = incidentId ? await deps.store.find(incidentId) : undefined;
          const record = incident ? cleanroomOf(incident) : undefined;
          const recorded = incident?.account === account && !!record?.stackId && record.stackId === s.stackId;
          if (!incident || !recorded) {
            const detail = `${s.stackName} (${s.stackId ?? "no id"}) carries an expired ${CLEANROOM_TAG.expiresAt} tag but no incident records the responder creating it: left alone (examine and delete it by hand)`;
            deps.log.warn("expired clean-room stack not created by the responder: left alone", {
              account,
              stack: s.stackName,
            });
            outcomes.push({
              action: "sweep",
              ...(incidentId ? { incidentId } : {}),
              outcome: "left-alone",
              detail,
            });
            continue;
          }
          const expiresAt = expiredByRecord(incident, now);
          if (!expiresAt) {
            deps.log.warn("clean-room expiry tag earlier than the recorded expiry: left until then", {
              account,
              stack: s.stackName,
              recorded: record?.expiresAt,
            });
            continue;
          }
          handled.add(incident.incidentId);
          outcomes.push(await destroyCleanroom(incident.incidentId, { kind: "expired", expiresAt }, deps));
        } catch (err) {
          deps.log.error("expired clean room not deleted", {
            account,
            stack: s.stackName,
            error: describeError(err),
          });
          outcomes.push({
            action: "destroy",
            ...(incidentId ? { incidentId } : {}),
            outcome: "failed",
            detail: describeError(err),
          });
        }
      }
    } catch (err) {
      deps.log.error("clean rooms not listed", { account, error: describeError(err) });
      outcomes.push({ action: "sweep", outcome: "failed", detail: `${account}: ${describeError(err)}` });
    }
  }
  if (!outcomes.length)
    outcomes.push({ action: "sweep", outcome: "ok", detail: "no clean room to reconcile or delete" });
  return outcomes;
}
