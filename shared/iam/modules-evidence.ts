/**
 * Evidence modules (./modules.ts): snapshots, artifacts, the principal-state artifact, the
 * archive and its signature, the clean room, and verification.
 */
import { KMS_ENVELOPE, type ModulePermissions, PRINCIPAL_READS } from "./module-permissions.ts";

/** The evidence modules, by name. */
export const EVIDENCE_MODULES = {
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
  snapshotBlocks: {
    summary: "an evidence snapshot's blocks read through the EBS direct APIs (disk images, changed blocks)",
    scope: "target",
    files: ["shared/evidence/snapshot-blocks.ts"],
    actions: ["ebs:GetSnapshotBlock", "ebs:ListChangedBlocks", "ebs:ListSnapshotBlocks"],
  },
  diskImage: {
    summary: "a raw disk image uploaded in parts to the evidence bucket, resumable across invocations",
    scope: "responder",
    files: ["shared/evidence/image.ts"],
    actions: [
      "kms:Decrypt",
      "kms:GenerateDataKey",
      "s3:ListMultipartUploadParts",
      "s3:PutObject",
      "s3:PutObjectTagging",
      "s3:PutObjectVersionTagging",
    ],
    implicit: {
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
