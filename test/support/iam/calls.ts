/**
 * The call model: what AWS authorises for each SDK call the functions make — the IAM action(s),
 * every resource ARN the service authorisation reference lists for the call as made, and the
 * request context (the resources' tags, the tags and attributes a call sets, the service a KMS
 * key is used through, the role a call passes). Written from the calls as the recorder saw them
 * (service, operation, input) and the state of the account around them (tags, associations,
 * volumes), for the account the call is modelled in: the responder's own, or a member account.
 *
 * A call this model does not know fails the test that meets it: a new SDK call cannot go
 * unsimulated.
 */
import type { CallRecord } from "../../../cli/local/instrument.ts";
import { responderRequests } from "./responder-calls.ts";
import type { IamRequest } from "./simulate.ts";
import { type CallSite, type Input, unscoped } from "./site.ts";

export type { AccountState, CallSite, Input } from "./site.ts";

const P = "aws";

const tagContext = (tags: Record<string, string> | undefined): Record<string, string> =>
  Object.fromEntries(Object.entries(tags ?? {}).map(([k, v]) => [`aws:ResourceTag/${k}`, v]));

const requestTags = (tags: { Key?: string; Value?: string }[] | undefined) => {
  const list = (tags ?? []).filter((t) => t.Key);
  return {
    ...Object.fromEntries(list.map((t) => [`aws:RequestTag/${t.Key}`, t.Value ?? ""])),
    ...(list.length ? { "aws:TagKeys": list.map((t) => String(t.Key)) } : {}),
  };
};

/** The ARN of an EC2 resource by its id. */
export function ec2Arn(site: CallSite, id: string): string {
  const kinds: [RegExp, string][] = [
    [/^i-/, "instance"],
    [/^vol-/, "volume"],
    [/^eni-/, "network-interface"],
    [/^sg-/, "security-group"],
    [/^subnet-/, "subnet"],
    [/^vpc-/, "vpc"],
    [/^eipalloc-/, "elastic-ip"],
  ];
  if (id.startsWith("snap-")) return `arn:${P}:ec2:${site.region}::snapshot/${id}`;
  const kind = kinds.find(([re]) => re.test(id))?.[1];
  if (!kind) throw new Error(`no EC2 resource type known for ${id}`);
  return `arn:${P}:ec2:${site.region}:${site.account}:${kind}/${id}`;
}

/** The same ARN in the call site's account (target groups and stacks carry the account they were made in). */
const inAccount = (site: CallSite, arn: string): string => {
  const parts = arn.split(":");
  if (parts[4] && /^\d{12}$/.test(parts[4])) parts[4] = site.account;
  return parts.join(":");
};

const onEc2 = (site: CallSite, action: string, id: string, why: string, extra: Input = {}): IamRequest => ({
  action,
  resource: ec2Arn(site, id),
  context: { ...tagContext(site.state.tags[id]), ...extra },
  why,
});

const passRole = (site: CallSite, roleArn: string, service: string, why: string): IamRequest => ({
  action: "iam:PassRole",
  resource: site.translate ? site.translate(roleArn) : roleArn,
  context: { "iam:PassedToService": service },
  why,
});

/** The attribute ModifyInstanceAttribute changes, as ec2:Attribute names it. */
export function modifiedAttribute(input: Input): string {
  if (input.Attribute) return String(input.Attribute);
  const members = [
    "BlockDeviceMappings",
    "DisableApiStop",
    "DisableApiTermination",
    "EbsOptimized",
    "EnaSupport",
    "Groups",
    "InstanceInitiatedShutdownBehavior",
    "InstanceType",
    "Kernel",
    "Ramdisk",
    "SourceDestCheck",
    "SriovNetSupport",
    "UserData",
  ].filter((m) => input[m] !== undefined);
  if (members.length !== 1) throw new Error(`ModifyInstanceAttribute changes ${members.length} attributes`);
  // The Query API's parameter names: BlockDeviceMapping.N…, GroupId.N, the others as they are.
  return (
    { BlockDeviceMappings: "BlockDeviceMapping", Groups: "GroupId" }[members[0] as string] ??
    String(members[0])
  );
}

const profileRequests = (
  site: CallSite,
  instanceId: string,
  profileArn: string,
  action: string,
  why: string,
) => {
  const arn = site.translate ? site.translate(profileArn) : profileArn;
  const roles = site.state.profileRoles[profileArn] ?? [];
  if (!roles.length) throw new Error(`no role known for instance profile ${profileArn}`);
  return [
    onEc2(site, action, instanceId, why, { "ec2:NewInstanceProfile": arn }),
    ...roles.map((role) =>
      passRole(
        site,
        `arn:${P}:iam::${profileArn.split(":")[4]}:role/${role}`,
        "ec2.amazonaws.com",
        `${why}: the profile's role goes to EC2`,
      ),
    ),
  ];
};

