/**
 * Launching a clean room: the checks that let a trigger through (a planned launch needs sealed
 * evidence on the record; a request is checked before it gets here), the CreateStack call with
 * the launch recorded on the incident first, and recording the stack's state from the values
 * that pass their checks.
 */
import {
  CLEANROOM_TAG,
  type CleanroomClients,
  type CleanroomInput,
  chooseSnapshots,
  createdByValue,
  createStack,
  createStackRequest,
  describeCreateStack,
  describeStack,
  evidenceVerdict,
  expiresAtFor,
  isRecordedStack,
  largestSnapshotGiB,
  MAX_EVIDENCE_SNAPSHOTS,
  parseStackId,
  type StackView,
  s3PrefixListId,
  stackFailure,
  stackNameFor,
  stackPhase,
  trustOutputs,
  validateInput,
} from "../../cleanroom/index.ts";
import type { ActionResult } from "../../domain/types.ts";
import { describeError, UnsupportedError } from "../../errors/index.ts";
import type { IncidentRecord } from "../../incident/model.ts";
import { nowIso } from "../deps.ts";
import { notify } from "../notify.ts";
import { LEASE_MS } from "../steps.ts";
import {
  CLEANROOM_CREATOR,
  CLEANROOM_STEP,
  type CleanroomDeps,
  type CleanroomOutcome,
  type CleanroomRecord,
  type LaunchTrigger,
  recordOf,
} from "./common.ts";
import { nameToCreate, randomHex, recordedLiveStack, recordSquat } from "./ownership.ts";

function approved(incident: IncidentRecord): boolean {
  return (incident.approvals ?? []).some((a) => a.decision === "approved");
}

