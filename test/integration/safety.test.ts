/**
 * The safety rails at the workflow level, in one local responder (policy: at most one
 * containment per hour): a protected instance is never contained and the alert says why; past
 * the blast-radius cap containment waits for a person; repeated and concurrent events about
 * the same finding or resource make one incident.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { cloneInstance } from "../../cli/drill/clone.ts";
import {
  drainAlerts,
  putEvent,
  type ReceivedAlert,
  subscribeAlerts,
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
import { resetEmulator } from "../support/emulator.ts";
import { guardDutyFinding, WAIT_MS, waitFor } from "../support/findings.ts";

const findingIdOf = (event: Record<string, unknown>) => String((event.detail as { id: string }).id);

describe("safety rails at the workflow level (local responder)", () => {
  let session: LocalSession;
  let demo: DemoAccount;
  let store: DynamoIncidentStore;
  let alertQueue: string;
  let dir: string;
  const previousPolicy = process.env.POLICY_FILE;
  const alerts: ReceivedAlert[] = [];
  const invocations: Invocation[] = [];

  const account = () => session.local.context.accountId;
  const target = (instanceId: string) => ({ instanceId, account: account(), region: session.aws.region });
  const collectAlerts = async () => {
    alerts.push(...(await drainAlerts(sqsClient(session.aws), alertQueue)));
  };
  const alertsOf = (id: string) => alerts.filter((a) => a.incidentId === id);
  const triageOutcomes = (findingId: string) =>
    invocations
      .filter((i) => i.functionName === "triage")
      .filter((i) => (i.event as { detail?: { id?: string } }).detail?.id === findingId)
      .map((i) => (i.result as { outcome?: string } | undefined)?.outcome ?? `error: ${i.error}`);

  /** Sends an event; resolves with the incident of its finding once the responder is idle. */
  async function send(event: Record<string, unknown>): Promise<IncidentRecord> {
    await putEvent(eventsClient(session.aws), event);
    const id = await waitFor(
      () => store.incidentOfFinding(account(), "guardduty", findingIdOf(event)),
      (v) => v !== undefined,
      WAIT_MS,
      `an incident for finding ${findingIdOf(event)}`,
    );
    await session.runner.settled(WAIT_MS);
    await collectAlerts();
    return store.get(id as string);
  }

  beforeAll(async () => {
    await resetEmulator();
    dir = mkdtempSync(join(tmpdir(), "safety-"));
    const policy = parse(readFileSync(defaultPolicyFile(), "utf8"));
    policy.settings.maxContainmentsPerHour = 1;
    process.env.POLICY_FILE = join(dir, "policy.yaml");
    writeFileSync(process.env.POLICY_FILE, stringify(policy));
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    session = await startLocalSession({ maxAttempts: 2, onInvocation: (i) => invocations.push(i) });
    const aws = session.aws;
    demo = await seedDemoAccount(ec2Client(aws), iamClient(aws));
    store = new DynamoIncidentStore(dynamoDocClient(aws), session.local.resources.incidentTable);
    alertQueue = await subscribeAlerts(
      { sqs: sqsClient(aws), sns: snsClient(aws) },
      session.local.resources.alertTopicArn,
      "safety-alerts",
    );
  });

  afterAll(async () => {
    try {
      await session?.runner.settled(WAIT_MS);
    } finally {
      await session?.stop();
    }
    if (previousPolicy === undefined) delete process.env.POLICY_FILE;
    else process.env.POLICY_FILE = previousPolicy;
    rmSync(dir, { recursive: true, force: true });
  });

  describe("a protected instance", () => {
    let incident: IncidentRecord;
    let groupsBefore: Record<string, string[]>;
    const protectedNote = /is protected \(tag incident-responder:protected=true\): not contained/;

    beforeAll(async () => {
      groupsBefore = (await viewTarget(ec2Client(session.aws), demo.instances.bastion.instanceId)).groups;
      incident = await send(guardDutyFinding(target(demo.instances.bastion.instanceId)));
    });

    it("is never contained, even by a playbook that contains critical instances", async () => {
      expect(incident.impact.tier).toBe("critical");
      expect(incident.plan.playbook).toBe("guardduty-ec2-critical-high");
      expect(incident.plan.actions.map((a) => a.name)).not.toContain("contain-instance");
      expect((await store.get(incident.incidentId)).steps.contain).toBeUndefined();
      expect((await viewTarget(ec2Client(session.aws), demo.instances.bastion.instanceId)).groups).toEqual(
        groupsBefore,
      );
    });

    it("is alerted as left alone, with the reason in the alert", () => {
      const opened = alertsOf(incident.incidentId).find((a) => a.stage === "opened");
      const plan = opened?.body.plan as { notes: string[]; actions: { name: string }[] };

      expect(plan.notes).toEqual(expect.arrayContaining([expect.stringMatching(protectedNote)]));
      expect(plan.notes.join(" ")).toContain(demo.instances.bastion.instanceId);
      expect(String(opened?.body.summary)).toMatch(protectedNote);
      expect(alertsOf(incident.incidentId).map((a) => a.stage)).not.toContain("contained");
    });
  });

  describe("the blast-radius cap (one containment per hour)", () => {
    let first: IncidentRecord;
    let second: IncidentRecord;
    let batchGroups: Record<string, string[]>;

    beforeAll(async () => {
      first = await send(guardDutyFinding(target(demo.instances.web.instanceId)));
      first = await waitFor(
        () => store.get(first.incidentId),
        (i) => i.steps.contain?.status === "verified",
        WAIT_MS,
        "the first incident's containment verified",
      );
      batchGroups = (await viewTarget(ec2Client(session.aws), demo.instances.batch.instanceId)).groups;
      second = await send(guardDutyFinding(target(demo.instances.batch.instanceId)));
    });

    it("contains the first incident of the hour", () => {
      expect(first.steps.contain?.status).toBe("verified");
      expect(alertsOf(first.incidentId).map((a) => a.stage)).toContain("contained");
    });

    it("makes the second incident in the same account wait for approval, and says so", async () => {
      const contain = second.plan.actions.find((a) => a.name === "contain-instance");
      const waiting = alertsOf(second.incidentId).find((a) => a.stage === "awaiting-approval");

      expect(second.account).toBe(first.account);
      expect(contain?.requiresApproval).toBe(true);
      expect(second.plan.notes).toEqual(
        expect.arrayContaining([
          expect.stringMatching(
            /circuit open: 1 containment\(s\) reserved in the last hour, cap 1 \(no slot for i-\w+\): contain-instance requires approval/,
          ),
        ]),
      );
      expect(waiting).toBeDefined();
      expect(String(waiting?.body.summary)).toMatch(/contain-instance/);
      expect((await store.get(second.incidentId)).steps.contain).toBeUndefined();
      expect((await viewTarget(ec2Client(session.aws), demo.instances.batch.instanceId)).groups).toEqual(
        batchGroups,
      );
    });
  });

  describe("repeated events", () => {
    let original: Record<string, unknown>;
    let incident: IncidentRecord;
    let again: IncidentRecord;
    let joined: IncidentRecord;
    let openBefore: number;

    beforeAll(async () => {
      original = guardDutyFinding(target(demo.instances.dev.instanceId));
      incident = await send(original);
      openBefore = (await store.listOpen()).length;
      // The same finding again, as GuardDuty sends it when it sees the activity again.
      again = await send({
        ...guardDutyFinding(target(demo.instances.dev.instanceId), { id: findingIdOf(original) }),
      });
      // A new finding about the same instance while its incident is open.
      joined = await send(
        guardDutyFinding(target(demo.instances.dev.instanceId), {
          type: "UnauthorizedAccess:EC2/SSHBruteForce",
        }),
      );
    });

    it("handles the same finding id once", () => {
      expect(again.incidentId).toBe(incident.incidentId);
      expect(triageOutcomes(findingIdOf(original))).toEqual(["created", "duplicate"]);
      expect(again.findings.filter((f) => f.id === findingIdOf(original))).toHaveLength(1);
    });

    it("joins a new finding on the same resource to the open incident's timeline", async () => {
      const now = await store.get(incident.incidentId);

      expect(joined.incidentId).toBe(incident.incidentId);
      expect(now.findings.map((f) => f.type)).toEqual([
        "Backdoor:EC2/C&CActivity.B!DNS",
        "UnauthorizedAccess:EC2/SSHBruteForce",
      ]);
      expect(now.timeline.some((t) => /joined this incident/.test(t.detail ?? ""))).toBe(true);
      expect((await store.listOpen()).length).toBe(openBefore);
      expect(alertsOf(incident.incidentId).filter((a) => a.stage === "opened")).toHaveLength(1);
    });
  });

  describe("concurrent events", () => {
    let sameFinding: { outcomes: string[]; incident: IncidentRecord };

    beforeAll(async () => {
      const events = eventsClient(session.aws);

      // Ten deliveries of one finding, at once, about an instance with no incident yet. (Ten
      // different findings at once cannot be tested here: the emulator's TransactWriteItems
      // copies and restores whole tables, so concurrent transactions fail or undo each other.)
      const fresh = await cloneInstance(ec2Client(session.aws), demo.instances.dev.instanceId, 2);
      const one = guardDutyFinding(target(fresh));
      await Promise.all(Array.from({ length: 10 }, () => putEvent(events, one)));
      await waitFor(
        async () => triageOutcomes(findingIdOf(one)),
        (o) => o.length === 10,
        WAIT_MS,
        "ten triage outcomes for the finding",
      );
      await session.runner.settled(WAIT_MS);
      await collectAlerts();
      const id = await store.incidentOfFinding(account(), "guardduty", findingIdOf(one));
      sameFinding = {
        outcomes: triageOutcomes(findingIdOf(one)),
        incident: await store.get(id as string),
      };
    });

    it("opens one incident for ten simultaneous deliveries of one finding", () => {
      expect(sameFinding.outcomes.filter((o) => o === "created")).toHaveLength(1);
      expect(sameFinding.outcomes.filter((o) => o === "duplicate")).toHaveLength(9);
      expect(sameFinding.incident.findings).toHaveLength(1);
      expect(alertsOf(sameFinding.incident.incidentId).filter((a) => a.stage === "opened")).toHaveLength(1);
    });
  });
});
