/**
 * What the clean-room lane may believe, and what it must only check. Pure: no I/O.
 *
 * - A stack's outputs are text its owner wrote. The lane keeps an output only when it matches the
 *   grammar of what the template puts there, and builds the connect command itself from a
 *   validated instance id and region: no output text is ever copied into an alert or a command.
 * - A stack is the responder's only when the incident records creating it: its stack id, or,
 *   before that id is recorded, its name and the random launch id tagged on it at CreateStack.
 * - A CloudFormation status event counts only from the incident's account and for the stack id
 *   the incident recorded.
 * - A clean-room request counts only when a person recorded it on the incident (with their own
 *   credentials) and the lane has not yet acted on it; who asked is read from that record.
 */
import { lanePlanned } from "../actions/index.ts";
import { MANIFEST_STEP } from "../actions/step-names.ts";
import {
  CLEANROOM_REQUEST_ID_PATTERN,
  type CleanroomRequest,
  type IncidentRecord,
} from "../incident/model.ts";
import { CLEANROOM_TAG } from "./stack.ts";

/** EC2 id grammars: 8 or 17 hex digits after the prefix. */
export const INSTANCE_ID_PATTERN = /^i-[0-9a-f]{8}([0-9a-f]{9})?$/;
export const VPC_ID_PATTERN = /^vpc-[0-9a-f]{8}([0-9a-f]{9})?$/;
export const SECURITY_GROUP_ID_PATTERN = /^sg-[0-9a-f]{8}([0-9a-f]{9})?$/;
export const VOLUME_ID_PATTERN = /^vol-[0-9a-f]{8}([0-9a-f]{9})?$/;
/** AWS region names: `us-east-1`, `eu-central-2`, `us-gov-west-1`, `cn-north-1`… */
export const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/;
/** CloudFormation stack statuses (upper case words and underscores). */
export const STACK_STATUS_PATTERN = /^[A-Z_]{1,40}$/;

/** How long a recorded request stays good for its event (the CLI sends it at once). */
export const REQUEST_MAX_AGE_MS = 60 * 60_000;

/** The parts of a stack id (`arn:PARTITION:cloudformation:REGION:ACCOUNT:stack/NAME/UUID`). */
export interface StackArn {
  partition: string;
  region: string;
  account: string;
  name: string;
  uuid: string;
}

const STACK_ARN =
  /^arn:(aws[a-z-]{0,20}):cloudformation:([a-z0-9-]{1,30}):(\d{12}):stack\/([A-Za-z][A-Za-z0-9-]{0,127})\/([A-Za-z0-9-]{1,64})$/;

/** Parses a stack id; undefined for anything that is not one. */
export function parseStackId(stackId: unknown): StackArn | undefined {
  if (typeof stackId !== "string") return undefined;
  const m = STACK_ARN.exec(stackId);
  if (!m?.[1] || !m[2] || !m[3] || !m[4] || !m[5] || !REGION_PATTERN.test(m[2])) return undefined;
  return { partition: m[1], region: m[2], account: m[3], name: m[4], uuid: m[5] };
}

/**
 * The Session Manager command that opens a shell on the workstation, built from an instance id
 * and a region that match their grammars; undefined when either does not.
 */
export function connectCommand(instanceId: unknown, region: unknown): string | undefined {
  if (typeof instanceId !== "string" || !INSTANCE_ID_PATTERN.test(instanceId)) return undefined;
  if (typeof region !== "string" || !REGION_PATTERN.test(region)) return undefined;
  return `aws ssm start-session --target ${instanceId} --region ${region}`;
}

/** The outputs the lane keeps: each one checked against its grammar. */
export interface TrustedOutputs {
  WorkstationInstanceId?: string;
  VpcId?: string;
  SecurityGroupId?: string;
  /** Comma-separated, in attachment order. */
  EvidenceVolumeIds?: string;
  NotesPrefix?: string;
}

