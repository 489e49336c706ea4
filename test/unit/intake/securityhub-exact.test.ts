/**
 * Security Hub findings normalised field by field: the whole finding, each resource type's id,
 * where type, title and time fall back to, which finding of several is chosen and whose
 * warnings it carries, and why inactive findings are ignored.
 */
import { describe, expect, it } from "vitest";
import type { Finding } from "../../../shared/domain/types.ts";
import { envelope, expectFinding, expectIgnored, expectInvalid } from "./helpers.ts";

const ACCOUNT = "123456789012";
const INSTANCE = "i-0123456789abcdef0";

type Asff = Record<string, unknown>;

function asff(edit: (f: Asff) => void = () => {}): Asff {
  const f: Asff = {
    SchemaVersion: "2018-10-08",
    Id: "finding-1",
    ProductArn: "arn:aws:securityhub:eu-west-1::product/aws/guardduty",
    GeneratorId: "generator-1",
    AwsAccountId: ACCOUNT,
    Types: ["TTPs/Initial Access"],
    CreatedAt: "2024-05-01T08:00:00Z",
    UpdatedAt: "2024-05-01T09:00:00Z",
    Severity: { Label: "HIGH" },
    Title: "Port probe",
    Region: "eu-central-1",
    Resources: [{ Type: "AwsEc2Instance", Id: `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/${INSTANCE}` }],
  };
  edit(f);
  return f;
}

const imported = (...findings: Asff[]) =>
  envelope("aws.securityhub", "Security Hub Findings - Imported", { findings });

describe("a Security Hub finding", () => {
  it("becomes exactly this finding", () => {
    // Arrange
    const event = imported(
      asff((f) => {
        f.Resources = [
          {
            Type: "AwsEc2Instance",
            Id: `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/${INSTANCE}`,
            Region: "eu-west-1",
            Tags: { env: "prod" },
          },
        ];
      }),
    );

    // Act
    const finding = expectFinding(event);

    // Assert
    const expected: Finding = {
      id: "finding-1",
      source: "securityhub",
      type: "securityhub:TTPs/Initial Access",
      title: "Port probe",
      severity: 7.5,
      time: "2024-05-01T09:00:00Z",
      account: ACCOUNT,
      region: "eu-central-1",
      resources: [
        {
          kind: "ec2-instance",
          id: INSTANCE,
          arn: `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/${INSTANCE}`,
          region: "eu-west-1",
          account: ACCOUNT,
          tags: { env: "prod" },
        },
      ],
      product: { arn: "arn:aws:securityhub:eu-west-1::product/aws/guardduty", aws: true },
      drill: false,
      raw: event,
    };
    expect(finding).toStrictEqual(expected);
  });

  it.each([
    ["the generator id without types", (f: Asff) => delete f.Types, "securityhub:generator-1"],
    ["the generator id with an empty type list", (f: Asff) => (f.Types = []), "securityhub:generator-1"],
    [
      "finding with neither",
      (f: Asff) => {
        delete f.Types;
        delete f.GeneratorId;
      },
      "securityhub:finding",
    ],
    ["its first type, cleaned", (f: Asff) => (f.Types = ["A\u0000B\nC", "Other"]), "securityhub:AB C"],
  ])("is typed by %s", (_name, edit, type) => {
    // Act
    const finding = expectFinding(imported(asff(edit)));

    // Assert
    expect(finding.type).toBe(type);
  });

  it("cuts a long type to 256 characters", () => {
    // Act
    const finding = expectFinding(
      imported(
        asff((f) => {
          delete f.Types;
          f.GeneratorId = "t".repeat(300);
        }),
      ),
    );

    // Assert
    expect(finding.type).toBe(`securityhub:${"t".repeat(255)}…`);
  });

  it("is titled by its id when its title is blank", () => {
    // Act
    const finding = expectFinding(imported(asff((f) => (f.Title = "\u200b"))));

    // Assert
    expect(finding.title).toBe("Security Hub finding finding-1");
  });

  it("takes the envelope's region when it names none", () => {
    // Act
    const finding = expectFinding(imported(asff((f) => delete f.Region)));

    // Assert
    expect(finding.region).toBe("eu-west-1");
    expect(finding.resources[0]?.region).toBe("eu-west-1");
  });

  it("falls back to CreatedAt, then to the envelope's time, with a warning for each unreadable time", () => {
    // Act
    const created = expectFinding(imported(asff((f) => delete f.UpdatedAt)));
    const neither = expectFinding(
      imported(
        asff((f) => {
          f.UpdatedAt = "now";
          f.CreatedAt = "2024-05-01 08:00";
        }),
      ),
    );

    // Assert
    expect(created.time).toBe("2024-05-01T08:00:00Z");
    expect(created.warnings).toBeUndefined();
    expect(neither.time).toBe("2024-05-01T10:00:00Z");
    expect(neither.warnings).toStrictEqual([
      'detail.findings[0].UpdatedAt: must be an ISO-8601 date-time (got "now"); not used',
      'detail.findings[0].CreatedAt: must be an ISO-8601 date-time (got "2024-05-01 08:00"); not used',
    ]);
  });

  it("rejects a severity with neither label nor normalized value, with its message", () => {
    // Act
    const err = expectInvalid(imported(asff((f) => (f.Severity = {}))));

    // Assert
    expect(err.message).toBe("detail.findings[0].Severity: must have a Label or a Normalized value");
  });
});

