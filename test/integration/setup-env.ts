import { inject } from "vitest";
import { emulatorEnv } from "../../cli/local/emulator.ts";

// Every integration test file talks to the emulator started by global-setup.ts.
Object.assign(process.env, emulatorEnv(inject("awsEndpoint")), { AWS_MAX_ATTEMPTS: "1" });
