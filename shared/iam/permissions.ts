/**
 * The IAM permissions of the responder, declared once: which actions each module of the code
 * needs, and which modules each Lambda function runs. The function roles in serverless.yml
 * must grant exactly these actions (test/unit/iam/permissions.test.ts), and every AWS SDK
 * command the product code sends must be accounted for by a module that lists its file —
 * so a new SDK call without a permission fails the tests, and so does a permission that no
 * code needs any more.
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
    files: ["shared/incident/store.ts"],
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
  release: {
    summary: "putting a contained instance back (run by people from the CLI; no function runs it yet)",
    scope: "target",
    files: ["shared/containment/release.ts"],
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
  snapshots: {
    summary: "crash-consistent EBS snapshots tagged with the incident, locked and archived",
    scope: "target",
    files: [
      "shared/capture/snapshots.ts",
      "shared/workflow/evidence.ts",
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
export const OPERATOR_FILES: readonly string[] = ["shared/drill/", "shared/local/"];

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
 * Target-scope modules the member role (infra/member-account-role.yaml) does not grant yet,
 * with the reason: in a member account their calls are refused until it does.
 */
export const MEMBER_ROLE_PENDING: Readonly<Partial<Record<ModuleName, string>>> = {};

/**
 * The CloudFormation service role of the clean-room stacks: `CleanroomStackRole` in serverless.yml
 * (the responder's own account) and in infra/member-account-role.yaml (named
 * `incident-responder-cleanroom-stack`). CloudFormation creates, reads and deletes each resource
 * of infra/cleanroom.yaml with it (the stacks are never updated), so it needs what the create,
 * read and delete handlers of the template's resource types call, and what resolving the
 * template's SSM parameter type and `Fn::GetAZs` calls. Keyed by what needs it, each with the
 * reason; test/unit/iam/stack-role.test.ts checks the keys against the template and both roles
 * against the actions, both ways.
 */
export const CLEANROOM_STACK_PERMISSIONS: Readonly<
  Record<string, { why: string; actions: readonly string[] }>
