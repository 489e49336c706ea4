/**
 * Alert messages: a short subject that says what and where, a readable body, a JSON form
 * for machines, and message attributes for subscription filter policies. Pure.
 *
 * Subjects follow SNS's rules (UTF-8, no line breaks or control characters, fewer than 100
 * characters) and keep, whatever has to be shortened, the tier, the stage word and the where.
 */
import { lanePlanned } from "../actions/index.ts";
import { STEPS } from "../actions/step-names.ts";
import type { IncidentRecord } from "../incident/model.ts";
import { buildAttributes } from "./attributes.ts";
import { PROTECTED_WORD, protectedJson, protectedLines, protectedStageWord } from "./by-hand.ts";
import { subjectSafe, truncate } from "./line.ts";
import type { AlertInput, AlertMessage, AlertStage } from "./types.ts";

export type { AlertInput, AlertMessage, AlertStage } from "./types.ts";
export { ALERT_STAGES } from "./types.ts";

/** The word(s) of the subject that say what happened. */
export const STAGE_WORD: Record<AlertStage, string> = {
  opened: "incident opened",
  recurred: "RECURRED",
  escalated: "ESCALATED",
  contained: "contained",
  "containment-failed": "CONTAINMENT FAILED",
  "evidence-preserved": "evidence preserved",
  "cleanroom-ready": "clean room ready",
  "cleanroom-destroyed": "clean room destroyed",
  "awaiting-approval": "awaiting approval",
  protected: PROTECTED_WORD,
  failed: "FAILED",
  released: "released",
  denied: "action denied",
  closed: "closed",
  rejected: "event rejected",
  preflight: "changed",
};

/** SNS: "less than 100 characters". Counted in UTF-16 units, which is never fewer than code points. */
export const MAX_SUBJECT = 99;
const MAX_DETAIL = 400;
const MAX_LIST = 60;

/**
 * Untrusted text for a body or the JSON form: on one line like a subject, and capped. Every
 * interpolated field goes through it, so that no tag, title or error can start a line of
 * its own ("Contain: NOT NEEDED", "Run: curl … | sh").
 */
function bodySafe(s: string, max = MAX_DETAIL): string {
  return truncate(subjectSafe(s), max);
}

/** {@link bodySafe} for an optional field of the JSON form. */
const maybe = (s: string | undefined, max = MAX_DETAIL) => (s === undefined ? undefined : bodySafe(s, max));

/**
 * Shortens an AWS id in the middle, keeping what people recognise: `i-0123456789abcdef0` →
 * `i-0123…def0`. Ids that are already short, and other text, come back as they are.
 */
export function shortId(id: string): string {
  const m = /^([a-z]{1,8}-)([0-9a-f]{12,})$/.exec(id);
  if (!m?.[1] || !m[2]) return id;
  return `${m[1]}${m[2].slice(0, 4)}…${m[2].slice(-4)}`;
}

/**
 * A compact finding type: the source prefix of the responder's own types goes
 * (`cloudtrail:AuthorizeSecurityGroupIngress/OpenToWorld` → `AuthorizeSecurityGroupIngress/OpenToWorld`),
 * and so does the resource part of a GuardDuty type
 * (`CryptoCurrency:EC2/BitcoinTool.B!DNS` → `CryptoCurrency:BitcoinTool.B!DNS`).
 */
export function compactType(type: string): string {
  const own = /^(?:cloudtrail|config|securityhub|alarm):(.+)$/.exec(type);
  if (own?.[1]) return own[1];
  const m = /^([^:/]+):[^/:]+\/(.+)$/.exec(type);
  return m ? `${m[1]}:${m[2]}` : type;
}

/** Where the incident is, for people: the Name tag, else the owner, else the account. */
export function whereOf(incident: IncidentRecord): string {
  const name = incident.impact.tags.Name ?? incident.impact.tags.name;
  if (name?.trim()) return name;
  if (incident.impact.owner?.trim()) return incident.impact.owner;
  return `account ${incident.account}`;
}

