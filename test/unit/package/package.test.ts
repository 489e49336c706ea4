/**
 * The deployment as it will be deployed: `npm run package` (bundles, zips, `osls package`,
 * offline) and `cfn-lint` on the packaged template. Skipped, with a message, when cfn-lint is
 * not installed (`pip install cfn-lint`) — except with CI=true, where it fails.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { FUNCTIONS, functionActions } from "../../../shared/iam/permissions.ts";
import { CFN_LINT_INSTALLED, cfnLint, type LintFinding, skipWithout } from "../../support/tools.ts";
import { allowedActions, type Json } from "../iam/roles.ts";
import { repoRoot } from "../iam/sources.ts";

const skip = skipWithout("cfn-lint", CFN_LINT_INSTALLED, "`pip install cfn-lint`");

const TEMPLATE = join(repoRoot, ".serverless", "cloudformation-template-update-stack.json");

/** The entries of a ZIP archive (central directory), with their contents. */
function unzip(file: string): Map<string, Buffer> {
  const zip = readFileSync(file);
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const out = new Map<string, Buffer>();
  for (let i = 0; i < count; i++) {
    const method = zip.readUInt16LE(at + 10);
    const size = zip.readUInt32LE(at + 20);
    const nameLength = zip.readUInt16LE(at + 28);
    const extra = zip.readUInt16LE(at + 30);
    const comment = zip.readUInt16LE(at + 32);
    const local = zip.readUInt32LE(at + 42);
    const name = zip.toString("utf8", at + 46, at + 46 + nameLength);
    const dataAt = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const raw = zip.subarray(dataAt, dataAt + size);
    out.set(name, method === 8 ? inflateRawSync(raw) : Buffer.from(raw));
    at += 46 + nameLength + extra + comment;
  }
  return out;
}

describe.skipIf(skip)("npm run package", () => {
  let run: ReturnType<typeof spawnSync>;
  let template: Json;

  beforeAll(() => {
    run = spawnSync("npm", ["run", "package"], { cwd: repoRoot, encoding: "utf8", timeout: 180_000 });
    if (run.status === 0) template = JSON.parse(readFileSync(TEMPLATE, "utf8"));
  }, 200_000);

  it("builds every function and packages the stack offline, without credentials", () => {
    expect(run.error).toBeUndefined();
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    expect(String(run.stdout)).toMatch(/built \d+ functions/);
  });

  it("passes cfn-lint without errors", () => {
    const findings = cfnLint(TEMPLATE, repoRoot);
    const show = (f: LintFinding) => `${f.Rule.Id} ${(f.Location.Path ?? []).join("/")}: ${f.Message}`;

    const warnings = findings.filter((f) => f.Level !== "Error").map(show);
    if (warnings.length) console.warn(`cfn-lint warnings:\n${warnings.join("\n")}`);
    expect(findings.filter((f) => f.Level === "Error").map(show)).toEqual([]);
  });

  it("zips each bundle with index.mjs, its source map and the policy at the root", () => {
    const functions = Object.values<Json>(template.Resources).filter(
      (r) => r.Type === "AWS::Lambda::Function",
    );

    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      const name = String(fn.Properties.FunctionName).split("-").pop();
      const entries = unzip(join(repoRoot, "dist", `${name}.zip`));

      expect(fn.Properties.Handler).toBe("index.handler");
      expect([...entries.keys()].slice(0, 3)).toEqual(["index.mjs", "index.mjs.map", "policy.json"]);
      expect(JSON.parse(entries.get("policy.json")?.toString() ?? "")).toEqual(
        parseYaml(readFileSync(join(repoRoot, "policy", "default.yaml"), "utf8")),
      );
      const code = entries.get("index.mjs")?.toString() ?? "";
      expect(
        code.startsWith(
          "import { createRequire } from 'module'; const require = createRequire(import.meta.url);",
        ),
      ).toBe(true);
      expect(code).toMatch(/export\s*\{[^}]*\bas handler\b[^}]*\}|export\s*\{[^}]*\bhandler\b[^}]*\}/);
    }
  });

  it("gives every function its own role, reserved concurrency, an on-failure queue and retries, and a DLQ behind every rule", () => {
    const resources: Record<string, Json> = template.Resources;
    const byType = (t: string) => Object.entries(resources).filter(([, r]) => r.Type === t);

    for (const [id, fn] of byType("AWS::Lambda::Function")) {
      const base = id.replace(/LambdaFunction$/, "");
      expect(fn.Properties.Role).toEqual({ "Fn::GetAtt": [`${base}Role`, "Arn"] });
      expect(fn.Properties.TracingConfig).toEqual({ Mode: "Active" });
      expect(fn.Properties.Runtime).toBe("nodejs22.x");
      expect(fn.Properties.ReservedConcurrentExecutions, id).toBeGreaterThan(0);
      expect(resources[`${base}LambdaEvConf`]?.Properties).toMatchObject({
        MaximumRetryAttempts: 2,
        DestinationConfig: {
          OnFailure: { Destination: { "Fn::GetAtt": [`${base}DeadLetterQueue`, "Arn"] } },
        },
      });
    }
    for (const [id, rule] of byType("AWS::Events::Rule")) {
      if (rule.Properties.ScheduleExpression) continue;
      for (const target of rule.Properties.Targets) {
        expect(target.RetryPolicy, id).toBeDefined();
        expect(target.DeadLetterConfig?.Arn?.["Fn::GetAtt"]?.[0], id).toMatch(/DeadLetterQueue$/);
      }
    }
    expect(resources.IamRoleLambdaExecution).toBeUndefined();
  });

  it("grants every function's role exactly the actions shared/iam/permissions.ts declares", () => {
    const functions = Object.values<Json>(template.Resources).filter(
      (r) => r.Type === "AWS::Lambda::Function",
    );

    expect(functions.length).toBe(Object.keys(FUNCTIONS).length);
    for (const fn of functions) {
      const name = String(fn.Properties.FunctionName).split("-").pop() ?? "";
      const roleId = fn.Properties.Role["Fn::GetAtt"][0];

      expect(roleId).toBe(FUNCTIONS[name]?.role);
      expect(allowedActions(template.Resources[roleId])).toEqual(functionActions(name));
    }
  });
});
