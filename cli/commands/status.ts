/** `responder status [incidentId]` and `responder deadletters`. */
import { INCIDENT_ID_PATTERN, type IncidentRecord } from "../../shared/incident/model.ts";
import { connect } from "../connect.ts";
import {
  bold,
  dim,
  incidentJson,
  incidentText,
  printJson,
  red,
  statusColour,
  table,
  text,
} from "../output.ts";
import { cleanroomFacts, formatBytes } from "../report/input.ts";
import { buildTimeline, formatDuration, formatOffset } from "../report/timeline.ts";
import { UsageError } from "./ingest.ts";

/** Everything `responder status <id> --json` says about one incident. */
export function statusJson(incident: IncidentRecord) {
  const t = buildTimeline(incident, { now: Date.now() });
  return {
    ...incidentJson(incident),
    createdAt: incident.createdAt,
    updatedAt: incident.updatedAt,
    account: incident.account,
    region: incident.region,
    figures: t.figures,
    findings: incident.findings,
    approvals: incident.approvals ?? [],
    steps: Object.fromEntries(
      t.phases.map((p) => [
        p.step,
        {
          status: p.status,
          startedAt: incident.steps[p.step]?.startedAt,
          endedAt: incident.steps[p.step]?.endedAt,
          durationMs: p.durationMs,
          attempts: p.attempts,
          detail: p.detail,
          error: p.error,
        },
      ]),
    ),
    timeline: incident.timeline,
    evidence: {
      manifestKey: incident.evidence?.manifestKey,
      manifestSha256: incident.evidence?.manifestSha256,
      artifacts: incident.evidence?.artifacts ?? [],
      snapshots: incident.evidence?.snapshots ?? [],
    },
    containment: incident.containment,
    cleanroom: incident.cleanroom,
    alerts: incident.alerts,
  };
}

function printIncident(incident: IncidentRecord): void {
  const t = buildTimeline(incident, { now: Date.now() });
  console.log(incidentText(incident));
  console.log(
    `${bold("Figures")}  time to contain ${bold(t.figures.timeToContainMs !== undefined ? formatDuration(t.figures.timeToContainMs) : t.figures.containStatus)}, ` +
      `time to evidence ${bold(t.figures.timeToEvidenceMs !== undefined ? formatDuration(t.figures.timeToEvidenceMs) : t.figures.evidenceStatus)}` +
      dim(` (from ${t.fromDetection ? "detection" : "the incident's opening"})`),
  );
  if (incident.findings.length > 1) {
    console.log(bold("Findings"));
    console.log(
      table(
        incident.findings.map((f) => [
          `  ${text(f.time)}`,
          text(f.source),
          text(f.type),
          `severity ${text(f.severity)}`,
          dim(text(f.id)),
        ]),
      ),
    );
  }
  if (incident.approvals?.length) {
    console.log(bold("Approvals"));
    console.log(
      table(
        incident.approvals.map((a) => [
          `  ${text(a.at)}`,
          statusColour(a.decision === "approved" ? "ok" : "failed").replace(/ok|failed/, text(a.decision)),
          text(a.by),
          text(a.reason ?? ""),
        ]),
      ),
    );
  }
  console.log(bold("Timeline of the steps"));
  console.log(
    table([
      ["  step", "status", "start", "end", "duration", "tries", "detail"].map(dim),
      ...t.phases.map((p) => [
        `  ${p.step}`,
        statusColour(p.status),
        formatOffset(p.start, t.origin),
        formatOffset(p.end, t.origin),
        formatDuration(p.durationMs),
        String(p.attempts ?? ""),
        `${text(p.detail ?? "")}${p.error ? ` ${red(`error: ${text(p.error)}`)}` : ""}`,
      ]),
    ]),
  );
  console.log(bold("Evidence"));
  console.log(
    `  manifest ${text(incident.evidence?.manifestKey ?? "not written")}${incident.evidence?.manifestSha256 ? dim(` sha256 ${text(incident.evidence.manifestSha256)}`) : ""}`,
  );
  const artifacts = incident.evidence?.artifacts ?? [];
  if (artifacts.length)
    console.log(
      table(
        artifacts.map((a) => [
          `  ${text(a.name)}`,
          formatBytes(a.size),
          dim(text(a.sha256)),
          text(a.storageClass ?? ""),
        ]),
      ),
    );
  const snaps = incident.evidence?.snapshots ?? [];
  if (snaps.length)
    console.log(
      table(
        snaps.map((s) => [
          `  ${text(s.snapshotId)}`,
          text(s.volumeId),
          text(s.deviceName ?? ""),
          statusColour(s.state === "completed" ? "ok" : s.state).replace("ok", text(s.state)),
        ]),
      ),
    );
  const room = cleanroomFacts(incident);
  if (room.length || incident.steps.cleanroom) {
    console.log(bold("Clean room"));
    console.log(table(room.map(([k, v]) => [`  ${text(k)}`, text(v)])));
  }
  console.log(bold("Alerts sent"));
  console.log(
    incident.alerts.length
      ? table(
          incident.alerts.map((a) => [
            `  ${formatOffset(Date.parse(a.at), t.origin)}`,
            text(a.stage),
            text(a.subject),
          ]),
        )
      : "  (none)",
  );
  console.log(bold("Full timeline"));
  console.log(
    table(
      incident.timeline.map((e) => [
        `  ${text(e.at)}`,
        dim(formatOffset(Date.parse(e.at), t.origin)),
        text(e.step),
        statusColour(e.status),
        `${text(e.detail)}${e.durationMs !== undefined ? dim(` (${formatDuration(e.durationMs)})`) : ""}${e.error ? ` ${red(text(e.error))}` : ""}`,
      ]),
    ),
  );
}