/** What {@link trustOutputs} kept, built and refused. */
export interface OutputsVerdict {
  outputs: TrustedOutputs;
  /** Built from the validated instance id and region; absent when either failed its check. */
  connect?: string;
  /** The names of the outputs not kept (their values are never repeated). */
  untrusted: string[];
}

const OUTPUT_KEY = /^[A-Za-z0-9]{1,64}$/;

/**
 * Keeps the outputs of a stack that match what infra/cleanroom.yaml puts there, and builds the
 * connect command from the instance id and `region` (the region of the recorded stack id).
 * `SessionManagerCommand` is never kept: the command is built here, not copied.
 */
export function trustOutputs(
  raw: Record<string, string>,
  ctx: { incidentId: string; bucket: string; region: string },
): OutputsVerdict {
  const outputs: TrustedOutputs = {};
  const untrusted: string[] = [];
  const single: [keyof TrustedOutputs, RegExp][] = [
    ["WorkstationInstanceId", INSTANCE_ID_PATTERN],
    ["VpcId", VPC_ID_PATTERN],
    ["SecurityGroupId", SECURITY_GROUP_ID_PATTERN],
  ];
  const known = new Set<string>(["SessionManagerCommand", "EvidenceVolumeIds", "NotesPrefix"]);
  for (const [key, pattern] of single) {
    known.add(key);
    const v = raw[key];
    if (v === undefined) continue;
    if (pattern.test(v)) outputs[key] = v;
    else untrusted.push(key);
  }
  const volumes = raw.EvidenceVolumeIds;
  if (volumes !== undefined) {
    const ids = volumes.split(",");
    if (ids.length >= 1 && ids.length <= 4 && ids.every((id) => VOLUME_ID_PATTERN.test(id)))
      outputs.EvidenceVolumeIds = ids.join(",");
    else untrusted.push("EvidenceVolumeIds");
  }
  const notes = `s3://${ctx.bucket}/incidents/${ctx.incidentId}/notes/`;
  if (raw.NotesPrefix !== undefined) {
    if (raw.NotesPrefix === notes) outputs.NotesPrefix = notes;
    else untrusted.push("NotesPrefix");
  }
  const connect = connectCommand(outputs.WorkstationInstanceId, ctx.region);
  if (raw.SessionManagerCommand !== undefined && raw.SessionManagerCommand !== connect)
    untrusted.push("SessionManagerCommand");
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) untrusted.push(OUTPUT_KEY.test(key) ? key : "(an output with an unreadable name)");
  }
  return { outputs, ...(connect ? { connect } : {}), untrusted };
}

/** A stack as the ownership check sees it. */
export interface StackIdentity {
  stackName: string;
  stackId: string;
  tags: Record<string, string>;
}

/** What the incident records about the stack the responder created (or is creating). */
export interface CreatedStackRecord {
  stackName?: string;
  stackId?: string;
  launchId?: string;
}

/**
 * True when the incident records creating this stack: the recorded stack id; or, while no id is
 * recorded yet (CreateStack's answer was lost), the recorded name and the launch id it was tagged with.
 */
export function isRecordedStack(stack: StackIdentity, record: CreatedStackRecord | undefined): boolean {
  if (!record) return false;
  if (record.stackId) return stack.stackId === record.stackId;
  return Boolean(
    record.launchId &&
      record.stackName &&
      stack.stackName === record.stackName &&
      stack.tags[CLEANROOM_TAG.launchId] === record.launchId,
  );
}

/** Accepted, or refused with the reason. */
export type Verdict = { ok: true } | { ok: false; why: string };

/**
 * Whether a `CloudFormation Stack Status Change` event comes from where the incident's clean
 * room lives: the envelope's account (set by EventBridge, not by the sender) and the stack id's
 * account are the incident's.
 */
