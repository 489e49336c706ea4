/**
 * Response modules (./modules.ts): triage's reads, EC2 isolation and its release, connection
 * tracking, instance credentials, principals and buckets.
 */
import { type ModulePermissions, PRINCIPAL_READS } from "./module-permissions.ts";

/** The response modules, by name. */
export const RESPONSE_MODULES = {
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
} as const satisfies Record<string, ModulePermissions>;