/** Builds the subject: `[HIGH] i-0abc… contained — Type — where`. Always under 100 characters. */
export function buildSubject(input: AlertInput): string {
  const inc = input.incident;
  const tier = inc ? inc.impact.tier.toUpperCase() : "INFO";
  const drill = inc?.drill ? "[DRILL] " : "";
  const target = subjectSafe(
    inc ? (inc.finding.resources[0]?.id ?? inc.finding.account) : (input.about ?? "event"),
  );
  const type = subjectSafe(inc?.finding.type ?? "");
  const where = subjectSafe(inc ? whereOf(inc) : input.account ? `account ${input.account}` : "");
  const word = protectedStageWord(input.stage, inc) ?? STAGE_WORD[input.stage];
  const compose = (t: string, ty: string, w: string) =>
    [`${drill}[${tier}] ${t} ${word}`, ty, w].filter(Boolean).join(" — ");
  const fits = (s: string) => s.length <= MAX_SUBJECT;

  // Shorten in order: the id, the type's resource part, the type, the where; never the stage.
  const shortTarget = shortId(target);
  const steps: [string, string, string][] = [
    [target, type, where],
    [shortTarget, type, where],
    [shortTarget, compactType(type), where],
  ];
  for (const [t, ty, w] of steps) {
    const s = compose(t, ty, w);
    if (fits(s)) return s;
  }
  const tgt = truncate(shortTarget, 24);
  const whereShort = truncate(where, 32);
  const base = compose(tgt, "", whereShort);
  const room = MAX_SUBJECT - base.length - 3;
  if (type && room >= 12) return compose(tgt, truncate(compactType(type), room), whereShort);
  return truncate(base, MAX_SUBJECT);
}

/** A list of the body (never empty: each is shown only when it has items), 60 items at most. */
function list(items: string[]): string[] {
  const shown = items.slice(0, MAX_LIST).map((i) => `  - ${i}`);
  if (items.length > MAX_LIST) shown.push(`  … and ${items.length - MAX_LIST} more`);
  return shown;
}

/** The evidence location of an incident: the real bucket when known. */
export function evidenceLocation(incidentId: string, bucket?: string): string {
  return `s3://${bucket ?? "<evidence bucket>"}/incidents/${incidentId}/`;
}

const LABEL_WIDTH = 12;
const field = (label: string, value: string) => `${label.padEnd(LABEL_WIDTH)}${value}`;

/**
 * The commands a person can run at this stage, in the order the body lists them: approve and
 * deny while actions wait, release once contained (not in the release alert itself, nor once
 * closed), close while open. The text and the JSON form both list exactly these.
 */
function commandsOf(input: AlertInput, inc: IncidentRecord): Partial<Record<Command, string>> {
  const id = inc.incidentId;
  const open = inc.status !== "closed";
  const contained = ["verified", "partial"].includes(inc.steps.contain?.status ?? "");
  return {
    ...(input.stage === "awaiting-approval"
      ? { approve: `responder approve ${id}`, deny: `responder deny ${id}` }
      : {}),
    status: `responder status ${id}`,
    ...(contained && open && input.stage !== "released" ? { release: `responder release ${id}` } : {}),
    report: `responder report ${id}`,
    ...(open ? { close: `responder close ${id}` } : {}),
  };
}

type Command = "approve" | "deny" | "status" | "release" | "report" | "close";

/** How the body shows each command: its label, and what follows the command. */
const COMMAND_LINES: Record<Command, [label: string, after: string]> = {
  approve: ["Approve:", ' --reason "…"'],
  deny: ["Deny:", ' --reason "…"'],
  status: ["Status:", ""],
  release: ["Release:", "  (restores the recorded pre-isolation state)"],
  report: ["Report:", ""],
  close: ["Close:", ""],
};

/** The next steps a person can take at this stage, as lines of the body. */
function nextSteps(input: AlertInput, inc: IncidentRecord): string[] {
  const lines = Object.entries(commandsOf(input, inc)).map(([name, command]) => {
    const [label, after] = COMMAND_LINES[name as Command];
    return field(label, `${command}${after}`);
  });
  if (input.stage === "containment-failed")
    lines.unshift(field("Contain:", "by hand: see FAILED above, then check again with responder status"));
  return lines;
}

function stepLine(inc: IncidentRecord): string {
  const order = STEPS.map((s) => s.step);
  const names = [
    ...order.filter((s) => inc.steps[s]),
    ...Object.keys(inc.steps).filter((s) => !order.includes(s)),
  ];
  return names.map((s) => `${s} ${inc.steps[s]?.status}`).join(" · ") || "(none yet)";
}

