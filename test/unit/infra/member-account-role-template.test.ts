// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here is CloudFormation Fn::Sub syntax, not JavaScript.
import { describe, expect, it } from "vitest";
import { asArray, asObject, resourcesOfType } from "../../../shared/infra/cfn-yaml.ts";
import {
  inlineStatements,
  loadTemplate,
  props,
  type Statement,
  statements,
  subText,
} from "./template-helpers.ts";

const template = loadTemplate("member-account-role.yaml");
const resources = template.Resources;
const parameters = template.Parameters ?? {};
/** The act role (contain, evidence, cleanroom) and the read role (triage, intake, evidence). */
const member = inlineStatements(resources.MemberRole);
const reader = inlineStatements(resources.MemberReadRole);
const isolation = inlineStatements(resources.IsolationRole);

/** Statements of the act role that allow `action`. */
const allowing = (action: string): Statement[] =>
  member.filter((st) => st.effect === "Allow" && st.actions.includes(action));

const ACCOUNT = "${AWS::AccountId}";

describe("member account template: trust", () => {
  const roleArn = (fn: string) => ({
    "Fn::Sub": `arn:\${AWS::Partition}:iam::\${ResponderAccountId}:role/\${ResponderStackName}-${fn}-\${ResponderRegion}`,
  });
  const trusted = (fns: string[]) => [
    {
      sid: expect.any(String),
      effect: "Allow",
      actions: ["sts:AssumeRole"],
      resources: [],
      principal: { AWS: { "Fn::Sub": "arn:${AWS::Partition}:iam::${ResponderAccountId}:root" } },
      condition: {
        StringEquals: { "sts:ExternalId": { Ref: "ExternalId" } },
        ArnEquals: { "aws:PrincipalArn": fns.map(roleArn) },
      },
    },
  ];

  it("lets exactly the acting function roles (contain, evidence, cleanroom) assume the act role, with the external id", () => {
    expect(statements(props(resources.MemberRole).AssumeRolePolicyDocument)).toEqual(
      trusted(["contain", "evidence", "cleanroom"]),
    );
  });

  it("lets exactly the reading function roles (triage, intake, evidence) assume the read role, with the external id", () => {
    expect(statements(props(resources.MemberReadRole).AssumeRolePolicyDocument)).toEqual(
      trusted(["triage", "intake", "evidence"]),
    );
  });

  it("names the roles from RoleName and ReadRoleName, incident-responder-member(-read) by default", () => {
    expect(props(resources.MemberRole).RoleName).toEqual({ Ref: "RoleName" });
    expect(parameters.RoleName?.Default).toBe("incident-responder-member");
    expect(props(resources.MemberReadRole).RoleName).toEqual({ Ref: "ReadRoleName" });
    expect(parameters.ReadRoleName?.Default).toBe("incident-responder-member-read");
  });

  it("needs the responder's stack name and region: no default that could silently name other roles", () => {
    expect(parameters.ResponderStackName?.Default).toBeUndefined();
    expect(parameters.ResponderRegion?.Default).toBeUndefined();
  });

  it("accepts only a 12-digit responder account id", () => {
    const re = new RegExp(String(parameters.ResponderAccountId?.AllowedPattern));

    expect(re.test("123456789012")).toBe(true);
    expect(re.test("12345678901")).toBe(false);
    expect(re.test("*")).toBe(false);
  });
});

