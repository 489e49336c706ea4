/**
 * Clean-room lane: one CloudFormation stack per incident (infra/cleanroom.yaml), built from the
 * evidence snapshots, recorded on the incident and torn down on request or when its TTL passes.
 *
 * - `Evidence Preserved` launches it when the plan has launch-cleanroom (the plan already applied
 *   the tier policy); `Clean Room Requested` launches it whatever the plan says.
 * - Never waits inside the Lambda: a stack that is already complete (the emulator creates
 *   synchronously) is recorded at once; otherwise the step waits for CloudFormation's
 *   `Stack Status Change` event, and the scheduled run reconciles any event that was missed.
 * - `Clean Room Destroy Requested` and the schedule (expired `expires-at` tag) delete it.
 * Idempotent: the `cleanroom` and `cleanroom-destroy` steps are claimed, and an existing stack
 * is adopted rather than created twice.
 */

import {
  CLEANROOM_TAG,
  type CleanroomClients,
  type CleanroomInput,
  chooseSnapshots,
  createdByValue,
  createStack,
  createStackRequest,
  deleteStack,
  describeCreateStack,
  describeStack,
  expiresAtFor,
  incidentIdOfStack,
  largestSnapshotGiB,
  leftoverResources,
  listCleanroomStacks,
  MAX_EVIDENCE_SNAPSHOTS,
  memberStackRoleArn,
  memberWorkstationBoundaryArn,
  type StackView,
  s3PrefixListId,
  selectExpired,
  stackFailure,
  stackNameFor,
  stackPhase,
  type TemplateSource,
  validateInput,
} from "../cleanroom/index.ts";
import type { ActionResult, StepStatus } from "../domain/types.ts";
import { describeError, InvalidEventError, UnsupportedError } from "../errors/index.ts";
import { RESPONDER_SOURCE } from "../events/bus.ts";
import { INCIDENT_ID_PATTERN, type IncidentRecord } from "../incident/model.ts";
import type { BaseDeps } from "./deps.ts";
import { nowIso } from "./deps.ts";
import { notify } from "./notify.ts";
import { ownOrMember } from "./per-account.ts";
import { LEASE_MS } from "./steps.ts";

export const CLEANROOM_STEP = "cleanroom";
export const CLEANROOM_DESTROY_STEP = "cleanroom-destroy";
/** Who creates the stacks (the CreatedBy parameter and tag). */
export const CLEANROOM_CREATOR = "incident-responder/cleanroom";

export interface CleanroomDeps extends BaseDeps {
  /** Clients in the account (and region) that holds the incident's snapshots. */
  clientsFor(account: string, incidentId: string): Promise<CleanroomClients>;
  /** The template, read once. */
  template(): Promise<TemplateSource>;
  /** The evidence bucket and its key: the workstation reads the incident's prefix. */
  bucket: string;
  kmsKeyArn?: string;
  /**
   * True against an emulator (an endpoint is configured): each evidence volume gets the
   * snapshot's size explicitly, because moto needs a Size. In AWS the template's 0 means the same.
   */
  explicitVolumeSize: boolean;
  /** The responder's own account (the expiry sweep always looks there). */
  ownAccount(): Promise<string>;
  /**
   * The CloudFormation service role that creates the stack's resources in `account` (see
   * {@link cleanroomStackRoleFor}); undefined: CloudFormation uses the caller's credentials.
   */
  stackRoleArnFor?(account: string): Promise<string | undefined>;
  /**
   * The permissions boundary of the workstation role in `account` (see
   * {@link workstationBoundaryFor}); undefined: none (the emulator, or a stack role without the condition).
   */
  workstationBoundaryFor?(account: string): Promise<string | undefined>;
  /** How long a status event waits for a launch or destroy still being recorded (ms). */
  settleWaitMs?: number;
}

/** What the lane records on the incident, as `cleanroom`. */
export interface CleanroomRecord {
  stackName: string;
  stackId?: string;
  status: string;
  outputs: Record<string, string>;
  expiresAt?: string;
  snapshotIds?: string[];
  requestedBy?: string;
  readyAt?: string;
  destroyedAt?: string;
  /** Resources still there after the stack was deleted (the emulator leaves some). */
  leftovers?: string[];
}

