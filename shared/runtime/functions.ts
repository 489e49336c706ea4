/**
 * The logic of each Lambda function, given its runtime: what `functions/<name>/handler.ts`
 * wires to middy. Kept here so handlers stay a few lines and the logic can be tested whole.
 */
import {
  autoScalingClient,
  cfnClient,
  cloudTrailClient,
  ec2Client,
  elbv2Client,
  iamClient,
  s3Client,
} from "../aws/clients.ts";
import { loadTemplate, type TemplateSource } from "../cleanroom/index.ts";
import { InvalidEventError } from "../errors/index.ts";
import { isApprovalEvent } from "../intake/approval.ts";
import { resolveContexts } from "../resolve/context.ts";
import { type ApprovalEventOutcome, decideFromEvent } from "../workflow/approval.ts";
import {
  type CleanroomDeps,
  type CleanroomOutcome,
  cleanroomStackRoleFor,
  handleCleanroomEvent,
} from "../workflow/cleanroom.ts";
import { isolationProfileFor as isolationProfileResolver, runContainment } from "../workflow/contain.ts";
import { onSnapshotEvent, runEvidence } from "../workflow/evidence.ts";
import { type ResumeOutcome, resumeStalled } from "../workflow/resume.ts";
import { intakeSnsEvent, type SnsIntakeOutcome } from "../workflow/sns-intake.ts";
import { rejectEvent, type TriageDeps, type TriageOutcome, triageEvent } from "../workflow/triage.ts";
import type { Runtime } from "./base.ts";
import { type Logic, MetricUnit } from "./lambda.ts";

type AnyEvent = { source?: string; "detail-type"?: string; detail?: Record<string, unknown> };

