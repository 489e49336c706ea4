/**
 * Public statements: principals that are not wildcards, which operators confine an Allow,
 * source-IP lists that include the internet, and documents that are not objects.
 */
import { describe, expect, it } from "vitest";
import { publicStatements, statementsOf } from "../../../shared/intake/policy.ts";

/** One Allow statement for anyone, confined by `condition`. */
function anyoneWith(condition: Record<string, unknown>) {
  return {
    Statement: [
      { Sid: "Open", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Condition: condition },
    ],
  };
}

describe("publicStatements", () => {
  it("does not count a principal given as one account's ARN string as anyone", () => {
    // Arrange
    const policy = {
      Statement: [{ Sid: "One", Effect: "Allow", Principal: "arn:aws:iam::111122223333:root", Action: "*" }],
    };

    // Act
    const open = publicStatements(policy);

    // Assert
    expect(open).toStrictEqual([]);
  });

  it("strips a ForAnyValue qualifier only at the start of an operator", () => {
    // Arrange: the qualifier sits after IfExists, so the operator does not end in IfExists
    // and still confines the statement.
    const policy = anyoneWith({ "StringEqualsIfExistsForAnyValue:": { "aws:SourceVpce": "vpce-1a2b3c4d" } });

    // Act
    const open = publicStatements(policy);

    // Assert
    expect(open).toStrictEqual([]);
  });

  it("takes IfExists as a non-confining suffix only at the end of an operator", () => {
    // Arrange
    const policy = anyoneWith({ StringEqualsIfExistsX: { "aws:SourceVpce": "vpce-1a2b3c4d" } });

    // Act
    const open = publicStatements(policy);

    // Assert
    expect(open).toStrictEqual([]);
  });

  it("takes Null as non-confining only as the whole operator, not as a suffix", () => {
    // Arrange
    const policy = anyoneWith({ StringNull: { "aws:SourceVpce": "vpce-1a2b3c4d" } });

    // Act
    const open = publicStatements(policy);

    // Assert
    expect(open).toStrictEqual([]);
  });

  it("takes Null as non-confining only as the whole operator, not as a prefix", () => {
    // Arrange
    const policy = anyoneWith({ NullableEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } });

    // Act
    const open = publicStatements(policy);

    // Assert
    expect(open).toStrictEqual([]);
  });

  it("still counts the whole Null operator as non-confining", () => {
    // Arrange
    const policy = anyoneWith({ Null: { "aws:SourceVpce": "false" } });

    // Act
    const open = publicStatements(policy);

    // Assert
    expect(open).toStrictEqual(["Open"]);
  });

  it("counts a source-IP condition as open when any one of its ranges is the internet", () => {
    // Arrange
    const policy = anyoneWith({ IpAddress: { "aws:SourceIp": ["10.0.0.0/8", "0.0.0.0/0"] } });

    // Act
    const open = publicStatements(policy);

    // Assert
    expect(open).toStrictEqual(["Open"]);
  });
});

describe("statementsOf", () => {
  it("has no statements for a null document", () => {
    // Arrange
    const policy = null;

    // Act
    const statements = statementsOf(policy);

    // Assert
    expect(statements).toStrictEqual([]);
  });
});
