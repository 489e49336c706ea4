/**
 * Containment lane: isolates every instance the plan names, records the pre-isolation state
 * (for release), verification, and alerts. Idempotent through the incident's step map.
 */

import type { IAMClient } from "@aws-sdk/client-iam";
import { paramsOf, plannedAction } from "../actions/index.ts";
import { CONTAIN_STEP } from "../actions/step-names.ts";
import type {
  ContainmentClients,
  ContainmentOutcome,
  ContainOptions,
  PreIsolationState,
} from "../containment/index.ts";
import { containInstance, EarlyGroupCreation } from "../containment/index.ts";
import { type AccessOutcome, AccessRecordSchema, containWithAccess } from "../credentials/lane.ts";
import { DEFAULT_OWN_ROLE_PREFIXES } from "../credentials/statement.ts";
import type { ActionResult, PlannedAction, StepStatus } from "../domain/types.ts";
import { describeError } from "../errors/index.ts";
import { currentApprovals, type IncidentRecord } from "../incident/model.ts";
import { type ContainmentRecord, containmentOf } from "../incident/record.ts";
import type { BaseDeps } from "./deps.ts";
import { nowIso } from "./deps.ts";
import { ownOrMember } from "./per-account.ts";
import { endStep, runStep } from "./steps.ts";

export interface ContainDeps extends BaseDeps {
  clientsFor(account: string, incidentId: string): Promise<ContainmentClients>;
  /** IAM in the account (revoke-instance-credentials); absent: the revocation is reported failed. */
  iamFor?(account: string, incidentId: string): Promise<IAMClient>;
  /**
   * The deny-all instance profile that isolates an instance of `account` (see
   * {@link isolationProfileFor}); absent, or undefined for an account, skips the profile swap.
   */
  isolationProfileFor?(account: string): Promise<string | undefined>;
}

/** The isolation profile's name in member accounts (infra/member-account-role.yaml, `IsolationRoleName`). */
export const MEMBER_ISOLATION_PROFILE_NAME = "incident-responder-isolation";

/** Where the deny-all profiles are: the function's own one, and the name member accounts give theirs. */
export interface IsolationProfiles {
  /** The account the function runs in (AccountSessions.ownAccount). */
  ownAccount(): Promise<string>;
  /** The responder's own profile (ISOLATION_PROFILE_ARN); unset: no profile swap in its own account. */
  ownProfileArn?: string | undefined;
  /** The profile's name in member accounts (ISOLATION_PROFILE_NAME). */
  memberProfileName?: string | undefined;
}

/**
 * Which deny-all profile isolates an instance of `account`. EC2 attaches only a profile of the
 * instance's own account: in the function's own account that is the responder's profile
 * (ISOLATION_PROFILE_ARN); in any other account it is that member account's own profile,
 * `arn:aws:iam::<member>:instance-profile/<name>`, created by infra/member-account-role.yaml.
 */
export function isolationProfileFor(
  profiles: IsolationProfiles,
): (account: string) => Promise<string | undefined> {
  const name = profiles.memberProfileName || MEMBER_ISOLATION_PROFILE_NAME;
  return ownOrMember({
    ownAccount: profiles.ownAccount,
    ownArn: profiles.ownProfileArn,
    memberArn: (account, partition) => `arn:${partition}:iam::${account}:instance-profile/${name}`,
  });
}

/** Instances the plan's contain-instance action targets (the plan has applied the safety rails). */
export function containTargets(incident: IncidentRecord): string[] {
  const action = plannedAction(incident.plan, "contain-instance");
  if (!action) return [];
  if (action.targets) return action.targets;
  return incident.finding.resources.filter((r) => r.kind === "ec2-instance").map((r) => r.id);
}

/** A person approved the current plan revision (an escalation that added waiting actions asks again). */
function approved(incident: IncidentRecord): boolean {
  return currentApprovals(incident).some((a) => a.decision === "approved");
}

