/**
 * Which stack is the incident's clean room: only one the incident records the responder
 * creating. A stack that holds the predictable name `incident-responder-cleanroom-<id>` without
 * that record (pre-created, "squatted") is never adopted: the squatting is recorded on the
 * incident and alerted as a possible attack, nothing of the stack (outputs, tags, description)
 * is used, and the responder creates its own clean room under a fresh name with a random suffix.
 */
import { randomBytes } from "node:crypto";
import {
  type CleanroomClients,
  describeStack,
  isRecordedStack,
  parseStackId,
  STACK_STATUS_PATTERN,
  type StackView,
  stackNameFor,
  stackPhase,
} from "../../cleanroom/index.ts";
import type { IncidentRecord } from "../../incident/model.ts";
import { cleanroomOf } from "../../incident/record.ts";
import { nowIso } from "../deps.ts";
import { notify } from "../notify.ts";
import { CLEANROOM_STEP, type CleanroomDeps, type CleanroomRecord, type SquattedStack } from "./common.ts";

/** Random hex digits from the deps (tests) or crypto. */
export function randomHex(deps: Pick<CleanroomDeps, "randomHex">, digits: number): string {
  const hex = deps.randomHex?.(digits) ?? randomBytes(Math.ceil(digits / 2)).toString("hex");
  return hex.slice(0, digits);
}

/**
 * The stack the incident records creating, when it still exists: read by its recorded stack id,
 * or, when only the intent was recorded (CreateStack's answer lost), by the recorded name and
 * accepted only with the recorded launch id on its tag.
 */
export async function recordedLiveStack(
  incident: IncidentRecord,
  clients: CleanroomClients,
): Promise<StackView | undefined> {
  const record = cleanroomOf(incident);
  if (!record) return undefined;
  const ref = record.stackId || (record.launchId ? record.stackName : undefined);
  if (!ref) return undefined;
  const stack = await describeStack(clients.cfn, ref);
  if (!stack || stackPhase(stack.status) === "deleted") return undefined;
  return isRecordedStack(stack, record) ? stack : undefined;
}

/** What a squatted stack leaves on the record: its name, and its id and status when well-formed. */
export function squattedEntry(stackName: string, found: StackView, at: string): SquattedStack {
  return {
    stackName,
    ...(parseStackId(found.stackId) ? { stackId: found.stackId } : {}),
    ...(STACK_STATUS_PATTERN.test(found.status) ? { status: found.status } : {}),
    detectedAt: at,
  };
}

/**
 * Records on the incident (and alerts, once per squatting stack) that `stackName` is held by a
 * stack the responder did not create, and says which name the responder uses instead.
 */
export async function recordSquat(
  incidentId: string,
  stackName: string,
  found: StackView,
  instead: string,
  deps: CleanroomDeps,
): Promise<void> {
  const incident = await deps.store.get(incidentId);
  const record: CleanroomRecord = cleanroomOf(incident) ?? { stackName: instead, status: "", outputs: {} };
  const entry = squattedEntry(stackName, found, nowIso(deps));
  const known = (record.squatted ?? []).some(
    (s) => s.stackName === entry.stackName && s.stackId === entry.stackId,
  );
  const squatted = known ? (record.squatted ?? []) : [...(record.squatted ?? []), entry];
  const what = `stack ${entry.stackId ?? "(id not readable)"}${entry.status ? `, ${entry.status}` : ""}`;
  const detail = `POSSIBLE ATTACK: ${stackName} already exists (${what}) and this incident does not record the responder creating it: not adopted, none of its outputs used; the clean room is created as ${instead}`;
  deps.log.warn("clean-room stack name pre-created by someone else: not adopted", {
    incidentId,
    stackName,
    stackId: entry.stackId,
  });
  await deps.store.note(
    incidentId,
    { step: CLEANROOM_STEP, status: "info", detail },
    { cleanroom: { ...record, squatted } },
  );
  if (known) return;
  await notify(deps, {
    stage: "failed",
    incident: await deps.store.get(incidentId),
    summary: `POSSIBLE ATTACK: a CloudFormation stack named ${stackName} was created in account ${incident.account} by someone other than the responder before the incident's clean room. It is not adopted and nothing it outputs is used or shown. The responder creates its own clean room as ${instead}.`,
    failed: [{ what: `clean-room stack name ${stackName}`, error: `pre-created by someone else (${what})` }],
    leftToDo: [
      `Find who created it: CloudTrail CreateStack events for ${stackName} in account ${incident.account}`,
      "Do not run any command the stack's outputs suggest; the responder's own connect command is in its clean-room-ready alert",
      `Delete it by hand once examined: the responder never deletes a stack it did not create`,
    ],
  });
}

/**
 * The name to create the clean room under: the predictable one when nobody holds it; otherwise
 * (squatted) the squatting is recorded and alerted and a fresh name with a random suffix is used.
 */
export async function nameToCreate(
  incidentId: string,
  clients: CleanroomClients,
  deps: CleanroomDeps,
): Promise<{ stackName: string; squatted: boolean }> {
  const predictable = stackNameFor(incidentId);
  const found = await describeStack(clients.cfn, predictable);
  if (!found || stackPhase(found.status) === "deleted") return { stackName: predictable, squatted: false };
  const fresh = stackNameFor(incidentId, randomHex(deps, 12));
  await recordSquat(incidentId, predictable, found, fresh, deps);
  return { stackName: fresh, squatted: true };
}
