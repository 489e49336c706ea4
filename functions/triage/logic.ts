/**
 * The triage function's logic (functions/triage/handler.ts wires it to middy): security
 * events, approval decisions sent as events, and the schedule that re-drives stalled lanes.
 */
import { autoScalingClient, dynamoDocClient, ec2Client } from "../../shared/aws/clients.ts";
import { InvalidEventError, RefusedError } from "../../shared/errors/index.ts";
import { PreflightResults } from "../../shared/incident/preflight-results.ts";
import { isApprovalEvent } from "../../shared/intake/approval.ts";
import { runPreflight } from "../../shared/preflight/run.ts";
import {
  isPreflightSchedule,
  type ScheduledPreflightOutcome,
  scheduledPreflight,
} from "../../shared/preflight/schedule.ts";
import { scheduledPlan } from "../../shared/preflight/scheduled-plan.ts";
import { resolveContexts } from "../../shared/resolve/context.ts";
import type { Runtime } from "../../shared/runtime/base.ts";
import { type AnyEvent, type Logic, MetricUnit } from "../../shared/runtime/lambda.ts";
import { type ApprovalEventOutcome, decideFromEvent } from "../../shared/workflow/approval.ts";
import { rejectEvent, reportRejections } from "../../shared/workflow/reject.ts";
import { closeExpiredDrills, type ResumeOutcome, resumeStalled } from "../../shared/workflow/resume.ts";
import { type TriageDeps, type TriageOutcome, triageEvent } from "../../shared/workflow/triage.ts";

/** The triage workflow's dependencies: the shared ones, and reading the affected resources. */
export function triageDeps(rt: Runtime): TriageDeps {
  const clientsFor = async (account: string, incidentId: string) => {
    const o = await rt.sessions.optionsFor(account, incidentId, "read").catch((err: unknown) => {
      // An account the responder may not act in: the event is refused like any invalid one
      // (recorded and alerted, not retried).
      if (err instanceof RefusedError) throw new InvalidEventError(err.message, "account", { cause: err });
      throw err;
    });
    return { ec2: rt.clients.of(o, ec2Client), autoScaling: rt.clients.of(o, autoScalingClient) };
  };
  return {
    ...rt.deps,
    trust: rt.config.trust,
    resolve: async (finding) =>
      (await resolveContexts(finding.resources, await clientsFor(finding.account, "triage"))).contexts,
  };
}

type Rejected = { outcome: "rejected"; error: string };

/** EventBridge's scheduled event (the function's `schedule` in serverless.yml). */
const isScheduled = (event: unknown) => {
  const e = event as AnyEvent | null;
  return e?.source === "aws.events" && e["detail-type"] === "Scheduled Event";
};

/**
 * triage: every security event, approval decisions sent as events (on the responder's bus),
 * and the schedule that re-drives lanes whose worker stopped (workflow/resume.ts) and sends
 * the summary of rejected events not alerted one by one (workflow/reject.ts); and the daily
 * preflight, which alerts only when a check changed (preflight/schedule.ts). Invalid events
 * are recorded and alerted (the first of each kind per window), not retried.
 */
export function triageLogic(rt: Runtime): Logic<unknown> {
  const deps = triageDeps(rt);
  return async (
    event,
    { metrics },
  ): Promise<
    TriageOutcome | ApprovalEventOutcome | Rejected | ResumeOutcome[] | ScheduledPreflightOutcome
  > => {
    if (isPreflightSchedule(event)) {
      // The account EventBridge authenticated: the rule's own, the responder's.
      const account = String((event as { account: string }).account);
      const out = await scheduledPreflight(
        () =>
          runPreflight(
            scheduledPlan({
              config: rt.config,
              aws: rt.aws,
              account,
              sessions: rt.sessions,
              policy: rt.deps.policy,
            }),
          ),
        {
          ...rt.deps,
          results: new PreflightResults(
            rt.clients.of(rt.aws, dynamoDocClient),
            rt.config.resources.incidentTable,
          ),
        },
      );
      if (out.changes.length) metrics.addMetric("PreflightChanges", MetricUnit.Count, out.changes.length);
      return out;
    }
    if (isScheduled(event)) {
      // Each runs, whatever the others do: a failing summary never stops the re-drives.
      const [resumedRun, summaries, drills] = await Promise.allSettled([
        resumeStalled(rt.deps),
        reportRejections(rt.deps),
        closeExpiredDrills(rt.deps),
      ]);
      if (summaries.status === "fulfilled") {
        const reported = summaries.value.reduce((n, r) => n + r.reported, 0);
        if (reported) metrics.addMetric("RejectionsSummarised", MetricUnit.Count, reported);
      }
      for (const run of [resumedRun, summaries, drills]) if (run.status === "rejected") throw run.reason;
      const resumed = (resumedRun as PromiseFulfilledResult<ResumeOutcome[]>).value;
      const count = resumed.reduce((n, r) => n + r.resumed.length, 0);
      if (count) metrics.addMetric("StalledLanesResumed", MetricUnit.Count, count);
      return resumed;
    }
    // An invalid event is recorded and alerted, not retried.
    const orRejected = async <T>(work: () => Promise<T>): Promise<T | Rejected> => {
      try {
        return await work();
      } catch (err) {
        if (!(err instanceof InvalidEventError)) throw err;
        metrics.addMetric("EventsRejected", MetricUnit.Count, 1);
        await rejectEvent(event, err, rt.deps);
        return { outcome: "rejected", error: err.message };
      }
    };
    if (isApprovalEvent(event))
      return orRejected(async () => {
        const out = await decideFromEvent(event, {
          ...rt.deps,
          approverRoleArns: rt.config.trust.approverRoleArns,
        });
        if (out.outcome !== "duplicate") metrics.addMetric("ApprovalDecisions", MetricUnit.Count, 1);
        return out;
      });
    return orRejected(async () => {
      const out = await triageEvent(event, deps);
      if (out.outcome === "created" && out.impact) {
        metrics.addDimension("tier", out.impact.tier);
        metrics.addMetric("IncidentsOpened", MetricUnit.Count, 1);
      }
      return out;
    });
  };
}