> = {
  "AWS::EC2::VPC": {
    why: "CreateVpc, then DNS support and hostnames (ModifyVpcAttribute) and tags; read; DeleteVpc",
    actions: [
      "ec2:CreateTags",
      "ec2:CreateVpc",
      "ec2:DeleteVpc",
      "ec2:DescribeNetworkAcls",
      "ec2:DescribeSecurityGroups",
      "ec2:DescribeVpcAttribute",
      "ec2:DescribeVpcs",
      "ec2:ModifyVpcAttribute",
    ],
  },
  "AWS::EC2::Subnet": {
    why: "CreateSubnet, MapPublicIpOnLaunch (ModifySubnetAttribute), tags; read; DeleteSubnet",
    actions: [
      "ec2:CreateSubnet",
      "ec2:CreateTags",
      "ec2:DeleteSubnet",
      "ec2:DescribeNetworkAcls",
      "ec2:DescribeSubnets",
      "ec2:ModifySubnetAttribute",
    ],
  },
  "AWS::EC2::RouteTable": {
    why: "CreateRouteTable with tags; read; DeleteRouteTable",
    actions: ["ec2:CreateRouteTable", "ec2:CreateTags", "ec2:DeleteRouteTable", "ec2:DescribeRouteTables"],
  },
  "AWS::EC2::SubnetRouteTableAssociation": {
    why: "AssociateRouteTable (ReplaceRouteTableAssociation when the subnet has an explicit one); DisassociateRouteTable",
    actions: [
      "ec2:AssociateRouteTable",
      "ec2:DescribeRouteTables",
      "ec2:DescribeSubnets",
      "ec2:DisassociateRouteTable",
      "ec2:ReplaceRouteTableAssociation",
    ],
  },
  "AWS::EC2::VPCEndpoint": {
    why: "CreateVpcEndpoint (the gateway one on the route table, the interface ones with private DNS, which associates the VPC with the service's hosted zone), tags; read; DeleteVpcEndpoints",
    actions: [
      "ec2:CreateTags",
      "ec2:CreateVpcEndpoint",
      "ec2:DeleteVpcEndpoints",
      "ec2:DescribeVpcEndpoints",
      "route53:AssociateVPCWithHostedZone",
    ],
  },
  "AWS::EC2::SecurityGroup": {
    why: "CreateSecurityGroup, the default egress rule replaced by SecurityGroupEgress (revoke, authorize), tags; read; DeleteSecurityGroup (after DescribeInstances)",
    actions: [
      "ec2:AuthorizeSecurityGroupEgress",
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:CreateSecurityGroup",
      "ec2:CreateTags",
      "ec2:DeleteSecurityGroup",
      "ec2:DescribeInstances",
      "ec2:DescribeSecurityGroups",
      "ec2:RevokeSecurityGroupEgress",
    ],
  },
  "AWS::EC2::SecurityGroupIngress": {
    why: "AuthorizeSecurityGroupIngress; read the rule; RevokeSecurityGroupIngress",
    actions: [
      "ec2:AuthorizeSecurityGroupIngress",
      "ec2:DescribeSecurityGroupRules",
      "ec2:DescribeSecurityGroups",
      "ec2:RevokeSecurityGroupIngress",
    ],
  },
  "AWS::IAM::Role": {
    why: "CreateRole with tags (TagRole), the inline policy, the Session Manager managed policy; read; detach, delete the policies, DeleteRole",
    actions: [
      "iam:AttachRolePolicy",
      "iam:CreateRole",
      "iam:DeleteRole",
      "iam:DeleteRolePolicy",
      "iam:DetachRolePolicy",
      "iam:GetRole",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListRolePolicies",
      "iam:PutRolePolicy",
      "iam:TagRole",
    ],
  },
  "AWS::IAM::InstanceProfile": {
    why: "CreateInstanceProfile, AddRoleToInstanceProfile (which needs PassRole on the role); read; remove the role, DeleteInstanceProfile",
    actions: [
      "iam:AddRoleToInstanceProfile",
      "iam:CreateInstanceProfile",
      "iam:DeleteInstanceProfile",
      "iam:GetInstanceProfile",
      "iam:PassRole",
      "iam:RemoveRoleFromInstanceProfile",
    ],
  },
  "AWS::EC2::LaunchTemplate": {
    why: "CreateLaunchTemplate tagged in the call (TagSpecifications); read (LatestVersionNumber); DeleteLaunchTemplate",
    actions: [
      "ec2:CreateLaunchTemplate",
      "ec2:CreateTags",
      "ec2:DeleteLaunchTemplate",
      "ec2:DescribeLaunchTemplateVersions",
      "ec2:DescribeLaunchTemplates",
    ],
  },
  "AWS::EC2::Instance": {
    why: "RunInstances from the launch template with the workstation profile (PassRole) and an encrypted root volume (KMS through EC2), tags; read; TerminateInstances",
    actions: [
      "ec2:CreateTags",
      "ec2:DescribeInstances",
      "ec2:RunInstances",
      "ec2:TerminateInstances",
      "iam:PassRole",
      "kms:CreateGrant",
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:GenerateDataKeyWithoutPlaintext",
    ],
  },
  "AWS::EC2::Volume": {
    why: "CreateVolume, encrypted, from an evidence snapshot (KMS through EC2; re-encrypted when the snapshot has another key), tags; read; DeleteVolume",
    actions: [
      "ec2:CreateTags",
      "ec2:CreateVolume",
      "ec2:DeleteVolume",
      "ec2:DescribeVolumes",
      "kms:CreateGrant",
      "kms:Decrypt",
      "kms:DescribeKey",
      "kms:GenerateDataKeyWithoutPlaintext",
      "kms:ReEncryptFrom",
      "kms:ReEncryptTo",
    ],
  },
  "AWS::EC2::VolumeAttachment": {
    why: "AttachVolume; read; DetachVolume",
    actions: ["ec2:AttachVolume", "ec2:DescribeVolumes", "ec2:DetachVolume"],
  },
  "AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>": {
    why: "the AmiId parameter: CloudFormation reads the SSM parameter with the stack's role",
    actions: ["ssm:GetParameters"],
  },
  "Fn::GetAZs": {
    why: "the subnets' and volumes' availability zones",
    actions: ["ec2:DescribeAvailabilityZones"],
  },
};

/** Every action the clean-room stack role needs, sorted and without duplicates. */
export function cleanroomStackActions(): string[] {
  return [...new Set(Object.values(CLEANROOM_STACK_PERMISSIONS).flatMap((p) => p.actions))].sort();
}

/** A Lambda function: its role's logical id in serverless.yml and the modules it runs. */
export interface FunctionPermissions {
  role: string;
  modules: readonly ModuleName[];
}

/**
 * What each function runs (shared/runtime/logic/<name>.ts wires them): every function logs,
 * traces, has a dead-letter queue, records in the incident table and alerts.
 */