/** The alert stage of a containment step's end. */
function endStage(status: StepStatus): "contained" | "containment-failed" {
  return status === "verified" || status === "skipped" ? "contained" : "containment-failed";
}

/** Runs the containment lane for an incident. Returns the outcomes, or undefined when there was nothing to do. */
export async function runContainment(
  incidentId: string,
  deps: ContainDeps,
): Promise<ContainmentOutcome[] | undefined> {
  const incident = await deps.store.get(incidentId);
  const action = plannedAction(incident.plan, "contain-instance");
  if (!action) return undefined;
  if (action.requiresApproval && !approved(incident)) {
    deps.log.info("containment waits for approval", { incidentId });
    return undefined;
  }
  const ran = await runStep(deps, {
    incident,
    step: CONTAIN_STEP,
    lane: "contain",
    work: () => contain(incidentId, action, deps),
    alerts: {
      stages: ["contained", "containment-failed"],
      resend: (step) => ({
        stage: endStage(step.status),
        summary: `Containment ${step.status}: ${step.detail ?? ""}`,
      }),
      failure: {
        what: "containment",
        stage: "containment-failed",
        leftToDo: [
          `Containment of ${containTargets(incident).join(", ") || "the instance"} is NOT confirmed: isolate by hand or wait for the retry`,
          `responder status ${incidentId}`,
        ],
      },
    },
  });
  return ran?.value;
}

