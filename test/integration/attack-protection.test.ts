/**
 * Attacks on the decision, end to end in the local responder: tags that would talk a severe
 * GuardDuty finding below containment, a protectedIds ARN and a finding that names the bare id,
 * and one Security Hub finding from a custom product that names six instances.
 *
 * The policy is the default one with stricter tier thresholds (critical 90, high 70, medium
 * 50), so that severity 8 with Environment=dev, DataClassification=public and Criticality=low
 * scores only 40: without the tier floor that finding would not be contained.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateTagsCommand, DescribeInstanceAttributeCommand } from "@aws-sdk/client-ec2";
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
import type { CallRecord } from "../../cli/local/instrument.ts";
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
import { MUTATING_ACTIONS } from "../../shared/containment/index.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import { DynamoIncidentStore } from "../../shared/incident/store.ts";
import { APPROVAL_DETAIL_TYPE, APPROVAL_SOURCE } from "../../shared/intake/index.ts";
import { resetEmulator, testAwsOptions } from "../support/emulator.ts";
import { guardDutyFinding, WAIT_MS, waitFor } from "../support/findings.ts";
import { awsProductArn, customProductArn, securityHubFinding } from "../support/securityhub.ts";

/** Operations that change an instance (containment's and release's mutating calls). */
const CHANGING = new Set(MUTATING_ACTIONS.map((a) => a.split(":")[1]));

