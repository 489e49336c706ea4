import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Finding, ResourceContext } from "../../../shared/domain/types.ts";
import { AwsCallError } from "../../../shared/errors/index.ts";
import { intakeSnsEvent, type SnsIntakeDeps } from "../../../shared/workflow/sns-intake.ts";
import { policy, RecordingAlerter, RecordingBus, silentLog } from "../../support/lane-deps.ts";
import { MemoryStore } from "../../support/memory-store.ts";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:incident-responder-prod-intake";
const INSTANCE = "i-0123456789abcdef0";

const alarm = {
  AlarmName: "web-cpu-high",
  AWSAccountId: "123456789012",
  NewStateValue: "ALARM",
  NewStateReason: "Threshold Crossed",
  StateChangeTime: "2026-03-01T10:00:00.000+0000",
  AlarmArn: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:web-cpu-high",
  OldStateValue: "OK",
  Trigger: {
    MetricName: "CPUUtilization",
    Namespace: "AWS/EC2",
    Dimensions: [{ name: "InstanceId", value: INSTANCE }],
  },
};

/** A real GuardDuty finding, no longer a sample. */
function guardDuty(): Record<string, unknown> {
  const event = JSON.parse(
    readFileSync(
      new URL("../../fixtures/events/guardduty/Backdoor_EC2_C_CActivity.B_DNS.json", import.meta.url),
      "utf8",
    ),
  );
  delete event.detail.service.additionalInfo.sample;
  event.detail.severity = 8;
  // Forwarded by an EventBridge rule of the topic's own account.
  event.account = "123456789012";
  event.detail.accountId = "123456789012";
  return event;
}

function snsEvent(...messages: string[]) {
  return snsEventFrom(TOPIC, ...messages);
}

function snsEventFrom(topic: string, ...messages: string[]) {
  return {
    Records: messages.map((Message, i) => ({
      EventVersion: "1.0",
      EventSubscriptionArn: `${topic}:sub`,
      EventSource: "aws:sns",
      Sns: {
        Type: "Notification",
        MessageId: `9a8b7c6d-0000-4000-8000-00000000000${i}`,
        TopicArn: topic,
        Subject: null,
        Message,
        Timestamp: "2026-03-01T10:00:01.000Z",
        MessageAttributes: {},
      },
    })),
  };
}

function deps(resolve: (f: Finding) => Promise<ResourceContext[]> = async () => []) {
  const store = new MemoryStore();
  const alerter = new RecordingAlerter();
  const bus = new RecordingBus();
  const d: SnsIntakeDeps = {
    store,
    alerter,
    bus,
    log: silentLog,
    policy,
    dryRun: false,
    resolve,
    intakeTopics: [TOPIC],
  };
  return { store, alerter, bus, deps: d };
}

