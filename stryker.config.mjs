// @ts-check
/**
 * Mutation testing (StrykerJS): `npm run mutation` runs every group of scripts/mutation/groups.mjs
 * one after another (scripts/mutation/run.mjs); `MUTATION_GROUP=<name> npx stryker run` runs one.
 * Without MUTATION_GROUP, every unit-tested group at once. See docs/testing.md.
 */
import { writeFileSync } from "node:fs";
import { GROUPS } from "./scripts/mutation/groups.mjs";

const name = process.env.MUTATION_GROUP ?? "all";
const group = GROUPS[name];
if (name !== "all" && name !== "custom" && !group)
  throw new Error(`unknown MUTATION_GROUP ${name}; known: ${Object.keys(GROUPS)}`);
const mutate = group
  ? typeof group.mutate === "function"
    ? group.mutate()
    : group.mutate
  : Object.entries(GROUPS)
      .filter(([, g]) => !g.vitestConfig)
      .flatMap(([, g]) => g.mutate);
// MUTATION_CHECKER=none: no type check of each mutant (docs/testing.md: the checker costs about
// 8 s of CPU a mutant of a zod schema module, the tests half a second). Mutants that would not
// compile are then run and counted too; the reports go to their own directory, so that the
// incremental file of a checked run never holds their results.
const checked = process.env.MUTATION_CHECKER !== "none";
const dir = `reports/mutation/${name}${checked ? "" : "-nochecker"}`;

// The type checker's program: the mutated files and what they import, not the whole project
// (checking every file that imports a mutated one, tests included, cost seconds per mutant).
// A mutant that only breaks a caller's types is then run, and judged by the tests.
const TSCONFIG = "tsconfig.mutation.json";
writeFileSync(
  TSCONFIG,
  `${JSON.stringify(
    {
      extends: "./tsconfig.json",
      include: [...new Set(mutate.filter((m) => !m.startsWith("!")).map((m) => m.replace(/:[\d:-]+$/, "")))],
    },
    null,
    2,
  )}\n`,
);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  packageManager: "npm",
  testRunner: "vitest",
  vitest: { configFile: group?.vitestConfig ?? "vitest.mutation.config.ts", related: true },
  checkers: checked ? ["typescript"] : [],
  tsconfigFile: TSCONFIG,
  typescriptChecker: { prioritizePerformanceOverAccuracy: true },
  coverageAnalysis: "perTest",
  mutate,
  // Two cores, shared with other work: one worker. A loaded machine runs a test many times
  // slower than the dry run did; a generous timeout keeps a slow run from counting as a kill.
  concurrency: 1,
  timeoutMS: 20_000,
  timeoutFactor: 2,
  incremental: true,
  incrementalFile: `${dir}/incremental.json`,
  reporters: ["clear-text", "progress-append-only", "html", "json"],
  htmlReporter: { fileName: `${dir}/mutation.html` },
  jsonReporter: { fileName: `${dir}/mutation.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportTests: false, skipFull: false },
  tempDirName: ".stryker-tmp",
  cleanTempDir: true,
};