describe("Security Hub resources", () => {
  it.each([
    ["AwsEc2Instance", `arn:aws:ec2:eu-west-1:${ACCOUNT}:instance/${INSTANCE}`, "ec2-instance", INSTANCE],
    [
      "AwsEc2Volume",
      `arn:aws:ec2:eu-west-1:${ACCOUNT}:volume/vol-0123456789abcdef0`,
      "ec2-volume",
      "vol-0123456789abcdef0",
    ],
    [
      "AwsEc2SecurityGroup",
      `arn:aws:ec2:eu-west-1:${ACCOUNT}:security-group/sg-0123456789abcdef0`,
      "security-group",
      "sg-0123456789abcdef0",
    ],
    ["AwsS3Bucket", "arn:aws:s3:::my-bucket", "s3-bucket", "my-bucket"],
    ["AwsIamAccessKey", "AWS::IAM::AccessKey:AKIAEXAMPLEEXAMPLE01", "iam-access-key", "AKIAEXAMPLEEXAMPLE01"],
    ["AwsIamUser", `arn:aws:iam::${ACCOUNT}:user/admins/alice`, "iam-user", "alice"],
    ["AwsIamRole", `arn:aws:iam::${ACCOUNT}:role/path/Deployer`, "iam-role", "Deployer"],
    ["AwsEksCluster", `arn:aws:eks:eu-west-1:${ACCOUNT}:cluster/prod`, "eks-cluster", "prod"],
    ["AwsLambdaFunction", `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:fn:3`, "lambda-function", "fn"],
    ["AwsLambdaFunction", "plain-fn", "lambda-function", "plain-fn"],
    ["AwsRdsDbInstance", `arn:aws:rds:eu-west-1:${ACCOUNT}:db:main-db`, "rds-instance", "main-db"],
    ["AwsCloudTrailTrail", `arn:aws:cloudtrail:eu-west-1:${ACCOUNT}:trail/org`, "cloudtrail-trail", "org"],
    ["AwsAccount", `AWS::::Account:${ACCOUNT}`, "aws-account", ACCOUNT],
    [
      "AwsEcsCluster",
      `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/c`,
      "other",
      `arn:aws:ecs:eu-west-1:${ACCOUNT}:cluster/c`,
    ],
  ])("read a %s with Id %s as %s %s", (Type, Id, kind, id) => {
    // Act
    const [res] = expectFinding(imported(asff((f) => (f.Resources = [{ Type, Id }])))).resources;

    // Assert
    expect(res).toStrictEqual({
      kind,
      id,
      ...(Id.startsWith("arn:") ? { arn: Id } : {}),
      region: "eu-central-1",
      account: ACCOUNT,
    });
  });

  it("take their account from their ARN, else from the finding", () => {
    // Act
    const resources = expectFinding(
      imported(
        asff(
          (f) =>
            (f.Resources = [
              { Type: "AwsIamUser", Id: "arn:aws:iam::210987654321:user/bob" },
              { Type: "AwsIamUser", Id: "arn:aws:iam::aws:user/bob" },
              { Type: "AwsS3Bucket", Id: "my-bucket" },
              { Type: "AwsAccount", Id: "AWS::::Account:210987654321" },
            ]),
        ),
      ),
    ).resources;

    // Assert
    expect(resources.map((r) => r.account)).toStrictEqual(["210987654321", ACCOUNT, ACCOUNT, ACCOUNT]);
  });

  it("leave out a malformed id of a kind not acted on, warning at its path", () => {
    // Act
    const finding = expectFinding(
      imported(
        asff(
          (f) =>
            (f.Resources = [
              { Type: "AwsEc2Instance", Id: INSTANCE },
              { Type: "AwsIamUser", Id: "arn:aws:iam::1:user/a b" },
            ]),
        ),
      ),
    );

    // Assert
    expect(finding.resources.map((r) => r.id)).toStrictEqual([INSTANCE]);
    expect(finding.warnings).toStrictEqual([
      'detail.findings[0].Resources[1].Id: must be an IAM user name (got "a b"); not named as an affected resource',
    ]);
  });
});

