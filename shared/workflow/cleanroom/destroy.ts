/**
 * Deleting a clean room: only the stack the incident records creating, by its stack id. A stack
 * that merely carries the incident's name is never deleted.
 */

import {
  type CleanroomClients,
  deleteStack,
  describeStack,
  type StackView,
  stackFailure,
  stackPhase,
} from "../../cleanroom/index.ts";
import type { ActionResult, StepStatus } from "../../domain/types.ts";
import { describeError } from "../../errors/index.ts";
import type { IncidentRecord } from "../../incident/model.ts";
import { cleanroomOf } from "../../incident/record.ts";
import { nowIso } from "../deps.ts";
import { endStep, runStep } from "../steps.ts";
import {
  CLEANROOM_DESTROY_STEP,
  type CleanroomDeps,
  type CleanroomOutcome,
  type CleanroomRecord,
  type DestroyTrigger,
} from "./common.ts";
import { recordedLiveStack } from "./ownership.ts";

/** Deletes the incident's clean room: the stack it records creating, and no other. */
export async function destroyCleanroom(
  incidentId: string,
  trigger: DestroyTrigger,
  deps: CleanroomDeps,
): Promise<CleanroomOutcome> {
  const done = (outcome: string, detail: string): CleanroomOutcome => ({
    action: "destroy",
    incidentId,
    outcome,
    detail,
  });
  const incident = await deps.store.get(incidentId);
  const ran = await runStep(deps, {
    incident,
    step: CLEANROOM_DESTROY_STEP,
    lane: "cleanroom",
    work: () => destroy(incident, trigger, deps),
  });
  return (
    ran?.value ??
    done(
      "already",
      `step ${CLEANROOM_DESTROY_STEP} is ${incident.steps[CLEANROOM_DESTROY_STEP]?.status ?? "claimed"}`,
    )
  );
}

/** Deletes the recorded stack, under the destroy step's claim: every outcome ends the step. */
async function destroy(
  incident: IncidentRecord,
  trigger: DestroyTrigger,
  deps: CleanroomDeps,
): Promise<CleanroomOutcome> {
  const incidentId = incident.incidentId;
  const done = (outcome: string, detail: string): CleanroomOutcome => ({
    action: "destroy",
    incidentId,
    outcome,
    detail,
  });
  const record = cleanroomOf(incident);
  const stackName = record?.stackName ?? "(none recorded)";
  const why =
    trigger.kind === "expired"
      ? `expired at ${trigger.expiresAt}`
      : `requested${trigger.requestedBy ? ` by ${trigger.requestedBy}` : ""}`;
  const actions: ActionResult[] = [];
  try {
    const clients = await deps.clientsFor(incident.account, incidentId);
    const stack = await recordedLiveStack(incident, clients);
    if (!stack) {
      const detail = record?.stackId
        ? `clean room stack ${record.stackId} no longer exists: nothing to delete (${why})`
        : `the incident records no clean room the responder created: nothing to delete (${why})`;
      await endStep(deps, incidentId, CLEANROOM_DESTROY_STEP, { status: "skipped", detail });
      return done("skipped", detail);
    }
    const call = `cloudformation:DeleteStack StackName=${stack.stackId}`;
    if (incident.dryRun) {
      actions.push({
        name: "cleanroom:delete-stack",
        target: stack.stackName,
        status: "skipped",
        detail: `dry run: ${call}`,
      });
      await endStep(deps, incidentId, CLEANROOM_DESTROY_STEP, {
        status: "skipped",
        detail: `dry run: would call ${call} (${why})`,
        actions,
      });
      return done("dry-run", call);
    }
    const deleted = await deleteStack(clients.cfn, stack.stackId);
    actions.push({
      name: "cleanroom:delete-stack",
      target: stack.stackName,
      status: "ok",
      detail: deleted.dependencyViolation
        ? `${call} — answered DependencyViolation: ${deleted.dependencyViolation}`
        : call,
    });
    const after = await describeStack(clients.cfn, stack.stackId);
    return await settleDestroy(incidentId, stack, after, clients, deps, { why, actions, ...deleted });
  } catch (err) {
    const detail = `clean room ${stackName} not deleted (${why})`;
    await endStep(deps, incidentId, CLEANROOM_DESTROY_STEP, {
      status: "failed",
      detail,
      error: describeError(err),
      ...(actions.length ? { actions } : {}),
      alert: {
        stage: "failed",
        summary: `Clean room not deleted: ${describeError(err)}`,
        failed: [{ what: `delete stack ${stackName}`, error: describeError(err) }],
        leftToDo: [
          `Retry: responder cleanroom destroy ${incidentId}`,
          ...(record?.stackId ? [`Or: aws cloudformation delete-stack --stack-name ${record.stackId}`] : []),
        ],
      },
    });
    return done("failed", `${detail}: ${describeError(err)}`);
  }
}

