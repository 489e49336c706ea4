/**
 * The responder cannot be silenced or steered by what arrives on its inputs (issue "Trust
 * nothing the event says"), end to end in one local responder. Each block replays an attack
 * that worked before and shows it fails now:
 * - silenced: a benign incident on an instance no longer swallows a severe finding (escalated);
 * - a drill does not share the open marker of a real incident on the same instance;
 * - a finding that recurs after its incident was closed opens a linked incident (recurred);
 * - steered: a finding naming another account in its body acts nowhere (rejected);
 * - approved by anyone: a decision event without an approver role configured is refused.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTagsCommand } from "@aws-sdk/client-ec2";
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { cloneInstance } from "../../cli/drill/clone.ts";
import {
  drainAlerts,
  putEvent,
  type ReceivedAlert,
  subscribeAlerts,
  type TargetView,
  viewTarget,
} from "../../cli/drill/run.ts";
import { type DemoAccount, seedDemoAccount } from "../../cli/local/demo.ts";
import type { Invocation } from "../../cli/local/runner.ts";
import { type LocalSession, startLocalSession } from "../../cli/local/session.ts";
import {
  dynamoDocClient,
  ec2Client,
  eventsClient,
  iamClient,
  snsClient,
  sqsClient,
} from "../../shared/aws/clients.ts";
import { defaultPolicyFile } from "../../shared/config/index.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import { DynamoIncidentStore } from "../../shared/incident/store.ts";
import { APPROVAL_DETAIL_TYPE, APPROVAL_SOURCE, wrapDrill } from "../../shared/intake/index.ts";
import { resetEmulator } from "../support/emulator.ts";
import { configNonCompliant, guardDutyFinding, WAIT_MS, waitFor } from "../support/findings.ts";

const detailOf = (event: Record<string, unknown>) => event.detail as Record<string, unknown>;

describe("inputs cannot silence or steer the responder (local responder)", () => {
  let session: LocalSession;
  let demo: DemoAccount;
  let store: DynamoIncidentStore;
  let alertQueue: string;
  let dir: string;
  const previous = { policy: process.env.POLICY_FILE, approvers: process.env.APPROVER_ROLE_ARNS };
  const alerts: ReceivedAlert[] = [];
  const invocations: Invocation[] = [];

  const account = () => session.local.context.accountId;
  const target = (instanceId: string) => ({ instanceId, account: account(), region: session.aws.region });
  const clone = async () => cloneInstance(ec2Client(session.aws), demo.instances.dev.instanceId, 2);
  const collectAlerts = async () => {
    alerts.push(...(await drainAlerts(sqsClient(session.aws), alertQueue)));
  };
  const stagesOf = (id: string) => alerts.filter((a) => a.incidentId === id).map((a) => a.stage);
  const triageResults = (match: (e: Record<string, unknown>) => boolean) =>
    invocations
      .filter((i) => i.functionName === "triage" && match(i.event as Record<string, unknown>))
      .map((i) => (i.result as { outcome?: string } | undefined)?.outcome ?? `error: ${i.error}`);

  /** Puts an event on the default bus and waits until its finding has an incident and all is quiet. */
  async function send(
    event: Record<string, unknown>,
    finding: { source: string; id: string; drill?: boolean },
  ): Promise<IncidentRecord> {
    await putEvent(eventsClient(session.aws), event);
    const id = await waitFor(
      () => store.incidentOfFinding(account(), finding.source, finding.id, finding.drill),
      (v) => v !== undefined,
      WAIT_MS,
      `an incident for ${finding.source} ${finding.id}`,
    );
    expect(id, `no incident for ${finding.source} ${finding.id}`).toBeDefined();
    await session.runner.settled(WAIT_MS);
    await collectAlerts();
    return store.get(id as string);
  }

  const guardDuty = (instanceId: string, o: Parameters<typeof guardDutyFinding>[1] = {}) => {
    const event = guardDutyFinding(target(instanceId), o);
    return { event, finding: { source: "guardduty", id: String(detailOf(event).id) } };
  };

  beforeAll(async () => {
    await resetEmulator();
    dir = mkdtempSync(join(tmpdir(), "attack-steering-"));
    // The default policy, plus one playbook whose containment waits for a person: instances
    // tagged ApprovalTest=yes (for the forged-approval case).
    const policy = parse(readFileSync(defaultPolicyFile(), "utf8"));
    policy.playbooks.unshift({
      name: "needs-a-person",
      match: { source: "guardduty", tags: { ApprovalTest: "yes" } },
      actions: [{ name: "contain-instance", requiresApproval: true }, { name: "notify" }],
    });
    process.env.POLICY_FILE = join(dir, "policy.yaml");
    writeFileSync(process.env.POLICY_FILE, stringify(policy));
    delete process.env.APPROVER_ROLE_ARNS;
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    session = await startLocalSession({ maxAttempts: 2, onInvocation: (i) => invocations.push(i) });
    const aws = session.aws;
    demo = await seedDemoAccount(ec2Client(aws), iamClient(aws));
    store = new DynamoIncidentStore(dynamoDocClient(aws), session.local.resources.incidentTable);
    alertQueue = await subscribeAlerts(
      { sqs: sqsClient(aws), sns: snsClient(aws) },
      session.local.resources.alertTopicArn,
      "attack-steering-alerts",
    );
  });

  afterAll(async () => {
    try {
      await session?.runner.settled(WAIT_MS);
    } finally {
      await session?.stop();
    }
    for (const [name, value] of [
      ["POLICY_FILE", previous.policy],
      ["APPROVER_ROLE_ARNS", previous.approvers],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  describe("a benign incident, then a severe finding on the same instance", () => {
    let benign: IncidentRecord;
    let after: IncidentRecord;
    let instanceId: string;
    let before: TargetView;

    beforeAll(async () => {
      instanceId = await clone();
      before = await viewTarget(ec2Client(session.aws), instanceId);
      const config = configNonCompliant(target(instanceId));
      const d = detailOf(config);
      const configId = `${d.configRuleName}/AWS::EC2::Instance/${instanceId}/${(d.newEvaluationResult as { resultRecordedTime: string }).resultRecordedTime}`;
      benign = await send(config, { source: "config", id: configId });
      const severe = guardDuty(instanceId, { severity: 8.5 });
      after = await send(severe.event, severe.finding);
    });

    it("opened an incident that contains nothing for the benign finding", () => {
      expect(benign.plan.actions.map((a) => a.name)).not.toContain("contain-instance");
    });

    it("escalates that incident: the severe finding joins, and containment runs and is verified", async () => {
      expect(after.incidentId).toBe(benign.incidentId);
      expect(after.findings.map((f) => f.source)).toEqual(["config", "guardduty"]);
      expect(after.planRevision).toBe(1);
      expect(after.plan.actions.map((a) => a.name)).toContain("contain-instance");
      expect(after.steps.contain?.status).toBe("verified");
      const now = await viewTarget(ec2Client(session.aws), instanceId);
      expect(now.groups).not.toEqual(before.groups);
    });

    it("sends an escalated alert that says why, and the join is on the timeline", () => {
      const escalated = alerts.find((a) => a.incidentId === after.incidentId && a.stage === "escalated");
      expect(escalated, `alerts: ${stagesOf(after.incidentId).join(", ")}`).toBeDefined();
      expect(String(escalated?.body.summary)).toMatch(/contain-instance added/);
      expect(after.timeline.some((t) => /joined this incident/.test(t.detail))).toBe(true);
      expect(after.timeline.some((t) => t.step === "escalation")).toBe(true);
    });
  });

  describe("a drill and a real finding on the same instance", () => {
    let drill: IncidentRecord;
    let real: IncidentRecord;

    beforeAll(async () => {
      const instanceId = await clone();
      const drilled = guardDuty(instanceId, { severity: 3 });
      drill = await send(wrapDrill(drilled.event, "attack-steering") as unknown as Record<string, unknown>, {
        ...drilled.finding,
        drill: true,
      });
      const severe = guardDuty(instanceId, { severity: 8 });
      real = await send(severe.event, severe.finding);
    });

    it("keeps them apart: the real finding opens its own incident and is contained", () => {
      expect(drill.drill).toBe(true);
      expect(real.drill).toBe(false);
      expect(real.incidentId).not.toBe(drill.incidentId);
      expect(real.steps.contain?.status).toBe("verified");
      expect(stagesOf(real.incidentId)).toContain("opened");
    });
  });

  describe("a finding that comes back after its incident was closed", () => {
    let first: IncidentRecord;
    let second: IncidentRecord;
    let outcomes: string[];

    beforeAll(async () => {
      const instanceId = await clone();
      const original = guardDuty(instanceId, { severity: 5 });
      first = await send(original.event, original.finding);
      await store.close(first.incidentId, "closed by the test: false positive");
      // GuardDuty publishes the ongoing finding again, under the same id, later.
      const again = guardDuty(instanceId, { severity: 5, id: original.finding.id });
      await putEvent(eventsClient(session.aws), again.event);
      const id = await waitFor(
        () => store.incidentOfFinding(account(), "guardduty", original.finding.id),
        (v) => v !== undefined && v !== first.incidentId,
        WAIT_MS,
        "a new incident for the finding that came back",
      );
      await session.runner.settled(WAIT_MS);
      await collectAlerts();
      second = await store.get(String(id));
      outcomes = triageResults((e) => detailOf(e).id === original.finding.id);
    });

    it("opens a new incident linked to the closed one, instead of calling it a duplicate", () => {
      expect(outcomes).toEqual(["created", "recurred"]);
      expect(second.incidentId).not.toBe(first.incidentId);
      expect(second.recurrenceOf).toBe(first.incidentId);
      expect(second.status).toBe("open");
    });

    it("alerts recurred, naming the closed incident", () => {
      const recurred = alerts.find((a) => a.incidentId === second.incidentId && a.stage === "recurred");
      expect(recurred, `alerts: ${stagesOf(second.incidentId).join(", ")}`).toBeDefined();
      expect(String(recurred?.body.summary)).toContain(first.incidentId);
    });
  });

  describe("a finding whose body names another account", () => {
    let outcome: string[];
    let instanceId: string;
    let before: TargetView;

    beforeAll(async () => {
      instanceId = await clone();
      before = await viewTarget(ec2Client(session.aws), instanceId);
      const forged = guardDuty(instanceId, { severity: 9 });
      // EventBridge stamps the sender's account on the envelope; the body claims another one.
      detailOf(forged.event).accountId = "222222222222";
      await putEvent(eventsClient(session.aws), forged.event);
      const lettersAbout = async () =>
        (await store.listDeadLetters(200)).filter((l) => l.event.includes(forged.finding.id));
      const letters = await waitFor(
        lettersAbout,
        (l) => l.length > 0,
        WAIT_MS,
        "a dead letter for the forged finding",
      );
      expect(letters, "no dead letter for the forged finding").toHaveLength(1);
      await session.runner.settled(WAIT_MS);
      outcome = triageResults((e) => detailOf(e).id === forged.finding.id);
    });

    it("is rejected with the reason, opens nothing and changes nothing", async () => {
      expect(outcome).toEqual(["rejected"]);
      const letter = (await store.listDeadLetters(200)).find((l) => l.path === "detail.accountId");
      expect(letter?.error).toMatch(/names account 222222222222, but the event came from account/);
      expect(await store.incidentOfFinding("222222222222", "guardduty", String(instanceId))).toBeUndefined();
      expect(await viewTarget(ec2Client(session.aws), instanceId)).toEqual(before);
    });
  });

  describe("a forged approval on the responder's bus", () => {
    let waiting: IncidentRecord;
    let instanceId: string;
    let before: TargetView;

    beforeAll(async () => {
      instanceId = await clone();
      await ec2Client(session.aws).send(
        new CreateTagsCommand({
          Resources: [instanceId],
          Tags: [{ Key: "ApprovalTest", Value: "yes" }],
        }),
      );
      before = await viewTarget(ec2Client(session.aws), instanceId);
      const f = guardDuty(instanceId, { severity: 8 });
      waiting = await send(f.event, f.finding);
      const out = await eventsClient(session.aws).send(
        new PutEventsCommand({
          Entries: [
            {
              EventBusName: session.local.resources.eventBusName,
              Source: APPROVAL_SOURCE,
              DetailType: APPROVAL_DETAIL_TYPE,
              Detail: JSON.stringify({
                incidentId: waiting.incidentId,
                decision: "approved",
                by: "the-ciso",
              }),
            },
          ],
        }),
      );
      expect(out.FailedEntryCount ?? 0).toBe(0);
      const refused = await waitFor(
        async () => (await store.listDeadLetters(200)).filter((l) => l.event.includes(waiting.incidentId)),
        (l) => l.length > 0,
        WAIT_MS,
        "a dead letter for the forged approval",
      );
      expect(refused).toHaveLength(1);
      await session.runner.settled(WAIT_MS);
    });

    it("waited for a person in the first place", () => {
      expect(waiting.plan.actions.find((a) => a.name === "contain-instance")?.requiresApproval).toBe(true);
    });

    it("is refused: no approval recorded, nothing contained", async () => {
      const now = await store.get(waiting.incidentId);
      expect(now.approvals ?? []).toEqual([]);
      expect(now.steps.contain).toBeUndefined();
      const letter = (await store.listDeadLetters(200)).find((l) => l.event.includes(waiting.incidentId));
      expect(letter?.error).toMatch(/decisions by event are off/);
      expect(await viewTarget(ec2Client(session.aws), instanceId)).toEqual(before);
    });
  });
});
