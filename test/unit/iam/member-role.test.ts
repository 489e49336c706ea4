// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here is CloudFormation Fn::Sub syntax.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  type MemberPurpose,
  MODULES,
  type ModuleName,
  memberRoleActions,
  memberRoleUsers,
  OPERATOR_ONLY_MODULES,
} from "../../../shared/iam/permissions.ts";
import { parseCfnYaml } from "../../../shared/infra/cfn-yaml.ts";
import { allowedActions, type Json } from "./roles.ts";
import { repoRoot } from "./sources.ts";

const template = parseCfnYaml(readFileSync(join(repoRoot, "infra", "member-account-role.yaml"), "utf8"));
const ROLE: Record<MemberPurpose, string> = { read: "MemberReadRole", act: "MemberRole" };
const granted = (purpose: MemberPurpose) => allowedActions(template.Resources[ROLE[purpose]]);

/** Whether an IAM action pattern (`ec2:Describe*`) matches an action. */
const matches = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(action);

const readOnly = /^[a-z0-9-]+:(Describe|Get|List|LookupEvents)/;

describe.each(["read", "act"] as const)("the member %s role (infra/member-account-role.yaml)", (purpose) => {
  it("allows every action the functions' sessions of its purpose take in a member account", () => {
    const missing = memberRoleActions(purpose).filter((a) => !granted(purpose).some((p) => matches(p, a)));

    expect(missing).toEqual([]);
  });

  it("allows no change that those sessions do not make", () => {
    const needed = memberRoleActions(purpose);

    const surplus = granted(purpose).filter((p) => !readOnly.test(p) && !needed.some((a) => matches(p, a)));

    expect(surplus).toEqual([]);
  });

  it("is trusted by exactly the function roles whose sessions have its purpose, with the external id", () => {
    const trust = template.Resources[ROLE[purpose]]?.Properties?.AssumeRolePolicyDocument as Json;
    const [statement, ...others] = trust.Statement;
    const names = (statement.Condition.ArnEquals["aws:PrincipalArn"] as Json[]).map((a) =>
      String(a["Fn::Sub"]).replace(/^.*:role\/\$\{ResponderStackName\}-(\w+)-\$\{ResponderRegion\}$/, "$1"),
    );

    expect(others).toEqual([]);
    expect(statement.Condition.StringEquals).toEqual({ "sts:ExternalId": { Ref: "ExternalId" } });
    expect(names.sort()).toEqual(memberRoleUsers(purpose));
  });
});

describe("the split between the member roles", () => {
  it("lets the read role change nothing", () => {
    expect(granted("read").filter((a) => !readOnly.test(a))).toEqual([]);
  });

  it("says why each module people run with their own credentials is not in the member roles", () => {
    for (const [name, reason] of Object.entries(OPERATOR_ONLY_MODULES)) {
      expect(MODULES[name as ModuleName]?.scope).toBe("target");
      expect(reason.length).toBeGreaterThan(20);
    }
  });

  it("grants contain-principal and contain-bucket in member accounts, but not the deletions of their release", () => {
    const act = memberRoleActions("act");

    expect(act).toEqual(expect.arrayContaining([...MODULES.principals.actions, ...MODULES.buckets.actions]));
    expect(act.filter((a) => ["iam:DeleteUserPolicy", "s3:DeleteBucketPolicy"].includes(a))).toEqual([]);
    expect(granted("act").filter((a) => /^(iam:DeleteUserPolicy|s3:Delete)/.test(a))).toEqual([]);
  });
});