/** Records a deletion's state on the destroy step: done (with any leftovers), in progress, or failed. */
export async function settleDestroy(
  incidentId: string,
  before: StackView,
  after: StackView | undefined,
  clients: CleanroomClients,
  deps: CleanroomDeps,
  extra: { why: string; actions?: ActionResult[]; dependencyViolation?: string },
): Promise<CleanroomOutcome> {
  const incident = await deps.store.get(incidentId);
  const record: CleanroomRecord = {
    ...(cleanroomOf(incident) ?? { stackName: before.stackName, outputs: {} }),
    status: after?.status ?? "DELETE_COMPLETE",
  };
  if (before.stackId) record.stackId = before.stackId;
  const phase = after ? stackPhase(after.status) : "deleted";
  const actions = extra.actions?.length ? { actions: extra.actions } : {};
  if (phase === "deleted") {
    record.status = "DELETE_COMPLETE";
    record.destroyedAt = nowIso(deps);
    // Only the emulator answers DependencyViolation and leaves resources behind: its quirks name them.
    const leftovers = extra.dependencyViolation
      ? await deps.quirks.stackLeftovers(clients.ec2, before.stackName)
      : [];
    if (leftovers.length) record.leftovers = leftovers;
    const status: StepStatus = leftovers.length ? "partial" : "ok";
    const detail = `stack ${before.stackName} deleted (${extra.why})${
      extra.dependencyViolation
        ? `; DeleteStack answered DependencyViolation (${extra.dependencyViolation})`
        : ""
    }${leftovers.length ? `; left behind: ${leftovers.join(", ")}` : ""}`;
    await endStep(deps, incidentId, CLEANROOM_DESTROY_STEP, {
      status,
      detail,
      ...actions,
      ...(leftovers.length ? { error: `resources left behind: ${leftovers.join(", ")}` } : {}),
      set: { cleanroom: record },
      alert: {
        stage: "cleanroom-destroyed",
        summary: `Clean room ${before.stackName} deleted (${extra.why})${leftovers.length ? `, but ${leftovers.length} resources were left behind` : ""}. The snapshots and the evidence bucket are kept.`,
        ...(leftovers.length
          ? {
              failed: [{ what: "resources left behind after DeleteStack", error: leftovers.join(", ") }],
              leftToDo: [`Delete by hand: ${leftovers.join(", ")}`],
            }
          : {}),
      },
    });
    return { action: "destroy", incidentId, outcome: status, detail };
  }
  if (phase === "deleting") {
    const detail = `DeleteStack started (${extra.why}): ${before.stackName} ${after?.status}; continues on CloudFormation's status event`;
    await endStep(deps, incidentId, CLEANROOM_DESTROY_STEP, {
      status: "waiting",
      detail,
      ...actions,
      set: { cleanroom: record },
    });
    return { action: "destroy", incidentId, outcome: "waiting", detail };
  }
  const failure = await stackFailure(clients.cfn, before.stackId || before.stackName).catch(() => undefined);
  const error = failure
    ? `${failure.resource}: ${failure.reason}`
    : `stack ${after?.status ?? "?"}${after?.statusReason ? `: ${after.statusReason}` : ""}${
        extra.dependencyViolation
          ? `; DeleteStack answered DependencyViolation: ${extra.dependencyViolation}`
          : ""
      }`;
  const detail = `stack ${before.stackName} not deleted: ${after?.status ?? "?"} (${extra.why})`;
  await endStep(deps, incidentId, CLEANROOM_DESTROY_STEP, {
    status: "failed",
    detail,
    ...actions,
    error,
    set: { cleanroom: record },
    alert: {
      stage: "failed",
      summary: `Clean room not deleted: ${detail}.`,
      failed: [
        {
          what: failure ? `clean room resource ${failure.resource}` : `delete stack ${before.stackName}`,
          error,
        },
      ],
      leftToDo: [`Fix the cause, then retry: responder cleanroom destroy ${incidentId}`],
    },
  });
  return { action: "destroy", incidentId, outcome: "failed", detail: `${detail}: ${error}` };
}
