import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { CFN_LINT_INSTALLED, cfnLint, skipWithout } from "../../support/tools.ts";

const TEMPLATES = ["infra/cleanroom.yaml", "infra/member-account-role.yaml", "infra/tag-guard-scp.yaml"];
const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));
const skip = skipWithout("cfn-lint", CFN_LINT_INSTALLED, "`pip install cfn-lint`");

describe.skipIf(skip)("cfn-lint (skipped when cfn-lint is not installed, unless CI=true)", () => {
  it.each(TEMPLATES)("finds no errors in %s", (template) => {
    const findings = cfnLint(template, repoRoot);

    const errors = findings
      .filter((f) => f.Level === "Error")
      .map((f) => `${f.Rule.Id} line ${f.Location.Start.LineNumber}: ${f.Message}`);

    expect(errors).toEqual([]);
  });
});
