import { describe, expect, it } from "vitest";
import { grantsFullAdmin, publicStatements } from "../../../shared/intake/policy.ts";

const allow = (extra: Record<string, unknown>) => ({
  Version: "2012-10-17",
  Statement: [{ Sid: "S", Effect: "Allow", Action: "s3:GetObject", Resource: "arn:aws:s3:::b/*", ...extra }],
});

describe("publicStatements", () => {
  it.each([
    ["Principal *", { Principal: "*" }],
    ["Principal AWS *", { Principal: { AWS: "*" } }],
    ["Principal AWS list with *", { Principal: { AWS: ["arn:aws:iam::111122223333:root", "*"] } }],
    ["NotPrincipal", { NotPrincipal: { AWS: "arn:aws:iam::111122223333:root" } }],
    ["a non-confining condition", { Principal: "*", Condition: { Bool: { "aws:SecureTransport": "true" } } }],
    [
      "a negated VPCE condition",
      { Principal: "*", Condition: { StringNotEquals: { "aws:SourceVpce": "vpce-1" } } },
    ],
    ["a world SourceIp", { Principal: "*", Condition: { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } } }],
    ["a wildcard org id", { Principal: "*", Condition: { StringLike: { "aws:PrincipalOrgID": "*" } } }],
    [
      "an IfExists condition",
      { Principal: "*", Condition: { StringEqualsIfExists: { "aws:SourceVpce": "vpce-1" } } },
    ],
  ])("reports public access through %s", (_name, extra) => {
    // Act + Assert
    expect(publicStatements(allow(extra))).toEqual(["S"]);
  });

  it.each([
    ["a specific account", { Principal: { AWS: "arn:aws:iam::111122223333:root" } }],
    [
      "a VPC endpoint condition",
      { Principal: "*", Condition: { StringEquals: { "aws:SourceVpce": "vpce-1a2b3c4d" } } },
    ],
    [
      "a lower-case condition key",
      { Principal: "*", Condition: { StringEquals: { "aws:sourcevpce": "vpce-1a2b3c4d" } } },
    ],
    [
      "an organisation condition",
      { Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-abc123" } } },
    ],
    [
      "a source IP range",
      { Principal: "*", Condition: { IpAddress: { "aws:SourceIp": ["203.0.113.0/24"] } } },
    ],
    ["a service principal", { Principal: { Service: "cloudtrail.amazonaws.com" } }],
  ])("does not report access confined to %s", (_name, extra) => {
    // Act + Assert
    expect(publicStatements(allow(extra))).toEqual([]);
  });

  it("never reports Deny statements", () => {
    // Arrange
    const policy = { Statement: [{ Effect: "Deny", Principal: "*", Action: "s3:*", Resource: "*" }] };

    // Act + Assert
    expect(publicStatements(policy)).toEqual([]);
  });

  it("accepts a single statement object and names unnamed statements by index", () => {
    // Arrange
    const policy = { Statement: { Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*" } };

    // Act + Assert
    expect(publicStatements(policy)).toEqual(["#0"]);
  });
});

describe("grantsFullAdmin", () => {
  it.each([
    ["Action * on *", { Effect: "Allow", Action: "*", Resource: "*" }, true],
    ["Action *:* in a list", { Effect: "Allow", Action: ["s3:*", "*:*"], Resource: ["*"] }, true],
    ["NotAction on *", { Effect: "Allow", NotAction: "iam:*", Resource: "*" }, true],
    ["s3:* on *", { Effect: "Allow", Action: "s3:*", Resource: "*" }, false],
    ["* on one bucket", { Effect: "Allow", Action: "*", Resource: "arn:aws:s3:::b" }, false],
    ["Deny *", { Effect: "Deny", Action: "*", Resource: "*" }, false],
  ])("judges %s", (_name, statement, expected) => {
    // Act + Assert
    expect(grantsFullAdmin({ Statement: [statement] })).toBe(expected);
  });
});
