/**
 * `responder cleanroom create <incidentId>` and `responder cleanroom destroy <incidentId>`: record
 * the request on the incident under the caller's own identity (with the caller's credentials),
 * then put `Clean Room Requested` / `Clean Room Destroy Requested` — carrying only the incident id
 * and the request id — on the responder's bus, and wait for the cleanroom function to end the
 * step (`cleanroom` / `cleanroom-destroy`) on the incident. The function acts only on a request
 * recorded this way, once.
 */
import { randomBytes } from "node:crypto";
import { eventsClient } from "../../shared/aws/clients.ts";
import { EventBridgePublisher, type EventPublisher } from "../../shared/events/bus.ts";
import {
  CLEANROOM_REQUEST_ID_PATTERN,
  type CleanroomRequest,
  INCIDENT_ID_PATTERN,
  type IncidentRecord,
  type StepRecord,
} from "../../shared/incident/model.ts";
import { cleanroomOf } from "../../shared/incident/record.ts";
import type { IncidentStore } from "../../shared/incident/store.ts";
import {
  CLEANROOM_DESTROY_STEP,
  CLEANROOM_STEP,
  type CleanroomRecord,
} from "../../shared/workflow/cleanroom.ts";
import { connect } from "../connect.ts";
import { bold, dim, printJson, progress, red, statusColour, text } from "../output.ts";
import { callerIdentity } from "./decide.ts";
import { UsageError } from "./ingest.ts";

export type CleanroomAction = "create" | "destroy";

/** What a request came to. */
export interface CleanroomRequestOutcome {
  incidentId: string;
  action: CleanroomAction;
  /** False when nothing was sent: the step had already ended (or was still running) before. */
  sent: boolean;
  /** True when the step ended within the time limit. */
  ended: boolean;
  step?: StepRecord;
  cleanroom?: CleanroomRecord;
  /** Why nothing was sent, when it was not. */
  note?: string;
  /** The request recorded on the incident, when one was. */
  requestId?: string;
}

/** A new request id: `crq-` and 32 random hex digits. */
export function newRequestId(): string {
  const id = `crq-${randomBytes(16).toString("hex")}`;
  if (!CLEANROOM_REQUEST_ID_PATTERN.test(id)) throw new Error("request id generation is broken");
  return id;
}

const STEP_OF: Record<CleanroomAction, string> = { create: CLEANROOM_STEP, destroy: CLEANROOM_DESTROY_STEP };
const DETAIL_TYPE = { create: "Clean Room Requested", destroy: "Clean Room Destroy Requested" } as const;
const ENDED = new Set(["ok", "skipped", "unsupported", "failed", "partial", "verified"]);

/**
 * Records the request on the incident as `by` (the caller's STS identity), sends its event and
 * waits until its step ends (the same path the command takes; tests use it directly). A step
 * that already ended is reported, not requested again — except a failed one, which the request
 * retries.
 */
export async function requestCleanroom(
  deps: { store: IncidentStore; bus: EventPublisher },
  action: CleanroomAction,
  incidentId: string,
  opts: {
    /** Who asks: the caller's STS identity (callerIdentity), recorded on the incident. */
    by: string;
    timeoutMs?: number;
    intervalMs?: number;
    onProgress?: (step: StepRecord) => void;
  },
): Promise<CleanroomRequestOutcome> {
  const stepName = STEP_OF[action];
  const incident = await deps.store.get(incidentId);
  const before = incident.steps[stepName];
  const result = (i: IncidentRecord, extra: Partial<CleanroomRequestOutcome>): CleanroomRequestOutcome => {
    const step = i.steps[stepName];
    const room = cleanroomOf(i);
    return {
      incidentId,
      action,
      sent: false,
      ended: step ? ENDED.has(step.status) : false,
      ...(step ? { step } : {}),
      ...(room ? { cleanroom: room } : {}),
      ...extra,
    };
  };
  if (!opts.by.trim()) throw new UsageError("a clean-room request needs the caller's identity");
  let sent = false;
  let note: string | undefined;
  let requestId: string | undefined;
  if (before && before.status !== "failed") {
    note =
      before.status === "running" || before.status === "waiting"
        ? `step ${stepName} is already ${before.status}: waiting for it, no new request`
        : `step ${stepName} already ended (${before.status}): nothing sent`;
    if (ENDED.has(before.status)) return result(incident, { note });
  } else {
    const request: CleanroomRequest = {
      requestId: newRequestId(),
      action,
      by: opts.by.slice(0, 512),
      at: new Date().toISOString(),
    };
    // On the record first, with the caller's own credentials: the event only points at it.
    await deps.store.recordCleanroomRequest(incidentId, request);
    requestId = request.requestId;
    await deps.bus.emit(DETAIL_TYPE[action], { incidentId, requestId });
    sent = true;
  }
  const extra = { sent, ...(note ? { note } : {}), ...(requestId ? { requestId } : {}) };
  const deadline = Date.now() + (opts.timeoutMs ?? 120_000);
  let last = "";
  for (;;) {
    const current = await deps.store.get(incidentId);
    const step = current.steps[stepName];
    const fresh = step && (!before || step.startedAt !== before.startedAt || step.endedAt !== before.endedAt);
    if (step && fresh) {
      const key = `${step.status}|${step.endedAt ?? ""}`;
      if (key !== last) opts.onProgress?.(step);
      last = key;
      if (ENDED.has(step.status)) return result(current, extra);
    }
    if (Date.now() > deadline) return result(current, { ...extra, ended: false });
    await new Promise((r) => setTimeout(r, opts.intervalMs ?? 250));
  }
}

