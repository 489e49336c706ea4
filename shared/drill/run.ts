/**
 * Runs one drill scenario against a running responder: puts the drill event on the bus,
 * follows the incident until it settles, checks the outcome against the scenario's
 * expectations by reading the account back, and collects the alerts a subscriber received.
 */
import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { ResponderResources } from "../config/index.ts";
import type { IncidentRecord, TimelineEntry } from "../incident/model.ts";
import type { IncidentStore } from "../incident/store.ts";
import { wrapDrill } from "../intake/index.ts";
import type { Scenario, ScenarioTarget } from "./scenarios.ts";
import { waitForIncidentOf, waitForSettled } from "./watch.ts";

export interface DrillClients {
  ec2: EC2Client;
  events: EventBridgeClient;
  s3: S3Client;
  sqs: SQSClient;
  sns: SNSClient;
}

/** An alert as a subscriber on the topic received it. */
export interface ReceivedAlert {
  subject: string;
  stage: string;
  incidentId?: string;
  attributes: Record<string, string>;
  body: Record<string, unknown>;
}

export interface Check {
  expectation: string;
  pass: boolean;
  detail: string;
}

export interface DrillOutcome {
  scenario: string;
  target: string;
  incidentId?: string;
  settled: boolean;
  incident?: IncidentRecord;
  eventPutAt: number;
  timeToContainMs?: number;
  timeToEvidenceMs?: number;
  alerts: ReceivedAlert[];
  checks: Check[];
  pass: boolean;
}

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

/** Runs a scenario; `afterSettled` lets the caller wait for in-flight alerts (e.g. runner idle). */
export async function runDrill(
  scenario: Scenario,
  target: ScenarioTarget,
  ctx: {
    clients: DrillClients;
    store: IncidentStore;
    resources: ResponderResources;
    alertQueueUrl: string;
    onEntry?: (e: TimelineEntry, elapsedMs: number) => void;
    afterSettled?: () => Promise<void>;
    timeoutMs?: number;
  },
): Promise<DrillOutcome> {
  const inner = scenario.build(target);
  const event = wrapDrill(inner as never, scenario.name) as Record<string, unknown>;
  const detail = inner.detail as { id?: string; eventID?: string };
  const findingId = String(detail.id ?? detail.eventID ?? "");
  const source = String(inner.source).replace(/^aws\./, "");
  const eventPutAt = Date.now();
  await putEvent(ctx.clients.events, event);
  const incidentId = await waitForIncidentOf(
    () => ctx.store.incidentOfFinding(target.account, source, findingId),
    ctx.timeoutMs ?? 30_000,
  );
  const outcome: DrillOutcome = {
    scenario: scenario.name,
    target: target.instanceId,
    settled: false,
    eventPutAt,
    alerts: [],
    checks: [],
    pass: false,
  };
  if (!incidentId) {
    outcome.checks.push({
      expectation: "incident opened",
      pass: false,
      detail: "no incident within the time limit",
    });
    return outcome;
  }
  outcome.incidentId = incidentId;
  const { incident, settled } = await waitForSettled(ctx.store, incidentId, {
    timeoutMs: ctx.timeoutMs ?? 60_000,
    onEntry: (e) => ctx.onEntry?.(e, Date.parse(e.at) - eventPutAt),
  });
  await ctx.afterSettled?.();
  outcome.settled = settled;
  outcome.incident = await ctx.store.get(incidentId);
  const contain = outcome.incident.steps.contain;
  if (contain?.endedAt && (contain.status === "verified" || contain.status === "partial")) {
    outcome.timeToContainMs = Date.parse(contain.endedAt) - eventPutAt;
  }
  const manifest = outcome.incident.steps.manifest;
  if (manifest?.endedAt && manifest.status === "ok")
    outcome.timeToEvidenceMs = Date.parse(manifest.endedAt) - eventPutAt;
  outcome.alerts = (await drainAlerts(ctx.clients.sqs, ctx.alertQueueUrl)).filter(
    (a) => a.incidentId === incidentId,
  );
  outcome.checks = await checkExpectations(
    scenario,
    target,
    outcome.incident ?? incident,
    outcome.alerts,
    ctx,
  );
  outcome.checks.unshift({
    expectation: "incident settled",
    pass: settled,
    detail: settled ? "every lane ended" : "timed out",
  });
  outcome.pass = outcome.checks.every((c) => c.pass);
  return outcome;
}

async function checkExpectations(
  scenario: Scenario,
  target: ScenarioTarget,
  incident: IncidentRecord,
  alerts: ReceivedAlert[],
  ctx: { clients: DrillClients; resources: ResponderResources },
): Promise<Check[]> {
  const checks: Check[] = [];
  const { ec2, s3 } = ctx.clients;
  const inst = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [target.instanceId] })))
    .Reservations?.[0]?.Instances?.[0];
  const eniIds = (inst?.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId ?? "");
  const enis = eniIds.length
    ? ((await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: eniIds })))
        .NetworkInterfaces ?? [])
    : [];
  const isolated =
    enis.length > 0 &&
    enis.every(
      (n) =>
        (n.Groups ?? []).length === 1 && /incident-responder-isolation/.test(n.Groups?.[0]?.GroupName ?? ""),
    );
  const groups = enis
    .map((n) => `${n.NetworkInterfaceId}: ${(n.Groups ?? []).map((g) => g.GroupName).join("+")}`)
    .join("; ");
  checks.push({
    expectation: scenario.expect.contained
      ? "instance isolated on every interface"
      : "instance left alone (not isolated)",
    pass: scenario.expect.contained === isolated,
    detail: groups || "no interfaces",
  });
  const snaps =
    (
      await ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ["self"],
          Filters: [{ Name: "tag:incident-responder:incident-id", Values: [incident.incidentId] }],
        }),
      )
    ).Snapshots ?? [];
  const volumes = (inst?.BlockDeviceMappings ?? []).length;
  checks.push({
    expectation: scenario.expect.snapshots ? `snapshots of all ${volumes} volumes, tagged` : "no snapshots",
    pass: scenario.expect.snapshots ? snaps.length === volumes && volumes > 0 : snaps.length === 0,
    detail: `${snaps.length} snapshots: ${snaps.map((s) => s.SnapshotId).join(", ") || "none"}`,
  });
  let manifestThere = false;
  if (incident.evidence?.manifestKey) {
    manifestThere = await s3
      .send(
        new HeadObjectCommand({ Bucket: ctx.resources.evidenceBucket, Key: incident.evidence.manifestKey }),
      )
      .then(() => true)
      .catch(() => false);
  }
  checks.push({
    expectation: scenario.expect.archived ? "evidence archived with a manifest" : "nothing archived",
    pass: scenario.expect.archived === manifestThere,
    detail: manifestThere
      ? `s3://${ctx.resources.evidenceBucket}/${incident.evidence?.manifestKey}`
      : "no manifest",
  });
  const stages = new Set(alerts.map((a) => a.stage));
  const missing = scenario.expect.alerts.filter((s) => !stages.has(s));
  checks.push({
    expectation: `alerts received: ${scenario.expect.alerts.join(", ")}`,
    pass: missing.length === 0,
    detail: missing.length
      ? `missing: ${missing.join(", ")}; received: ${[...stages].join(", ") || "none"}`
      : `received: ${[...stages].join(", ")}`,
  });
  return checks;
}
