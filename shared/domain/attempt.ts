/**
 * One change of an action on one target, tried and recorded: `ok` with what it did, or `failed`
 * with the error (and, where the caller keeps one, listed among what is still open). A failure
 * never stops the other changes.
 */
import { describeError } from "../errors/index.ts";
import type { ActionResult } from "./types.ts";

/** Records a change as it went; never throws. */
export type Attempt = (name: string, detail: string, work: () => Promise<unknown>) => Promise<void>;

/**
 * An {@link Attempt} that records on `steps` for `target`. `open` collects `name: error` for
 * each failure; `recover` may turn an error into an `ok` detail (e.g. "already gone").
 */
export function recordedAttempt(
  steps: ActionResult[],
  target: string,
  opts: { open?: string[]; recover?: (name: string, err: unknown) => string | undefined } = {},
): Attempt {
  return async (name, detail, work) => {
    try {
      await work();
      steps.push({ name, target, status: "ok", detail });
    } catch (err) {
      const recovered = opts.recover?.(name, err);
      if (recovered !== undefined) {
        steps.push({ name, target, status: "ok", detail: recovered });
        return;
      }
      steps.push({ name, target, status: "failed", detail: describeError(err) });
      opts.open?.push(`${name}: ${describeError(err)}`);
    }
  };
}
