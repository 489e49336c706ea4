import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // The SDK warns once per process that Node 20 support ends in 2027; the CLI says the same
    // thing off (bin/responder.mjs), and the functions run on nodejs22.x.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          environment: "node",
          // Property tests and bundle builds are CPU-bound: on a busy machine they take many times
          // longer. A deadline only catches a hang; no test asserts on time.
          testTimeout: 120_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          environment: "node",
          globalSetup: ["test/integration/global-setup.ts"],
          setupFiles: ["test/integration/setup-env.ts"],
          // Deadlines only catch a hang: on a busy machine the emulator answers many times slower,
          // and every wait inside a test is for a condition, never for time.
          testTimeout: 300_000,
          hookTimeout: 300_000,
          // One emulator is shared: files run one after another.
          fileParallelism: false,
        },
      },
    ],
  },
});
