/**
 * The score of every group and file from the JSON reports under reports/mutation/<group>/.
 * Score = detected (killed or timed out) / (detected + survived + no coverage); mutants that do
 * not compile (the TypeScript checker refused them) or are disabled do not count.
 * `node scripts/mutation/summary.mjs [group …]` prints it for reports already written.
 */
import { existsSync, readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { GROUPS, THRESHOLD } from "./groups.mjs";

const DETECTED = new Set(["Killed", "Timeout"]);

function count(mutants) {
  const c = { detected: 0, survived: 0, noCoverage: 0, timeout: 0, invalid: 0, ignored: 0 };
  for (const m of mutants) {
    if (DETECTED.has(m.status)) c.detected++;
    if (m.status === "Timeout") c.timeout++;
    if (m.status === "Survived") c.survived++;
    if (m.status === "NoCoverage") c.noCoverage++;
    if (m.status === "CompileError" || m.status === "RuntimeError") c.invalid++;
    if (m.status === "Ignored") c.ignored++;
  }
  const valid = c.detected + c.survived + c.noCoverage;
  return { ...c, valid, score: valid ? (100 * c.detected) / valid : 100 };
}

const row = (name, c) =>
  `${name.padEnd(44)} ${c.score.toFixed(2).padStart(7)} ${String(c.detected).padStart(8)} ${String(
    c.survived,
  ).padStart(8)} ${String(c.noCoverage).padStart(7)} ${String(c.timeout).padStart(7)} ${String(
    c.invalid,
  ).padStart(7)} ${String(c.ignored).padStart(7)}`;

/** Prints the table; false when a group's score is under {@link THRESHOLD} or its report is missing. */
export function printSummary(groups) {
  let ok = true;
  console.log(
    `\n${"module / file".padEnd(44)} ${"score %".padStart(7)} ${"detected".padStart(8)} ${"survived".padStart(
      8,
    )} ${"no cov".padStart(7)} ${"timeout".padStart(7)} ${"invalid".padStart(7)} ${"ignored".padStart(7)}`,
  );
  for (const group of groups) {
    const file = `reports/mutation/${group}/mutation.json`;
    if (!existsSync(file)) {
      console.log(`${group.padEnd(44)} no report (${file})`);
      ok = false;
      continue;
    }
    const report = JSON.parse(readFileSync(file, "utf8"));
    const files = Object.entries(report.files).sort(([a], [b]) => a.localeCompare(b));
    const all = count(files.flatMap(([, f]) => f.mutants));
    const under = all.score < THRESHOLD;
    if (under && group !== "custom") ok = false;
    console.log(row(`${group}${under ? `  (under ${THRESHOLD} %)` : ""}`, all));
    for (const [path, f] of files) console.log(row(`  ${path}`, count(f.mutants)));
  }
  return ok;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const groups = process.argv.slice(2);
  process.exit(printSummary(groups.length ? groups : Object.keys(GROUPS)) ? 0 : 1);
}
