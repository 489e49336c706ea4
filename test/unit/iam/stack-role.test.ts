// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here is CloudFormation Fn::Sub syntax.
/**
 * The clean-room stack role: CloudFormation's service role for infra/cleanroom.yaml, in the
 * responder's own account (serverless.yml) and in member accounts (infra/member-account-role.yaml).
 * Its actions are declared per resource type in shared/iam/permissions.ts; both roles must grant
 * exactly those, and the declarations must cover exactly what the template holds.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  CLEANROOM_IAM_PATH,
  MEMBER_STACK_ROLE_NAME,
  MEMBER_WORKSTATION_BOUNDARY_NAME,
  memberWorkstationBoundaryArn,
} from "../../../shared/cleanroom/stack.ts";
import { CLEANROOM_STACK_PERMISSIONS, cleanroomStackActions } from "../../../shared/iam/permissions.ts";
import { parseCfnYaml } from "../../../shared/infra/cfn-yaml.ts";
import { allowedActions, type Json, roleStatements, type Statement, serverlessDoc, text } from "./roles.ts";
import { repoRoot } from "./sources.ts";

const load = (file: string): Json => parseCfnYaml(readFileSync(join(repoRoot, "infra", file), "utf8"));
const doc = serverlessDoc();
const cleanroom = load("cleanroom.yaml");
const memberTemplate = load("member-account-role.yaml");
const roles: [string, Json][] = [
  ["serverless.yml", doc.resources.Resources.CleanroomStackRole],
  ["infra/member-account-role.yaml", memberTemplate.Resources.CleanroomStackRole],
];

/** A resource, condition value or ARN as text (`!Sub` and `Fn::Sub` alike). */
const asText = (v: Json): string => (typeof v === "string" ? v : text(v));
const allows = (st: Statement, pattern: RegExp) =>
  st.effect === "Allow" && st.actions.some((a) => pattern.test(a));

describe("the clean-room stack role's declarations", () => {
  it("cover exactly the resource types, SSM parameter types and Fn::GetAZs of infra/cleanroom.yaml", () => {
    const types = Object.values<Json>(cleanroom.Resources).map((r) => String(r.Type));
    const ssmParameters = Object.values<Json>(cleanroom.Parameters)
      .map((p) => String(p.Type))
      .filter((t) => t.startsWith("AWS::SSM::Parameter::Value<"));
    const intrinsics = JSON.stringify(cleanroom.Resources).includes('"Fn::GetAZs"') ? ["Fn::GetAZs"] : [];

    expect(Object.keys(CLEANROOM_STACK_PERMISSIONS).sort()).toEqual(
      [...new Set([...types, ...ssmParameters, ...intrinsics])].sort(),
    );
  });

  it("say why each one is needed, with sorted actions", () => {
    for (const [key, p] of Object.entries(CLEANROOM_STACK_PERMISSIONS)) {
      expect(p.why.length, key).toBeGreaterThan(15);
      expect([...p.actions], key).toEqual([...new Set(p.actions)].sort());
    }
  });
});

