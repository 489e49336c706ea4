import { describe, expect, it } from "vitest";
import {
  ALL_MODULES,
  MODULES,
  type ModulePermissions,
  moduleOfFile as moduleIn,
  OPERATOR_FILES,
  REGISTRIES,
} from "../../../shared/iam/permissions.ts";
import { plannedActions, productSources, type SdkCall, sdkCalls, uniq } from "./sources.ts";

// The modules of shared/iam/modules.ts and the actions' own (shared/actions/<name>.ts `ownModule`).
const modules = Object.entries(ALL_MODULES) as [string, ModulePermissions][];
const moduleOfFile = (file: string) => moduleIn(file, ALL_MODULES);
const sources = productSources().filter((f) => !OPERATOR_FILES.some((prefix) => f.startsWith(prefix)));
/**
 * What a file's code asks AWS for: the commands it imports, and — in a module a registry
 * sends for — the registry's operations it names.
 */
function needs(file: string): string[] {
  const owner = moduleOfFile(file);
  const registries = Object.entries(REGISTRIES).filter(
    ([, names]) => owner && (names as readonly string[]).includes(owner),
  );
  const registryCalls: SdkCall[] = registries.flatMap(([f]) => sdkCalls(f));
  return uniq([...sdkCalls(file).flatMap((c) => c.actions), ...plannedActions(file, registryCalls)]);
}

/** The files a module accounts for. */
const filesOf = (name: string): string[] => sources.filter((f) => moduleOfFile(f) === name);

describe("permission declarations against the code", () => {
  it("accounts for every source file that sends AWS calls", () => {
    const unowned = sources.filter((f) => sdkCalls(f).length > 0 && !moduleOfFile(f) && !(f in REGISTRIES));

    // Each of these sends AWS calls that no module declares: add the file to a module (or a new
    // module) in shared/iam/permissions.ts, and the actions to the function roles in serverless.yml.
    expect(unowned).toEqual([]);
  });

  it("names only files and directories that exist", () => {
    const all = productSources();
    const entries = [...modules.flatMap(([, m]) => m.files), ...Object.keys(REGISTRIES)];

    const missing = entries.filter((e) => !all.some((f) => (e.endsWith("/") ? f.startsWith(e) : f === e)));

    expect(missing).toEqual([]);
  });

  it.each(modules)("declares every action the code of %s needs", (name, m) => {
    const needed = uniq(filesOf(name).flatMap(needs));

    const undeclared = needed.filter((a) => !m.actions.includes(a));

    expect(undeclared).toEqual([]);
  });

  it.each(modules)("declares no action the code of %s does not need, unless it says why", (name, m) => {
    const needed = new Set(filesOf(name).flatMap(needs));
    const implicit = Object.keys(m.implicit ?? {});

    const surplus = m.actions.filter((a) => !needed.has(a) && !implicit.includes(a));

    expect(surplus).toEqual([]);
    expect(implicit.filter((a) => !m.actions.includes(a))).toEqual([]);
    expect([...m.actions]).toEqual(uniq(m.actions));
  });

  it.each(Object.entries(REGISTRIES))("covers every command the registry %s can send", (file, names) => {
    const declared = new Set<string>(names.flatMap((n) => MODULES[n].actions));

    const uncovered = uniq(sdkCalls(file).flatMap((c) => c.actions)).filter((a) => !declared.has(a));

    expect(uncovered).toEqual([]);
  });

  it("maps lib-dynamodb transactions to the item actions they write", () => {
    // The store writes Put items in its transaction that opens an incident (open.ts), Update and
    // Delete items in the one that closes it (records.ts).
    const open = sdkCalls("shared/incident/open.ts").find((c) => c.name === "TransactWriteCommand");
    const close = sdkCalls("shared/incident/records.ts").find((c) => c.name === "TransactWriteCommand");

    expect(open?.actions).toEqual(["dynamodb:PutItem"]);
    expect(close?.actions).toEqual(["dynamodb:DeleteItem", "dynamodb:UpdateItem"]);
  });
});
