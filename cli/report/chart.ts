/**
 * The incident timeline as an inline SVG: one row per phase (bars on a time axis from
 * detection), milestone lines for "contained" and "evidence preserved", alert markers, and
 * the labelled figures time to contain and time to evidence. Pure; every text escaped; no
 * script, no external reference.
 */
import { CONTAIN_STEP, MANIFEST_STEP } from "../../shared/actions/step-names.ts";
import { escapeHtml as esc } from "./escape.ts";
import { formatDuration, type IncidentTimeline, type Phase } from "./timeline.ts";

/** Bar colours by status. */
export const STATUS_COLOURS: Record<string, string> = {
  ok: "#2e7d32",
  verified: "#2e7d32",
  partial: "#ef8f00",
  waiting: "#ef8f00",
  running: "#1e6fd9",
  failed: "#c62828",
  skipped: "#8d99a6",
  unsupported: "#8d99a6",
  info: "#6a1b9a",
};
/** The colour of a phase that ended well: what a screenshot test looks for. */
export const OK_COLOUR = STATUS_COLOURS.ok as string;
const DETECTION = "#6a1b9a";
const CONTAINED = "#2e7d32";
const EVIDENCE = "#1e6fd9";
const ALERT = "#455a64";

export const colourOf = (status: string) => STATUS_COLOURS[status] ?? "#8d99a6";

export interface ChartLayout {
  width: number;
  label: number;
  right: number;
  row: number;
}

const LAYOUT: ChartLayout = { width: 1000, label: 170, right: 96, row: 30 };

/** Tick step (ms) giving about `target` ticks over `span`: 1, 2 or 5 × 10^k. */
export function tickStep(span: number, target = 8): number {
  const raw = Math.max(1, span) / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * p >= raw) return m * p;
  return 10 * p;
}

function tickLabel(ms: number, step: number): string {
  if (ms === 0) return "0";
  if (step < 1000) return `+${(ms / 1000).toFixed(step < 100 ? 2 : 1)} s`;
  if (ms < 120_000) return `+${Math.round(ms / 1000)} s`;
  if (ms < 7_200_000) return `+${Math.round(ms / 60_000)} min`;
  return `+${(ms / 3_600_000).toFixed(1)} h`;
}

/** Places labels left to right on up to `lines` lines so that they do not overlap. */
function placeLabels(
  xs: { x: number; text: string }[],
  lines: number,
): { x: number; text: string; line: number }[] {
  const ends: number[] = Array(lines).fill(Number.NEGATIVE_INFINITY);
  return xs.map((l) => {
    const w = l.text.length * 6.2 + 8;
    let line = ends.findIndex((e) => e <= l.x);
    if (line < 0) line = ends.indexOf(Math.min(...ends));
    ends[line] = l.x + w;
    return { ...l, line };
  });
}

