/**
 * Catalogue entries for access handed to someone else: AWS's own quarantine of a leaked key,
 * snapshots and AMIs shared with one outside account, a role trust policy opened to an outside
 * account, and instance user data replaced (code that runs at next boot). Appended to
 * `RISKY_CALLS` after the rules for public sharing, which win on the same call.
 */
import {
  type CloudTrailCall,
  identityType,
  param,
  paramResource,
  policyDocument,
  type RuleSpec,
  whenAny,
} from "./cloudtrail-call.ts";
import { outsideTrustedAccounts } from "./policy.ts";
import { quote } from "./text.ts";
import { at, isObject, listOf } from "./walk.ts";

/** AWS's managed and inline quarantine policies for an exposed access key (V1…V3 so far). */
const QUARANTINE_POLICY_NAME = /^AWSCompromisedKeyQuarantine(V\d+)?$/;
const QUARANTINE_POLICY_ARN = /^arn:aws[a-z-]*:iam::aws:policy\/AWSCompromisedKeyQuarantine(V\d+)?$/;

/** What the record says about who attached the policy: AWS itself writes `AWS Internal` / `aws-internal/…`. */
function byAws(call: CloudTrailCall): string {
  const agent = call.detail.userAgent;
  return typeof agent === "string" && /^aws[ -]internal/i.test(agent)
    ? "attached by AWS: it found the user's access key exposed"
    : `attached by ${identityType(call) ?? "an unknown principal"}, not by AWS itself`;
}

/** Account ids added to a launch or create-volume permission that are outside the known accounts. */
function outsideAccountsAdded(call: CloudTrailCall, attribute: string): string[] {
  const added = listOf(at(call.params, `${attribute}.add.items`)).flatMap((item) =>
    isObject(item) && typeof item.userId === "string" ? [item.userId] : [],
  );
  return [...new Set(added.filter((id) => !call.knownAccounts.has(id)))].sort();
}

/** `(shared with 111122223333, …)` for a detail line. */
function accountsText(accounts: string[]): string {
  return accounts.map((a) => quote(a)).join(", ");
}

/** A snapshot's or AMI's `attribute` permission added for accounts outside the known ones. */
function sharedWithAccount(
  eventName: "ModifySnapshotAttribute" | "ModifyImageAttribute",
  severity: number,
  title: string,
  target: { kind: "ec2-snapshot" | "ec2-image"; key: string; attribute: string },
): RuleSpec {
  return {
    id: `${eventName}/SharedWithAccount`,
    eventSource: "ec2.amazonaws.com",
    eventName,
    severity,
    title,
    assess: whenAny(
      (call) => outsideAccountsAdded(call, target.attribute),
      (call) => paramResource(call, target.kind, target.key),
      (call, outside) =>
        `${String(param(call, target.key))} ${target.attribute} for ${accountsText(outside)}`,
    ),
  };
}

/** The catalogue entries of this module, in order. */
export const SHARING_RULES: RuleSpec[] = [
  {
    id: "AttachUserPolicy/CompromisedKeyQuarantine",
    eventSource: "iam.amazonaws.com",
    eventName: "AttachUserPolicy",
    severity: 8,
    title: "AWS quarantine policy for a leaked access key attached to a user",
    assess: (call) =>
      QUARANTINE_POLICY_ARN.test(String(param(call, "policyArn")))
        ? {
            resources: paramResource(call, "iam-user", "userName"),
            detail: `user ${String(param(call, "userName"))}: ${String(param(call, "policyArn")).split("/").pop()} ${byAws(call)}`,
          }
        : null,
  },
  {
    id: "PutUserPolicy/CompromisedKeyQuarantine",
    eventSource: "iam.amazonaws.com",
    eventName: "PutUserPolicy",
    severity: 8,
    title: "AWS quarantine policy for a leaked access key put on a user",
    assess: (call) =>
      QUARANTINE_POLICY_NAME.test(String(param(call, "policyName")))
        ? {
            resources: paramResource(call, "iam-user", "userName"),
            detail: `user ${String(param(call, "userName"))}: inline ${String(param(call, "policyName"))} ${byAws(call)}`,
          }
        : null,
  },
  sharedWithAccount("ModifySnapshotAttribute", 7, "EBS snapshot shared with another account", {
    kind: "ec2-snapshot",
    key: "snapshotId",
    attribute: "createVolumePermission",
  }),
  sharedWithAccount("ModifyImageAttribute", 6, "AMI shared with another account", {
    kind: "ec2-image",
    key: "imageId",
    attribute: "launchPermission",
  }),
  {
    id: "UpdateAssumeRolePolicy/OutsideAccount",
    eventSource: "iam.amazonaws.com",
    eventName: "UpdateAssumeRolePolicy",
    severity: 7,
    title: "Role trust policy opened to another account",
    assess: whenAny(
      (call) => outsideTrustedAccounts(policyDocument(call, "policyDocument"), call.knownAccounts),
      (call) => paramResource(call, "iam-role", "roleName"),
      (call, outside) => `role ${String(param(call, "roleName"))} assumable from ${accountsText(outside)}`,
    ),
  },
  {
    id: "ModifyInstanceAttribute/UserData",
    eventSource: "ec2.amazonaws.com",
    eventName: "ModifyInstanceAttribute",
    severity: 7,
    title: "Instance user data replaced: it runs at the next boot",
    assess: (call) =>
      param(call, "userData") !== undefined
        ? {
            resources: paramResource(call, "ec2-instance", "instanceId"),
            detail: `instance ${String(param(call, "instanceId"))}`,
          }
        : null,
  },
];
