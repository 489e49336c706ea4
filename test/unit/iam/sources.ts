/**
 * Reads the product's source files for the AWS calls they make: the SDK commands and paginators
 * they import (value imports from `@aws-sdk/*`), and — for files that plan calls a registry sends — the
 * operation names they spell out.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { iamActionsFor } from "../../../shared/iam/permissions.ts";

export const repoRoot = fileURLToPath(new URL("../../..", import.meta.url));

/** One SDK command a file imports, with the IAM actions it needs. */
export interface SdkCall {
  pkg: string;
  name: string;
  actions: string[];
}

/** Repository-relative paths of the product's TypeScript sources (shared/ and functions/). */
export function productSources(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts"))
        out.push(relative(repoRoot, path));
    }
  };
  for (const top of ["shared", "functions"]) walk(join(repoRoot, top));
  return out.sort();
}

export function source(file: string): string {
  return readFileSync(join(repoRoot, file), "utf8");
}

const IMPORT = /import\s+(type\s+)?\{([^}]*)\}\s*from\s*["'](@aws-sdk\/[^"']+)["']/g;

/** The SDK commands a file imports as values (type-only imports make no call). */
export function sdkCalls(file: string): SdkCall[] {
  const text = source(file);
  const calls: SdkCall[] = [];
  for (const m of text.matchAll(IMPORT)) {
    if (m[1]) continue;
    const pkg = m[3] ?? "";
    for (const raw of (m[2] ?? "").split(",")) {
      const spec = raw.trim();
      if (!spec || spec.startsWith("type ")) continue;
      const name = spec.split(/\s+as\s+/)[0]?.trim() ?? "";
      const isCommand = /Command$/.test(name) && !/Command(Input|Output)$/.test(name);
      const isUpload = pkg === "@aws-sdk/lib-storage" && name === "Upload";
      // A paginator (`paginateLookupEvents`) sends its command (`LookupEventsCommand`).
      const paginated = /^paginate[A-Z]/.test(name) ? `${name.slice("paginate".length)}Command` : undefined;
      if (isCommand || isUpload) calls.push({ pkg, name, actions: iamActionsFor(pkg, name, text) });
      else if (paginated) calls.push({ pkg, name: paginated, actions: iamActionsFor(pkg, paginated, text) });
    }
  }
  return calls;
}

/**
 * Operations a file names as string literals ("ModifyNetworkInterfaceAttribute"), among those
 * a registry can send: how a planner asks for a call without importing its command.
 */
export function plannedActions(file: string, registry: SdkCall[]): string[] {
  const text = source(file);
  const actions = new Set<string>();
  for (const call of registry) {
    const op = call.name.replace(/Command$/, "");
    if (new RegExp(`["'\`]${op}["'\`]`).test(text)) for (const a of call.actions) actions.add(a);
  }
  return [...actions].sort();
}

/** Sorted, without duplicates. */
export const uniq = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();
