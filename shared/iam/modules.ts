/**
 * The IAM permissions of the responder's code, declared once per module: which actions each
 * module of the code needs. Which modules each Lambda function runs comes from the actions it
 * runs (shared/actions, through ./functions.ts). The function roles in serverless.yml must
 * grant exactly these actions (test/unit/iam/permissions.test.ts), and every AWS SDK command
 * the product code sends must be accounted for by a module that lists its file — so a new SDK
 * call without a permission fails the tests, and so does a permission that no code needs any
 * more.
 *
 * Derived by reading the code: the `XxxCommand` imports of each file (and, for containment,
 * the operations its planner names), mapped to IAM actions by {@link iamActionsFor}. Actions
 * that no SDK command shows (KMS behind S3/SNS/DynamoDB/SQS, logs, tracing, PassRole) are
 * listed under `implicit`, each with the reason.
 */

/**
 * Where a module's calls land. `responder`: the responder's own resources (table, bucket,
 * topic, bus, key, queues). `target`: the account of the affected resource — the responder's
 * own account with the function's role, or a member account through the member role, which
 * must then grant the same actions (infra/member-account-role.yaml).
 */
export type Scope = "responder" | "target";

/** One module of the code and the IAM actions its AWS calls need. */
export interface ModulePermissions {
  summary: string;
  scope: Scope;
  /**
   * Repository-relative source files whose SDK calls this module accounts for; an entry
   * ending in `/` stands for every file under it that no module names exactly.
   */
  files: readonly string[];
  /** Every IAM action the module needs, sorted. */
  actions: readonly string[];
  /** Actions in `actions` that no SDK command in `files` shows, with the reason. */
  implicit?: Readonly<Record<string, string>>;
  /** Services through which the module uses the responder's KMS key (kms:ViaService). */
  kmsVia?: readonly ("dynamodb" | "s3" | "sns" | "sqs")[];
}

const KMS_ENVELOPE = {
  "kms:GenerateDataKey": "the resource is encrypted with the responder's key: writing needs a data key",
  "kms:Decrypt":
    "the resource is encrypted with the responder's key: reading (and multipart or queued writes) decrypt the data key",
} as const;

/** What reading a principal's state takes (readPrincipal, shared/principal/iam.ts), sorted. */
const PRINCIPAL_READS = [
  "iam:GetAccessKeyLastUsed",
  "iam:GetLoginProfile",
  "iam:GetRole",
  "iam:GetUser",
  "iam:ListAccessKeys",
  "iam:ListAttachedRolePolicies",
  "iam:ListAttachedUserPolicies",
  "iam:ListGroupsForUser",
  "iam:ListRolePolicies",
  "iam:ListRoleTags",
  "iam:ListUserPolicies",
  "iam:ListUserTags",
] as const;

