/**
 * Runs a step under its claim on the incident: a step whose work throws is recorded as
 * failed (so a retry can claim it again at once) and the error goes on to the caller.
 */
import { describeError } from "../errors/index.ts";
import type { IncidentStore } from "../incident/store.ts";

/** Claims `step`; runs `work` when claimed. Returns undefined when another worker has it or it is done. */
export async function claimed<T>(
  store: IncidentStore,
  incidentId: string,
  step: string,
  work: () => Promise<T>,
): Promise<{ value: T } | undefined> {
  if (!(await store.claimStep(incidentId, step))) return undefined;
  try {
    return { value: await work() };
  } catch (err) {
    await store
      .finishStep(incidentId, step, "failed", `${step} failed: ${describeError(err)}`, {
        error: describeError(err),
      })
      .catch(() => undefined);
    throw err;
  }
}
