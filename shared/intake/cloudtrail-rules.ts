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
import type { AffectedResource } from "../domain/types.ts";
import { resource } from "./finding.ts";
import { worldOpenAdminIngress } from "./ingress.ts";
import { grantsFullAdmin, publicStatements } from "./policy.ts";
import type { CloudTrailDetail } from "./schemas/cloudtrail.ts";
import type { JsonObject } from "./schemas/common.ts";
import { invalid } from "./validate.ts";
import { at, isObject, jsonDocument, listOf, stringsIn } from "./walk.ts";

/** One CloudTrail call, as a rule sees it. */
export interface CloudTrailCall {
  detail: CloudTrailDetail;
  /** `requestParameters`; never null when the rule declared `needsParameters`. */
  params: JsonObject;
  /** The account whose resources were touched. */
  account: string;
  region: string;
  partition: string;
  /** Path of `detail` in the incoming event, for errors. */
  detailPath: string;
  /** Path of `requestParameters` in the incoming event, for errors. */
  paramsPath: string;
}

/** What a matching rule found. */
export interface RiskyCallMatch {
  /** The resources the call changed (the caller is added separately). */
  resources: AffectedResource[];
  /** One line saying what exactly is risky, e.g. `sg-0123…: tcp 22 open to 0.0.0.0/0`. */
  detail: string;
}

/** One entry of the risky-call catalogue. */
export interface RiskyCallRule {
  /** Unique; the finding type is `cloudtrail:<id>`. Starts with the eventName. */
  id: string;
  /** CloudTrail eventSource, e.g. `ec2.amazonaws.com`. */
  eventSource: string;
  eventName: string;
  /** 0–10, GuardDuty scale. */
  severity: number;
  title: string;
  /** True when the predicate needs `requestParameters`. */
  needsParameters: boolean;
  /** Returns what is risky about this call, or null when it is not. */
  assess(call: CloudTrailCall): RiskyCallMatch | null;
}

// ---------------------------------------------------------------------------------------------
// Helpers for predicates

function account(call: CloudTrailCall): AffectedResource {
  return resource("aws-account", call.account, `${call.detailPath}.recipientAccountId`);
}

function param(call: CloudTrailCall, key: string): unknown {
  return call.params[key];
}

/** A resource whose id is `requestParameters[key]`. */
function paramResource(call: CloudTrailCall, kind: AffectedResource["kind"], key: string): AffectedResource {
  const where = { account: call.account, region: call.region };
  return resource(kind, param(call, key), `${call.paramsPath}.${key}`, where);
}

function bucket(call: CloudTrailCall): AffectedResource {
  const r = paramResource(call, "s3-bucket", "bucketName");
  r.arn = `arn:${call.partition}:s3:::${r.id}`;
  return r;
}

/** A trail named by name or by ARN (`arn:aws:cloudtrail:region:account:trail/NAME`). */
function trail(call: CloudTrailCall, key: string): AffectedResource {
  const value = param(call, key);
  const path = `${call.paramsPath}.${key}`;
  if (typeof value === "string" && value.startsWith("arn:")) {
    const name = value.slice(value.lastIndexOf("/") + 1);
    return resource("cloudtrail-trail", name, path, {
      arn: value,
      account: call.account,
      region: call.region,
    });
  }
  return resource("cloudtrail-trail", value, path, { account: call.account, region: call.region });
}

/** A policy document in the request, or an invalid event when it cannot be read. */
function policyDocument(call: CloudTrailCall, key: string): unknown {
  const doc = jsonDocument(param(call, key));
  if (!isObject(doc)) invalid("must be a readable policy document", `${call.paramsPath}.${key}`);
  return doc;
}

const always =
  (resources: (call: CloudTrailCall) => AffectedResource[], detail: (call: CloudTrailCall) => string) =>
  (call: CloudTrailCall): RiskyCallMatch => ({ resources: resources(call), detail: detail(call) });

const accountOnly = (what: string) =>
  always(
    (c) => [account(c)],
    () => what,
  );

function identityType(call: CloudTrailCall): string | undefined {
  return call.detail.userIdentity?.type;
}

function consoleLoginSucceeded(call: CloudTrailCall): boolean {
  return at(call.detail.responseElements, "ConsoleLogin") === "Success";
}

function mfaUsed(call: CloudTrailCall): string | undefined {
  const v = call.detail.additionalEventData?.MFAUsed;
  return typeof v === "string" ? v : undefined;
}

/** Groups added with value `all` to a launch or create-volume permission. */
function addsGroupAll(call: CloudTrailCall, attribute: string): boolean {
  return listOf(at(call.params, `${attribute}.add`)).some((item) => isObject(item) && item.group === "all");
}

