import type { TestProject } from "vitest/node";
import { type Emulator, startEmulator } from "../../cli/local/emulator.ts";

let emulator: Emulator | undefined;

/** Starts one emulator for the integration project (or borrows AWS_ENDPOINT_URL). */
export async function setup(project: TestProject): Promise<void> {
  emulator = await startEmulator();
  project.provide("awsEndpoint", emulator.endpoint);
}

export async function teardown(): Promise<void> {
  // moto answers a call with a 500 page when it raises inside: say so, it explains a flaky failure.
  const errors = emulator?.serverErrors?.() ?? [];
  if (errors.length)
    console.warn(`moto_server raised ${errors.length} error(s) during the run:\n  ${errors.join("\n  ")}`);
  await emulator?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    awsEndpoint: string;
  }
}
