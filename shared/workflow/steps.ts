/**
 * Runs a step under its claim on the incident: a step whose work throws is recorded as
 * failed (so a retry can claim it again at once) and the error goes on to the caller.
 */
import { isPassingFailure } from "../aws/errors.ts";
import { describeError } from "../errors/index.ts";
import type { IncidentStore } from "../incident/store.ts";

/**
 * Waits between attempts to record a failed step when the store itself is failing (an outage
 * of the AWS APIs, throttling): about 16 s in all. A claim left `running` would keep every
 * retry of the event away from the step until its lease ran out.
 */
export const RELEASE_DELAYS_MS = [250, 500, 1000, 2000, 4000, 8000];

/** Claims `step`; runs `work` when claimed. Returns undefined when another worker has it or it is done. */
export async function claimed<T>(
  store: IncidentStore,
  incidentId: string,
  step: string,
  leaseMs: number,
  work: () => Promise<T>,
): Promise<{ value: T } | undefined> {
  if (!(await store.claimStep(incidentId, step, leaseMs))) return undefined;
  try {
    return { value: await work() };
  } catch (err) {
    await release(store, incidentId, step, err);
    throw err;
  }
}

/** Records the step as failed; retries while the store's error is a passing one. Never throws. */
async function release(store: IncidentStore, incidentId: string, step: string, err: unknown): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await store.finishStep(incidentId, step, "failed", `${step} failed: ${describeError(err)}`, {
        error: describeError(err),
      });
      return;
    } catch (storeErr) {
      const wait = RELEASE_DELAYS_MS[attempt];
      if (wait === undefined || !isPassingFailure(storeErr)) return;
      await new Promise((r) => setTimeout(r, wait));
    }
  }
}