export function stackEventOrigin(
  event: { account?: unknown; stackId: string },
  incident: Pick<IncidentRecord, "account">,
): Verdict {
  const arn = parseStackId(event.stackId);
  if (!arn) return { ok: false, why: "the stack id is not a CloudFormation stack ARN" };
  if (event.account !== incident.account)
    return {
      ok: false,
      why: `the event comes from account ${typeof event.account === "string" ? event.account.slice(0, 20) : "(none)"}, not the incident's ${incident.account}`,
    };
  if (arn.account !== incident.account)
    return {
      ok: false,
      why: `the stack is in account ${arn.account}, not the incident's ${incident.account}`,
    };
  return { ok: true };
}

/**
 * Whether a `CloudFormation Stack Status Change` event may move the incident's clean room: it
 * comes from the incident's account ({@link stackEventOrigin}) and names the stack id the
 * incident recorded creating.
 */
export function stackEventVerdict(
  event: { account?: unknown; stackId: string },
  incident: Pick<IncidentRecord, "account">,
  recorded: CreatedStackRecord | undefined,
): Verdict {
  const origin = stackEventOrigin(event, incident);
  if (!origin.ok) return origin;
  if (!recorded?.stackId) return { ok: false, why: "the incident records no stack id the responder created" };
  if (recorded.stackId !== event.stackId)
    return { ok: false, why: "not the stack id the incident recorded creating" };
  return { ok: true };
}

/** A request the lane may act on, or why not (`replay`: already acted on, e.g. a duplicate delivery). */
export type RequestVerdict =
  | { ok: true; request: CleanroomRequest }
  | { ok: false; why: string; replay?: boolean };

/**
 * Whether a `Clean Room Requested` / `Clean Room Destroy Requested` event names a request a
 * person recorded on the incident, for this action, not yet acted on and not stale. An event
 * that carries its own `by` or `requestedBy` is refused: who asked comes from the record.
 */
export function requestVerdict(
  detail: Record<string, unknown>,
  incident: Pick<IncidentRecord, "cleanroomRequests">,
  action: CleanroomRequest["action"],
  now: Date,
): RequestVerdict {
  if ("by" in detail || "requestedBy" in detail)
    return { ok: false, why: "the event names who asked; that is read from the incident record only" };
  const requestId = detail.requestId;
  if (typeof requestId !== "string" || !CLEANROOM_REQUEST_ID_PATTERN.test(requestId))
    return { ok: false, why: "the event has no valid request id" };
  const request = incident.cleanroomRequests?.[requestId];
  if (!request || request.requestId !== requestId)
    return { ok: false, why: `no request ${requestId} is recorded on the incident` };
  if (request.action !== action)
    return { ok: false, why: `request ${requestId} is a ${request.action} request, not ${action}` };
  if (typeof request.by !== "string" || !request.by.trim())
    return { ok: false, why: `request ${requestId} does not say who asked` };
  if (request.consumedAt)
    return { ok: false, why: `request ${requestId} was acted on at ${request.consumedAt}`, replay: true };
  const at = Date.parse(request.at);
  if (Number.isNaN(at) || now.getTime() - at > REQUEST_MAX_AGE_MS)
    return { ok: false, why: `request ${requestId} is older than ${REQUEST_MAX_AGE_MS / 60_000} minutes` };
  return { ok: true, request };
}

/**
 * Whether `Evidence Preserved` may launch the clean room: the incident's plan has
 * launch-cleanroom and its record shows the evidence sealed (the manifest step ended ok and the
 * manifest key is recorded). The event itself proves nothing.
 */
export function evidenceVerdict(
  incident: Pick<IncidentRecord, "plan" | "steps" | "evidence">,
): Verdict & { planned: boolean } {
  if (!lanePlanned(incident.plan, "cleanroom"))
    return { ok: false, planned: false, why: "the plan has no launch-cleanroom action" };
  if (incident.steps[MANIFEST_STEP]?.status !== "ok" || !incident.evidence?.manifestKey)
    return {
      ok: false,
      planned: true,
      why: `the record shows no sealed evidence (manifest step ${incident.steps[MANIFEST_STEP]?.status ?? "absent"})`,
    };
  return { ok: true, planned: true };
}
