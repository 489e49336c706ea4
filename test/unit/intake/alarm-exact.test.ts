/**
 * CloudWatch alarm state changes normalised field by field: the whole finding, the resources
 * the metric dimensions name, the alarm's ARN and time, and the states that are ignored.
 */
import { describe, expect, it } from "vitest";
import type { Finding } from "../../../shared/domain/types.ts";
import { normalizeAlarmTime } from "../../../shared/intake/alarm.ts";
import { envelope, expectFinding, expectIgnored, expectInvalid } from "./helpers.ts";

const ACCOUNT = "123456789012";
const INSTANCE = "i-0123456789abcdef0";
const ALARM_ARN = `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:cpu-high`;

type Detail = Record<string, unknown> & { state: Record<string, unknown> };

const metric = (dimensions: Record<string, string>) => ({
  metricStat: { metric: { namespace: "AWS/EC2", dimensions } },
});

function alarm(edit: (d: Detail) => void = () => {}, extra: Record<string, unknown> = {}) {
  const detail: Detail = {
    alarmName: "cpu-high",
    state: { value: "ALARM", reason: "Threshold crossed", timestamp: "2024-05-01T09:59:00.000+0000" },
    previousState: { value: "OK" },
    configuration: { metrics: [metric({ InstanceId: INSTANCE })] },
  };
  edit(detail);
  return envelope("aws.cloudwatch", "CloudWatch Alarm State Change", detail, extra);
}

const where = { account: ACCOUNT, region: "eu-west-1" };

describe("an alarm state change", () => {
  it("becomes exactly this finding", () => {
    // Arrange
    const event = alarm(() => {}, { resources: [ALARM_ARN] });

    // Act
    const finding = expectFinding(event);

    // Assert
    const expected: Finding = {
      id: `${ALARM_ARN}@2024-05-01T09:59:00.000+00:00`,
      source: "alarm",
      type: "alarm:cpu-high",
      title: "CloudWatch alarm cpu-high is in ALARM: Threshold crossed",
      severity: 5,
      time: "2024-05-01T09:59:00.000+00:00",
      account: ACCOUNT,
      region: "eu-west-1",
      resources: [{ kind: "ec2-instance", id: INSTANCE, ...where }],
      drill: false,
      raw: event,
    };
    expect(finding).toStrictEqual(expected);
  });

  it("is named by its alarm name when it has no ARN", () => {
    // Act
    const finding = expectFinding(alarm());

    // Assert
    expect(finding.id).toBe("cpu-high@2024-05-01T09:59:00.000+00:00");
  });

  it("takes the alarm ARN of its detail before the envelope's", () => {
    // Act
    const finding = expectFinding(
      alarm((d) => (d.alarmArn = `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:own`), {
        resources: [ALARM_ARN],
      }),
    );

    // Assert
    expect(finding.id).toBe(
      `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:own@2024-05-01T09:59:00.000+00:00`,
    );
  });

  it.each([
    ["not an ARN", "cloudwatch:alarm:x"],
    ["an ARN of another kind", `arn:aws:sns:eu-west-1:${ACCOUNT}:topic`],
    ["an ARN with a space", `arn:aws:cloudwatch:eu-west-1:${ACCOUNT}:alarm:a b`],
  ])("does not take an envelope resource that is %s as the alarm's ARN", (_name, arn) => {
    // Act
    const finding = expectFinding(alarm(() => {}, { resources: [arn] }));

    // Assert
    expect(finding.id).toBe("cpu-high@2024-05-01T09:59:00.000+00:00");
  });

  it("takes the first envelope resource that is an alarm ARN", () => {
    // Act
    const finding = expectFinding(
      alarm(() => {}, { resources: [`arn:aws:sns:eu-west-1:${ACCOUNT}:topic`, ALARM_ARN] }),
    );

    // Assert
    expect(finding.id).toBe(`${ALARM_ARN}@2024-05-01T09:59:00.000+00:00`);
  });

  it("uses the envelope's time when the state has no timestamp", () => {
    // Act
    const finding = expectFinding(alarm((d) => delete d.state.timestamp));

    // Assert
    expect(finding.time).toBe("2024-05-01T10:00:00Z");
  });

  it("rejects a timestamp that is not a date, quoting it", () => {
    // Act
    const err = expectInvalid(alarm((d) => (d.state.timestamp = "yesterday")));

    // Assert
    expect(err.message).toBe('detail.state.timestamp: must be an ISO-8601 date-time (got "yesterday")');
  });

  it("titles an alarm without a reason by its name alone, cleaned", () => {
    // Act
    const finding = expectFinding(
      alarm((d) => {
        d.alarmName = "cpu\u0000\nhigh";
        delete d.state.reason;
      }),
    );

    // Assert
    expect(finding.title).toBe("CloudWatch alarm cpu high is in ALARM");
    expect(finding.type).toBe("alarm:cpu high");
  });

  it.each(["OK", "INSUFFICIENT_DATA", "alarm"])("ignores the state %s, saying so", (value) => {
    // Act
    const result = expectIgnored(alarm((d) => (d.state.value = value)));

    // Assert
    expect(result.reason).toBe(`alarm state is "${value}", not ALARM`);
  });
});

