/**
 * Policy documents read exactly: every condition key that confines an Allow, the operators that
 * do not, the values that confine nothing, and the accounts a trust policy lets in.
 */
import { describe, expect, it } from "vitest";
import {
  grantsFullAdmin,
  outsideTrustedAccounts,
  publicStatements,
  statementsOf,
} from "../../../shared/intake/policy.ts";

const policy = (statement: Record<string, unknown>) => ({
  Statement: [
    { Sid: "S", Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "*", ...statement },
  ],
});

const CONFINING_KEYS = [
  "aws:SourceVpce",
  "aws:SourceVpc",
  "aws:SourceVpcArn",
  "aws:SourceIp",
  "aws:VpceAccount",
  "aws:VpceOrgID",
  "aws:VpceOrgPaths",
  "aws:PrincipalOrgID",
  "aws:PrincipalOrgPaths",
  "aws:PrincipalAccount",
  "aws:PrincipalArn",
  "aws:SourceAccount",
  "aws:SourceArn",
  "aws:SourceOrgID",
  "aws:SourceOrgPaths",
  "aws:userid",
  "s3:DataAccessPointAccount",
  "s3:DataAccessPointArn",
];

describe("publicStatements", () => {
  it.each(CONFINING_KEYS)("takes %s with a concrete value as confining", (key) => {
    // Arrange
    const doc = policy({ Condition: { StringEquals: { [key]: "10.0.0.0/8" } } });

    // Act + Assert
    expect(publicStatements(doc)).toStrictEqual([]);
  });

  it("reads condition keys whatever their case", () => {
    // Act + Assert
    expect(
      publicStatements(policy({ Condition: { StringEquals: { "AWS:SOURCEVPCE": "vpce-1" } } })),
    ).toStrictEqual([]);
  });

  it.each([
    ["ForAnyValue:StringEquals", true],
    ["ForAllValues:StringLike", true],
    ["ArnEquals", true],
    ["StringNotEquals", false],
    ["ForAnyValue:StringNotLike", false],
    ["StringEqualsIfExists", false],
    ["Null", false],
    ["ForAllValues:Null", false],
    ["ForAnyValue:Null", false],
  ])("takes the operator %s as confining: %s", (operator, confining) => {
    // Arrange
    const doc = policy({ Condition: { [operator]: { "aws:PrincipalOrgID": "o-abc" } } });

    // Act + Assert
    expect(publicStatements(doc)).toStrictEqual(confining ? [] : ["S"]);
  });

  it.each([
    ["an empty list", []],
    ["a list with a number", ["o-abc", 1]],
    ["a wildcard among values", ["o-abc", "*"]],
    ["an empty string", ""],
    ["null", null],
  ])("takes %s as confining nothing", (_name, value) => {
    // Arrange
    const doc = policy({ Condition: { StringEquals: { "aws:PrincipalOrgID": value } } });

    // Act + Assert
    expect(publicStatements(doc)).toStrictEqual(["S"]);
  });

  it.each([
    ["the IPv4 world", "0.0.0.0/0", ["S"]],
    ["the IPv6 world", "::/0", ["S"]],
    ["a network", "203.0.113.0/24", []],
  ])("takes a SourceIp of %s as confining nothing only when it is the world", (_name, cidr, expected) => {
    // Arrange
    const doc = policy({ Condition: { IpAddress: { "aws:SourceIp": [cidr] } } });

    // Act + Assert
    expect(publicStatements(doc)).toStrictEqual(expected);
  });

  it("takes the world as a value of another key as confining", () => {
    // Arrange
    const doc = policy({ Condition: { StringEquals: { "aws:SourceVpc": "0.0.0.0/0" } } });

    // Act + Assert
    expect(publicStatements(doc)).toStrictEqual([]);
  });

  it.each([
    ["a condition that is not an object", "aws:SourceVpce"],
    ["clauses that are not an object", { StringEquals: "aws:SourceVpce" }],
    ["an unknown key only", { StringEquals: { "aws:RequestedRegion": "eu-west-1" } }],
  ])("takes %s as confining nothing", (_name, condition) => {
    // Act + Assert
    expect(publicStatements(policy({ Condition: condition }))).toStrictEqual(["S"]);
  });

  it.each([
    ["a canonical user *", { CanonicalUser: "*" }, ["S"]],
    ["a list of AWS principals without *", { AWS: ["arn:aws:iam::111122223333:root"] }, []],
  ])("takes %s as anyone or not", (_name, principal, expected) => {
    // Act + Assert
    expect(publicStatements(policy({ Principal: principal }))).toStrictEqual(expected);
  });

  it("names statements without a usable Sid by their index", () => {
    // Arrange
    const doc = {
      Statement: [
        { Effect: "Deny", Principal: "*" },
        { Sid: "", Effect: "Allow", Principal: "*" },
        { Sid: 5, Effect: "Allow", Principal: "*" },
        { Sid: "Named", Effect: "Allow", Principal: "*" },
      ],
    };

    // Act + Assert
    expect(publicStatements(doc)).toStrictEqual(["#1", "#2", "Named"]);
  });
});

