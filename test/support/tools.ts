/**
 * The external tools some tests need: cfn-lint (templates) and Chromium (reports). With
 * `CI=true` (.ci/run sets it) every one is required: a test that needs a missing tool runs and
 * fails, saying what is missing. Elsewhere such a test is skipped, with a warning that says how
 * to install the tool.
 */
import { spawnSync } from "node:child_process";

/** True when the run must have every tool: a CI run. */
export const TOOLS_REQUIRED = ["true", "1"].includes((process.env.CI ?? "").toLowerCase());

/**
 * Whether tests that need `tool` are skipped: only when it is missing and the run is not CI.
 * Warns once per call when they are.
 */
export function skipWithout(tool: string, installed: boolean, install: string): boolean {
  if (installed || TOOLS_REQUIRED) return false;
  console.warn(
    `${tool} is not installed: the tests that need it are skipped. Install it with ${install} (with CI=true they fail instead).`,
  );
  return true;
}

/** True when `cfn-lint --version` runs. */
export const CFN_LINT_INSTALLED = !spawnSync("cfn-lint", ["--version"], { stdio: "ignore" }).error;

/** One finding of `cfn-lint -f json`. */
export interface LintFinding {
  Filename: string | null;
  Level: "Error" | "Warning" | "Informational";
  Message: string;
  Rule: { Id: string };
  Location: { Start: { LineNumber: number }; Path: (string | number)[] | null };
}

/**
 * Runs `cfn-lint -f json` on a template (a path relative to `cwd`) and returns its findings.
 * Throws when cfn-lint is missing, is killed, or answers anything but a JSON list: a crash
 * never reads as "no findings".
 */
export function cfnLint(template: string, cwd: string): LintFinding[] {
  const run = spawnSync("cfn-lint", ["-f", "json", "--", template], { cwd, encoding: "utf8" });
  if (run.error) throw new Error(`cfn-lint could not run on ${template}: ${run.error.message}`);
  let findings: unknown;
  try {
    findings = JSON.parse(run.stdout);
  } catch {
    findings = undefined;
  }
  // cfn-lint exits with a bit mask of the levels it found (2 error, 4 warning, 8 informational); 1 is a crash.
  if (!Array.isArray(findings) || run.signal || (run.status ?? 1) & 1)
    throw new Error(
      `cfn-lint gave no findings list for ${template} (exit ${run.status}${run.signal ? `, ${run.signal}` : ""}): ${
        `${run.stderr}\n${run.stdout}`.trim().slice(-2000) || "no output"
      }`,
    );
  return findings as LintFinding[];
}
