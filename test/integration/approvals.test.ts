/**
 * Approvals by event, end to end in the local responder: with a policy whose containment needs
 * a person, an incident waits (no contain step, an awaiting-approval alert); an `Incident
 * Approval Decision` event on the responder's bus releases it (contained and verified), a denial
 * ends it (contain skipped, nothing isolated); a bad or late decision is set aside and alerted.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import {
  drainAlerts,
  putEvent,
  type ReceivedAlert,
  type TargetView,
  viewTarget,
} from "../../cli/drill/run.ts";
import type { DemoAccount } from "../../cli/local/demo.ts";
import type { LocalSession } from "../../cli/local/session.ts";
import { ec2Client, eventsClient, sqsClient } from "../../shared/aws/clients.ts";
import { defaultPolicyFile } from "../../shared/config/index.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import type { DynamoIncidentStore } from "../../shared/incident/store.ts";
import { APPROVAL_DETAIL_TYPE, APPROVAL_SOURCE } from "../../shared/intake/index.ts";
import { guardDutyFinding, WAIT_MS, waitFor } from "../support/findings.ts";
import { startTestSession } from "../support/session.ts";

/** The default policy, with every contain-instance waiting for a person. */
function approvalPolicy(dir: string): string {
  const doc = parse(readFileSync(defaultPolicyFile(), "utf8"));
  for (const playbook of doc.playbooks) {
    for (const action of playbook.actions) {
      if (action.name === "contain-instance") action.requiresApproval = true;
    }
  }
  const file = join(dir, "policy.yaml");
  writeFileSync(file, stringify(doc));
  return file;
}

/** The chat-ops bot's role: the only sender of decisions the configuration (and the bus policy) admits. */
const APPROVER = "arn:aws:iam::123456789012:role/chatops-approver";

