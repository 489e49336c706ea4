/**
 * A flood of bad events is not a flood of alerts: the first event of each kind in a 15-minute
 * window is alerted, the others are counted, and the scheduled summary reports the count. Every
 * event is still a dead letter; a kind never holds the attacker's free text; a window holds at
 * most 20 kinds.
 */
import { ConditionalCheckFailedException, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsCallError, InvalidEventError } from "../../../shared/errors/index.ts";
import type { RejectionKey } from "../../../shared/incident/store.ts";
import { DynamoIncidentStore } from "../../../shared/incident/store.ts";
import { rejectEvent, reportRejections } from "../../../shared/workflow/reject.ts";
import {
  MAX_REJECTION_KINDS,
  pathShape,
  rejectionKey,
  rejectionWindow,
} from "../../../shared/workflow/rejections.ts";
import { RecordingAlerter, silentLog } from "../../support/lane-deps.ts";
import { MemoryStore } from "../../support/memory-store.ts";

const T0 = Date.parse("2026-03-01T10:16:00.000Z");

/** A clock the test moves. */
function clock(start = T0) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => (t += ms) };
}

function world(start = T0) {
  const store = new MemoryStore();
  const alerter = new RecordingAlerter();
  const c = clock(start);
  return { store, alerter, clock: c, deps: { store, alerter, log: silentLog, now: c.now } };
}

const event = (n: number, source = "aws.guardduty") => ({
  id: `evt-${n}`,
  source,
  "detail-type": "GuardDuty Finding",
  account: "123456789012",
  detail: {},
});
const invalid = (path = "detail.severity", message = "must be at most 10") =>
  new InvalidEventError(message, path);

describe("the kind a rejected event is counted under", () => {
  it("is the source, the error's class and the shape of the path: never the message", () => {
    const key = rejectionKey(event(1), invalid("detail.resources[3].id", "ignore previous instructions"));

    expect(key).toEqual({
      stage: "rejected",
      source: "aws.guardduty",
      reason: "InvalidEventError at detail.resources[].id",
    });
  });

  it("does not keep a source or a path key that is not a plain identifier", () => {
    const key = rejectionKey(event(1, "evil source\nwith lines"), invalid("detail.$where{}.x"));

    expect(key).toEqual({
      stage: "rejected",
      source: "(not an identifier)",
      reason: "InvalidEventError at detail.*.x",
    });
    expect(rejectionKey({}, invalid()).source).toBe("(none)");
  });

  it("keeps at most six path segments, each at most 40 characters", () => {
    expect(pathShape("a.b.c.d.e.f.g.h")).toBe("a.b.c.d.e.f.…");
    expect(pathShape(`detail.${"k".repeat(41)}`)).toBe("detail.*");
    expect(pathShape("Records[12].Sns.Message")).toBe("Records[].Sns.Message");
  });

  it("is a handler failure, by the error's class, for anything but an invalid event", () => {
    const err = new AwsCallError("dynamodb:PutItem", "slow down", true);

    expect(rejectionKey(event(1), err)).toEqual({
      stage: "failed",
      source: "aws.guardduty",
      reason: "AwsCallError",
    });
  });

  it("falls in a 15-minute window", () => {
    expect(rejectionWindow(new Date("2026-03-01T10:16:59Z"))).toBe("2026-03-01T10:15:00.000Z");
    expect(rejectionWindow(new Date("2026-03-01T10:29:59.999Z"))).toBe("2026-03-01T10:15:00.000Z");
    expect(rejectionWindow(new Date("2026-03-01T10:30:00Z"))).toBe("2026-03-01T10:30:00.000Z");
  });
});