export const FUNCTIONS: Readonly<Record<string, FunctionPermissions>> = {
  // Also approval decisions sent as events: decide() needs only the store, alerts and bus.
  triage: {
    role: "TriageRole",
    modules: ["runtime", "deadLetters", "accounts", "store", "alerts", "bus", "resolve"],
  },
  // The bus: a containment that grew while it ran starts its own lane again (escalation).
  contain: {
    role: "ContainRole",
    modules: ["runtime", "deadLetters", "accounts", "store", "alerts", "bus", "containment"],
  },
  evidence: {
    role: "EvidenceRole",
    modules: [
      "runtime",
      "deadLetters",
      "accounts",
      "store",
      "alerts",
      "bus",
      "snapshots",
      "artifacts",
      "archive",
      "manifestSigning",
    ],
  },
  cleanroom: {
    role: "CleanroomRole",
    modules: ["runtime", "deadLetters", "accounts", "store", "alerts", "bus", "cleanroom"],
  },
  // Events published to the intake topic (SNS): the same triage as the triage function.
  intake: {
    role: "IntakeRole",
    modules: ["runtime", "deadLetters", "accounts", "store", "alerts", "bus", "resolve"],
  },
};

/** What a member-account session is for: the member read role, or the member act role. */
export type MemberPurpose = "read" | "act";

/**
 * The member role each function's sessions use in a member account, by the IAM service of the
 * clients built on them (shared/runtime/logic/<name>.ts, AccountSessions.optionsFor): triage and
 * intake only read; the evidence lane snapshots (and reads the console) with its EC2 session and
 * reads the rest; containment and clean rooms act. test/integration/iam-calls.test.ts checks it
 * against the sessions a full incident's calls are signed with.
 */
export const MEMBER_SESSIONS: Readonly<Record<string, Readonly<Record<string, MemberPurpose>>>> = {
  triage: { autoscaling: "read", ec2: "read" },
  intake: { autoscaling: "read", ec2: "read" },
  contain: { autoscaling: "act", ec2: "act", elasticloadbalancing: "act", iam: "act" },
  evidence: {
    autoscaling: "read",
    cloudtrail: "read",
    ec2: "act",
    elasticloadbalancing: "read",
    iam: "read",
  },
  cleanroom: { cloudformation: "act", ec2: "act", iam: "act" },
};

/**
 * The actions a member role must grant: every target-scope action of the functions' sessions of
 * that purpose, and — for the act role — those of target-scope modules no function runs yet
 * (release: people run it from the CLI).
 */
export function memberRoleActions(purpose: MemberPurpose): string[] {
  const out = new Set<string>();
  const run = new Set<ModuleName>();
  for (const [fn, def] of Object.entries(FUNCTIONS)) {
    for (const m of def.modules) {
      if (MODULES[m].scope !== "target") continue;
      run.add(m);
      for (const action of MODULES[m].actions) {
        const service = action.split(":")[0] ?? "";
        const used = MEMBER_SESSIONS[fn]?.[service];
        if (!used) throw new Error(`${fn} has no member session for ${service} (MEMBER_SESSIONS)`);
        if (used === purpose) out.add(action);
      }
    }
  }
  if (purpose === "act") {
    for (const [m, def] of Object.entries(MODULES) as [ModuleName, ModulePermissions][])
      if (def.scope === "target" && !run.has(m)) for (const a of def.actions) out.add(a);
  }
  return [...out].sort();
}

/** The functions whose sessions of `purpose` assume the member role of that purpose. */
export function memberRoleUsers(purpose: MemberPurpose): string[] {
  return Object.entries(MEMBER_SESSIONS)
    .filter(([, services]) => Object.values(services).includes(purpose))
    .map(([fn]) => fn)
    .sort();
}

/** Actions that take no resource ARN: the only ones allowed on `Resource: "*"`. */
export function isUnscopedAction(action: string): boolean {
  return (
    /^(ec2|autoscaling|elasticloadbalancing):Describe[A-Za-z]+$/.test(action) ||
    [
      "cloudformation:ListStacks",
      "cloudtrail:LookupEvents",
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
    ].includes(action)
  );
}

/** Every IAM action a function needs, sorted and without duplicates. */
export function functionActions(name: string): string[] {
  const fn = FUNCTIONS[name];
  if (!fn) throw new Error(`no permissions declared for function ${name}`);
  return [...new Set(fn.modules.flatMap((m) => MODULES[m].actions))].sort();
}

