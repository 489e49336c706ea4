/**
 * Triage: turns an incoming event into a finding, reads the affected resources, estimates
 * the impact, chooses a plan, opens (or joins) the incident, alerts, and hands the plan's
 * lanes to the other functions through the event bus.
 */
import { plannedAction } from "../actions/index.ts";
import { LEASE_MS } from "../actions/step-names.ts";
import type { Finding, Impact, Plan, ResourceContext } from "../domain/types.ts";
import { ConflictError, describeError } from "../errors/index.ts";
import { findingRef, type IncidentRecord, incidentIdFor } from "../incident/model.ts";
import { type AccountTrust, normalizeEvent } from "../intake/index.ts";
import { applyCircuit, instancesToReserve } from "../triage/circuit.ts";
import { assessImpact, choosePlan } from "../triage/index.ts";
import { applyDrillScope } from "../triage/safety.ts";
import type { BaseDeps } from "./deps.ts";
import { nowIso } from "./deps.ts";
import { escalateIncident } from "./escalation.ts";
import { notify } from "./notify.ts";

/** Reads what the account says about a finding's resources (read-only). */
export type ContextResolver = (finding: Finding) => Promise<ResourceContext[]>;

export interface TriageDeps extends BaseDeps {
  resolve: ContextResolver;
  /** Who may report about which account (config `trust`); default: no account but the sender's own. */
  trust?: AccountTrust;
}

export type TriageOutcome =
  | { outcome: "ignored"; reason: string }
  | {
      outcome: "created" | "duplicate" | "joined" | "escalated" | "recurred";
      incidentId: string;
      impact?: Impact;
      plan?: Plan;
    };

/** Actions whose lanes run in other functions, started by `Incident Opened`. */
export function runnableActions(plan: Plan): string[] {
  return plan.actions.filter((a) => !a.requiresApproval).map((a) => a.name);
}

/**
 * Pure: the decision for a finding, given what was read from the account. A drill only acts
 * on resources tagged for drills ({@link applyDrillScope}). The blast-radius circuit is not
 * part of it: slots are reserved in the store ({@link reserveSlots}).
 */
export function decide(
  finding: Finding,
  contexts: ResourceContext[],
  policy: BaseDeps["policy"],
): { impact: Impact; plan: Plan } {
  const impact = assessImpact(finding, contexts, policy.settings.impact);
  const chosen = choosePlan({ finding, impact, contexts, policy });
  const plan = applyDrillScope(chosen, finding, contexts);
  return { impact, plan };
}

/** Pure: the managed groups that the VPCs of the instances to contain lack (see `IncidentRecord.hints`). */
export function groupsToCreate(
  plan: Plan,
  contexts: ResourceContext[],
): NonNullable<NonNullable<IncidentRecord["hints"]>["groupsToCreate"]> {
  const action = plannedAction(plan, "contain-instance");
  if (!action) return [];
  const targets = new Set(action.targets ?? contexts.map((c) => c.resource.id));
  const out = new Map<string, { vpcId: string; role: "untracking" | "isolation" }>();
  for (const c of contexts) {
    if (!targets.has(c.resource.id) || !c.vpcId) continue;
    for (const role of c.missingIsolationGroups ?? [])
      out.set(`${c.vpcId}|${role}`, { vpcId: c.vpcId, role });
  }
  return [...out.values()];
}

/**
 * Reserves a containment slot for every instance the plan would contain at once, and sends
 * containment to a person when the account's hourly cap leaves none for some (the circuit).
 * Dry runs and drills reserve nothing: they change no instance outside their own scope.
 */
export async function reserveSlots(
  finding: Finding,
  plan: Plan,
  deps: Pick<TriageDeps, "store" | "policy" | "dryRun" | "now">,
): Promise<Plan> {
  const instances = instancesToReserve(plan);
  if (!instances.length || deps.dryRun || deps.policy.settings.dryRun) return plan;
  const cap = deps.policy.settings.maxContainmentsPerHour;
  const at = nowIso(deps);
  const answers = await Promise.all(
    instances.map((id) => deps.store.reserveContainment(finding.account, id, at, cap)),
  );
  const refused = instances.filter((_, i) => !answers[i]?.reserved);
  return applyCircuit(plan, refused, Math.max(0, ...answers.map((a) => a.used)), cap);
}

/** The open marker of the finding's primary resource; drills never share one with real incidents. */
export function resourceKeyOf(finding: Finding): string {
  const primary = finding.resources[0];
  const key = `${finding.account}#${primary ? `${primary.kind}:${primary.id}` : `finding:${finding.id}`}`;
  return finding.drill ? `DRILL#${key}` : key;
}

