/**
 * CloudWatch alarm state changes: where a malformed detail is reported, resources of different
 * kinds that share a name, an event without `resources`, and the handler's own verdict.
 */
import { describe, expect, it } from "vitest";
import { NO_TRUST } from "../../../shared/intake/account.ts";
import { normalizeAlarm } from "../../../shared/intake/alarm.ts";
import type { IntakeContext } from "../../../shared/intake/context.ts";
import { EnvelopeSchema } from "../../../shared/intake/schemas/envelope.ts";
import { IntakeWarnings } from "../../../shared/intake/warnings.ts";
import { envelope, expectFinding, expectInvalid } from "./helpers.ts";

describe("an alarm state change", () => {
  it("reports a detail without a state at detail.state", () => {
    // Arrange
    const event = envelope("aws.cloudwatch", "CloudWatch Alarm State Change", { alarmName: "cpu-high" });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.state");
    expect(err.message).toBe("detail.state: is required");
  });

  it("names two resources of different kinds that share one name", () => {
    // Arrange: a Lambda function and an S3 bucket both called "shared-name"
    const event = envelope("aws.cloudwatch", "CloudWatch Alarm State Change", {
      alarmName: "errors",
      state: { value: "ALARM" },
      configuration: {
        metrics: [
          {
            metricStat: {
              metric: { dimensions: { FunctionName: "shared-name", BucketName: "shared-name" } },
            },
          },
        ],
      },
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources).toStrictEqual([
      { kind: "lambda-function", id: "shared-name", account: "123456789012", region: "eu-west-1" },
      { kind: "s3-bucket", id: "shared-name", account: "123456789012", region: "eu-west-1" },
    ]);
  });

  it("is named by its alarm name when the envelope has no resources list and the detail no ARN", () => {
    // Arrange
    const event: Record<string, unknown> = envelope("aws.cloudwatch", "CloudWatch Alarm State Change", {
      alarmName: "cpu-high",
      state: { value: "ALARM" },
    });
    delete event.resources;

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.id).toBe("cpu-high@2024-05-01T10:00:00Z");
    expect(finding.resources).toStrictEqual([{ kind: "aws-account", id: "123456789012" }]);
  });

  it("returns a finding verdict from the handler itself", () => {
    // Arrange
    const ctx: IntakeContext = {
      envelope: EnvelopeSchema.parse(
        envelope("aws.cloudwatch", "CloudWatch Alarm State Change", {
          alarmName: "cpu-high",
          state: { value: "ALARM", reason: "Threshold crossed" },
        }),
      ),
      prefix: "",
      drill: false,
      options: { minSeverity: 0, includeFailedCalls: false, trust: NO_TRUST },
      warnings: new IntakeWarnings(),
    };

    // Act
    const result = normalizeAlarm(ctx);

    // Assert
    expect(result).toStrictEqual({
      kind: "finding",
      finding: {
        id: "cpu-high@2024-05-01T10:00:00Z",
        source: "alarm",
        type: "alarm:cpu-high",
        title: "CloudWatch alarm cpu-high is in ALARM: Threshold crossed",
        severity: 5,
        time: "2024-05-01T10:00:00Z",
        account: "123456789012",
        region: "eu-west-1",
        resources: [{ kind: "aws-account", id: "123456789012" }],
      },
    });
  });
});