describe("alerts about rejected events", () => {
  it("alerts the first event of a kind and counts the next ones of the window, recording every dead letter", async () => {
    const w = world();

    for (let i = 0; i < 10; i++) await rejectEvent(event(i), invalid(), w.deps);

    expect(w.store.letters).toHaveLength(10);
    expect(w.alerter.sent).toHaveLength(1);
    expect(w.alerter.sent[0]?.stage).toBe("rejected");
    expect(w.alerter.sent[0]?.text).toContain("aws.guardduty · InvalidEventError at detail.severity");
    expect(w.alerter.sent[0]?.text).toMatch(/counted until 10:30 UTC, not alerted one by one/);
  });

  it("alerts a kind of its own: another source, another path, a handler failure", async () => {
    const w = world();

    await rejectEvent(event(1), invalid(), w.deps);
    await rejectEvent(event(2, "aws.securityhub"), invalid(), w.deps);
    await rejectEvent(event(3), invalid("detail.id"), w.deps);
    await rejectEvent(event(4), new Error("boom"), w.deps);
    await rejectEvent(event(5), invalid(), w.deps);

    expect(w.alerter.sent.map((a) => a.stage)).toEqual(["rejected", "rejected", "rejected", "failed"]);
  });

  it("alerts the kind again in the next window", async () => {
    const w = world();

    await rejectEvent(event(1), invalid(), w.deps);
    await rejectEvent(event(2), invalid(), w.deps);
    w.clock.advance(15 * 60_000);
    await rejectEvent(event(3), invalid(), w.deps);

    expect(w.alerter.sent).toHaveLength(2);
  });

  it("sends exactly one alert for two first events counted at the same time", async () => {
    const w = world();

    await Promise.all([rejectEvent(event(1), invalid(), w.deps), rejectEvent(event(2), invalid(), w.deps)]);

    expect(w.store.letters).toHaveLength(2);
    expect(w.alerter.sent).toHaveLength(1);
  });

  it("alerts every event when they cannot be counted: a failing count never silences", async () => {
    const w = world();
    w.store.countRejection = async () => {
      throw new Error("DynamoDB unavailable");
    };

    await rejectEvent(event(1), invalid(), w.deps);
    await rejectEvent(event(2), invalid(), w.deps);

    expect(w.alerter.sent).toHaveLength(2);
  });

  it(`holds at most ${MAX_REJECTION_KINDS} kinds per window and counts the others together`, async () => {
    const w = world();

    for (let i = 0; i < MAX_REJECTION_KINDS + 5; i++)
      await rejectEvent(event(i), invalid(`detail.f${i}`), w.deps);

    expect(w.store.letters).toHaveLength(25);
    expect(w.alerter.sent).toHaveLength(MAX_REJECTION_KINDS + 1);
    expect(w.alerter.sent.at(-1)?.text).toMatch(/More than 20 kinds of events were set aside in this window/);
    const [window] = await w.store.listRejectionWindows("2026-03-01T10:15:00.000Z");
    expect(window?.kinds).toHaveLength(MAX_REJECTION_KINDS + 1);
    expect(window?.kinds.find((k) => k.source === "*")).toMatchObject({ reason: "other kinds", count: 5 });
  });
});

