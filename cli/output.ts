/**
 * Terminal output helpers: plain text for people, one JSON document for machines. Every
 * value from an incident is untrusted text: it is cleaned ({@link text}) before it is
 * coloured, table cells are cleaned again, and the streams themselves are filtered
 * (`terminal.ts`).
 */
import type { IncidentRecord } from "../shared/incident/model.ts";
import { sanitizeText, truncate } from "../shared/text/sanitize.ts";
import { cellSafe, jsonText } from "./terminal.ts";

const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = paint(1);
export const dim = paint(2);
export const red = paint(31);
export const green = paint(32);
export const yellow = paint(33);

/**
 * Untrusted text for the terminal, on one line: no controls or escape sequences, no bidi or
 * invisible characters, line breaks as spaces; cut at `max` when given. Colour goes on after.
 */
export function text(value: unknown, max?: number): string {
  const clean = sanitizeText(String(value ?? ""));
  return max === undefined ? clean : truncate(clean, max);
}

export function statusColour(status: string): string {
  const s = text(status);
  if (["ok", "verified", "pass", "created"].includes(s)) return green(s);
  if (["failed", "fail", "partial"].includes(s)) return red(s);
  return yellow(s);
}

/** Writes one JSON document (pure ASCII, see `jsonText`) and a newline to stdout. */
export function printJson(value: unknown, indent?: number): void {
  process.stdout.write(`${jsonText(value, indent)}\n`);
}

export const seconds = (ms: number | undefined) => (ms === undefined ? "—" : `${(ms / 1000).toFixed(2)} s`);

/** Prints to stderr (progress) so that stdout stays clean for --json. */
export const progress = (line: string) => process.stderr.write(`${line}\n`);

/** Aligned columns. Each cell is kept on one line and cleaned of all but the palette's colours. */
export function table(rows: string[][]): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removes ANSI colour codes
  const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
  const safe = rows.map((r) => r.map(cellSafe));
  const widths = safe[0]?.map((_, i) => Math.max(...safe.map((r) => strip(r[i] ?? "").length))) ?? [];
  return safe
    .map((r) => r.map((c, i) => c + " ".repeat((widths[i] ?? 0) - strip(c).length)).join("  "))
    .join("\n");
}

/** The steps of an action as a table: name, target, status (coloured), detail cut at 90 characters. */
export function stepsTable(
  steps: readonly { name: string; target: string; status: string; detail: string }[],
  indent: string,
): string {
  return table(
    steps.map((s) => [
      `${indent}${text(s.name)}`,
      text(s.target),
      statusColour(s.status),
      dim(text(s.detail, 90)),
    ]),
  );
}

/** The machine-readable summary of an incident (the `responder ingest --json` shape). */
export function incidentJson(incident: IncidentRecord) {
  return {
    incidentId: incident.incidentId,
    status: incident.status,
    drill: incident.drill,
    dryRun: incident.dryRun,
    finding: {
      id: incident.finding.id,
      source: incident.finding.source,
      type: incident.finding.type,
      severity: incident.finding.severity,
      resources: incident.finding.resources,
    },
    impact: {
      score: incident.impact.score,
      tier: incident.impact.tier,
      reasons: incident.impact.reasons.map((r) => r.text),
      owner: incident.impact.owner,
      workQueue: incident.impact.workQueue,
    },
    plan: {
      playbook: incident.plan.playbook,
      actions: incident.plan.actions.map((a) => a.name),
      notes: incident.plan.notes,
    },
    steps: Object.fromEntries(
      Object.entries(incident.steps).map(([k, v]) => [
        k,
        { status: v.status, detail: v.detail, error: v.error },
      ]),
    ),
    actions: incident.actions.map((a) => ({
      name: a.name,
      target: a.target,
      status: a.status,
      detail: a.detail,
    })),
    alerts: incident.alerts.map((a) => ({ stage: a.stage, subject: a.subject, at: a.at })),
    evidence: incident.evidence
      ? {
          manifestKey: incident.evidence.manifestKey,
          manifestSha256: incident.evidence.manifestSha256,
          snapshots: incident.evidence.snapshots?.map((s) => s.snapshotId),
          artifacts: incident.evidence.artifacts?.map((a) => ({
            name: a.name,
            sha256: a.sha256,
            size: a.size,
          })),
        }
      : undefined,
  };
}

/** A person-readable summary of an incident. */
export function incidentText(incident: IncidentRecord): string {
  const f = incident.finding;
  const impact = incident.impact;
  const lines = [
    `${bold("Incident")} ${text(incident.incidentId)}${incident.drill ? " (drill)" : ""}${incident.dryRun ? " (dry run)" : ""} — ${text(incident.status)}`,
    `${bold("Finding")}  ${text(f.type)} (${text(f.source)}, severity ${text(f.severity)}) on ${f.resources.map((r) => text(r.id)).join(", ")}`,
    `${bold("Impact")}   ${text(impact.tier).toUpperCase()} — score ${text(impact.score)}/100; owner ${text(impact.owner ?? "unknown")}, queue ${text(impact.workQueue ?? "unknown")}`,
    ...impact.reasons.map((r) => `           ${dim("·")} ${text(r.text)}`),
    `${bold("Plan")}     ${text(incident.plan.playbook)}: ${incident.plan.actions.map((a) => text(a.name) + (a.requiresApproval ? " (approval)" : "")).join(", ")}`,
    ...incident.plan.notes.map((n) => `           ${dim("note:")} ${text(n)}`),
    bold("Steps"),
    table(
      Object.entries(incident.steps).map(([k, v]) => [
        `  ${text(k)}`,
        statusColour(v.status),
        dim(text(v.detail, 110)),
        v.error ? red(text(v.error, 80)) : "",
      ]),
    ),
  ];
  return lines.join("\n");
}
