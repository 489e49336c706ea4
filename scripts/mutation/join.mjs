/**
 * `node scripts/mutation/join.mjs <group report> <re-test report>…`: the score of a group once
 * its survivors were re-tested apart (`npx stryker run --force --mutate 'file:10-12,…'` with
 * MUTATION_GROUP set, in a second worktree; docs/testing.md, "Incremental"), or its static
 * mutants tested in a run of their own after one with `--ignoreStatic`
 * (`survivors.mjs --static --ranges`). Each survivor, mutant without coverage or static mutant
 * left untested of the group's mutation.json takes its result from the last re-test report that
 * has it (the same file, position, mutator and replacement); every other result stays.
 */
import { readFileSync } from "node:fs";

const [groupPath, ...retestPaths] = process.argv.slice(2);
if (!groupPath || retestPaths.length === 0) {
  console.error("usage: node scripts/mutation/join.mjs <group mutation.json> <re-test mutation.json>…");
  process.exit(2);
}
const read = (path) => JSON.parse(readFileSync(path, "utf8"));
const key = (file, m) =>
  `${file}|${m.location.start.line}:${m.location.start.column}|${m.mutatorName}|${m.replacement}`;

const retested = new Map();
for (const path of retestPaths)
  for (const [file, f] of Object.entries(read(path).files))
    for (const m of f.mutants) if (m.status !== "Ignored") retested.set(key(file, m), m.status);
const untested = (m) =>
  m.status === "Survived" ||
  m.status === "NoCoverage" ||
  (m.status === "Ignored" && /^Static/.test(m.statusReason ?? ""));

const DETECTED = new Set(["Killed", "Timeout"]);
const COUNTED = new Set(["Killed", "Timeout", "Survived", "NoCoverage"]);
let detected = 0;
let counted = 0;
let notRetested = 0;
for (const [file, f] of Object.entries(read(groupPath).files)) {
  let d = 0;
  let c = 0;
  for (const m of f.mutants) {
    let status = m.status;
    if (untested(m)) {
      const again = retested.get(key(file, m));
      if (again) status = again;
      else notRetested++;
    }
    if (DETECTED.has(status)) d++;
    if (COUNTED.has(status)) c++;
  }
  detected += d;
  counted += c;
  console.log(`${file.padEnd(44)} ${((100 * d) / c).toFixed(2).padStart(6)} %  ${d} of ${c}`);
}
console.log(
  `${"all".padEnd(44)} ${((100 * detected) / counted).toFixed(2).padStart(6)} %  ${detected} of ${counted}`,
);
if (notRetested) console.log(`${notRetested} survivor(s) not in the re-test: their results stay`);
