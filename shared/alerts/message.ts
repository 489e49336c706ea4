/**
 * Alert messages: a short subject that says what and where, a readable body, a JSON form
 * for machines, and message attributes for subscription filter policies. Pure.
 */
import type { ActionResult } from "../domain/types.ts";
import type { IncidentRecord } from "../incident/model.ts";

export type AlertStage =
  | "opened"
  | "contained"
  | "containment-failed"
  | "evidence-preserved"
  | "cleanroom-ready"
  | "cleanroom-destroyed"
  | "awaiting-approval"
  | "protected"
  | "failed"
  | "released"
  | "denied"
  | "closed"
  | "rejected";

export interface AlertMessage {
  stage: AlertStage;
  subject: string;
  text: string;
  json: Record<string, unknown>;
  attributes: Record<string, string>;
}

export interface AlertInput {
  stage: AlertStage;
  incident?: IncidentRecord;
  /** One line: what happened at this stage. */
  summary: string;
  done?: ActionResult[];
  failed?: { what: string; error: string }[];
  leftToDo?: string[];
  /** Extra facts (evidence location, connection command…). */
  facts?: Record<string, string>;
  /** For alerts without an incident (rejected events). */
  account?: string;
}

const STAGE_WORD: Record<AlertStage, string> = {
  opened: "incident opened",
  contained: "contained",
  "containment-failed": "CONTAINMENT FAILED",
  "evidence-preserved": "evidence preserved",
  "cleanroom-ready": "clean room ready",
  "cleanroom-destroyed": "clean room destroyed",
  "awaiting-approval": "awaiting approval",
  protected: "protected: left alone",
  failed: "FAILED",
  released: "released",
  denied: "action denied",
  closed: "closed",
  rejected: "event rejected",
};

const MAX_SUBJECT = 99;

/** Shortens long ids in the middle: `i-0123456789abcdef0` → `i-0123…def0` when space runs out. */
function shorten(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max < 6) return s.slice(0, max);
  return `${s.slice(0, max - 1)}…`;
}

/** Strips characters that mail subjects cannot carry (SNS: ASCII printable, no newlines). */
function subjectSafe(s: string): string {
  return s
    .replace(/[^\x20-\x7E…—]/g, "")
    .replace(/\s+/g, " ")
    .trim();
}

/** Builds the subject: `[HIGH] i-0abc… contained — Type — where`. Always under 100 characters. */
export function buildSubject(input: AlertInput): string {
  const inc = input.incident;
  const tier = inc ? inc.impact.tier.toUpperCase() : "INFO";
  const target = inc ? (inc.finding.resources[0]?.id ?? inc.finding.account) : (input.account ?? "");
  const where = inc ? (inc.impact.tags.Name ?? inc.impact.owner ?? inc.account) : "";
  const type = inc?.finding.type ?? "";
  const drill = inc?.drill ? "[DRILL] " : "";
  const head = `${drill}[${tier}] ${target} ${STAGE_WORD[input.stage]}`;
  let subject = subjectSafe([head, type, where].filter(Boolean).join(" — "));
  if (subject.length > MAX_SUBJECT) {
    const room = MAX_SUBJECT - subjectSafe([head, where].filter(Boolean).join(" —  — ")).length;
    subject = subjectSafe([head, shorten(type, Math.max(room, 8)), where].filter(Boolean).join(" — "));
  }
  return shorten(subject, MAX_SUBJECT);
}

function list(items: string[]): string {
  return items.length ? items.map((i) => `  - ${i}`).join("\n") : "  (none)";
}

/** Builds the complete alert for a stage of an incident. */
export function buildAlert(input: AlertInput): AlertMessage {
  const inc = input.incident;
  const subject = buildSubject(input);
  const lines: string[] = [subject, "", input.summary, ""];
  if (inc) {
    lines.push(
      `Incident:  ${inc.incidentId}${inc.drill ? " (drill)" : ""}${inc.dryRun ? " (dry run: nothing changed)" : ""}`,
      `Finding:   ${inc.finding.type} (${inc.finding.source}, severity ${inc.finding.severity})`,
      `Resource:  ${inc.finding.resources.map((r) => `${r.kind} ${r.id}`).join(", ") || "(none)"}`,
      `Account:   ${inc.account} ${inc.region}`,
      `Impact:    ${inc.impact.tier} (score ${inc.impact.score}/100)`,
      `Owner:     ${inc.impact.owner ?? "unknown (no Owner tag)"}`,
      `Queue:     ${inc.impact.workQueue ?? "unknown (no work-queue tag)"}`,
      "",
      "Why this impact:",
      list(inc.impact.reasons.map((r) => r.text)),
      "",
      `Plan (${inc.plan.playbook}): ${inc.plan.actions.map((a) => a.name + (a.requiresApproval ? " (needs approval)" : "")).join(", ")}`,
    );
    if (inc.plan.notes.length) lines.push("Notes:", list(inc.plan.notes));
  }
  if (input.done?.length) {
    lines.push("", "Done:", list(input.done.map((a) => `${a.name} ${a.target}: ${a.status} — ${a.detail}`)));
  }
  if (input.failed?.length) lines.push("", "Failed:", list(input.failed.map((f) => `${f.what}: ${f.error}`)));
  if (input.leftToDo?.length) lines.push("", "Left to do:", list(input.leftToDo));
  if (input.facts && Object.keys(input.facts).length) {
    lines.push("", ...Object.entries(input.facts).map(([k, v]) => `${k}: ${v}`));
  }
  if (inc) {
    lines.push(
      "",
      `Status:    responder status ${inc.incidentId}`,
      `Release:   responder release ${inc.incidentId}`,
      `Evidence:  s3://<evidence bucket>/incidents/${inc.incidentId}/ — check with: responder verify ${inc.incidentId}`,
    );
  }
  const json = {
    version: 1,
    stage: input.stage,
    subject,
    summary: input.summary,
    incidentId: inc?.incidentId,
    drill: inc?.drill ?? false,
    tier: inc?.impact.tier,
    score: inc?.impact.score,
    severity: inc?.finding.severity,
    findingType: inc?.finding.type,
    source: inc?.finding.source,
    account: inc?.account ?? input.account,
    region: inc?.region,
    resources: inc?.finding.resources.map((r) => ({ kind: r.kind, id: r.id })),
    owner: inc?.impact.owner,
    workQueue: inc?.impact.workQueue,
    reasons: inc?.impact.reasons.map((r) => r.text),
    done: input.done,
    failed: input.failed,
    leftToDo: input.leftToDo,
    facts: input.facts,
  };
  const attributes: Record<string, string> = { stage: input.stage };
  if (inc) {
    attributes.tier = inc.impact.tier;
    attributes.severity = String(inc.finding.severity);
    attributes.incidentId = inc.incidentId;
    attributes.account = inc.account;
    if (inc.impact.owner) attributes.owner = inc.impact.owner;
    if (inc.impact.workQueue) attributes.workQueue = inc.impact.workQueue;
    attributes.drill = String(inc.drill);
  } else if (input.account) {
    attributes.account = input.account;
  }
  return { stage: input.stage, subject, text: lines.join("\n"), json, attributes };
}
