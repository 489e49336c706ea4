/**
 * The statements containment writes, decided by an independent policy simulator
 * (@cloud-copilot/iam-simulate): the role's deny ends sessions issued before the cut-off and
 * spares newer ones; the bucket's deny refuses the finding's principal and no other.
 */
import { describe, expect, it } from "vitest";
import { denyStatement } from "../../../shared/bucket/policy.ts";
import { roleDenyDocument, userDenyDocument } from "../../../shared/principal/documents.ts";
import { decide } from "../../support/iam/simulate.ts";

const ACCOUNT = "123456789012";
const ROLE = `arn:aws:iam::${ACCOUNT}:role/app`;
const INCIDENT = "ir-20260101-0abc1234";
const CUTOFF = "2026-12-07T10:00:00.000Z";
const allowRead = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Action: "s3:GetObject", Resource: "*" }],
};
const read = (issued: string) => ({
  action: "s3:GetObject",
  resource: "arn:aws:s3:::data/report.csv",
  context: { "aws:TokenIssueTime": issued },
  why: "a session of the role reads an object",
});

describe("the role's deny for older sessions (aws:TokenIssueTime)", () => {
  const principal = {
    arn: ROLE,
    account: ACCOUNT,
    policies: [
      { name: "app", policy: allowRead },
      { name: `incident-responder-deny-${INCIDENT}`, policy: JSON.parse(roleDenyDocument(INCIDENT, CUTOFF)) },
    ],
  };

  it("denies a session issued before the cut-off", async () => {
    expect(await decide(principal, read("2026-12-07T09:59:59Z"))).toBe("ExplicitlyDenied");
  });

  it("allows a session issued after the cut-off", async () => {
    expect(await decide(principal, read("2026-12-07T10:00:01Z"))).toBe("Allowed");
  });
});

describe("the user's deny-all policy", () => {
  it("denies everything the user was allowed", async () => {
    const principal = {
      arn: `arn:aws:iam::${ACCOUNT}:user/alice`,
      account: ACCOUNT,
      policies: [
        { name: "app", policy: allowRead },
        { name: "deny", policy: JSON.parse(userDenyDocument(INCIDENT)) },
      ],
    };

    expect(await decide(principal, { ...read("2026-12-07T09:00:00Z"), context: {} })).toBe(
      "ExplicitlyDenied",
    );
  });
});

describe("the bucket's deny statement", () => {
  const bucketPolicy = {
    Version: "2012-10-17",
    Statement: [denyStatement(INCIDENT, "data", `arn:aws:iam::${ACCOUNT}:user/mallory`)],
  };
  const as = (name: string) => ({
    arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    account: ACCOUNT,
    policies: [{ name: "read", policy: allowRead }],
  });
  const get = { action: "s3:GetObject", resource: "arn:aws:s3:::data/report.csv", context: {}, why: "read" };

  it("refuses the finding's principal", async () => {
    expect(await decide(as("mallory"), get, { resourcePolicy: bucketPolicy, resourceAccount: ACCOUNT })).toBe(
      "ExplicitlyDenied",
    );
  });

  it("lets every other principal through", async () => {
    expect(await decide(as("alice"), get, { resourcePolicy: bucketPolicy, resourceAccount: ACCOUNT })).toBe(
      "Allowed",
    );
  });
});
