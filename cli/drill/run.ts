/**
 * Runs one drill scenario against a running responder: puts the drill event on the bus,
 * follows the incident until it settles, checks the outcome against the scenario's
 * expectations by reading the account back, and collects the alerts a subscriber received
 * (or, against a deployed responder, the alerts it recorded on the incident).
 */

import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { stepsOf } from "../../shared/actions/index.ts";
import { describeError } from "../../shared/errors/index.ts";
import { currentApprovals, type IncidentRecord } from "../../shared/incident/model.ts";
import { normalizeEvent, wrapDrill } from "../../shared/intake/index.ts";
import { checkExpectations } from "./expectations.ts";
import { onUser, type Scenario, type ScenarioTarget } from "./scenarios.ts";
import { viewTarget } from "./target.ts";
import type { DrillClients, DrillOutcome, ReceivedAlert, RunDrillContext } from "./types.ts";
import { readThrough, waitForIncidentOf, waitForSettled } from "./watch.ts";

export { type TargetView, viewTarget } from "./target.ts";
export type { Check, DrillClients, DrillOutcome, ReceivedAlert, RunDrillContext } from "./types.ts";

/** Subscribes a fresh SQS queue to the alert topic, as an on-call tool would. */
export async function subscribeAlerts(
  c: Pick<DrillClients, "sqs" | "sns">,
  topicArn: string,
  name: string,
): Promise<string> {
  const q = await c.sqs.send(new CreateQueueCommand({ QueueName: name }));
  const attrs = await c.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ["QueueArn"] }),
  );
  await c.sns.send(
    new SubscribeCommand({ TopicArn: topicArn, Protocol: "sqs", Endpoint: attrs.Attributes?.QueueArn }),
  );
  return q.QueueUrl ?? "";
}

/** Drains every alert waiting in a subscriber queue. */
export async function drainAlerts(sqs: SQSClient, queueUrl: string): Promise<ReceivedAlert[]> {
  const out: ReceivedAlert[] = [];
  for (;;) {
    const r = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    const msgs = r.Messages ?? [];
    if (!msgs.length) break;
    for (const m of msgs) {
      const env = JSON.parse(m.Body ?? "{}") as {
        Subject?: string;
        Message?: string;
        MessageAttributes?: Record<string, { Value: string }>;
      };
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(env.Message ?? "{}");
      } catch {
        body = { text: env.Message };
      }
      const attributes = Object.fromEntries(
        Object.entries(env.MessageAttributes ?? {}).map(([k, v]) => [k, v.Value]),
      );
      out.push({
        subject: env.Subject ?? "",
        stage: attributes.stage ?? String(body.stage ?? ""),
        ...(attributes.incidentId ? { incidentId: attributes.incidentId } : {}),
        attributes,
        body,
      });
    }
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: msgs.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
      }),
    );
  }
  return out;
}

/** Puts an event on the default bus (where AWS services deliver theirs). */
export async function putEvent(
  events: EventBridgeClient,
  event: Record<string, unknown>,
  busName = "default",
): Promise<void> {
  const out = await events.send(
    new PutEventsCommand({
      Entries: [
        {
          EventBusName: busName,
          Source: String(event.source),
          DetailType: String(event["detail-type"]),
          Detail: JSON.stringify(event.detail),
          Resources: Array.isArray(event.resources) ? (event.resources as string[]) : [],
          ...(typeof event.time === "string" && !Number.isNaN(Date.parse(event.time))
            ? { Time: new Date(event.time) }
            : {}),
        },
      ],
    }),
  );
  if (out.FailedEntryCount)
    throw new Error(
      `PutEvents refused the event: ${out.Entries?.[0]?.ErrorCode} ${out.Entries?.[0]?.ErrorMessage}`,
    );
}