/** The incident record a finding opens (before any lane ran). */
function newIncident(
  finding: Finding,
  decision: { impact: Impact; plan: Plan },
  contexts: ResourceContext[],
  deps: Pick<TriageDeps, "dryRun" | "policy" | "now">,
  recurrenceOf?: string,
): IncidentRecord {
  const { impact, plan } = decision;
  const at = nowIso(deps);
  const toCreate = groupsToCreate(plan, contexts);
  return {
    incidentId: incidentIdFor(finding, recurrenceOf),
    status: "open",
    createdAt: at,
    updatedAt: at,
    account: finding.account,
    region: finding.region,
    resourceKey: resourceKeyOf(finding),
    drill: finding.drill,
    dryRun: deps.dryRun || deps.policy.settings.dryRun,
    finding,
    findings: [findingRef(finding)],
    impact,
    plan,
    steps: {
      triage: {
        status: "ok",
        startedAt: at,
        endedAt: at,
        attempts: 1,
        detail: `${impact.tier} (${impact.score})`,
      },
    },
    timeline: [
      {
        at: finding.time,
        step: "detection",
        status: "info",
        detail: `${finding.source} ${finding.type}: ${finding.title}`,
      },
      ...(recurrenceOf
        ? [
            {
              at,
              step: "recurrence",
              status: "info" as const,
              detail: `finding ${finding.id} recurred after incident ${recurrenceOf} was closed`,
            },
          ]
        : []),
      {
        at,
        step: "triage",
        status: "ok",
        detail: `impact ${impact.tier} (score ${impact.score}); playbook ${plan.playbook}: ${plan.actions.map((a) => a.name).join(", ") || "none"}`,
      },
    ],
    actions: [],
    alerts: [],
    approvals: [],
    evidence: {},
    ...(recurrenceOf ? { recurrenceOf } : {}),
    ...(toCreate.length ? { hints: { groupsToCreate: toCreate } } : {}),
  };
}

/** Handles one event end to end. Throws {@link InvalidEventError} for invalid input. */
export async function triageEvent(
  event: unknown,
  deps: TriageDeps,
  options: { envelopeAccount?: string } = {},
): Promise<TriageOutcome> {
  const intake = normalizeEvent(event, {
    ...(deps.trust ? { trust: deps.trust } : {}),
    ...(options.envelopeAccount ? { envelopeAccount: options.envelopeAccount } : {}),
  });
  if (intake.kind === "ignored") {
    deps.log.info("event ignored", { reason: intake.reason });
    return { outcome: "ignored", reason: intake.reason };
  }
  const finding = intake.finding;
  const contexts = await deps.resolve(finding);
  const decided = decide(finding, contexts, deps.policy);
  const decision = { impact: decided.impact, plan: await reserveSlots(finding, decided.plan, deps) };
  let incident = newIncident(finding, decision, contexts, deps);
  let opened = await deps.store.open(incident);
  if (opened.outcome === "recurred") {
    // The finding's incident was closed and the finding is back: a new incident, linked to it.
    incident = newIncident(finding, decision, contexts, deps, opened.closedIncidentId);
    opened = await deps.store.open(incident, { recurrenceOf: opened.closedIncidentId });
    if (opened.outcome === "recurred")
      throw new ConflictError(`finding ${finding.id} recurred twice while it was being opened: retry`);
  }
  if (opened.outcome === "created") {
    await announceOrNote(incident, deps);
    return {
      outcome: incident.recurrenceOf ? "recurred" : "created",
      incidentId: incident.incidentId,
      ...decision,
    };
  }
  if (opened.outcome === "joined" || (opened.outcome === "duplicate" && opened.seenAgain)) {
    if (opened.outcome === "duplicate")
      await deps.store.note(opened.incidentId, {
        step: "triage",
        status: "info",
        detail: `finding ${finding.type} (${finding.id}) seen again: updated ${finding.time}, severity ${finding.severity}`,
      });
    const grown = await escalateIncident(opened.incidentId, finding, decision, deps);
    return { outcome: grown ? "escalated" : opened.outcome, incidentId: opened.incidentId };
  }
  const resumed = await resumeSilentIncident(opened.incidentId, deps);
  if (resumed) return resumed;
  deps.log.info("finding already handled", { incidentId: opened.incidentId, findingId: finding.id });
  return { outcome: "duplicate", incidentId: opened.incidentId };
}

