import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { ALARM_SOURCE, normalizeEvent, unwrapSnsMessage } from "../../../shared/intake/index.ts";
import { envelope, expectFinding, expectIgnored, expectInvalid, fixture } from "./helpers.ts";

const NOTIFICATION = {
  AlarmName: "ec2-cpu-high",
  AlarmDescription: "CPU above 90% for 5 minutes",
  AWSAccountId: "123456789012",
  AlarmConfigurationUpdatedTimestamp: "2024-04-30T09:00:00.000+0000",
  NewStateValue: "ALARM",
  NewStateReason: "Threshold Crossed: 1 datapoint [97.5] was greater than the threshold (90.0).",
  StateChangeTime: "2024-05-01T10:00:00.000+0000",
  Region: "EU (Ireland)",
  AlarmArn: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:ec2-cpu-high",
  OldStateValue: "OK",
  OKActions: [],
  AlarmActions: ["arn:aws:sns:eu-west-1:123456789012:alarms"],
  InsufficientDataActions: [],
  Trigger: {
    MetricName: "CPUUtilization",
    Namespace: "AWS/EC2",
    StatisticType: "Statistic",
    Statistic: "AVERAGE",
    Unit: null,
    Dimensions: [{ value: "i-0123456789abcdef0", name: "InstanceId" }],
    Period: 300,
    EvaluationPeriods: 1,
    ComparisonOperator: "GreaterThanThreshold",
    Threshold: 90.0,
    TreatMissingData: "missing",
    EvaluateLowSampleCountPercentile: "",
  },
};

function catchInvalid(fn: () => unknown): InvalidEventError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidEventError);
    return err as InvalidEventError;
  }
  throw new Error("expected InvalidEventError");
}

