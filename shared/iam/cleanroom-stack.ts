/**
 * The permissions of the clean-room stacks' CloudFormation service role.
 */
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
