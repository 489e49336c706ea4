/**
 * Alerts as subscribers receive them: through SNS → SQS subscriptions in the emulator, with
 * and without filter policies, at every stage of a contained incident and of one that waits
 * for a person (approved, denied, closed through the command line).
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cloneInstance } from "../../cli/drill/clone.ts";
import { seedDemo } from "../../cli/drill/local.ts";
import {
  type DrillOutcome,
  drainAlerts,
  type ReceivedAlert,
  runDrill,
  subscribeAlerts,
} from "../../cli/drill/run.ts";
import { scenario } from "../../cli/drill/scenarios.ts";
import type { DemoAccount } from "../../cli/local/demo.ts";
import { type LocalSession, startLocalSession } from "../../cli/local/session.ts";
import {
  dynamoDocClient,
  ec2Client,
  eventsClient,
  s3Client,
  snsClient,
  sqsClient,
} from "../../shared/aws/clients.ts";
import { defaultPolicyFile } from "../../shared/config/index.ts";
import { DynamoIncidentStore } from "../../shared/incident/store.ts";
import { runCli } from "../support/cli.ts";
import { resetEmulator } from "../support/emulator.ts";
import { shown, WAIT_MS, waitFor } from "../support/findings.ts";

const ATTRIBUTE_KEYS = [
  "account",
  "drill",
  "findingType",
  "incidentId",
  "owner",
  "region",
  "severity",
  "stage",
  "tier",
  "workQueue",
];

/** The default policy, with containment of dev instances waiting for a person. */
function approvalPolicy(): string {
  const text = readFileSync(defaultPolicyFile(), "utf8").replace(
    "playbooks:\n",
    `playbooks:
  - name: dev-needs-approval
    match: { source: guardduty, tags: { Environment: dev } }
    actions:
      - { name: contain-instance, requiresApproval: true }
      - name: capture-snapshots
      - name: notify
`,
  );
  const file = join(mkdtempSync(join(tmpdir(), "policy-")), "approval.yaml");
  writeFileSync(file, text);
  return file;
}

async function filteredQueue(
  session: LocalSession,
  name: string,
  filter: Record<string, unknown>,
): Promise<string> {
  const sqs = sqsClient(session.aws);
  const q = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const arn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ["QueueArn"] }))
  ).Attributes?.QueueArn;
  await snsClient(session.aws).send(
    new SubscribeCommand({
      TopicArn: session.local.resources.alertTopicArn,
      Protocol: "sqs",
      Endpoint: arn,
      Attributes: { FilterPolicy: JSON.stringify(filter) },
    }),
  );
  return q.QueueUrl ?? "";
}