function impactLines(inc: IncidentRecord): string[] {
  const reasons = inc.impact.reasons.map((r) => bodySafe(r.text, 200));
  return [
    field(
      "Impact:",
      `${inc.impact.tier.toUpperCase()}, score ${inc.impact.score}/100${reasons.length ? ", because:" : ""}`,
    ),
    ...reasons.slice(0, MAX_LIST).map((r) => `${" ".repeat(LABEL_WIDTH)}- ${r}`),
  ];
}

/** Builds the complete alert for a stage of an incident. */
export function buildAlert(input: AlertInput): AlertMessage {
  const inc = input.incident;
  const subject = buildSubject(input);
  const summary = bodySafe(input.summary, 1000);
  const lines: string[] = [subject, "", summary, ""];
  const evidence = inc ? evidenceLocation(inc.incidentId, input.evidenceBucket) : undefined;
  if (inc) {
    const f = inc.finding;
    const resources = f.resources.map((r) => `${r.kind} ${bodySafe(r.id, 200)}`).join(", ") || "(none)";
    lines.push(
      field(
        "Incident:",
        `${inc.incidentId}${inc.drill ? ` (DRILL${f.scenario ? `: ${bodySafe(f.scenario, 64)}` : ""})` : ""}${inc.dryRun ? " (dry run: nothing is changed)" : ""}, opened ${inc.createdAt}${inc.status === "closed" ? ", closed" : ""}`,
      ),
      field("What:", `${bodySafe(f.type, 200)} (${f.source}, severity ${f.severity})`),
      field("", bodySafe(f.title, 300)),
      field("Where:", `${resources} — ${bodySafe(whereOf(inc), 200)}; account ${inc.account}, ${inc.region}`),
      field("Owner:", inc.impact.owner ? bodySafe(inc.impact.owner, 200) : "unknown (no Owner tag)"),
      field(
        "Work queue:",
        inc.impact.workQueue ? bodySafe(inc.impact.workQueue, 200) : "unknown (no WorkQueue tag)",
      ),
      ...impactLines(inc),
      field(
        "Plan:",
        `${bodySafe(inc.plan.playbook, 120)}: ${inc.plan.actions.map((a) => a.name + (a.requiresApproval ? " (needs approval)" : "")).join(", ") || "none"}`,
      ),
      ...inc.plan.notes.slice(0, MAX_LIST).map((n) => `${" ".repeat(LABEL_WIDTH)}note: ${bodySafe(n, 300)}`),
      field("Steps:", stepLine(inc)),
      ...protectedLines(inc, (s) => bodySafe(s, 300)),
    );
  } else {
    if (input.about) lines.push(field("Event:", bodySafe(input.about, 300)));
    if (input.account) lines.push(field("Account:", input.account));
  }
  if (input.done?.length) {
    lines.push(
      "",
      "Done:",
      ...list(
        input.done.map(
          (a) => `${a.name} ${bodySafe(a.target, 120)}: ${a.status} — ${bodySafe(a.detail, 300)}`,
        ),
      ),
    );
  }
  if (input.failed?.length) {
    lines.push(
      "",
      "FAILED:",
      ...list(input.failed.map((f) => `${bodySafe(f.what, 200)}: ${bodySafe(f.error, MAX_DETAIL)}`)),
    );
  }
  if (input.leftToDo?.length)
    lines.push("", "Left to do:", ...list(input.leftToDo.map((t) => bodySafe(t, 300))));
  const facts = Object.entries(input.facts ?? {});
  if (facts.length) {
    lines.push("");
    for (const [k, v] of facts) lines.push(field(`${bodySafe(k, 40)}:`, bodySafe(v, 600)));
  }
  if (inc) {
    lines.push("", "Next:", ...nextSteps(input, inc).map((l) => `  ${l}`));
    const collects = lanePlanned(inc.plan, "evidence");
    const snapshots = (inc.evidence?.snapshots ?? []).map((s) => s.snapshotId);
    lines.push(
      `  ${field(
        "Evidence:",
        inc.evidence?.manifestKey
          ? `${evidence} (manifest ${inc.evidence.manifestKey}${snapshots.length ? `; snapshots ${snapshots.join(", ")}` : ""})`
          : collects || snapshots.length
            ? `${evidence}${snapshots.length ? ` (snapshots ${snapshots.join(", ")})` : ""}`
            : "none: the plan collects no evidence",
      )}`,
    );
  } else if (input.stage === "rejected") {
    lines.push("", "Next:", `  ${field("List:", "responder deadletters")}`);
  }
  const text = `${lines.join("\n")}\n`;
  const json = alertJson(input, subject, summary, evidence);
  return { stage: input.stage, subject, text, json, attributes: buildAttributes(input) };
}

