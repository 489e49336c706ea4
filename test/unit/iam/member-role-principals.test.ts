/**
 * contain-principal and contain-bucket in a member account, decided by an independent policy
 * simulator (@cloud-copilot/iam-simulate) against the member act role of
 * infra/member-account-role.yaml as deployed there: the IAM changes on users and roles of that
 * account, never on a protected one, the responder's own roles or service-linked roles; the
 * bucket calls only on buckets of that account. The simulator refuses a context key that does
 * not apply to the action and resource, so the protected-tag requests prove that IAM evaluates
 * `aws:ResourceTag` for these actions.
 */
import { describe, expect, it } from "vitest";
import { EXTERNAL_ID, memberPrincipal } from "../../support/iam/incident-simulation.ts";
import { type Decision, decide } from "../../support/iam/simulate.ts";
import { deployMemberStack } from "../../support/iam/template.ts";

const MEMBER = "210987654321";
const OTHER = "333344445555";
const REGION = "eu-west-1";
const member = deployMemberStack(MEMBER, REGION, {
  ResponderAccountId: "123456789012",
  ResponderStackName: "incident-responder-test",
  ResponderRegion: REGION,
  ExternalId: EXTERNAL_ID,
});
const act = memberPrincipal(member, "act");
const OPEN_BUCKET = {
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:*", Resource: "arn:aws:s3:::exposed-data" }],
};
const PROTECTED = { "aws:ResourceTag/incident-responder:protected": "True" };

const ask = (action: string, resource: string, context: Record<string, string> = {}): Promise<Decision> =>
  decide(act, { action, resource, context, why: `contain-principal: ${action}` });

const user = (name: string, account = MEMBER) => `arn:aws:iam::${account}:user/${name}`;
const role = (name: string, account = MEMBER) => `arn:aws:iam::${account}:role/${name}`;

describe("the member act role: contain-principal", () => {
  it.each([
    ["iam:UpdateAccessKey", user("alice")],
    ["iam:PutUserPolicy", user("alice")],
    ["iam:DeleteLoginProfile", user("alice")],
    ["iam:PutRolePolicy", role("app")],
    ["iam:GetAccessKeyLastUsed", user("alice")],
    ["iam:ListUserTags", user("alice")],
    ["iam:ListRoleTags", role("app")],
  ])("allows %s on %s", async (action, resource) => {
    expect(await ask(action, resource)).toBe("Allowed");
  });

  it.each([
    ["iam:UpdateAccessKey", user("break-glass")],
    ["iam:PutUserPolicy", user("break-glass")],
    ["iam:DeleteLoginProfile", user("break-glass")],
    ["iam:PutRolePolicy", role("payments")],
  ])("denies %s on %s when it carries the protected tag", async (action, resource) => {
    expect(await ask(action, resource, PROTECTED)).toBe("ExplicitlyDenied");
  });

  it.each([
    role("incident-responder-member"),
    role("incident-responder-isolation"),
    role("aws-service-role/guardduty.amazonaws.com/AWSServiceRoleForAmazonGuardDuty"),
  ])("denies iam:PutRolePolicy on %s", async (resource) => {
    expect(await ask("iam:PutRolePolicy", resource)).toBe("ExplicitlyDenied");
  });

  it("changes nothing of another account's principals", async () => {
    expect(await ask("iam:UpdateAccessKey", user("alice", OTHER))).toBe("ImplicitlyDenied");
    expect(await ask("iam:PutRolePolicy", role("app", OTHER))).toBe("ImplicitlyDenied");
  });

  it("never deletes a user's inline policy: release runs with the person's own credentials", async () => {
    expect(await ask("iam:DeleteUserPolicy", user("alice"))).toBe("ImplicitlyDenied");
  });
});

describe("the member act role: contain-bucket", () => {
  const bucket =
    (account: string) =>
    (action: string): Promise<Decision> =>
      decide(
        act,
        {
          action,
          resource: "arn:aws:s3:::exposed-data",
          // Bucket ARNs carry no account: AWS sets the owner's account in the request context.
          context: { "aws:ResourceAccount": account },
          why: `contain-bucket: ${action}`,
        },
        // Another account's bucket open to everyone: only the role's own policy can refuse it.
        { resourceAccount: account, ...(account === MEMBER ? {} : { resourcePolicy: OPEN_BUCKET }) },
      );

  it.each([
    "s3:GetBucketPolicy",
    "s3:PutBucketPolicy",
    "s3:GetBucketPublicAccessBlock",
    "s3:PutBucketPublicAccessBlock",
    "s3:GetBucketTagging",
  ])("allows %s on a bucket of its own account, and not of another", async (action) => {
    expect(await bucket(MEMBER)(action)).toBe("Allowed");
    expect(await bucket(OTHER)(action)).toBe("ImplicitlyDenied");
  });

  it("never deletes a bucket policy", async () => {
    expect(await bucket(MEMBER)("s3:DeleteBucketPolicy")).toBe("ImplicitlyDenied");
  });
});
