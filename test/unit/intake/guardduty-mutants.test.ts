/**
 * GuardDuty findings: principals without a name, the path of a bucket finding's access key
 * warning, and the verdict of the handler itself.
 */
import { describe, expect, it } from "vitest";
import { NO_TRUST } from "../../../shared/intake/account.ts";
import type { IntakeContext } from "../../../shared/intake/context.ts";
import { normalizeGuardDuty } from "../../../shared/intake/guardduty.ts";
import { EnvelopeSchema } from "../../../shared/intake/schemas/envelope.ts";
import { IntakeWarnings } from "../../../shared/intake/warnings.ts";
import { envelope, expectFinding } from "./helpers.ts";

const ACCOUNT = "123456789012";
const KEY = "AKIAEXAMPLEEXAMPLE01";

/** A live GuardDuty finding about `resource`. */
function gdDetail(resource: unknown) {
  return {
    schemaVersion: "2.0",
    id: "abc123",
    type: "UnauthorizedAccess:IAMUser/ConsoleLogin",
    accountId: ACCOUNT,
    region: "eu-west-1",
    partition: "aws",
    severity: 5,
    title: "Unusual console login",
    createdAt: "2024-05-01T09:00:00.000Z",
    updatedAt: "2024-05-01T09:30:00.000Z",
    resource,
    service: { archived: false, additionalInfo: { sample: false } },
  };
}

describe("a GuardDuty access key finding", () => {
  it("names only the key of an IAM user whose name is missing, without a warning", () => {
    // Arrange
    const event = envelope(
      "aws.guardduty",
      "GuardDuty Finding",
      gdDetail({ resourceType: "AccessKey", accessKeyDetails: { accessKeyId: KEY, userType: "IAMUser" } }),
    );

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources).toStrictEqual([{ kind: "iam-access-key", id: KEY, account: ACCOUNT }]);
    expect(finding.warnings).toBeUndefined();
  });

  it("names only the key of an assumed role whose name is empty, without a warning", () => {
    // Arrange
    const event = envelope(
      "aws.guardduty",
      "GuardDuty Finding",
      gdDetail({
        resourceType: "AccessKey",
        accessKeyDetails: { accessKeyId: KEY, userType: "AssumedRole", userName: "", principalId: "AROAX:s" },
      }),
    );

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources).toStrictEqual([{ kind: "iam-access-key", id: KEY, account: ACCOUNT }]);
    expect(finding.warnings).toBeUndefined();
  });
});

describe("a GuardDuty S3 finding with the caller's access key", () => {
  it("warns about a malformed key id at its path under the resource's accessKeyDetails", () => {
    // Arrange
    const event = envelope(
      "aws.guardduty",
      "GuardDuty Finding",
      gdDetail({
        resourceType: "S3Bucket",
        s3BucketDetails: [{ name: "logs" }],
        accessKeyDetails: { accessKeyId: "bad key", userType: "Federated" },
      }),
    );

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources).toStrictEqual([
      { kind: "s3-bucket", id: "logs", arn: "arn:aws:s3:::logs", account: ACCOUNT, region: "eu-west-1" },
    ]);
    expect(finding.warnings).toStrictEqual([
      'detail.resource.accessKeyDetails.accessKeyId: must be an IAM access key id (got "bad key"); not named as an affected resource',
    ]);
  });
});

describe("normalizeGuardDuty", () => {
  it("returns a verdict of kind finding for an active finding", () => {
    // Arrange
    const ctx: IntakeContext = {
      envelope: EnvelopeSchema.parse(
        envelope(
          "aws.guardduty",
          "GuardDuty Finding",
          gdDetail({ resourceType: "AccessKey", accessKeyDetails: { accessKeyId: KEY } }),
        ),
      ),
      prefix: "",
      drill: false,
      options: { minSeverity: 0, includeFailedCalls: false, trust: NO_TRUST },
      warnings: new IntakeWarnings(),
    };

    // Act
    const result = normalizeGuardDuty(ctx);

    // Assert
    expect(result).toStrictEqual({
      kind: "finding",
      finding: {
        id: "abc123",
        source: "guardduty",
        type: "UnauthorizedAccess:IAMUser/ConsoleLogin",
        title: "Unusual console login",
        severity: 5,
        time: "2024-05-01T09:30:00.000Z",
        account: ACCOUNT,
        region: "eu-west-1",
        resources: [{ kind: "iam-access-key", id: KEY, account: ACCOUNT }],
      },
    });
  });
});