describe("an alarm's resources", () => {
  it("are each dimension the responder knows, once, in order", () => {
    // Act
    const finding = expectFinding(
      alarm(
        (d) =>
          (d.configuration = {
            metrics: [
              metric({
                InstanceId: INSTANCE,
                AutoScalingGroupName: "web",
                VolumeId: "vol-0123456789abcdef0",
              }),
              metric({ InstanceId: INSTANCE, BucketName: "logs" }),
              metric({ FunctionName: "fn", DBInstanceIdentifier: "db-1" }),
              {},
            ],
          }),
      ),
    );

    // Assert
    expect(finding.resources).toStrictEqual([
      { kind: "ec2-instance", id: INSTANCE, ...where },
      { kind: "ec2-volume", id: "vol-0123456789abcdef0", ...where },
      { kind: "s3-bucket", id: "logs", ...where },
      { kind: "lambda-function", id: "fn", ...where },
      { kind: "rds-instance", id: "db-1", ...where },
    ]);
  });

  it("keep two different ids of one kind", () => {
    // Act
    const finding = expectFinding(
      alarm(
        (d) =>
          (d.configuration = {
            metrics: [metric({ InstanceId: INSTANCE }), metric({ InstanceId: "i-0123456789abcdef1" })],
          }),
      ),
    );

    // Assert
    expect(finding.resources.map((r) => r.id)).toStrictEqual([INSTANCE, "i-0123456789abcdef1"]);
  });

  it.each([
    ["no configuration", (d: Detail) => delete d.configuration],
    ["no metrics", (d: Detail) => (d.configuration = {})],
    ["only unknown dimensions", (d: Detail) => (d.configuration = { metrics: [metric({ QueueName: "q" })] })],
  ])("are the account when the alarm has %s", (_name, edit) => {
    // Act
    const finding = expectFinding(alarm(edit));

    // Assert
    expect(finding.resources).toStrictEqual([{ kind: "aws-account", id: ACCOUNT }]);
  });

  it("reject a dimension value that is not an id, at its path", () => {
    // Act
    const err = expectInvalid(
      alarm((d) => (d.configuration = { metrics: [metric({}), metric({ VolumeId: "vol-x" })] })),
    );

    // Assert
    expect(err.message).toBe(
      'detail.configuration.metrics[1].metricStat.metric.dimensions.VolumeId: must be an EBS volume id (vol-…) (got "vol-x")',
    );
  });
});

describe("normalizeAlarmTime", () => {
  it.each([
    ["2019-10-02T17:20:48.551+0000", "2019-10-02T17:20:48.551+00:00"],
    ["2019-10-02T17:20:48.551-0530", "2019-10-02T17:20:48.551-05:30"],
    ["2019-10-02T17:20:48.551Z", "2019-10-02T17:20:48.551Z"],
    ["2019-10-02T17:20:48+02:00", "2019-10-02T17:20:48+02:00"],
    ["+0000 2019", "+0000 2019"],
  ])("writes %s as %s", (value, expected) => {
    // Act + Assert
    expect(normalizeAlarmTime(value)).toBe(expected);
  });
});
