/**
 * Launching a clean room: the checks that let a trigger through (a planned launch needs sealed
 * evidence on the record; a request is checked before it gets here), and the CreateStack call
 * with the launch recorded on the incident first. Recording the result is in settle.ts.
 */
import { plannedAction } from "../../actions/index.ts";
import {
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
  s3PrefixListId,
  stackNameFor,
  validateInput,
} from "../../cleanroom/index.ts";
import type { ActionResult } from "../../domain/types.ts";
import { describeError, UnsupportedError } from "../../errors/index.ts";
import type { IncidentRecord } from "../../incident/model.ts";
import { cleanroomOf } from "../../incident/record.ts";
import { nowIso } from "../deps.ts";
import { notify } from "../notify.ts";
import { endStep, runStep } from "../steps.ts";
import {
  CLEANROOM_CREATOR,
  CLEANROOM_STEP,
  type CleanroomDeps,
  type CleanroomOutcome,
  type CleanroomRecord,
  type LaunchTrigger,
} from "./common.ts";
import { nameToCreate, randomHex, recordedLiveStack, recordSquat } from "./ownership.ts";
import { failLaunch, readyAlert, settleLaunch } from "./settle.ts";

/** The outcome of a launch of this incident's clean room. */
function launchOutcome(incidentId: string) {
  return (outcome: string, detail: string): CleanroomOutcome => ({
    action: "launch",
    incidentId,
    outcome,
    detail,
  });
}

function approved(incident: IncidentRecord): boolean {
  return (incident.approvals ?? []).some((a) => a.decision === "approved");
}

/** Launches the incident's clean room, or adopts the one the incident records creating. */
export async function launchCleanroom(
  incidentId: string,
  trigger: LaunchTrigger,
  deps: CleanroomDeps,
): Promise<CleanroomOutcome> {
  const done = launchOutcome(incidentId);
  const incident = await deps.store.get(incidentId);
  if (trigger.kind === "evidence") {
    const verdict = evidenceVerdict(incident);
    if (!verdict.ok && !verdict.planned) return done("not-planned", verdict.why);
    if (!verdict.ok) return refuseEvidence(incident, verdict.why, deps);
    const action = plannedAction(incident.plan, "launch-cleanroom");
    if (action?.requiresApproval && !approved(incident))
      return done("awaiting-approval", "launch-cleanroom waits for approval");
  }
  const ran = await runStep(deps, {
    incident,
    step: CLEANROOM_STEP,
    lane: "cleanroom",
    // Read again under the claim: a retry sees what an earlier attempt recorded (its intent).
    work: async () => launch(await deps.store.get(incidentId), trigger, deps),
    alerts: {
      stages: ["cleanroom-ready"],
      resend: (step, recorded) => {
        const record = cleanroomOf(recorded);
        return step.status === "ok" && record ? readyAlert(incidentId, record, deps) : undefined;
      },
    },
  });
  return (
    ran?.value ??
    done(
      "already",
      `step ${CLEANROOM_STEP} is ${incident.steps[CLEANROOM_STEP]?.status ?? "claimed"}: no second stack`,
    )
  );
}

/** Launches the clean room, under the launch step's claim: every outcome ends the step. */
async function launch(
  incident: IncidentRecord,
  trigger: LaunchTrigger,
  deps: CleanroomDeps,
): Promise<CleanroomOutcome> {
  const { incidentId } = incident;
  const done = launchOutcome(incidentId);
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
    if (deps.quirks.explicitVolumeSize && chosen.ids.length) {
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
      await endStep(deps, incidentId, CLEANROOM_STEP, {
        status: "skipped",
        detail: `dry run: would call ${call}`,
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
  const previous = cleanroomOf(await deps.store.get(incidentId));
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
