/**
 * Bare records recognised exactly (each clue of each kind, and what an envelope key overrides),
 * named with their whole message, and wrapped as EventBridge would wrap them, field by field;
 * SNS Lambda records read and refused.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import {
  type BareKind,
  bareRecordKind,
  describeBareRecord,
  ENVELOPE_EXPECTED,
  wrapBareRecord,
} from "../../../shared/intake/bare.ts";
import { snsRecords, topicRegion } from "../../../shared/intake/sns-records.ts";

const ACCOUNT = "123456789012";

const CT = { eventSource: "cloudtrail.amazonaws.com", eventName: "StopLogging" };
const GD = {
  schemaVersion: "2.0",
  type: "Recon:EC2/PortProbeUnprotectedPort",
  severity: 2,
  accountId: ACCOUNT,
};
const ASFF = {
  SchemaVersion: "2018-10-08",
  ProductArn: "arn:aws:securityhub:eu-west-1::product/aws/guardduty",
  AwsAccountId: ACCOUNT,
};

function uuidFrom(text: string): string {
  const h = createHash("sha256").update(text).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

describe("bareRecordKind", () => {
  it.each([
    ["a CloudTrail record", CT, "cloudtrail-record"],
    ["a GuardDuty finding with an account id", GD, "guardduty-finding"],
    [
      "a GuardDuty finding with an ARN only",
      { ...GD, accountId: undefined, arn: "arn:x" },
      "guardduty-finding",
    ],
    ["an ASFF finding", ASFF, "asff-finding"],
    ["a CloudTrail log file", { Records: [{}, CT] }, "cloudtrail-log"],
    ["Security Hub GetFindings output", { Findings: [{}, ASFF] }, "securityhub-getfindings"],
    [
      "GuardDuty GetFindings output",
      { Findings: [null, { SchemaVersion: "2.0", Type: "x" }] },
      "guardduty-getfindings",
    ],
    [
      "a Config rule invocation with a rule name",
      { invokingEvent: "{}", configRuleName: "r" },
      "config-rule-invocation",
    ],
    [
      "a Config rule invocation with parameters",
      { invokingEvent: "{}", ruleParameters: "{}" },
      "config-rule-invocation",
    ],
  ])("recognises %s", (_name, value, kind) => {
    // Act + Assert
    expect(bareRecordKind(value)).toBe(kind);
  });

  it.each([
    ["a CloudTrail record without an event name", { eventSource: "s" }],
    ["a CloudTrail record whose source is not text", { eventSource: 1, eventName: "n" }],
    ["a CloudTrail record whose name is not text", { eventSource: "s", eventName: 1 }],
    ["a GuardDuty finding without a schema version", { ...GD, schemaVersion: undefined }],
    ["a GuardDuty finding whose schema version is not text", { ...GD, schemaVersion: 2 }],
    ["a GuardDuty finding whose type is not text", { ...GD, type: 1 }],
    ["a GuardDuty finding without severity", { schemaVersion: "2.0", type: "t", accountId: ACCOUNT }],
    ["a GuardDuty finding without account id or ARN", { schemaVersion: "2.0", type: "t", severity: 2 }],
    ["an ASFF finding without a schema version", { ProductArn: "a", AwsAccountId: ACCOUNT }],
    ["an ASFF finding without a product ARN", { SchemaVersion: "s", AwsAccountId: ACCOUNT }],
    ["an ASFF finding without an account", { SchemaVersion: "s", ProductArn: "a" }],
    ["a log file without CloudTrail records", { Records: [{}, 1] }],
    ["a log file whose records are not a list", { Records: CT }],
    ["GetFindings output of neither kind", { Findings: [{ SchemaVersion: "2.0" }, { Type: "x" }] }],
    ["findings that are not a list", { Findings: ASFF }],
    ["a Config invocation whose event is not text", { invokingEvent: {}, configRuleName: "r" }],
    ["a Config invocation without rule name or parameters", { invokingEvent: "{}" }],
    ["null", null],
    ["a list", [CT]],
    ["an empty object", {}],
  ])("does not take %s for a bare record", (_name, value) => {
    // Act + Assert
    expect(bareRecordKind(value)).toBeUndefined();
  });

  it.each(["source", "detail-type", "detail"])(
    "does not take a record with an envelope's %s for a bare one",
    (key) => {
      // Act + Assert
      expect(bareRecordKind({ ...CT, [key]: undefined })).toBeUndefined();
    },
  );
});

describe("describeBareRecord", () => {
  it.each([
    ["cloudtrail-record", "a bare CloudTrail record (as in a CloudTrail log file)"],
    ["cloudtrail-log", "a CloudTrail log file (Records of bare CloudTrail records)"],
    ["guardduty-finding", "a bare GuardDuty finding (as the console or GetFindings shows it)"],
    ["asff-finding", "a bare Security Hub (ASFF) finding"],
    ["securityhub-getfindings", "Security Hub GetFindings output (a Findings list)"],
    ["guardduty-getfindings", "GuardDuty GetFindings output (a Findings list)"],
    ["config-rule-invocation", "an AWS Config rule invocation (the payload Config sends to a rule's Lambda)"],
  ] as [BareKind, string][])("names %s and the envelope expected", (kind, what) => {
    // Act
    const message = describeBareRecord(kind);

    // Assert
    expect(message).toBe(
      `this is ${what}, not an EventBridge event; an EventBridge event is expected: the envelope {"version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"} with the record as its detail`,
    );
    expect(message.endsWith(ENVELOPE_EXPECTED)).toBe(true);
  });
});

describe("wrapBareRecord", () => {
  it("wraps a CloudTrail record exactly as EventBridge would", () => {
    // Arrange
    const record = {
      ...CT,
      eventID: "6f1f0f4e-aaaa",
      recipientAccountId: ACCOUNT,
      awsRegion: "eu-west-1",
      eventTime: "2024-05-01T10:00:00.987Z",
    };

    // Act
    const wrapped = wrapBareRecord(record);

    // Assert
    expect(wrapped).toStrictEqual({
      kind: "cloudtrail-record",
      event: {
        version: "0",
        id: "6f1f0f4e-aaaa",
        "detail-type": "AWS API Call via CloudTrail",
        source: "aws.cloudtrail",
        account: ACCOUNT,
        time: "2024-05-01T10:00:00Z",
        region: "eu-west-1",
        resources: [],
        detail: record,
      },
      note: `received a bare CloudTrail record (as in a CloudTrail log file): wrapped in the EventBridge envelope AWS would give it (source aws.cloudtrail, account ${ACCOUNT} from recipientAccountId, as the record claims)`,
    });
  });

  it("wraps a console sign-in as one, with an id derived from the record when its own is not an event id", () => {
    // Arrange
    const record = {
      eventSource: "signin.amazonaws.com",
      eventName: "ConsoleLogin",
      eventType: "AwsConsoleSignIn",
      eventID: "not an id",
      recipientAccountId: ACCOUNT,
      awsRegion: "us-east-1",
      eventTime: "2024-05-01T12:00:00+02:00",
    };

    // Act
    const wrapped = wrapBareRecord(record) as { event: Record<string, unknown> };

    // Assert
    expect(wrapped.event["detail-type"]).toBe("AWS Console Sign In via CloudTrail");
    expect(wrapped.event.source).toBe("aws.signin");
    expect(wrapped.event.id).toBe(uuidFrom(JSON.stringify(record)));
    expect(wrapped.event.time).toBe("2024-05-01T10:00:00Z");
  });

  it("wraps a GuardDuty finding exactly, with its updatedAt when readable", () => {
    // Arrange
    const record = {
      ...GD,
      region: "eu-west-1",
      updatedAt: "2024-05-01T10:00:00.5Z",
      createdAt: "2024-04-01T00:00:00Z",
    };

    // Act
    const wrapped = wrapBareRecord(record);

    // Assert
    expect(wrapped).toStrictEqual({
      kind: "guardduty-finding",
      event: {
        version: "0",
        id: uuidFrom(JSON.stringify(record)),
        "detail-type": "GuardDuty Finding",
        source: "aws.guardduty",
        account: ACCOUNT,
        time: "2024-05-01T10:00:00Z",
        region: "eu-west-1",
        resources: [],
        detail: record,
      },
      note: `received a bare GuardDuty finding (as the console or GetFindings shows it): wrapped in the EventBridge envelope AWS would give it (source aws.guardduty, account ${ACCOUNT} from accountId, as the record claims)`,
    });
  });

  it.each([
    ["an unreadable updatedAt", "soon", "2024-04-01T00:00:00Z", "2024-04-01T00:00:00Z"],
    ["a SIEM's spaced time", "2025-02-25 20:40:06.721", "x", "2025-02-25T20:40:06Z"],
    ["a spaced time without fraction", "2025-02-25 20:40:06", "x", "2025-02-25T20:40:06Z"],
    ["a spaced time with nanoseconds", "2025-02-25 20:40:06.123456789", "x", "2025-02-25T20:40:06Z"],
  ])("reads the time of a GuardDuty finding with %s", (_name, updatedAt, createdAt, time) => {
    // Act
    const wrapped = wrapBareRecord({ ...GD, region: "eu-west-1", updatedAt, createdAt }) as {
      event: Record<string, unknown>;
    };

    // Assert
    expect(wrapped.event.time).toBe(time);
  });

  it.each([
    ["ten fraction digits", "2025-02-25 20:40:06.1234567890"],
    ["a spaced date alone", "2025-02-25 20:40"],
    ["text before a spaced time", "x2025-02-25 20:40:06"],
    ["text after a spaced time", "2025-02-25 20:40:06 UTC"],
    ["a time that is not text", 1714557600],
  ])("refuses a GuardDuty time with %s", (_name, updatedAt) => {
    // Act
    const wrapped = wrapBareRecord({ ...GD, region: "eu-west-1", updatedAt });

    // Assert
    expect(wrapped).toStrictEqual({
      kind: "guardduty-finding",
      error: `${describeBareRecord("guardduty-finding")}. It cannot be wrapped in one: it lacks a valid updatedAt (an ISO-8601 time)`,
    });
  });

  it("wraps an ASFF finding exactly, with its region, UpdatedAt and Id", () => {
    // Arrange
    const record = { ...ASFF, Id: "finding-1", Region: "eu-central-1", UpdatedAt: "2024-05-01T10:00:00Z" };

    // Act
    const wrapped = wrapBareRecord(record);

    // Assert
    expect(wrapped).toStrictEqual({
      kind: "asff-finding",
      event: {
        version: "0",
        id: uuidFrom(JSON.stringify(record)),
        "detail-type": "Security Hub Findings - Imported",
        source: "aws.securityhub",
        account: ACCOUNT,
        time: "2024-05-01T10:00:00Z",
        region: "eu-central-1",
        resources: ["finding-1"],
        detail: { findings: [record] },
      },
      note: `received a bare Security Hub (ASFF) finding: wrapped in the EventBridge envelope AWS would give it (source aws.securityhub, account ${ACCOUNT} from AwsAccountId, as the record claims)`,
    });
  });

  it("takes an ASFF finding's region from its product ARN and its resource from ProductFields", () => {
    // Arrange
    const record = {
      ...ASFF,
      Id: "finding-1",
      Region: "",
      ProductFields: { "aws/securityhub/FindingId": "arn:finding-2" },
      UpdatedAt: "2024-05-01T10:00:00Z",
    };

    // Act
    const wrapped = wrapBareRecord(record) as { event: Record<string, unknown> };

    // Assert
    expect(wrapped.event.region).toBe("eu-west-1");
    expect(wrapped.event.resources).toStrictEqual(["arn:finding-2"]);
  });

  it("names no resource for an ASFF finding without an id", () => {
    // Arrange
    const record = { ...ASFF, Id: "", ProductFields: "x", UpdatedAt: "2024-05-01T10:00:00Z" };

    // Act
    const wrapped = wrapBareRecord(record) as { event: Record<string, unknown> };

    // Assert
    expect(wrapped.event.resources).toStrictEqual([]);
  });

  it("says everything a record lacks to be wrapped", () => {
    // Act
    const wrapped = wrapBareRecord({ ...CT, recipientAccountId: "1234", awsRegion: "EU", eventTime: "" });

    // Assert
    expect(wrapped).toStrictEqual({
      kind: "cloudtrail-record",
      error: `${describeBareRecord("cloudtrail-record")}. It cannot be wrapped in one: it lacks a valid recipientAccountId (a 12-digit account id), awsRegion (a region), eventTime (an ISO-8601 time)`,
    });
  });

  it("says an ASFF finding lacks a region in Region or ProductArn", () => {
    // Act
    const wrapped = wrapBareRecord({ ...ASFF, ProductArn: "x", UpdatedAt: "2024-05-01T10:00:00Z" });

    // Assert
    expect(wrapped).toStrictEqual({
      kind: "asff-finding",
      error: `${describeBareRecord("asff-finding")}. It cannot be wrapped in one: it lacks a valid Region or ProductArn (a region)`,
    });
  });

  it.each([
    ["cloudtrail-log", { Records: [CT] }],
    ["securityhub-getfindings", { Findings: [ASFF] }],
    ["config-rule-invocation", { invokingEvent: "{}", configRuleName: "r" }],
  ] as [BareKind, unknown][])("names a %s without wrapping it", (kind, value) => {
    // Act + Assert
    expect(wrapBareRecord(value)).toStrictEqual({ kind, error: describeBareRecord(kind) });
  });
});

describe("snsRecords", () => {
  it("reads the SNS records of a Lambda event", () => {
    // Arrange
    const record = { EventSource: "aws:sns", Sns: { Message: "{}", MessageId: "m-1" } };

    // Act + Assert
    expect(snsRecords({ Records: [record] })).toStrictEqual([record]);
  });

  it.each([
    [
      "a record from another service",
      { Records: [{ EventSource: "aws:sqs", Sns: { Message: "{}" } }] },
      'Records[0].EventSource: must be "aws:sns" (got "aws:sqs")',
    ],
    ["no records", { Records: [] }, "Records: must hold at least one SNS record (got an empty array)"],
  ])("refuses %s", (_name, event, message) => {
    // Act
    const err = (() => {
      try {
        snsRecords(event);
      } catch (e) {
        return e as InvalidEventError;
      }
    })();

    // Assert
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err?.message).toBe(message);
  });
});

describe("topicRegion", () => {
  it.each([
    ["arn:aws:sns:eu-west-1:123456789012:alarms", "eu-west-1"],
    ["arn:aws:sns::123456789012:alarms", undefined],
    ["arn:aws:sns", undefined],
    [undefined, undefined],
  ])("reads the region of %s as %s", (arn, region) => {
    // Act + Assert
    expect(topicRegion(arn)).toBe(region);
  });
});
