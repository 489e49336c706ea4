/**
 * Resource ids and tags given values that are not what they look like: a list holding a valid
 * id, and a tag entry that is a function carrying key and value properties; and a finding's
 * product read back through FindingSchema.
 */
import { describe, expect, it } from "vitest";
import { FindingSchema, idProblem, isValidId, tagsFrom } from "../../../shared/intake/finding.ts";

describe("a resource id that is a list holding a valid id", () => {
  it("is a problem for idProblem, which says what the id must be", () => {
    // Arrange
    const id = ["alice"];

    // Act
    const problem = idProblem("iam-user", id);

    // Assert
    expect(problem).toBe("must be an IAM user name (got an array of 1)");
  });

  it("is not a valid id", () => {
    // Arrange
    const id = ["i-0123456789abcdef0"];

    // Act
    const valid = isValidId("ec2-instance", id);

    // Assert
    expect(valid).toBe(false);
  });
});

describe("tagsFrom", () => {
  it("skips a list entry that is a function, even one carrying key and value properties", () => {
    // Arrange
    const entry = Object.assign(() => undefined, { key: "env", value: "prod" });

    // Act
    const tags = tagsFrom([entry, { key: "team", value: "ops" }]);

    // Assert
    expect(tags).toStrictEqual({ team: "ops" });
  });
});

describe("FindingSchema and a finding's product", () => {
  const finding = {
    id: "f-1",
    source: "securityhub",
    type: "securityhub:TTPs/Initial Access",
    title: "Port probe",
    severity: 7.5,
    time: "2024-05-01T09:00:00Z",
    account: "123456789012",
    region: "eu-west-1",
    resources: [],
    drill: false,
    raw: {},
  };

  it("keeps the product's ARN, name and company, and whether it is AWS's own", () => {
    // Arrange
    const product = {
      arn: "arn:aws:securityhub:eu-west-1::product/aws/guardduty",
      name: "GuardDuty",
      company: "Amazon",
      aws: true,
    };

    // Act
    const parsed = FindingSchema.parse({ ...finding, product });

    // Assert
    expect(parsed.product).toStrictEqual(product);
  });

  it.each([
    ["does not say whether it is AWS's own", { arn: "arn:aws:securityhub:eu-west-1::product/aws/guardduty" }],
    ["says it is AWS's own in text", { name: "GuardDuty", aws: "true" }],
    ["has a name that is not text", { name: 7, aws: false }],
  ])("refuses a product that %s", (_name, product) => {
    // Act
    const result = FindingSchema.safeParse({ ...finding, product });

    // Assert
    expect(result.success).toBe(false);
  });
});
