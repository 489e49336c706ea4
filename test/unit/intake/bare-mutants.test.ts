/**
 * Bare records: a GuardDuty finding recognised by its ARN alone, and the fields the envelope
 * needs refused when they are not text, named by the record's own field names.
 */
import { describe, expect, it } from "vitest";
import { bareRecordKind, describeBareRecord, wrapBareRecord } from "../../../shared/intake/bare.ts";

describe("bareRecordKind", () => {
  it("recognises a GuardDuty finding that has an ARN and no accountId key at all", () => {
    // Arrange
    const record = {
      schemaVersion: "2.0",
      type: "Recon:EC2/PortProbeUnprotectedPort",
      severity: 2,
      arn: "arn:aws:guardduty:eu-west-1:123456789012:detector/d/finding/f",
    };

    // Act
    const kind = bareRecordKind(record);

    // Assert
    expect(kind).toBe("guardduty-finding");
  });
});

describe("wrapBareRecord", () => {
  it("refuses a CloudTrail eventTime that is a list holding a spaced time, not text", () => {
    // Arrange
    const record = {
      eventSource: "cloudtrail.amazonaws.com",
      eventName: "StopLogging",
      recipientAccountId: "123456789012",
      awsRegion: "eu-west-1",
      eventTime: ["2025-02-25 20:40:06"],
    };

    // Act
    const wrapped = wrapBareRecord(record);

    // Assert
    expect(wrapped).toStrictEqual({
      kind: "cloudtrail-record",
      error: `${describeBareRecord("cloudtrail-record")}. It cannot be wrapped in one: it lacks a valid eventTime (an ISO-8601 time)`,
    });
  });

  it("refuses a CloudTrail recipientAccountId that is a number, not text", () => {
    // Arrange
    const record = {
      eventSource: "cloudtrail.amazonaws.com",
      eventName: "StopLogging",
      recipientAccountId: 123456789012,
      awsRegion: "eu-west-1",
      eventTime: "2024-05-01T10:00:00Z",
    };

    // Act
    const wrapped = wrapBareRecord(record);

    // Assert
    expect(wrapped).toStrictEqual({
      kind: "cloudtrail-record",
      error: `${describeBareRecord("cloudtrail-record")}. It cannot be wrapped in one: it lacks a valid recipientAccountId (a 12-digit account id)`,
    });
  });

  it("says an ASFF finding whose ProductArn is not text lacks a region", () => {
    // Arrange
    const record = {
      SchemaVersion: "2018-10-08",
      ProductArn: 42,
      AwsAccountId: "123456789012",
      UpdatedAt: "2024-05-01T10:00:00Z",
    };

    // Act
    const wrapped = wrapBareRecord(record);

    // Assert
    expect(wrapped).toStrictEqual({
      kind: "asff-finding",
      error: `${describeBareRecord("asff-finding")}. It cannot be wrapped in one: it lacks a valid Region or ProductArn (a region)`,
    });
  });

  it("names accountId, region and updatedAt when a GuardDuty finding lacks all three", () => {
    // Arrange
    const record = {
      schemaVersion: "2.0",
      type: "Recon:EC2/PortProbeUnprotectedPort",
      severity: 2,
      accountId: "",
    };

    // Act
    const wrapped = wrapBareRecord(record);

    // Assert
    expect(wrapped).toStrictEqual({
      kind: "guardduty-finding",
      error: `${describeBareRecord("guardduty-finding")}. It cannot be wrapped in one: it lacks a valid accountId (a 12-digit account id), region (a region), updatedAt (an ISO-8601 time)`,
    });
  });

  it("names AwsAccountId, Region or ProductArn and UpdatedAt when an ASFF finding lacks all three", () => {
    // Arrange
    const record = { SchemaVersion: "2018-10-08", ProductArn: "x", AwsAccountId: "" };

    // Act
    const wrapped = wrapBareRecord(record);

    // Assert
    expect(wrapped).toStrictEqual({
      kind: "asff-finding",
      error: `${describeBareRecord("asff-finding")}. It cannot be wrapped in one: it lacks a valid AwsAccountId (a 12-digit account id), Region or ProductArn (a region), UpdatedAt (an ISO-8601 time)`,
    });
  });
});
