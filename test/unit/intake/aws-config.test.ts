import { describe, expect, it } from "vitest";
import { CONFIG_DEFAULT_SEVERITY } from "../../../shared/intake/index.ts";
import { clone, expectFinding, expectIgnored, expectInvalid, fixture } from "./helpers.ts";

type Detail = Record<string, unknown> & { newEvaluationResult: Record<string, unknown> };

function compliance(edit: (d: Detail) => void = () => {}) {
  const event = clone(fixture("config/volumes-prod-tags_EC2Volume_NON_COMPLIANT.json")) as { detail: Detail };
  edit(event.detail);
  return event;
}

describe("AWS Config intake", () => {
  it("turns a NON_COMPLIANT evaluation into a finding with a stable id", () => {
    // Arrange
    const event = compliance();

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding).toMatchObject({
      id: "volumes-prod-tags/AWS::EC2::Volume/vol-0f0b1ec8ced432a26/2022-03-02T07:03:46.945Z",
      source: "config",
      type: "config:volumes-prod-tags",
      severity: CONFIG_DEFAULT_SEVERITY,
      time: "2022-03-02T07:03:46.945Z",
      account: "111111111111",
      region: "us-east-1",
    });
  });

  it.each(["COMPLIANT", "NOT_APPLICABLE", "INSUFFICIENT_DATA"])("ignores %s evaluations", (type) => {
    // Arrange
    const event = compliance((d) => {
      d.newEvaluationResult.complianceType = type;
    });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(`Config evaluation is "${type}", not NON_COMPLIANT`);
  });

  it.each([
    ["AWS::EC2::Instance", "i-0123456789abcdef0", "ec2-instance"],
    ["AWS::EC2::SecurityGroup", "sg-0123456789abcdef0", "security-group"],
    ["AWS::S3::Bucket", "my-bucket", "s3-bucket"],
    ["AWS::::Account", "111111111111", "aws-account"],
    ["AWS::IAM::User", "AIDAEXAMPLEEXAMPLE01", "other"],
    ["AWS::RDS::DBInstance", "db-ABCDEFGHIJKL", "other"],
  ])("maps %s to kind %s", (resourceType, resourceId, kind) => {
    // Arrange
    const event = compliance((d) => {
      d.resourceType = resourceType;
      d.resourceId = resourceId;
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources).toEqual([expect.objectContaining({ kind, id: resourceId })]);
  });

  it("rejects an instance id that is not one", () => {
    // Arrange
    const event = compliance((d) => {
      d.resourceType = "AWS::EC2::Instance";
      d.resourceId = "i-xyz`reboot`";
    });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.resourceId");
  });

  it("rejects a change without an evaluation result", () => {
    // Arrange
    const event = compliance((d) => {
      delete (d as Record<string, unknown>).newEvaluationResult;
    });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.newEvaluationResult");
  });
});
