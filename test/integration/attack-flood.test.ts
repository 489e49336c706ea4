/**
 * Flooded: an attacker (or a broken producer) puts many malformed events on the bus. In one
 * local responder: every event is set aside as a dead letter, one alert per source and reason
 * per 15-minute window reaches the alert topic's subscribers, and the scheduled run reports how
 * many were counted without an alert. The store's counters decide, in DynamoDB, under
 * concurrency: one first of a kind, at most 20 kinds per window.
 */
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainAlerts, putEvent, type ReceivedAlert, subscribeAlerts } from "../../cli/drill/run.ts";
import type { Invocation } from "../../cli/local/runner.ts";
import { type LocalSession, startLocalSession } from "../../cli/local/session.ts";
import { dynamoDocClient, eventsClient, snsClient, sqsClient } from "../../shared/aws/clients.ts";
import { type DeadLetter, DynamoIncidentStore } from "../../shared/incident/store.ts";
import { rejectionWindow } from "../../shared/workflow/rejections.ts";
import { resetEmulator } from "../support/emulator.ts";
import { WAIT_MS, waitFor } from "../support/findings.ts";

const FLOOD = 50;
const malformed = JSON.parse(
  readFileSync(
    new URL("../fixtures/events/malformed/constructed_severity_out_of_range.json", import.meta.url),
    "utf8",
  ),
) as Record<string, unknown>;