describe.each(roles)("the clean-room stack role in %s", (_file, role) => {
  const statements = roleStatements(role);

  it("can be assumed by CloudFormation only", () => {
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "cloudformation.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it("grants exactly the actions shared/iam/permissions.ts declares for it", () => {
    const granted = allowedActions(role);
    const declared = cleanroomStackActions();

    expect({
      missing: declared.filter((a) => !granted.includes(a)),
      surplus: granted.filter((a) => !declared.includes(a)),
    }).toEqual({ missing: [], surplus: [] });
  });

  it("allows only, grants no wildcard action, and uses Resource * for Describe actions only", () => {
    expect(statements.filter((st) => st.effect !== "Allow")).toEqual([]);
    expect(statements.flatMap((st) => st.actions).filter((a) => a.includes("*"))).toEqual([]);
    const starred = statements.filter((st) => st.resources.includes("*")).flatMap((st) => st.actions);
    expect(starred.filter((a) => !/^ec2:Describe[A-Za-z]+$/.test(a))).toEqual([]);
    for (const st of statements) expect(st.sid, JSON.stringify(st.actions)).toMatch(/^[A-Za-z0-9]+$/);
  });

  it("creates, changes and deletes IAM roles and profiles under the clean-room path only", () => {
    const iam = statements.filter((st) => allows(st, /^iam:/));
    const resources = [...new Set(iam.flatMap((st) => st.resources.map(asText)))].sort();

    expect(resources).toEqual([
      `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:instance-profile${CLEANROOM_IAM_PATH}*`,
      `arn:\${AWS::Partition}:iam::\${AWS::AccountId}:role${CLEANROOM_IAM_PATH}*`,
    ]);
  });

  it("creates roles and gives them policies only with the workstation permissions boundary", () => {
    const shaping = statements.filter((st) =>
      allows(st, /^iam:(CreateRole|PutRolePolicy|AttachRolePolicy)$/),
    );

    expect(shaping.length).toBeGreaterThan(0);
    for (const st of shaping)
      expect(st.condition?.StringEquals?.["iam:PermissionsBoundary"], st.sid).toEqual({
        Ref: "CleanroomWorkstationBoundary",
      });
  });

  it("attaches the Session Manager policy and no other, and passes roles to EC2 only", () => {
    const attach = statements.filter((st) => allows(st, /^iam:(Attach|Detach)RolePolicy$/));
    const pass = statements.filter((st) => allows(st, /^iam:PassRole$/));

    expect(attach.map((st) => [st.actions, st.condition?.ArnEquals?.["iam:PolicyARN"]].map(asText))).toEqual([
      [
        JSON.stringify(["iam:AttachRolePolicy", "iam:DetachRolePolicy"]),
        "arn:${AWS::Partition}:iam::aws:policy/AmazonSSMManagedInstanceCore",
      ],
    ]);
    expect(pass.map((st) => [st.actions, st.condition])).toEqual([
      [["iam:PassRole"], { StringEquals: { "iam:PassedToService": "ec2.amazonaws.com" } }],
    ]);
  });

  it("launches, attaches, detaches, terminates and deletes only what a clean room created and tagged", () => {
    const managed = { StringEquals: { "aws:ResourceTag/incident-responder:managed": "true" } };
    const destructive = statements.filter((st) =>
      allows(st, /^ec2:(TerminateInstances|DeleteVolume|DeleteLaunchTemplate|AttachVolume|DetachVolume)$/),
    );
    const launchOnExisting = statements.filter(
      (st) =>
        allows(st, /^ec2:RunInstances$/) &&
        st.resources.some((r) => /:(launch-template|subnet|security-group)\/\*$/.test(asText(r))),
    );

    expect(destructive.length).toBeGreaterThan(0);
    for (const st of [...destructive, ...launchOnExisting]) expect(st.condition, st.sid).toEqual(managed);
    expect(launchOnExisting.flatMap((st) => st.resources.map((r) => asText(r).split(":").pop()))).toEqual([
      "launch-template/*",
      "subnet/*",
      "security-group/*",
    ]);
  });

  it("creates launch templates only with the managed tag, and volumes only from evidence snapshots", () => {
    const templates = statements.filter((st) => allows(st, /^ec2:CreateLaunchTemplate$/));
    const fromSnapshots = statements.filter(
      (st) =>
        allows(st, /^ec2:CreateVolume$/) && st.resources.some((r) => asText(r).endsWith("::snapshot/*")),
    );

    expect(templates.map((st) => st.condition)).toEqual([
      { StringEquals: { "aws:RequestTag/incident-responder:managed": "true" } },
    ]);
    expect(fromSnapshots.map((st) => st.condition)).toEqual([
      { Null: { "aws:ResourceTag/incident-responder:incident-id": "false" } },
    ]);
  });

  it("creates endpoints for the template's four services only", () => {
    const onEndpoints = statements.filter(
      (st) =>
        allows(st, /^ec2:CreateVpcEndpoint$/) &&
        st.resources.some((r) => asText(r).endsWith(":vpc-endpoint/*")),
    );

    expect(onEndpoints).toHaveLength(1);
    const names = Object.values<Json>(onEndpoints[0]?.condition ?? {}).flatMap(
      (c) => c["ec2:VpceServiceName"],
    );
    expect(names.map(asText).map((n) => n.split(".").pop())).toEqual([
      "s3",
      "ssm",
      "ssmmessages",
      "ec2messages",
    ]);
  });

  it("uses KMS keys only for grants to AWS resources and through EC2", () => {
    const kms = statements.filter((st) => allows(st, /^kms:/));

    expect(kms.map((st) => st.sid)).toEqual(["GrantsForEncryptedVolumes", "EncryptedVolumesThroughEc2"]);
    for (const st of kms) {
      if (st.actions.includes("kms:CreateGrant")) {
        expect(st.actions).toEqual(["kms:CreateGrant"]);
        expect(st.condition).toEqual({ Bool: { "kms:GrantIsForAWSResource": "true" } });
      } else {
        const via = Object.values<Json>(st.condition ?? {}).map((c) => asText(c["kms:ViaService"]));
        expect(via).toHaveLength(1);
        expect(via[0]).toMatch(/^ec2\.(\$\{AWS::Region\}|\*)\.amazonaws\.com$/);
      }
    }
  });

  it("fits IAM's limit of 10,240 characters for a role's inline policies", () => {
    const sub = (s: string) =>
      s
        .replaceAll("${AWS::Partition}", "aws-us-gov")
        .replaceAll("${AWS::Region}", "ap-southeast-2")
        .replaceAll("${AWS::AccountId}", "123456789012");
    const resolve = (v: Json): Json => {
      if (Array.isArray(v)) return v.map(resolve);
      if (v && typeof v === "object") {
        if ("Fn::Sub" in v) return sub(String(v["Fn::Sub"]));
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
      }
      return typeof v === "string" ? sub(v) : v;
    };
    const size = (role.Properties.Policies as Json[])
      .map((p) => JSON.stringify(resolve(p.PolicyDocument)).replace(/\s/g, "").length)
      .reduce((a, b) => a + b, 0);

    expect(size).toBeLessThan(10_240);
  });
});

