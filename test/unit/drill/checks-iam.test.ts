/**
 * The drill scorecard's IAM read-backs fail when the account says otherwise: a deny statement
 * that also names the sibling, a sibling whose groups changed, a user whose other key was
 * deactivated too, a missing deny policy.
 */
import {
  GetRolePolicyCommand,
  GetUserPolicyCommand,
  IAMClient,
  ListAccessKeysCommand,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { checkRevokedCredentials, checkUserContained } from "../../../cli/drill/checks-iam.ts";
import type { ScenarioTarget } from "../../../cli/drill/scenarios.ts";
import type { IncidentRecord } from "../../../shared/incident/model.ts";

const iam = mockClient(IAMClient);
const ID = "ir-20261207-0a1b2c3d";
const TARGET = "i-0123456789abcdef0";
const SIBLING = "i-0fedcba9876543210";
const target: ScenarioTarget = {
  instanceId: TARGET,
  account: "123456789012",
  region: "us-east-1",
  credentials: { roleName: "demo-web-role", siblingId: SIBLING },
  user: { userName: "drill-ci-deployer", accessKeyId: "AKIAKEY1", otherKeyIds: ["AKIAKEY2"] },
};
const incident = (steps: Record<string, unknown> = {}) =>
  ({ incidentId: ID, steps }) as unknown as IncidentRecord;

const deny = (...instances: string[]) =>
  encodeURIComponent(
    JSON.stringify({
      Version: "2012-10-17",
      Statement: instances.map((i) => ({
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: {
          StringEquals: { "ec2:SourceInstanceARN": `arn:aws:ec2:us-east-1:123456789012:instance/${i}` },
        },
      })),
    }),
  );

const groups = (g: string) => ({ found: true, groups: { "eni-1": [g] } });

describe("checkRevokedCredentials", () => {
  beforeEach(() => iam.reset());

  it("passes when the incident's statement denies the target alone and the sibling is untouched", async () => {
    iam.on(GetRolePolicyCommand).resolves({ PolicyDocument: deny(TARGET) });
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [`incident-responder-revoke-${ID}`] });

    const checks = await checkRevokedCredentials(iam as unknown as IAMClient, target, incident(), {
      before: groups("sg-web"),
      after: groups("sg-web"),
    });

    expect(checks.map((c) => c.pass)).toEqual([true, true]);
  });

  it("fails when a statement on the role also denies the sibling", async () => {
    iam.on(GetRolePolicyCommand).resolves({ PolicyDocument: deny(TARGET, SIBLING) });
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [`incident-responder-revoke-${ID}`] });

    const checks = await checkRevokedCredentials(iam as unknown as IAMClient, target, incident(), {
      before: groups("sg-web"),
      after: groups("sg-web"),
    });

    expect(checks.map((c) => c.pass)).toEqual([false, false]);
    expect(checks[1]?.detail).toContain(`denied by incident-responder-revoke-${ID}`);
  });

  it("fails when the sibling's groups changed, or the statement is not there", async () => {
    iam
      .on(GetRolePolicyCommand)
      .rejects(Object.assign(new Error("no such policy"), { name: "NoSuchEntity" }));
    iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: [] });

    const checks = await checkRevokedCredentials(iam as unknown as IAMClient, target, incident(), {
      before: groups("sg-web"),
      after: groups("sg-isolation"),
    });

    expect(checks.map((c) => c.pass)).toEqual([false, false]);
  });
});

describe("checkUserContained", () => {
  beforeEach(() => iam.reset());

  const keys = (one: string, two: string) =>
    iam.on(ListAccessKeysCommand).resolves({
      AccessKeyMetadata: [
        { AccessKeyId: "AKIAKEY1", Status: one as "Active" },
        { AccessKeyId: "AKIAKEY2", Status: two as "Active" },
      ],
    });

  it("passes with the named key Inactive, the other Active, the deny policy attached, verified", async () => {
    keys("Inactive", "Active");
    iam.on(GetUserPolicyCommand).resolves({ PolicyDocument: deny(TARGET) });

    const checks = await checkUserContained(
      iam as unknown as IAMClient,
      target,
      incident({ "contain-principal": { status: "verified" } }),
    );

    expect(checks.filter((c) => !c.pass)).toEqual([]);
    expect(checks).toHaveLength(4);
  });

  it("fails when the other key was deactivated too, or no deny policy is attached", async () => {
    keys("Inactive", "Inactive");
    iam
      .on(GetUserPolicyCommand)
      .rejects(Object.assign(new Error("no such policy"), { name: "NoSuchEntity" }));

    const checks = await checkUserContained(
      iam as unknown as IAMClient,
      target,
      incident({ "contain-principal": { status: "verified" } }),
    );

    expect(checks.filter((c) => !c.pass).map((c) => c.expectation)).toEqual([
      "the user's other keys still Active",
      `deny policy incident-responder-deny-${ID} attached to drill-ci-deployer`,
    ]);
  });

  it("fails when the named key is still Active", async () => {
    keys("Active", "Active");
    iam.on(GetUserPolicyCommand).resolves({ PolicyDocument: deny(TARGET) });

    const checks = await checkUserContained(
      iam as unknown as IAMClient,
      target,
      incident({ "contain-principal": { status: "partial" } }),
    );

    expect(checks.filter((c) => !c.pass).map((c) => c.expectation)).toEqual([
      "user containment verified by reading the state back",
      "named key AKIAKEY1 Inactive",
    ]);
  });
});
