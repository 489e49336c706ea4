/** Terminal output helpers: plain text for people, one JSON document for machines. */
import type { ActionResult } from "../shared/domain/types.ts";
import type { IncidentRecord } from "../shared/incident/model.ts";

const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const paint = (code: number) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = paint(1);
export const dim = paint(2);
export const red = paint(31);
export const green = paint(32);
export const yellow = paint(33);

export function statusColour(status: string): string {
  if (["ok", "verified", "pass", "created"].includes(status)) return green(status);
  if (["failed", "fail", "partial"].includes(status)) return red(status);
  return yellow(status);
}

export const seconds = (ms: number | undefined) => (ms === undefined ? "—" : `${(ms / 1000).toFixed(2)} s`);

/** Prints to stderr (progress) so that stdout stays clean for --json. */
export const progress = (line: string) => process.stderr.write(`${line}\n`);

export function table(rows: string[][]): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removes ANSI colour codes
  const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, "");
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => strip(r[i] ?? "").length))) ?? [];
  return rows
    .map((r) => r.map((c, i) => c + " ".repeat((widths[i] ?? 0) - strip(c).length)).join("  "))
    .join("\n");
}

export function actionLines(actions: ActionResult[]): string {
  return table(
    actions.map((a) => [`  ${a.name}`, a.target, statusColour(a.status), dim(a.detail.slice(0, 100))]),
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
  const lines = [
    `${bold("Incident")} ${incident.incidentId}${incident.drill ? " (drill)" : ""}${incident.dryRun ? " (dry run)" : ""} — ${incident.status}`,
    `${bold("Finding")}  ${incident.finding.type} (${incident.finding.source}, severity ${incident.finding.severity}) on ${incident.finding.resources.map((r) => r.id).join(", ")}`,
    `${bold("Impact")}   ${incident.impact.tier.toUpperCase()} — score ${incident.impact.score}/100; owner ${incident.impact.owner ?? "unknown"}, queue ${incident.impact.workQueue ?? "unknown"}`,
    ...incident.impact.reasons.map((r) => `           ${dim("·")} ${r.text}`),
    `${bold("Plan")}     ${incident.plan.playbook}: ${incident.plan.actions.map((a) => a.name + (a.requiresApproval ? " (approval)" : "")).join(", ")}`,
    ...incident.plan.notes.map((n) => `           ${dim("note:")} ${n}`),
    bold("Steps"),
    table(
      Object.entries(incident.steps).map(([k, v]) => [
        `  ${k}`,
        statusColour(v.status),
        dim((v.detail ?? "").slice(0, 110)),
        v.error ? red(v.error.slice(0, 80)) : "",
      ]),
    ),
  ];
  return lines.join("\n");
}