function alertJson(
  input: AlertInput,
  subject: string,
  summary: string,
  evidence: string | undefined,
): Record<string, unknown> {
  const inc = input.incident;
  const cap = <T>(xs: T[] | undefined) => xs?.slice(0, MAX_LIST * 2);
  const byHand = protectedJson(inc);
  return {
    version: 1,
    stage: input.stage,
    at: input.at,
    subject,
    summary,
    incidentId: inc?.incidentId,
    status: inc?.status,
    drill: inc?.drill ?? false,
    scenario: maybe(inc?.finding.scenario, 64),
    dryRun: inc?.dryRun ?? false,
    tier: inc?.impact.tier,
    score: inc?.impact.score,
    severity: inc?.finding.severity,
    findingType: maybe(inc?.finding.type, 200),
    findingTitle: maybe(inc?.finding.title, 300),
    findingId: inc?.finding.id,
    source: inc?.finding.source,
    account: inc?.account ?? input.account,
    region: inc?.region,
    about: maybe(input.about, 300),
    where: inc ? bodySafe(whereOf(inc), 200) : undefined,
    resources: inc?.finding.resources.map((r) => ({
      kind: r.kind,
      id: bodySafe(r.id, 200),
      ...(r.arn ? { arn: r.arn } : {}),
    })),
    owner: maybe(inc?.impact.owner, 200),
    workQueue: maybe(inc?.impact.workQueue, 200),
    reasons: inc?.impact.reasons.map((r) => bodySafe(r.text, 200)),
    plan: inc
      ? {
          playbook: bodySafe(inc.plan.playbook, 120),
          actions: inc.plan.actions.map((a) => ({ name: a.name, requiresApproval: a.requiresApproval })),
          notes: inc.plan.notes.map((n) => bodySafe(n, 300)),
          ...(inc.plan.protected?.length ? { protected: inc.plan.protected } : {}),
        }
      : undefined,
    steps: inc
      ? Object.fromEntries(
          Object.entries(inc.steps).map(([k, s]) => [
            k,
            {
              status: s.status,
              ...(s.detail ? { detail: bodySafe(s.detail) } : {}),
              ...(s.error ? { error: bodySafe(s.error) } : {}),
            },
          ]),
        )
      : undefined,
    done: cap(input.done)?.map((a) => ({
      name: a.name,
      target: bodySafe(a.target, 120),
      status: a.status,
      detail: bodySafe(a.detail, 300),
    })),
    failed: cap(input.failed)?.map((f) => ({ what: bodySafe(f.what, 200), error: bodySafe(f.error) })),
    leftToDo: cap(input.leftToDo)?.map((t) => bodySafe(t, 300)),
    facts: input.facts
      ? Object.fromEntries(Object.entries(input.facts).map(([k, v]) => [bodySafe(k, 40), bodySafe(v, 600)]))
      : undefined,
    evidence: inc
      ? {
          location: evidence,
          ...(input.evidenceBucket ? { bucket: input.evidenceBucket } : {}),
          ...(inc.evidence?.manifestKey ? { manifestKey: inc.evidence.manifestKey } : {}),
          ...(inc.evidence?.manifestSha256 ? { manifestSha256: inc.evidence.manifestSha256 } : {}),
          snapshots: (inc.evidence?.snapshots ?? []).map((s) => s.snapshotId),
        }
      : undefined,
    commands: inc
      ? commandsOf(input, inc)
      : input.stage === "rejected"
        ? { deadLetters: "responder deadletters" }
        : undefined,
    ...(byHand ? { containByHand: byHand } : {}),
  };
}

export { buildAttributes, MAX_ATTRIBUTES, NUMBER_ATTRIBUTES } from "./attributes.ts";
export { subjectSafe, truncate } from "./line.ts";
