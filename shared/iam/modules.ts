/**
 * The IAM permissions of the responder's code, declared once per module: which actions each
 * module of the code needs. Which modules each Lambda function runs comes from the actions it
 * runs (shared/actions, through ./functions.ts). The function roles in serverless.yml must
 * grant exactly these actions (test/unit/iam/permissions.test.ts), and every AWS SDK command
 * the product code sends must be accounted for by a module that lists its file — so a new SDK
 * call without a permission fails the tests, and so does a permission that no code needs any
 * more.
 *
 * Derived by reading the code: the `XxxCommand` imports of each file (and, for containment,
 * the operations its planner names), mapped to IAM actions by {@link iamActionsFor}. Actions
 * that no SDK command shows (KMS behind S3/SNS/DynamoDB/SQS, logs, tracing, PassRole) are
 * listed under `implicit`, each with the reason.
 */

import type { ModulePermissions } from "./module-permissions.ts";
import { EVIDENCE_MODULES } from "./modules-evidence.ts";
import { PLATFORM_MODULES } from "./modules-platform.ts";
import { RESPONSE_MODULES } from "./modules-response.ts";

export type { ModulePermissions, Scope } from "./module-permissions.ts";

/** The modules, by name: the platform's (./modules-platform.ts), response (./modules-response.ts) and evidence (./modules-evidence.ts). */
export const MODULES = {
  ...PLATFORM_MODULES,
  ...RESPONSE_MODULES,
  ...EVIDENCE_MODULES,
} as const satisfies Record<string, ModulePermissions>;

export type ModuleName = keyof typeof MODULES;

/** Files whose SDK commands are a registry sent on behalf of other modules. */
export const REGISTRIES: Readonly<Record<string, readonly ModuleName[]>> = {
  "shared/containment/calls.ts": ["containment", "release"],
};

/**
 * Files that make AWS calls but never run inside a Lambda function: the CLI and the local
 * emulator run them with the operator's own credentials.
 */
export const OPERATOR_FILES: readonly string[] = ["cli/drill/", "cli/local/", "cli/preflight/"];

/**
 * The module whose declaration accounts for a file: the one naming it exactly, else the one
 * with the longest directory entry containing it. Registry files belong to no single module.
 */
export function moduleOfFile(
  file: string,
  modules: Readonly<Record<string, ModulePermissions>> = MODULES,
): string | undefined {
  if (file in REGISTRIES) return undefined;
  const entries = Object.entries(modules);
  const exact = entries.find(([, m]) => m.files.includes(file));
  if (exact) return exact[0];
  let best: { name: string; length: number } | undefined;
  for (const [name, m] of entries) {
    for (const entry of m.files) {
      if (entry.endsWith("/") && file.startsWith(entry) && entry.length > (best?.length ?? 0)) {
        best = { name, length: entry.length };
      }
    }
  }
  return best?.name;
}

/**
 * Target-scope modules the member roles (infra/member-account-role.yaml) deliberately do not
 * grant, with the reason: no function runs them, and in a member account people run them from
 * the CLI with their own credentials in that account (cli/commands/release.ts).
 */
export const OPERATOR_ONLY_MODULES: Readonly<Partial<Record<ModuleName, string>>> = {
  principalRelease:
    "release of principals and buckets runs with the person's own credentials in the affected account (responder release): the member act role never deletes a user's or bucket's policy",
};
