/**
 * The identity rules of the risky-call catalogue, judged one call at a time: exactly what each
 * rule returns (resources and detail line) for a risky call, and null for its harmless twins.
 */
import { describe, expect, it } from "vitest";
import type { CloudTrailCall } from "../../../shared/intake/cloudtrail-call.ts";
import { IDENTITY_RULES } from "../../../shared/intake/cloudtrail-rules-identity.ts";
import type { CloudTrailDetail } from "../../../shared/intake/schemas/cloudtrail.ts";
import { IntakeWarnings } from "../../../shared/intake/warnings.ts";

const ACCOUNT = "123456789012";
const ADMIN_ARN = "arn:aws:iam::aws:policy/AdministratorAccess";

/** One call with `params` (and record fields from `detail`), as a rule sees it. */
function aCall(params: Record<string, unknown>, detail: Partial<CloudTrailDetail> = {}): CloudTrailCall {
  return {
    detail: { eventID: "e", eventName: "X", eventSource: "x.amazonaws.com", eventTime: "t", ...detail },
    params,
    account: ACCOUNT,
    region: "eu-west-1",
    partition: "aws",
    detailPath: "detail",
    paramsPath: "detail.requestParameters",
    warnings: new IntakeWarnings(),
    knownAccounts: new Set([ACCOUNT]),
  };
}

/** A console sign-in by a caller of `type`, with its outcome and MFA flag. */
function signIn(type: string, outcome: string, mfa: unknown, userName?: string): CloudTrailCall {
  return aCall(
    {},
    {
      userIdentity: { type, ...(userName === undefined ? {} : { userName }) },
      responseElements: { ConsoleLogin: outcome },
      additionalEventData: mfa === undefined ? {} : { MFAUsed: mfa },
    },
  );
}

function assess(id: string, call: CloudTrailCall) {
  const rule = IDENTITY_RULES.find((r) => r.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  return rule.assess(call);
}

const fullAdminDoc = JSON.stringify({ Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] });

describe("ConsoleLogin/Root", () => {
  it("names the account and says the root sign-in used MFA", () => {
    // Arrange
    const call = signIn("Root", "Success", "Yes");

    // Act
    const match = assess("ConsoleLogin/Root", call);

    // Assert
    expect(match).toStrictEqual({ resources: [{ kind: "aws-account", id: ACCOUNT }], detail: "with MFA" });
  });

  it.each([
    ["MFAUsed No", "No"],
    ["no MFAUsed", undefined],
    ["an MFAUsed that is not text", true],
  ])("says a root sign-in with %s was without MFA", (_name, mfa) => {
    // Arrange
    const call = signIn("Root", "Success", mfa);

    // Act
    const match = assess("ConsoleLogin/Root", call);

    // Assert
    expect(match).toStrictEqual({
      resources: [{ kind: "aws-account", id: ACCOUNT }],
      detail: "without MFA",
    });
  });
});

describe("ConsoleLogin/NoMFA", () => {
  it("names the IAM user who signed in without MFA", () => {
    // Arrange
    const call = signIn("IAMUser", "Success", "No", "alice");

    // Act
    const match = assess("ConsoleLogin/NoMFA", call);

    // Assert
    expect(match).toStrictEqual({ resources: [], detail: "user alice" });
  });

  it("writes a question mark for an IAM user without a name", () => {
    // Arrange
    const call = signIn("IAMUser", "Success", "No");

    // Act
    const match = assess("ConsoleLogin/NoMFA", call);

    // Assert
    expect(match).toStrictEqual({ resources: [], detail: "user ?" });
  });

  it.each([
    ["with MFA", "IAMUser", "Success", "Yes"],
    ["without an MFA flag", "IAMUser", "Success", undefined],
    ["that failed", "IAMUser", "Failure", "No"],
    ["federated through a role (the identity provider handles MFA)", "AssumedRole", "Success", "No"],
  ])("finds nothing risky in a sign-in %s", (_name, type, outcome, mfa) => {
    // Arrange
    const call = signIn(type, outcome, mfa, "alice");

    // Act
    const match = assess("ConsoleLogin/NoMFA", call);

    // Assert
    expect(match).toBeNull();
  });
});