describe("member account template: permissions", () => {
  it("allows no action wildcard but the read-only Describe families", () => {
    const wildcards = member.flatMap((st) => st.actions).filter((a) => a.includes("*"));

    expect(wildcards.sort()).toEqual([
      "autoscaling:Describe*",
      "ec2:Describe*",
      "elasticloadbalancing:Describe*",
    ]);
  });

  it("denies every change to a workload resource that carries the protected tag, in any spelling, and nothing else", () => {
    // NeverOwnOrServiceLinkedRoles, the other Deny, names roles by ARN (no condition).
    const denies = member.filter((st) => st.effect === "Deny" && st.condition);
    const changes = member
      .filter(
        (st) =>
          st.effect === "Allow" &&
          st.resources.some((r) =>
            /:(instance|network-interface|elastic-ip)\/|autoScalingGroup|targetgroup/.test(subText(r) ?? ""),
          ),
      )
      .flatMap((st) => st.actions)
      .filter((a) => !/^ec2:(Get|CreateSnapshot|Describe)/.test(a));

    expect(denies).toHaveLength(1);
    expect(denies[0]?.condition).toEqual({
      StringEqualsIgnoreCase: { "aws:ResourceTag/incident-responder:protected": "true" },
    });
    expect([...new Set(changes)].filter((a) => !denies[0]?.actions.includes(a))).toEqual([]);
    expect(reader.filter((st) => st.effect === "Deny")).toEqual([]);
  });

  it('uses a "*" resource only for actions without resource-level permissions', () => {
    const starred = [...member, ...reader]
      .filter((st) => st.resources.includes("*"))
      .flatMap((st) => st.actions);

    expect([...new Set(starred)].sort()).toEqual(
      [
        "autoscaling:Describe*",
        "cloudformation:ListStacks",
        "cloudtrail:LookupEvents",
        "ec2:Describe*",
        "elasticloadbalancing:Describe*",
      ].sort(),
    );
  });

  it("keeps every resource ARN inside this account (snapshots and buckets have no account in their ARN)", () => {
    const accountless = (st: Statement) =>
      st.resources.map(subText).every((r) => r === "arn:${AWS::Partition}:s3:::*") &&
      JSON.stringify(st.condition) ===
        JSON.stringify({ StringEquals: { "aws:ResourceAccount": { Ref: "AWS::AccountId" } } });
    const buckets = [...member, ...reader].filter((st) =>
      st.resources.some((r) => subText(r)?.includes(":s3:::")),
    );
    const arns = [...member, ...reader]
      .filter((st) => !buckets.includes(st))
      .flatMap((st) => st.resources)
      .filter((r) => r !== "*");

    expect(buckets.map((st) => st.sid)).toEqual(["ContainBucketsOfThisAccount"]);
    expect(buckets.every(accountless), "buckets only with aws:ResourceAccount = this account").toBe(true);
    for (const r of arns) {
      const text = subText(r);
      if (text === undefined) {
        expect(
          [{ "Fn::GetAtt": ["IsolationRole", "Arn"] }, { "Fn::GetAtt": ["CleanroomStackRole", "Arn"] }],
          "only the isolation and clean-room stack roles may be referenced by GetAtt",
        ).toContainEqual(r);
        continue;
      }
      expect(text.includes(`:${ACCOUNT}:`) || text.includes("::snapshot/"), text).toBe(true);
    }
  });

  it.each([
    // reading
    "ec2:DescribeInstances",
    "autoscaling:DescribeAutoScalingInstances",
    "elasticloadbalancing:DescribeTargetHealth",
    "iam:GetInstanceProfile",
    "iam:GetRolePolicy",
    "cloudtrail:LookupEvents",
    "ec2:GetConsoleOutput",
    "ec2:GetConsoleScreenshot",
    // containment
    "ec2:ModifyInstanceAttribute",
    "ec2:ModifyNetworkInterfaceAttribute",
    "ec2:CreateSecurityGroup",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:CreateTags",
    "ec2:DisassociateAddress",
    "ec2:StopInstances",
    "ec2:ReplaceIamInstanceProfileAssociation",
    "ec2:AssociateIamInstanceProfile",
    "ec2:DisassociateIamInstanceProfile",
    "iam:PassRole",
    "autoscaling:EnterStandby",
    "autoscaling:ExitStandby",
    "autoscaling:DetachInstances",
    "elasticloadbalancing:DeregisterTargets",
    "elasticloadbalancing:RegisterTargets",
    // evidence
    "ec2:CreateSnapshots",
    "ec2:CreateSnapshot",
    "ec2:LockSnapshot",
    "ec2:ModifySnapshotTier",
    // clean rooms
    "cloudformation:CreateStack",
    "cloudformation:DescribeStacks",
    "cloudformation:DescribeStackEvents",
    "cloudformation:DeleteStack",
    "cloudformation:ListStacks",
    // principals and buckets
    "iam:UpdateAccessKey",
    "iam:PutUserPolicy",
    "iam:DeleteLoginProfile",
    "iam:GetAccessKeyLastUsed",
    "s3:PutBucketPolicy",
    "s3:PutBucketPublicAccessBlock",
  ])("allows %s (in the read or the act role)", (action) => {
    const [service, name = ""] = action.split(":");
    const covered = [...member, ...reader].some(
      (st) =>
        st.effect === "Allow" &&
        st.actions.some((a) => {
          const [s, n = ""] = a.split(":");
          return s === service && (n === name || (n.endsWith("*") && name.startsWith(n.slice(0, -1))));
        }),
    );

    expect(covered).toBe(true);
  });

  it("grants nothing that deletes, terminates or edits IAM, but deleting the responder's clean-room stacks, the per-instance deny policy, and contain-principal's and contain-bucket's changes", () => {
    const risky = member
      .filter((st) => st.effect === "Allow")
      .flatMap((st) => st.actions)
      .filter((a) => /Delete|Terminate|^iam:(Put|Create|Attach|Update|Add)|^s3:Put|^kms:|^sts:/.test(a));

    expect(risky).toEqual([
      "iam:DeleteRolePolicy",
      "iam:PutRolePolicy",
      "iam:DeleteLoginProfile",
      "iam:PutUserPolicy",
      "iam:UpdateAccessKey",
      "s3:PutBucketPolicy",
      "s3:PutBucketPublicAccessBlock",
      "cloudformation:DeleteStack",
    ]);
    // The inline role policies of revoke-instance-credentials: never on the responder's own or service-linked roles.
    const guard = member.find((st) => st.effect === "Deny" && !st.condition);
    expect(guard?.actions).toEqual(["iam:DeleteRolePolicy", "iam:PutRolePolicy"]);
    expect(guard?.resources.map(subText)).toEqual([
      "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/incident-responder*",
      "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/aws-service-role/*",
    ]);
    expect(allowing("cloudformation:DeleteStack").flatMap((st) => st.resources.map(subText))).toEqual([
      "arn:${AWS::Partition}:cloudformation:*:${AWS::AccountId}:stack/incident-responder-cleanroom-*/*",
    ]);
  });

  it("passes only the isolation role to EC2, and the clean-room stack role to CloudFormation", () => {
    expect(allowing("iam:PassRole")).toEqual([
      expect.objectContaining({
        actions: ["iam:PassRole"],
        resources: [{ "Fn::GetAtt": ["IsolationRole", "Arn"] }],
        condition: { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } },
      }),
      expect.objectContaining({
        actions: ["iam:PassRole"],
        resources: [{ "Fn::GetAtt": ["CleanroomStackRole", "Arn"] }],
        condition: { StringEquals: { "iam:PassedToService": "cloudformation.amazonaws.com" } },
      }),
    ]);
  });

  it("creates and deletes only the responder's clean-room stacks, created tagged and built by their role", () => {
    const stacks = member.filter((st) =>
      st.actions.some((a) => /^cloudformation:(Create|Delete|Describe)/.test(a)),
    );

    for (const st of stacks) {
      expect(st.resources.map(subText), st.sid).toEqual([
        "arn:${AWS::Partition}:cloudformation:*:${AWS::AccountId}:stack/incident-responder-cleanroom-*/*",
      ]);
    }
    expect(allowing("cloudformation:CreateStack").map((st) => st.condition)).toEqual([
      {
        StringEquals: {
          "aws:RequestTag/incident-responder:managed": "true",
          "cloudformation:RoleArn": { "Fn::GetAtt": ["CleanroomStackRole", "Arn"] },
        },
      },
    ]);
  });

  it("creates security groups only with the managed tag, and edits the rules of those groups only", () => {
    const createOnGroups = allowing("ec2:CreateSecurityGroup").filter((st) =>
      st.resources.some((r) => subText(r)?.includes(":security-group/")),
    );
    const ruleChanges = [
      ...allowing("ec2:AuthorizeSecurityGroupIngress"),
      ...allowing("ec2:RevokeSecurityGroupEgress"),
    ];

    expect(createOnGroups.map((st) => st.condition)).toEqual([
      { StringEquals: { "aws:RequestTag/incident-responder:managed": "true" } },
    ]);
    expect(ruleChanges.length).toBeGreaterThan(0);
    for (const st of ruleChanges) {
      expect(st.condition).toEqual({
        StringEquals: { "aws:ResourceTag/incident-responder:managed": "true" },
      });
    }
  });

  it("tags existing resources with the responder's own keys only; other tags only on create", () => {
    for (const st of allowing("ec2:CreateTags")) {
      const onlyOwnKeys = st.condition?.["ForAllValues:StringLike"];
      const onCreate = st.condition?.StringEquals;
      expect(onlyOwnKeys ?? onCreate, st.sid).toBeDefined();
      if (onlyOwnKeys) expect(onlyOwnKeys).toEqual({ "aws:TagKeys": ["incident-responder:*"] });
      if (onCreate) {
        expect([...asArray(asObject(onCreate)["ec2:CreateAction"])].sort()).toEqual(
          ["CreateSecurityGroup", "CreateSnapshot", "CreateSnapshots"].sort(),
        );
      }
    }
  });

  it("creates only snapshots tagged with an incident id, and locks or archives only those", () => {
    const snapshotStatements = member.filter(
      (st) =>
        st.resources.some((r) => subText(r)?.includes("::snapshot/")) &&
        !st.actions.includes("ec2:CreateTags"),
    );

    expect(snapshotStatements.map((st) => [[...st.actions].sort(), st.condition])).toEqual([
      [
        ["ec2:CreateSnapshot", "ec2:CreateSnapshots"],
        { Null: { "aws:RequestTag/incident-responder:incident-id": "false" } },
      ],
      [
        ["ec2:LockSnapshot", "ec2:ModifySnapshotTier"],
        { Null: { "aws:ResourceTag/incident-responder:incident-id": "false" } },
      ],
    ]);
  });
});