/** `responder cleanroom create|destroy <incidentId>`. */
export async function cleanroomCommand(args: {
  action?: string;
  incidentId?: string;
  json: boolean;
  timeoutSeconds: number;
  stage?: string;
}): Promise<number> {
  if (args.action !== "create" && args.action !== "destroy") {
    throw new UsageError("usage: responder cleanroom create|destroy <incidentId> [--json] [--timeout S]");
  }
  if (!args.incidentId || !INCIDENT_ID_PATTERN.test(args.incidentId)) {
    throw new UsageError(`not an incident id: ${args.incidentId ?? "(none)"}`);
  }
  if (!Number.isFinite(args.timeoutSeconds) || args.timeoutSeconds <= 0)
    throw new UsageError("--timeout must be a number of seconds");
  const conn = await connect(args.stage);
  const bus = new EventBridgePublisher(eventsClient(conn.aws), conn.resources.eventBusName);
  const by = await callerIdentity(conn);
  const action = args.action;
  if (!args.json)
    progress(
      `${action === "create" ? "Clean Room Requested" : "Clean Room Destroy Requested"} for ${args.incidentId}…`,
    );
  const out = await requestCleanroom({ store: conn.store, bus }, action, args.incidentId, {
    by,
    timeoutMs: args.timeoutSeconds * 1000,
    ...(args.json
      ? {}
      : {
          onProgress: (s) =>
            progress(`  ${STEP_OF[action]} ${statusColour(s.status)}  ${dim(text(s.detail ?? "", 140))}`),
        }),
  });
  const good = out.ended && (out.step?.status === "ok" || out.step?.status === "skipped");
  if (args.json) {
    printJson({ status: good ? "ok" : out.ended ? "failed" : "timeout", ...out });
    return good ? 0 : 1;
  }
  if (out.note) console.log(dim(text(out.note)));
  if (!out.ended) {
    const where = conn.local ? ` Is the responder running (responder local up) on ${conn.aws.endpoint}?` : "";
    console.error(
      `${red("Not ended")} after ${args.timeoutSeconds} s: step ${STEP_OF[action]} is ${out.step?.status ?? "not started"}.${where} Follow it with: responder status ${args.incidentId}`,
    );
    return 1;
  }
  const s = out.step;
  console.log(`${bold(STEP_OF[action])} ${statusColour(s?.status ?? "?")}  ${text(s?.detail ?? "")}`);
  if (s?.error) console.log(`${red("error")} ${text(s.error)}`);
  const o = out.cleanroom?.outputs ?? {};
  if (action === "create" && s?.status === "ok") {
    console.log(`${bold("Stack")}     ${text(out.cleanroom?.stackName ?? "")}`);
    // Built by the responder from the validated instance id and region, never an output's text.
    console.log(
      `${bold("Connect")}   ${text(out.cleanroom?.connect ?? "(none: the stack's outputs were not trusted)")}`,
    );
    console.log(`${bold("Notes")}     ${text(o.NotesPrefix ?? "")}`);
    console.log(`${bold("Expires")}   ${text(out.cleanroom?.expiresAt ?? "?")}`);
  }
  return good ? 0 : 1;
}
