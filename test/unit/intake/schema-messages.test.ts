/**
 * What each schema says when a field does not fit: its own wording and the value it got, so a
 * person reading the rejection knows which rule the event broke.
 */
import { describe, expect, it } from "vitest";
import type * as z from "zod";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { AlarmDetailSchema, AlarmNotificationSchema } from "../../../shared/intake/schemas/alarm.ts";
import { CloudTrailDetailSchema } from "../../../shared/intake/schemas/cloudtrail.ts";
import {
  AccountIdSchema,
  ArnSchema,
  EventIdSchema,
  GenericIdSchema,
  InstanceIdSchema,
  IsoTimeSchema,
  JsonObjectSchema,
  LooseBooleanSchema,
  PartitionSchema,
  RegionSchema,
  SeveritySchema,
} from "../../../shared/intake/schemas/common.ts";
import { ConfigComplianceDetailSchema } from "../../../shared/intake/schemas/config.ts";
import { DrillDetailSchema } from "../../../shared/intake/schemas/drill.ts";
import { EnvelopeSchema, RoutingSchema } from "../../../shared/intake/schemas/envelope.ts";
import { GuardDutyDetailSchema, S3BucketDetailsSchema } from "../../../shared/intake/schemas/guardduty.ts";
import {
  ASFF_LABEL_SEVERITY,
  AsffFindingSchema,
  AsffResourceSchema,
  SecurityHubDetailSchema,
} from "../../../shared/intake/schemas/securityhub.ts";
import { describeValue } from "../../../shared/intake/text.ts";
import { parseOrThrow } from "../../../shared/intake/validate.ts";
import { envelope } from "./helpers.ts";

const x = (n: number) => "x".repeat(n);

/** The message parseOrThrow gives for `value`, with no path prefix. */
function messageFor(schema: z.ZodType, value: unknown): string {
  try {
    parseOrThrow(schema, value, "");
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidEventError);
    return (err as InvalidEventError).message;
  }
  throw new Error("expected the value to be refused");
}

const got = (value: unknown) => `(got ${describeValue(value)})`;

const GD = GuardDutyDetailSchema.shape;
const CT = CloudTrailDetailSchema.shape;
const CFG = ConfigComplianceDetailSchema.shape;
const ASFF = AsffFindingSchema.shape;
const RES = AsffResourceSchema.shape;

const CASES: [string, z.ZodType, unknown, string][] = [
  ["an instance id", InstanceIdSchema, "i-1", "must be an EC2 instance id (i- and 8 or 17 hex digits)"],
  [
    "a too long instance id",
    InstanceIdSchema,
    x(2049),
    "must be an EC2 instance id (i- and 8 or 17 hex digits)",
  ],
  ["an account id", AccountIdSchema, "1", "must be a 12-digit AWS account id"],
  ["a too long account id", AccountIdSchema, x(2049), "must be a 12-digit AWS account id"],
  ["a region", RegionSchema, "X", "must be an AWS region code such as us-east-1"],
  ["a too long region", RegionSchema, x(65), "must be an AWS region code such as us-east-1"],
  ["a partition", PartitionSchema, "X", "must be an AWS partition such as aws"],
  ["a too long partition", PartitionSchema, x(33), "must be an AWS partition such as aws"],
  ["an event id", EventIdSchema, "-", "must be an event id (letters, digits, dashes)"],
  ["a too long event id", EventIdSchema, x(129), "must be an event id (letters, digits, dashes)"],
  ["an ARN", ArnSchema, "arn", "must be an ARN"],
  ["a too long ARN", ArnSchema, `arn:${x(2045)}`, "must be an ARN"],
  ["a generic id", GenericIdSchema, " ", "must be an identifier of printable characters"],
  ["a too long generic id", GenericIdSchema, x(1025), "must be an identifier of printable characters"],
  ["a time without T", IsoTimeSchema, "2024-05-01 10:00:00", "must be an ISO-8601 date-time"],
  ["a negative severity", SeveritySchema, -1, "must be a severity between 0 and 10"],
  ["a severity over 10", SeveritySchema, 10.5, "must be a severity between 0 and 10"],
  [
    "a drill scenario",
    DrillDetailSchema.shape.scenario,
    "-a",
    "must be a scenario name (letters, digits, . _ : / -)",
  ],
  ["a too long drill scenario", DrillDetailSchema.shape.scenario, x(129), "must be a scenario name"],
  ["a GuardDuty finding id", GD.id, "a.b", "must be a GuardDuty finding id"],
  [
    "a GuardDuty type",
    GD.type,
    "bad",
    "must be a GuardDuty finding type (ThreatPurpose:ResourceType/ThreatFamily.Variant!Artifact)",
  ],
  ["a too long GuardDuty type", GD.type, x(331), "must be a GuardDuty finding type"],
  [
    "a GuardDuty resource type",
    GD.resource.unwrap().shape.resourceType,
    "a b",
    "must be a GuardDuty resource type",
  ],
  ["an empty bucket list", S3BucketDetailsSchema, [], "must list at least one bucket"],
  ["an API action name", CT.eventName, "a b", "must be an API action name"],
  ["a service endpoint", CT.eventSource, "EC2", "must be a service endpoint such as ec2.amazonaws.com"],
  [
    "a too long service endpoint",
    CT.eventSource,
    x(129),
    "must be a service endpoint such as ec2.amazonaws.com",
  ],
  ["an empty Config resource id", CFG.resourceId, "", "must be a resource id"],
  ["a too long Config resource id", CFG.resourceId, x(769), "must be a resource id"],
  [
    "a Config resource type",
    CFG.resourceType,
    "x",
    "must be a Config resource type such as AWS::EC2::Instance",
  ],
  ["a Config rule name", CFG.configRuleName, "a b", "must be a Config rule name"],
  ["an empty alarm name", AlarmDetailSchema.shape.alarmName, "", "must be an alarm name"],
  ["a too long alarm name", AlarmDetailSchema.shape.alarmName, x(256), "must be an alarm name"],
  ["an empty SNS alarm name", AlarmNotificationSchema.shape.AlarmName, "", "must be an alarm name"],
  ["a too long SNS alarm name", AlarmNotificationSchema.shape.AlarmName, x(256), "must be an alarm name"],
  ["an ASFF resource type", RES.Type, "a b", "must be an ASFF resource type"],
  ["an empty ASFF resource id", RES.Id, "", "must be a resource id"],
  ["a too long ASFF resource id", RES.Id, x(2049), "must be a resource id"],
  ["an empty ASFF finding id", ASFF.Id, "", "must be a finding id"],
  ["a too long ASFF finding id", ASFF.Id, x(513), "must be a finding id"],
  ["an empty ASFF resource list", ASFF.Resources, [], "must list at least one resource"],
  [
    "an empty list of findings",
    SecurityHubDetailSchema.shape.findings,
    [],
    "must contain at least one finding",
  ],
];

