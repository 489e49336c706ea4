/**
 * `responder approve|deny <incidentId> [--reason TEXT]` and `responder close <incidentId>
 * [--reason TEXT]`: a person's decisions, recorded on the incident under their identity
 * (the STS caller ARN, or the local user against an emulator) and alerted.
 */
import { userInfo } from "node:os";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { SnsAlerter } from "../../shared/alerts/publisher.ts";
import { eventsClient, snsClient, stsClient } from "../../shared/aws/clients.ts";
import { RefusedError } from "../../shared/errors/index.ts";
import { EventBridgePublisher } from "../../shared/events/bus.ts";
import { INCIDENT_ID_PATTERN, type IncidentRecord } from "../../shared/incident/model.ts";
import { decide } from "../../shared/workflow/approval.ts";
import type { Log } from "../../shared/workflow/deps.ts";
import { notify } from "../../shared/workflow/notify.ts";
import { type Connection, connect } from "../connect.ts";
import { green, printJson, text } from "../output.ts";
import { buildTimeline, formatDuration } from "../report/timeline.ts";
import { UsageError } from "./ingest.ts";

const stderrLog: Log = {
  info: () => undefined,
  warn: (m, ...x) => process.stderr.write(`${m} ${x.length ? JSON.stringify(x) : ""}\n`),
  error: (m, ...x) => process.stderr.write(`${m} ${x.length ? JSON.stringify(x) : ""}\n`),
};

/** Who is deciding: the STS caller ARN; against an emulator, the local user. */
export async function callerIdentity(conn: Pick<Connection, "aws" | "local">): Promise<string> {
  const user = process.env.USER || process.env.USERNAME || safeUser();
  if (conn.local) return `local:${user}`;
  const out = await stsClient(conn.aws).send(new GetCallerIdentityCommand({}));
  return out.Arn ?? `unknown caller (${user})`;
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return "unknown";
  }
}

export function checkId(command: string, id: string | undefined): string {
  if (!id || !INCIDENT_ID_PATTERN.test(id))
    throw new UsageError(
      `${command} needs an incident id like ir-20260101-0123abcd${id ? `, not ${id}` : ""}`,
    );
  return id;
}

export function depsOf(conn: Connection) {
  return {
    store: conn.store,
    bus: new EventBridgePublisher(eventsClient(conn.aws), conn.resources.eventBusName),
    alerter: new SnsAlerter(snsClient(conn.aws), conn.resources.alertTopicArn),
    log: stderrLog,
    evidenceBucket: conn.resources.evidenceBucket,
  };
}

/** `responder approve|deny`. */
export async function decideCommand(args: {
  decision: "approved" | "denied";
  incidentId?: string;
  reason?: string;
  json: boolean;
  stage?: string;
}): Promise<number> {
  const incidentId = checkId(args.decision === "approved" ? "approve" : "deny", args.incidentId);
  const conn = await connect(args.stage);
  const by = await callerIdentity(conn);
  const actions = await decide(
    { incidentId, decision: args.decision, by, ...(args.reason ? { reason: args.reason } : {}) },
    depsOf(conn),
  );
  if (args.json) printJson({ incidentId, decision: args.decision, by, actions });
  else
    console.log(
      `${green(args.decision)} by ${text(by)}: ${actions.map((x) => text(x)).join(", ")}${args.decision === "approved" ? " — the waiting actions start now (responder status to follow them)" : " — they will not run"}`,
    );
  return 0;
}

/** What is still in place when an incident closes: said in the closing alert. */
export function leftInPlace(incident: IncidentRecord): string[] {
  const left: string[] = [];
  const contain = incident.steps.contain?.status;
  if (
    (contain === "verified" || contain === "partial") &&
    !incident.timeline.some((t) => t.step === "release" && t.status === "ok")
  ) {
    const ids = incident.finding.resources.filter((r) => r.kind === "ec2-instance").map((r) => r.id);
    left.push(
      `${ids.join(", ") || "the instance"} is still isolated: release it (responder release ${incident.incidentId}) or terminate it`,
    );
  }
  if (incident.steps.cleanroom?.status === "ok")
    left.push(`the clean room stays until its TTL, or: responder cleanroom destroy ${incident.incidentId}`);
  if (incident.evidence?.manifestKey)
    left.push("the evidence stays under Object Lock for its retention period");
  return left;
}

/** `responder close`. */
export async function closeCommand(args: {
  incidentId?: string;
  reason?: string;
  json: boolean;
  stage?: string;
}): Promise<number> {
  const incidentId = checkId("close", args.incidentId);
  const conn = await connect(args.stage);
  const incident = await conn.store.get(incidentId);
  if (incident.status === "closed") throw new RefusedError(`incident ${incidentId} is already closed`);
  const by = await callerIdentity(conn);
  const detail = `closed by ${by}${args.reason ? `: ${args.reason}` : ""}`;
  await conn.store.close(incidentId, detail);
  const closed = await conn.store.get(incidentId);
  const t = buildTimeline(closed);
  const steps = Object.entries(closed.steps)
    .map(([k, s]) => `${k} ${s.status}`)
    .join(", ");
  await notify(depsOf(conn), {
    stage: "closed",
    incident: closed,
    summary: `Incident ${detail}. Open for ${formatDuration(Date.now() - Date.parse(closed.createdAt))}; time to contain ${formatDuration(t.figures.timeToContainMs)}, time to evidence ${formatDuration(t.figures.timeToEvidenceMs)}. Steps: ${steps}.`,
    leftToDo: leftInPlace(closed),
  });
  if (args.json) printJson({ incidentId, status: "closed", by });
  else console.log(`${green("closed")} ${incidentId} (${text(detail)})`);
  return 0;
}
