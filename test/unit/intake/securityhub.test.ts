import { describe, expect, it } from "vitest";
import { clone, envelope, expectFinding, expectIgnored, expectInvalid, fixture } from "./helpers.ts";

type Asff = Record<string, unknown> & {
  Severity: Record<string, unknown>;
  Resources: Record<string, unknown>[];
};

const base = () =>
  (
    clone(fixture("securityhub/GuardDuty_UnauthorizedAccess_EC2_SSHBruteForce_Imported.json")) as {
      detail: { findings: Asff[] };
    }
  ).detail.findings[0]!;

/** Findings imported in their own account: EventBridge stamps that account on the envelope. */
function imported(...findings: Asff[]) {
  return envelope(
    "aws.securityhub",
    "Security Hub Findings - Imported",
    { findings },
    { account: findings[0]?.AwsAccountId ?? "123456789012" },
  );
}

function withEdit(edit: (f: Asff) => void): Asff {
  const f = base();
  edit(f);
  return f;
}

describe("Security Hub intake", () => {
  it.each([
    ["CRITICAL", 9],
    ["HIGH", 7.5],
    ["MEDIUM", 5],
    ["LOW", 2],
    ["INFORMATIONAL", 0],
  ])("maps severity label %s to %s", (label, severity) => {
    // Arrange
    const event = imported(withEdit((f) => (f.Severity = { Label: label, Normalized: 99 })));

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.severity).toBe(severity);
  });

  it("falls back to Normalized / 10 without a label", () => {
    // Arrange
    const event = imported(withEdit((f) => (f.Severity = { Normalized: 73 })));

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.severity).toBe(7.3);
  });

  it("rejects a severity with neither label nor normalized value", () => {
    // Arrange
    const event = imported(withEdit((f) => (f.Severity = { Product: 2 })));

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.findings[0].Severity");
  });

  it.each([
    [
      "SUPPRESSED workflow",
      (f: Asff) => (f.Workflow = { Status: "SUPPRESSED" }),
      "workflow status is SUPPRESSED",
    ],
    ["RESOLVED workflow", (f: Asff) => (f.Workflow = { Status: "RESOLVED" }), "workflow status is RESOLVED"],
    ["ARCHIVED record", (f: Asff) => (f.RecordState = "ARCHIVED"), "record state is ARCHIVED"],
    ["PASSED check", (f: Asff) => (f.Compliance = { Status: "PASSED" }), "compliance check PASSED"],
  ])("ignores a finding with a %s", (_name, edit, reason) => {
    // Arrange
    const event = imported(withEdit(edit));

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toContain(reason);
  });

  it("returns the most severe active finding of several", () => {
    // Arrange
    const low = withEdit((f) => {
      f.Id = "low";
      f.Severity = { Label: "LOW" };
    });
    const highSuppressed = withEdit((f) => {
      f.Id = "suppressed";
      f.Severity = { Label: "CRITICAL" };
      f.Workflow = { Status: "SUPPRESSED" };
    });
    const high = withEdit((f) => {
      f.Id = "high";
      f.Severity = { Label: "HIGH" };
    });
    const event = imported(low, highSuppressed, high);

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.id).toBe("high");
  });

  it("skips a malformed finding when another is valid", () => {
    // Arrange
    const broken = withEdit((f) => {
      f.AwsAccountId = "not-an-account";
    });
    const event = { ...imported(broken, base()), account: "193043430472" };

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.account).toBe("193043430472");
  });

  it("rejects an event whose findings are all malformed, naming the first problem", () => {
    // Arrange
    const event = imported(
      withEdit((f) => {
        (f.Resources[0] as Record<string, unknown>).Id =
          "arn:aws:ec2:us-east-1:193043430472:instance/i-; rm -rf";
      }),
    );

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.findings[0].Resources[0].Id");
    expect(err.message).toContain("EC2 instance id");
  });

  it.each([
    ["AwsS3Bucket", "arn:aws:s3:::my-bucket", "s3-bucket", "my-bucket"],
    ["AwsIamUser", "arn:aws:iam::193043430472:user/admins/alice", "iam-user", "alice"],
    ["AwsIamRole", "arn:aws:iam::193043430472:role/Deployer", "iam-role", "Deployer"],
    ["AwsIamAccessKey", "AWS::IAM::AccessKey:AKIAEXAMPLEEXAMPLE01", "iam-access-key", "AKIAEXAMPLEEXAMPLE01"],
    [
      "AwsEc2Volume",
      "arn:aws:ec2:us-east-1:193043430472:volume/vol-0123456789abcdef0",
      "ec2-volume",
      "vol-0123456789abcdef0",
    ],
    [
      "AwsLambdaFunction",
      "arn:aws:lambda:us-east-1:193043430472:function:fn-1:PROD",
      "lambda-function",
      "fn-1",
    ],
    [
      "AwsSqsQueue",
      "arn:aws:sqs:us-east-1:193043430472:queue-1",
      "other",
      "arn:aws:sqs:us-east-1:193043430472:queue-1",
    ],
  ])("maps resource type %s", (type, id, kind, expectedId) => {
    // Arrange
    const event = imported(withEdit((f) => (f.Resources = [{ Type: type, Id: id, Region: "us-east-1" }])));

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources[0]).toMatchObject({ kind, id: expectedId });
  });

  it("takes the account of a resource from its ARN", () => {
    // Arrange
    const event = imported(
      withEdit(
        (f) =>
          (f.Resources = [
            { Type: "AwsS3Bucket", Id: "arn:aws:s3:::b" },
            { Type: "AwsIamRole", Id: "arn:aws:iam::222233334444:role/R" },
          ]),
      ),
    );

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources.map((r) => r.account)).toEqual(["193043430472", "222233334444"]);
  });

  it("accepts findings sent by a custom action", () => {
    // Arrange
    const event = envelope(
      "aws.securityhub",
      "Security Hub Findings - Custom Action",
      { findings: [base()], actionName: "Respond" },
      { account: "193043430472" },
    );

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.source).toBe("securityhub");
  });

  it("rejects findings given as an object instead of a list", () => {
    // Arrange
    const event = envelope("aws.securityhub", "Security Hub Findings - Imported", { findings: base() });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.findings");
    expect(err.message).toContain("must be array, got object");
  });
});

