/**
 * Recording a launch: the stack's state on the launch step (ready, still being created, or
 * failed), from the outputs that pass their checks, and the alerts that go with it. The
 * clean-room-ready alert carries the connect command the responder built, never an output's text.
 */
import {
  CLEANROOM_TAG,
  type CleanroomClients,
  isRecordedStack,
  parseStackId,
  type StackView,
  stackFailure,
  stackPhase,
  trustOutputs,
} from "../../cleanroom/index.ts";
import type { ActionResult } from "../../domain/types.ts";
import { cleanroomOf } from "../../incident/record.ts";
import { nowIso } from "../deps.ts";
import { endStep, type StepAlert } from "../steps.ts";
import { CLEANROOM_STEP, type CleanroomDeps, type CleanroomOutcome, type CleanroomRecord } from "./common.ts";

/**
 * Records a stack's state on the launch step: ready, still being created, or failed. `stack`
 * must be the incident's recorded stack (or the one CreateStack just returned the id of): any
 * other is refused here too.
 */
export async function settleLaunch(
  incidentId: string,
  stack: StackView,
  clients: CleanroomClients,
  deps: CleanroomDeps,
  extra: {
    actions?: ActionResult[];
    notes?: string[];
    expiresAt?: string;
    snapshotIds?: string[];
    requestedBy?: string;
    requestId?: string;
    /** The stack id CreateStack returned in this invocation. */
    createdStackId?: string;
  },
): Promise<CleanroomOutcome> {
  const incident = await deps.store.get(incidentId);
  const previous = cleanroomOf(incident);
  if (!(extra.createdStackId === stack.stackId || isRecordedStack(stack, previous))) {
    return failLaunch(incidentId, deps, {
      status: "failed",
      detail: `stack ${stack.stackName} is not the one this incident records creating: not adopted`,
      error: "the stack's id is not the recorded one",
    });
  }
  const region = parseStackId(stack.stackId)?.region ?? clients.region;
  const trusted = trustOutputs(stack.outputs, { incidentId, bucket: deps.bucket, region });
  const outputs = Object.fromEntries(
    Object.entries(trusted.outputs).filter((e): e is [string, string] => typeof e[1] === "string"),
  );
  const { connect: _c, untrustedOutputs: _u, ...kept } = previous ?? { stackName: stack.stackName };
  const expiresAt = extra.expiresAt ?? previous?.expiresAt ?? stack.tags[CLEANROOM_TAG.expiresAt];
  const record: CleanroomRecord = {
    ...kept,
    stackName: stack.stackName,
    stackId: stack.stackId,
    status: stack.status,
    outputs,
    ...(trusted.connect ? { connect: trusted.connect } : {}),
    ...(trusted.untrusted.length ? { untrustedOutputs: trusted.untrusted } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    ...(extra.snapshotIds?.length ? { snapshotIds: extra.snapshotIds } : {}),
    ...(extra.requestedBy ? { requestedBy: extra.requestedBy } : {}),
    ...(extra.requestId ? { requestId: extra.requestId } : {}),
  };
  const notes = [
    ...(extra.notes ?? []),
    ...(trusted.untrusted.length ? [`outputs not trusted, not kept: ${trusted.untrusted.join(", ")}`] : []),
  ];
  const noteText = notes.length ? `; ${notes.join("; ")}` : "";
  const phase = stackPhase(stack.status);
  if (phase === "ready") {
    record.readyAt = nowIso(deps);
    const o = record.outputs;
    const detail = `clean room ${stack.stackName} ready: workstation ${o.WorkstationInstanceId ?? "?"} in ${o.VpcId ?? "?"}, evidence volumes ${
      o.EvidenceVolumeIds || "none"
    }; expires ${record.expiresAt ?? "?"}${noteText}`;
    await endStep(deps, incidentId, CLEANROOM_STEP, {
      status: "ok",
      detail,
      ...(extra.actions?.length ? { actions: extra.actions } : {}),
      set: { cleanroom: record },
      alert: readyAlert(incidentId, record, deps),
    });
    return { action: "launch", incidentId, outcome: "ready", detail };
  }
  if (phase === "creating") {
    const detail = `stack ${stack.stackName} ${stack.status}: continues on CloudFormation's status event${noteText}`;
    await endStep(deps, incidentId, CLEANROOM_STEP, {
      status: "waiting",
      detail,
      ...(extra.actions?.length ? { actions: extra.actions } : {}),
      set: { cleanroom: record },
    });
    return { action: "launch", incidentId, outcome: "waiting", detail };
  }
  const failure = await stackFailure(clients.cfn, stack.stackId).catch(() => undefined);
  const error = failure
    ? `${failure.resource}: ${failure.reason}`
    : `stack ${stack.status}${stack.statusReason ? `: ${stack.statusReason}` : " (no failure event found)"}`;
  return failLaunch(incidentId, deps, {
    status: "failed",
    detail: `stack ${stack.stackName} ${stack.status}${noteText}`,
    error,
    ...(extra.actions ? { actions: extra.actions } : {}),
    record,
    what: failure
      ? `clean room resource ${failure.resource} (${failure.status})`
      : `clean room stack ${stack.stackName}`,
    ...(failure ? { alertError: failure.reason } : {}),
    leftToDo: [
      phase === "failed" && stack.status !== "CREATE_FAILED"
        ? `Delete the failed stack (responder cleanroom destroy ${incidentId} or aws cloudformation delete-stack --stack-name ${stack.stackId})`
        : `Fix the cause, then retry: responder cleanroom create ${incidentId}`,
    ],
  });
}

/** Ends the launch step as failed (or unsupported) and alerts. */
export async function failLaunch(
  incidentId: string,
  deps: CleanroomDeps,
  f: {
    status: "failed" | "unsupported";
    detail: string;
    error: string;
    actions?: ActionResult[];
    record?: CleanroomRecord;
    what?: string;
    /** The error as the alert shows it next to `what` (default: `error`). */
    alertError?: string;
    leftToDo?: string[];
  },
): Promise<CleanroomOutcome> {
  await endStep(deps, incidentId, CLEANROOM_STEP, {
    status: f.status,
    detail: f.detail,
    error: f.error,
    ...(f.actions?.length ? { actions: f.actions } : {}),
    ...(f.record ? { set: { cleanroom: f.record } } : {}),
    alert: {
      stage: "failed",
      summary: `Clean room not launched (${f.status}): ${f.detail}. Containment and evidence are not affected.`,
      failed: [{ what: f.what ?? "clean room", error: f.alertError ?? f.error }],
      ...(f.leftToDo ? { leftToDo: f.leftToDo } : {}),
    },
  });
  return { action: "launch", incidentId, outcome: f.status, detail: `${f.detail}: ${f.error}` };
}

/**
 * The ready alert: the connect command the responder built from the validated instance id and
 * region, or, when the outputs did not pass their checks, none and the reason.
 */
export function readyAlert(
  incidentId: string,
  record: CleanroomRecord,
  deps: Pick<CleanroomDeps, "bucket">,
): StepAlert {
  const o = record.outputs;
  const arn = parseStackId(record.stackId);
  // Built by settleLaunch from the validated instance id and region; never an output's text.
  const connect = record.connect;
  const find = arn
    ? `aws cloudformation describe-stack-resource --stack-name ${record.stackId} --logical-resource-id Workstation --region ${arn.region}`
    : "responder status";
  const untrusted = record.untrustedOutputs?.length
    ? ` (not trusted: ${record.untrustedOutputs.join(", ")})`
    : "";
  return {
    stage: "cleanroom-ready",
    summary: connect
      ? `Clean room ready. Connect with: ${connect}`
      : `Clean room ready, but the stack's outputs were not trusted${untrusted}: no connect command. Find the workstation with: ${find}`,
    facts: {
      "Clean room stack": record.stackName,
      Connect: connect ?? `(none: the stack's outputs were not trusted${untrusted})`,
      Workstation: o.WorkstationInstanceId ?? "?",
      VPC: `${o.VpcId ?? "?"} (no internet gateway; S3 and Session Manager endpoints only)`,
      "Evidence volumes": `${o.EvidenceVolumeIds || "none"} (from ${(record.snapshotIds ?? []).join(", ") || "the evidence snapshots"}; mount read-only: docs/cleanroom.md)`,
      Notes: `s3://${deps.bucket}/incidents/${incidentId}/notes/`,
      Expires: `${record.expiresAt ?? "?"} (then deleted by the responder)`,
    },
    leftToDo: [`When done: responder cleanroom destroy ${incidentId}`],
  };
}