describe("unwrapSnsMessage", () => {
  it("returns an EventBridge event serialised in the message as is", () => {
    // Arrange
    const event = fixture("cloudtrail/StopLogging.json");

    // Act
    const out = unwrapSnsMessage(JSON.stringify(event));

    // Assert
    expect(out).toEqual(event);
  });

  it("turns an alarm notification into an alarm state change event", () => {
    // Act
    const out = unwrapSnsMessage(JSON.stringify(NOTIFICATION));

    // Assert
    expect(out).toMatchObject({
      source: ALARM_SOURCE,
      "detail-type": "CloudWatch Alarm State Change",
      account: "123456789012",
      region: "eu-west-1",
      time: "2024-05-01T10:00:00.000+00:00",
      resources: ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:ec2-cpu-high"],
      detail: {
        alarmName: "ec2-cpu-high",
        state: { value: "ALARM", timestamp: "2024-05-01T10:00:00.000+00:00" },
        previousState: { value: "OK" },
        configuration: {
          description: "CPU above 90% for 5 minutes",
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

  it("gives the same id to the same notification", () => {
    // Act
    const a = unwrapSnsMessage(JSON.stringify(NOTIFICATION)) as { id: string };
    const b = unwrapSnsMessage(JSON.stringify(NOTIFICATION)) as { id: string };

    // Assert
    expect(a.id).toBe(b.id);
    expect(a.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  });

  it("opens a whole SNS notification envelope once, using its MessageId", () => {
    // Arrange
    const sns = {
      Type: "Notification",
      MessageId: "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
      TopicArn: "arn:aws:sns:eu-west-1:123456789012:alarms",
      Message: JSON.stringify(NOTIFICATION),
    };

    // Act
    const out = unwrapSnsMessage(JSON.stringify(sns)) as { id: string };

    // Assert
    expect(out.id).toBe("95df01b4-ee98-5cb9-9903-4c221d41eb5e");
  });

  it("takes the region from the SNS context when the notification has no alarm ARN", () => {
    // Arrange
    const { AlarmArn: _, ...noArn } = NOTIFICATION;

    // Act
    const out = unwrapSnsMessage(JSON.stringify(noArn), { region: "us-west-2" }) as { region: string };
    const err = catchInvalid(() => unwrapSnsMessage(JSON.stringify(noArn)));

    // Assert
    expect(out.region).toBe("us-west-2");
    expect(err.path).toBe("Message.AlarmArn");
  });

  it.each([
    ["not JSON", "hello", "Message"],
    ["a JSON array", "[1,2]", "Message"],
    ["an unknown object", '{"foo":1}', "Message"],
    [
      "an alarm without account",
      JSON.stringify({ ...NOTIFICATION, AWSAccountId: "x" }),
      "Message.AWSAccountId",
    ],
  ])("rejects %s", (_name, message, path) => {
    // Act
    const err = catchInvalid(() => unwrapSnsMessage(message));

    // Assert
    expect(err.path).toBe(path);
  });

  it("rejects a message larger than the SNS limit", () => {
    // Act
    const err = catchInvalid(() => unwrapSnsMessage(`"${"x".repeat(300_000)}"`));

    // Assert
    expect(err.message).toContain("larger than");
  });
});

describe("alarm intake", () => {
  it("turns an ALARM notification into a finding about the instance", () => {
    // Arrange
    const event = unwrapSnsMessage(JSON.stringify(NOTIFICATION));

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding).toMatchObject({
      id: "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:ec2-cpu-high@2024-05-01T10:00:00.000+00:00",
      source: "alarm",
      type: "alarm:ec2-cpu-high",
      severity: 5,
      account: "123456789012",
      region: "eu-west-1",
      resources: [expect.objectContaining({ kind: "ec2-instance", id: "i-0123456789abcdef0" })],
    });
    expect(finding.title).toContain("CloudWatch alarm ec2-cpu-high is in ALARM: Threshold Crossed");
  });

  it.each(["OK", "INSUFFICIENT_DATA"])("ignores the %s state", (state) => {
    // Arrange
    const event = unwrapSnsMessage(JSON.stringify({ ...NOTIFICATION, NewStateValue: state }));

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(`alarm state is "${state}", not ALARM`);
  });

  it("names the account when the metric names no resource", () => {
    // Arrange
    const event = unwrapSnsMessage(
      JSON.stringify({
        ...NOTIFICATION,
        Trigger: { MetricName: "RootAccountUsage", Namespace: "CloudTrailMetrics", Dimensions: [] },
      }),
    );

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources).toEqual([expect.objectContaining({ kind: "aws-account", id: "123456789012" })]);
  });

  it("rejects an instance dimension that is not an instance id", () => {
    // Arrange
    const event = unwrapSnsMessage(
      JSON.stringify({
        ...NOTIFICATION,
        Trigger: { Dimensions: [{ name: "InstanceId", value: "i-1 && reboot" }] },
      }),
    );

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.configuration.metrics[0].metricStat.metric.dimensions.InstanceId");
  });

  it("accepts AWS's own alarm state change events", () => {
    // Arrange
    const event = envelope(
      "aws.cloudwatch",
      "CloudWatch Alarm State Change",
      {
        alarmName: "ServerCpuTooHigh",
        state: { value: "ALARM", reason: "Threshold Crossed", timestamp: "2019-10-02T17:20:48.551+0000" },
        previousState: { value: "OK", timestamp: "2019-10-02T17:04:40.985+0000" },
        configuration: {
          metrics: [
            {
              id: "m1",
              metricStat: {
                metric: {
                  dimensions: { InstanceId: "i-12345678901234567" },
                  name: "CPUUtilization",
                  namespace: "AWS/EC2",
                },
                period: 300,
                stat: "Average",
              },
              returnData: true,
            },
          ],
        },
      },
      { resources: ["arn:aws:cloudwatch:eu-west-1:123456789012:alarm:ServerCpuTooHigh"] },
    );

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.id).toBe(
      "arn:aws:cloudwatch:eu-west-1:123456789012:alarm:ServerCpuTooHigh@2019-10-02T17:20:48.551+00:00",
    );
    expect(finding.resources[0]).toMatchObject({ kind: "ec2-instance", id: "i-12345678901234567" });
  });

  it("rejects a state timestamp that is not a date", () => {
    // Arrange
    const event = envelope("aws.cloudwatch", "CloudWatch Alarm State Change", {
      alarmName: "a",
      state: { value: "ALARM", timestamp: "yesterday" },
    });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.state.timestamp");
  });

  it("keeps the SNS-built event as the raw event", () => {
    // Arrange
    const event = unwrapSnsMessage(JSON.stringify(NOTIFICATION));

    // Act
    const result = normalizeEvent(event);

    // Assert
    expect(result.kind === "finding" && result.finding.raw).toBe(event);
  });
});
