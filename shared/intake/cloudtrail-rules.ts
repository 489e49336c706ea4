/**
 * The risky-call catalogue: which CloudTrail API calls become findings, how severe they
 * are, and a predicate per rule that decides whether one particular call is risky.
 *
 * Principles:
 * - A rule names one API call (eventSource + eventName) and a severity on the 0–10 scale.
 * - Several rules may share a call; the first that matches wins (so list narrow, severe ones first).
 * - A rule that needs `requestParameters` to judge says so: a successful call without them
 *   is an invalid event (it cannot be assessed), not a silent pass.
 * - Deliberately left out: `DeleteAlarms` and `DeleteBucketPolicy` (routine in IaC tear-downs, too
 *   noisy to act on); `CreateUser` (carries no permissions; the risk shows in the Attach/Put policy
 *   calls below); `RunInstances` and other everyday calls.
 *
 * The deployment builds its EventBridge patterns from this same list with
 * {@link riskyEventNamesBySource}. Global services (IAM, sign-in, Organizations) deliver their
 * events in us-east-1 only.
 */
import {
  account,
  accountOnly,
  always,
  bucket,
  type CloudTrailCall,
  param,
  paramResource,
  policyDocument,
  type RiskyCallRule,
  spec,
  whenAny,
} from "./cloudtrail-call.ts";
import { IDENTITY_RULES } from "./cloudtrail-rules-identity.ts";
import { LOGGING_RULES } from "./cloudtrail-rules-logging.ts";
import { SHARING_RULES } from "./cloudtrail-rules-sharing.ts";
import { resource } from "./finding.ts";
import { worldOpenAdminIngress } from "./ingress.ts";
import { publicStatements } from "./policy.ts";
import { invalid } from "./validate.ts";
import { at, isObject, listOf, stringsIn } from "./walk.ts";

export type { CloudTrailCall, RiskyCallMatch, RiskyCallRule } from "./cloudtrail-call.ts";

// ---------------------------------------------------------------------------------------------
// Helpers for predicates

/** Groups added with value `all` to a launch or create-volume permission. */
function addsGroupAll(call: CloudTrailCall, attribute: string): boolean {
  return listOf(at(call.params, `${attribute}.add`)).some((item) => isObject(item) && item.group === "all");
}

const PUBLIC_GRANTEE = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/;
const PUBLIC_CANNED_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);

const BLOCK_PUBLIC_ACCESS_FLAGS = [
  "BlockPublicAcls",
  "IgnorePublicAcls",
  "BlockPublicPolicy",
  "RestrictPublicBuckets",
];

/** The public grantee groups and public canned ACLs a bucket ACL call grants. */
function publicGrants(call: CloudTrailCall): string[] {
  const groups = new Set(stringsIn(call.params).flatMap((s) => PUBLIC_GRANTEE.exec(s)?.[1] ?? []));
  const canned = listOf(param(call, "x-amz-acl")).filter(
    (v): v is string => typeof v === "string" && PUBLIC_CANNED_ACLS.has(v),
  );
  return [...groups, ...canned];
}

/** Block Public Access flags that a Put…PublicAccessBlock request leaves off (missing means off). */
function publicAccessBlockOff(call: CloudTrailCall): string[] {
  const config = param(call, "PublicAccessBlockConfiguration");
  if (!isObject(config)) {
    invalid("must be an object", `${call.paramsPath}.PublicAccessBlockConfiguration`);
  }
  return BLOCK_PUBLIC_ACCESS_FLAGS.filter((flag) => config[flag] !== true && config[flag] !== "true");
}

// ---------------------------------------------------------------------------------------------
// The catalogue

