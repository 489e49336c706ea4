/**
 * CloudTrail records normalised field by field: the whole finding, who made the call as
 * resources and in the title, the reasons a call is ignored, and the accounts a call may
 * share with.
 */
import { describe, expect, it } from "vitest";
import type { Finding } from "../../../shared/domain/types.ts";
import { normalizeEvent } from "../../../shared/intake/index.ts";
import {
  cloudTrailCall,
  expectFinding,
  expectIgnored,
  expectInvalid,
  ROLE_IDENTITY,
  ROOT_IDENTITY,
} from "./helpers.ts";

const ACCOUNT = "123456789012";
const TRAIL = { kind: "cloudtrail-trail", id: "org-trail", account: ACCOUNT, region: "eu-west-1" } as const;

const stopLogging = (overrides: Record<string, unknown> = {}) =>
  cloudTrailCall("cloudtrail.amazonaws.com", "StopLogging", { name: "org-trail" }, overrides);

/** A snapshot's create-volume permission given to `accounts`. */
const shareSnapshot = (accounts: string[], overrides: Record<string, unknown> = {}) =>
  cloudTrailCall(
    "ec2.amazonaws.com",
    "ModifySnapshotAttribute",
    {
      snapshotId: "snap-0123456789abcdef0",
      attributeType: "CREATE_VOLUME_PERMISSION",
      createVolumePermission: { add: { items: accounts.map((userId) => ({ userId })) } },
    },
    overrides,
  );

describe("a risky CloudTrail call", () => {
  it("becomes exactly this finding: the trail, then the IAM user and long-term key that called", () => {
    // Arrange
    const event = stopLogging();

    // Act
    const finding = expectFinding(event);

    // Assert
    const expected: Finding = {
      id: "6f1f0f4e-aaaa-bbbb-cccc-dddddddddddd",
      source: "cloudtrail",
      type: "cloudtrail:StopLogging",
      title: "CloudTrail logging stopped: trail org-trail (by user alice)",
      severity: 8,
      time: "2024-05-01T10:00:00Z",
      account: ACCOUNT,
      region: "eu-west-1",
      resources: [
        TRAIL,
        { kind: "iam-user", id: "alice", arn: "arn:aws:iam::123456789012:user/alice", account: ACCOUNT },
        { kind: "iam-access-key", id: "AKIAEXAMPLEEXAMPLE01", account: ACCOUNT },
      ],
      drill: false,
      raw: event,
    };
    expect(finding).toStrictEqual(expected);
  });

  it("titles a failed attempt with its error code", () => {
    // Act
    const finding = expectFinding(stopLogging({ errorCode: "AccessDenied" }), { includeFailedCalls: true });

    // Assert
    expect(finding.title).toBe(
      "Failed attempt (AccessDenied): CloudTrail logging stopped: trail org-trail (by user alice)",
    );
  });

  it("takes the account and region from the envelope when the record names none", () => {
    // Arrange
    const event = stopLogging();
    const { recipientAccountId: _a, awsRegion: _r, ...detail } = event.detail;
    const bare = { ...event, region: "us-east-2", detail };

    // Act
    const finding = expectFinding(bare);

    // Assert
    expect(finding.account).toBe(ACCOUNT);
    expect(finding.region).toBe("us-east-2");
    expect(finding.resources[0]).toStrictEqual({ ...TRAIL, region: "us-east-2" });
  });

  it("rejects a recipient account that is not an account id", () => {
    // Act
    const err = expectInvalid(stopLogging({ recipientAccountId: "abc" }));

    // Assert
    expect(err.message).toBe('detail.recipientAccountId: must be a 12-digit AWS account id (got "abc")');
  });

  it("builds a bucket ARN in the caller's partition", () => {
    // Arrange
    const event = cloudTrailCall(
      "s3.amazonaws.com",
      "DeletePublicAccessBlock",
      { bucketName: "logs" },
      { userIdentity: { ...ROLE_IDENTITY, arn: "arn:aws-cn:sts::123456789012:assumed-role/Deployer/s" } },
    );

    // Act
    const result = expectFinding(event);

    // Assert
    expect(result.resources[0]).toStrictEqual({
      kind: "s3-bucket",
      id: "logs",
      arn: "arn:aws-cn:s3:::logs",
      account: ACCOUNT,
      region: "eu-west-1",
    });
  });

  it.each([
    ["no ARN", undefined],
    ["an ARN with no partition", "arn"],
    ["an ARN whose partition is not one", "arn:AWS!:sts::123456789012:x"],
  ])("builds a bucket ARN in the aws partition when the caller has %s", (_name, arn) => {
    // Arrange
    const event = cloudTrailCall(
      "s3.amazonaws.com",
      "DeletePublicAccessBlock",
      { bucketName: "logs" },
      { userIdentity: { ...ROLE_IDENTITY, arn } },
    );

    // Act
    const result = expectFinding(event);

    // Assert
    expect(result.resources[0]?.arn).toBe("arn:aws:s3:::logs");
  });
});