/**
 * A retry of an event whose first attempt opened the incident but failed before its alert went
 * out (the bus or SNS refused): starts the lanes again (they are idempotent) and sends the
 * alerts that are missing, instead of leaving the incident silent. Only once that attempt has
 * given up: copies delivered while it is still announcing are duplicates.
 */
async function resumeSilentIncident(
  incidentId: string,
  deps: TriageDeps,
): Promise<TriageOutcome | undefined> {
  const existing = await deps.store.find(incidentId);
  if (
    existing?.status !== "open" ||
    existing.alerts.some((a) => a.stage === "opened" || a.stage === "recurred") ||
    !announceAbandoned(existing, deps) ||
    !(await deps.store.claimStep(existing.incidentId, ANNOUNCE_STEP, LEASE_MS.triage))
  )
    return undefined;
  deps.log.warn("incident opened without its alert: resuming", { incidentId });
  try {
    await announce(existing, deps);
  } catch (err) {
    await deps.store
      .finishStep(incidentId, ANNOUNCE_STEP, "failed", "lanes or alerts not sent", {
        error: describeError(err),
      })
      .catch(() => undefined);
    throw err;
  }
  await deps.store.finishStep(incidentId, ANNOUNCE_STEP, "ok", "lanes started and alerts sent on a retry");
  return { outcome: "created", incidentId, impact: existing.impact, plan: existing.plan };
}

/** Announces a new incident; when that fails, says so on its timeline for the retry, and rethrows. */
async function announceOrNote(incident: IncidentRecord, deps: TriageDeps): Promise<void> {
  try {
    await announce(incident, deps);
  } catch (err) {
    // Says to the retry that this attempt gave up (see announceAbandoned).
    await deps.store
      .note(incident.incidentId, {
        step: ANNOUNCE_STEP,
        status: "failed",
        detail: "lanes or alerts not sent: the event is retried",
        error: describeError(err),
      })
      .catch(() => undefined);
    throw err;
  }
}

/** The step (timeline and step map) of starting an incident's lanes and sending its first alerts. */
const ANNOUNCE_STEP = "announce";

/**
 * How long the attempt that opened an incident may still be announcing it: longer than the
 * function's timeout (serverless.yml), so that after it the attempt has certainly ended.
 */
export const ANNOUNCE_GRACE_MS = 3 * 60_000;

/**
 * True when the attempt that opened the incident will not announce it: it said so on the
 * timeline, or it is past {@link ANNOUNCE_GRACE_MS} (it crashed or timed out). Until then a
 * copy of the event is a duplicate, even when the opened alert is not recorded yet.
 */
function announceAbandoned(incident: IncidentRecord, deps: Pick<BaseDeps, "now">): boolean {
  if (incident.timeline.some((t) => t.step === ANNOUNCE_STEP && t.status === "failed")) return true;
  const now = (deps.now?.() ?? new Date()).getTime();
  return now - Date.parse(incident.createdAt) > ANNOUNCE_GRACE_MS;
}

/** Starts the plan's lanes through the bus, then sends the opened (and awaiting-approval) alerts. */
export async function announce(incident: IncidentRecord, deps: TriageDeps): Promise<void> {
  const { finding, impact, plan } = incident;
  const actions = runnableActions(plan);
  const waiting = plan.actions.filter((a) => a.requiresApproval).map((a) => a.name);
  // The lanes start first: containment must not wait for the alert.
  await deps.bus.emit("Incident Opened", {
    incidentId: incident.incidentId,
    actions,
    account: incident.account,
  });
  const lanes = actions.filter((a) => a !== "notify");
  await notify(deps, {
    stage: incident.recurrenceOf ? "recurred" : "opened",
    incident,
    summary: `${incident.recurrenceOf ? `Recurred after incident ${incident.recurrenceOf} was closed: ` : ""}${finding.title} — impact ${impact.tier} (${impact.score}/100). ${
      lanes.length ? `Started: ${lanes.join(", ")}.` : "Alert only: the plan takes no action in the account."
    }${waiting.length ? ` Waiting for approval: ${waiting.join(", ")}.` : ""}${
      plan.notes.length ? ` Safety rails: ${plan.notes.join("; ")}.` : ""
    }`,
    leftToDo: [...lanes.map((a) => `${a}: started`), ...waiting.map((a) => `${a}: waits for approval`)],
  });
  if (waiting.length) {
    await notify(deps, {
      stage: "awaiting-approval",
      incident,
      summary: `Waiting for a person's decision: ${waiting.join(", ")}. Approve with: responder approve ${incident.incidentId}`,
      leftToDo: waiting.map((a) => `${a}: approve or deny`),
    });
  }
}
