/**
 * CloudFormation's `Stack Status Change` events, and the reconciliation the schedule runs when
 * one was missed. An event moves an incident's clean room only when it comes from the
 * incident's account and names the stack id the incident recorded creating; any other is logged
 * and changes nothing.
 */
import {
  describeStack,
  incidentIdOfStack,
  parseStackId,
  type StackView,
  stackEventOrigin,
  stackEventVerdict,
  stackPhase,
} from "../../cleanroom/index.ts";
import type { IncidentRecord } from "../../incident/model.ts";
import { cleanroomOf } from "../../incident/record.ts";
import {
  type AnyEvent,
  CLEANROOM_DESTROY_STEP,
  CLEANROOM_STEP,
  type CleanroomDeps,
  type CleanroomOutcome,
  sleep,
} from "./common.ts";
import { settleDestroy } from "./destroy.ts";
import { failLaunch, settleLaunch } from "./settle.ts";

/** Continues a launch or a destroy on CloudFormation's `Stack Status Change` event. */
export async function onStackStatus(event: AnyEvent, deps: CleanroomDeps): Promise<CleanroomOutcome> {
  const detail = event.detail ?? {};
  const stackId = String(detail["stack-id"] ?? "");
  const status = String((detail["status-details"] as { status?: unknown } | undefined)?.status ?? "");
  const incidentId = incidentIdOfStack(stackId);
  const ignored = (why: string): CleanroomOutcome => ({
    action: "status",
    ...(incidentId ? { incidentId } : {}),
    outcome: "ignored",
    detail: why,
  });
  if (!incidentId) return ignored(`not a clean-room stack: ${stackId.slice(0, 200)}`);
  const phase = stackPhase(status);
  if (phase === "creating" || phase === "other") return ignored(`${status.slice(0, 40)}: not an end state`);
  let incident = await deps.store.find(incidentId);
  if (!incident) return ignored(`no incident ${incidentId}`);
  const stepName =
    phase === "deleting" || phase === "deleted" || phase === "delete-failed"
      ? CLEANROOM_DESTROY_STEP
      : CLEANROOM_STEP;
  const early = stackEventOrigin({ account: event.account, stackId }, incident);
  if (!early.ok) return refused(incidentId, early.why, deps, ignored);
  // Not the stack the record names (by id, or by name while the id is being recorded): no wait.
  const named = cleanroomOf(incident);
  if (named?.stackId ? named.stackId !== stackId : named && named.stackName !== parseStackId(stackId)?.name)
    return refused(incidentId, "not the stack id the incident recorded creating", deps, ignored);
  // The lane that started the operation may still be recording it (the stack id among it).
  const deadline = Date.now() + (deps.settleWaitMs ?? 20_000);
  while (incident.steps[stepName]?.status === "running" && Date.now() < deadline) {
    await sleep(500);
    incident = await deps.store.get(incidentId);
  }
  const verdict = stackEventVerdict({ account: event.account, stackId }, incident, cleanroomOf(incident));
  if (!verdict.ok) return refused(incidentId, verdict.why, deps, ignored);
  const step = incident.steps[stepName];
  if (phase === "deleting" || phase === "deleted" || phase === "delete-failed") {
    // OnFailure=DELETE: a failed creation ends in DELETE_COMPLETE while the launch step waits.
    if (step?.status !== "waiting" && incident.steps[CLEANROOM_STEP]?.status === "waiting") {
      return reconcileLaunch(incident, deps);
    }
    if (step?.status !== "waiting")
      return ignored(`${status}: step ${stepName} is ${step?.status ?? "absent"}`);
    if (phase === "deleting") return ignored(`${status}: still deleting`);
    return reconcileDestroy(incident, deps);
  }
  if (step?.status !== "waiting")
    return ignored(`${status}: step ${stepName} is ${step?.status ?? "absent"}`);
  return reconcileLaunch(incident, deps);
}

/** A status event that may not move the incident: logged only (anyone's stack can emit them). */
function refused(
  incidentId: string,
  why: string,
  deps: CleanroomDeps,
  ignored: (why: string) => CleanroomOutcome,
): CleanroomOutcome {
  deps.log.warn("clean-room status event not counted", { incidentId, why });
  return ignored(`status event not counted: ${why}`);
}

/** Records the state of the launch the incident is waiting for, read by its recorded stack id. */
export async function reconcileLaunch(
  incident: IncidentRecord,
  deps: CleanroomDeps,
): Promise<CleanroomOutcome> {
  const record = cleanroomOf(incident);
  if (!record?.stackId) {
    return failLaunch(incident.incidentId, deps, {
      status: "failed",
      detail: "the launch waits, but the incident records no stack id",
      error: "no recorded stack id to read",
      leftToDo: [`Retry: responder cleanroom create ${incident.incidentId}`],
    });
  }
  const clients = await deps.clientsFor(incident.account, incident.incidentId);
  const stack = await describeStack(clients.cfn, record.stackId);
  if (!stack || stack.stackId !== record.stackId) {
    return failLaunch(incident.incidentId, deps, {
      status: "failed",
      detail: `stack ${record.stackName} no longer exists`,
      error: "the stack was deleted before it became ready",
      leftToDo: [`Retry: responder cleanroom create ${incident.incidentId}`],
    });
  }
  if (stackPhase(stack.status) === "creating") {
    return {
      action: "status",
      incidentId: incident.incidentId,
      outcome: "waiting",
      detail: `${stack.stackName} ${stack.status}`,
    };
  }
  // Only the worker that still sees the step waiting records it (a duplicate event finds it done).
  const fresh = await deps.store.get(incident.incidentId);
  if (fresh.steps[CLEANROOM_STEP]?.status !== "waiting") {
    return {
      action: "status",
      incidentId: incident.incidentId,
      outcome: "ignored",
      detail: "already recorded",
    };
  }
  return settleLaunch(incident.incidentId, stack, clients, deps, {});
}

/** Records the end of the deletion the incident is waiting for, read by its recorded stack id. */
export async function reconcileDestroy(
  incident: IncidentRecord,
  deps: CleanroomDeps,
): Promise<CleanroomOutcome> {
  const record = cleanroomOf(incident);
  const clients = await deps.clientsFor(incident.account, incident.incidentId);
  const after = record?.stackId ? await describeStack(clients.cfn, record.stackId) : undefined;
  if (after && stackPhase(after.status) === "deleting") {
    return {
      action: "status",
      incidentId: incident.incidentId,
      outcome: "waiting",
      detail: `${after.stackName} ${after.status}`,
    };
  }
  const before: StackView = {
    stackName: record?.stackName ?? "(none recorded)",
    stackId: record?.stackId ?? "",
    status: record?.status ?? "",
    outputs: {},
    tags: {},
  };
  return settleDestroy(incident.incidentId, before, after, clients, deps, { why: "DeleteStack finished" });
}