/** Every IAM request AWS makes of one recorded call. */
export function requestsFor(call: CallRecord, site: CallSite): IamRequest[] {
  const input: Input = call.input ?? {};
  const op = call.operation;
  const why = `${call.scope ?? "?"}: ${call.service}.${op}`;
  const state = site.state;
  switch (call.service) {
    case "STS":
      if (op === "GetCallerIdentity") return []; // needs no permission
      break;
    case "EC2": {
      // DescribeInstanceAttribute is authorised on the instance; the other Describe* on "*" only.
      if (op === "DescribeInstanceAttribute") return [onEc2(site, `ec2:${op}`, input.InstanceId, why)];
      if (/^Describe/.test(op)) return [unscoped(`ec2:${op}`, why)];
      switch (op) {
        case "GetConsoleOutput":
        case "GetConsoleScreenshot":
          return [onEc2(site, `ec2:${op}`, input.InstanceId, why)];
        case "StopInstances":
          return (input.InstanceIds as string[]).map((id) => onEc2(site, "ec2:StopInstances", id, why));
        case "ModifyInstanceAttribute": {
          const attribute = modifiedAttribute(input);
          const out = [
            onEc2(site, "ec2:ModifyInstanceAttribute", input.InstanceId, why, { "ec2:Attribute": attribute }),
          ];
          for (const m of (input.BlockDeviceMappings ?? []) as { DeviceName: string }[]) {
            const v = state.volumes[input.InstanceId]?.find((x) => x.device === m.DeviceName);
            if (!v) throw new Error(`no volume at ${m.DeviceName} of ${input.InstanceId}`);
            out.push(
              onEc2(
                site,
                "ec2:ModifyInstanceAttribute",
                v.volumeId,
                `${why} (DeleteOnTermination of ${m.DeviceName})`,
              ),
            );
          }
          return out;
        }
        case "ModifyNetworkInterfaceAttribute":
          return [
            onEc2(site, "ec2:ModifyNetworkInterfaceAttribute", input.NetworkInterfaceId, why),
            ...((input.Groups ?? []) as string[]).map((g) =>
              onEc2(site, "ec2:ModifyNetworkInterfaceAttribute", g, `${why}: onto this group`),
            ),
          ];
        case "DisassociateAddress":
        case "AssociateAddress": {
          const known = input.AssociationId ? state.associations[input.AssociationId] : undefined;
          const allocation = known?.allocationId ?? input.AllocationId;
          const eni = known?.networkInterfaceId ?? input.NetworkInterfaceId;
          const instance = op === "AssociateAddress" ? input.InstanceId : undefined;
          if (!allocation) throw new Error(`${op}: no Elastic IP known for ${JSON.stringify(input)}`);
          return [
            onEc2(site, `ec2:${op}`, allocation, why),
            ...(eni ? [onEc2(site, `ec2:${op}`, eni, `${why}: its interface`)] : []),
            ...(instance ? [onEc2(site, `ec2:${op}`, instance, `${why}: its instance`)] : []),
          ];
        }
        case "ReplaceIamInstanceProfileAssociation": {
          const instanceId = state.associations[input.AssociationId]?.instanceId;
          if (!instanceId) throw new Error(`no instance known for ${input.AssociationId}`);
          return profileRequests(site, instanceId, input.IamInstanceProfile.Arn, `ec2:${op}`, why);
        }
        case "AssociateIamInstanceProfile":
          return profileRequests(site, input.InstanceId, input.IamInstanceProfile.Arn, `ec2:${op}`, why);
        case "DisassociateIamInstanceProfile": {
          const instanceId = state.associations[input.AssociationId]?.instanceId;
          if (!instanceId) throw new Error(`no instance known for ${input.AssociationId}`);
          return [onEc2(site, `ec2:${op}`, instanceId, why)];
        }
        case "CreateSecurityGroup": {
          const groupId = state.groups[`${input.VpcId}|${input.GroupName}`];
          if (!groupId) throw new Error(`no group ${input.GroupName} in ${input.VpcId}`);
          const tags = (input.TagSpecifications ?? []).flatMap((t: Input) => t.Tags ?? []);
          return [
            { action: "ec2:CreateSecurityGroup", resource: ec2Arn(site, input.VpcId), context: {}, why },
            {
              action: "ec2:CreateSecurityGroup",
              resource: ec2Arn(site, groupId),
              context: requestTags(tags),
              why: `${why}: the new group`,
            },
            {
              action: "ec2:CreateTags",
              resource: ec2Arn(site, groupId),
              context: { ...requestTags(tags), "ec2:CreateAction": "CreateSecurityGroup" },
              why: `${why}: tags in the create call`,
            },
          ];
        }
        case "AuthorizeSecurityGroupIngress":
        case "AuthorizeSecurityGroupEgress":
        case "RevokeSecurityGroupIngress":
        case "RevokeSecurityGroupEgress":
          return [onEc2(site, `ec2:${op}`, input.GroupId, why)];
        case "CreateTags":
          return (input.Resources as string[]).map((id) =>
            onEc2(site, "ec2:CreateTags", id, why, requestTags(input.Tags)),
          );
        case "CreateSnapshots":
        case "CreateSnapshot": {
          const tags = (input.TagSpecifications ?? []).flatMap((t: Input) => t.Tags ?? []);
          const instanceId = input.InstanceSpecification?.InstanceId as string | undefined;
          const volumes = instanceId
            ? (state.volumes[instanceId] ?? [])
                .filter((v) => !(input.InstanceSpecification.ExcludeBootVolume && v.device === "/dev/xvda"))
                .map((v) => v.volumeId)
            : [input.VolumeId as string];
          // The new snapshot has no id yet when the call is authorised: any id stands for it.
          const snapshot = `arn:${P}:ec2:${site.region}::snapshot/snap-00000000000000000`;
          return [
            ...(instanceId ? [onEc2(site, `ec2:${op}`, instanceId, why)] : []),
            ...volumes.map((v) => onEc2(site, `ec2:${op}`, v, `${why}: volume ${v}`)),
            {
              action: `ec2:${op}`,
              resource: snapshot,
              context: requestTags(tags),
              why: `${why}: the new snapshots`,
            },
            {
              action: "ec2:CreateTags",
              resource: snapshot,
              context: { ...requestTags(tags), "ec2:CreateAction": op },
              why: `${why}: tags in the create call`,
            },
          ];
        }
        case "LockSnapshot":
        case "ModifySnapshotTier":
          return [onEc2(site, `ec2:${op}`, input.SnapshotId, why)];
      }
      break;
    }
    case "AutoScaling": {
      if (/^Describe/.test(op)) return [unscoped(`autoscaling:${op}`, why)];
      if (["EnterStandby", "ExitStandby", "DetachInstances", "AttachInstances"].includes(op)) {
        const name = String(input.AutoScalingGroupName);
        const arn = state.autoScalingGroups[name];
        if (!arn) throw new Error(`no Auto Scaling group ${name}`);
        return [
          {
            action: `autoscaling:${op}`,
            resource: inAccount(site, arn),
            context: tagContext(state.tags[name]),
            why,
          },
        ];
      }
      break;
    }
    case "ElasticLoadBalancingV2": {
      if (/^Describe/.test(op)) return [unscoped(`elasticloadbalancing:${op}`, why)];
      if (op === "DeregisterTargets" || op === "RegisterTargets") {
        const arn = String(input.TargetGroupArn);
        return [
          {
            action: `elasticloadbalancing:${op}`,
            resource: inAccount(site, arn),
            context: tagContext(state.tags[arn]),
            why,
          },
        ];
      }
      break;
    }
    case "CloudTrail":
      if (op === "LookupEvents") return [unscoped("cloudtrail:LookupEvents", why)];
      break;
    case "IAM": {
      if (op === "GetInstanceProfile")
        return [
          {
            action: "iam:GetInstanceProfile",
            resource: `arn:${P}:iam::${site.account}:instance-profile/${input.InstanceProfileName}`,
            context: {},
            why,
          },
        ];
      if (
        [
          "GetRolePolicy",
          "ListRolePolicies",
          "ListAttachedRolePolicies",
          "GetRole",
          "PutRolePolicy",
        ].includes(op)
      )
        return [
          {
            action: `iam:${op}`,
            resource: `arn:${P}:iam::${site.account}:role/${input.RoleName}`,
            context: {},
            why,
          },
        ];
      break;
    }
    case "CloudFormation": {
      if (op === "ListStacks") return [unscoped("cloudformation:ListStacks", why)];
      const name = String(input.StackName ?? "");
      const stack = name.startsWith("arn:")
        ? inAccount(site, name)
        : inAccount(
            site,
            state.stacks[name] ??
              `arn:${P}:cloudformation:${site.region}:${site.account}:stack/${name}/00000000-0000-0000-0000-000000000000`,
          );
      if (op === "CreateStack") {
        const role = site.translate ? site.translate(String(input.RoleARN)) : String(input.RoleARN);
        return [
          {
            action: "cloudformation:CreateStack",
            resource: stack,
            context: { ...requestTags(input.Tags), "cloudformation:RoleArn": role },
            why,
          },
          passRole(
            site,
            String(input.RoleARN),
            "cloudformation.amazonaws.com",
            `${why}: the stack's service role`,
          ),
        ];
      }
      if (["DescribeStacks", "DescribeStackEvents", "DeleteStack"].includes(op))
        return [{ action: `cloudformation:${op}`, resource: stack, context: {}, why }];
      break;
    }
    case "S3":
    case "DynamoDB":
    case "SNS":
    case "EventBridge":
      return responderRequests(call, site, why);
    case "KMS":
      // Only the manifest's digest is signed, with the responder's own signing key.
      if (op === "Sign" && site.signingKeyArn)
        return [
          {
            action: "kms:Sign",
            resource: site.signingKeyArn,
            context: {},
            why: `${why}: the manifest digest`,
          },
        ];
      break;
  }
  throw new Error(
    `the call model does not know ${call.service}.${op} (${why}): add it to test/support/iam/calls.ts`,
  );
}
