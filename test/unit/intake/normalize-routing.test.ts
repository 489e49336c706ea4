/**
 * The intake entry point's own decisions: which handler an event reaches, what an unhandled
 * event is told, which account a body may name, the options, and what the router adds to the
 * finding (drill flag, scenario, warnings, raw).
 */
import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { bareRecordKind, describeBareRecord } from "../../../shared/intake/bare.ts";
import { DRILL_DETAIL_TYPE, DRILL_SOURCE, normalizeEvent, wrapDrill } from "../../../shared/intake/index.ts";
import {
  clone,
  cloudTrailCall,
  envelope,
  expectFinding,
  expectIgnored,
  expectInvalid,
  fixture,
} from "./helpers.ts";

const ENVELOPE_ACCOUNT = "123456789012";
const OTHER = "333333333333";

const ALARM_DETAIL = { alarmName: "cpu-high", state: { value: "ALARM" } };

function guardDuty(): Record<string, unknown> & { detail: Record<string, unknown> } {
  const event = clone(fixture("guardduty/Backdoor_EC2_C_CActivity.B_DNS.json")) as {
    account: string;
    detail: { accountId: string; service: { additionalInfo: Record<string, unknown> } };
  };
  delete event.detail.service.additionalInfo.sample;
  event.account = event.detail.accountId;
  return event as unknown as Record<string, unknown> & { detail: Record<string, unknown> };
}

describe("routing", () => {
  it.each([
    [
      "aws.guardduty",
      "GuardDuty Runtime Protection Health",
      'detail-type "GuardDuty Runtime Protection Health" of "aws.guardduty" is not handled (only "GuardDuty Finding")',
    ],
    [
      "aws.config",
      "Config Configuration Item Change",
      'detail-type "Config Configuration Item Change" of "aws.config" is not handled (only "Config Rules Compliance Change")',
    ],
    [
      "aws.config",
      "GuardDuty Finding",
      'detail-type "GuardDuty Finding" of "aws.config" is not handled (only "Config Rules Compliance Change")',
    ],
    [
      "aws.securityhub",
      "Security Hub Insight Results",
      'detail-type "Security Hub Insight Results" of "aws.securityhub" is not handled (only "Security Hub Findings - Imported", "Security Hub Findings - Custom Action")',
    ],
    [
      "aws.cloudwatch",
      "CloudWatch Alarm Configuration Change",
      'detail-type "CloudWatch Alarm Configuration Change" of "aws.cloudwatch" is not handled (only "CloudWatch Alarm State Change")',
    ],
    [
      "incident-responder.alarm",
      "Alarm",
      'detail-type "Alarm" of "incident-responder.alarm" is not handled (only "CloudWatch Alarm State Change")',
    ],
    [
      "com.example",
      "AWS API Call via CloudTrail",
      'no intake for source "com.example" with detail-type "AWS API Call via CloudTrail"',
    ],
    [
      "com.example",
      "GuardDuty Finding",
      'no intake for source "com.example" with detail-type "GuardDuty Finding"',
    ],
    [
      "com.example",
      "Config Rules Compliance Change",
      'no intake for source "com.example" with detail-type "Config Rules Compliance Change"',
    ],
    [
      "com.example",
      "Security Hub Findings - Imported",
      'no intake for source "com.example" with detail-type "Security Hub Findings - Imported"',
    ],
    [
      "com.example",
      "CloudWatch Alarm State Change",
      'no intake for source "com.example" with detail-type "CloudWatch Alarm State Change"',
    ],
    [
      "aws.ec2",
      "EC2 Instance State-change Notification",
      'no intake for source "aws.ec2" with detail-type "EC2 Instance State-change Notification"',
    ],
    [
      "xaws.ec2",
      "AWS API Call via CloudTrail",
      'no intake for source "xaws.ec2" with detail-type "AWS API Call via CloudTrail"',
    ],
  ])("ignores %s with detail-type %s, saying why", (source, detailType, reason) => {
    // Arrange: an empty detail, which any handler would refuse.
    const event = envelope(source, detailType, {});

    // Act
    const result = normalizeEvent(event);

    // Assert
    expect(result).toStrictEqual({ kind: "ignored", reason, source, detailType });
  });

  it.each(["aws.cloudwatch", "incident-responder.alarm"])(
    "hands an alarm state change from %s to the alarm handler",
    (source) => {
      // Arrange
      const event = envelope(source, "CloudWatch Alarm State Change", ALARM_DETAIL);

      // Act
      const finding = expectFinding(event);

      // Assert
      expect(finding.type).toBe("alarm:cpu-high");
    },
  );

  it("hands a CloudTrail record from any aws.* source to the CloudTrail handler", () => {
    // Arrange
    const event = {
      ...cloudTrailCall("cloudtrail.amazonaws.com", "StopLogging", { name: "main" }),
      source: "aws.s3",
    };

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.type).toBe("cloudtrail:StopLogging");
  });

  it("echoes the source and detail-type of an ignored event cleaned of control characters", () => {
    // Arrange
    const event = envelope("com.\u0000example\u202e", "Order\nPlaced", {});

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result).toStrictEqual({
      kind: "ignored",
      reason: 'no intake for source "com.example" with detail-type "Order Placed"',
      source: "com.example",
      detailType: "Order Placed",
    });
  });

  it("says what an ignored finding's source and detail-type were", () => {
    // Arrange
    const event = fixture("cloudtrail/StopLogging.json");

    // Act
    const result = expectIgnored(event, { minSeverity: 9 });

    // Assert
    expect(result).toStrictEqual({
      kind: "ignored",
      reason: "severity 8 is below the minimum 9",
      source: "aws.cloudtrail",
      detailType: "AWS API Call via CloudTrail",
    });
  });

  it("says what a handler's ignored event was", () => {
    // Arrange
    const event = envelope("aws.cloudwatch", "CloudWatch Alarm State Change", {
      alarmName: "cpu-high",
      state: { value: "OK" },
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result).toStrictEqual({
      kind: "ignored",
      reason: 'alarm state is "OK", not ALARM',
      source: "aws.cloudwatch",
      detailType: "CloudWatch Alarm State Change",
    });
  });
});