describe("member account template: isolation role", () => {
  it("denies every action and allows none", () => {
    expect(isolation).toEqual([
      expect.objectContaining({ effect: "Deny", actions: ["*"], resources: ["*"] }),
    ]);
  });

  it('is the only place where the action "*" appears', () => {
    const everyStatement = [
      ...member,
      ...reader,
      ...isolation,
      ...statements(props(resources.MemberRole).AssumeRolePolicyDocument),
      ...statements(props(resources.MemberReadRole).AssumeRolePolicyDocument),
      ...statements(props(resources.IsolationRole).AssumeRolePolicyDocument),
    ];

    const star = everyStatement.filter((st) => st.actions.includes("*"));

    expect(star).toHaveLength(1);
    expect(star[0]?.effect).toBe("Deny");
  });

  it("has no managed policies and can be used by EC2 through its own instance profile", () => {
    const profiles = resourcesOfType(template, "AWS::IAM::InstanceProfile").map(([, p]) => props(p));

    expect(props(resources.IsolationRole).ManagedPolicyArns).toBeUndefined();
    expect(statements(props(resources.IsolationRole).AssumeRolePolicyDocument)).toEqual([
      expect.objectContaining({ effect: "Allow", principal: { Service: "ec2.amazonaws.com" } }),
    ]);
    expect(profiles).toEqual([
      { InstanceProfileName: { Ref: "IsolationRoleName" }, Roles: [{ Ref: "IsolationRole" }] },
    ]);
    expect(parameters.IsolationRoleName?.Default).toBe("incident-responder-isolation");
  });

  it("outputs the member role, isolation role and profile, and clean-room stack role", () => {
    expect(Object.keys(template.Outputs ?? {})).toEqual([
      "MemberRoleArn",
      "MemberReadRoleArn",
      "IsolationRoleArn",
      "IsolationInstanceProfileName",
      "IsolationInstanceProfileArn",
      "CleanroomStackRoleArn",
    ]);
  });
});
