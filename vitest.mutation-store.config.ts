import { defineConfig } from "vitest/config";

/**
 * The test run that judges the incident store's conditions under mutation testing
 * (stryker.config.mjs, group `store`): the store's tests against the emulator's DynamoDB, and
 * the unit test of its bounded retry. Each Stryker worker starts its own emulator.
 */
export default defineConfig({
  test: {
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    include: [
      "test/integration/incident-store.test.ts",
      "test/integration/incident-store-mutants.test.ts",
      "test/unit/incident/store-open.test.ts",
      "test/unit/triage/circuit.test.ts",
    ],
    environment: "node",
    globalSetup: ["test/integration/global-setup.ts"],
    setupFiles: ["test/integration/setup-env.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    fileParallelism: false,
  },
});
