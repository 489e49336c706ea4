/**
 * SNS message bodies opened exactly: the event built from an alarm notification, field by
 * field; which SNS fields it trusts for id and region; and each refusal with its message.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { MAX_EVENT_CHARS } from "../../../shared/intake/limits.ts";
import { alarmNotificationToEvent, unwrapSnsMessage } from "../../../shared/intake/sns.ts";
import { rejection } from "./helpers.ts";

const ACCOUNT = "123456789012";
const ALARM_ARN = `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:cpu-high`;

const NOTIFICATION = {
  AlarmName: "cpu-high",
  AlarmDescription: "CPU above 90%",
  AWSAccountId: ACCOUNT,
  NewStateValue: "ALARM",
  NewStateReason: "Threshold Crossed",
  StateChangeTime: "2024-05-01T10:00:00.000+0000",
  AlarmArn: ALARM_ARN,
  OldStateValue: "OK",
  Trigger: {
    MetricName: "CPUUtilization",
    Namespace: "AWS/EC2",
    Dimensions: [{ name: "InstanceId", value: "i-0123456789abcdef0" }],
  },
};

const MINIMAL = {
  AlarmName: "cpu-high",
  AWSAccountId: ACCOUNT,
  NewStateValue: "ALARM",
  StateChangeTime: "2024-05-01T10:00:00.000+0000",
};

/** The id intake derives from a notification without a usable MessageId. */
function derivedId(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

describe("an alarm notification", () => {
  it("becomes exactly this alarm state change event", () => {
    // Act
    const event = unwrapSnsMessage(JSON.stringify(NOTIFICATION));

    // Assert
    expect(event).toStrictEqual({
      version: "0",
      id: derivedId(`${ALARM_ARN}|2024-05-01T10:00:00.000+0000|ALARM`),
      source: "incident-responder.alarm",
      "detail-type": "CloudWatch Alarm State Change",
      account: ACCOUNT,
      region: "eu-west-1",
      time: "2024-05-01T10:00:00.000+00:00",
      resources: [ALARM_ARN],
      detail: {
        alarmName: "cpu-high",
        alarmArn: ALARM_ARN,
        state: { value: "ALARM", reason: "Threshold Crossed", timestamp: "2024-05-01T10:00:00.000+00:00" },
        previousState: { value: "OK" },
        configuration: {
          description: "CPU above 90%",
          metrics: [
            {
              metricStat: {
                metric: {
                  namespace: "AWS/EC2",
                  name: "CPUUtilization",
                  dimensions: { InstanceId: "i-0123456789abcdef0" },
                },
              },
            },
          ],
        },
      },
    });
  });

  it("without its optional parts becomes an event without them", () => {
    // Act
    const event = alarmNotificationToEvent({ ...MINIMAL, Trigger: null }, { region: "us-east-2" });

    // Assert
    expect(event).toStrictEqual({
      version: "0",
      id: derivedId("cpu-high|2024-05-01T10:00:00.000+0000|ALARM"),
      source: "incident-responder.alarm",
      "detail-type": "CloudWatch Alarm State Change",
      account: ACCOUNT,
      region: "us-east-2",
      time: "2024-05-01T10:00:00.000+00:00",
      resources: [],
      detail: {
        alarmName: "cpu-high",
        state: { value: "ALARM", timestamp: "2024-05-01T10:00:00.000+00:00" },
        configuration: { metrics: [] },
      },
    });
  });

  it.each([
    [
      "dimensions alone",
      { Dimensions: [{ name: "VolumeId", value: "vol-1" }] },
      [{ dimensions: { VolumeId: "vol-1" } }],
    ],
    ["a metric name alone", { MetricName: "Errors" }, [{ name: "Errors", dimensions: {} }]],
    ["a namespace alone", { Namespace: "AWS/EC2" }, []],
    ["an empty trigger", {}, []],
    [
      "metrics of a metric-math alarm",
      {
        Metrics: [
          { Id: "e1", Expression: "m1 * 2" },
          { MetricStat: {} },
          {
            MetricStat: {
              Metric: {
                Namespace: "AWS/Lambda",
                MetricName: "Errors",
                Dimensions: [{ name: "FunctionName", value: "fn" }],
              },
            },
          },
          { MetricStat: { Metric: { Dimensions: null } } },
        ],
      },
      [{ namespace: "AWS/Lambda", name: "Errors", dimensions: { FunctionName: "fn" } }, { dimensions: {} }],
    ],
  ])("reads a trigger with %s", (_name, Trigger, metrics) => {
    // Act
    const event = alarmNotificationToEvent({ ...MINIMAL, AlarmArn: ALARM_ARN, Trigger });

    // Assert
    expect(event.detail.configuration.metrics).toStrictEqual(
      metrics.map((metric) => ({ metricStat: { metric } })),
    );
  });

  it("takes a MessageId that is an event id as the event's id", () => {
    // Act
    const event = alarmNotificationToEvent(NOTIFICATION, { messageId: "msg-1" });

    // Assert
    expect(event.id).toBe("msg-1");
  });

  it("derives the id when the MessageId is not an event id", () => {
    // Act
    const event = alarmNotificationToEvent(NOTIFICATION, { messageId: "msg 1" });

    // Assert
    expect(event.id).toBe(derivedId(`${ALARM_ARN}|2024-05-01T10:00:00.000+0000|ALARM`));
  });

  it("takes the region of the context when the ARN's is not a region", () => {
    // Act
    const event = alarmNotificationToEvent(
      { ...NOTIFICATION, AlarmArn: `arn:aws:cloudwatch:EU:${ACCOUNT}:alarm:x` },
      { region: "us-east-2" },
    );

    // Assert
    expect(event.region).toBe("us-east-2");
  });

  it.each([
    ["no region at all", undefined],
    ["a context region that is not one", "EU (Ireland)"],
  ])("is refused with %s", (_name, region) => {
    // Act
    const err = rejection(() => alarmNotificationToEvent(MINIMAL, region === undefined ? {} : { region }));

    // Assert
    expect(err.message).toBe(
      "Message.AlarmArn: is needed to know the alarm's region (or pass the region in the SNS context)",
    );
  });

  it("is refused at its field under Message", () => {
    // Act
    const err = rejection(() => unwrapSnsMessage(JSON.stringify({ NewStateValue: "ALARM" })));

    // Assert
    expect(err.message).toBe("Message.AlarmName: is required");
  });
});

describe("unwrapSnsMessage", () => {
  it.each([
    ["a detail-type", { "detail-type": "X" }],
    ["a detail", { detail: {} }],
    ["a source", { source: "aws.guardduty" }],
  ])("returns an object with %s as the event it is", (_name, value) => {
    // Act + Assert
    expect(unwrapSnsMessage(JSON.stringify(value))).toStrictEqual(value);
  });

  it("opens an SNS envelope with the topic's region when the caller gives none", () => {
    // Arrange
    const sns = {
      Type: "Notification",
      MessageId: 7,
      TopicArn: "arn:aws:sns:ap-south-1:123456789012:alarms",
      Message: JSON.stringify(MINIMAL),
    };

    // Act
    const event = unwrapSnsMessage(JSON.stringify(sns), { messageId: "ctx-1" }) as {
      id: string;
      region: string;
    };

    // Assert
    expect(event.region).toBe("ap-south-1");
    expect(event.id).toBe("ctx-1");
  });

  it("prefers the caller's region to the topic's", () => {
    // Arrange
    const sns = {
      Type: "Notification",
      TopicArn: "arn:aws:sns:ap-south-1:1:t",
      Message: JSON.stringify(MINIMAL),
    };

    // Act
    const event = unwrapSnsMessage(JSON.stringify(sns), { region: "us-east-2" }) as { region: string };

    // Assert
    expect(event.region).toBe("us-east-2");
  });

  it.each([
    [
      "an SNS envelope inside an SNS envelope",
      { Type: "Notification", Message: JSON.stringify({ Type: "Notification", Message: "{}" }) },
    ],
    ["an envelope of another type", { Type: "SubscriptionConfirmation", Message: "{}" }],
    ["an envelope whose message is not text", { Type: "Notification", Message: {} }],
    ["an unknown object", { foo: 1 }],
  ])("refuses %s", (_name, value) => {
    // Act
    const err = rejection(() => unwrapSnsMessage(JSON.stringify(value)));

    // Assert
    expect(err.message).toBe("Message: is neither an EventBridge event nor a CloudWatch alarm notification");
  });

  it.each([
    [
      "text that is not JSON",
      "hello",
      "Message: must be JSON: an EventBridge event or a CloudWatch alarm notification",
    ],
    ["a JSON array", "[]", "Message: must be a JSON object"],
    ["JSON null", "null", "Message: must be a JSON object"],
    [
      "a message of exactly the limit",
      `"${"x".repeat(MAX_EVENT_CHARS - 2)}"`,
      "Message: must be a JSON object",
    ],
    [
      "a message one character over the limit",
      `"${"x".repeat(MAX_EVENT_CHARS - 1)}"`,
      `Message: is larger than ${MAX_EVENT_CHARS} characters`,
    ],
  ])("refuses %s", (_name, message, expected) => {
    // Act
    const err = rejection(() => unwrapSnsMessage(message));

    // Assert
    expect(err.message).toBe(expected);
    expect(err.path).toBe("Message");
  });

  it("refuses a message that is not text", () => {
    // Act
    const err = rejection(() => unwrapSnsMessage(42 as unknown as string));

    // Assert
    expect(err.message).toBe("Message: must be a string");
  });
});