describe("statementsOf", () => {
  it.each([
    ["a list", { Statement: [{ a: 1 }, "x", null, { b: 2 }] }, [{ a: 1 }, { b: 2 }]],
    ["one statement", { Statement: { a: 1 } }, [{ a: 1 }]],
    ["no statement", {}, []],
    ["a document that is not an object", "policy", []],
  ])("reads %s", (_name, doc, expected) => {
    // Act + Assert
    expect(statementsOf(doc)).toStrictEqual(expected);
  });
});

describe("grantsFullAdmin", () => {
  it.each([
    ["NotResource", { Effect: "Allow", Action: "*", NotResource: "arn:aws:s3:::b" }, true],
    [
      "every action on a list without *",
      { Effect: "Allow", Action: "*", Resource: ["arn:aws:s3:::b"] },
      false,
    ],
    ["NotAction on one resource", { Effect: "Allow", NotAction: "s3:*", Resource: "arn:aws:s3:::b" }, false],
    ["no Effect", { Action: "*", Resource: "*" }, false],
  ])("says whether %s grants every action on everything", (_name, statement, expected) => {
    // Act + Assert
    expect(grantsFullAdmin({ Statement: [statement] })).toBe(expected);
  });

  it("is true when any one statement grants it", () => {
    // Arrange
    const doc = {
      Statement: [
        { Effect: "Allow", Action: "s3:*", Resource: "*" },
        { Effect: "Allow", Action: "*:*", Resource: "*" },
      ],
    };

    // Act + Assert
    expect(grantsFullAdmin(doc)).toBe(true);
  });
});

describe("outsideTrustedAccounts", () => {
  const known = new Set(["123456789012"]);
  const trust = (...statements: Record<string, unknown>[]) => ({ Statement: statements });

  it("lists the outside accounts AWS principals name, by id or ARN, sorted and once", () => {
    // Arrange
    const doc = trust(
      {
        Effect: "Allow",
        Principal: {
          AWS: [
            "999999999999",
            "arn:aws:iam::222222222222:root",
            "arn:aws-cn:sts::333333333333:assumed-role/r/s",
            "arn:aws:iam::222222222222:user/bob",
            "123456789012",
          ],
        },
      },
      { Effect: "Allow", Principal: { AWS: "arn:aws-us-gov:iam::111111111111:role/x" } },
    );

    // Act + Assert
    expect(outsideTrustedAccounts(doc, known)).toStrictEqual([
      "111111111111",
      "222222222222",
      "333333333333",
      "999999999999",
    ]);
  });

  it.each([
    ["a Deny", { Effect: "Deny", Principal: { AWS: "999999999999" } }],
    ["a wildcard principal", { Effect: "Allow", Principal: "*" }],
    ["a service principal", { Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" } }],
    ["an id of eleven digits", { Effect: "Allow", Principal: { AWS: "99999999999" } }],
    ["an id with text after it", { Effect: "Allow", Principal: { AWS: "999999999999x" } }],
    ["an id with text before it", { Effect: "Allow", Principal: { AWS: "x999999999999" } }],
    ["an ARN of another service", { Effect: "Allow", Principal: { AWS: "arn:aws:s3::999999999999:b" } }],
    [
      "an ARN with text before it",
      { Effect: "Allow", Principal: { AWS: "xarn:aws:iam::999999999999:root" } },
    ],
    ["an ARN with a short account", { Effect: "Allow", Principal: { AWS: "arn:aws:iam::99999:root" } }],
    ["a principal that is not text", { Effect: "Allow", Principal: { AWS: [999999999999] } }],
  ])("lists nothing for %s", (_name, statement) => {
    // Act + Assert
    expect(outsideTrustedAccounts(trust(statement), known)).toStrictEqual([]);
  });
});