describe("rejections before routing", () => {
  it.each([
    ["null", null, "must be an EventBridge event object, got null"],
    ["an array", [], "must be an EventBridge event object, got an array"],
    ["a string", "{}", "must be an EventBridge event object, got string"],
  ])("rejects %s with the whole message", (_name, value, message) => {
    // Act
    const err = expectInvalid(value);

    // Assert
    expect(err.message).toBe(message);
    expect(err.path).toBe("");
  });

  it("says a JSON-encoded detail string is not accepted", () => {
    // Arrange
    const event = { ...envelope("aws.guardduty", "GuardDuty Finding", {}), detail: '{"id":"x"}' };

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail");
    expect(err.message).toBe(
      "detail: must be object, got string; a JSON-encoded detail string is not accepted",
    );
  });

  it("says the same of a drill's detail string", () => {
    // Arrange
    const event = { source: DRILL_SOURCE, "detail-type": DRILL_DETAIL_TYPE, detail: "{}" };

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toBe(
      "detail: must be object, got string; a JSON-encoded detail string is not accepted",
    );
  });

  it("gives no such hint for a detail of another type", () => {
    // Arrange
    const event = { ...envelope("aws.guardduty", "GuardDuty Finding", {}), detail: 3 };

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toBe("detail: must be object, got number");
  });

  it("gives no such hint for another field, even when the detail is a string", () => {
    // Arrange
    const { source: _source, ...event } = {
      ...envelope("aws.guardduty", "GuardDuty Finding", {}),
      detail: "{}",
    };

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toBe("source: is required");
  });

  it("names a bare record wrapped in a drill at the drill's event", () => {
    // Arrange
    const record = cloudTrailCall("cloudtrail.amazonaws.com", "StopLogging", { name: "main" }).detail;
    const event = wrapDrill(record, "bare");
    const kind = bareRecordKind(record);

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(kind).toBeDefined();
    expect(err.path).toBe("detail.event");
    expect(err.message).toBe(`detail.event: ${describeBareRecord(kind!)}`);
  });

  it("names a bare record at the top with no path", () => {
    // Arrange
    const record = cloudTrailCall("cloudtrail.amazonaws.com", "StopLogging", { name: "main" }).detail;

    // Act
    const err = expectInvalid(record);

    // Assert
    expect(err.path).toBe("");
    expect(err.message).toBe(describeBareRecord(bareRecordKind(record)!));
  });

  it("refuses a drill inside a drill with its message", () => {
    // Arrange
    const event = wrapDrill(wrapDrill(fixture("cloudtrail/StopLogging.json"), "inner"), "outer");

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toBe("detail.event.source: drills cannot be nested");
  });

  it("wraps an unexpected exception as an internal error, with the exception as its cause", () => {
    // Arrange
    const boom = new TypeError("boom");
    const event = fixture("cloudtrail/StopLogging.json");
    Object.defineProperty(event, "detail", {
      enumerable: true,
      get() {
        throw boom;
      },
    });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toBe("internal error while reading the event: TypeError: boom");
    expect(err.path).toBe("");
    expect(err.cause).toBe(boom);
  });

  it("passes an InvalidEventError through as it is", () => {
    // Arrange
    const event = envelope("aws.guardduty", "GuardDuty Finding", {}, { account: "1" });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.message).toBe('account: must be a 12-digit AWS account id (got "1")');
  });
});

