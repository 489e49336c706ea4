/**
 * `Clean Room Requested` and `Clean Room Destroy Requested`: acted on only when the event's
 * request id names a request a person recorded on the incident with their own credentials
 * (`responder cleanroom create|destroy`), for that action, not yet acted on. Who asked is read
 * from that record, never from the event. Anything else changes nothing and is refused loudly.
 */

import { requestVerdict } from "../../cleanroom/index.ts";
import type { CleanroomRequest } from "../../incident/model.ts";
import { nowIso } from "../deps.ts";
import { notify } from "../notify.ts";
import type { AnyEvent, CleanroomDeps, CleanroomOutcome } from "./common.ts";
import { destroyCleanroom } from "./destroy.ts";
import { launchCleanroom } from "./launch.ts";

const DETAIL_TYPE: Record<CleanroomRequest["action"], string> = {
  create: "Clean Room Requested",
  destroy: "Clean Room Destroy Requested",
};

/** Acts on a clean-room request event for `incidentId` (already checked), or refuses it. */
export async function onCleanroomRequest(
  event: AnyEvent,
  incidentId: string,
  action: CleanroomRequest["action"],
  deps: CleanroomDeps,
): Promise<CleanroomOutcome> {
  const detail = event.detail ?? {};
  const result = (outcome: string, text: string): CleanroomOutcome => ({
    action: "request",
    incidentId,
    outcome,
    detail: text,
  });
  const incident = await deps.store.find(incidentId);
  if (!incident) {
    const why = `no incident ${incidentId}`;
    deps.log.warn("clean-room request refused", { incidentId, why });
    await notify(deps, {
      stage: "rejected",
      about: `${event.source ?? "?"} ${DETAIL_TYPE[action]}`,
      summary: `A ${DETAIL_TYPE[action]} event was refused: ${why}. Nothing was changed.`,
    });
    return result("refused", why);
  }
  const verdict = requestVerdict(detail, incident, action, deps.now?.() ?? new Date());
  if (!verdict.ok && verdict.replay) {
    deps.log.info("clean-room request already acted on", { incidentId, why: verdict.why });
    return result("already", verdict.why);
  }
  if (!verdict.ok) {
    const text = `${DETAIL_TYPE[action]} refused: ${verdict.why}; nothing was changed`;
    deps.log.warn("clean-room request refused", { incidentId, why: verdict.why });
    await deps.store.note(incidentId, { step: "cleanroom-request", status: "info", detail: text });
    await notify(deps, {
      stage: "rejected",
      incident: await deps.store.get(incidentId),
      summary: `A ${DETAIL_TYPE[action]} event was refused: ${verdict.why}. Nothing was changed. A clean room is requested with responder cleanroom ${action} ${incidentId}, which records the request on the incident under the caller's own identity first.`,
    });
    return result("refused", text);
  }
  const { request } = verdict;
  // Consumed atomically before acting: a duplicate delivery finds it consumed and does nothing.
  if (!(await deps.store.consumeCleanroomRequest(incidentId, request.requestId, action, nowIso(deps)))) {
    return result("already", `request ${request.requestId} was acted on by another worker`);
  }
  const trigger = { kind: "request" as const, requestedBy: request.by, requestId: request.requestId };
  return action === "create"
    ? launchCleanroom(incidentId, trigger, deps)
    : destroyCleanroom(incidentId, trigger, deps);
}