/** What one invocation did. */
export interface CleanroomOutcome {
  action: "launch" | "destroy" | "status" | "sweep" | "ignored";
  incidentId?: string;
  outcome: string;
  detail: string;
}

/** Why a launch runs. */
export type LaunchTrigger = { kind: "evidence" } | { kind: "request"; requestedBy?: string };
/** Why a destroy runs. */
export type DestroyTrigger =
  | { kind: "request"; requestedBy?: string }
  | { kind: "expired"; expiresAt: string };

/**
 * Which CloudFormation service role creates clean rooms in `account`: the role the responder's
 * own stack created (CLEANROOM_STACK_ROLE_ARN) in the function's own account; in any other
 * account that member account's `incident-responder-cleanroom-stack`
 * (infra/member-account-role.yaml), which the member role may pass.
 */
export function cleanroomStackRoleFor(roles: {
  ownAccount(): Promise<string>;
  ownRoleArn?: string | undefined;
}): (account: string) => Promise<string | undefined> {
  return ownOrMember({
    ownAccount: roles.ownAccount,
    ownArn: roles.ownRoleArn,
    memberArn: memberStackRoleArn,
  });
}

/**
 * The permissions boundary of the workstation role in `account`: the responder's own
 * (CLEANROOM_WORKSTATION_BOUNDARY_ARN) in the function's own account; in any other account
 * that member account's `incident-responder-cleanroom-boundary`. The stack roles create
 * workstation roles only with it.
 */
export function workstationBoundaryFor(boundaries: {
  ownAccount(): Promise<string>;
  ownBoundaryArn?: string | undefined;
}): (account: string) => Promise<string | undefined> {
  return ownOrMember({
    ownAccount: boundaries.ownAccount,
    ownArn: boundaries.ownBoundaryArn,
    memberArn: memberWorkstationBoundaryArn,
  });
}

type AnyEvent = {
  source?: string;
  "detail-type"?: string;
  account?: string;
  detail?: Record<string, unknown>;
};

function approved(incident: IncidentRecord): boolean {
  return (incident.approvals ?? []).some((a) => a.decision === "approved");
}

