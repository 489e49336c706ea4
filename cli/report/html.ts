/**
 * The incident report as one self-contained HTML page: inline CSS, an inline SVG timeline
 * chart, no script and no external reference (a Content-Security-Policy says so to the
 * browser too). Every untrusted text is escaped. Pure.
 */
import { lanePlanned } from "../../shared/actions/index.ts";
import { evidenceLocation } from "../../shared/alerts/message.ts";
import { colourOf, renderTimelineSvg } from "./chart.ts";
import { escapeHtml as esc } from "./escape.ts";
import { artifactsOf, cleanroomFacts, formatBytes, type ReportInput, snapshotsOf } from "./input.ts";
import { buildTimeline, formatDuration, formatOffset, formatTime, GOOD } from "./timeline.ts";

const CSS = `
:root { color-scheme: light; --ink: #1f2a33; --muted: #5b6b78; --line: #dfe5eb; --bg: #ffffff; --panel: #f5f7fa; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--ink); font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 28px 48px; }
header { border-bottom: 3px solid var(--ink); padding-bottom: 12px; margin-bottom: 16px; }
h1 { font-size: 22px; margin: 0 0 6px; }
h2 { font-size: 17px; margin: 28px 0 8px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.sub { color: var(--muted); margin: 0; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 700; color: #fff; margin-right: 6px; vertical-align: 2px; }
.tier-critical { background: #b71c1c; } .tier-high { background: #e65100; } .tier-medium { background: #f9a825; color: #1f2a33; } .tier-low { background: #607d8b; }
.b-drill { background: #6a1b9a; } .b-dry { background: #37474f; } .b-open { background: #1e6fd9; } .b-closed { background: #2e7d32; }
.figures { display: flex; gap: 14px; flex-wrap: wrap; margin: 14px 0 6px; }
.figure { background: var(--panel); border-left: 5px solid #37474f; padding: 8px 14px; min-width: 190px; }
.figure dt { font-size: 12px; color: var(--muted); }
.figure dd { margin: 0; font-size: 22px; font-weight: 700; }
.f-contain { border-color: #2e7d32; } .f-evidence { border-color: #1e6fd9; } .f-impact { border-color: #b71c1c; }
figure { margin: 8px 0; overflow-x: auto; }
figcaption { color: var(--muted); font-size: 12px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: 4px 8px; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
th { background: var(--panel); font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
td.id { min-width: 210px; max-width: 320px; }
code, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
.status { font-weight: 700; white-space: nowrap; }
.err { color: #c62828; }
.muted { color: var(--muted); }
dl.kv { display: grid; grid-template-columns: 170px 1fr; gap: 2px 12px; margin: 6px 0; }
dl.kv dt { color: var(--muted); } dl.kv dd { margin: 0; }
ul.reasons { margin: 4px 0; padding-left: 20px; }
footer { margin-top: 36px; color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
@media print { main { padding: 0; } h2 { break-after: avoid; } table, figure { break-inside: avoid; } }
`;

/** A status word in its colour; `colourKey` picks the colour when the word is not a status. */
const status = (label: string, colourKey = label) =>
  `<span class="status" style="color:${colourOf(colourKey)}">${esc(label)}</span>`;

