import type { TestProject } from "vitest/node";
import { type Emulator, startEmulator } from "../../shared/local/emulator.ts";

let emulator: Emulator | undefined;

/** Starts one emulator for the integration project (or borrows AWS_ENDPOINT_URL). */
export async function setup(project: TestProject): Promise<void> {
  emulator = await startEmulator();
  project.provide("awsEndpoint", emulator.endpoint);
}

export async function teardown(): Promise<void> {
  await emulator?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    awsEndpoint: string;
  }
}