/** The services through which a function uses the responder's KMS key. */
export function functionKmsVia(name: string): string[] {
  const fn = FUNCTIONS[name];
  if (!fn) throw new Error(`no permissions declared for function ${name}`);
  const via = fn.modules.flatMap((m) => ((MODULES[m] as ModulePermissions).kmsVia ?? []) as string[]);
  return [...new Set(via)].sort();
}

/** Every action some module performs in the affected resource's account (what the member role grants). */
export function targetActions(
  modules: readonly ModuleName[] = Object.keys(MODULES) as ModuleName[],
): string[] {
  return [
    ...new Set(modules.filter((m) => MODULES[m].scope === "target").flatMap((m) => MODULES[m].actions)),
  ].sort();
}

/** IAM service prefix of each SDK client package. */
const SERVICE_OF_PACKAGE: Readonly<Record<string, string>> = {
  "client-auto-scaling": "autoscaling",
  "client-cloudformation": "cloudformation",
  "client-cloudtrail": "cloudtrail",
  "client-dynamodb": "dynamodb",
  "client-ec2": "ec2",
  "client-elastic-load-balancing-v2": "elasticloadbalancing",
  "client-eventbridge": "events",
  "client-iam": "iam",
  "client-kms": "kms",
  "client-s3": "s3",
  "client-sns": "sns",
  "client-sqs": "sqs",
  "client-ssm": "ssm",
  "client-sts": "sts",
};

/** SDK operations whose IAM action is not `<service>:<operation>`. */
const ACTION_OVERRIDES: Readonly<Record<string, readonly string[]>> = {
  "sts:GetCallerIdentity": [],
  "s3:HeadObject": ["s3:GetObject"],
  "s3:HeadBucket": ["s3:ListBucket"],
  "s3:ListObjects": ["s3:ListBucket"],
  "s3:ListObjectsV2": ["s3:ListBucket"],
  "s3:ListObjectVersions": ["s3:ListBucketVersions"],
  "s3:CreateMultipartUpload": ["s3:PutObject"],
  "s3:UploadPart": ["s3:PutObject"],
  "s3:CompleteMultipartUpload": ["s3:PutObject"],
};

/** lib-dynamodb document commands, by the low-level action they make. */
const DOCUMENT_COMMANDS: Readonly<Record<string, readonly string[]>> = {
  Get: ["dynamodb:GetItem"],
  Put: ["dynamodb:PutItem"],
  Update: ["dynamodb:UpdateItem"],
  Delete: ["dynamodb:DeleteItem"],
  Query: ["dynamodb:Query"],
  Scan: ["dynamodb:Scan"],
  BatchGet: ["dynamodb:BatchGetItem"],
  BatchWrite: ["dynamodb:BatchWriteItem"],
  TransactGet: ["dynamodb:GetItem"],
};

/** What each kind of item in a TransactWriteItems request is authorised as. */
const TRANSACT_ITEM_ACTIONS: Readonly<Record<string, string>> = {
  Put: "dynamodb:PutItem",
  Update: "dynamodb:UpdateItem",
  Delete: "dynamodb:DeleteItem",
  ConditionCheck: "dynamodb:ConditionCheckItem",
};

/**
 * The IAM actions an SDK command needs.
 * @param pkg the package it is imported from, e.g. `@aws-sdk/client-ec2`
 * @param name the imported name, e.g. `DescribeInstancesCommand` (or `Upload` of lib-storage)
 * @param source the importing file's text: a transaction is authorised per item kind it writes
 */
export function iamActionsFor(pkg: string, name: string, source = ""): string[] {
  const bare = pkg.replace(/^@aws-sdk\//, "");
  if (bare === "lib-storage" && name === "Upload") return ["s3:PutObject", "s3:AbortMultipartUpload"];
  const op = name.replace(/Command$/, "");
  if (bare === "lib-dynamodb" || (bare === "client-dynamodb" && /^Transact/.test(op))) {
    if (op === "TransactWrite" || op === "TransactWriteItems") {
      const kinds = [...source.matchAll(/\b(Put|Update|Delete|ConditionCheck)\s*:\s*\{/g)].map(
        (m) => m[1] ?? "",
      );
      return [...new Set(kinds.map((k) => TRANSACT_ITEM_ACTIONS[k] ?? ""))].filter(Boolean).sort();
    }
    const doc = DOCUMENT_COMMANDS[op];
    if (doc) return [...doc];
  }
  const service = SERVICE_OF_PACKAGE[bare];
  if (!service) throw new Error(`no IAM service known for package ${pkg}`);
  const action = `${service}:${op}`;
  return [...(ACTION_OVERRIDES[action] ?? [action])];
}
