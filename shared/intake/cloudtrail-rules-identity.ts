/**
 * Catalogue entries for identity: console sign-ins and root use, access keys, policies that
 * grant full administrator access or open a resource to everyone, and trust policies opened to
 * the world. Part of `RISKY_CALLS` (./cloudtrail-rules.ts), in its order.
 */
import {
  account,
  type CloudTrailCall,
  identityType,
  param,
  paramResource,
  policyDocument,
  type RuleSpec,
  whenAny,
} from "./cloudtrail-call.ts";
import { grantsFullAdmin, publicStatements } from "./policy.ts";
import { at } from "./walk.ts";

const ADMIN_POLICY_ARN = /^arn:aws[a-z-]*:iam::aws:policy\/AdministratorAccess$/;

function consoleLoginSucceeded(call: CloudTrailCall): boolean {
  return at(call.detail.responseElements, "ConsoleLogin") === "Success";
}

function mfaUsed(call: CloudTrailCall): string | undefined {
  const v = call.detail.additionalEventData?.MFAUsed;
  return typeof v === "string" ? v : undefined;
}

/** The identity rules of the catalogue. */
export const IDENTITY_RULES: RuleSpec[] = [
  {
    id: "ConsoleLogin/Root",
    eventSource: "signin.amazonaws.com",
    eventName: "ConsoleLogin",
    severity: 9,
    title: "Root user signed in to the console",
    needsParameters: false,
    assess: (call) =>
      identityType(call) === "Root" && consoleLoginSucceeded(call)
        ? { resources: [account(call)], detail: mfaUsed(call) === "Yes" ? "with MFA" : "without MFA" }
        : null,
  },
  {
    id: "ConsoleLogin/NoMFA",
    eventSource: "signin.amazonaws.com",
    eventName: "ConsoleLogin",
    severity: 5,
    title: "IAM user signed in to the console without MFA",
    needsParameters: false,
    // Federated (AssumedRole) sign-ins report MFAUsed=No because the identity provider handles MFA.
    assess: (call) =>
      identityType(call) === "IAMUser" && consoleLoginSucceeded(call) && mfaUsed(call) === "No"
        ? { resources: [], detail: `user ${String(call.detail.userIdentity?.userName ?? "?")}` }
        : null,
  },
  {
    id: "CreateAccessKey/Root",
    eventSource: "iam.amazonaws.com",
    eventName: "CreateAccessKey",
    severity: 9,
    title: "Access key created for the root user",
    needsParameters: false,
    assess: (call) =>
      identityType(call) === "Root" && typeof call.params.userName !== "string"
        ? { resources: [account(call)], detail: "long-term root credentials created" }
        : null,
  },
  {
    id: "AttachUserPolicy/AdministratorAccess",
    eventSource: "iam.amazonaws.com",
    eventName: "AttachUserPolicy",
    severity: 8,
    title: "AdministratorAccess attached to a user",
    assess: (call) =>
      ADMIN_POLICY_ARN.test(String(param(call, "policyArn")))
        ? {
            resources: paramResource(call, "iam-user", "userName"),
            detail: `user ${param(call, "userName")}`,
          }
        : null,
  },
  {
    id: "AttachRolePolicy/AdministratorAccess",
    eventSource: "iam.amazonaws.com",
    eventName: "AttachRolePolicy",
    severity: 7,
    title: "AdministratorAccess attached to a role",
    assess: (call) =>
      ADMIN_POLICY_ARN.test(String(param(call, "policyArn")))
        ? {
            resources: paramResource(call, "iam-role", "roleName"),
            detail: `role ${param(call, "roleName")}`,
          }
        : null,
  },
  {
    id: "AttachGroupPolicy/AdministratorAccess",
    eventSource: "iam.amazonaws.com",
    eventName: "AttachGroupPolicy",
    severity: 7,
    title: "AdministratorAccess attached to a group",
    assess: (call) =>
      ADMIN_POLICY_ARN.test(String(param(call, "policyArn")))
        ? {
            resources: paramResource(call, "other", "groupName"),
            detail: `group ${param(call, "groupName")}`,
          }
        : null,
  },
  {
    id: "PutUserPolicy/FullAdmin",
    eventSource: "iam.amazonaws.com",
    eventName: "PutUserPolicy",
    severity: 8,
    title: "Inline full-admin policy put on a user",
    assess: (call) =>
      grantsFullAdmin(policyDocument(call, "policyDocument"))
        ? {
            resources: paramResource(call, "iam-user", "userName"),
            detail: `user ${param(call, "userName")}`,
          }
        : null,
  },
  {
    id: "PutRolePolicy/FullAdmin",
    eventSource: "iam.amazonaws.com",
    eventName: "PutRolePolicy",
    severity: 7,
    title: "Inline full-admin policy put on a role",
    assess: (call) =>
      grantsFullAdmin(policyDocument(call, "policyDocument"))
        ? {
            resources: paramResource(call, "iam-role", "roleName"),
            detail: `role ${param(call, "roleName")}`,
          }
        : null,
  },
  {
    id: "PutGroupPolicy/FullAdmin",
    eventSource: "iam.amazonaws.com",
    eventName: "PutGroupPolicy",
    severity: 7,
    title: "Inline full-admin policy put on a group",
    assess: (call) =>
      grantsFullAdmin(policyDocument(call, "policyDocument"))
        ? {
            resources: paramResource(call, "other", "groupName"),
            detail: `group ${param(call, "groupName")}`,
          }
        : null,
  },
  {
    id: "UpdateAssumeRolePolicy/Public",
    eventSource: "iam.amazonaws.com",
    eventName: "UpdateAssumeRolePolicy",
    severity: 8,
    title: "Role trust policy lets anyone assume the role",
    assess: whenAny(
      (call) => publicStatements(policyDocument(call, "policyDocument")),
      (call) => paramResource(call, "iam-role", "roleName"),
      (call, open) => `role ${param(call, "roleName")} statements ${open.join(", ")}`,
    ),
  },
];
