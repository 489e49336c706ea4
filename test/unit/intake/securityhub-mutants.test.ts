/**
 * Security Hub findings: resource ids that look like ARNs without being ones, the paths of
 * warnings and errors inside a finding, and the handler's own verdicts.
 */
import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { NO_TRUST } from "../../../shared/intake/account.ts";
import type { IntakeContext } from "../../../shared/intake/context.ts";
import type { Envelope } from "../../../shared/intake/schemas/envelope.ts";
import { normalizeSecurityHub } from "../../../shared/intake/securityhub.ts";
import { IntakeWarnings } from "../../../shared/intake/warnings.ts";
import { envelope, expectFinding, expectInvalid } from "./helpers.ts";

const ACCOUNT = "123456789012";

type Asff = Record<string, unknown>;

/** A valid active ASFF finding about `resource`. */
function asff(resource: Asff, edit: (f: Asff) => void = () => {}): Asff {
  const f: Asff = {
    SchemaVersion: "2018-10-08",
    Id: "finding-1",
    ProductArn: "arn:aws:securityhub:eu-west-1::product/aws/guardduty",
    GeneratorId: "generator-1",
    AwsAccountId: ACCOUNT,
    Types: ["TTPs/Initial Access"],
    UpdatedAt: "2024-05-01T09:00:00Z",
    Severity: { Label: "HIGH" },
    Title: "Port probe",
    Region: "eu-central-1",
    Resources: [resource],
  };
  edit(f);
  return f;
}

const imported = (...findings: unknown[]) =>
  envelope("aws.securityhub", "Security Hub Findings - Imported", { findings });

function handlerContext(findings: unknown[]): IntakeContext {
  return {
    envelope: imported(...findings) as unknown as Envelope,
    prefix: "",
    drill: false,
    options: { minSeverity: 0, includeFailedCalls: false, trust: NO_TRUST },
    warnings: new IntakeWarnings(),
  };
}

describe("a Security Hub resource id that is not an ARN", () => {
  it("is taken whole as a Lambda function name, even with colons in it, and left out with a warning", () => {
    // Arrange
    const event = imported(asff({ Type: "AwsLambdaFunction", Id: "a:b:c:d:e:f:fn" }));

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources).toStrictEqual([]);
    expect(finding.warnings).toStrictEqual([
      'detail.findings[0].Resources[0].Id: must be a Lambda function name (got "a:b:c:d:e:f:fn"); not named as an affected resource',
    ]);
  });

  it("names no account of its own: the resource takes the finding's account", () => {
    // Arrange
    const event = imported(asff({ Type: "Other", Id: "x:x:x:x:111122223333:thing" }));

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources).toStrictEqual([
      { kind: "other", id: "x:x:x:x:111122223333:thing", region: "eu-central-1", account: ACCOUNT },
    ]);
  });
});

describe("a Security Hub resource of an unknown type with a malformed id", () => {
  it("is left out with a warning at its Id", () => {
    // Arrange
    const event = imported(asff({ Type: "Other", Id: " padded" }));

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources).toStrictEqual([]);
    expect(finding.warnings).toStrictEqual([
      'detail.findings[0].Resources[0].Id: must be an identifier of printable characters (got "padded"); not named as an affected resource',
    ]);
  });
});

describe("a Security Hub event whose only finding is malformed", () => {
  it("is rejected at the field inside that finding", () => {
    // Arrange
    const event = imported(
      asff({ Type: "Other", Id: "thing" }, (f) => {
        f.AwsAccountId = "12345";
      }),
    );

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.findings[0].AwsAccountId");
    expect(err.message).toBe(
      'detail.findings[0].AwsAccountId: must be a 12-digit AWS account id (got "12345")',
    );
  });
});

describe("normalizeSecurityHub", () => {
  it("returns a verdict of kind finding for an active finding", () => {
    // Arrange
    const ctx = handlerContext([asff({ Type: "Other", Id: "thing" })]);

    // Act
    const result = normalizeSecurityHub(ctx);

    // Assert
    expect(result).toStrictEqual({
      kind: "finding",
      finding: {
        id: "finding-1",
        source: "securityhub",
        type: "securityhub:TTPs/Initial Access",
        title: "Port probe",
        severity: 7.5,
        time: "2024-05-01T09:00:00Z",
        account: ACCOUNT,
        region: "eu-central-1",
        resources: [{ kind: "other", id: "thing", region: "eu-central-1", account: ACCOUNT }],
        product: { arn: "arn:aws:securityhub:eu-west-1::product/aws/guardduty", aws: true },
      },
    });
  });

  it("lets an unexpected error while reading one finding through, even when another finding is valid", () => {
    // Arrange
    const failure = new TypeError("getter failed");
    const broken = asff({ Type: "Other", Id: "thing" });
    Object.defineProperty(broken, "Id", {
      get() {
        throw failure;
      },
      enumerable: true,
    });
    const ctx = handlerContext([broken, asff({ Type: "Other", Id: "thing" })]);

    // Act
    const act = () => normalizeSecurityHub(ctx);

    // Assert
    expect(act).toThrow(failure);
    expect(failure).not.toBeInstanceOf(InvalidEventError);
  });
});

describe("a Security Hub finding's ProductArn that only ends with an AWS product's", () => {
  it("keeps the ARN but does not make the product AWS's own", () => {
    // Arrange: a custom import's product ARN with an AWS product's ARN appended
    const productArn =
      "arn:aws:securityhub:eu-west-1:123456789012:product/123456789012/arn:aws:securityhub:eu-west-1::product/aws/guardduty";
    const event = imported(asff({ Type: "Other", Id: "thing" }, (f) => (f.ProductArn = productArn)));

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.product).toStrictEqual({ arn: productArn, aws: false });
  });
});