describe("attacks on the decision (local responder)", () => {
  let session: LocalSession;
  let demo: DemoAccount;
  let store: DynamoIncidentStore;
  let alertQueue: string;
  let dir: string;
  const previousPolicy = process.env.POLICY_FILE;
  const previousApprovers = process.env.APPROVER_ROLE_ARNS;
  const alerts: ReceivedAlert[] = [];
  const calls: CallRecord[] = [];
  let lowered: string;
  let guarded: string;
  let six: string[];

  const account = () => session.local.context.accountId;
  const region = () => session.aws.region;
  const ec2 = () => ec2Client(session.aws);
  const alertsOf = (id: string) => alerts.filter((a) => a.incidentId === id);

  /** Sends an event; resolves with the incident of its finding once the responder is idle. */
  async function send(
    event: Record<string, unknown>,
    source: string,
    findingId: string,
  ): Promise<IncidentRecord> {
    await putEvent(eventsClient(session.aws), event);
    const id = await waitFor(
      () => store.incidentOfFinding(account(), source, findingId),
      (v) => v !== undefined,
      WAIT_MS,
      `an incident for ${source} finding ${findingId}`,
    );
    await session.runner.settled(WAIT_MS);
    alerts.push(...(await drainAlerts(sqsClient(session.aws), alertQueue)));
    return store.get(id as string);
  }

  /** Handler calls that change `instanceId` or one of its interfaces. */
  function changesTo(instanceId: string, view: TargetView): CallRecord[] {
    const ids = [instanceId, ...Object.keys(view.groups)];
    return calls.filter((c) => {
      if (c.scope === undefined || !CHANGING.has(c.operation)) return false;
      const named = c.operation === "CreateTags" ? (c.input?.Resources as string[] | undefined) : undefined;
      const text = named ? named.join(" ") : JSON.stringify(c.input ?? {});
      return ids.some((id) => text.includes(id));
    });
  }

  beforeAll(async () => {
    await resetEmulator();
    dir = mkdtempSync(join(tmpdir(), "attack-protection-"));
    // The instances exist before the session: the handlers load the policy, which names one of
    // them, when the session starts.
    const aws = { ...testAwsOptions(), maxAttempts: 2 };
    const ec2Early = ec2Client(aws);
    demo = await seedDemoAccount(ec2Early, iamClient(aws));
    lowered = await cloneInstance(ec2Early, demo.instances.dev.instanceId, 2);
    await ec2Early.send(
      new CreateTagsCommand({
        Resources: [lowered],
        Tags: [
          { Key: "Environment", Value: "dev" },
          { Key: "DataClassification", Value: "public" },
          { Key: "Criticality", Value: "low" },
        ],
      }),
    );
    guarded = await cloneInstance(ec2Early, demo.instances.web.instanceId, 2);
    six = [];
    for (let i = 0; i < 6; i++) six.push(await cloneInstance(ec2Early, demo.instances.web.instanceId, 3 + i));
    const owner = (await viewTarget(ec2Early, guarded)).account;

    const policy = parse(readFileSync(defaultPolicyFile(), "utf8"));
    policy.settings.tierThresholds = { critical: 90, high: 70, medium: 50 };
    policy.settings.maxContainmentsPerHour = 100;
    policy.settings.protectedIds = [`arn:aws:ec2:${aws.region}:${owner}:instance/${guarded}`];
    process.env.POLICY_FILE = join(dir, "policy.yaml");
    writeFileSync(process.env.POLICY_FILE, stringify(policy));
    // The chat-ops bot's role: decisions by event count only from an approver role.
    process.env.APPROVER_ROLE_ARNS = "arn:aws:iam::123456789012:role/chatops-approver";
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";

    session = await startLocalSession({ maxAttempts: 2 });
    expect(account()).toBe(owner);
    store = new DynamoIncidentStore(dynamoDocClient(session.aws), session.local.resources.incidentTable);
    alertQueue = await subscribeAlerts(
      { sqs: sqsClient(session.aws), sns: snsClient(session.aws) },
      session.local.resources.alertTopicArn,
      "attack-alerts",
    );
    session.hooks.recorder = (c) => calls.push(c);
  });

  afterAll(async () => {
    if (session) session.hooks.recorder = undefined;
    try {
      await session?.runner.settled(WAIT_MS);
    } finally {
      await session?.stop();
    }
    if (previousPolicy === undefined) delete process.env.POLICY_FILE;
    else process.env.POLICY_FILE = previousPolicy;
    if (previousApprovers === undefined) delete process.env.APPROVER_ROLE_ARNS;
    else process.env.APPROVER_ROLE_ARNS = previousApprovers;
    rmSync(dir, { recursive: true, force: true });
  });

  describe("a severity-8 GuardDuty finding on an instance tagged dev, public, low", () => {
    let before: TargetView;
    let incident: IncidentRecord;

    beforeAll(async () => {
      before = await viewTarget(ec2(), lowered);
      const event = guardDutyFinding(
        { instanceId: lowered, account: account(), region: region() },
        { severity: 8 },
      );
      incident = await send(event, "guardduty", String((event.detail as { id: string }).id));
      incident = await waitFor(
        () => store.get(incident.incidentId),
        (i) => ["verified", "partial", "failed"].includes(i.steps.contain?.status ?? ""),
        WAIT_MS,
        "containment ended",
      );
    });

    it("stays at the floor tier whatever the tags say, and says why", () => {
      expect(incident.impact.tier).toBe("medium");
      expect(incident.impact.reasons.map((r) => r.text)).toEqual(
        expect.arrayContaining([
          "Environment=dev: +0",
          "DataClassification=public: +0",
          "Criticality=low: +0",
          expect.stringMatching(
            /^severity 8\.0 ≥ 7 \(GuardDuty, ec2-instance\): tier at least medium whatever the tags say: \+\d+$/,
          ),
        ]),
      );
    });

    it("is still contained", async () => {
      expect(incident.plan.playbook).toBe("guardduty-ec2-medium");
      expect(incident.steps.contain?.status).toBe("verified");
      expect((await viewTarget(ec2(), lowered)).groups).not.toEqual(before.groups);
    });
  });

  describe("protectedIds lists the instance's ARN; the finding names the bare id", () => {
    let before: TargetView;
    let terminationBefore: boolean | undefined;
    let incident: IncidentRecord;

    beforeAll(async () => {
      before = await viewTarget(ec2(), guarded);
      terminationBefore = (
        await ec2().send(
          new DescribeInstanceAttributeCommand({ InstanceId: guarded, Attribute: "disableApiTermination" }),
        )
      ).DisableApiTermination?.Value;
      const { event, findingId } = securityHubFinding({
        account: account(),
        region: region(),
        instanceIds: [guarded],
        productArn: awsProductArn(region()),
        bareIds: true,
      });
      incident = await send(event, "securityhub", findingId);
    });

    it("leaves the instance alone and keeps the incident open as protected, not contained", async () => {
      const now = await store.get(incident.incidentId);

      expect(incident.finding.resources).toEqual([expect.objectContaining({ id: guarded })]);
      expect(incident.finding.resources[0]?.arn).toBeUndefined();
      expect(incident.impact.tier === "critical" || incident.impact.tier === "high").toBe(true);
      expect(incident.plan.actions.map((a) => a.name)).not.toContain("contain-instance");
      expect(incident.plan.protected).toEqual([
        expect.objectContaining({ id: guarded, reason: `${guarded} is protected (listed in protectedIds)` }),
      ]);
      expect(now.status).toBe("open");
      expect(now.steps.contain).toBeUndefined();
    });

    it("says so in the opened alert's subject, and tells a person how to contain it by hand", () => {
      const opened = alertsOf(incident.incidentId).find((a) => a.stage === "opened");
      const byHand = opened?.body.containByHand as { instances: { id: string; commands: string[] }[] };

      expect(opened?.subject).toMatch(/PROTECTED, NOT CONTAINED/);
      expect(byHand.instances[0]?.id).toBe(guarded);
      expect(byHand.instances[0]?.commands).toEqual(
        expect.arrayContaining([
          `aws ec2 --region ${region()} modify-instance-attribute --instance-id ${guarded} --disable-api-termination`,
        ]),
      );
      expect(alertsOf(incident.incidentId).map((a) => a.stage)).not.toContain("contained");
    });

    it("makes no call that changes the instance", async () => {
      const after = await viewTarget(ec2(), guarded);
      const termination = (
        await ec2().send(
          new DescribeInstanceAttributeCommand({ InstanceId: guarded, Attribute: "disableApiTermination" }),
        )
      ).DisableApiTermination?.Value;

      expect(calls.some((c) => c.scope !== undefined)).toBe(true);
      expect(changesTo(guarded, before).map((c) => c.operation)).toEqual([]);
      expect(after.groups).toEqual(before.groups);
      expect(after.tags).toEqual(before.tags);
      expect(termination).toBe(terminationBefore);
    });
  });

  describe("a Security Hub finding from a custom product naming six instances", () => {
    let before: Record<string, TargetView>;
    let waiting: IncidentRecord;
    let approved: IncidentRecord;

    beforeAll(async () => {
      before = Object.fromEntries(
        await Promise.all(six.map(async (id) => [id, await viewTarget(ec2(), id)])),
      );
      const { event, findingId } = securityHubFinding({
        account: account(),
        region: region(),
        instanceIds: six,
        productArn: customProductArn(region(), account()),
        productName: "GuardDuty",
        companyName: "Amazon",
      });
      waiting = await send(event, "securityhub", findingId);
    });

    it("waits for approval, says why, and contains nothing meanwhile", async () => {
      const contain = waiting.plan.actions.find((a) => a.name === "contain-instance");

      expect(waiting.finding.product).toMatchObject({ aws: false, name: "GuardDuty", company: "Amazon" });
      expect(contain).toMatchObject({ requiresApproval: true });
      expect(contain?.targets).toHaveLength(6);
      expect(waiting.plan.actions.filter((a) => a.name !== "notify").every((a) => a.requiresApproval)).toBe(
        true,
      );
      expect(waiting.plan.notes).toEqual(
        expect.arrayContaining([
          "the finding names 6 instances, more than maxInstancesPerFinding (5): contain-instance requires approval",
          expect.stringMatching(
            /^Security Hub finding from a product that is not AWS's own \(arn:aws:securityhub:[^)]*:product\/\d{12}\/default, named "GuardDuty" by its importer\)/,
          ),
        ]),
      );
      expect(alertsOf(waiting.incidentId).map((a) => a.stage)).toEqual(
        expect.arrayContaining(["opened", "awaiting-approval"]),
      );
      const now = await store.get(waiting.incidentId);
      expect(now.steps.contain).toBeUndefined();
      expect(now.steps.snapshots).toBeUndefined();
      expect(six).toHaveLength(6);
      for (const id of six) {
        expect((await viewTarget(ec2(), id)).groups).toEqual(before[id]?.groups);
        expect(changesTo(id, before[id]!)).toEqual([]);
      }
    });

    it("contains them once a person approves", async () => {
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
                by: "chatops:alice",
                reason: "six instances confirmed by their owner",
              }),
            },
          ],
        }),
      );
      expect(out.FailedEntryCount ?? 0).toBe(0);
      approved = await waitFor(
        () => store.get(waiting.incidentId),
        (i) => ["verified", "partial", "failed"].includes(i.steps.contain?.status ?? ""),
        WAIT_MS,
        "containment of the six instances ended",
      );

      expect(approved.steps.contain?.status).toBe("verified");
      expect(six).toHaveLength(6);
      for (const id of six) expect((await viewTarget(ec2(), id)).groups).not.toEqual(before[id]?.groups);
    });
  });
});