export async function statusCommand(args: {
  incidentId?: string;
  json: boolean;
  stage?: string;
}): Promise<number> {
  if (args.incidentId && !INCIDENT_ID_PATTERN.test(args.incidentId))
    throw new UsageError(`not an incident id: ${args.incidentId}`);
  const conn = await connect(args.stage);
  if (args.incidentId) {
    const incident = await conn.store.get(args.incidentId);
    if (args.json) {
      printJson(statusJson(incident));
      return 0;
    }
    printIncident(incident);
    return 0;
  }
  const open = await conn.store.listOpen();
  if (args.json) {
    printJson(open.map(incidentJson));
    return 0;
  }
  if (!open.length) {
    console.log("No open incidents.");
    return 0;
  }
  const now = Date.now();
  console.log(
    table([
      [
        "incident",
        "opened",
        "age",
        "tier",
        "finding",
        "resource",
        "where",
        "queue",
        "contain",
        "evidence",
        "clean room",
        "alerts",
      ].map(bold),
      ...open.map((i) => [
        `${text(i.incidentId)}${i.drill ? dim(" drill") : ""}`,
        text(i.createdAt.slice(0, 19).replace("T", " ")),
        formatDuration(now - Date.parse(i.createdAt)),
        `${text(i.impact.tier)} ${dim(text(i.impact.score))}`,
        text(i.finding.type, 48),
        text(i.finding.resources[0]?.id ?? ""),
        text(i.impact.tags.Name ?? i.impact.owner ?? "", 30),
        text(i.impact.workQueue ?? "—"),
        statusColour(i.steps.contain?.status ?? "—"),
        statusColour(
          i.steps.manifest?.status ?? i.steps.snapshots?.status ?? i.steps.artifacts?.status ?? "—",
        ),
        statusColour(i.steps.cleanroom?.status ?? "—"),
        String(i.alerts.length),
      ]),
    ]),
  );
  console.log(
    dim(`${open.length} open. Details: responder status <incident>; report: responder report <incident>`),
  );
  return 0;
}

export async function deadLettersCommand(args: { json: boolean; stage?: string }): Promise<number> {
  const conn = await connect(args.stage);
  const letters = await conn.store.listDeadLetters(100);
  if (args.json) {
    printJson(letters);
    return 0;
  }
  if (!letters.length) {
    console.log("No dead letters.");
    return 0;
  }
  console.log(
    table([
      ["at", "source", "detail-type", "error"].map(bold),
      ...letters.map((l) => [
        text(l.at),
        text(l.source ?? "?"),
        text(l.detailType ?? "?"),
        text(l.error, 100),
      ]),
    ]),
  );
  return 0;
}