/** The modules, by name. */
export const MODULES = {
  runtime: {
    summary: "Lambda runtime: CloudWatch Logs (the function's own log group) and X-Ray tracing",
    scope: "responder",
    files: [],
    actions: [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ],
    implicit: {
      "logs:CreateLogStream":
        "Lambda writes the function's logs with its role (the log group is created by the stack)",
      "logs:PutLogEvents": "Lambda writes the function's logs with its role",
      "xray:PutTraceSegments": "tracing is active (provider.tracing.lambda)",
      "xray:PutTelemetryRecords": "tracing is active (provider.tracing.lambda)",
    },
  },
  deadLetters: {
    summary: "asynchronous invocations that fail every retry go to the function's own dead-letter queue",
    scope: "responder",
    files: [],
    actions: ["kms:Decrypt", "kms:GenerateDataKey", "sqs:SendMessage"],
    implicit: {
      "sqs:SendMessage": "Lambda sends on-failure destinations with the function's role",
      ...KMS_ENVELOPE,
    },
    kmsVia: ["sqs"],
  },
  accounts: {
    summary: "sessions in member accounts: assumes the member role (GetCallerIdentity needs no permission)",
    scope: "responder",
    files: ["shared/runtime/accounts.ts"],
    actions: ["sts:AssumeRole"],
  },
  store: {
    summary: "the incident table and its byList index",
    scope: "responder",
    files: ["shared/incident/"],
    actions: [
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
      "kms:Decrypt",
      "kms:Encrypt",
      "kms:GenerateDataKey",
    ],
    implicit: {
      "kms:Decrypt":
        "the table is encrypted with the responder's key: every item read and write decrypts the table key",
      "kms:Encrypt": "the table is encrypted with the responder's key",
      "kms:GenerateDataKey": "the table is encrypted with the responder's key",
    },
    kmsVia: ["dynamodb"],
  },
  alerts: {
    summary: "SNS alerts on the responder's (encrypted) topic",
    scope: "responder",
    files: ["shared/alerts/publisher.ts"],
    actions: ["kms:Decrypt", "kms:GenerateDataKey", "sns:Publish"],
    implicit: KMS_ENVELOPE,
    kmsVia: ["sns"],
  },
  bus: {
    summary: "the responder's own events on its event bus",
    scope: "responder",
    files: ["shared/events/bus.ts"],
    actions: ["events:PutEvents"],
  },
  resolve: {
    summary: "triage: tags and exposure of the affected resources",
    scope: "target",
    files: ["shared/resolve/context.ts"],
    actions: [
      "autoscaling:DescribeAutoScalingGroups",
      "ec2:DescribeInstances",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeVolumes",
    ],
  },
  containment: {
    summary:
      "EC2 isolation: protection, both group swaps, Elastic IPs, deny-all profile, Auto Scaling, target groups, tags",
    scope: "target",
    files: ["shared/containment/"],
    actions: [
      "autoscaling:DescribeAutoScalingInstances",
      "autoscaling:DetachInstances",
      "autoscaling:EnterStandby",
      "ec2:AssociateIamInstanceProfile",
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateSecurityGroup",
      "ec2:CreateTags",
      "ec2:DescribeAddresses",
      "ec2:DescribeIamInstanceProfileAssociations",
      "ec2:DescribeInstanceAttribute",
      "ec2:DescribeInstances",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSecurityGroups",
      "ec2:DisassociateAddress",
      "ec2:ModifyInstanceAttribute",
      "ec2:ModifyNetworkInterfaceAttribute",
      "ec2:ReplaceIamInstanceProfileAssociation",
      "ec2:RevokeSecurityGroupEgress",
      "ec2:RevokeSecurityGroupIngress",
      "ec2:StopInstances",
      "elasticloadbalancing:DeregisterTargets",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
      "iam:PassRole",
    ],
    implicit: {
      "iam:PassRole":
        "AssociateIamInstanceProfile/ReplaceIamInstanceProfileAssociation pass the deny-all isolation role",
    },
  },
  connectionTracking: {
    summary:
      "connection tracking cut: minimum idle timeouts on every isolated interface, read back; restored on release",
    scope: "target",
    files: ["shared/connection-tracking/"],
    actions: ["ec2:DescribeNetworkInterfaces", "ec2:ModifyNetworkInterfaceAttribute"],
  },
  instanceCredentials: {
    summary:
      "revoke-instance-credentials: the instance's role (profile, path, tags) and the per-instance deny policy on it, read back",
    scope: "target",
    files: ["shared/credentials/"],
    actions: [
      "ec2:DescribeInstances",
      "iam:GetInstanceProfile",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:PutRolePolicy",
    ],
  },
  accessRelease: {
    summary: "release of the per-instance deny policy (run by people from the CLI; no function runs it)",
    scope: "target",
    files: ["shared/credentials/release.ts"],
    actions: ["iam:DeleteRolePolicy", "iam:GetRolePolicy"],
  },
  release: {
    summary: "putting a contained instance back (run by people from the CLI; no function runs it yet)",
    scope: "target",
    files: ["shared/containment/release.ts", "shared/containment/release-plan.ts"],
    actions: [
      "autoscaling:AttachInstances",
      "autoscaling:ExitStandby",
      "ec2:AssociateAddress",
      "ec2:AssociateIamInstanceProfile",
      "ec2:CreateTags",
      "ec2:DisassociateIamInstanceProfile",
      "ec2:ModifyInstanceAttribute",
      "ec2:ModifyNetworkInterfaceAttribute",
      "ec2:ReplaceIamInstanceProfileAssociation",
      "elasticloadbalancing:RegisterTargets",
    ],
  },
  principals: {
    summary:
      "contain-principal: reads a user's or role's state (evidence), sets its keys Inactive, puts the incident's inline deny policy",
    scope: "target",
    files: ["shared/principal/iam.ts"],
    actions: [
      ...PRINCIPAL_READS,
      "iam:DeleteLoginProfile",
      "iam:GetRolePolicy",
      "iam:GetUserPolicy",
      "iam:PutRolePolicy",
      "iam:PutUserPolicy",
      "iam:UpdateAccessKey",
    ].sort(),
  },
  buckets: {
    summary: "contain-bucket: Block Public Access and the incident's deny statement on a bucket's policy",
    scope: "target",
    files: ["shared/bucket/s3.ts"],
    actions: [
      "s3:GetBucketPolicy",
      "s3:GetBucketPublicAccessBlock",
      "s3:GetBucketTagging",
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
    ],
  },
  principalRelease: {
    summary: "putting a contained principal or bucket back (run by people from the CLI; no function runs it)",
    scope: "target",
    files: ["shared/principal/release.ts", "shared/bucket/release.ts"],
    actions: [
      "iam:DeleteRolePolicy",
      "iam:DeleteUserPolicy",
      "iam:ListAccessKeys",
      "iam:ListRolePolicies",
      "iam:ListUserPolicies",
      "iam:UpdateAccessKey",
      "s3:DeleteBucketPolicy",
      "s3:GetBucketPolicy",
      "s3:GetBucketPublicAccessBlock",
      "s3:GetBucketTagging",
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
    ],
    implicit: {
      "s3:GetBucketPolicy":
        "release reads the bucket policy as it is now through readBucket (shared/bucket/s3.ts)",
      "s3:GetBucketPublicAccessBlock":
        "release reads Block Public Access back through readBucket (shared/bucket/s3.ts)",
      "s3:GetBucketTagging": "readBucket (shared/bucket/s3.ts) reads the tags with the rest",
    },
  },
  snapshots: {
    summary: "crash-consistent EBS snapshots tagged with the incident, locked and archived",
    scope: "target",
    files: [
      "shared/capture/instances.ts",
      "shared/capture/snapshots.ts",
      "shared/workflow/snapshot-events.ts",
    ],
    actions: [
      "ec2:CreateSnapshot",
      "ec2:CreateSnapshots",
      "ec2:CreateTags",
      "ec2:DescribeInstances",
      "ec2:DescribeSnapshots",
      "ec2:LockSnapshot",
      "ec2:ModifySnapshotTier",
    ],
  },
  artifacts: {
    summary: "volatile and configuration artifacts of an instance (read-only calls)",
    scope: "target",
    files: ["shared/capture/artifacts.ts"],
    actions: [
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeAutoScalingInstances",
      "cloudtrail:LookupEvents",
      "ec2:DescribeAddresses",
      "ec2:DescribeIamInstanceProfileAssociations",
      "ec2:DescribeNetworkInterfaces",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeVolumes",
      "ec2:GetConsoleOutput",
      "ec2:GetConsoleScreenshot",
      "elasticloadbalancing:DescribeTargetGroups",
      "elasticloadbalancing:DescribeTargetHealth",
      "iam:GetInstanceProfile",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListRolePolicies",
    ],
  },
  principalState: {
    summary:
      "the principal-state artifact: a user's or role's keys (with last use), policies, groups, login profile and tags (read-only)",
    scope: "target",
    files: ["shared/capture/principal-state.ts"],
    actions: PRINCIPAL_READS,
    implicit: Object.fromEntries(
      PRINCIPAL_READS.map((a) => [
        a,
        "the collector reads the principal with readPrincipal (shared/principal/iam.ts)",
      ]),
    ),
  },
  archive: {
    summary: "evidence objects and the manifest in the evidence bucket (Object Lock, KMS)",
    scope: "responder",
    files: ["shared/evidence/archive.ts", "shared/evidence/manifest.ts"],
    actions: [
      "kms:Decrypt",
      "kms:GenerateDataKey",
      "s3:AbortMultipartUpload",
      "s3:GetObject",
      "s3:GetObjectVersion",
      "s3:ListBucket",
      "s3:PutObject",
      "s3:PutObjectRetention",
      "s3:PutObjectTagging",
      "s3:PutObjectVersionTagging",
    ],
    implicit: {
      "s3:GetObjectVersion":
        "HeadObject with a VersionId (the manifest checks each artifact's recorded version) is authorised as GetObjectVersion",
      "s3:ListBucket":
        "HeadObject answers 404 for a missing object only to a caller allowed to list the bucket (403 otherwise)",
      "s3:PutObjectRetention": "the manifest is written with ObjectLockMode and ObjectLockRetainUntilDate",
      "s3:PutObjectVersionTagging": "the hash tag is put on the version just written (VersionId)",
      ...KMS_ENVELOPE,
    },
    kmsVia: ["s3"],
  },
  manifestSigning: {
    summary: "the sealed manifest's digest signed with the evidence signing key (asymmetric KMS key)",
    scope: "responder",
    files: ["shared/evidence/signing.ts"],
    actions: ["kms:Sign"],
  },
  cleanroom: {
    summary:
      "the per-incident clean-room stack: create, watch, list, delete; CloudFormation creates its resources with the clean-room stack role (CLEANROOM_STACK_PERMISSIONS)",
    scope: "target",
    files: ["shared/cleanroom/"],
    actions: [
      "cloudformation:CreateStack",
      "cloudformation:DeleteStack",
      "cloudformation:DescribeStackEvents",
      "cloudformation:DescribeStacks",
      "cloudformation:ListStacks",
      "ec2:DescribeManagedPrefixLists",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeSnapshots",
      "ec2:DescribeSubnets",
      "ec2:DescribeVolumes",
      "ec2:DescribeVpcEndpoints",
      "ec2:DescribeVpcs",
      "iam:PassRole",
    ],
    implicit: {
      "iam:PassRole":
        "CreateStack passes the clean-room stack role (RoleARN) to CloudFormation, which builds the stack with it",
    },
  },
  evidenceVerify: {
    summary: "verifying archived evidence (run by people from the CLI, with their own credentials)",
    scope: "responder",
    files: [
      "shared/evidence/verify.ts",
      "shared/evidence/listing.ts",
      "shared/evidence/restore.ts",
      "shared/evidence/signature-check.ts",
    ],
    actions: [
      "kms:Verify",
      "s3:GetObject",
      "s3:GetObjectTagging",
      "s3:GetObjectVersion",
      "s3:GetObjectVersionTagging",
      "s3:ListBucket",
      "s3:ListBucketVersions",
      "s3:RestoreObject",
    ],
    implicit: {
      "s3:GetObjectVersion":
        "the pinned manifest and artifacts are read at their recorded VersionId (HeadObject and GetObject with VersionId)",
      "s3:GetObjectVersionTagging": "the hash tag of a pinned artifact is read at its VersionId",
    },
  },
  preflight: {
    summary:
      "the daily preflight (triage's schedule): reads the responder's own account, its function roles' simulated permissions, the evidence bucket's settings, its key and the alert topic's subscriptions",
    scope: "responder",
    files: ["shared/preflight/"],
    actions: [
      "cloudtrail:GetEventSelectors",
      "cloudtrail:GetTrailStatus",
      "cloudtrail:ListTrails",
      "config:DescribeConfigurationRecorderStatus",
      "events:DescribeRule",
      "events:ListRuleNamesByTarget",
      "guardduty:GetDetector",
      "guardduty:ListDetectors",
      "iam:GetInstanceProfile",
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListRolePolicies",
      "iam:SimulatePrincipalPolicy",
      "kms:DescribeKey",
      "kms:GenerateDataKey",
      "s3:GetBucketObjectLockConfiguration",
      "s3:GetBucketPolicy",
      "s3:GetBucketVersioning",
      "securityhub:DescribeHub",
      "sns:ListSubscriptionsByTopic",
    ],
  },
} as const satisfies Record<string, ModulePermissions>;