/** The maintained catalogue of risky CloudTrail calls. Order matters within one call. */
export const RISKY_CALLS: readonly RiskyCallRule[] = spec([
  // --- Network exposure ------------------------------------------------------------------------
  {
    id: "AuthorizeSecurityGroupIngress/OpenToWorld",
    eventSource: "ec2.amazonaws.com",
    eventName: "AuthorizeSecurityGroupIngress",
    severity: 7,
    title: "Admin port opened to the internet",
    assess(call) {
      const open = worldOpenAdminIngress(call.params);
      if (open.length === 0) return null;
      const key = param(call, "groupId") !== undefined ? "groupId" : "groupName";
      const group = paramResource(call, key === "groupId" ? "security-group" : "other", key);
      const rules = [...new Set(open.map((o) => `${o.protocol} ${o.ports} from ${o.cidr}`))].join(", ");
      return { resources: group, detail: `${String(param(call, key))}: ${rules}` };
    },
  },
  {
    id: "ModifySnapshotAttribute/Public",
    eventSource: "ec2.amazonaws.com",
    eventName: "ModifySnapshotAttribute",
    severity: 8,
    title: "EBS snapshot shared publicly",
    assess: (call) =>
      addsGroupAll(call, "createVolumePermission")
        ? {
            resources: paramResource(call, "ec2-snapshot", "snapshotId"),
            detail: `${param(call, "snapshotId")} createVolumePermission group all`,
          }
        : null,
  },
  {
    id: "ModifyImageAttribute/Public",
    eventSource: "ec2.amazonaws.com",
    eventName: "ModifyImageAttribute",
    severity: 7,
    title: "AMI shared publicly",
    assess: (call) =>
      addsGroupAll(call, "launchPermission")
        ? {
            resources: paramResource(call, "ec2-image", "imageId"),
            detail: `${param(call, "imageId")} launchPermission group all`,
          }
        : null,
  },
  {
    id: "ModifyDBSnapshotAttribute/Public",
    eventSource: "rds.amazonaws.com",
    eventName: "ModifyDBSnapshotAttribute",
    severity: 8,
    title: "RDS snapshot shared publicly",
    assess: (call) =>
      param(call, "attributeName") === "restore" && listOf(param(call, "valuesToAdd")).includes("all")
        ? {
            resources: paramResource(call, "other", "dBSnapshotIdentifier"),
            detail: `${param(call, "dBSnapshotIdentifier")} restorable by all`,
          }
        : null,
  },
  {
    id: "ModifyDBClusterSnapshotAttribute/Public",
    eventSource: "rds.amazonaws.com",
    eventName: "ModifyDBClusterSnapshotAttribute",
    severity: 8,
    title: "RDS cluster snapshot shared publicly",
    assess: (call) =>
      param(call, "attributeName") === "restore" && listOf(param(call, "valuesToAdd")).includes("all")
        ? {
            resources: paramResource(call, "other", "dBClusterSnapshotIdentifier"),
            detail: `${param(call, "dBClusterSnapshotIdentifier")} restorable by all`,
          }
        : null,
  },
  {
    id: "DisableEbsEncryptionByDefault",
    eventSource: "ec2.amazonaws.com",
    eventName: "DisableEbsEncryptionByDefault",
    severity: 5,
    title: "EBS encryption by default disabled",
    needsParameters: false,
    assess: accountOnly("new EBS volumes will not be encrypted by default"),
  },
  {
    id: "DeleteFlowLogs",
    eventSource: "ec2.amazonaws.com",
    eventName: "DeleteFlowLogs",
    severity: 6,
    title: "VPC flow logs deleted",
    needsParameters: false,
    assess(call) {
      const ids = [...new Set(stringsIn(call.params).filter((s) => /^fl-[0-9a-f]{8,17}$/.test(s)))].slice(
        0,
        20,
      );
      const logs = ids.map((id) =>
        resource("other", id, `${call.paramsPath}`, { account: call.account, region: call.region }),
      );
      return {
        resources: [account(call), ...logs],
        detail: ids.length ? ids.join(", ") : "flow logs deleted",
      };
    },
  },

  ...LOGGING_RULES,
  // --- S3 public access ---------------------------------------------------------------------------
  {
    id: "PutBucketPolicy/Public",
    eventSource: "s3.amazonaws.com",
    eventName: "PutBucketPolicy",
    severity: 8,
    title: "Bucket policy grants public access",
    assess: whenAny(
      (call) => publicStatements(policyDocument(call, "bucketPolicy")),
      bucket,
      (call, open) => `${param(call, "bucketName")} statements ${open.join(", ")}`,
    ),
  },
  {
    id: "PutBucketAcl/Public",
    eventSource: "s3.amazonaws.com",
    eventName: "PutBucketAcl",
    severity: 8,
    title: "Bucket ACL grants public access",
    assess: whenAny(
      publicGrants,
      bucket,
      (call, what) => `${param(call, "bucketName")} grants ${what.join(", ")}`,
    ),
  },
  {
    id: "DeletePublicAccessBlock",
    eventSource: "s3.amazonaws.com",
    eventName: "DeletePublicAccessBlock",
    severity: 6,
    title: "Bucket Block Public Access removed",
    assess: always(
      (c) => bucket(c),
      (c) => `bucket ${String(param(c, "bucketName"))}`,
    ),
  },
  {
    id: "PutPublicAccessBlock/Disabled",
    eventSource: "s3.amazonaws.com",
    eventName: "PutPublicAccessBlock",
    severity: 6,
    title: "Bucket Block Public Access turned off",
    assess: whenAny(
      publicAccessBlockOff,
      bucket,
      (call, off) => `${param(call, "bucketName")}: ${off.join(", ")} off`,
    ),
  },
  {
    id: "PutAccountPublicAccessBlock/Disabled",
    eventSource: "s3.amazonaws.com",
    eventName: "PutAccountPublicAccessBlock",
    severity: 8,
    title: "Account Block Public Access turned off",
    assess: whenAny(
      publicAccessBlockOff,
      (call) => [account(call)],
      (_, off) => `${off.join(", ")} off for the whole account`,
    ),
  },
  {
    id: "DeleteAccountPublicAccessBlock",
    eventSource: "s3.amazonaws.com",
    eventName: "DeleteAccountPublicAccessBlock",
    severity: 8,
    title: "Account Block Public Access removed",
    needsParameters: false,
    assess: accountOnly("no account-wide protection against public buckets"),
  },

  ...IDENTITY_RULES,
  // --- Access handed to someone else (after the public-sharing rules of the same calls) --------
  ...SHARING_RULES,
]);

