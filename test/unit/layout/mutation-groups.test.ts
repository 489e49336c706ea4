/**
 * The mutation groups (scripts/mutation/groups.mjs) name files that exist: a module that moves
 * must not silently drop out of mutation testing (Stryker only warns about a pattern that
 * matches nothing, and the group's score is then judged on fewer files).
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { GROUPS, storeConditionRanges } from "../../../scripts/mutation/groups.mjs";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** The globs groups.mjs uses: `**\/` any directories, `*` any text within one name. */
function globRegExp(glob: string): RegExp {
  const body = glob
    .split(/(\*\*\/|\*)/)
    .map((part) =>
      part === "**/" ? "(?:.*/)?" : part === "*" ? "[^/]*" : part.replace(/[\\^$.|+?()[\]{}]/g, "\\$&"),
    )
    .join("");
  return new RegExp(`^${body}$`);
}

const repoFiles = [...files("shared"), ...files("test")];
const matching = (glob: string) => repoFiles.filter((f) => globRegExp(glob).test(f));

describe("mutation groups", () => {
  for (const [name, group] of Object.entries(GROUPS)) {
    const mutate = typeof group.mutate === "function" ? group.mutate() : group.mutate;
    const included = mutate.filter((m) => !m.startsWith("!"));

    it(`${name}: every file pattern it mutates names at least one file`, () => {
      const empty = included.map((m) => m.replace(/:\d+-\d+$/, "")).filter((m) => matching(m).length === 0);
      expect(empty).toEqual([]);
    });

    it(`${name}: every test pattern that judges it names at least one test`, () => {
      const empty = (group.tests ?? []).filter((t) => matching(t).length === 0);
      expect(empty).toEqual([]);
    });
  }

  it("store: each condition method is a range that starts at its signature and ends at its closing brace", () => {
    const ranges = storeConditionRanges();
    expect(ranges.length).toBeGreaterThanOrEqual(10);
    for (const range of ranges) {
      const [, file, start, end] = /^(.+):(\d+)-(\d+)$/.exec(range) ?? [];
      const lines = readFileSync(join(ROOT, file as string), "utf8").split("\n");
      const first = lines[Number(start) - 1] as string;
      const last = lines[Number(end) - 1] as string;
      expect(first, range).toMatch(/^\s*(export )?(async )?(function )?\w+\(/);
      expect(last, range).toBe(`${first.match(/^ */)?.[0]}}`);
      expect(Number(end), range).toBeGreaterThan(Number(start));
    }
  });

  it("store: a signature no file holds is an error, not a silently smaller group", () => {
    expect(() => storeConditionRanges({ "shared/incident/open.ts": ["  async vanished("] })).toThrow(
      /vanished/,
    );
  });
});