export type ModuleName = keyof typeof MODULES;

/** Files whose SDK commands are a registry sent on behalf of other modules. */
export const REGISTRIES: Readonly<Record<string, readonly ModuleName[]>> = {
  "shared/containment/calls.ts": ["containment", "release"],
};

/**
 * Files that make AWS calls but never run inside a Lambda function: the CLI and the local
 * emulator run them with the operator's own credentials.
 */
export const OPERATOR_FILES: readonly string[] = ["cli/drill/", "cli/local/", "cli/preflight/"];

/**
 * The module whose declaration accounts for a file: the one naming it exactly, else the one
 * with the longest directory entry containing it. Registry files belong to no single module.
 */
export function moduleOfFile(file: string): ModuleName | undefined {
  if (file in REGISTRIES) return undefined;
  const entries = Object.entries(MODULES) as [ModuleName, ModulePermissions][];
  const exact = entries.find(([, m]) => m.files.includes(file));
  if (exact) return exact[0];
  let best: { name: ModuleName; length: number } | undefined;
  for (const [name, m] of entries) {
    for (const entry of m.files) {
      if (entry.endsWith("/") && file.startsWith(entry) && entry.length > (best?.length ?? 0)) {
        best = { name, length: entry.length };
      }
    }
  }
  return best?.name;
}

/**
 * Target-scope modules the member roles (infra/member-account-role.yaml) deliberately do not
 * grant, with the reason: no function runs them, and in a member account people run them from
 * the CLI with their own credentials in that account (cli/commands/release.ts).
 */
export const OPERATOR_ONLY_MODULES: Readonly<Partial<Record<ModuleName, string>>> = {
  principalRelease:
    "release of principals and buckets runs with the person's own credentials in the affected account (responder release): the member act role never deletes a user's or bucket's policy",
};