const ADMIN_POLICY_ARN = /^arn:aws[a-z-]*:iam::aws:policy\/AdministratorAccess$/;
/** AWS's own quarantine of a user whose key it found exposed (V1, V2, V3…). */
const QUARANTINE_POLICY_ARN = /^arn:aws[a-z-]*:iam::aws:policy\/AWSCompromisedKeyQuarantine(V\d{1,2})?$/;

const PUBLIC_GRANTEE = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/;
const PUBLIC_CANNED_ACLS = new Set(["public-read", "public-read-write", "authenticated-read"]);

const BLOCK_PUBLIC_ACCESS_FLAGS = [
  "BlockPublicAcls",
  "IgnorePublicAcls",
  "BlockPublicPolicy",
  "RestrictPublicBuckets",
];

/** Block Public Access flags that a Put…PublicAccessBlock request leaves off (missing means off). */
function publicAccessBlockOff(call: CloudTrailCall): string[] {
  const config = param(call, "PublicAccessBlockConfiguration");
  if (!isObject(config)) {
    invalid("must be an object", `${call.paramsPath}.PublicAccessBlockConfiguration`);
  }
  return BLOCK_PUBLIC_ACCESS_FLAGS.filter((flag) => config[flag] !== true && config[flag] !== "true");
}

/** Ways an UpdateTrail request weakens a trail. */
function trailWeakenings(call: CloudTrailCall): string[] {
  const p = call.params;
  const out: string[] = [];
  if (p.isMultiRegionTrail === false) out.push("no longer multi-region");
  if (p.includeGlobalServiceEvents === false) out.push("global service events excluded");
  if (p.enableLogFileValidation === false) out.push("log file validation disabled");
  if (p.kmsKeyId === "") out.push("KMS encryption removed");
  if (typeof p.s3BucketName === "string") out.push(`logs redirected to bucket ${p.s3BucketName}`);
  return out;
}

