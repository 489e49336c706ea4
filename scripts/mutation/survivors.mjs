/**
 * `node scripts/mutation/survivors.mjs <mutation.json> [file-filter]`: every mutant of a report
 * that survived or had no coverage, by file and line, with the original code and the
 * replacement — the list to kill with tests or explain in docs/testing.md. Prints Markdown.
 * With `--ranges`, prints instead the `file:start-end` list of their lines for a forced re-test
 * (`npx stryker run --force --mutate '<list>'`; docs/testing.md, "Incremental").
 */
import { readFileSync } from "node:fs";

const args = process.argv.slice(2);
const ranges = args.includes("--ranges");
const [path, filter = ""] = args.filter((a) => a !== "--ranges");
if (!path) {
  console.error("usage: node scripts/mutation/survivors.mjs <mutation.json> [file-filter] [--ranges]");
  process.exit(2);
}
const report = JSON.parse(readFileSync(path, "utf8"));
const LEFT = new Set(["Survived", "NoCoverage"]);
const out = [];
const lines = [];
for (const [file, f] of Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b))) {
  if (!file.includes(filter)) continue;
  const left = f.mutants.filter((m) => LEFT.has(m.status));
  if (left.length === 0) continue;
  const source = f.source.split("\n");
  if (ranges) {
    const at = [...new Set(left.map((m) => m.location.start.line))].sort((a, b) => a - b);
    for (const l of at) lines.push(`${file}:${l}-${l}`);
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
