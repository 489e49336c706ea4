/**
 * Runs one drill scenario against a running responder: puts the drill event on the bus,
 * follows the incident until it settles, checks the outcome against the scenario's
 * expectations by reading the account back, and collects the alerts a subscriber received
 * (or, against a deployed responder, the alerts it recorded on the incident).
 */

import {
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
} from "@aws-sdk/client-ec2";
import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import type { IAMClient } from "@aws-sdk/client-iam";
import { HeadObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { type SNSClient, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { lanePlanned, stepsOf } from "../../shared/actions/index.ts";
import type { ResponderResources } from "../../shared/config/index.ts";
import { describeError } from "../../shared/errors/index.ts";
import { currentApprovals, type IncidentRecord, type TimelineEntry } from "../../shared/incident/model.ts";
import type { IncidentStore } from "../../shared/incident/store.ts";
import { normalizeEvent, wrapDrill } from "../../shared/intake/index.ts";
import { tagsOf } from "../../shared/text/sanitize.ts";
import { type Check, checkRevokedCredentials, checkUserContained } from "./checks-iam.ts";
import { onUser, type Scenario, type ScenarioTarget } from "./scenarios.ts";
import { readThrough, waitForIncidentOf, waitForSettled } from "./watch.ts";

export interface DrillClients {
  ec2: EC2Client;
  events: EventBridgeClient;
  s3: S3Client;
  sqs: SQSClient;
  sns: SNSClient;
  /** Reads roles and users back (credential and IAM user scenarios). */
  iam: IAMClient;
}

/** An alert as a subscriber on the topic received it. */
export interface ReceivedAlert {
  subject: string;
  stage: string;
  incidentId?: string;
  attributes: Record<string, string>;
  body: Record<string, unknown>;
}

export type { Check } from "./checks-iam.ts";

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

/** What the drill reads of its target before the event: tags, owner account, groups per interface. Read-only. */
export interface TargetView {
  instanceId: string;
  found: boolean;
  account?: string;
  tags: Record<string, string>;
  /** Security group ids per network interface id. */
  groups: Record<string, string[]>;
  /** The first group of the primary interface. */
  groupId?: string;
  volumes: number;
}

/** Reads the target instance (DescribeInstances + DescribeNetworkInterfaces). Read-only. */
export async function viewTarget(ec2: EC2Client, instanceId: string): Promise<TargetView> {
  const out = await ec2
    .send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))
    .catch((err: Error) => {
      if (String(err.name).startsWith("InvalidInstanceID")) return { Reservations: [] };
      throw err;
    });
  const reservation = out.Reservations?.[0];
  const inst = reservation?.Instances?.[0];
  if (!inst) return { instanceId, found: false, tags: {}, groups: {}, volumes: 0 };
  const eniIds = (inst.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId ?? "").filter(Boolean);
  const enis = eniIds.length
    ? ((await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: eniIds })))
        .NetworkInterfaces ?? [])
    : [];
  const groups = Object.fromEntries(
    enis.map((n) => [n.NetworkInterfaceId ?? "", (n.Groups ?? []).map((g) => g.GroupId ?? "").sort()]),
  );
  const primary =
    enis.find((n) => n.Attachment?.DeviceIndex === 0) ??
    enis.find((n) => n.NetworkInterfaceId === inst.NetworkInterfaces?.[0]?.NetworkInterfaceId);
  const groupId = primary?.Groups?.[0]?.GroupId ?? inst.SecurityGroups?.[0]?.GroupId;
  return {
    instanceId,
    found: true,
    ...(reservation?.OwnerId ? { account: reservation.OwnerId } : {}),
    tags: tagsOf(inst.Tags),
    groups,
    ...(groupId ? { groupId } : {}),
    volumes: (inst.BlockDeviceMappings ?? []).filter((b) => b.Ebs?.VolumeId).length,
  };
}

