/**
 * `node scripts/mutation/survivors.mjs <mutation.json> [file-filter]`: every mutant of a report
 * that survived or had no coverage, by file and line, with the original code and the
 * replacement — the list to kill with tests or explain in docs/testing.md. Prints Markdown.
 * With `--ranges`, prints instead the `file:start-end` list of their lines for a forced re-test
 * (`npx stryker run --force --mutate '<list>'`; docs/testing.md, "Incremental").
 * With `--static`, lists instead the static mutants a run with `--ignoreStatic` left untested
 * (with `--ranges`: their lines, to test them in a run of their own).
 */
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const ranges = args.includes("--ranges");
const onlyStatic = args.includes("--static");
const [path, filter = ""] = args.filter((a) => !a.startsWith("--"));
if (!path) {
  console.error(
    "usage: node scripts/mutation/survivors.mjs <mutation.json> [file-filter] [--ranges] [--static]",
  );
  process.exit(2);
}
const report = JSON.parse(readFileSync(path, "utf8"));
const LEFT = new Set(["Survived", "NoCoverage"]);
const isLeft = onlyStatic
  ? (m) => m.status === "Ignored" && /^Static mutant/.test(m.statusReason ?? "")
  : (m) => LEFT.has(m.status);
const out = [];
const lines = [];
for (const [file, f] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  if (!file.includes(filter)) continue;
  const left = f.mutants.filter(isLeft);
  if (left.length === 0) continue;
  const source = f.source.split("\n");
  if (ranges) {
    // A range takes only the mutants that lie wholly inside it: a mutant over several lines
    // (a table replaced by an empty one) needs its own whole span.
    const spans = new Set(left.map((m) => `${m.location.start.line}-${m.location.end.line}`));
    const sorted = [...spans].sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
    for (const span of sorted) lines.push(`${file}:${span}`);
    continue;
  }
  out.push(`## ${file} (${left.length})`, "");
  for (const m of left.sort((a, b) => a.location.start.line - b.location.start.line)) {
    const l = m.location.start.line;
    out.push(
      `- line ${l} ${m.mutatorName}${m.status === "NoCoverage" ? " (no coverage)" : ""}: \`${(source[l - 1] ?? "").trim()}\` → \`${String(m.replacement).replace(/\s+/g, " ").slice(0, 160)}\``,
    );
  }
  out.push("");
}
console.log(ranges ? lines.join(",") : out.join("\n"));