describe("the two clean-room stack roles", () => {
  const [own, member] = roles.map(([, role]) => roleStatements(role));

  it("hold the same statements, the member account's in every region", () => {
    const shape = (sts: Statement[] = []) => sts.map((st) => [st.sid, st.effect, st.actions]);

    expect(shape(member)).toEqual(shape(own));
    expect(JSON.stringify(member)).not.toContain("${AWS::Region}");
  });

  it("bound the workstation roles with the same boundary: the Session Manager agent, incidents/ in S3, the key through S3", () => {
    const boundaries = [doc.resources.Resources, memberTemplate.Resources].map(
      (r: Json) => r.CleanroomWorkstationBoundary,
    );
    const [ownStatements, memberStatements] = boundaries.map((b: Json) =>
      b.Properties.PolicyDocument.Statement.map((st: Json) =>
        JSON.parse(
          JSON.stringify(st, (_k, v) => (v && typeof v === "object" && "Fn::Sub" in v ? asText(v) : v)),
        ),
      ),
    );

    for (const b of boundaries) {
      expect(b.Type).toBe("AWS::IAM::ManagedPolicy");
      expect(b.Properties.Path).toBe(CLEANROOM_IAM_PATH);
    }
    expect(memberStatements).toEqual(ownStatements);
    const actions = ownStatements.flatMap((st: Json) => [st.Action].flat());
    expect(
      actions.filter(
        (a: string) =>
          !/^(ssm|ssmmessages|ec2messages):|^s3:(Get|Put|List)|^kms:(Decrypt|GenerateDataKey)$/.test(a),
      ),
    ).toEqual([]);
    expect(ownStatements.filter((st: Json) => st.Effect !== "Allow")).toEqual([]);
  });

  it("name the boundary so the responder finds it: its own by the environment, a member's by its fixed name", () => {
    expect(memberTemplate.Resources.CleanroomWorkstationBoundary.Properties.ManagedPolicyName).toBe(
      MEMBER_WORKSTATION_BOUNDARY_NAME,
    );
    expect(memberWorkstationBoundaryArn("111122223333")).toBe(
      `arn:aws:iam::111122223333:policy${CLEANROOM_IAM_PATH}${MEMBER_WORKSTATION_BOUNDARY_NAME}`,
    );
    expect(doc.functions.cleanroom.environment.CLEANROOM_WORKSTATION_BOUNDARY_ARN).toEqual({
      Ref: "CleanroomWorkstationBoundary",
    });
  });

  it("are named so the responder finds them: its own by the stack's output, a member's by its fixed name", () => {
    expect(memberTemplate.Resources.CleanroomStackRole.Properties.RoleName).toBe(MEMBER_STACK_ROLE_NAME);
    expect(doc.functions.cleanroom.environment.CLEANROOM_STACK_ROLE_ARN).toEqual({
      "Fn::GetAtt": ["CleanroomStackRole", "Arn"],
    });
    expect(doc.resources.Outputs.CleanroomStackRoleArn.Value).toEqual({
      "Fn::GetAtt": ["CleanroomStackRole", "Arn"],
    });
  });

  it("can be passed by the member role only to CloudFormation, which it must use to create stacks", () => {
    const statements = roleStatements(memberTemplate.Resources.MemberRole);
    const stackRole = { "Fn::GetAtt": ["CleanroomStackRole", "Arn"] };
    const passToCfn = statements.filter((st) =>
      st.resources.some((r) => JSON.stringify(r) === JSON.stringify(stackRole)),
    );
    const create = statements.filter((st) => st.actions.includes("cloudformation:CreateStack"));

    expect(passToCfn.map((st) => [st.actions, st.condition])).toEqual([
      [["iam:PassRole"], { StringEquals: { "iam:PassedToService": "cloudformation.amazonaws.com" } }],
    ]);
    expect(create.map((st) => st.condition)).toEqual([
      {
        StringEquals: {
          "aws:RequestTag/incident-responder:managed": "true",
          "cloudformation:RoleArn": stackRole,
        },
      },
    ]);
  });

  it("may change only the workstation role and profile the template puts under the clean-room path", () => {
    expect(cleanroom.Resources.WorkstationRole.Properties.Path).toBe(CLEANROOM_IAM_PATH);
    expect(cleanroom.Resources.WorkstationInstanceProfile.Properties.Path).toBe(CLEANROOM_IAM_PATH);
    expect(cleanroom.Resources.WorkstationRole.Properties.RoleName).toBeUndefined();
    // The stack role itself, and every other role of the responder, are outside that path.
    expect(MEMBER_STACK_ROLE_NAME.startsWith(CLEANROOM_IAM_PATH.slice(1))).toBe(false);
  });
});