export interface RunDrillContext {
  clients: Pick<DrillClients, "ec2" | "events" | "s3"> & Partial<Pick<DrillClients, "sqs" | "iam">>;
  store: IncidentStore;
  resources: Pick<ResponderResources, "evidenceBucket">;
  /** A queue subscribed to the alert topic; without one, the alerts recorded on the incident count. */
  alertQueueUrl?: string;
  /** Demo-only expectations (tier, playbook) are checked: true for the local demo account. */
  demo?: boolean;
  onEntry?: (e: TimelineEntry, elapsedMs: number) => void;
  /** Called once the incident has settled: the caller waits for in-flight alerts (e.g. runner idle). */
  afterSettled?: () => Promise<void>;
  timeoutMs?: number;
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

const sameGroups = (a: Record<string, string[]>, b: Record<string, string[]>) =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());

const describeGroups = (g: Record<string, string[]>) =>
  Object.entries(g)
    .map(([eni, ids]) => `${eni}: ${ids.join("+") || "none"}`)
    .join("; ") || "no interfaces";

/** Checks each expectation of the scenario by reading the account and the incident back. */
export async function checkExpectations(
  scenario: Scenario,
  target: ScenarioTarget,
  before: TargetView,
  incident: IncidentRecord,
  alerts: ReceivedAlert[],
  ctx: Pick<RunDrillContext, "clients" | "resources" | "demo">,
  siblingBefore?: TargetView,
): Promise<Check[]> {
  const checks: Check[] = [];
  const { ec2, s3 } = ctx.clients;
  const exp = scenario.expect;

  if (exp.demo?.tier) {
    checks.push(
      ctx.demo
        ? {
            expectation: `impact tier ${exp.demo.tier}`,
            pass: incident.impact.tier === exp.demo.tier,
            detail: `${incident.impact.tier} (score ${incident.impact.score}/100)`,
          }
        : {
            expectation: `impact tier (demo: ${exp.demo.tier})`,
            pass: true,
            detail: `not checked: the target's own tags decide — ${incident.impact.tier} (${incident.impact.score}/100)`,
          },
    );
  }
  if (exp.demo?.playbook) {
    checks.push(
      ctx.demo
        ? {
            expectation: `playbook ${exp.demo.playbook}`,
            pass: incident.plan.playbook === exp.demo.playbook,
            detail: `${incident.plan.playbook}: ${incident.plan.actions.map((a) => a.name).join(", ")}`,
          }
        : {
            expectation: `playbook (demo: ${exp.demo.playbook})`,
            pass: true,
            detail: `not checked against a real target — ${incident.plan.playbook}`,
          },
    );
  }
  for (const note of exp.notes ?? []) {
    const hit = incident.plan.notes.find((n) => note.test(n));
    checks.push({
      expectation: `plan note ${note.source}`,
      pass: Boolean(hit),
      detail: hit ?? `notes: ${incident.plan.notes.join(" | ") || "none"}`,
    });
  }

  const after = onUser(scenario) ? before : await viewTarget(ec2, target.instanceId);
  if (onUser(scenario)) {
    checks.push({
      expectation: "no instance containment step",
      pass: incident.steps.contain === undefined,
      detail: incident.steps.contain ? `contain ${incident.steps.contain.status}` : "none",
    });
  } else if (exp.contained) {
    const ids = [...new Set(Object.values(after.groups).flat())];
    let rules = "";
    let empty = false;
    if (ids.length === 1) {
      const sg = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: ids }))).SecurityGroups?.[0];
      const n = (sg?.IpPermissions?.length ?? 0) + (sg?.IpPermissionsEgress?.length ?? 0);
      empty = n === 0;
      rules = `${sg?.GroupName ?? ids[0]}: ${n} rules`;
    }
    const everyOne = Object.values(after.groups).every((g) => g.length === 1);
    const changed = !sameGroups(before.groups, after.groups);
    checks.push({
      expectation: "instance isolated on every interface (one group, no rules)",
      pass: after.found && everyOne && ids.length === 1 && empty && changed,
      detail: `${describeGroups(after.groups)}${rules ? ` — ${rules}` : ""}${changed ? "" : `; the same as before the drill (${describeGroups(before.groups)})`}`,
    });
    const step = incident.steps.contain;
    checks.push({
      expectation: "containment verified by reading the state back",
      pass: step?.status === "verified",
      detail: step
        ? `${step.status}: ${step.detail ?? ""}${step.error ? ` — ${step.error}` : ""}`
        : "no contain step",
    });
  } else {
    checks.push({
      expectation: "instance left alone: every interface keeps its original groups",
      pass: after.found && sameGroups(before.groups, after.groups),
      detail: `before ${describeGroups(before.groups)}; after ${describeGroups(after.groups)}`,
    });
    checks.push({
      expectation: "no containment step",
      pass: incident.steps.contain === undefined,
      detail: incident.steps.contain ? `contain ${incident.steps.contain.status}` : "none",
    });
  }

  if (exp.revokedCredentials) {
    const siblingAfter = target.credentials ? await viewTarget(ec2, target.credentials.siblingId) : undefined;
    checks.push(
      ...(await checkRevokedCredentials(ctx.clients.iam, target, incident, {
        ...(siblingBefore ? { before: siblingBefore } : {}),
        ...(siblingAfter ? { after: siblingAfter } : {}),
      })),
    );
  }
  if (exp.userContained) checks.push(...(await checkUserContained(ctx.clients.iam, target, incident)));

  const snaps =
    (
      await ec2.send(
        new DescribeSnapshotsCommand({
          OwnerIds: ["self"],
          Filters: [{ Name: "tag:incident-responder:incident-id", Values: [incident.incidentId] }],
        }),
      )
    ).Snapshots ?? [];
  const volumes = before.volumes;
  checks.push({
    expectation: exp.snapshots ? `snapshots of all ${volumes} volumes, tagged` : "no snapshots",
    pass: exp.snapshots ? snaps.length === volumes && volumes > 0 : snaps.length === 0,
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
    expectation: exp.archived ? "evidence archived with a manifest" : "nothing archived",
    pass: exp.archived === manifestThere,
    detail: manifestThere
      ? `s3://${ctx.resources.evidenceBucket}/${incident.evidence?.manifestKey} (${incident.evidence?.artifacts?.length ?? 0} artifacts)`
      : `no manifest${incident.steps.manifest ? ` (manifest ${incident.steps.manifest.status}: ${incident.steps.manifest.error ?? ""})` : ""}`,
  });

  const room = incident.steps.cleanroom;
  checks.push({
    expectation: exp.cleanroom ? "clean room launched from the evidence" : "no clean room",
    pass: exp.cleanroom ? room?.status === "ok" : room === undefined,
    detail: room
      ? `cleanroom ${room.status}: ${room.detail ?? ""}${room.error ? ` — ${room.error}` : ""}`
      : lanePlanned(incident.plan, "cleanroom")
        ? "planned, never started (is the clean-room lane deployed?)"
        : "not planned",
  });

  const stages = new Set(alerts.map((a) => a.stage));
  const missing = exp.alerts.filter((s) => !stages.has(s));
  const bad = alerts.filter(
    (a) =>
      a.subject.length >= 100 ||
      (Object.keys(a.attributes).length > 0 &&
        (a.attributes.incidentId !== incident.incidentId || a.attributes.tier !== incident.impact.tier)),
  );
  checks.push({
    expectation: `alerts received: ${exp.alerts.join(", ")}`,
    pass: missing.length === 0 && bad.length === 0,
    detail: [
      missing.length ? `missing: ${missing.join(", ")}` : "",
      bad.length ? `malformed: ${bad.map((a) => a.subject).join(" | ")}` : "",
      `received: ${[...stages].join(", ") || "none"}`,
    ]
      .filter(Boolean)
      .join("; "),
  });
  const forbidden = (exp.noAlerts ?? ["failed", "containment-failed"]).filter((s) => stages.has(s));
  checks.push({
    expectation: `no ${(exp.noAlerts ?? ["failed", "containment-failed"]).join("/")} alert`,
    pass: forbidden.length === 0,
    detail: forbidden.length
      ? alerts
          .filter((a) => forbidden.includes(a.stage as never))
          .map((a) => a.subject)
          .join(" | ")
      : "none",
  });
  return checks;
}