function table(head: string[], rows: string[][], empty = "none"): string {
  if (!rows.length) return `<p class="muted">${esc(empty)}</p>`;
  return `<table><thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => (c.startsWith("<td") ? c : `<td>${c}</td>`)).join("")}</tr>`)
    .join("")}</tbody></table>`;
}

const kv = (pairs: [string, string][]) =>
  `<dl class="kv">${pairs.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join("")}</dl>`;

/** Renders the report. */
export function renderHtml(input: ReportInput): string {
  const inc = input.incident;
  const f = inc.finding;
  const t = buildTimeline(inc);
  const generated = input.generatedAt ?? new Date().toISOString();
  const actions = inc.actions;
  const failedActions = actions.filter((a) => a.status === "failed").length;
  const artifacts = artifactsOf(input);
  const snapshots = snapshotsOf(input);
  const where = inc.impact.tags.Name ?? inc.impact.owner ?? `account ${inc.account}`;
  const parts: string[] = [];

  parts.push(
    "<header>",
    `<h1>${esc(`Incident ${inc.incidentId}`)} — ${esc(f.type)}</h1>`,
    `<p class="sub"><span class="badge tier-${esc(inc.impact.tier)}">${esc(inc.impact.tier.toUpperCase())}</span>` +
      `<span class="badge b-${inc.status === "closed" ? "closed" : "open"}">${esc(inc.status)}</span>` +
      (inc.drill
        ? `<span class="badge b-drill">DRILL${f.scenario ? ` ${esc(f.scenario)}` : ""}</span>`
        : "") +
      (inc.dryRun ? '<span class="badge b-dry">DRY RUN</span>' : "") +
      `${esc(f.resources.map((r) => r.id).join(", "))} — ${esc(where)} — account ${esc(inc.account)}, ${esc(inc.region)}</p>`,
    `<p class="sub">${esc(f.title)}</p>`,
    "</header>",
  );

  parts.push(
    '<dl class="figures">',
    `<div class="figure f-impact"><dt>Impact</dt><dd>${esc(`${inc.impact.score}/100 ${inc.impact.tier}`)}</dd></div>`,
    `<div class="figure"><dt>Actions in the account</dt><dd>${esc(`${actions.filter((a) => a.status === "ok").length} ok, ${failedActions} failed`)}</dd></div>`,
    `<div class="figure"><dt>Alerts sent</dt><dd>${esc(inc.alerts.length)}</dd></div>`,
    `<div class="figure"><dt>Opened</dt><dd>${esc(formatTime(inc.createdAt).slice(0, 19))}</dd></div>`,
    "</dl>",
  );

  parts.push(
    "<h2>Timeline</h2>",
    `<figure id="timeline">${renderTimelineSvg(t)}<figcaption>${esc(
      `Axis from ${t.fromDetection ? "the finding's time (detection)" : "the incident's opening"} at ${formatTime(t.origin)}; ` +
        `bars are the response's steps, from their start to their end; triangles are alerts.`,
    )}</figcaption></figure>`,
  );

  parts.push(
    "<h2>Finding</h2>",
    kv([
      ["Type", `<code>${esc(f.type)}</code>`],
      ["Title", esc(f.title)],
      ["Source", esc(`${f.source}${inc.drill ? " (drill)" : ""}`)],
      ["Severity", esc(f.severity)],
      ["Detected", esc(formatTime(f.time))],
      ["Finding id", `<code>${esc(f.id)}</code>`],
      ["Resources", f.resources.map((r) => `${esc(r.kind)} <code>${esc(r.id)}</code>`).join(", ") || "none"],
    ]),
  );
  if (inc.findings.length > 1) {
    parts.push(
      "<h3>Findings that joined this incident</h3>",
      table(
        ["time", "source", "type", "severity", "id"],
        inc.findings.map((x) => [
          esc(formatTime(x.time)),
          esc(x.source),
          `<code>${esc(x.type)}</code>`,
          esc(x.severity),
          `<code>${esc(x.id)}</code>`,
        ]),
      ),
    );
  }

  parts.push(
    "<h2>Impact</h2>",
    `<p><strong>${esc(inc.impact.tier.toUpperCase())}</strong>, score ${esc(inc.impact.score)}/100, because:</p>`,
    table(
      ["factor", "points", "reason"],
      inc.impact.reasons.map((r) => [
        esc(r.factor),
        `<td class="num">${esc(r.points > 0 ? `+${r.points}` : r.points)}</td>`,
        esc(r.text),
      ]),
      "no reason recorded",
    ),
    kv([
      ["Owner", esc(inc.impact.owner ?? "unknown (no Owner tag)")],
      ["Work queue", esc(inc.impact.workQueue ?? "unknown (no WorkQueue tag)")],
      [
        "Tags",
        Object.entries(inc.impact.tags)
          .map(([k, v]) => `<code>${esc(k)}=${esc(v)}</code>`)
          .join(" ") || "none",
      ],
    ]),
  );

  parts.push(
    "<h2>Plan</h2>",
    kv([
      ["Playbook", `<code>${esc(inc.plan.playbook)}</code>`],
      [
        "Actions",
        inc.plan.actions
          .map((a) => `${esc(a.name)}${a.requiresApproval ? " <em>(needs approval)</em>" : ""}`)
          .join(", ") || "none",
      ],
    ]),
    inc.plan.notes.length
      ? `<ul class="reasons">${inc.plan.notes.map((n) => `<li>${esc(n)}</li>`).join("")}</ul>`
      : "",
  );
  if (inc.approvals?.length) {
    parts.push(
      "<h3>Approvals</h3>",
      table(
        ["time", "decision", "by", "reason"],
        inc.approvals.map((a) => [
          esc(formatTime(a.at)),
          status(a.decision, a.decision === "approved" ? "ok" : "failed"),
          esc(a.by),
          esc(a.reason ?? ""),
        ]),
      ),
    );
  }

  parts.push(
    "<h2>Steps</h2>",
    table(
      ["step", "status", "started", "ended", "duration", "attempts", "detail"],
      t.phases.map((p) => [
        esc(p.label),
        status(p.status),
        `<td class="num">${esc(formatOffset(p.start, t.origin))}</td>`,
        `<td class="num">${esc(formatOffset(p.end, t.origin))}</td>`,
        `<td class="num">${esc(formatDuration(p.durationMs))}</td>`,
        `<td class="num">${esc(p.attempts ?? "")}</td>`,
        `${esc(p.detail ?? "")}${p.error ? `<div class="err">${esc(p.error)}</div>` : ""}`,
      ]),
    ),
    "<h2>Actions and their results</h2>",
    table(
      ["action", "target", "status", "detail"],
      actions.map((a) => [
        `<td class="id">${esc(a.name)}</td>`,
        `<td class="id"><code>${esc(a.target)}</code></td>`,
        status(a.status),
        esc(a.detail),
      ]),
      "no action was taken in the account",
    ),
  );

  const bucket = input.evidenceBucket;
  parts.push(
    "<h2>Evidence</h2>",
    kv([
      ["Location", `<code>${esc(evidenceLocation(inc.incidentId, bucket))}</code>`],
      [
        "Manifest",
        inc.evidence?.manifestKey ? `<code>${esc(inc.evidence.manifestKey)}</code>` : "not written",
      ],
      [
        "Manifest SHA-256",
        inc.evidence?.manifestSha256 ? `<code>${esc(inc.evidence.manifestSha256)}</code>` : "—",
      ],
      ["Manifest check", esc(input.manifestStatus ?? (input.manifest ? "read" : "not read"))],
    ]),
    "<h3>Artifacts</h3>",
    table(
      ["name", "size", "SHA-256", "storage", "collected by"],
      artifacts.map((a) => [
        `<td class="id"><code>${esc(a.name)}</code></td>`,
        `<td class="num">${esc(formatBytes(a.size))}</td>`,
        `<code>${esc(a.sha256)}</code>`,
        esc(a.storageClass ?? ""),
        esc(a.sourceApiCall),
      ]),
      "no artifact archived",
    ),
    "<h3>Snapshots</h3>",
    table(
      ["snapshot", "volume", "device", "state", "started"],
      snapshots.map((s) => [
        `<code>${esc(s.snapshotId)}</code>`,
        `<code>${esc(s.volumeId)}</code>`,
        esc(s.deviceName ?? ""),
        status(s.state, s.state === "completed" ? "ok" : s.state === "error" ? "failed" : "waiting"),
        esc(formatTime(s.startTime)),
      ]),
      "no snapshot taken",
    ),
  );

  const room = cleanroomFacts(inc);
  const roomStep = inc.steps.cleanroom;
  parts.push(
    "<h2>Clean room</h2>",
    roomStep
      ? `<p>${status(roomStep.status)} ${esc(roomStep.detail ?? "")}${roomStep.error ? ` <span class="err">${esc(roomStep.error)}</span>` : ""}</p>`
      : `<p class="muted">${esc(lanePlanned(inc.plan, "cleanroom") ? "planned, not started" : "not planned")}</p>`,
    room.length ? kv(room.map(([k, v]) => [k, esc(v)])) : "",
  );

  parts.push(
    "<h2>Alerts sent</h2>",
    table(
      ["time", "offset", "stage", "subject", "message id"],
      inc.alerts.map((a) => [
        `<td class="num">${esc(formatTime(a.at))}</td>`,
        `<td class="num">${esc(formatOffset(Date.parse(a.at), t.origin))}</td>`,
        status(a.stage, /fail|reject|denied/.test(a.stage) ? "failed" : "info"),
        esc(a.subject),
        `<code>${esc(a.messageId ?? "")}</code>`,
      ]),
      "no alert recorded",
    ),
    "<h2>Full timeline</h2>",
    table(
      ["time", "offset", "step", "status", "detail"],
      inc.timeline.map((e) => [
        `<td class="num">${esc(formatTime(e.at))}</td>`,
        `<td class="num">${esc(formatOffset(Date.parse(e.at), t.origin))}</td>`,
        esc(e.step),
        status(e.status),
        `${esc(e.detail)}${e.durationMs !== undefined ? ` <span class="muted">(${esc(formatDuration(e.durationMs))})</span>` : ""}${e.error ? `<div class="err">${esc(e.error)}</div>` : ""}`,
      ]),
    ),
  );

  const ok = Object.values(inc.steps).every((s) => GOOD.has(s.status) || s.status === "skipped");
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${esc(`Incident ${inc.incidentId} — ${inc.impact.tier} — ${f.type}`)}</title>`,
    `<style>${CSS}</style>`,
    "</head>",
    `<body class="${ok ? "all-ok" : "has-problems"}">`,
    "<main>",
    ...parts,
    `<footer>Generated ${esc(formatTime(generated))} by Incident Responder from the incident record${input.manifest ? " and the evidence manifest" : ""}. This page is self-contained: no script, nothing fetched.</footer>`,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}