describe("alerts received by subscribers on the topic", () => {
  let session: LocalSession;
  let demo: DemoAccount;
  let store: DynamoIncidentStore;
  let all: string;
  let payments: string;
  let severe: string;
  let contained: DrillOutcome;
  let denied: DrillOutcome;
  let approved: DrillOutcome;
  const clients = () => ({
    ec2: ec2Client(session.aws),
    events: eventsClient(session.aws),
    s3: s3Client(session.aws),
    sqs: sqsClient(session.aws),
  });
  const drill = (name: string, instanceId: string, queue: string) =>
    runDrill(
      scenario(name),
      { instanceId, account: session.local.context.accountId, region: session.aws.region },
      {
        clients: clients(),
        store,
        resources: session.local.resources,
        alertQueueUrl: queue,
        demo: true,
        timeoutMs: WAIT_MS,
        afterSettled: () => session.runner.settled(WAIT_MS),
      },
    ).then((outcome) => {
      if (!outcome.settled || !outcome.incidentId)
        throw new Error(`the ${name} drill did not settle: ${shown(outcome.checks)}`);
      return outcome;
    });

  beforeAll(async () => {
    await resetEmulator();
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    process.env.POLICY_FILE = approvalPolicy();
    session = await startLocalSession({ maxAttempts: 2 });
    demo = await seedDemo(session);
    store = new DynamoIncidentStore(dynamoDocClient(session.aws), session.local.resources.incidentTable);
    all = await subscribeAlerts(
      { sqs: sqsClient(session.aws), sns: snsClient(session.aws) },
      session.local.resources.alertTopicArn,
      "alerts-all",
    );
    payments = await filteredQueue(session, "alerts-payments", {
      workQueue: ["SEC-PAYMENTS"],
      stage: ["contained", "containment-failed"],
    });
    severe = await filteredQueue(session, "alerts-severe", { severity: [{ numeric: [">=", 7] }] });
    const spare = await cloneInstance(ec2Client(session.aws), demo.instances.dev.instanceId, 2);
    contained = await drill("c2", demo.instances.web.instanceId, all);
    denied = await drill("ssh-brute-force", demo.instances.dev.instanceId, all);
    approved = await drill("ssh-brute-force", spare, all);
  });

  afterAll(async () => {
    await session?.stop();
    delete process.env.POLICY_FILE;
  });

  it("sends every stage of a contained incident, each with a short subject that says what and where", () => {
    const stages = contained.alerts.map((a) => a.stage);
    expect(stages).toEqual(
      expect.arrayContaining(["opened", "contained", "evidence-preserved", "cleanroom-ready"]),
    );
    expect(contained.alerts.length).toBeGreaterThanOrEqual(4);
    for (const a of contained.alerts) {
      expect(a.subject.length, a.subject).toBeLessThan(100);
      expect(a.subject).toMatch(/^\[DRILL\] \[CRITICAL\] i-[0-9a-f…]+ /);
      expect(a.subject).toMatch(/— payments-web-1$/);
    }
    expect(contained.alerts.find((a) => a.stage === "contained")?.subject).toMatch(/ contained — /);
  });

  it("gives each alert filterable attributes: non-empty strings naming tier, severity, owner and queue", () => {
    expect(contained.alerts.length).toBeGreaterThanOrEqual(4);
    for (const a of contained.alerts) {
      expect(Object.keys(a.attributes).sort()).toEqual(ATTRIBUTE_KEYS);
      for (const v of Object.values(a.attributes)) expect(v.length).toBeGreaterThan(0);
      expect(a.attributes).toMatchObject({
        tier: "critical",
        severity: "8",
        incidentId: contained.incidentId,
        account: session.local.context.accountId,
        owner: "payments-team@example.com",
        workQueue: "SEC-PAYMENTS",
        findingType: "Backdoor:EC2/C&CActivity.B!DNS",
        drill: "true",
      });
    }
  });

  it("delivers JSON to queues, naming the real evidence bucket and what was done", () => {
    const bucket = session.local.resources.evidenceBucket;
    const evidence = contained.alerts.find((a) => a.stage === "evidence-preserved")?.body as Record<
      string,
      unknown
    >;
    expect(evidence).toMatchObject({
      version: 1,
      stage: "evidence-preserved",
      incidentId: contained.incidentId,
      tier: "critical",
      owner: "payments-team@example.com",
      workQueue: "SEC-PAYMENTS",
      where: "payments-web-1",
      evidence: { location: `s3://${bucket}/incidents/${contained.incidentId}/` },
    });
    expect((evidence.reasons as string[]).some((r) => /DataClassification=restricted/.test(r))).toBe(true);
    expect((evidence.facts as Record<string, string>).Manifest).toBe(
      `s3://${bucket}/incidents/${contained.incidentId}/manifest.json`,
    );
    const body = contained.alerts.find((a) => a.stage === "contained")?.body as { done?: { name: string }[] };
    const done = body?.done ?? [];
    expect(done.map((d) => d.name)).toEqual(expect.arrayContaining(["network:isolation"]));
  });

  it("lets a team subscribe to its own work queue and stages only", async () => {
    const received = await drainAlerts(sqsClient(session.aws), payments);

    expect(received.map((a) => `${a.incidentId} ${a.stage}`)).toEqual([`${contained.incidentId} contained`]);
  });

  it("lets an on-call subscribe to severities of 7 and above (a Number attribute)", async () => {
    const received = await drainAlerts(sqsClient(session.aws), severe);
    const incidents = new Set(received.map((a) => a.incidentId));

    expect(incidents.has(contained.incidentId)).toBe(true);
    expect(incidents.has(denied.incidentId)).toBe(false);
  });

  it("says what waits for a person and how to approve or deny it", () => {
    const waiting = denied.alerts.find((a) => a.stage === "awaiting-approval");
    expect(waiting?.subject).toMatch(
      /^\[DRILL\] \[MEDIUM\] i-[0-9a-f…]+ awaiting approval — .* — dev-sandbox-1$/,
    );
    expect(waiting?.body.commands).toMatchObject({
      approve: `responder approve ${denied.incidentId}`,
      deny: `responder deny ${denied.incidentId}`,
    });
    expect(waiting?.attributes.owner).toBe("unknown");
    expect(waiting?.attributes.workQueue).toBe("unknown");
  });

  it("alerts a denial and a closing made on the command line, under the caller's name", async () => {
    // Act
    const deny = await runCli(["deny", denied.incidentId ?? "", "--reason", "drill: false positive"]);
    const close = await runCli(["close", denied.incidentId ?? "", "--reason", "drill over"]);
    await session.runner.settled(WAIT_MS);
    const received = (await drainAlerts(sqsClient(session.aws), all)).filter(
      (a) => a.incidentId === denied.incidentId,
    );

    // Assert
    expect(deny.code, deny.stderr).toBe(0);
    expect(close.code, close.stderr).toBe(0);
    const byStage = Object.fromEntries(received.map((a) => [a.stage, a] as [string, ReceivedAlert]));
    expect(byStage.denied?.body.summary).toMatch(/denied by local:\S+: contain-instance/);
    expect(byStage.closed?.subject).toMatch(/ closed — /);
    expect(byStage.closed?.body.summary).toMatch(/closed by local:\S+: drill over/);
    const record = await store.get(denied.incidentId ?? "");
    expect(record.status).toBe("closed");
    expect(record.approvals?.[0]).toMatchObject({ decision: "denied", reason: "drill: false positive" });
    expect(record.steps.contain?.status).toBe("skipped");
  });

  it("runs the waiting containment once a person approves it, and alerts it", async () => {
    // Act
    const res = await runCli([
      "approve",
      approved.incidentId ?? "",
      "--reason",
      "confirmed by the drill lead",
    ]);
    await waitFor(
      () => store.get(approved.incidentId ?? ""),
      (r) => Boolean(r.steps.contain?.endedAt),
      WAIT_MS,
      "the approved containment ended",
    );
    await session.runner.settled(WAIT_MS);
    const record = await store.get(approved.incidentId ?? "");
    const received = (await drainAlerts(sqsClient(session.aws), all)).filter(
      (a) => a.incidentId === approved.incidentId,
    );

    // Assert
    expect(res.code, res.stderr).toBe(0);
    expect(record.steps.contain?.status).toBe("verified");
    expect(received.map((a) => a.stage)).toContain("contained");
  });
});