describe("approvals by event (local responder)", () => {
  let session: LocalSession;
  let demo: DemoAccount;
  let store: DynamoIncidentStore;
  let alertQueue: string;
  let dir: string;
  const previousPolicy = process.env.POLICY_FILE;
  const previousApprovers = process.env.APPROVER_ROLE_ARNS;
  const alerts: ReceivedAlert[] = [];

  const account = () => session.local.context.accountId;
  const get = (id: string) => store.get(id);
  const collectAlerts = async () => {
    alerts.push(...(await drainAlerts(sqsClient(session.aws), alertQueue)));
    return alerts;
  };
  const alertsOf = (id: string) => alerts.filter((a) => a.incidentId === id).map((a) => a.stage);

  /** Sends a GuardDuty finding about a demo instance; resolves with its incident once triaged. */
  async function incidentOn(instanceId: string): Promise<IncidentRecord> {
    const event = guardDutyFinding({ instanceId, account: account(), region: session.aws.region });
    await putEvent(eventsClient(session.aws), event);
    const findingId = String((event.detail as { id: string }).id);
    const id = await waitFor(
      () => store.incidentOfFinding(account(), "guardduty", findingId),
      (v) => v !== undefined,
      WAIT_MS,
      `an incident for finding ${findingId}`,
    );
    await session.runner.settled(WAIT_MS);
    return get(id as string);
  }

  /** What a chat-ops bot puts on the responder's bus. */
  async function decide(detail: Record<string, unknown>): Promise<void> {
    const out = await eventsClient(session.aws).send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: session.local.resources.eventBusName,
            Source: APPROVAL_SOURCE,
            DetailType: APPROVAL_DETAIL_TYPE,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    expect(out.FailedEntryCount ?? 0).toBe(0);
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "approvals-"));
    // Read when the handlers load: before the session starts its runner.
    process.env.POLICY_FILE = approvalPolicy(dir);
    process.env.APPROVER_ROLE_ARNS = APPROVER;
    ({ session, demo, store, alertQueueUrl: alertQueue } = await startTestSession("approvals-alerts"));
  });

  afterAll(async () => {
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

  describe("an approved containment", () => {
    let before: TargetView;
    let waiting: IncidentRecord;
    let after: IncidentRecord;

    beforeAll(async () => {
      before = await viewTarget(ec2Client(session.aws), demo.instances.web.instanceId);
      waiting = await incidentOn(demo.instances.web.instanceId);
      await collectAlerts();
      await decide({
        incidentId: waiting.incidentId,
        decision: "approved",
        by: "chatops:alice",
        reason: "owner agrees",
      });
      after = await waitFor(
        () => get(waiting.incidentId),
        (i) => ["verified", "partial", "failed"].includes(i.steps.contain?.status ?? ""),
        WAIT_MS,
        "the approved containment ended",
      );
      await session.runner.settled(WAIT_MS);
      await collectAlerts();
    });

    it("waits for a person: no contain step, an awaiting-approval alert, nothing isolated", async () => {
      const containAction = waiting.plan.actions.find((a) => a.name === "contain-instance");

      expect(containAction?.requiresApproval).toBe(true);
      expect(waiting.steps.contain).toBeUndefined();
      expect(alertsOf(waiting.incidentId)).toEqual(expect.arrayContaining(["opened", "awaiting-approval"]));
      expect(alertsOf(waiting.incidentId).indexOf("awaiting-approval")).toBeLessThan(
        alertsOf(waiting.incidentId).indexOf("contained"),
      );
      // The lanes that need no approval did run meanwhile.
      expect(waiting.steps.triage?.status).toBe("ok");
    });

    it("contains and verifies once the approval event arrives", async () => {
      expect(after.steps.contain?.status).toBe("verified");
      expect(after.approvals).toEqual([
        expect.objectContaining({
          decision: "approved",
          by: expect.stringMatching(
            /^arn:aws:iam::123456789012:role\/chatops-approver \(through the bus, event .+\)$/,
          ),
          claimedBy: "chatops:alice",
          reason: "owner agrees",
        }),
      ]);
      expect(alertsOf(waiting.incidentId)).toContain("contained");
      const now = await viewTarget(ec2Client(session.aws), demo.instances.web.instanceId);
      expect(now.groups).not.toEqual(before.groups);
    });

    it("sets aside a later, contradicting decision: dead letter and alert", async () => {
      await decide({ incidentId: waiting.incidentId, decision: "denied", by: "chatops:bob" });
      const letters = await waitFor(
        () => store.listDeadLetters(),
        (l) => l.some((x) => x.error.includes("already approved")),
        WAIT_MS,
        "a dead letter for the contradicting decision",
      );
      await session.runner.settled(WAIT_MS);
      await collectAlerts();

      expect(letters.find((x) => x.error.includes("already approved"))).toMatchObject({
        errorName: "InvalidEventError",
        path: "detail.incidentId",
        source: APPROVAL_SOURCE,
      });
      expect(
        alerts.some((a) => a.stage === "rejected" && String(a.body.summary).includes("already approved")),
      ).toBe(true);
      expect((await get(waiting.incidentId)).steps.contain?.status).toBe("verified");
    });
  });

  describe("a denied containment", () => {
    let before: TargetView;
    let denied: IncidentRecord;

    beforeAll(async () => {
      before = await viewTarget(ec2Client(session.aws), demo.instances.batch.instanceId);
      const waiting = await incidentOn(demo.instances.batch.instanceId);
      await decide({
        incidentId: waiting.incidentId,
        decision: "denied",
        by: "chatops:carol",
        reason: "false positive",
      });
      denied = await waitFor(
        () => get(waiting.incidentId),
        (i) => i.steps.contain !== undefined,
        WAIT_MS,
        "the denied containment recorded",
      );
      await session.runner.settled(WAIT_MS);
      await collectAlerts();
    });

    it("ends the waiting containment: contain skipped, a denied alert, nothing isolated", async () => {
      expect(denied.steps.contain?.status).toBe("skipped");
      expect(denied.steps.contain?.detail).toMatch(
        /^denied by arn:aws:iam::123456789012:role\/chatops-approver .*: false positive$/,
      );
      expect(alertsOf(denied.incidentId)).toContain("denied");
      expect(alertsOf(denied.incidentId)).not.toContain("contained");
      const now = await viewTarget(ec2Client(session.aws), demo.instances.batch.instanceId);
      expect(now.groups).toEqual(before.groups);
    });
  });

  it("sets aside a malformed decision, naming the field", async () => {
    await decide({ incidentId: "ir-20260301-0a1b2c3d", decision: "yes please", by: "chatops:mallory" });
    const letters = await waitFor(
      () => store.listDeadLetters(),
      (l) => l.some((x) => x.path === "detail.decision"),
      WAIT_MS,
      "a dead letter for the malformed decision",
    );

    expect(letters.find((x) => x.path === "detail.decision")).toMatchObject({
      errorName: "InvalidEventError",
      source: APPROVAL_SOURCE,
      detailType: APPROVAL_DETAIL_TYPE,
    });
  });
});
