import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/** One finding of `cfn-lint -f json`. */
interface LintFinding {
  Filename: string;
  Level: "Error" | "Warning" | "Informational";
  Message: string;
  Rule: { Id: string };
  Location: { Start: { LineNumber: number } };
}

const TEMPLATES = ["infra/cleanroom.yaml", "infra/member-account-role.yaml", "infra/tag-guard-scp.yaml"];
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));
const installed = !spawnSync("cfn-lint", ["--version"], { stdio: "ignore" }).error;

if (!installed) {
  console.warn(
    "cfn-lint is not installed: the template lint tests are skipped. Install it with `pip install cfn-lint`.",
  );
}

function lint(template: string): LintFinding[] {
  const run = spawnSync("cfn-lint", ["-f", "json", "--", template], { cwd: repoRoot, encoding: "utf8" });
  if (run.error) throw run.error;
  // cfn-lint exits non-zero when it finds something; a crash leaves no JSON on stdout.
  try {
    return JSON.parse(run.stdout) as LintFinding[];
  } catch {
    throw new Error(
      `cfn-lint gave no JSON for ${template} (exit ${run.status}): ${run.stderr || run.stdout}`,
    );
  }
}

const describeLint = installed ? describe : describe.skip;

describeLint("cfn-lint (skipped when cfn-lint is not installed)", () => {
  it.each(TEMPLATES)("finds no errors in %s", { timeout: 60_000 }, (template) => {
    const findings = lint(template);

    const errors = findings
      .filter((f) => f.Level === "Error")
      .map((f) => `${f.Rule.Id} line ${f.Location.Start.LineNumber}: ${f.Message}`);

    expect(errors).toEqual([]);
  });
});
