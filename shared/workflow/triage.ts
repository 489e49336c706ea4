/**
 * Triage: turns an incoming event into a finding, reads the affected resources, estimates
 * the impact, chooses a plan, opens (or joins) the incident, alerts, and hands the plan's
 * lanes to the other functions through the event bus.
 */
import type { Finding, Impact, Plan, ResourceContext } from "../domain/types.ts";
import { describeError, InvalidEventError } from "../errors/index.ts";
import { findingRef, type IncidentRecord, incidentIdFor } from "../incident/model.ts";
import { normalizeEvent } from "../intake/index.ts";
import { assessImpact, choosePlan } from "../triage/index.ts";
import { applyDrillScope } from "../triage/safety.ts";
import type { BaseDeps } from "./deps.ts";
import { nowIso } from "./deps.ts";
import { notify } from "./notify.ts";
import { LEASE_MS } from "./steps.ts";

/** Reads what the account says about a finding's resources (read-only). */
export type ContextResolver = (finding: Finding) => Promise<ResourceContext[]>;

export interface TriageDeps extends BaseDeps {
  resolve: ContextResolver;
}

export type TriageOutcome =
  | { outcome: "ignored"; reason: string }
  | { outcome: "created" | "duplicate" | "joined"; incidentId: string; impact?: Impact; plan?: Plan };

/** Actions whose lanes run in other functions, started by `Incident Opened`. */
export function runnableActions(plan: Plan): string[] {
  return plan.actions.filter((a) => !a.requiresApproval).map((a) => a.name);
}

/**
 * Pure: the decision for a finding, given what was read from the account. A drill only acts
 * on resources tagged for drills ({@link applyDrillScope}).
 */
export function decide(
  finding: Finding,
  contexts: ResourceContext[],
  policy: BaseDeps["policy"],
  containmentsInLastHour: number,
): { impact: Impact; plan: Plan } {
  const impact = assessImpact(finding, contexts, policy.settings.impact);
  const chosen = choosePlan({ finding, impact, contexts, policy, containmentsInLastHour });
  const plan = applyDrillScope(chosen, finding, contexts);
  return { impact, plan };
}

/** Pure: the managed groups that the VPCs of the instances to contain lack (see `IncidentRecord.hints`). */
export function groupsToCreate(
  plan: Plan,
  contexts: ResourceContext[],
): NonNullable<NonNullable<IncidentRecord["hints"]>["groupsToCreate"]> {
  const action = plan.actions.find((a) => a.name === "contain-instance");
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

/** Handles one event end to end. Throws {@link InvalidEventError} for invalid input. */
export async function triageEvent(event: unknown, deps: TriageDeps): Promise<TriageOutcome> {
  const intake = normalizeEvent(event);
  if (intake.kind === "ignored") {
    deps.log.info("event ignored", { reason: intake.reason });
    return { outcome: "ignored", reason: intake.reason };
  }
  const finding = intake.finding;
  const since = new Date((deps.now?.() ?? new Date()).getTime() - 3600_000).toISOString();
  const [contexts, recent] = await Promise.all([
    deps.resolve(finding),
    deps.store.countRecentContainments(finding.account, since),
  ]);
  const { impact, plan } = decide(finding, contexts, deps.policy, recent);
  const at = nowIso(deps);
  const primary = finding.resources[0];
  const toCreate = groupsToCreate(plan, contexts);
  const incident: IncidentRecord = {
    incidentId: incidentIdFor(finding),
    status: "open",
    createdAt: at,
    updatedAt: at,
    account: finding.account,
    region: finding.region,
    resourceKey: `${finding.account}#${primary ? `${primary.kind}:${primary.id}` : `finding:${finding.id}`}`,
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
    ...(toCreate.length ? { hints: { groupsToCreate: toCreate } } : {}),
  };
  const opened = await deps.store.open(incident);
  if (opened.outcome === "duplicate") {
    // A retry of an event whose first attempt opened the incident but failed before its
    // alert went out (the bus or SNS refused): start the lanes again (they are idempotent)
    // and send the alerts that are missing, instead of leaving the incident silent. Only once
    // that attempt has given up: copies delivered while it is still announcing are duplicates.
    const existing = await deps.store.find(opened.incidentId);
    if (
      existing?.status === "open" &&
      !existing.alerts.some((a) => a.stage === "opened") &&
      announceAbandoned(existing, deps) &&
      (await deps.store.claimStep(existing.incidentId, ANNOUNCE_STEP, LEASE_MS.triage))
    ) {
      deps.log.warn("incident opened without its alert: resuming", { incidentId: existing.incidentId });
      try {
        await announce(existing, deps);
      } catch (err) {
        await deps.store
          .finishStep(existing.incidentId, ANNOUNCE_STEP, "failed", "lanes or alerts not sent", {
            error: describeError(err),
          })
          .catch(() => undefined);
        throw err;
      }
      await deps.store.finishStep(
        existing.incidentId,
        ANNOUNCE_STEP,
        "ok",
        "lanes started and alerts sent on a retry",
      );
      return {
        outcome: "created",
        incidentId: existing.incidentId,
        impact: existing.impact,
        plan: existing.plan,
      };
    }
  }
  if (opened.outcome !== "created") {
    deps.log.info(
      `finding ${opened.outcome === "duplicate" ? "already handled" : "joined an open incident"}`,
      {
        incidentId: opened.incidentId,
        findingId: finding.id,
      },
    );
    return { outcome: opened.outcome, incidentId: opened.incidentId };
  }
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
  return { outcome: "created", incidentId: incident.incidentId, impact, plan };
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
async function announce(incident: IncidentRecord, deps: TriageDeps): Promise<void> {
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
    stage: "opened",
    incident,
    summary: `${finding.title} — impact ${impact.tier} (${impact.score}/100). ${
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
