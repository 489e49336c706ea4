import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  MEMBER_ROLE_PENDING,
  MODULES,
  type ModuleName,
  targetActions,
} from "../../../shared/iam/permissions.ts";
import { parseCfnYaml } from "../../../shared/infra/cfn-yaml.ts";
import { allowedActions } from "./roles.ts";
import { repoRoot } from "./sources.ts";

const template = parseCfnYaml(readFileSync(join(repoRoot, "infra", "member-account-role.yaml"), "utf8"));
const granted = allowedActions(template.Resources.MemberRole);

/** Whether an IAM action pattern (`ec2:Describe*`) matches an action. */
const matches = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`).test(action);

const modules = (Object.keys(MODULES) as ModuleName[]).filter((m) => !(m in MEMBER_ROLE_PENDING));

describe("the member-account role (infra/member-account-role.yaml)", () => {
  it("allows every action the responder takes in a member account", () => {
    const missing = targetActions(modules).filter((a) => !granted.some((p) => matches(p, a)));

    expect(missing).toEqual([]);
  });

  it("allows no change that no module of the responder makes", () => {
    const needed = targetActions(modules);
    const readOnly = /^[a-z0-9-]+:(Describe|Get|List|LookupEvents)/;

    const surplus = granted.filter((p) => !readOnly.test(p) && !needed.some((a) => matches(p, a)));

    expect(surplus).toEqual([]);
  });

  it("says why each module is not in it yet", () => {
    for (const [name, reason] of Object.entries(MEMBER_ROLE_PENDING)) {
      expect(MODULES[name as ModuleName]?.scope).toBe("target");
      expect(reason.length).toBeGreaterThan(20);
    }
  });
});