describe("Security Hub intake: the finding's product", () => {
  const withProduct = (edit: Partial<Asff>) =>
    imported(
      withEdit((f) => {
        delete f.ProductFields;
        Object.assign(f, edit);
      }),
    );

  it.each([
    ["arn:aws:securityhub:us-east-1::product/aws/guardduty", true],
    ["arn:aws-us-gov:securityhub:us-gov-west-1::product/aws/inspector", true],
    ["arn:aws-cn:securityhub:cn-north-1::product/aws/securityhub", true],
    ["arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default", false],
    ["arn:aws:securityhub:us-east-1::product/crowdstrike/crowdstrike-falcon", false],
    ["arn:aws:securityhub:us-east-1:111111111111:product/aws/guardduty", false],
    ["arn:aws:securityhub:us-east-1::product/aws/guardduty/extra", false],
    ["arn:aws::securityhub:us-east-1::product/aws/guardduty", false],
    ["arn:evil:securityhub:us-east-1::product/aws/guardduty", false],
  ])("reads ProductArn %s as AWS's own: %s", (arn, aws) => {
    // Act
    const finding = expectFinding(withProduct({ ProductArn: arn }));

    // Assert
    expect(finding.product).toEqual({ arn, aws });
  });

  it("keeps the names a custom importer claims, without believing them", () => {
    // Arrange
    const event = withProduct({
      ProductArn: "arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default",
      ProductName: "GuardDuty\u202e",
      CompanyName: "Amazon",
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.product).toEqual({
      arn: "arn:aws:securityhub:us-east-1:111111111111:product/111111111111/default",
      name: "GuardDuty",
      company: "Amazon",
      aws: false,
    });
  });

  it("reads the names from ProductFields of older findings, and says not AWS's own without a ProductArn", () => {
    // Arrange
    const event = imported(
      withEdit((f) => {
        delete f.ProductArn;
      }),
    );

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.product).toEqual({ name: "GuardDuty", company: "Amazon", aws: false });
  });
});
