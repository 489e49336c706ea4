/**
 * CloudTrail intake behaviour around the catalogue: failed calls, missing parameters,
 * callers as resources, malformed records.
 */
import { describe, expect, it } from "vitest";
import {
  cloudTrailCall,
  expectFinding,
  expectIgnored,
  expectInvalid,
  fixture,
  ROLE_IDENTITY,
  ROOT_IDENTITY,
} from "./helpers.ts";

const STOP_LOGGING = () => cloudTrailCall("cloudtrail.amazonaws.com", "StopLogging", { name: "org-trail" });

describe("CloudTrail intake", () => {
  it("ignores a failed call with its error code", () => {
    // Arrange
    const event = cloudTrailCall("cloudtrail.amazonaws.com", "StopLogging", null, {
      errorCode: "AccessDenied",
      errorMessage: "User is not authorized",
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe("call failed: AccessDenied");
    expect(result.source).toBe("aws.cloudtrail");
    expect(result.detailType).toBe("AWS API Call via CloudTrail");
  });

  it("reports a failed attempt when failed calls are included", () => {
    // Arrange
    const event = cloudTrailCall(
      "cloudtrail.amazonaws.com",
      "StopLogging",
      { name: "org-trail" },
      { errorCode: "AccessDenied" },
    );

    // Act
    const finding = expectFinding(event, { includeFailedCalls: true });

    // Assert
    expect(finding.type).toBe("cloudtrail:StopLogging");
    expect(finding.title).toMatch(/^Failed attempt \(AccessDenied\): CloudTrail logging stopped/);
  });

  it("ignores an included failed call that carries no parameters to assess", () => {
    // Arrange
    const event = cloudTrailCall("s3.amazonaws.com", "PutBucketPolicy", null, { errorCode: "AccessDenied" });

    // Act
    const result = expectIgnored(event, { includeFailedCalls: true });

    // Assert
    expect(result.reason).toContain("failed without requestParameters");
  });

  it("rejects a successful call whose rule needs missing parameters", () => {
    // Arrange
    const event = cloudTrailCall("s3.amazonaws.com", "PutBucketPolicy", null);

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.requestParameters");
    expect(err.message).toContain("PutBucketPolicy needs requestParameters");
  });

  it("rejects an unreadable bucket policy", () => {
    // Arrange
    const event = cloudTrailCall("s3.amazonaws.com", "PutBucketPolicy", {
      bucketName: "b-1",
      bucketPolicy: "{not json",
    });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.requestParameters.bucketPolicy");
  });

  it("leaves an injection string out of the resources, with a warning, where a group id belongs", () => {
    // Arrange
    const event = cloudTrailCall("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", {
      groupId: "sg-123; curl evil",
      ipPermissions: { items: [{ ipProtocol: "-1", ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] } }] },
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources.map((r) => r.id)).not.toContain("sg-123; curl evil");
    expect(finding.warnings).toEqual([
      expect.stringMatching(/^detail\.requestParameters\.groupId: must be a security group id/),
    ]);
  });

  it("rejects an injection string where an instance id belongs: the response acts on it", () => {
    // Arrange
    const event = cloudTrailCall("ec2.amazonaws.com", "ModifyInstanceAttribute", {
      instanceId: "i-0123456789abcdef0; curl evil",
      userData: "<sensitiveDataRemoved>",
    });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.requestParameters.instanceId");
    expect(err.message).toContain("EC2 instance id");
  });

  it("names the role behind an assumed-role caller and leaves out its temporary key", () => {
    // Arrange
    const event = cloudTrailCall(
      "cloudtrail.amazonaws.com",
      "StopLogging",
      { name: "org-trail" },
      { userIdentity: ROLE_IDENTITY },
    );

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources).toEqual([
      expect.objectContaining({ kind: "cloudtrail-trail", id: "org-trail" }),
      expect.objectContaining({
        kind: "iam-role",
        id: "Deployer",
        arn: "arn:aws:iam::123456789012:role/Deployer",
      }),
    ]);
    expect(finding.title).toContain("(by role Deployer)");
  });

  it("names the account for a root caller only once", () => {
    // Arrange
    const event = cloudTrailCall(
      "guardduty.amazonaws.com",
      "DeleteDetector",
      { detectorId: "abc" },
      { userIdentity: ROOT_IDENTITY },
    );

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources.map((r) => `${r.kind}:${r.id}`)).toEqual(["aws-account:123456789012"]);
  });

  it("uses eventID, eventTime, the recipient account and awsRegion", () => {
    // Arrange
    const event = { ...STOP_LOGGING(), account: "210987654321" };
    event.detail.recipientAccountId = "210987654321";
    event.detail.awsRegion = "ap-southeast-2";

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding).toMatchObject({
      id: "6f1f0f4e-aaaa-bbbb-cccc-dddddddddddd",
      source: "cloudtrail",
      time: "2024-05-01T10:00:00Z",
      account: "210987654321",
      region: "ap-southeast-2",
    });
  });

  it("accepts the obfuscated region of the Stratus Red Team StopLogging record", () => {
    // Arrange
    const event = fixture("cloudtrail/StopLogging.json");

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.region).toBe("apiso-centralnorth-2r");
  });

  it("rejects a region that is not a region code", () => {
    // Arrange
    const event = STOP_LOGGING();
    event.detail.awsRegion = "us-east-1; drop table";

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.awsRegion");
  });

  it("rejects a record without an eventID", () => {
    // Arrange
    const event = STOP_LOGGING();
    delete (event.detail as Record<string, unknown>).eventID;

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.eventID");
    expect(err.message).toContain("is required");
  });

  it("ignores a failed root console sign-in", () => {
    // Arrange
    const event = cloudTrailCall("signin.amazonaws.com", "ConsoleLogin", null, {
      userIdentity: ROOT_IDENTITY,
      responseElements: { ConsoleLogin: "Failure" },
      errorMessage: "Failed authentication",
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toContain("not risky: ConsoleLogin");
  });

  it("reports an IAM user console sign-in without MFA against the user", () => {
    // Arrange
    const event = cloudTrailCall("signin.amazonaws.com", "ConsoleLogin", null, {
      responseElements: { ConsoleLogin: "Success" },
      additionalEventData: { MFAUsed: "No" },
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.type).toBe("cloudtrail:ConsoleLogin/NoMFA");
    expect(finding.resources[0]).toMatchObject({ kind: "iam-user", id: "alice" });
  });

  it("routes CloudTrail records from any aws.* source", () => {
    // Arrange
    const event = fixture("cloudtrail/CreateSampleFindings_guardduty.json");

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.source).toBe("aws.guardduty");
    expect(result.reason).toContain("not in the risky-call catalogue");
  });
});
