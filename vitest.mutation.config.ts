import { defineConfig } from "vitest/config";
import { GROUPS } from "./scripts/mutation/groups.mjs";

/**
 * The test run that mutation testing uses (stryker.config.mjs): unit tests only, those of the
 * group being mutated (MUTATION_GROUP, see scripts/mutation/groups.mjs). Integration tests need
 * the emulator and are too slow to run once per mutant; the incident store's conditions, which
 * only DynamoDB semantics can judge, have their own run against the emulator
 * (vitest.mutation-store.config.ts).
 *
 * Without a group (an ad hoc `--mutate` run): every unit test but bundle builds and template
 * linting (package/, infra/), which judge no decision, and the triage fuzz
 * (faults/triage-fuzz.test.ts: 7,000 events to show nothing throws, 16 s per mutant it reaches).
 */
const group = GROUPS[process.env.MUTATION_GROUP ?? ""];

export default defineConfig({
  test: {
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    include: group?.tests ?? ["test/unit/**/*.test.ts"],
    exclude: ["test/unit/package/**", "test/unit/infra/**", "test/unit/faults/triage-fuzz.test.ts"],
    environment: "node",
    testTimeout: 120_000,
  },
});
