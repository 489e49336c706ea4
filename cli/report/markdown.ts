/**
 * The incident report in Markdown: the same sections as the HTML page, a Mermaid Gantt
 * chart of the timeline, and every untrusted text escaped (raw HTML in a finding title
 * stays text). Pure.
 */
import { lanePlanned } from "../../shared/actions/index.ts";
import { evidenceLocation } from "../../shared/alerts/message.ts";
import { escapeMarkdown as md, mdCode } from "./escape.ts";
import { artifactsOf, cleanroomFacts, formatBytes, type ReportInput, snapshotsOf } from "./input.ts";
import {
  buildTimeline,
  formatDuration,
  formatOffset,
  formatTime,
  type IncidentTimeline,
} from "./timeline.ts";

function table(head: string[], rows: string[][], empty = "none"): string[] {
  if (!rows.length) return [`_${md(empty)}_`, ""];
  return [
    `| ${head.join(" | ")} |`,
    `| ${head.map(() => "---").join(" | ")} |`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    "",
  ];
}

/** Mermaid `gantt` of the phases (time axis in milliseconds from the origin). */
function gantt(t: IncidentTimeline): string[] {
  const phases = t.phases.filter((p) => p.start !== undefined);
  if (!phases.length) return [];
  const mermaidStatus = (s: string) =>
    s === "failed"
      ? "crit, "
      : s === "running" || s === "waiting"
        ? "active, "
        : s === "ok" || s === "verified"
          ? "done, "
          : "";
  const lines = [
    "```mermaid",
    "gantt",
    "  title Incident timeline (ms from detection)",
    "  dateFormat x",
    "  axisFormat %M:%S",
  ];
  let group = "";
  phases.forEach((p, i) => {
    if (p.group !== group) {
      group = p.group;
      lines.push(`  section ${group.replace(/[^A-Za-z ]/g, "")}`);
    }
    const start = (p.start ?? 0) - t.origin;
    const end = Math.max((p.end ?? p.start ?? 0) - t.origin, start + 1);
    // Labels are the responder's own step names; statuses come from a closed set.
    lines.push(
      `  ${p.label.replace(/[^A-Za-z ]/g, "")} ${p.status.replace(/[^a-z]/g, "")} :${mermaidStatus(p.status)}s${i}, ${start}, ${end}`,
    );
  });
  lines.push("```", "");
  return lines;
}