describe("the caller", () => {
  it("is the account, with its ARN, for root; the body's account id when it is one", () => {
    // Act
    const finding = expectFinding(
      stopLogging({ userIdentity: { ...ROOT_IDENTITY, accountId: "210987654321" } }),
    );

    // Assert
    expect(finding.resources).toStrictEqual([
      TRAIL,
      { kind: "aws-account", id: "210987654321", arn: "arn:aws:iam::123456789012:root" },
    ]);
    expect(finding.title).toBe("CloudTrail logging stopped: trail org-trail (by root)");
  });

  it("is the recipient account for root when the body's account id is not one", () => {
    // Act
    const finding = expectFinding(
      stopLogging({ userIdentity: { ...ROOT_IDENTITY, accountId: "ANONYMOUS" } }),
    );

    // Assert
    expect(finding.resources[1]).toStrictEqual({
      kind: "aws-account",
      id: ACCOUNT,
      arn: "arn:aws:iam::123456789012:root",
    });
  });

  it("is the role behind an assumed role, without its temporary key", () => {
    // Act
    const finding = expectFinding(stopLogging({ userIdentity: ROLE_IDENTITY }));

    // Assert
    expect(finding.resources).toStrictEqual([
      TRAIL,
      { kind: "iam-role", id: "Deployer", arn: "arn:aws:iam::123456789012:role/Deployer", account: ACCOUNT },
    ]);
    expect(finding.title).toBe("CloudTrail logging stopped: trail org-trail (by role Deployer)");
  });

  it("is nothing for an assumed role without an issuer, named by its type", () => {
    // Act
    const finding = expectFinding(
      stopLogging({ userIdentity: { type: "AssumedRole", principalId: "AROAX:s", sessionContext: {} } }),
    );

    // Assert
    expect(finding.resources).toStrictEqual([TRAIL]);
    expect(finding.title).toBe("CloudTrail logging stopped: trail org-trail (by AssumedRole)");
  });

  it("is nothing for an IAM user without a name or long-term key, named by its type", () => {
    // Act
    const finding = expectFinding(
      stopLogging({ userIdentity: { type: "IAMUser", accessKeyId: "ASIAEXAMPLEEXAMPLE01" } }),
    );

    // Assert
    expect(finding.resources).toStrictEqual([TRAIL]);
    expect(finding.title).toBe("CloudTrail logging stopped: trail org-trail (by IAMUser)");
  });

  it.each([
    ["11 characters after AKIA", "AKIAEXAMPLEEXAM"],
    ["lower case", "AKIAexampleexample01"],
    ["an underscore at the end", "AKIAEXAMPLEEXAMPLE01_"],
    ["a prefix before AKIA", "XAKIAEXAMPLEEXAMPLE01"],
    ["a temporary key", "ASIAEXAMPLEEXAMPLE01"],
  ])("leaves out an access key id with %s", (_name, accessKeyId) => {
    // Act
    const finding = expectFinding(
      stopLogging({ userIdentity: { type: "IAMUser", userName: "alice", accessKeyId, accountId: ACCOUNT } }),
    );

    // Assert
    expect(finding.resources).toStrictEqual([TRAIL, { kind: "iam-user", id: "alice", account: ACCOUNT }]);
  });

  it.each([
    ["12 characters after AKIA", `AKIA${"A".repeat(12)}`],
    ["124 characters after AKIA", `AKIA${"9".repeat(124)}`],
  ])("names a long-term key with %s", (_name, accessKeyId) => {
    // Act
    const finding = expectFinding(stopLogging({ userIdentity: { type: "IAMUser", accessKeyId } }));

    // Assert
    expect(finding.resources).toStrictEqual([
      TRAIL,
      { kind: "iam-access-key", id: accessKeyId, account: ACCOUNT },
    ]);
  });

  it.each([
    ["a service, by its type", { type: "AWSService", invokedBy: "x.amazonaws.com" }, "AWSService"],
    ["a principal without a type, by its id", { principalId: "anonymous-1" }, "anonymous-1"],
    ["a principal with neither", {}, "an unknown principal"],
  ])("names %s in the title", (_name, userIdentity, who) => {
    // Act
    const finding = expectFinding(stopLogging({ userIdentity }));

    // Assert
    expect(finding.resources).toStrictEqual([TRAIL]);
    expect(finding.title).toBe(`CloudTrail logging stopped: trail org-trail (by ${who})`);
  });

  it("is unknown when the record has no identity", () => {
    // Act
    const finding = expectFinding(stopLogging({ userIdentity: undefined }));

    // Assert
    expect(finding.resources).toStrictEqual([TRAIL]);
    expect(finding.title).toBe("CloudTrail logging stopped: trail org-trail (by an unknown principal)");
  });
});