/** The triage workflow's dependencies: the shared ones, and reading the affected resources. */
function triageDeps(rt: Runtime): TriageDeps {
  const clientsFor = async (account: string, incidentId: string) => {
    const o = await rt.sessions.optionsFor(account, incidentId);
    return { ec2: ec2Client(o), autoScaling: autoScalingClient(o) };
  };
  return {
    ...rt.deps,
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
 * and the schedule that re-drives lanes whose worker stopped (workflow/resume.ts). Invalid
 * events are recorded and alerted, not retried.
 */
export function triageLogic(rt: Runtime): Logic<unknown> {
  const deps = triageDeps(rt);
  return async (
    event,
    { metrics },
  ): Promise<TriageOutcome | ApprovalEventOutcome | Rejected | ResumeOutcome[]> => {
    if (isScheduled(event)) {
      const resumed = await resumeStalled(rt.deps);
      const count = resumed.reduce((n, r) => n + r.resumed.length, 0);
      if (count) metrics.addMetric("StalledLanesResumed", MetricUnit.Count, count);
      return resumed;
    }
    if (isApprovalEvent(event)) {
      try {
        const out = await decideFromEvent(event, rt.deps);
        if (out.outcome !== "duplicate") metrics.addMetric("ApprovalDecisions", MetricUnit.Count, 1);
        return out;
      } catch (err) {
        if (!(err instanceof InvalidEventError)) throw err;
        metrics.addMetric("EventsRejected", MetricUnit.Count, 1);
        await rejectEvent(event, err, rt.deps);
        return { outcome: "rejected", error: err.message };
      }
    }
    try {
      const out = await triageEvent(event, deps);
      if (out.outcome === "created" && out.impact) {
        metrics.addDimension("tier", out.impact.tier);
        metrics.addMetric("IncidentsOpened", MetricUnit.Count, 1);
      }
      return out;
    } catch (err) {
      if (!(err instanceof InvalidEventError)) throw err;
      metrics.addMetric("EventsRejected", MetricUnit.Count, 1);
      await rejectEvent(event, err, rt.deps);
      return { outcome: "rejected", error: err.message };
    }
  };
}

/**
 * intake: events published to the intake topic (SNS), each record triaged like an
 * EventBridge event. Invalid records are recorded and alerted, not retried.
 */
export function intakeLogic(rt: Runtime): Logic<unknown> {
  const deps = triageDeps(rt);
  return async (event, { metrics }): Promise<SnsIntakeOutcome[]> => {
    const outcomes = await intakeSnsEvent(event, deps);
    const created = outcomes.flatMap((o) => (o.outcome === "created" ? [o] : []));
    const rejected = outcomes.filter((o) => o.outcome === "rejected").length;
    const tier = created.length === 1 ? created[0]?.impact?.tier : undefined;
    if (tier) metrics.addDimension("tier", tier);
    if (created.length) metrics.addMetric("IncidentsOpened", MetricUnit.Count, created.length);
    if (rejected) metrics.addMetric("EventsRejected", MetricUnit.Count, rejected);
    return outcomes;
  };
}

/** contain: `Incident Opened` / `Incident Approved` with contain-instance. */
export function containLogic(rt: Runtime): Logic<AnyEvent> {
  const isolationProfileFor = isolationProfileResolver({
    ownAccount: () => rt.sessions.ownAccount(),
    ownProfileArn: rt.config.resources.isolationProfileArn,
    memberProfileName: rt.config.isolationProfileName,
  });
  return async (event, { metrics }) => {
    const incidentId = String(event.detail?.incidentId ?? "");
    const started = Date.now();
    const outcomes = await runContainment(incidentId, {
      ...rt.deps,
      isolationProfileFor,
      clientsFor: async (account, id) => {
        const o = await rt.sessions.optionsFor(account, id);
        return { ec2: ec2Client(o), autoScaling: autoScalingClient(o), elbv2: elbv2Client(o) };
      },
    });
    if (outcomes) {
      metrics.addMetric("TimeToContainMs", MetricUnit.Milliseconds, Date.now() - started);
      const failed = outcomes.filter((o) => o.status === "failed").length;
      if (failed) metrics.addMetric("ContainmentFailures", MetricUnit.Count, failed);
      const unsupported = outcomes.flatMap((o) => o.steps).filter((s) => s.status === "unsupported").length;
      if (unsupported) metrics.addMetric("UnsupportedSteps", MetricUnit.Count, unsupported);
    }
    return outcomes?.map((o) => ({ instanceId: o.instanceId, status: o.status }));
  };
}

/** evidence: `Incident Opened` with capture actions, and EBS snapshot completion events. */
export function evidenceLogic(rt: Runtime): Logic<AnyEvent> {
  const deps = {
    ...rt.deps,
    s3: s3Client(rt.aws),
    bucket: rt.config.resources.evidenceBucket,
    ...(rt.config.resources.evidenceKmsKeyArn ? { kmsKeyId: rt.config.resources.evidenceKmsKeyArn } : {}),
    clientsFor: async (account: string, id: string) => {
      const o = await rt.sessions.optionsFor(account, id);
      return {
        ec2: ec2Client(o),
        iam: iamClient(o),
        autoScaling: autoScalingClient(o),
        elbv2: elbv2Client(o),
        cloudTrail: cloudTrailClient(o),
      };
    },
  };
  return async (event) => {
    if (event.source === "aws.ec2") return onSnapshotEvent(event, deps);
    return runEvidence(String(event.detail?.incidentId ?? ""), deps);
  };
}

/**
 * cleanroom: `Evidence Preserved`, `Clean Room Requested`, `Clean Room Destroy Requested`,
 * CloudFormation status changes of clean-room stacks, and the expiry schedule.
 */
export function cleanroomLogic(rt: Runtime): Logic<AnyEvent> {
  let template: Promise<TemplateSource> | undefined;
  const deps: CleanroomDeps = {
    ...rt.deps,
    bucket: rt.config.resources.evidenceBucket,
    ...(rt.config.resources.evidenceKmsKeyArn ? { kmsKeyArn: rt.config.resources.evidenceKmsKeyArn } : {}),
    explicitVolumeSize: Boolean(rt.aws.endpoint),
    template: () => {
      template ??= loadTemplate({
        file: rt.config.cleanroomTemplateFile,
        url: rt.config.resources.cleanroomTemplateUrl,
      }).catch((err) => {
        template = undefined;
        throw err;
      });
      return template;
    },
    ownAccount: () => rt.sessions.ownAccount(),
    stackRoleArnFor: cleanroomStackRoleFor({
      ownAccount: () => rt.sessions.ownAccount(),
      ownRoleArn: rt.config.resources.cleanroomStackRoleArn,
    }),
    clientsFor: async (account, id) => {
      const o = await rt.sessions.optionsFor(account, id);
      return { cfn: cfnClient(o), ec2: ec2Client(o), region: o.region };
    },
  };
  return async (event, { metrics }) => {
    const out = await handleCleanroomEvent(event, deps);
    const outcomes: CleanroomOutcome[] = Array.isArray(out) ? out : [out];
    const count = (o: string) => outcomes.filter((x) => x.outcome === o).length;
    const ready = outcomes.filter((o) => o.action === "launch" && o.outcome === "ready").length;
    if (ready) metrics.addMetric("CleanRoomsReady", MetricUnit.Count, ready);
    const failed = count("failed") + count("unsupported");
    if (failed) metrics.addMetric("CleanRoomFailures", MetricUnit.Count, failed);
    const destroyed = outcomes.filter(
      (o) => o.action === "destroy" && (o.outcome === "ok" || o.outcome === "partial"),
    ).length;
    if (destroyed) metrics.addMetric("CleanRoomsDestroyed", MetricUnit.Count, destroyed);
    return out;
  };
}