describe("the account a body names", () => {
  const NOT_ADMIN = (path: string, envelopeAccount = ENVELOPE_ACCOUNT) =>
    `${path}: names account ${OTHER}, but the event came from account ${envelopeAccount}, which is not a configured delegated administrator (DELEGATED_ADMIN_ACCOUNTS): a finding may only make the responder act in the account that sent it`;

  it("is claimed at detail.accountId by GuardDuty", () => {
    // Arrange
    const event = guardDuty();
    event.account = ENVELOPE_ACCOUNT;
    event.detail.accountId = OTHER;

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toBe(NOT_ADMIN("detail.accountId"));
  });

  it("is claimed at detail.recipientAccountId by CloudTrail", () => {
    // Arrange
    const event = cloudTrailCall(
      "cloudtrail.amazonaws.com",
      "StopLogging",
      { name: "main" },
      { recipientAccountId: OTHER },
    );

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toBe(NOT_ADMIN("detail.recipientAccountId"));
  });

  it("is claimed at detail.awsAccountId by Config", () => {
    // Arrange
    const event = clone(fixture("config/volumes-prod-tags_EC2Volume_NON_COMPLIANT.json")) as {
      account: string;
      detail: Record<string, unknown>;
    };
    event.account = ENVELOPE_ACCOUNT;
    event.detail.awsAccountId = OTHER;

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toBe(NOT_ADMIN("detail.awsAccountId"));
  });

  it("is claimed at detail.findings.AwsAccountId by Security Hub", () => {
    // Arrange
    const event = clone(
      fixture("securityhub/GuardDuty_UnauthorizedAccess_EC2_SSHBruteForce_Imported.json"),
    ) as {
      account: string;
      detail: { findings: Record<string, unknown>[] };
    };
    event.account = ENVELOPE_ACCOUNT;
    for (const f of event.detail.findings) f.AwsAccountId = OTHER;

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toBe(NOT_ADMIN("detail.findings.AwsAccountId"));
  });

  it("is the envelope's own account for an alarm, refused when another account delivered it", () => {
    // Arrange
    const event = envelope("incident-responder.alarm", "CloudWatch Alarm State Change", ALARM_DETAIL, {
      account: OTHER,
    });

    // Act
    const err = expectInvalid(event, { envelopeAccount: ENVELOPE_ACCOUNT });

    // Assert
    expect(err.path).toBe("account");
    expect(err.message).toBe(NOT_ADMIN("account"));
  });

  it("is claimed under the drill's event in a drill", () => {
    // Arrange
    const inner = cloudTrailCall(
      "cloudtrail.amazonaws.com",
      "StopLogging",
      { name: "main" },
      { recipientAccountId: OTHER },
    );
    const event = wrapDrill(inner, "other-account");

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.event.detail.recipientAccountId");
  });

  it("says which setting is missing when the administrator speaks of a non-member, with or without an organisation", () => {
    // Arrange
    const event = guardDuty();
    event.account = ENVELOPE_ACCOUNT;
    event.detail.accountId = OTHER;
    const admin = { delegatedAdminAccounts: [ENVELOPE_ACCOUNT], memberAccounts: ["444444444444"] };

    // Act
    const withoutOrg = expectInvalid(event, { trust: admin });
    const withOrg = expectInvalid(event, { trust: { ...admin, organizationId: "o-abc" } });

    // Assert
    expect(withoutOrg.message).toBe(
      `detail.accountId: names account ${OTHER}, which is not a member the responder may act in (MEMBER_ACCOUNTS or ORGANIZATION_ID), although the delegated administrator ${ENVELOPE_ACCOUNT} sent it`,
    );
    expect(withOrg.message).toBe(
      `detail.accountId: names account ${OTHER}, which is not a member the responder may act in (MEMBER_ACCOUNTS), although the delegated administrator ${ENVELOPE_ACCOUNT} sent it`,
    );
  });

  it("is judged against the envelope when the delivering account given is empty", () => {
    // Arrange
    const event = fixture("cloudtrail/StopLogging.json");

    // Act
    const finding = expectFinding(event, { envelopeAccount: "" });

    // Assert
    expect(finding.account).toBe(event.account);
  });
});