/** Launches the incident's clean room, or adopts the one the incident records creating. */
export async function launchCleanroom(
  incidentId: string,
  trigger: LaunchTrigger,
  deps: CleanroomDeps,
): Promise<CleanroomOutcome> {
  const done = (outcome: string, detail: string): CleanroomOutcome => ({
    action: "launch",
    incidentId,
    outcome,
    detail,
  });
  let incident = await deps.store.get(incidentId);
  if (trigger.kind === "evidence") {
    const verdict = evidenceVerdict(incident);
    if (!verdict.ok && !verdict.planned) return done("not-planned", verdict.why);
    if (!verdict.ok) return refuseEvidence(incident, verdict.why, deps);
    const action = incident.plan.actions.find((a) => a.name === "launch-cleanroom");
    if (action?.requiresApproval && !approved(incident))
      return done("awaiting-approval", "launch-cleanroom waits for approval");
  }
  if (!(await deps.store.claimStep(incidentId, CLEANROOM_STEP, LEASE_MS.cleanroom))) {
    const step = incident.steps[CLEANROOM_STEP];
    deps.log.info("clean room already launched or in progress", { incidentId, step: step?.status });
    await resendReadyAlert(incident, deps);
    return done("already", `step ${CLEANROOM_STEP} is ${step?.status ?? "claimed"}: no second stack`);
  }
  incident = await deps.store.get(incidentId);
  const requested =
    trigger.kind === "request"
      ? {
          ...(trigger.requestedBy ? { requestedBy: trigger.requestedBy } : {}),
          ...(trigger.requestId ? { requestId: trigger.requestId } : {}),
        }
      : {};
  const requestedBy = trigger.kind === "request" ? trigger.requestedBy : undefined;
  const actions: ActionResult[] = [];
  const notes: string[] = [];
  let intent: CleanroomRecord | undefined;
  try {
    const clients = await deps.clientsFor(incident.account, incidentId);
    const chosen = chooseSnapshots(incident.evidence?.snapshots ?? []);
    if (chosen.left.length) {
      notes.push(
        `the template takes ${MAX_EVIDENCE_SNAPSHOTS} snapshots: ${chosen.left.join(", ")} left out (attach them by hand)`,
      );
    }
    if (chosen.notReady.length) notes.push(`not completed, left out: ${chosen.notReady.join(", ")}`);
    let stackName = stackNameFor(incidentId);
    if (!incident.dryRun) {
      const own = await recordedLiveStack(incident, clients);
      if (own) {
        notes.push(
          `stack ${own.stackName} was created by the responder earlier (${own.status}): none created`,
        );
        actions.push({
          name: "cleanroom:create-stack",
          target: own.stackName,
          status: "skipped",
          detail: `already created by the responder (${own.status})`,
        });
        return await settleLaunch(incidentId, own, clients, deps, { actions, notes, ...requested });
      }
      if (!chosen.ids.length) {
        return await failLaunch(incidentId, deps, {
          status: "failed",
          detail: "no clean room: the incident has no completed evidence snapshots",
          error: `no completed evidence snapshots to build volumes from (${(incident.evidence?.snapshots ?? []).length} recorded${
            chosen.notReady.length ? `, not completed: ${chosen.notReady.join(", ")}` : ""
          })`,
          leftToDo: [
            "Capture snapshots of the affected instance (ec2:CreateSnapshots) tagged with the incident id, and wait for them to complete",
            `Then: responder cleanroom create ${incidentId}`,
          ],
        });
      }
      const name = await nameToCreate(incidentId, clients, deps);
      stackName = name.stackName;
      if (name.squatted)
        notes.push(
          `the name ${stackNameFor(incidentId)} was pre-created by someone else: created as ${stackName}`,
        );
    }
    const now = deps.now?.() ?? new Date();
    const expiresAt = expiresAtFor(now, deps.policy.settings.cleanroom.ttlHours);
    const createdBy = createdByValue(CLEANROOM_CREATOR, requestedBy);
    const lookups: string[] = [];
    const prefixList = await s3PrefixListId(clients.ec2, clients.region).catch((err) => {
      if (!incident.dryRun) throw err;
      lookups.push(`S3 prefix list not found: ${describeError(err)}`);
      return "<S3 prefix list id>";
    });
    const snapshotIds = chosen.ids.length ? chosen.ids : ["<evidence snapshot ids>"];
    let size = 0;
    if (deps.explicitVolumeSize && chosen.ids.length) {
      size = await largestSnapshotGiB(clients.ec2, chosen.ids).catch((err) => {
        if (!incident.dryRun) throw err;
        lookups.push(`snapshot sizes unknown: ${describeError(err)}`);
        return 0;
      });
    }
    const input: CleanroomInput = {
      incidentId,
      snapshotIds,
      evidenceBucket: deps.bucket,
      kmsKeyArn: deps.kmsKeyArn ?? "",
      createdBy,
      expiresAt,
      s3PrefixListId: prefixList,
      evidenceVolumeSizeGiB: size,
      ...(stackName !== stackNameFor(incidentId) ? { stackName } : {}),
    };
    const boundary = await deps.workstationBoundaryFor?.(incident.account);
    if (boundary) input.workstationBoundaryArn = boundary;
    const template = await deps.template();
    const roleArn = await deps.stackRoleArnFor?.(incident.account);
    if (incident.dryRun) {
      const call = describeCreateStack(
        createStackRequest(input, template, roleArn),
        "source" in template ? template.source : undefined,
      );
      actions.push({
        name: "cleanroom:create-stack",
        target: stackName,
        status: "skipped",
        detail: `dry run: ${call}`,
      });
      await deps.store.finishStep(incidentId, CLEANROOM_STEP, "skipped", `dry run: would call ${call}`, {
        actions,
        ...(lookups.length || notes.length ? { error: [...notes, ...lookups].join("; ") } : {}),
      });
      return done("dry-run", call);
    }
    input.launchId = randomHex(deps, 32);
    const problems = validateInput(input);
    if (problems.length) {
      return await failLaunch(incidentId, deps, {
        status: "failed",
        detail: "no clean room: its parameters are not valid",
        error: problems.join("; "),
        leftToDo: [
          "Fix the configuration (EVIDENCE_KMS_KEY_ARN, EVIDENCE_BUCKET) or the snapshots",
          `Then: responder cleanroom create ${incidentId}`,
        ],
      });
    }
    // The launch is on the record before the stack exists: only what the record names is adopted.
    intent = await recordIntent(incidentId, stackName, input.launchId, deps);
    const request = createStackRequest(input, template, roleArn);
    const call = describeCreateStack(request, "source" in template ? template.source : undefined);
    let created = await createStack(clients.cfn, request);
    if (created.alreadyExisted) {
      const found = await describeStack(clients.cfn, stackName);
      if (found && isRecordedStack(found, intent)) {
        created = { stackId: found.stackId, alreadyExisted: true };
        notes.push(`CreateStack answered AlreadyExists for the responder's own stack ${stackName}: adopted`);
      } else {
        // Someone took the name between the look-up and CreateStack: never adopted, one more try.
        const fresh = stackNameFor(incidentId, randomHex(deps, 12));
        if (found) await recordSquat(incidentId, stackName, found, fresh, deps);
        notes.push(`the name ${stackName} was taken during the launch: created as ${fresh}`);
        input.stackName = fresh;
        input.launchId = randomHex(deps, 32);
        intent = await recordIntent(incidentId, fresh, input.launchId, deps);
        created = await createStack(clients.cfn, createStackRequest(input, template, roleArn));
        if (created.alreadyExisted) throw new Error(`CreateStack: ${fresh} already exists as well`);
        stackName = fresh;
      }
    }
    actions.push({
      name: "cleanroom:create-stack",
      target: stackName,
      status: created.alreadyExisted ? "skipped" : "ok",
      detail: created.alreadyExisted ? "AlreadyExistsException: the responder's own stack; adopted" : call,
      ...(created.stackId ? { data: { stackId: created.stackId } } : {}),
    });
    const stack = await describeStack(clients.cfn, created.stackId ?? stackName);
    if (!stack || !(stack.stackId === created.stackId || isRecordedStack(stack, intent))) {
      return await failLaunch(incidentId, deps, {
        status: "failed",
        detail: `stack ${stackName} not found right after CreateStack`,
        error: stack
          ? "DescribeStacks answered with a stack that is not the one CreateStack created"
          : "CreateStack answered, but DescribeStacks does not know the stack (deleted at once on failure?)",
        actions,
        record: intent,
      });
    }
    return await settleLaunch(incidentId, stack, clients, deps, {
      actions,
      notes,
      expiresAt,
      snapshotIds: chosen.ids,
      ...requested,
      ...(created.stackId ? { createdStackId: created.stackId } : {}),
    });
  } catch (err) {
    const unsupported = err instanceof UnsupportedError;
    return failLaunch(incidentId, deps, {
      status: unsupported ? "unsupported" : "failed",
      detail: unsupported
        ? "no clean room: this endpoint does not support a call it needs"
        : "no clean room: a call failed",
      error: describeError(err),
      actions,
      ...(intent ? { record: intent } : {}),
      leftToDo: [`Retry: responder cleanroom create ${incidentId}`],
    });
  }
}

