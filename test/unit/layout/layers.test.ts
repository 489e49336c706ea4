/**
 * The layout's rule: `shared/` holds what runs in Lambda and nothing else. Nothing in it imports
 * the command line (`cli/`: the emulator launcher, drills, reports, preflight) or a function's
 * composition root (`functions/`); the functions import `shared/`, never `cli/`.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../..");

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(ts|mts|mjs)$/.test(e.name))
    .map((e) => relative(ROOT, join(e.parentPath, e.name)));
}

/** Every relative module a file imports (static, dynamic and re-exports), as repository paths. */
function importsOf(file: string, text: string): string[] {
  const specs = [
    ...text.matchAll(/(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*["']([^"']+)["']/g),
    ...text.matchAll(/import\(\s*["']([^"']+)["']\s*\)/g),
    ...text.matchAll(/^import\s*["']([^"']+)["']/gm),
  ].map((m) => m[1] as string);
  return specs.filter((s) => s.startsWith(".")).map((s) => relative(ROOT, resolve(ROOT, dirname(file), s)));
}

function offending(dir: string, forbidden: string[]): string[] {
  return sources(dir).flatMap((f) =>
    importsOf(f, readFileSync(join(ROOT, f), "utf8"))
      .filter((target) => forbidden.some((prefix) => target.startsWith(prefix)))
      .map((target) => `${f} → ${target}`),
  );
}

describe("the layout", () => {
  it("reads the imports it judges (the rule would pass on a parser that finds none)", () => {
    const files = sources("shared");
    expect(files.length).toBeGreaterThan(100);
    const all = files.flatMap((f) => importsOf(f, readFileSync(join(ROOT, f), "utf8")));
    expect(all.length).toBeGreaterThan(files.length);
    expect(importsOf("shared/a/b.ts", 'import { x } from "../../cli/local/emulator.ts";')).toEqual([
      "cli/local/emulator.ts",
    ]);
    expect(importsOf("shared/a/b.ts", 'const m = await import("../../cli/drill/run.ts");')).toEqual([
      "cli/drill/run.ts",
    ]);
    expect(importsOf("shared/a/b.ts", 'export { y } from "../../functions/triage/logic.ts";')).toEqual([
      "functions/triage/logic.ts",
    ]);
  });

  it("keeps shared/ free of the command line and of the functions' composition roots", () => {
    expect(offending("shared", ["cli/", "functions/", "bench/", "scripts/", "test/"])).toEqual([]);
  });

  it("keeps the functions off the command line", () => {
    expect(sources("functions").length).toBeGreaterThanOrEqual(10);
    expect(offending("functions", ["cli/", "bench/", "scripts/", "test/"])).toEqual([]);
  });
});
