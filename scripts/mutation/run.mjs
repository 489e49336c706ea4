/**
 * `npm run mutation [group …] [-- stryker options]`: runs Stryker once per group of
 * groups.mjs, one after another (two cores: one run at a time, one worker), then prints
 * the score of every group and file, and fails when a group is under the threshold.
 *
 *   npm run mutation                       every group
 *   npm run mutation triage evidence       those groups
 *   npm run mutation -- --mutate 'shared/triage/**\/*.ts'   one ad hoc run (group "custom")
 *   MUTATION_CHECKER=none npm run mutation policy          without the type check of each mutant
 *
 * Reports: reports/mutation/<group>/mutation.html (and .json, incremental.json).
 */
import { spawnSync } from "node:child_process";
import { GROUPS } from "./groups.mjs";
import { printSummary } from "./summary.mjs";

const args = process.argv.slice(2);
const names = args.filter((a, i) => !a.startsWith("-") && !(i > 0 && args[i - 1].startsWith("--")));
const options = args.filter((a) => !names.includes(a));
const unknown = names.filter((n) => !GROUPS[n]);
if (unknown.length) {
  console.error(`unknown group(s): ${unknown.join(", ")}; known: ${Object.keys(GROUPS).join(", ")}`);
  process.exit(2);
}
const custom = options.includes("--mutate") || options.includes("-m");
const runs = custom ? ["custom"] : names.length ? names : Object.keys(GROUPS);

let failed = false;
for (const group of runs) {
  const started = Date.now();
  console.log(`\n=== mutation testing: ${group} ===`);
  const out = spawnSync("npx", ["stryker", "run", ...options], {
    stdio: "inherit",
    env: { ...process.env, MUTATION_GROUP: group },
  });
  console.log(`=== ${group}: ${Math.round((Date.now() - started) / 1000)} s, exit ${out.status} ===`);
  if (out.status !== 0) failed = true;
}
// Without the checker, the reports are the group's -nochecker ones (stryker.config.mjs).
const suffix = process.env.MUTATION_CHECKER === "none" ? "-nochecker" : "";
if (!printSummary(runs.map((group) => `${group}${suffix}`))) failed = true;
process.exit(failed ? 1 : 0);