describe("an ignored CloudTrail call", () => {
  it("is outside the catalogue", () => {
    // Act
    const result = expectIgnored(cloudTrailCall("ec2.amazonaws.com", "DescribeInstances", {}));

    // Assert
    expect(result.reason).toBe("DescribeInstances (ec2.amazonaws.com) is not in the risky-call catalogue");
  });

  it("failed, with its error code cleaned and cut", () => {
    // Arrange
    const errorCode = `Access\u0000Denied${"x".repeat(200)}`;

    // Act
    const result = expectIgnored(stopLogging({ errorCode }));

    // Assert
    expect(result.reason).toBe(`call failed: AccessDenied${"x".repeat(115)}…`);
  });

  it("failed without the parameters its rule needs", () => {
    // Act
    const result = expectIgnored(
      cloudTrailCall("s3.amazonaws.com", "PutBucketPolicy", null, { errorCode: "X" }),
      {
        includeFailedCalls: true,
      },
    );

    // Assert
    expect(result.reason).toBe(
      "PutBucketPolicy (s3.amazonaws.com) failed without requestParameters; nothing to assess",
    );
  });

  it("matches none of its rules, each named", () => {
    // Act
    const result = expectIgnored(shareSnapshot([ACCOUNT]));

    // Assert
    expect(result.reason).toBe(
      'not risky: ModifySnapshotAttribute (ec2.amazonaws.com) matches none of "EBS snapshot shared publicly", "EBS snapshot shared with another account"',
    );
  });
});

describe("a CloudTrail call without the parameters its rule needs", () => {
  it.each([
    ["null", null, "null"],
    ["missing", undefined, "none"],
  ])("is rejected when they are %s", (_name, params, got) => {
    // Arrange
    const event = cloudTrailCall("s3.amazonaws.com", "PutBucketPolicy", {}, { requestParameters: params });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toBe(
      `detail.requestParameters: PutBucketPolicy needs requestParameters to be assessed, got ${got}`,
    );
  });
});

describe("the accounts a call may share with", () => {
  it("are the call's own, the members and the delegated administrators", () => {
    // Arrange
    const trust = { memberAccounts: ["222222222222"], delegatedAdminAccounts: ["333333333333"] };

    // Act
    const own = normalizeKind(shareSnapshot([ACCOUNT]), trust);
    const member = normalizeKind(shareSnapshot(["222222222222"]), trust);
    const admin = normalizeKind(shareSnapshot(["333333333333"]), trust);
    const outside = normalizeKind(shareSnapshot(["444444444444"]), trust);

    // Assert
    expect([own, member, admin, outside]).toStrictEqual(["ignored", "ignored", "ignored", "finding"]);
  });

  it("are the call's own and the members when no administrator is configured", () => {
    // Arrange
    const trust = { memberAccounts: ["222222222222"] };

    // Act
    const member = normalizeKind(shareSnapshot(["222222222222"]), trust);
    const outside = normalizeKind(shareSnapshot(["333333333333"]), trust);

    // Assert
    expect([member, outside]).toStrictEqual(["ignored", "finding"]);
  });
});

function normalizeKind(
  event: unknown,
  trust: { memberAccounts: string[]; delegatedAdminAccounts?: string[] },
) {
  return normalizeEvent(event, { trust }).kind;
}
