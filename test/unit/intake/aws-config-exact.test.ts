/**
 * AWS Config compliance changes normalised field by field: the whole finding, the kind each
 * Config resource type maps to, the fallbacks of account, region and time, and the annotation.
 */
import { describe, expect, it } from "vitest";
import type { Finding } from "../../../shared/domain/types.ts";
import { envelope, expectFinding, expectIgnored, expectInvalid } from "./helpers.ts";

const ACCOUNT = "123456789012";
const INSTANCE = "i-0123456789abcdef0";

type Detail = Record<string, unknown> & { newEvaluationResult: Record<string, unknown> };

function change(edit: (d: Detail) => void = () => {}) {
  const detail: Detail = {
    resourceId: INSTANCE,
    resourceType: "AWS::EC2::Instance",
    awsRegion: "eu-central-1",
    awsAccountId: ACCOUNT,
    configRuleName: "ec2-imdsv2-check",
    notificationCreationTime: "2024-05-01T09:05:00.000Z",
    newEvaluationResult: {
      complianceType: "NON_COMPLIANT",
      resultRecordedTime: "2024-05-01T09:00:00.000Z",
      annotation: "IMDSv1 is enabled",
    },
  };
  edit(detail);
  return envelope("aws.config", "Config Rules Compliance Change", detail);
}

describe("a Config compliance change", () => {
  it("becomes exactly this finding", () => {
    // Arrange
    const event = change();

    // Act
    const finding = expectFinding(event);

    // Assert
    const expected: Finding = {
      id: `ec2-imdsv2-check/AWS::EC2::Instance/${INSTANCE}/2024-05-01T09:00:00.000Z`,
      source: "config",
      type: "config:ec2-imdsv2-check",
      title: `Config rule ec2-imdsv2-check: AWS::EC2::Instance ${INSTANCE} is non-compliant (IMDSv1 is enabled)`,
      severity: 5,
      time: "2024-05-01T09:00:00.000Z",
      account: ACCOUNT,
      region: "eu-central-1",
      resources: [{ kind: "ec2-instance", id: INSTANCE, account: ACCOUNT, region: "eu-central-1" }],
      drill: false,
      raw: event,
    };
    expect(finding).toStrictEqual(expected);
  });

  it.each([
    ["AWS::EC2::Volume", "vol-0123456789abcdef0", "ec2-volume"],
    ["AWS::EC2::SecurityGroup", "sg-0123456789abcdef0", "security-group"],
    ["AWS::EC2::Snapshot", "snap-0123456789abcdef0", "ec2-snapshot"],
    ["AWS::EC2::Image", "ami-0123456789abcdef0", "ec2-image"],
    ["AWS::S3::Bucket", "my-bucket", "s3-bucket"],
    ["AWS::Lambda::Function", "my-function", "lambda-function"],
    ["AWS::EKS::Cluster", "prod", "eks-cluster"],
    ["AWS::::Account", ACCOUNT, "aws-account"],
    ["AWS::IAM::User", "AIDAEXAMPLEEXAMPLE01", "other"],
    ["AWS::RDS::DBInstance", "db-ABCDEFGHIJ", "other"],
  ])("names a %s as a resource of kind %s", (resourceType, resourceId, kind) => {
    // Act
    const finding = expectFinding(
      change((d) => {
        d.resourceType = resourceType;
        d.resourceId = resourceId;
      }),
    );

    // Assert
    expect(finding.resources).toStrictEqual([
      { kind, id: resourceId, account: ACCOUNT, region: "eu-central-1" },
    ]);
  });

  it("rejects a resource id that does not fit its kind, at its path", () => {
    // Act
    const err = expectInvalid(
      change((d) => {
        d.resourceType = "AWS::EC2::Volume";
        d.resourceId = "vol-1";
      }),
    );

    // Assert
    expect(err.message).toBe('detail.resourceId: must be an EBS volume id (vol-…) (got "vol-1")');
  });

  it("takes the envelope's account and region when the change names none", () => {
    // Act
    const finding = expectFinding(
      change((d) => {
        delete d.awsAccountId;
        delete d.awsRegion;
      }),
    );

    // Assert
    expect(finding.account).toBe(ACCOUNT);
    expect(finding.region).toBe("eu-west-1");
    expect(finding.resources).toStrictEqual([
      { kind: "ec2-instance", id: INSTANCE, account: ACCOUNT, region: "eu-west-1" },
    ]);
  });

  it("falls back to the notification's time, then the envelope's", () => {
    // Act
    const notified = expectFinding(change((d) => delete d.newEvaluationResult.resultRecordedTime));
    const neither = expectFinding(
      change((d) => {
        delete d.newEvaluationResult.resultRecordedTime;
        delete d.notificationCreationTime;
      }),
    );

    // Assert
    expect(notified.time).toBe("2024-05-01T09:05:00.000Z");
    expect(notified.id).toBe(`ec2-imdsv2-check/AWS::EC2::Instance/${INSTANCE}/2024-05-01T09:05:00.000Z`);
    expect(neither.time).toBe("2024-05-01T10:00:00Z");
  });

  it.each([
    ["no annotation", undefined],
    ["a null annotation", null],
    ["an empty annotation", ""],
  ])("titles a change with %s without parentheses", (_name, annotation) => {
    // Act
    const finding = expectFinding(change((d) => (d.newEvaluationResult.annotation = annotation)));

    // Assert
    expect(finding.title).toBe(
      `Config rule ec2-imdsv2-check: AWS::EC2::Instance ${INSTANCE} is non-compliant`,
    );
  });

  it("cleans the annotation and cuts it to 256 characters", () => {
    // Act
    const finding = expectFinding(
      change((d) => (d.newEvaluationResult.annotation = `a\u0000\n${"b".repeat(300)}`)),
    );

    // Assert
    expect(finding.title).toBe(
      `Config rule ec2-imdsv2-check: AWS::EC2::Instance ${INSTANCE} is non-compliant (a ${"b".repeat(253)}…)`,
    );
  });

  it("ignores another compliance type, quoting it cleaned", () => {
    // Act
    const result = expectIgnored(change((d) => (d.newEvaluationResult.complianceType = "COMPLIANT\u202e")));

    // Assert
    expect(result.reason).toBe('Config evaluation is "COMPLIANT", not NON_COMPLIANT');
  });

  it("checks the resource id before deciding to ignore", () => {
    // Act
    const err = expectInvalid(
      change((d) => {
        d.resourceId = "i-bad";
        d.newEvaluationResult.complianceType = "COMPLIANT";
      }),
    );

    // Assert
    expect(err.path).toBe("detail.resourceId");
  });
});