function recordOf(incident: IncidentRecord): CleanroomRecord | undefined {
  const r = incident.cleanroom as CleanroomRecord | undefined;
  return r && typeof r.stackName === "string" ? r : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Handles every event the cleanroom function receives. */
export async function handleCleanroomEvent(
  event: AnyEvent,
  deps: CleanroomDeps,
): Promise<CleanroomOutcome | CleanroomOutcome[]> {
  const type = event["detail-type"];
  if (event.source === RESPONDER_SOURCE) {
    const incidentId = String(event.detail?.incidentId ?? "");
    if (!INCIDENT_ID_PATTERN.test(incidentId))
      throw new InvalidEventError("not an incident id", "detail.incidentId");
    const requestedBy =
      typeof event.detail?.requestedBy === "string" ? event.detail.requestedBy.slice(0, 200) : undefined;
    if (type === "Evidence Preserved") return launchCleanroom(incidentId, { kind: "evidence" }, deps);
    if (type === "Clean Room Requested")
      return launchCleanroom(incidentId, { kind: "request", ...(requestedBy ? { requestedBy } : {}) }, deps);
    if (type === "Clean Room Destroy Requested") {
      return destroyCleanroom(incidentId, { kind: "request", ...(requestedBy ? { requestedBy } : {}) }, deps);
    }
  }
  if (event.source === "aws.cloudformation" && type === "CloudFormation Stack Status Change")
    return onStackStatus(event, deps);
  if (event.source === "aws.events" && type === "Scheduled Event") return sweepCleanrooms(deps);
  return { action: "ignored", outcome: "ignored", detail: `not a clean-room event: ${event.source} ${type}` };
}

// ------------------------------------------------------------------------------------ launch

/** Launches the incident's clean room (or adopts the one that exists). */
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
    const action = incident.plan.actions.find((a) => a.name === "launch-cleanroom");
    if (!action) return done("not-planned", "the plan has no launch-cleanroom action");
    if (action.requiresApproval && !approved(incident))
      return done("awaiting-approval", "launch-cleanroom waits for approval");
  }
  if (!(await deps.store.claimStep(incidentId, CLEANROOM_STEP, LEASE_MS.cleanroom))) {
    const step = incident.steps[CLEANROOM_STEP];
    deps.log.info("clean room already launched or in progress", { incidentId, step: step?.status });
    await resendReadyAlert(incident, deps);
    return done("already", `step ${CLEANROOM_STEP} is ${step?.status ?? "claimed"}: no second stack`);
  }
  incident = await deps.store.get(incidentId);
  const stackName = stackNameFor(incidentId);
  const requestedBy = trigger.kind === "request" ? trigger.requestedBy : undefined;
  const actions: ActionResult[] = [];
  const notes: string[] = [];
  try {
    const clients = await deps.clientsFor(incident.account, incidentId);
    const chosen = chooseSnapshots(incident.evidence?.snapshots ?? []);
    if (chosen.left.length) {
      notes.push(
        `the template takes ${MAX_EVIDENCE_SNAPSHOTS} snapshots: ${chosen.left.join(", ")} left out (attach them by hand)`,
      );
    }
    if (chosen.notReady.length) notes.push(`not completed, left out: ${chosen.notReady.join(", ")}`);
    if (!incident.dryRun) {
      const existing = await describeStack(clients.cfn, stackName);
      if (existing && stackPhase(existing.status) !== "deleted") {
        notes.push(`stack ${stackName} already exists (${existing.status}): adopted, none created`);
        actions.push({
          name: "cleanroom:create-stack",
          target: stackName,
          status: "skipped",
          detail: `already exists (${existing.status})`,
        });
        return await settleLaunch(incidentId, existing, clients, deps, {
          actions,
          notes,
          ...(requestedBy ? { requestedBy } : {}),
        });
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
    };
    const boundary = await deps.workstationBoundaryFor?.(incident.account);
    if (boundary) input.workstationBoundaryArn = boundary;
    const template = await deps.template();
    const roleArn = await deps.stackRoleArnFor?.(incident.account);
    const request = createStackRequest(input, template, roleArn);
    const call = describeCreateStack(request, "source" in template ? template.source : undefined);
    if (incident.dryRun) {
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
    const created = await createStack(clients.cfn, request);
    actions.push({
      name: "cleanroom:create-stack",
      target: stackName,
      status: created.alreadyExisted ? "skipped" : "ok",
      detail: created.alreadyExisted ? "AlreadyExistsException: another request created it; adopted" : call,
      ...(created.stackId ? { data: { stackId: created.stackId } } : {}),
    });
    if (created.alreadyExisted) notes.push(`stack ${stackName} was created by a concurrent request: adopted`);
    const stack = await describeStack(clients.cfn, created.stackId ?? stackName);
    if (!stack) {
      return await failLaunch(incidentId, deps, {
        status: "failed",
        detail: `stack ${stackName} not found right after CreateStack`,
        error:
          "CreateStack answered, but DescribeStacks does not know the stack (deleted at once on failure?)",
        actions,
      });
    }
    return await settleLaunch(incidentId, stack, clients, deps, {
      actions,
      notes,
      expiresAt,
      snapshotIds: chosen.ids,
      ...(requestedBy ? { requestedBy } : {}),
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
      leftToDo: [`Retry: responder cleanroom create ${incidentId}`],
    });
  }
}

/** Records a stack's state on the launch step: ready, still being created, or failed. */
async function settleLaunch(
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
  },
): Promise<CleanroomOutcome> {
  const incident = await deps.store.get(incidentId);
  const previous = recordOf(incident);
  const record: CleanroomRecord = {
    ...previous,
    stackName: stack.stackName,
    stackId: stack.stackId,
    status: stack.status,
    outputs: stack.outputs,
    ...((extra.expiresAt ?? stack.tags[CLEANROOM_TAG.expiresAt] ?? previous?.expiresAt)
      ? { expiresAt: extra.expiresAt ?? stack.tags[CLEANROOM_TAG.expiresAt] ?? previous?.expiresAt }
      : {}),
    ...(extra.snapshotIds?.length ? { snapshotIds: extra.snapshotIds } : {}),
    ...(extra.requestedBy ? { requestedBy: extra.requestedBy } : {}),
  };
  const notes = extra.notes?.length ? `; ${extra.notes.join("; ")}` : "";
  const phase = stackPhase(stack.status);
  if (phase === "ready") {
    record.readyAt = nowIso(deps);
    const o = stack.outputs;
    const detail = `clean room ${stack.stackName} ready: workstation ${o.WorkstationInstanceId ?? "?"} in ${o.VpcId ?? "?"}, evidence volumes ${
      o.EvidenceVolumeIds || "none"
    }; expires ${record.expiresAt ?? "?"}${notes}`;
    await deps.store.finishStep(incidentId, CLEANROOM_STEP, "ok", detail, {
      ...(extra.actions?.length ? { actions: extra.actions } : {}),
      set: { cleanroom: record },
    });
    await notifyReady(await deps.store.get(incidentId), record, deps);
    return { action: "launch", incidentId, outcome: "ready", detail };
  }
  if (phase === "creating") {
    const detail = `stack ${stack.stackName} ${stack.status}: continues on CloudFormation's status event${notes}`;
    await deps.store.finishStep(incidentId, CLEANROOM_STEP, "waiting", detail, {
      ...(extra.actions?.length ? { actions: extra.actions } : {}),
      set: { cleanroom: record },
    });
    return { action: "launch", incidentId, outcome: "waiting", detail };
  }
  const failure = await stackFailure(clients.cfn, stack.stackId || stack.stackName).catch(() => undefined);
  const error = failure
    ? `${failure.resource}: ${failure.reason}`
    : `stack ${stack.status}${stack.statusReason ? `: ${stack.statusReason}` : " (no failure event found)"}`;
  return failLaunch(incidentId, deps, {
    status: "failed",
    detail: `stack ${stack.stackName} ${stack.status}${notes}`,
    error,
    ...(extra.actions ? { actions: extra.actions } : {}),
    record,
    what: failure
      ? `clean room resource ${failure.resource} (${failure.status})`
      : `clean room stack ${stack.stackName}`,
    ...(failure ? { alertError: failure.reason } : {}),
    leftToDo: [
      phase === "failed" && stack.status !== "CREATE_FAILED"
        ? `Delete the failed stack (responder cleanroom destroy ${incidentId} or aws cloudformation delete-stack --stack-name ${stack.stackName})`
        : `Fix the cause, then retry: responder cleanroom create ${incidentId}`,
    ],
  });
}

