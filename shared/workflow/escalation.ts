/**
 * Escalation: a finding joined an open incident (or a newer version of its finding came in).
 * Its own decision is merged into the incident's ({@link escalate}); when the response grows,
 * the grown decision is stored (conditional on the revision it was read at), the steps with
 * more to do are made claimable again, the lanes start through `Incident Escalated`, and an
 * `escalated` alert says why. A later finding never goes unheard: it is on the timeline even
 * when the incident already covers it.
 */

import { actionNamed, actionsOfStep, plannedAction } from "../actions/index.ts";
import type { Finding, Impact, Plan } from "../domain/types.ts";
import { ConflictError } from "../errors/index.ts";
import type { IncidentRecord } from "../incident/model.ts";
import { type Escalated, escalate } from "../triage/escalation.ts";
import type { BaseDeps } from "./deps.ts";
import { notify } from "./notify.ts";

/** How many times a merge is redone when concurrent escalations keep winning. */
const ESCALATION_ATTEMPTS = 3;

/** The instances an incident's findings named (the primary finding's, plus the plan's targets). */
function instancesOf(incident: IncidentRecord): string[] {
  const named = incident.finding.resources.filter((r) => r.kind === "ec2-instance").map((r) => r.id);
  const targets = plannedAction(incident.plan, "contain-instance")?.targets ?? [];
  return [...new Set([...named, ...targets])];
}

/** Actions a person denied on the incident's current revision. */
function deniedActions(incident: IncidentRecord): string[] {
  const revision = incident.planRevision ?? 0;
  const denied = (incident.approvals ?? []).some(
    (a) => a.decision === "denied" && (a.revision ?? 0) === revision,
  );
  return denied ? incident.plan.actions.filter((a) => a.requiresApproval).map((a) => a.name) : [];
}

/**
 * Steps that finished with less to do than the grown plan asks: each grown action's
 * `reopenOnGrowth` (registry) that has ended. They must run again.
 */
export function stepsToReset(incident: IncidentRecord, grown: Escalated): string[] {
  const ended = (step: string) => {
    const s = incident.steps[step];
    return s !== undefined && s.status !== "running";
  };
  const steps = grown.changed.flatMap((a) => actionNamed(a)?.reopenOnGrowth ?? []);
  return [...new Set(steps)].filter(ended);
}

/**
 * The lanes to start for a grown decision: what changed and may run now, and every action that
 * records a reopened step (its lane runs it again).
 */
export function lanesToStart(plan: Plan, grown: Escalated, resetSteps: string[]): string[] {
  const runnable = new Set(plan.actions.filter((a) => !a.requiresApproval).map((a) => a.name));
  const lanes = new Set(grown.changed.filter((a) => runnable.has(a)));
  for (const step of resetSteps) for (const a of actionsOfStep(step)) if (runnable.has(a)) lanes.add(a);
  return [...lanes];
}

/**
 * Merges the finding's decision into the open incident and, when the response grows, starts
 * what grew and alerts. Returns true when it grew.
 * @throws ConflictError when concurrent escalations kept changing the incident (retried).
 */
export async function escalateIncident(
  incidentId: string,
  finding: Finding,
  decision: { impact: Impact; plan: Plan },
  deps: Pick<BaseDeps, "store" | "bus" | "alerter" | "log" | "now" | "evidenceBucket">,
): Promise<boolean> {
  const instances = finding.resources.filter((r) => r.kind === "ec2-instance").map((r) => r.id);
  for (let attempt = 0; attempt < ESCALATION_ATTEMPTS; attempt++) {
    const incident = await deps.store.get(incidentId);
    if (incident.status !== "open") return false;
    const grown = escalate(
      { ...incident, instances: instancesOf(incident), denied: deniedActions(incident) },
      { ...decision, instances },
    );
    if (!grown.reasons.length) {
      deps.log.info("finding joined; the incident already covers it", { incidentId, findingId: finding.id });
      return false;
    }
    const resetSteps = stepsToReset(incident, grown);
    const stored = await deps.store.escalate(incidentId, {
      fromRevision: incident.planRevision ?? 0,
      plan: grown.plan,
      impact: grown.impact,
      resetSteps,
      detail: `${finding.source} ${finding.type} (${finding.id}): ${grown.reasons.join("; ")}`,
    });
    if (!stored) continue;
    await announceEscalation(incidentId, finding, grown, lanesToStart(grown.plan, grown, resetSteps), deps);
    return true;
  }
  throw new ConflictError(`incident ${incidentId} kept changing while finding ${finding.id} escalated it`);
}

async function announceEscalation(
  incidentId: string,
  finding: Finding,
  grown: Escalated,
  lanes: string[],
  deps: Pick<BaseDeps, "store" | "bus" | "alerter" | "log" | "now" | "evidenceBucket">,
): Promise<void> {
  const incident = await deps.store.get(incidentId);
  // The lanes first: containment must not wait for the alert.
  if (lanes.length)
    await deps.bus.emit("Incident Escalated", { incidentId, actions: lanes, account: incident.account });
  const waiting = grown.plan.actions
    .filter((a) => a.requiresApproval && grown.changed.includes(a.name))
    .map((a) => a.name);
  await notify(deps, {
    stage: "escalated",
    incident,
    summary: `Escalated by ${finding.source} ${finding.type} (severity ${finding.severity}): ${grown.reasons.join("; ")}.${
      lanes.length ? ` Started: ${lanes.join(", ")}.` : ""
    }${waiting.length ? ` Waiting for approval: ${waiting.join(", ")}.` : ""}`,
    leftToDo: [...lanes.map((a) => `${a}: started`), ...waiting.map((a) => `${a}: approve or deny`)],
  });
  if (waiting.length)
    await notify(deps, {
      stage: "awaiting-approval",
      incident,
      summary: `Waiting for a person's decision: ${waiting.join(", ")}. Approve with: responder approve ${incidentId}`,
      leftToDo: waiting.map((a) => `${a}: approve or deny`),
    });
}
