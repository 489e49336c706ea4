/** Helpers for integration tests that run against the emulator. */
export function endpoint(): string {
  const e = process.env.AWS_ENDPOINT_URL;
  if (!e) throw new Error("AWS_ENDPOINT_URL is not set: run this test in the integration project");
  return e;
}

/** Clears every resource in the emulator. */
export async function resetEmulator(): Promise<void> {
  const res = await fetch(`${endpoint()}/moto-api/reset`, { method: "POST" });
  if (!res.ok) throw new Error(`emulator reset failed: HTTP ${res.status}`);
}

/** Client options for tests: the emulator, one attempt (unimplemented APIs fail fast). */
export function testAwsOptions() {
  return { region: process.env.AWS_REGION ?? "us-east-1", endpoint: endpoint(), maxAttempts: 1 };
}