describe("CreateAccessKey/Root", () => {
  it("names the account when root creates a key for itself", () => {
    // Arrange
    const call = aCall({}, { userIdentity: { type: "Root" } });

    // Act
    const match = assess("CreateAccessKey/Root", call);

    // Assert
    expect(match).toStrictEqual({
      resources: [{ kind: "aws-account", id: ACCOUNT }],
      detail: "long-term root credentials created",
    });
  });

  it("finds nothing risky when an IAM user creates a key for itself", () => {
    // Arrange
    const call = aCall({}, { userIdentity: { type: "IAMUser", userName: "alice" } });

    // Act
    const match = assess("CreateAccessKey/Root", call);

    // Assert
    expect(match).toBeNull();
  });

  it("finds nothing risky when root creates a key for a named user", () => {
    // Arrange
    const call = aCall({ userName: "bob" }, { userIdentity: { type: "Root" } });

    // Act
    const match = assess("CreateAccessKey/Root", call);

    // Assert
    expect(match).toBeNull();
  });
});

describe("AdministratorAccess attached", () => {
  it("to a user names the user", () => {
    // Arrange
    const call = aCall({ userName: "bob", policyArn: ADMIN_ARN });

    // Act
    const match = assess("AttachUserPolicy/AdministratorAccess", call);

    // Assert
    expect(match).toStrictEqual({
      resources: [{ kind: "iam-user", id: "bob", account: ACCOUNT, region: "eu-west-1" }],
      detail: "user bob",
    });
  });

  it("to a role names the role", () => {
    // Arrange
    const call = aCall({ roleName: "Deployer", policyArn: ADMIN_ARN });

    // Act
    const match = assess("AttachRolePolicy/AdministratorAccess", call);

    // Assert
    expect(match).toStrictEqual({
      resources: [{ kind: "iam-role", id: "Deployer", account: ACCOUNT, region: "eu-west-1" }],
      detail: "role Deployer",
    });
  });

  it("to a group names the group", () => {
    // Arrange
    const call = aCall({ groupName: "Admins", policyArn: ADMIN_ARN });

    // Act
    const match = assess("AttachGroupPolicy/AdministratorAccess", call);

    // Assert
    expect(match).toStrictEqual({
      resources: [{ kind: "other", id: "Admins", account: ACCOUNT, region: "eu-west-1" }],
      detail: "group Admins",
    });
  });

  it("finds nothing risky in a customer-managed policy whose path makes its ARN end like AdministratorAccess's", () => {
    // Arrange: the account's own policy at path /x/arn:aws:iam::aws:policy/, whose content is unknown
    const policyArn = `arn:aws:iam::${ACCOUNT}:policy/x/arn:aws:iam::aws:policy/AdministratorAccess`;
    const call = aCall({ userName: "bob", policyArn });

    // Act
    const match = assess("AttachUserPolicy/AdministratorAccess", call);

    // Assert
    expect(match).toBeNull();
  });
});

describe("inline full-admin policy put", () => {
  it("on a user names the user", () => {
    // Arrange
    const call = aCall({ userName: "bob", policyName: "p", policyDocument: fullAdminDoc });

    // Act
    const match = assess("PutUserPolicy/FullAdmin", call);

    // Assert
    expect(match).toStrictEqual({
      resources: [{ kind: "iam-user", id: "bob", account: ACCOUNT, region: "eu-west-1" }],
      detail: "user bob",
    });
  });

  it("on a role names the role", () => {
    // Arrange
    const call = aCall({ roleName: "Deployer", policyName: "p", policyDocument: fullAdminDoc });

    // Act
    const match = assess("PutRolePolicy/FullAdmin", call);

    // Assert
    expect(match).toStrictEqual({
      resources: [{ kind: "iam-role", id: "Deployer", account: ACCOUNT, region: "eu-west-1" }],
      detail: "role Deployer",
    });
  });

  it("on a group names the group", () => {
    // Arrange
    const call = aCall({ groupName: "Admins", policyName: "p", policyDocument: fullAdminDoc });

    // Act
    const match = assess("PutGroupPolicy/FullAdmin", call);

    // Assert
    expect(match).toStrictEqual({
      resources: [{ kind: "other", id: "Admins", account: ACCOUNT, region: "eu-west-1" }],
      detail: "group Admins",
    });
  });
});

describe("UpdateAssumeRolePolicy/Public", () => {
  it("names the role and every statement that lets anyone assume it, comma-separated", () => {
    // Arrange
    const policyDocument = JSON.stringify({
      Statement: [
        { Sid: "Anyone", Effect: "Allow", Principal: "*", Action: "sts:AssumeRole" },
        { Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" },
      ],
    });
    const call = aCall({ roleName: "Deployer", policyDocument });

    // Act
    const match = assess("UpdateAssumeRolePolicy/Public", call);

    // Assert
    expect(match).toStrictEqual({
      resources: [{ kind: "iam-role", id: "Deployer", account: ACCOUNT, region: "eu-west-1" }],
      detail: "role Deployer statements Anyone, #1",
    });
  });
});