describe("schema messages", () => {
  it.each(CASES)("tell what %s must be, and what they got", (_name, schema, value, wording) => {
    // Act
    const message = messageFor(schema, value);

    // Assert
    expect(message).toBe(`${wording} ${got(value)}`);
  });

  it("call a JSON object an object", () => {
    // Act + Assert
    expect(messageFor(JsonObjectSchema, [])).toBe("must be object, got array");
  });
});

describe("the envelope", () => {
  it.each([
    ["source", ""],
    ["detail-type", ""],
  ])("refuses an empty %s", (field, value) => {
    // Arrange
    const event = { ...envelope("aws.guardduty", "GuardDuty Finding", {}), [field]: value };

    // Act
    const message = messageFor(EnvelopeSchema, event);

    // Assert
    expect(message).toBe(`${field}: must be a non-empty string (got "")`);
  });

  it.each(["source", "detail-type"])("refuses a %s over 256 characters", (field) => {
    // Arrange
    const event = { ...envelope("aws.guardduty", "GuardDuty Finding", {}), [field]: x(257) };

    // Act
    const message = messageFor(RoutingSchema, event);

    // Assert
    expect(message).toBe(`${field}: is too long ${got(x(257))}`);
  });

  it("accepts a source and detail-type of one and of 256 characters", () => {
    // Arrange
    const short = envelope("a", "b", {});
    const long = envelope(x(256), x(256), {});

    // Act + Assert
    expect(EnvelopeSchema.safeParse(short).success).toBe(true);
    expect(EnvelopeSchema.safeParse(long).success).toBe(true);
  });
});

describe("common values", () => {
  it.each(["2024-05-01T10:00:00Z", "2024-05-01T10:00:00+02:00", "2024-05-01T10:00:00.123-05:30"])(
    "accepts the time %s",
    (time) => {
      // Act + Assert
      expect(IsoTimeSchema.safeParse(time).success).toBe(true);
    },
  );

  it.each([0, 10, 5.5])("accepts the severity %s", (severity) => {
    // Act + Assert
    expect(SeveritySchema.parse(severity)).toBe(severity);
  });

  it.each([
    [true, true],
    [false, false],
    ["true", true],
    ["false", false],
    ["True", true],
    ["False", false],
  ])("reads %j as the boolean %s", (value, expected) => {
    // Act + Assert
    expect(LooseBooleanSchema.parse(value)).toBe(expected);
  });

  it.each(["TRUE", "yes", "1", ""])("refuses %j as a boolean", (value) => {
    // Act + Assert
    expect(LooseBooleanSchema.safeParse(value).success).toBe(false);
  });
});

describe("Security Hub severity", () => {
  it("gives each label its 0–10 severity", () => {
    // Assert
    expect(ASFF_LABEL_SEVERITY).toStrictEqual({
      CRITICAL: 9,
      HIGH: 7.5,
      MEDIUM: 5,
      LOW: 2,
      INFORMATIONAL: 0,
    });
  });

  it.each(["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"])("accepts the label %s", (label) => {
    // Act + Assert
    expect(ASFF.Severity.parse({ Label: label })).toStrictEqual({ Label: label });
  });

  it.each(["SEVERE", "high", ""])("refuses the label %j", (label) => {
    // Act + Assert
    expect(ASFF.Severity.safeParse({ Label: label }).success).toBe(false);
  });
});
