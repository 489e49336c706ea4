/**
 * Bare records (no EventBridge envelope): intake names what it received and the envelope it
 * expects; `wrapBareRecord` builds the envelope EventBridge would give a CloudTrail record, a
 * GuardDuty finding or an ASFF finding, and says what it cannot wrap.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { bareRecordKind, wrapBareRecord } from "../../../shared/intake/bare.ts";
import { expectFinding, expectInvalid } from "./helpers.ts";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/conformance");
const load = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(DIR, file), "utf8"));

const STOP_LOGGING = "panther-analysis/StopLogging_AssumedRole.raw.json";
const GUARDDUTY = "panther-analysis/AttackSequence_IAM_CompromisedCredentials.raw.json";
const ASFF = "aws-security-response/AFSBP_EC2.1_public_snapshots.raw.json";
const NO_TIME = "panther-analysis/DisableEbsEncryptionByDefault.raw.json";
const CONFIG_INVOCATION = "cloud-custodian/ConfigRule_invocation_sg_open_ssh.json";

describe("bare records in intake", () => {
  it.each([
    [STOP_LOGGING, "bare CloudTrail record"],
    [GUARDDUTY, "bare GuardDuty finding"],
    [ASFF, "bare Security Hub (ASFF) finding"],
    [CONFIG_INVOCATION, "AWS Config rule invocation"],
  ])("rejects %s naming what it is and the EventBridge envelope expected", (file, what) => {
    // Act
    const err = expectInvalid(load(file));

    // Assert
    expect(err.message).toContain(what);
    expect(err.message).toContain("EventBridge event is expected");
    expect(err.message).toContain('"detail-type"');
  });

  it("does not take an EventBridge event for a bare record", () => {
    // Arrange
    const event = load("panther-analysis/StopLogging_AssumedRole.eventbridge.json");

    // Act
    const kind = bareRecordKind(event);

    // Assert
    expect(kind).toBeUndefined();
  });
});

describe("wrapBareRecord", () => {
  it("wraps a CloudTrail record as EventBridge delivers it, and intake judges it like its EventBridge form", () => {
    // Arrange
    const record = load(STOP_LOGGING);
    const delivered = load("panther-analysis/StopLogging_AssumedRole.eventbridge.json");

    // Act
    const wrapped = wrapBareRecord(record);

    // Assert
    if (!wrapped || "error" in wrapped) throw new Error(`not wrapped: ${JSON.stringify(wrapped)}`);
    expect(wrapped.event).toMatchObject({
      source: "aws.cloudtrail",
      "detail-type": "AWS API Call via CloudTrail",
      account: record.recipientAccountId,
      region: record.awsRegion,
      detail: record,
    });
    expect(wrapped.event.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(wrapped.note).toContain("bare CloudTrail record");
    const finding = expectFinding(wrapped.event);
    expect(finding.type).toBe(expectFinding(delivered).type);
  });

  it("wraps a GuardDuty finding with its account, region and a readable time", () => {
    // Arrange
    const record = load(GUARDDUTY);

    // Act
    const wrapped = wrapBareRecord(record);

    // Assert
    if (!wrapped || "error" in wrapped) throw new Error(`not wrapped: ${JSON.stringify(wrapped)}`);
    expect(wrapped.event).toMatchObject({
      source: "aws.guardduty",
      "detail-type": "GuardDuty Finding",
      account: record.accountId,
      region: record.region,
    });
    expect(expectFinding(wrapped.event).type).toBe("AttackSequence:IAM/CompromisedCredentials");
  });

  it("wraps an ASFF finding in detail.findings with the region of its product", () => {
    // Arrange
    const record = load(ASFF);

    // Act
    const wrapped = wrapBareRecord(record);

    // Assert
    if (!wrapped || "error" in wrapped) throw new Error(`not wrapped: ${JSON.stringify(wrapped)}`);
    expect(wrapped.event).toMatchObject({
      source: "aws.securityhub",
      "detail-type": "Security Hub Findings - Imported",
      account: record.AwsAccountId,
      detail: { findings: [record] },
    });
    expect(expectFinding(wrapped.event).source).toBe("securityhub");
  });

  it("refuses to wrap a record without the fields the envelope needs, naming them", () => {
    // Act
    const wrapped = wrapBareRecord(load(NO_TIME));

    // Assert
    expect(wrapped).toMatchObject({ kind: "cloudtrail-record" });
    const error = (wrapped as { error: string }).error;
    expect(error).toContain("recipientAccountId (a 12-digit account id)");
    expect(error).toContain("eventTime (an ISO-8601 time)");
    expect(error).toContain("EventBridge event is expected");
  });

  it("names a Config rule invocation without wrapping it", () => {
    // Act
    const wrapped = wrapBareRecord(load(CONFIG_INVOCATION));

    // Assert
    expect(wrapped).toMatchObject({ kind: "config-rule-invocation" });
    expect((wrapped as { error: string }).error).toContain("AWS Config rule invocation");
  });

  it("leaves anything that is not a bare record alone", () => {
    // Act + Assert
    expect(wrapBareRecord({ hello: "world" })).toBeUndefined();
    expect(wrapBareRecord([1, 2])).toBeUndefined();
  });
});