/** Ways a PutEventSelectors request stops logging management events. */
function selectorWeakenings(call: CloudTrailCall): string[] {
  const p = call.params;
  const out: string[] = [];
  if (p.advancedEventSelectors !== undefined) {
    const logsManagement = listOf(p.advancedEventSelectors).some(
      (sel) =>
        isObject(sel) &&
        listOf(sel.fieldSelectors).some(
          (f) => isObject(f) && f.field === "eventCategory" && listOf(f.equals).includes("Management"),
        ),
    );
    if (!logsManagement) out.push("no advanced selector logs management events");
    return out;
  }
  const selectors = listOf(p.eventSelectors).filter(isObject);
  const full = selectors.some(
    (s) =>
      s.includeManagementEvents !== false && (s.readWriteType === undefined || s.readWriteType === "All"),
  );
  if (!full) out.push("management events not fully logged (read/write)");
  if (selectors.some((s) => listOf(s.excludeManagementEventSources).length > 0)) {
    out.push("management event sources excluded");
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The catalogue

type RuleSpec = Omit<RiskyCallRule, "needsParameters"> & { needsParameters?: boolean };

const spec = (rules: RuleSpec[]): RiskyCallRule[] =>
  rules.map((r) => ({ ...r, needsParameters: r.needsParameters ?? true }));

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
      const group =
        param(call, "groupId") !== undefined
          ? paramResource(call, "security-group", "groupId")
          : resource("other", param(call, "groupName"), `${call.paramsPath}.groupName`, {
              account: call.account,
            });
      const rules = [...new Set(open.map((o) => `${o.protocol} ${o.ports} from ${o.cidr}`))].join(", ");
      return { resources: [group], detail: `${group.id}: ${rules}` };
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
            resources: [paramResource(call, "ec2-snapshot", "snapshotId")],
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
            resources: [paramResource(call, "ec2-image", "imageId")],
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
            resources: [paramResource(call, "other", "dBSnapshotIdentifier")],
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
            resources: [paramResource(call, "other", "dBClusterSnapshotIdentifier")],
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

  // --- Logging and detection turned off ------------------------------------------------------
  {
    id: "StopLogging",
    eventSource: "cloudtrail.amazonaws.com",
    eventName: "StopLogging",
    severity: 8,
    title: "CloudTrail logging stopped",
    assess: always(
      (c) => [trail(c, "name")],
      (c) => `trail ${String(param(c, "name"))}`,
    ),
  },
  {
    id: "DeleteTrail",
    eventSource: "cloudtrail.amazonaws.com",
    eventName: "DeleteTrail",
    severity: 8,
    title: "CloudTrail trail deleted",
    assess: always(
      (c) => [trail(c, "name")],
      (c) => `trail ${String(param(c, "name"))}`,
    ),
  },
  {
    id: "UpdateTrail/Weakened",
    eventSource: "cloudtrail.amazonaws.com",
    eventName: "UpdateTrail",
    severity: 6,
    title: "CloudTrail trail weakened",
    assess(call) {
      const weak = trailWeakenings(call);
      return weak.length ? { resources: [trail(call, "name")], detail: weak.join("; ") } : null;
    },
  },
  {
    id: "PutEventSelectors/Weakened",
    eventSource: "cloudtrail.amazonaws.com",
    eventName: "PutEventSelectors",
    severity: 6,
    title: "CloudTrail event selectors reduce logging",
    assess(call) {
      const weak = selectorWeakenings(call);
      return weak.length ? { resources: [trail(call, "trailName")], detail: weak.join("; ") } : null;
    },
  },
  {
    id: "DeleteDetector",
    eventSource: "guardduty.amazonaws.com",
    eventName: "DeleteDetector",
    severity: 8,
    title: "GuardDuty detector deleted",
    needsParameters: false,
    assess: accountOnly("GuardDuty disabled in this region"),
  },
  {
    id: "UpdateDetector/Disabled",
    eventSource: "guardduty.amazonaws.com",
    eventName: "UpdateDetector",
    severity: 8,
    title: "GuardDuty detector disabled",
    assess: (call) =>
      param(call, "enable") === false || param(call, "enable") === "false"
        ? { resources: [account(call)], detail: "detector set to enable=false" }
        : null,
  },
  {
    id: "DisassociateFromMasterAccount",
    eventSource: "guardduty.amazonaws.com",
    eventName: "DisassociateFromMasterAccount",
    severity: 7,
    title: "GuardDuty member left its administrator account",
    needsParameters: false,
    assess: accountOnly("findings no longer reach the administrator account"),
  },
  {
    id: "DisassociateFromAdministratorAccount",
    eventSource: "guardduty.amazonaws.com",
    eventName: "DisassociateFromAdministratorAccount",
    severity: 7,
    title: "GuardDuty member left its administrator account",
    needsParameters: false,
    assess: accountOnly("findings no longer reach the administrator account"),
  },
  {
    id: "CreateFilter/AutoArchive",
    eventSource: "guardduty.amazonaws.com",
    eventName: "CreateFilter",
    severity: 6,
    title: "GuardDuty suppression rule created",
    assess: (call) =>
      param(call, "action") === "ARCHIVE"
        ? {
            resources: [account(call)],
            detail: `filter ${String(param(call, "name"))} auto-archives findings`,
          }
        : null,
  },
  {
    id: "UpdateFilter/AutoArchive",
    eventSource: "guardduty.amazonaws.com",
    eventName: "UpdateFilter",
    severity: 6,
    title: "GuardDuty suppression rule changed",
    assess: (call) =>
      param(call, "action") === "ARCHIVE"
        ? {
            resources: [account(call)],
            detail: `filter ${String(param(call, "filterName"))} auto-archives findings`,
          }
        : null,
  },
  {
    id: "CreateIPSet",
    eventSource: "guardduty.amazonaws.com",
    eventName: "CreateIPSet",
    severity: 5,
    title: "GuardDuty trusted IP list created",
    needsParameters: false,
    assess: accountOnly("GuardDuty will not report activity from the listed addresses"),
  },
  {
    id: "DeleteConfigurationRecorder",
    eventSource: "config.amazonaws.com",
    eventName: "DeleteConfigurationRecorder",
    severity: 7,
    title: "AWS Config recorder deleted",
    needsParameters: false,
    assess: accountOnly("configuration changes are no longer recorded"),
  },
  {
    id: "StopConfigurationRecorder",
    eventSource: "config.amazonaws.com",
    eventName: "StopConfigurationRecorder",
    severity: 7,
    title: "AWS Config recorder stopped",
    needsParameters: false,
    assess: accountOnly("configuration changes are no longer recorded"),
  },
  {
    id: "DeleteDeliveryChannel",
    eventSource: "config.amazonaws.com",
    eventName: "DeleteDeliveryChannel",
    severity: 6,
    title: "AWS Config delivery channel deleted",
    needsParameters: false,
    assess: accountOnly("configuration history is no longer delivered"),
  },
  {
    id: "DisableSecurityHub",
    eventSource: "securityhub.amazonaws.com",
    eventName: "DisableSecurityHub",
    severity: 7,
    title: "Security Hub disabled",
    needsParameters: false,
    assess: accountOnly("Security Hub disabled in this region"),
  },
  {
    id: "LeaveOrganization",
    eventSource: "organizations.amazonaws.com",
    eventName: "LeaveOrganization",
    severity: 8,
    title: "Account left its AWS Organization",
    needsParameters: false,
    assess: accountOnly("organization guardrails (SCPs, delegated security services) no longer apply"),
  },
  {
    id: "ScheduleKeyDeletion",
    eventSource: "kms.amazonaws.com",
    eventName: "ScheduleKeyDeletion",
    severity: 7,
    title: "KMS key scheduled for deletion",
    assess: always(
      (c) => [paramResource(c, "other", "keyId")],
      (c) => `key ${String(param(c, "keyId"))} in ${String(param(c, "pendingWindowInDays") ?? "?")} days`,
    ),
  },

  // --- S3 public access ---------------------------------------------------------------------------
  {
    id: "PutBucketPolicy/Public",
    eventSource: "s3.amazonaws.com",
    eventName: "PutBucketPolicy",
    severity: 8,
    title: "Bucket policy grants public access",
    assess(call) {
      const open = publicStatements(policyDocument(call, "bucketPolicy"));
      return open.length
        ? { resources: [bucket(call)], detail: `${param(call, "bucketName")} statements ${open.join(", ")}` }
        : null;
    },
  },
  {
    id: "PutBucketAcl/Public",
    eventSource: "s3.amazonaws.com",
    eventName: "PutBucketAcl",
    severity: 8,
    title: "Bucket ACL grants public access",
    assess(call) {
      const groups = new Set(stringsIn(call.params).flatMap((s) => PUBLIC_GRANTEE.exec(s)?.[1] ?? []));
      const canned = listOf(param(call, "x-amz-acl")).filter(
        (v): v is string => typeof v === "string" && PUBLIC_CANNED_ACLS.has(v),
      );
      const what = [...groups, ...canned];
      return what.length
        ? { resources: [bucket(call)], detail: `${param(call, "bucketName")} grants ${what.join(", ")}` }
        : null;
    },
  },
  {
    id: "DeletePublicAccessBlock",
    eventSource: "s3.amazonaws.com",
    eventName: "DeletePublicAccessBlock",
    severity: 6,
    title: "Bucket Block Public Access removed",
    assess: always(
      (c) => [bucket(c)],
      (c) => `bucket ${String(param(c, "bucketName"))}`,
    ),
  },
  {
    id: "PutPublicAccessBlock/Disabled",
    eventSource: "s3.amazonaws.com",
    eventName: "PutPublicAccessBlock",
    severity: 6,
    title: "Bucket Block Public Access turned off",
    assess(call) {
      const off = publicAccessBlockOff(call);
      return off.length
        ? { resources: [bucket(call)], detail: `${param(call, "bucketName")}: ${off.join(", ")} off` }
        : null;
    },
  },
  {
    id: "PutAccountPublicAccessBlock/Disabled",
    eventSource: "s3.amazonaws.com",
    eventName: "PutAccountPublicAccessBlock",
    severity: 8,
    title: "Account Block Public Access turned off",
    assess(call) {
      const off = publicAccessBlockOff(call);
      return off.length
        ? { resources: [account(call)], detail: `${off.join(", ")} off for the whole account` }
        : null;
    },
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

  // --- Identity ---------------------------------------------------------------------------------
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
            resources: [paramResource(call, "iam-user", "userName")],
            detail: `user ${param(call, "userName")}`,
          }
        : null,
  },
  {
    // AWS attaches it itself ("AWS Internal" user agent, a claim like every user agent): a key
    // of the user is known to be exposed. Whoever attached it, someone says the user is
    // compromised; an attacker able to attach it could deny the user on their own anyway. The
    // caller (AWS's role) is not the suspect: contain-principal acts on the user alone.
    id: "AttachUserPolicy/AWSCompromisedKeyQuarantine",
    eventSource: "iam.amazonaws.com",
    eventName: "AttachUserPolicy",
    severity: 8,
    title: "Compromised-key quarantine policy attached to a user",
    assess: (call) =>
      QUARANTINE_POLICY_ARN.test(String(param(call, "policyArn")))
        ? {
            resources: [paramResource(call, "iam-user", "userName")],
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
            resources: [paramResource(call, "iam-role", "roleName")],
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
            resources: [paramResource(call, "other", "groupName")],
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
            resources: [paramResource(call, "iam-user", "userName")],
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
            resources: [paramResource(call, "iam-role", "roleName")],
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
            resources: [paramResource(call, "other", "groupName")],
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
    assess(call) {
      const open = publicStatements(policyDocument(call, "policyDocument"));
      return open.length
        ? {
            resources: [paramResource(call, "iam-role", "roleName")],
            detail: `role ${param(call, "roleName")} statements ${open.join(", ")}`,
          }
        : null;
    },
  },
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