describe("options", () => {
  it("treats an infinite severity floor as no floor", () => {
    // Arrange
    const event = fixture("cloudtrail/StopLogging.json");

    // Act
    const finding = expectFinding(event, { minSeverity: Number.POSITIVE_INFINITY });

    // Assert
    expect(finding.severity).toBe(8);
  });

  it("treats a severity floor given as text as no floor", () => {
    // Arrange
    const event = fixture("cloudtrail/StopLogging.json");

    // Act
    const finding = expectFinding(event, { minSeverity: "9" as unknown as number });

    // Assert
    expect(finding.severity).toBe(8);
  });

  it("judges failed calls only when includeFailedCalls is exactly true", () => {
    // Arrange
    const event = cloudTrailCall(
      "cloudtrail.amazonaws.com",
      "StopLogging",
      { name: "main" },
      { errorCode: "AccessDenied" },
    );

    // Act
    const truthy = normalizeEvent(event, { includeFailedCalls: "yes" as unknown as boolean });
    const yes = normalizeEvent(event, { includeFailedCalls: true });

    // Assert
    expect(truthy.kind).toBe("ignored");
    expect(yes.kind).toBe("finding");
  });

  it("accepts null options as none", () => {
    // Arrange
    const event = fixture("cloudtrail/StopLogging.json");

    // Act
    const result = normalizeEvent(event, null as unknown as undefined);

    // Assert
    expect(result.kind).toBe("finding");
  });
});

describe("what the router adds to a finding", () => {
  it("marks a real event as no drill, with no scenario and no warnings", () => {
    // Arrange
    const event = fixture("cloudtrail/StopLogging.json");

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.drill).toBe(false);
    expect(Object.keys(finding)).not.toContain("scenario");
    expect(Object.keys(finding)).not.toContain("warnings");
    expect(finding.raw).toBe(event);
  });

  it("marks a drill with its scenario and keeps the whole drill as raw", () => {
    // Arrange
    const event = wrapDrill(fixture("cloudtrail/StopLogging.json"), "stop-logging");

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.drill).toBe(true);
    expect(finding.scenario).toBe("stop-logging");
    expect(finding.raw).toBe(event);
  });

  it("carries the warnings the handler noted", () => {
    // Arrange
    const nonIso = "2024-05-01 10:00:00";
    const gd = guardDuty();
    gd.detail.updatedAt = nonIso;

    // Act
    const finding = expectFinding(gd);

    // Assert
    expect(finding.warnings).toStrictEqual([
      `detail.updatedAt: must be an ISO-8601 date-time (got "${nonIso}"); not used`,
    ]);
  });

  it("ignores another detail-type of the drill source, naming the drill source", () => {
    // Arrange
    const event = {
      ...wrapDrill(fixture("cloudtrail/StopLogging.json"), "x"),
      "detail-type": "Drill\u0000 Report",
    };

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result).toStrictEqual({
      kind: "ignored",
      reason:
        'detail-type "Drill Report" of "incident-responder.drill" is not handled (only "Incident Responder Drill")',
      source: DRILL_SOURCE,
      detailType: "Drill Report",
    });
  });

  it("gives the wrapped event's source and detail-type when a drill is ignored", () => {
    // Arrange
    const event = wrapDrill(envelope("com.example", "Order Placed", {}), "x");

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result).toStrictEqual({
      kind: "ignored",
      reason: 'no intake for source "com.example" with detail-type "Order Placed"',
      source: "com.example",
      detailType: "Order Placed",
    });
  });
});