describe("SNS intake", () => {
  it("rejects every message of a topic the configuration does not name, whatever it says", async () => {
    // Arrange: a well-formed finding and a well-formed alarm, published to some other topic
    const w = deps();
    const other = "arn:aws:sns:eu-west-1:123456789012:someone-elses-topic";

    // Act
    const outs = await intakeSnsEvent(
      snsEventFrom(other, JSON.stringify(guardDuty()), JSON.stringify(alarm)),
      w.deps,
    );

    // Assert
    expect(outs.map((o) => o.outcome)).toEqual(["rejected", "rejected"]);
    expect(w.store.records.size).toBe(0);
    expect(w.bus.emitted).toEqual([]);
    expect(w.store.letters[0]).toMatchObject({ path: "Records.Sns.TopicArn" });
  });

  it("judges a message by its topic's account: a forged finding about another account is rejected", async () => {
    // Arrange: someone who may publish to the intake topic forges a GuardDuty event about another account
    const w = deps();
    const forged = guardDuty();
    forged.account = "999999999999";
    (forged.detail as Record<string, unknown>).accountId = "999999999999";

    // Act
    const [out] = await intakeSnsEvent(snsEvent(JSON.stringify(forged)), w.deps);

    // Assert
    expect(out).toMatchObject({ outcome: "rejected" });
    expect((out as { error: string }).error).toContain("came from account 123456789012");
    expect(w.store.records.size).toBe(0);
  });

  it("opens an incident for a CloudWatch alarm notification in ALARM", async () => {
    const w = deps();

    const [out] = await intakeSnsEvent(snsEvent(JSON.stringify(alarm)), w.deps);

    expect(out).toMatchObject({ outcome: "created" });
    const incident = [...w.store.records.values()][0];
    expect(incident?.finding).toMatchObject({
      source: "alarm",
      type: "alarm:web-cpu-high",
      region: "eu-west-1",
      resources: [expect.objectContaining({ kind: "ec2-instance", id: INSTANCE })],
    });
    expect(w.alerter.sent.map((a) => a.stage)).toContain("opened");
  });

  it("opens an incident for an EventBridge event published as the message", async () => {
    const w = deps();

    const [out] = await intakeSnsEvent(snsEvent(JSON.stringify(guardDuty())), w.deps);

    expect(out).toMatchObject({ outcome: "created" });
    expect([...w.store.records.values()][0]?.finding.source).toBe("guardduty");
    expect(w.bus.emitted.map((e) => e.detailType)).toEqual(["Incident Opened"]);
  });

  it("ignores what triage ignores (an alarm back to OK)", async () => {
    const w = deps();

    const [out] = await intakeSnsEvent(snsEvent(JSON.stringify({ ...alarm, NewStateValue: "OK" })), w.deps);

    expect(out).toMatchObject({ outcome: "ignored" });
    expect(w.store.records.size).toBe(0);
  });

  it("sets aside a message that is no event, under its SNS message id, and goes on with the next", async () => {
    const w = deps();

    const outs = await intakeSnsEvent(snsEvent("CPU is high!", JSON.stringify(alarm)), w.deps);

    expect(outs.map((o) => o.outcome)).toEqual(["rejected", "created"]);
    expect(w.store.letters).toEqual([
      expect.objectContaining({
        id: "9a8b7c6d-0000-4000-8000-000000000000",
        errorName: "InvalidEventError",
        path: "Message",
      }),
    ]);
    expect(w.alerter.sent.map((a) => a.stage)).toEqual(["rejected", "opened"]);
  });

  it("names the event's source in the dead letter when the message is an invalid event", async () => {
    const w = deps();
    const broken = guardDuty();
    (broken.detail as Record<string, unknown>).severity = 99;

    const [out] = await intakeSnsEvent(snsEvent(JSON.stringify(broken)), w.deps);

    expect(out).toMatchObject({ outcome: "rejected" });
    expect(w.store.letters[0]).toMatchObject({ source: "aws.guardduty", path: "detail.severity" });
  });

  it.each([
    ["an EventBridge event", { source: "aws.guardduty", "detail-type": "GuardDuty Finding", detail: {} }],
    ["a record of another service", { Records: [{ EventSource: "aws:sqs", body: "{}" }] }],
    ["no record", { Records: [] }],
  ])("sets aside %s delivered as if from SNS", async (_what, event) => {
    const w = deps();

    const outs = await intakeSnsEvent(event, w.deps);

    expect(outs).toEqual([expect.objectContaining({ outcome: "rejected" })]);
    expect(w.store.letters).toHaveLength(1);
  });

  it("lets other errors through, so that Lambda retries the delivery", async () => {
    const w = deps(async () => {
      throw new AwsCallError("DescribeInstances", "Throttling", true);
    });

    await expect(intakeSnsEvent(snsEvent(JSON.stringify(alarm)), w.deps)).rejects.toBeInstanceOf(
      AwsCallError,
    );
    expect(w.store.letters).toEqual([]);
  });
});