/** Runs a scenario end to end and checks its expectations. */
export async function runDrill(
  scenario: Scenario,
  target: ScenarioTarget,
  ctx: RunDrillContext,
): Promise<DrillOutcome> {
  // A scenario on an IAM user has no instance to read.
  const before = onUser(scenario)
    ? { instanceId: "", found: false, tags: {}, groups: {}, volumes: 0 }
    : await viewTarget(ctx.clients.ec2, target.instanceId);
  const siblingBefore = target.credentials
    ? await viewTarget(ctx.clients.ec2, target.credentials.siblingId)
    : undefined;
  const aimed: ScenarioTarget = {
    ...target,
    ...((target.groupId ?? before.groupId) ? { groupId: target.groupId ?? before.groupId } : {}),
  };
  const inner = scenario.build(aimed);
  const event = wrapDrill(inner as never, scenario.name) as unknown as Record<string, unknown>;
  // The finding the responder will make of the event: its source and id lead to the incident.
  const intake = normalizeEvent(event);
  const outcome: DrillOutcome = {
    scenario: scenario.name,
    target: target.user ? `user/${target.user.userName}` : target.instanceId,
    settled: false,
    eventPutAt: Date.now(),
    alerts: [],
    checks: [],
    pass: false,
  };
  if (intake.kind !== "finding") {
    outcome.checks.push({
      expectation: "the drill event makes a finding",
      pass: false,
      detail: `intake ignores it: ${intake.reason}`,
    });
    return outcome;
  }
  const finding = intake.finding;
  outcome.eventPutAt = Date.now();
  await putEvent(ctx.clients.events, event);
  const incidentId = await waitForIncidentOf(
    () => ctx.store.incidentOfFinding(finding.account, finding.source, finding.id, finding.drill),
    ctx.timeoutMs ?? 30_000,
  );
  if (!incidentId) {
    outcome.checks.push({
      expectation: "incident opened",
      pass: false,
      detail: "no incident within the time limit",
    });
    return outcome;
  }
  outcome.incidentId = incidentId;
  const { settled } = await waitForSettled(ctx.store, incidentId, {
    timeoutMs: ctx.timeoutMs ?? 60_000,
    onEntry: (e) => ctx.onEntry?.(e, Date.parse(e.at) - outcome.eventPutAt),
  });
  await ctx.afterSettled?.();
  outcome.settled = settled;
  const incident = await readThrough(() => ctx.store.get(incidentId), Date.now() + 10_000);
  outcome.incident = incident;
  const contain = incident.steps.contain;
  if (contain?.endedAt && (contain.status === "verified" || contain.status === "partial")) {
    outcome.timeToContainMs = Date.parse(contain.endedAt) - outcome.eventPutAt;
  }
  const manifest = incident.steps.manifest;
  if (manifest?.endedAt && manifest.status === "ok")
    outcome.timeToEvidenceMs = Date.parse(manifest.endedAt) - outcome.eventPutAt;
  outcome.alerts =
    ctx.alertQueueUrl && ctx.clients.sqs
      ? (await drainAlerts(ctx.clients.sqs, ctx.alertQueueUrl)).filter((a) => a.incidentId === incidentId)
      : recordedAlerts(incident);
  outcome.checks = [
    {
      expectation: "incident opened and settled",
      pass: settled,
      detail: settled
        ? `${incidentId}: every lane ended`
        : `${incidentId}: timed out waiting for ${pendingSteps(incident).join(", ") || "the lanes"}`,
    },
    ...(await checkExpectations(scenario, aimed, before, incident, outcome.alerts, ctx, siblingBefore)),
  ];
  // The drill has ended: its incident must not stay open (a later real finding would otherwise
  // sit beside an open drill). What the drill isolated stays isolated until `responder release`.
  // A drill that waits for a person has not ended: it stays open for the decision (and the
  // schedule closes it after DRILL_TTL_MS if nobody decides).
  if (!waitsForAPerson(incident)) {
    const pass = outcome.checks.every((c) => c.pass);
    const closed = await ctx.store
      .close(
        incidentId,
        `drill ${scenario.name} ended (${pass ? "passed" : "failed"}); release what it isolated with responder release ${incidentId}`,
      )
      .then(
        () => undefined,
        (err: unknown) => describeError(err),
      );
    if (closed)
      outcome.checks.push({
        expectation: "the drill's incident is closed when the drill ends",
        pass: false,
        detail: closed,
      });
  }
  outcome.pass = outcome.checks.every((c) => c.pass);
  return outcome;
}

/** True when actions of the incident wait for a person's decision on its current plan revision. */
function waitsForAPerson(incident: IncidentRecord): boolean {
  return incident.plan.actions.some((a) => a.requiresApproval) && currentApprovals(incident).length === 0;
}

/** The alerts the responder recorded as published on the incident (a deployed responder). */
function recordedAlerts(incident: IncidentRecord): ReceivedAlert[] {
  return incident.alerts.map((a) => ({
    subject: a.subject,
    stage: a.stage,
    incidentId: incident.incidentId,
    attributes: {},
    body: { recorded: true, at: a.at, ...(a.messageId ? { messageId: a.messageId } : {}) },
  }));
}

function pendingSteps(incident: IncidentRecord): string[] {
  const want = new Set(incident.plan.actions.flatMap((a) => stepsOf(a.name)));
  return [...want].filter((s) => !incident.steps[s] || incident.steps[s]?.status === "running");
}

export { checkExpectations };