/** Renders the timeline chart as a standalone `<svg>` element. */
export function renderTimelineSvg(t: IncidentTimeline, layout: Partial<ChartLayout> = {}): string {
  const L = { ...LAYOUT, ...layout };
  const plot = L.width - L.label - L.right;
  const span = Math.max(1, t.end - t.origin);
  const x = (ms: number) => L.label + ((Math.min(Math.max(ms, t.origin), t.end) - t.origin) / span) * plot;
  const out: string[] = [];

  // Figures.
  const figures: [string, number | undefined, string, string][] = [
    ["Time to contain", t.figures.timeToContainMs, t.figures.containStatus, CONTAINED],
    ["Time to evidence", t.figures.timeToEvidenceMs, t.figures.evidenceStatus, EVIDENCE],
    ["Time to triage", t.figures.timeToTriageMs, "—", "#37474f"],
  ];
  const figW = 230;
  figures.forEach(([label, ms, status, colour], i) => {
    const fx = 8 + i * (figW + 16);
    const value = ms !== undefined ? formatDuration(ms) : status;
    out.push(
      `<g class="figure" data-figure="${esc(label.toLowerCase().replaceAll(" ", "-"))}">`,
      `<rect x="${fx}" y="8" width="${figW}" height="58" rx="6" fill="#f5f7fa" stroke="${colour}" stroke-width="2"/>`,
      `<text x="${fx + 12}" y="28" font-size="12" fill="#455a64">${esc(label)}${t.fromDetection ? " (from detection)" : ""}</text>`,
      `<text x="${fx + 12}" y="55" font-size="22" font-weight="700" fill="${ms !== undefined ? colour : colourOf(status)}">${esc(value)}</text>`,
      "</g>",
    );
  });

  // Axis.
  const top = 96;
  const rows = ["Detection", ...t.phases.map((p) => p.label), "Alerts"];
  const plotTop = top + 10;
  const plotBottom = plotTop + rows.length * L.row;
  const step = tickStep(span);
  out.push(`<g class="axis" font-size="11" fill="#546e7a">`);
  for (let ms = 0; ms <= span + 1e-6; ms += step) {
    const px = x(t.origin + ms);
    out.push(
      `<line x1="${px.toFixed(1)}" y1="${plotTop}" x2="${px.toFixed(1)}" y2="${plotBottom}" stroke="#e3e8ee" stroke-width="1"/>`,
      `<text x="${px.toFixed(1)}" y="${top}" text-anchor="middle">${esc(tickLabel(ms, step))}</text>`,
    );
  }
  out.push("</g>");

  // Row labels and stripes.
  rows.forEach((r, i) => {
    const y = plotTop + i * L.row;
    if (i % 2 === 0) out.push(`<rect x="0" y="${y}" width="${L.width}" height="${L.row}" fill="#fafbfc"/>`);
    out.push(
      `<text x="${L.label - 10}" y="${y + L.row / 2 + 4}" font-size="13" text-anchor="end" fill="#263238">${esc(r)}</text>`,
    );
  });

  // Detection.
  const det = t.markers.find((m) => m.kind === "detection");
  const detY = plotTop + L.row / 2;
  if (det && t.fromDetection) {
    const px = x(det.at);
    out.push(
      `<g class="detection"><circle cx="${px.toFixed(1)}" cy="${detY}" r="6" fill="${DETECTION}"/>`,
      `<text x="${(px + 10).toFixed(1)}" y="${detY + 4}" font-size="11" fill="${DETECTION}">finding time</text></g>`,
    );
  } else if (t.detectedEarlierMs !== undefined) {
    out.push(
      `<g class="detection"><path d="M ${L.label + 2} ${detY} l 10 -6 v 12 z" fill="${DETECTION}"/>`,
      `<text x="${L.label + 16}" y="${detY + 4}" font-size="11" fill="${DETECTION}">${esc(`detected ${formatDuration(t.detectedEarlierMs)} before the incident opened`)}</text></g>`,
    );
  }
  for (const m of t.markers.filter((m) => m.kind === "finding")) {
    const px = x(m.at);
    out.push(
      `<circle cx="${px.toFixed(1)}" cy="${detY}" r="4" fill="none" stroke="${DETECTION}" stroke-width="2"><title>${esc(m.label)}</title></circle>`,
    );
  }

  // Phases.
  t.phases.forEach((p: Phase, i) => {
    const y = plotTop + (i + 1) * L.row + 6;
    const h = L.row - 12;
    if (p.start === undefined) return;
    const x0 = x(p.start);
    const x1 = Math.max(x(p.end ?? p.start), x0 + 4);
    const colour = colourOf(p.status);
    const label = `${p.status}${p.durationMs !== undefined ? ` · ${formatDuration(p.durationMs)}` : ""}`;
    out.push(
      `<g class="phase" data-step="${esc(p.step)}" data-status="${esc(p.status)}">`,
      `<rect x="${x0.toFixed(1)}" y="${y}" width="${(x1 - x0).toFixed(1)}" height="${h}" rx="3" fill="${colour}"${p.status === "waiting" || p.status === "running" ? ' fill-opacity="0.55"' : ""}><title>${esc(`${p.label}: ${p.status}${p.detail ? ` — ${p.detail}` : ""}${p.error ? ` — ${p.error}` : ""}`)}</title></rect>`,
      `<text x="${(x1 + 6).toFixed(1)}" y="${y + h / 2 + 4}" font-size="11" fill="#37474f">${esc(label)}</text>`,
      "</g>",
    );
  });

  // Milestones.
  const endOf = (step: string) => t.phases.find((p) => p.step === step)?.end;
  const milestones: [string, number | undefined, number | undefined, string][] = [
    ["contained", t.figures.timeToContainMs, endOf(CONTAIN_STEP), CONTAINED],
    ["evidence preserved", t.figures.timeToEvidenceMs, endOf(MANIFEST_STEP), EVIDENCE],
  ];
  milestones.forEach(([label, ms, at, colour], i) => {
    if (ms === undefined || at === undefined) return;
    const px = x(at);
    out.push(
      `<g class="milestone" data-milestone="${esc(label.replaceAll(" ", "-"))}">`,
      `<line x1="${px.toFixed(1)}" y1="${plotTop - 4}" x2="${px.toFixed(1)}" y2="${plotBottom}" stroke="${colour}" stroke-width="2" stroke-dasharray="5 3"/>`,
      `<text x="${(px - 4).toFixed(1)}" y="${plotBottom + 14 + i * 14}" font-size="11" font-weight="700" text-anchor="end" fill="${colour}">${esc(`${label} ${formatDuration(ms)}`)}</text>`,
      "</g>",
    );
  });

  // Alerts.
  const alertsY = plotTop + (rows.length - 1) * L.row;
  const alerts = t.markers.filter((m) => m.kind === "alert" || m.kind === "approval" || m.kind === "closed");
  const placed = placeLabels(
    alerts.map((m) => ({ x: x(m.at), text: m.label })),
    2,
  );
  placed.forEach((l, i) => {
    const m = alerts[i];
    if (!m) return;
    const failed = /fail|reject|denied/.test(m.label);
    const c = failed ? STATUS_COLOURS.failed : m.kind === "approval" ? DETECTION : ALERT;
    out.push(
      `<g class="alert"><path d="M ${l.x.toFixed(1)} ${alertsY + 4} l 5 8 h -10 z" fill="${c}"/>`,
      `<text x="${(l.x + 3).toFixed(1)}" y="${alertsY + 22 + l.line * 12}" font-size="10" fill="${c}">${esc(l.text)}</text></g>`,
    );
  });

  // Legend.
  const legendY = plotBottom + 52;
  const legend: [string, string][] = [
    ["ok / verified", STATUS_COLOURS.ok as string],
    ["partial / waiting", STATUS_COLOURS.partial as string],
    ["failed", STATUS_COLOURS.failed as string],
    ["skipped / unsupported", STATUS_COLOURS.skipped as string],
    ["running", STATUS_COLOURS.running as string],
  ];
  legend.forEach(([label, colour], i) => {
    const lx = L.label + i * 150;
    out.push(
      `<rect x="${lx}" y="${legendY - 10}" width="12" height="12" rx="2" fill="${colour}"/>`,
      `<text x="${lx + 18}" y="${legendY}" font-size="11" fill="#455a64">${esc(label)}</text>`,
    );
  });

  const height = legendY + 14;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline-chart" id="timeline-chart" viewBox="0 0 ${L.width} ${height}" width="${L.width}" height="${height}" role="img" aria-labelledby="timeline-title" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif">`,
    `<title id="timeline-title">${esc(`Incident timeline: time to contain ${formatDuration(t.figures.timeToContainMs)}, time to evidence ${formatDuration(t.figures.timeToEvidenceMs)}`)}</title>`,
    ...out,
    "</svg>",
  ].join("\n");
}