/** Ends the launch step as failed (or unsupported) and alerts. */
async function failLaunch(
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

async function notifyReady(
  incident: IncidentRecord,
  record: CleanroomRecord,
  deps: CleanroomDeps,
): Promise<void> {
  const o = record.outputs;
  const connect =
    o.SessionManagerCommand ?? `aws ssm start-session --target ${o.WorkstationInstanceId ?? "<instance>"}`;
  await notify(deps, {
    stage: "cleanroom-ready",
    incident,
    summary: `Clean room ready. Connect with: ${connect}`,
    facts: {
      "Clean room stack": record.stackName,
      Connect: connect,
      Workstation: o.WorkstationInstanceId ?? "?",
      VPC: `${o.VpcId ?? "?"} (no internet gateway; S3 and Session Manager endpoints only)`,
      "Evidence volumes": `${o.EvidenceVolumeIds || "none"} (from ${(record.snapshotIds ?? []).join(", ") || "the evidence snapshots"}; mount read-only: docs/cleanroom.md)`,
      Notes: o.NotesPrefix ?? "?",
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

// ------------------------------------------------------------------------------------ destroy

/** Deletes the incident's clean room. */
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
  if (!(await deps.store.claimStep(incidentId, CLEANROOM_DESTROY_STEP, LEASE_MS.cleanroom))) {
    const step = incident.steps[CLEANROOM_DESTROY_STEP];
    return done("already", `step ${CLEANROOM_DESTROY_STEP} is ${step?.status ?? "claimed"}`);
  }
  const record = recordOf(incident);
  const stackName = record?.stackName ?? stackNameFor(incidentId);
  const why =
    trigger.kind === "expired"
      ? `expired at ${trigger.expiresAt}`
      : `requested${trigger.requestedBy ? ` by ${trigger.requestedBy}` : ""}`;
  const actions: ActionResult[] = [];
  try {
    const clients = await deps.clientsFor(incident.account, incidentId);
    const stack = await describeStack(clients.cfn, stackName);
    if (!stack || stackPhase(stack.status) === "deleted") {
      const detail = `no clean room stack ${stackName}: nothing to delete (${why})`;
      await deps.store.finishStep(incidentId, CLEANROOM_DESTROY_STEP, "skipped", detail);
      return done("skipped", detail);
    }
    const call = `cloudformation:DeleteStack StackName=${stack.stackId || stackName}`;
    if (incident.dryRun) {
      actions.push({
        name: "cleanroom:delete-stack",
        target: stackName,
        status: "skipped",
        detail: `dry run: ${call}`,
      });
      await deps.store.finishStep(
        incidentId,
        CLEANROOM_DESTROY_STEP,
        "skipped",
        `dry run: would call ${call} (${why})`,
        { actions },
      );
      return done("dry-run", call);
    }
    const deleted = await deleteStack(clients.cfn, stack.stackId || stackName);
    actions.push({
      name: "cleanroom:delete-stack",
      target: stackName,
      status: "ok",
      detail: deleted.dependencyViolation
        ? `${call} — answered DependencyViolation: ${deleted.dependencyViolation}`
        : call,
    });
    const after = await describeStack(clients.cfn, stack.stackId || stackName);
    return await settleDestroy(incidentId, stack, after, clients, deps, { why, actions, ...deleted });
  } catch (err) {
    const detail = `clean room ${stackName} not deleted (${why})`;
    await deps.store.finishStep(incidentId, CLEANROOM_DESTROY_STEP, "failed", detail, {
      error: describeError(err),
      ...(actions.length ? { actions } : {}),
    });
    await notify(deps, {
      stage: "failed",
      incident: await deps.store.get(incidentId),
      summary: `Clean room not deleted: ${describeError(err)}`,
      failed: [{ what: `delete stack ${stackName}`, error: describeError(err) }],
      leftToDo: [
        `Retry: responder cleanroom destroy ${incidentId}`,
        `Or: aws cloudformation delete-stack --stack-name ${stackName}`,
      ],
    });
    return done("failed", `${detail}: ${describeError(err)}`);
  }
}

/** Records a deletion's state on the destroy step: done (with any leftovers), in progress, or failed. */
async function settleDestroy(
  incidentId: string,
  before: StackView,
  after: StackView | undefined,
  clients: CleanroomClients,
  deps: CleanroomDeps,
  extra: { why: string; actions?: ActionResult[]; dependencyViolation?: string },
): Promise<CleanroomOutcome> {
  const incident = await deps.store.get(incidentId);
  const record: CleanroomRecord = {
    ...(recordOf(incident) ?? { stackName: before.stackName, outputs: before.outputs }),
    status: after?.status ?? "DELETE_COMPLETE",
  };
  if (before.stackId) record.stackId = before.stackId;
  const phase = after ? stackPhase(after.status) : "deleted";
  const actions = extra.actions?.length ? { actions: extra.actions } : {};
  if (phase === "deleted") {
    record.status = "DELETE_COMPLETE";
    record.destroyedAt = nowIso(deps);
    // Only the emulator answers DependencyViolation and leaves resources behind: name them.
    const leftovers = extra.dependencyViolation ? await leftoverResources(clients.ec2, before.stackName) : [];
    if (leftovers.length) record.leftovers = leftovers;
    const status: StepStatus = leftovers.length ? "partial" : "ok";
    const detail = `stack ${before.stackName} deleted (${extra.why})${
      extra.dependencyViolation
        ? `; DeleteStack answered DependencyViolation (${extra.dependencyViolation})`
        : ""
    }${leftovers.length ? `; left behind: ${leftovers.join(", ")}` : ""}`;
    await deps.store.finishStep(incidentId, CLEANROOM_DESTROY_STEP, status, detail, {
      ...actions,
      ...(leftovers.length ? { error: `resources left behind: ${leftovers.join(", ")}` } : {}),
      set: { cleanroom: record },
    });
    await notify(deps, {
      stage: "cleanroom-destroyed",
      incident: await deps.store.get(incidentId),
      summary: `Clean room ${before.stackName} deleted (${extra.why})${leftovers.length ? `, but ${leftovers.length} resources were left behind` : ""}. The snapshots and the evidence bucket are kept.`,
      ...(leftovers.length
        ? {
            failed: [{ what: "resources left behind after DeleteStack", error: leftovers.join(", ") }],
            leftToDo: [`Delete by hand: ${leftovers.join(", ")}`],
          }
        : {}),
    });
    return { action: "destroy", incidentId, outcome: status, detail };
  }
  if (phase === "deleting") {
    const detail = `DeleteStack started (${extra.why}): ${before.stackName} ${after?.status}; continues on CloudFormation's status event`;
    await deps.store.finishStep(incidentId, CLEANROOM_DESTROY_STEP, "waiting", detail, {
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
  await deps.store.finishStep(incidentId, CLEANROOM_DESTROY_STEP, "failed", detail, {
    ...actions,
    error,
    set: { cleanroom: record },
  });
  await notify(deps, {
    stage: "failed",
    incident: await deps.store.get(incidentId),
    summary: `Clean room not deleted: ${detail}.`,
    failed: [
      {
        what: failure ? `clean room resource ${failure.resource}` : `delete stack ${before.stackName}`,
        error,
      },
    ],
    leftToDo: [`Fix the cause, then retry: responder cleanroom destroy ${incidentId}`],
  });
  return { action: "destroy", incidentId, outcome: "failed", detail: `${detail}: ${error}` };
}

// ------------------------------------------------------------------------------------ status events

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
  if (phase === "creating" || phase === "other") return ignored(`${status}: not an end state`);
  let incident = await deps.store.find(incidentId);
  if (!incident) return ignored(`no incident ${incidentId}`);
  const stepName =
    phase === "deleting" || phase === "deleted" || phase === "delete-failed"
      ? CLEANROOM_DESTROY_STEP
      : CLEANROOM_STEP;
  // The lane that started the operation may still be recording it: give it a moment.
  const deadline = Date.now() + (deps.settleWaitMs ?? 20_000);
  while (incident.steps[stepName]?.status === "running" && Date.now() < deadline) {
    await sleep(500);
    incident = await deps.store.get(incidentId);
  }
  const step = incident.steps[stepName];
  if (phase === "deleting" || phase === "deleted" || phase === "delete-failed") {
    // OnFailure=DELETE: a failed creation ends in DELETE_COMPLETE while the launch step waits.
    if (step?.status !== "waiting" && incident.steps[CLEANROOM_STEP]?.status === "waiting") {
      return reconcileLaunch(incident, deps, stackId);
    }
    if (step?.status !== "waiting")
      return ignored(`${status}: step ${stepName} is ${step?.status ?? "absent"}`);
    if (phase === "deleting") return ignored(`${status}: still deleting`);
    return reconcileDestroy(incident, deps, stackId);
  }
  if (step?.status !== "waiting")
    return ignored(`${status}: step ${stepName} is ${step?.status ?? "absent"}`);
  return reconcileLaunch(incident, deps, stackId);
}

async function reconcileLaunch(
  incident: IncidentRecord,
  deps: CleanroomDeps,
  stackId?: string,
): Promise<CleanroomOutcome> {
  const record = recordOf(incident);
  const clients = await deps.clientsFor(incident.account, incident.incidentId);
  const ref = stackId || record?.stackId || record?.stackName || stackNameFor(incident.incidentId);
  const stack = await describeStack(clients.cfn, ref);
  if (!stack) {
    return failLaunch(incident.incidentId, deps, {
      status: "failed",
      detail: `stack ${record?.stackName ?? ref} no longer exists`,
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

async function reconcileDestroy(
  incident: IncidentRecord,
  deps: CleanroomDeps,
  stackId?: string,
): Promise<CleanroomOutcome> {
  const record = recordOf(incident);
  const clients = await deps.clientsFor(incident.account, incident.incidentId);
  const ref = stackId || record?.stackId || record?.stackName || stackNameFor(incident.incidentId);
  const after = await describeStack(clients.cfn, ref);
  if (after && stackPhase(after.status) === "deleting") {
    return {
      action: "status",
      incidentId: incident.incidentId,
      outcome: "waiting",
      detail: `${after.stackName} ${after.status}`,
    };
  }
  const before: StackView = {
    stackName: record?.stackName ?? stackNameFor(incident.incidentId),
    stackId: record?.stackId ?? (stackId || ""),
    status: record?.status ?? "",
    outputs: record?.outputs ?? {},
    tags: {},
  };
  return settleDestroy(incident.incidentId, before, after, clients, deps, { why: "DeleteStack finished" });
}

// ------------------------------------------------------------------------------------ schedule

/**
 * The scheduled run: continues launches and deletions whose status event was missed, then deletes
 * every clean room whose `expires-at` tag has passed — in the responder's own account and in the
 * accounts of open incidents that have a clean room.
 */
export async function sweepCleanrooms(deps: CleanroomDeps): Promise<CleanroomOutcome[]> {
  const now = deps.now?.() ?? new Date();
  const outcomes: CleanroomOutcome[] = [];
  const open = await deps.store.listOpen();
  for (const incident of open) {
    try {
      if (incident.steps[CLEANROOM_STEP]?.status === "waiting")
        outcomes.push(await reconcileLaunch(incident, deps));
      if (incident.steps[CLEANROOM_DESTROY_STEP]?.status === "waiting")
        outcomes.push(await reconcileDestroy(incident, deps));
    } catch (err) {
      deps.log.error("clean room not reconciled", {
        incidentId: incident.incidentId,
        error: describeError(err),
      });
    }
  }
  const accounts = new Set<string>([await deps.ownAccount()]);
  for (const i of open) if (recordOf(i)) accounts.add(i.account);
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
        const expiresAt = s.tags[CLEANROOM_TAG.expiresAt] ?? "";
        const incidentId = incidentIdOfStack(s.stackName);
        try {
          if (incidentId && (await deps.store.find(incidentId))) {
            outcomes.push(await destroyCleanroom(incidentId, { kind: "expired", expiresAt }, deps));
          } else {
            outcomes.push(
              await destroyOrphan(account, s.stackId ?? s.stackName, s.stackName, expiresAt, clients, deps),
            );
          }
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

/** An expired clean room whose incident is not in the table: deleted and alerted, without a record. */
async function destroyOrphan(
  account: string,
  ref: string,
  stackName: string,
  expiresAt: string,
  clients: CleanroomClients,
  deps: CleanroomDeps,
): Promise<CleanroomOutcome> {
  if (deps.dryRun) {
    return { action: "destroy", outcome: "dry-run", detail: `cloudformation:DeleteStack StackName=${ref}` };
  }
  const deleted = await deleteStack(clients.cfn, ref);
  const leftovers = deleted.dependencyViolation ? await leftoverResources(clients.ec2, stackName) : [];
  await notify(deps, {
    stage: "cleanroom-destroyed",
    account,
    summary: `Expired clean room ${stackName} (expired ${expiresAt}, no incident record found) deleted${
      leftovers.length ? `; left behind: ${leftovers.join(", ")}` : ""
    }.`,
  });
  return {
    action: "destroy",
    outcome: leftovers.length ? "partial" : "ok",
    detail: `${stackName} deleted (orphan)`,
  };
}