/** Renders the report. */
export function renderMarkdown(input: ReportInput): string {
  const inc = input.incident;
  const f = inc.finding;
  const t = buildTimeline(inc);
  const out: string[] = [];
  const where = inc.impact.tags.Name ?? inc.impact.owner ?? `account ${inc.account}`;
  const badges = [
    `**${inc.impact.tier.toUpperCase()}**`,
    inc.status,
    inc.drill ? `DRILL${f.scenario ? ` ${md(f.scenario)}` : ""}` : "",
    inc.dryRun ? "DRY RUN" : "",
  ].filter(Boolean);

  out.push(
    `# Incident ${mdCode(inc.incidentId)} — ${md(f.type)}`,
    "",
    `${badges.join(" · ")} — ${f.resources.map((r) => mdCode(r.id)).join(", ")} — ${md(where)} — account ${mdCode(inc.account)}, ${md(inc.region)}`,
    "",
    `> ${md(f.title)}`,
    "",
    "## Figures",
    "",
    ...table(
      ["figure", "value"],
      [
        [
          `Time to contain${t.fromDetection ? " (from detection)" : ""}`,
          `**${md(t.figures.timeToContainMs !== undefined ? formatDuration(t.figures.timeToContainMs) : t.figures.containStatus)}**`,
        ],
        [
          `Time to evidence${t.fromDetection ? " (from detection)" : ""}`,
          `**${md(t.figures.timeToEvidenceMs !== undefined ? formatDuration(t.figures.timeToEvidenceMs) : t.figures.evidenceStatus)}**`,
        ],
        ["Time to triage", md(formatDuration(t.figures.timeToTriageMs))],
        ["Impact", md(`${inc.impact.score}/100 ${inc.impact.tier}`)],
      ],
    ),
    "## Timeline",
    "",
    ...gantt(t),
    ...table(
      ["step", "status", "start", "end", "duration", "detail"],
      t.phases.map((p) => [
        md(p.label),
        md(p.status),
        md(formatOffset(p.start, t.origin)),
        md(formatOffset(p.end, t.origin)),
        md(formatDuration(p.durationMs)),
        `${md(p.detail ?? "")}${p.error ? ` **error:** ${md(p.error)}` : ""}`,
      ]),
    ),
    "## Finding",
    "",
    `- **Type:** ${mdCode(f.type)}`,
    `- **Title:** ${md(f.title)}`,
    `- **Source:** ${md(f.source)}${inc.drill ? " (drill)" : ""}, severity ${md(f.severity)}`,
    `- **Detected:** ${md(formatTime(f.time))}`,
    `- **Finding id:** ${mdCode(f.id)}`,
    `- **Resources:** ${f.resources.map((r) => `${md(r.kind)} ${mdCode(r.id)}`).join(", ") || "none"}`,
    "",
  );
  if (inc.findings.length > 1) {
    out.push(
      "Findings that joined this incident:",
      "",
      ...table(
        ["time", "source", "type", "severity"],
        inc.findings.map((x) => [md(formatTime(x.time)), md(x.source), mdCode(x.type), md(x.severity)]),
      ),
    );
  }
  out.push(
    "## Impact",
    "",
    `**${inc.impact.tier.toUpperCase()}**, score ${inc.impact.score}/100, because:`,
    "",
    ...table(
      ["factor", "points", "reason"],
      inc.impact.reasons.map((r) => [md(r.factor), md(r.points > 0 ? `+${r.points}` : r.points), md(r.text)]),
      "no reason recorded",
    ),
    `- **Owner:** ${md(inc.impact.owner ?? "unknown (no Owner tag)")}`,
    `- **Work queue:** ${md(inc.impact.workQueue ?? "unknown (no WorkQueue tag)")}`,
    "",
    "## Plan",
    "",
    `Playbook ${mdCode(inc.plan.playbook)}: ${inc.plan.actions.map((a) => `${md(a.name)}${a.requiresApproval ? " (needs approval)" : ""}`).join(", ") || "none"}`,
    "",
    ...inc.plan.notes.map((n) => `- ${md(n)}`),
    ...(inc.plan.notes.length ? [""] : []),
  );
  if (inc.approvals?.length) {
    out.push(
      "### Approvals",
      "",
      ...table(
        ["time", "decision", "by", "reason"],
        inc.approvals.map((a) => [md(formatTime(a.at)), md(a.decision), md(a.by), md(a.reason ?? "")]),
      ),
    );
  }
  out.push(
    "## Actions and their results",
    "",
    ...table(
      ["action", "target", "status", "detail"],
      inc.actions.map((a) => [md(a.name), mdCode(a.target), md(a.status), md(a.detail)]),
      "no action was taken in the account",
    ),
    "## Evidence",
    "",
    `- **Location:** ${mdCode(evidenceLocation(inc.incidentId, input.evidenceBucket))}`,
    `- **Manifest:** ${inc.evidence?.manifestKey ? mdCode(inc.evidence.manifestKey) : "not written"}`,
    `- **Manifest SHA-256:** ${inc.evidence?.manifestSha256 ? mdCode(inc.evidence.manifestSha256) : "—"}`,
    `- **Manifest check:** ${md(input.manifestStatus ?? (input.manifest ? "read" : "not read"))}`,
    "",
    "### Artifacts",
    "",
    ...table(
      ["name", "size", "SHA-256", "storage", "collected by"],
      artifactsOf(input).map((a) => [
        mdCode(a.name),
        md(formatBytes(a.size)),
        mdCode(a.sha256),
        md(a.storageClass ?? ""),
        md(a.sourceApiCall),
      ]),
      "no artifact archived",
    ),
    "### Snapshots",
    "",
    ...table(
      ["snapshot", "volume", "device", "state", "started"],
      snapshotsOf(input).map((s) => [
        mdCode(s.snapshotId),
        mdCode(s.volumeId),
        md(s.deviceName ?? ""),
        md(s.state),
        md(formatTime(s.startTime)),
      ]),
      "no snapshot taken",
    ),
    "## Clean room",
    "",
  );
  const room = inc.steps.cleanroom;
  out.push(
    room
      ? `${md(room.status)}: ${md(room.detail ?? "")}${room.error ? ` **error:** ${md(room.error)}` : ""}`
      : lanePlanned(inc.plan, "cleanroom")
        ? "_planned, not started_"
        : "_not planned_",
    "",
    ...cleanroomFacts(inc).map(([k, v]) => `- **${md(k)}:** ${md(v)}`),
    "",
    "## Alerts sent",
    "",
    ...table(
      ["time", "stage", "subject"],
      inc.alerts.map((a) => [md(formatTime(a.at)), md(a.stage), md(a.subject)]),
      "no alert recorded",
    ),
    "## Full timeline",
    "",
    ...table(
      ["time", "offset", "step", "status", "detail"],
      inc.timeline.map((e) => [
        md(formatTime(e.at)),
        md(formatOffset(Date.parse(e.at), t.origin)),
        md(e.step),
        md(e.status),
        `${md(e.detail)}${e.error ? ` **error:** ${md(e.error)}` : ""}`,
      ]),
    ),
    `_Generated ${md(formatTime(input.generatedAt ?? new Date().toISOString()))} by Incident Responder._`,
    "",
  );
  return out.join("\n");
}
