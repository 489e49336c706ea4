/**
 * The modules under mutation testing (docs/testing.md): the decision core and the guards.
 * One Stryker run per group, one after another, each with its own report and incremental file
 * under reports/mutation/<group>/ (ignored by git).
 */
import { readFileSync } from "node:fs";

/**
 * The incident store's methods whose DynamoDB conditions decide something, by file (the store
 * is split by concern under shared/incident/: opening, claims, caps, records).
 */
const STORE_CONDITIONS = {
  "shared/incident/open.ts": [
    "export async function openIncident(",
    "function tryCreate(",
    "async function touchFinding(",
    "async function joinFinding(",
  ],
  "shared/incident/claims.ts": ["  claimStep(", "  progressStep("],
  "shared/incident/caps.ts": ["export function capWindows(", "  async reserveContainment("],
  "shared/incident/records.ts": ["  async escalate(", "  async reopenSteps(", "  async savePreIsolation("],
};

/**
 * Stryker line ranges (`file:start-end`) of the store's condition methods, each found in its
 * file by its signature and the closing brace at the same indentation, so that edits elsewhere
 * in the files do not move them.
 */
export function storeConditionRanges(methods = STORE_CONDITIONS) {
  return Object.entries(methods).flatMap(([file, signatures]) => {
    const lines = readFileSync(file, "utf8").split("\n");
    return signatures.map((signature) => {
      const start = lines.findIndex((line) => line.startsWith(signature));
      if (start < 0) throw new Error(`${file}: no line starts with ${JSON.stringify(signature)}`);
      const indent = signature.match(/^ */)[0];
      const end = lines.findIndex((line, i) => i > start && line === `${indent}}`);
      if (end < 0) throw new Error(`${file}: ${signature.trim()} has no closing brace`);
      return `${file}:${start + 1}-${end + 1}`;
    });
  });
}

/**
 * Each group: the files it mutates and the tests that judge them (the module's own unit tests:
 * every test that merely passes through a module would be imported again for each of its
 * mutants, which two cores cannot afford). `store` runs
 * against the emulator (moto): its conditions are DynamoDB expressions that only DynamoDB
 * semantics can judge.
 */
export const GROUPS = {
  triage: {
    mutate: ["shared/triage/*.ts", "!shared/triage/index.ts"],
    tests: ["test/unit/triage/**/*.test.ts", "test/unit/workflow/triage-*.test.ts"],
  },
  policy: {
    mutate: ["shared/policy/*.ts", "!shared/policy/index.ts"],
    tests: ["test/unit/policy/**/*.test.ts"],
  },
  containment: {
    mutate: ["contain-plan*", "release-plan*", "isolation-check*", "group-rules*", "record*"].map(
      (f) => `shared/containment/${f}.ts`,
    ),
    tests: ["test/unit/containment/**/*.test.ts"],
  },
  evidence: {
    mutate: ["manifest*", "verify*", "assess*", "pin*", "hashing*", "image*", "snapshot-blocks"].map(
      (f) => `shared/evidence/${f}.ts`,
    ),
    tests: ["test/unit/evidence/**/*.test.ts"],
  },
  intake: {
    mutate: ["shared/intake/*.ts", "!shared/intake/index.ts", "!shared/intake/context.ts"],
    tests: ["test/unit/intake/**/*.test.ts"],
  },
  "intake-schemas": {
    mutate: ["shared/intake/schemas/*.ts"],
    tests: ["test/unit/intake/**/*.test.ts"],
  },
  alerts: {
    mutate: ["message", "by-hand", "line", "attributes"].map((f) => `shared/alerts/${f}.ts`),
    tests: ["test/unit/alerts/**/*.test.ts"],
  },
  text: {
    mutate: ["shared/text/sanitize.ts"],
    tests: [
      "test/unit/text/**/*.test.ts",
      "test/unit/intake/text.test.ts",
      "test/unit/report/escape.test.ts",
    ],
  },
  store: { mutate: () => storeConditionRanges(), vitestConfig: "vitest.mutation-store.config.ts" },
};

/** The minimum mutation score of every group (docs/testing.md). */
export const THRESHOLD = 85;