describe("several Security Hub findings", () => {
  it("give the first of the most severe on a tie", () => {
    // Act
    const finding = expectFinding(
      imported(
        asff((f) => (f.Id = "first")),
        asff((f) => (f.Id = "second")),
      ),
    );

    // Assert
    expect(finding.id).toBe("first");
  });

  it("carry only the warnings of the finding chosen", () => {
    // Arrange
    const noisyLow = asff((f) => {
      f.Id = "low";
      f.Severity = { Label: "LOW" };
      f.UpdatedAt = "bad";
    });
    const noisyHigh = asff((f) => {
      f.Id = "high";
      f.Severity = { Label: "CRITICAL" };
      f.CreatedAt = "bad too";
    });

    // Act
    const clean = expectFinding(imported(noisyLow, asff()));
    const noisy = expectFinding(imported(noisyLow, noisyHigh));

    // Assert
    expect(clean.id).toBe("finding-1");
    expect(clean.warnings).toBeUndefined();
    expect(noisy.id).toBe("high");
    expect(noisy.warnings).toStrictEqual([
      'detail.findings[1].CreatedAt: must be an ISO-8601 date-time (got "bad too"); not used',
    ]);
  });

  it("are ignored with one reason when every one is inactive for the same reason", () => {
    // Act
    const result = expectIgnored(
      imported(
        asff((f) => (f.RecordState = "ARCHIVED")),
        asff((f) => (f.RecordState = "ARCHIVED")),
      ),
    );

    // Assert
    expect(result.reason).toBe("Security Hub finding record state is ARCHIVED");
  });

  it("are ignored with each distinct reason when every one is inactive", () => {
    // Act
    const result = expectIgnored(
      imported(
        asff((f) => (f.Workflow = { Status: "SUPPRESSED" })),
        asff((f) => (f.Compliance = { Status: "PASSED" })),
        asff((f) => (f.Workflow = { Status: "SUPPRESSED" })),
      ),
    );

    // Assert
    expect(result.reason).toBe(
      'no active finding: "Security Hub finding workflow status is SUPPRESSED", "Security Hub compliance check PASSED"',
    );
  });

  it.each([
    [
      "a RESOLVED workflow",
      (f: Asff) => (f.Workflow = { Status: "RESOLVED" }),
      "Security Hub finding workflow status is RESOLVED",
    ],
    [
      "a SUPPRESSED workflow",
      (f: Asff) => (f.Workflow = { Status: "SUPPRESSED" }),
      "Security Hub finding workflow status is SUPPRESSED",
    ],
    [
      "an ARCHIVED record",
      (f: Asff) => (f.RecordState = "ARCHIVED"),
      "Security Hub finding record state is ARCHIVED",
    ],
    [
      "a PASSED check",
      (f: Asff) => (f.Compliance = { Status: "PASSED" }),
      "Security Hub compliance check PASSED",
    ],
  ])("ignore a finding with %s, saying so", (_name, edit, reason) => {
    // Act
    const result = expectIgnored(imported(asff(edit)));

    // Assert
    expect(result.reason).toBe(reason);
  });

  it.each([
    ["a NEW workflow", (f: Asff) => (f.Workflow = { Status: "NEW" })],
    [
      "a NOTIFIED workflow and an ACTIVE record",
      (f: Asff) => {
        f.Workflow = { Status: "NOTIFIED" };
        f.RecordState = "ACTIVE";
      },
    ],
    ["a FAILED check", (f: Asff) => (f.Compliance = { Status: "FAILED" })],
    [
      "null workflow and compliance",
      (f: Asff) => {
        f.Workflow = null;
        f.Compliance = null;
      },
    ],
  ])("keep a finding with %s", (_name, edit) => {
    // Act
    const finding = expectFinding(imported(asff(edit)));

    // Assert
    expect(finding.id).toBe("finding-1");
  });
});

describe("a Security Hub finding's product", () => {
  it("keeps names cleaned and cut to 128 characters", () => {
    // Act
    const finding = expectFinding(
      imported(
        asff((f) => {
          f.ProductName = `N\u0000${"n".repeat(200)}`;
          f.CompanyName = "Ac\nme";
        }),
      ),
    );

    // Assert
    expect(finding.product).toStrictEqual({
      arn: "arn:aws:securityhub:eu-west-1::product/aws/guardduty",
      name: `N${"n".repeat(126)}…`,
      company: "Ac me",
      aws: true,
    });
  });

  it("falls back to ProductFields when a name is blank after cleaning", () => {
    // Act
    const finding = expectFinding(
      imported(
        asff((f) => {
          f.ProductName = "\u200b";
          f.CompanyName = "";
          f.ProductFields = {
            "aws/securityhub/ProductName": "Inspector",
            "aws/securityhub/CompanyName": "AWS",
          };
        }),
      ),
    );

    // Assert
    expect(finding.product?.name).toBe("Inspector");
    expect(finding.product?.company).toBe("AWS");
  });

  it("drops a ProductArn that is not an ARN and is then not AWS's own", () => {
    // Act
    const finding = expectFinding(
      imported(asff((f) => (f.ProductArn = "arn:aws:securityhub:eu-west-1::product/aws/guard duty"))),
    );

    // Assert
    expect(finding.product).toStrictEqual({ aws: false });
  });
});