describe("a flood of malformed events (local responder)", () => {
  let session: LocalSession;
  let store: DynamoIncidentStore;
  let alertQueue: string;
  const invocations: Invocation[] = [];
  let letters: DeadLetter[] = [];
  let alerts: ReceivedAlert[] = [];
  let summaries: ReceivedAlert[] = [];
  let scheduled: Invocation;

  const rejectedTriage = () =>
    invocations.filter(
      (i) =>
        i.functionName === "triage" && (i.result as { outcome?: string } | undefined)?.outcome === "rejected",
    );

  beforeAll(async () => {
    await resetEmulator();
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    session = await startLocalSession({ maxAttempts: 2, onInvocation: (i) => invocations.push(i) });
    const aws = session.aws;
    store = new DynamoIncidentStore(dynamoDocClient(aws), session.local.resources.incidentTable);
    alertQueue = await subscribeAlerts(
      { sqs: sqsClient(aws), sns: snsClient(aws) },
      session.local.resources.alertTopicArn,
      "attack-flood-alerts",
    );

    // The first event alone: the emulator creates a new item non-atomically under concurrent
    // requests (two creators can both count 1; DynamoDB cannot), so the first event creates
    // the kind's counter. Then 49 as fast as PutEvents takes them, ten at a time: the runner
    // handles them concurrently, and each adds to the counter atomically.
    const events = eventsClient(aws);
    await putEvent(events, malformed);
    await waitFor(
      async () => rejectedTriage().length,
      (n) => n >= 1,
      WAIT_MS,
      "the first event rejected by triage",
    );
    for (let i = 1; i < FLOOD; i += 10)
      await Promise.all(Array.from({ length: Math.min(10, FLOOD - i) }, () => putEvent(events, malformed)));

    await waitFor(
      async () => rejectedTriage().length,
      (n) => n >= FLOOD,
      WAIT_MS,
      `all ${FLOOD} events rejected by triage`,
    );
    await session.runner.settled(WAIT_MS);
    letters = await store.listDeadLetters(FLOOD * 2);
    alerts = await drainAlerts(sqsClient(aws), alertQueue);
    scheduled = await session.runner.runScheduled("triage");
    summaries = await drainAlerts(sqsClient(aws), alertQueue);
  });

  afterAll(async () => {
    await session?.stop();
  });

  it("sets every event aside as a dead letter", () => {
    expect(rejectedTriage()).toHaveLength(FLOOD);
    expect(letters).toHaveLength(FLOOD);
    expect(new Set(letters.map((l) => l.id)).size).toBe(FLOOD);
    for (const l of letters)
      expect(l).toMatchObject({
        errorName: "InvalidEventError",
        path: "detail.severity",
        source: "aws.guardduty",
      });
  });

  it("sends one rejected alert for the source and reason per window, not one per event", () => {
    // The events fall in one 15-minute window, or two when the test runs across a boundary.
    const windows = new Set(letters.map((l) => rejectionWindow(new Date(l.at))));
    const rejected = alerts.filter((a) => a.stage === "rejected");

    expect(rejected).toHaveLength(windows.size);
    expect(alerts).toHaveLength(windows.size);
    expect(rejected[0]?.body.about).toBe("aws.guardduty GuardDuty Finding");
    expect(rejected[0]?.body.facts).toMatchObject({
      Kind: "aws.guardduty · InvalidEventError at detail.severity",
      Alerts: expect.stringMatching(/counted until \d\d:\d\d UTC, not alerted one by one/),
    });
  });

  it("reports the count of the events not alerted when the scheduled run comes", () => {
    const windows = new Set(letters.map((l) => rejectionWindow(new Date(l.at))));
    const inWindow = (w: string) => letters.filter((l) => rejectionWindow(new Date(l.at)) === w).length;
    const expected = [...windows].filter((w) => inWindow(w) > 1).sort();

    expect(scheduled.error).toBeUndefined();
    expect(summaries.map((s) => s.stage)).toEqual(expected.map(() => "rejected"));
    const total = summaries.reduce(
      (n, s) => n + Number((s.body.facts as Record<string, string>)["Set aside in the window"]),
      0,
    );
    expect(total).toBe(expected.reduce((n, w) => n + inWindow(w), 0));
    // 50 events in one or two windows: at least one window has more than its first.
    expect(summaries.length).toBeGreaterThan(0);
    for (const s of summaries)
      expect((s.body.facts as Record<string, string>)["Kind 1"]).toMatch(
        /^aws\.guardduty · InvalidEventError at detail\.severity: \d+ \(first /,
      );
    if (windows.size === 1)
      expect(summaries[0]?.body.summary).toMatch(new RegExp(`^${FLOOD - 1} more event\\(s\\) set aside`));
  });

  it("does not report the same events twice", async () => {
    await session.runner.runScheduled("triage");

    expect(await drainAlerts(sqsClient(session.aws), alertQueue)).toEqual([]);
  });

  describe("the rejection counters in DynamoDB", () => {
    let store: DynamoIncidentStore;
    const key = {
      stage: "rejected" as const,
      source: "aws.guardduty",
      reason: "InvalidEventError at detail.id",
    };

    beforeAll(async () => {
      const session = await startLocalSession({});
      store = new DynamoIncidentStore(dynamoDocClient(session.aws), session.local.resources.incidentTable);
      await session.stop();
    });

    it("counts twenty simultaneous events of a kind once each: one first, one alert", async () => {
      const window = "2001-01-01T00:00:00.000Z";
      const first = await store.countRejection(window, key, window, "l0", 20);
      const counts = await Promise.all(
        Array.from({ length: 20 }, (_, i) => store.countRejection(window, key, window, `l${i + 1}`, 20)),
      );

      expect(first).toEqual({ key, count: 1, overflow: false });
      expect(counts.map((c) => c.count).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 20 }, (_, i) => i + 2),
      );
      const [w] = await store.listRejectionWindows(window);
      expect(w?.kinds).toEqual([expect.objectContaining({ ...key, count: 21, firstLetter: "l0" })]);
    });

    it("places at most 20 kinds in a window, and counts the others together", async () => {
      const window = "2001-01-01T00:15:00.000Z";
      const counted = [];
      for (let i = 0; i < 25; i++)
        counted.push(
          await store.countRejection(
            window,
            { ...key, reason: `InvalidEventError at detail.f${i}` },
            window,
            `l${i}`,
            20,
          ),
        );

      expect(counted.map((c) => c.overflow)).toEqual([...Array(20).fill(false), ...Array(5).fill(true)]);
      expect(counted.slice(20).map((c) => c.count)).toEqual([1, 2, 3, 4, 5]);
      const [w] = await store.listRejectionWindows(window);
      expect(w?.kinds).toHaveLength(21);
      expect(w?.kinds.find((k) => k.source === "*")).toMatchObject({ reason: "other kinds", count: 5 });
    });

    it("moves the reported count only from the value it was", async () => {
      const window = "2001-01-01T00:00:00.000Z";

      expect(await store.markRejectionsReported(window, 0, 20)).toBe(true);
      expect(await store.markRejectionsReported(window, 0, 20)).toBe(false);
      expect((await store.listRejectionWindows(window))[0]?.reported).toBe(20);
    });
  });
});