async function contain(
  incidentId: string,
  action: PlannedAction,
  deps: ContainDeps,
): Promise<ContainmentOutcome[]> {
  const incident = await deps.store.get(incidentId);
  const dryRun = incident.dryRun;
  const params = paramsOf(action, "contain-instance");
  const previous = containmentOf(incident)?.preIsolation ?? {};
  // Connection tracking and role credentials (shared/credentials/lane.ts), kept for release.
  const access: Record<string, unknown> = {
    ...((incident.containment?.access ?? {}) as Record<string, unknown>),
  };
  const revoke = plannedAction(incident.plan, "revoke-instance-credentials") !== undefined;
  const outcomes: ContainmentOutcome[] = [];
  const failures: { what: string; error: string }[] = [];
  try {
    const clients = await deps.clientsFor(incident.account, incidentId);
    const isolationProfileArn = await deps.isolationProfileFor?.(incident.account);
    // Triage saw the VPC's managed groups missing: create them beside the first round. Not on
    // a retry that already has a record (the first attempt made them).
    const toCreate = Object.keys(previous).length ? [] : (incident.hints?.groupsToCreate ?? []);
    const earlyGroups = toCreate.length ? new EarlyGroupCreation(clients.ec2, toCreate) : undefined;
    const iam = await deps.iamFor?.(incident.account, incidentId);
    const region = await clients.ec2.config.region();
    const results: PromiseSettledResult<AccessOutcome>[] = await Promise.allSettled(
      containTargets(incident).map((instanceId) => {
        const opts: ContainOptions = {
          incidentId,
          dryRun,
          stopInstance: params.stopInstance,
          asgMode: params.asgMode,
          stopProtection: params.stopProtection,
          ...(isolationProfileArn ? { isolationProfileArn } : {}),
          ...(previous[instanceId] ? { previous: previous[instanceId] } : {}),
          ...(earlyGroups ? { earlyGroups } : {}),
          persist: (state) => deps.store.savePreIsolation(incidentId, state),
          ...(deps.now ? { now: deps.now } : {}),
        };
        const claimed =
          action.sessionRoles?.[instanceId] ??
          incident.finding.resources.find((r) => r.kind === "ec2-instance" && r.id === instanceId)
            ?.sessionOfRole;
        return containWithAccess(
          instanceId,
          { ec2: clients.ec2, iam },
          {
            incidentId,
            account: incident.account,
            region,
            dryRun,
            revoke,
            guard: {
              protectedTag: deps.policy.settings.protectedTag,
              protectedIds: deps.policy.settings.protectedIds,
              ownRolePrefixes: DEFAULT_OWN_ROLE_PREFIXES,
            },
            claimedRole: claimed,
            isolationProfileArn,
            recordedProfileArn: previous[instanceId]?.instanceProfileArn,
            previous: AccessRecordSchema.safeParse(access[instanceId]).data,
            now: deps.now ?? (() => new Date()),
          },
          () => containInstance(instanceId, clients, opts),
        );
      }),
    );
    results.forEach((r, i) => {
      if (r.status === "fulfilled") {
        outcomes.push(r.value.outcome);
        if (r.value.record) access[r.value.outcome.instanceId] = r.value.record;
      } else
        failures.push({ what: `contain ${containTargets(incident)[i]}`, error: describeError(r.reason) });
    });
  } catch (err) {
    failures.push({ what: "containment", error: describeError(err) });
  }
  const actions: ActionResult[] = outcomes.flatMap((o) => o.steps);
  for (const o of outcomes) {
    if (o.status === "failed")
      failures.push({
        what: `verify ${o.instanceId}`,
        error: `still open: ${o.verification.open.join("; ")}`,
      });
    for (const s of o.steps.filter((s) => s.status === "failed"))
      failures.push({ what: `${s.name} ${s.target}`, error: s.detail });
  }
  const pre: Record<string, PreIsolationState> = { ...previous };
  for (const o of outcomes) if (o.preIsolation) pre[o.instanceId] = o.preIsolation;
  const allVerified =
    outcomes.length > 0 && outcomes.every((o) => o.status === "verified" || o.status === "terminated");
  const status = dryRun
    ? "skipped"
    : failures.length === 0 && allVerified
      ? "verified"
      : outcomes.some((o) => o.status === "verified")
        ? "partial"
        : "failed";
  const detail = dryRun
    ? "dry run: no change made"
    : outcomes
        .map((o) => `${o.instanceId}: ${o.status} in ${o.rounds} rounds, ${o.calls} calls`)
        .join("; ") || "no instance contained";
  await endStep(deps, incidentId, CONTAIN_STEP, {
    status,
    detail,
    actions,
    ...(failures.length ? { error: failures.map((f) => `${f.what}: ${f.error}`).join("; ") } : {}),
    set: {
      containment: {
        preIsolation: pre,
        access,
        verified: status === "verified",
        verification: Object.fromEntries(outcomes.map((o) => [o.instanceId, o.verification])),
        containedAt: nowIso(deps),
      } satisfies ContainmentRecord,
    },
    beforeAlert: (updated) => catchUpWithEscalation(incident, updated, outcomes, deps),
    alert: {
      stage: endStage(status),
      summary:
        status === "verified"
          ? `Contained and verified: ${detail}.`
          : status === "skipped"
            ? "Dry run: containment planned, nothing changed."
            : `Containment is ${status}: ${detail}.`,
      done: actions.filter((a) => a.status === "ok"),
      failed: failures,
      leftToDo: failures.length
        ? ["Investigate what is still open and contain by hand", `responder status ${incidentId}`]
        : [],
    },
  });
  return outcomes;
}

/**
 * An escalation that gave containment new instances while this run was under way could not
 * reopen the step (it was running): the run reopens it and starts the lane again itself.
 */
async function catchUpWithEscalation(
  started: IncidentRecord,
  now: IncidentRecord,
  outcomes: ContainmentOutcome[],
  deps: ContainDeps,
): Promise<void> {
  if ((now.planRevision ?? 0) === (started.planRevision ?? 0)) return;
  const done = new Set(outcomes.map((o) => o.instanceId));
  const missed = containTargets(now).filter((id) => !done.has(id));
  if (!missed.length) return;
  deps.log.info("containment grew while it ran: starting it again", { incidentId: now.incidentId, missed });
  await deps.store.reopenSteps(now.incidentId, [CONTAIN_STEP]);
  await deps.bus.emit("Incident Escalated", {
    incidentId: now.incidentId,
    actions: ["contain-instance"],
    account: now.account,
  });
}