/** The EventBridge `source` of a CloudTrail eventSource: `ec2.amazonaws.com` → `aws.ec2`. */
export function eventBridgeSourceOf(eventSource: string): string {
  return `aws.${eventSource.split(".")[0]}`;
}

/**
 * Risky event names per EventBridge source, e.g. `{"aws.ec2": ["AuthorizeSecurityGroupIngress", …]}`,
 * sorted and without duplicates: what the deployment puts in its EventBridge patterns.
 */
export function riskyEventNamesBySource(): Record<string, string[]> {
  const out: Record<string, Set<string>> = {};
  for (const rule of RISKY_CALLS) {
    const source = eventBridgeSourceOf(rule.eventSource);
    out[source] ??= new Set();
    out[source].add(rule.eventName);
  }
  return Object.fromEntries(Object.entries(out).map(([s, names]) => [s, [...names].sort()]));
}

/** The rules for one call, in catalogue order (empty when the call is not in the catalogue). */
export function rulesFor(eventSource: string, eventName: string): RiskyCallRule[] {
  return RULES_BY_CALL.get(`${eventSource} ${eventName}`) ?? [];
}

const RULES_BY_CALL = new Map<string, RiskyCallRule[]>();
for (const rule of RISKY_CALLS) {
  const key = `${rule.eventSource} ${rule.eventName}`;
  RULES_BY_CALL.set(key, [...(RULES_BY_CALL.get(key) ?? []), rule]);
}