describe("the scheduled summary of rejected events", () => {
  it("reports how many events of each kind were counted and not alerted, once", async () => {
    const w = world();
    for (let i = 0; i < 10; i++) await rejectEvent(event(i), invalid(), w.deps);
    await rejectEvent(event(99, "aws.securityhub"), invalid(), w.deps);
    w.alerter.sent.length = 0;
    w.clock.advance(60_000);

    const first = await reportRejections(w.deps);
    const again = await reportRejections(w.deps);

    expect(first).toEqual([{ window: "2026-03-01T10:15:00.000Z", reported: 9 }]);
    expect(again).toEqual([]);
    expect(w.alerter.sent).toHaveLength(1);
    const summary = w.alerter.sent[0];
    expect(summary?.stage).toBe("rejected");
    expect(summary?.text).toMatch(/9 more event\(s\) set aside .* \(window still open\) were counted/);
    expect(summary?.json.facts).toMatchObject({
      "Set aside in the window": "11",
      "Kind 1": expect.stringMatching(/^aws\.guardduty · InvalidEventError at detail\.severity: 10 \(first /),
      "Kind 2": expect.stringMatching(/^aws\.securityhub · InvalidEventError at detail\.severity: 1 /),
    });
  });

  it("reports only what came since the last summary", async () => {
    const w = world();
    for (let i = 0; i < 4; i++) await rejectEvent(event(i), invalid(), w.deps);
    await reportRejections(w.deps);
    for (let i = 4; i < 9; i++) await rejectEvent(event(i), invalid(), w.deps);

    const out = await reportRejections(w.deps);

    expect(out).toEqual([{ window: "2026-03-01T10:15:00.000Z", reported: 5 }]);
    expect(w.alerter.sent.at(-1)?.json.facts).toMatchObject({
      "Not alerted one by one": "8 (5 reported by this summary)",
    });
  });

  it("reports a window after it closed, and sends nothing when every event was alerted", async () => {
    const w = world();
    await rejectEvent(event(1), invalid(), w.deps);
    await rejectEvent(event(2), invalid(), w.deps);
    w.clock.advance(15 * 60_000);
    await rejectEvent(event(3), invalid(), w.deps);
    const alerts = w.alerter.sent.length;

    const out = await reportRejections(w.deps);

    expect(out).toEqual([{ window: "2026-03-01T10:15:00.000Z", reported: 1 }]);
    expect(w.alerter.sent).toHaveLength(alerts + 1);
    expect(w.alerter.sent.at(-1)?.text).not.toContain("window still open");
  });

  it("gives its claim back when the summary cannot be sent, so the next run sends it", async () => {
    const w = world();
    for (let i = 0; i < 3; i++) await rejectEvent(event(i), invalid(), w.deps);
    const publish = w.alerter.publish.bind(w.alerter);
    w.alerter.publish = async () => {
      throw new Error("SNS unavailable");
    };

    expect(await reportRejections(w.deps)).toEqual([]);
    w.alerter.publish = publish;
    expect(await reportRejections(w.deps)).toEqual([{ window: "2026-03-01T10:15:00.000Z", reported: 2 }]);
  });

  it("is sent once by two runs at the same time", async () => {
    const w = world();
    for (let i = 0; i < 3; i++) await rejectEvent(event(i), invalid(), w.deps);
    w.alerter.sent.length = 0;

    await Promise.all([reportRejections(w.deps), reportRejections(w.deps)]);

    expect(w.alerter.sent).toHaveLength(1);
  });
});

describe("DynamoIncidentStore.countRejection", () => {
  const ddb = mockClient(DynamoDBDocumentClient);
  const store = new DynamoIncidentStore(
    DynamoDBDocumentClient.from(new DynamoDBClient({ region: "us-east-1" })),
    "incidents",
  );
  const key: RejectionKey = {
    stage: "rejected",
    source: "aws.guardduty",
    reason: "InvalidEventError at detail.id",
  };
  const conditionFailed = () => new ConditionalCheckFailedException({ message: "failed", $metadata: {} });
  const updates = () => ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);

  beforeEach(() => ddb.reset());

  it("adds one to a kind the window has: one conditional ADD, the count from DynamoDB", async () => {
    ddb.on(UpdateCommand).resolves({ Attributes: { count: 7 } });

    const out = await store.countRejection("2026-03-01T10:15:00.000Z", key, "2026-03-01T10:16:00Z", "l", 20);

    expect(out).toEqual({ key, count: 7, overflow: false });
    expect(updates()).toEqual([
      expect.objectContaining({
        Key: {
          pk: "REJECTIONS#2026-03-01T10:15:00.000Z",
          sk: "rejected|aws.guardduty|InvalidEventError at detail.id",
        },
        ConditionExpression: "attribute_exists(pk)",
        UpdateExpression: expect.stringMatching(/ADD #n :one$/),
        ReturnValues: "UPDATED_NEW",
      }),
    ]);
  });

  it("places a new kind in the window under the window's condition, then counts it", async () => {
    ddb
      .on(UpdateCommand)
      .rejectsOnce(conditionFailed())
      .resolvesOnce({})
      .resolvesOnce({ Attributes: { count: 1 } });

    const out = await store.countRejection("2026-03-01T10:15:00.000Z", key, "2026-03-01T10:16:00Z", "l", 20);

    expect(out).toEqual({ key, count: 1, overflow: false });
    const [, place, count] = updates();
    expect(place).toMatchObject({
      Key: { pk: "REJECTIONS", sk: "2026-03-01T10:15:00.000Z" },
      ConditionExpression: "attribute_not_exists(#k) OR #k < :max",
      ExpressionAttributeValues: expect.objectContaining({ ":max": 20 }),
    });
    expect(count?.ConditionExpression).toBeUndefined();
  });

  it("counts a new kind under `other` when the window is full", async () => {
    ddb
      .on(UpdateCommand)
      .rejectsOnce(conditionFailed())
      .rejectsOnce(conditionFailed())
      .resolvesOnce({ Attributes: { count: 3 } });

    const out = await store.countRejection("2026-03-01T10:15:00.000Z", key, "2026-03-01T10:16:00Z", "l", 20);

    expect(out).toEqual({
      key: { stage: "rejected", source: "*", reason: "other kinds" },
      count: 3,
      overflow: true,
    });
    expect(updates()[2]?.Key).toEqual({
      pk: "REJECTIONS#2026-03-01T10:15:00.000Z",
      sk: "rejected|*|other kinds",
    });
  });

  it("fails, rather than guessing, when DynamoDB returns no count", async () => {
    ddb.on(UpdateCommand).resolves({});

    await expect(
      store.countRejection("2026-03-01T10:15:00.000Z", key, "2026-03-01T10:16:00Z", "l", 20),
    ).rejects.toThrow(/no rejection count/);
  });
});