/** Writes the launch onto the incident before CreateStack: the name and the random launch id. */
async function recordIntent(
  incidentId: string,
  stackName: string,
  launchId: string,
  deps: CleanroomDeps,
): Promise<CleanroomRecord> {
  const previous = recordOf(await deps.store.get(incidentId));
  const intent: CleanroomRecord = {
    stackName,
    launchId,
    createRequestedAt: nowIso(deps),
    status: "CREATE_REQUESTED",
    outputs: {},
    ...(previous?.squatted?.length ? { squatted: previous.squatted } : {}),
  };
  await deps.store.note(
    incidentId,
    { step: CLEANROOM_STEP, status: "info", detail: `creating stack ${stackName} (launch recorded first)` },
    { cleanroom: intent },
  );
  return intent;
}

/** A forged or early `Evidence Preserved`: nothing is launched; logged, noted and alerted. */
async function refuseEvidence(
  incident: IncidentRecord,
  why: string,
  deps: CleanroomDeps,
): Promise<CleanroomOutcome> {
  const detail = `Evidence Preserved refused: ${why}; no clean room launched`;
  deps.log.warn("clean-room trigger refused", { incidentId: incident.incidentId, why });
  await deps.store.note(incident.incidentId, { step: CLEANROOM_STEP, status: "info", detail });
  await notify(deps, {
    stage: "rejected",
    incident: await deps.store.get(incident.incidentId),
    summary: `An Evidence Preserved event was refused: ${why}. Nothing was launched.`,
  });
  return { action: "launch", incidentId: incident.incidentId, outcome: "refused", detail };
}

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
  const previous = recordOf(incident);
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
    await deps.store.finishStep(incidentId, CLEANROOM_STEP, "ok", detail, {
      ...(extra.actions?.length ? { actions: extra.actions } : {}),
      set: { cleanroom: record },
    });
    await notifyReady(await deps.store.get(incidentId), record, deps);
    return { action: "launch", incidentId, outcome: "ready", detail };
  }
  if (phase === "creating") {
    const detail = `stack ${stack.stackName} ${stack.status}: continues on CloudFormation's status event${noteText}`;
    await deps.store.finishStep(incidentId, CLEANROOM_STEP, "waiting", detail, {
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
  await deps.store.finishStep(incidentId, CLEANROOM_STEP, f.status, f.detail, {
    error: f.error,
    ...(f.actions?.length ? { actions: f.actions } : {}),
    ...(f.record ? { set: { cleanroom: f.record } } : {}),
  });
  await notify(deps, {
    stage: "failed",
    incident: await deps.store.get(incidentId),
    summary: `Clean room not launched (${f.status}): ${f.detail}. Containment and evidence are not affected.`,
    failed: [{ what: f.what ?? "clean room", error: f.alertError ?? f.error }],
    ...(f.leftToDo ? { leftToDo: f.leftToDo } : {}),
  });
  return { action: "launch", incidentId, outcome: f.status, detail: `${f.detail}: ${f.error}` };
}

/**
 * The ready alert: the connect command the responder built from the validated instance id and
 * region, or, when the outputs did not pass their checks, none and the reason.
 */
async function notifyReady(
  incident: IncidentRecord,
  record: CleanroomRecord,
  deps: CleanroomDeps,
): Promise<void> {
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
  await notify(deps, {
    stage: "cleanroom-ready",
    incident,
    summary: connect
      ? `Clean room ready. Connect with: ${connect}`
      : `Clean room ready, but the stack's outputs were not trusted${untrusted}: no connect command. Find the workstation with: ${find}`,
    facts: {
      "Clean room stack": record.stackName,
      Connect: connect ?? `(none: the stack's outputs were not trusted${untrusted})`,
      Workstation: o.WorkstationInstanceId ?? "?",
      VPC: `${o.VpcId ?? "?"} (no internet gateway; S3 and Session Manager endpoints only)`,
      "Evidence volumes": `${o.EvidenceVolumeIds || "none"} (from ${(record.snapshotIds ?? []).join(", ") || "the evidence snapshots"}; mount read-only: docs/cleanroom.md)`,
      Notes: `s3://${deps.bucket}/incidents/${incident.incidentId}/notes/`,
      Expires: `${record.expiresAt ?? "?"} (then deleted by the responder)`,
    },
    leftToDo: [`When done: responder cleanroom destroy ${incident.incidentId}`],
  });
}

/** After a retry finds the launch done, makes sure its ready alert went out. */
async function resendReadyAlert(incident: IncidentRecord, deps: CleanroomDeps): Promise<void> {
  const record = recordOf(incident);
  if (incident.steps[CLEANROOM_STEP]?.status !== "ok" || !record) return;
  if (incident.alerts.some((a) => a.stage === "cleanroom-ready")) return;
  await notifyReady(incident, record, deps);
}
