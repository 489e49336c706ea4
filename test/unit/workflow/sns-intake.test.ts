import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Finding, ResourceContext } from "../../../shared/domain/types.ts";
import { AwsCallError } from "../../../shared/errors/index.ts";
import { intakeSnsEvent } from "../../../shared/workflow/sns-intake.ts";
import type { TriageDeps } from "../../../shared/workflow/triage.ts";
import { MemoryStore, policy, RecordingAlerter, RecordingBus, silentLog } from "../cleanroom/fakes.ts";

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
  return event;
}

function snsEvent(...messages: string[]) {
  return {
    Records: messages.map((Message, i) => ({
      EventVersion: "1.0",
      EventSubscriptionArn: `${TOPIC}:sub`,
      EventSource: "aws:sns",
      Sns: {
        Type: "Notification",
        MessageId: `9a8b7c6d-0000-4000-8000-00000000000${i}`,
        TopicArn: TOPIC,
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
  const d: TriageDeps = { store, alerter, bus, log: silentLog, policy, dryRun: false, resolve };
  return { store, alerter, bus, deps: d };
}

describe("SNS intake", () => {
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
