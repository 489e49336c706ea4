/**
 * Counting of AWS calls and of sequential rounds, and the wrappers that turn AWS errors into
 * per-step results. Nothing here throws an AWS error: a call that fails after the SDK's own
 * retries becomes a `failed` (or, for an endpoint without the API, `unsupported`) result.
 */
import { errorCode, isNotImplemented, isThrottling } from "../aws/errors.ts";
import { ListBoundError } from "../aws/pages.ts";
import type { ActionResult, ActionStatus } from "../domain/types.ts";

/**
 * A chain of calls made one after another inside a round. Its depth is the number of
 * sequential calls it made; calls of different lanes run in parallel.
 */
export class Lane {
  depth = 0;
  constructor(private readonly tracker: CallTracker) {}

  /** Makes one AWS call (counted), after the previous call of this lane. */
  async call<T>(fn: () => Promise<T>): Promise<T> {
    this.depth += 1;
    this.tracker.calls += 1;
    return fn();
  }

  /** Waits for a call another lane made in the same round: one sequential step, no call of its own. */
  async wait<T>(p: Promise<T>): Promise<T> {
    this.depth += 1;
    return p;
  }

  /** Runs sub-lanes in parallel; this lane grows by the depth of the longest. */
  async all<T>(fns: ((lane: Lane) => Promise<T>)[]): Promise<T[]> {
    const subs = fns.map(() => new Lane(this.tracker));
    const settled = await Promise.allSettled(fns.map((f, i) => f(subs[i] as Lane)));
    this.depth += Math.max(0, ...subs.map((s) => s.depth));
    return settled.map((s) => {
      if (s.status === "rejected") throw s.reason;
      return s.value;
    });
  }
}

/** A task of a round: one lane of sequential calls. Must not throw for AWS errors. */
export type Task = (lane: Lane) => Promise<unknown>;

/** Counts rounds (barriers between groups of parallel lanes) and calls. */
export class CallTracker {
  rounds = 0;
  calls = 0;

  /**
   * Runs the tasks in parallel and waits for all of them. The round adds the depth of its
   * longest lane to `rounds` (0 when no call was made, 2 when a lane paginated once…).
   */
  async round(tasks: Task[]): Promise<void> {
    const lanes = tasks.map(() => new Lane(this));
    const settled = await Promise.allSettled(tasks.map((task, i) => task(lanes[i] as Lane)));
    this.rounds += Math.max(0, ...lanes.map((l) => l.depth));
    // Tasks catch AWS errors themselves: anything left is a programming error.
    for (const s of settled) if (s.status === "rejected") throw s.reason;
  }
}

/** The result of a read: its value, or why it could not be made. */
export type Known<T> = { ok: true; value: T } | { ok: false; error: string; unsupported: boolean };

export const known = <T>(value: T): Known<T> => ({ ok: true, value });

/** Short, readable description of an AWS error: `Code: message`. */
function describeAwsError(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : String(err);
  const text = code && !message.startsWith(code) ? `${code}: ${message}` : message;
  return isThrottling(err) ? `${text} (throttled, retries exhausted)` : text;
}

/** Makes a read; an error becomes an unknown value with its reason. */
export async function read<T>(lane: Lane, fn: () => Promise<T>): Promise<Known<T>> {
  try {
    return known(await lane.call(fn));
  } catch (err) {
    return unknownFrom(err);
  }
}

export function unknownFrom(err: unknown): { ok: false; error: string; unsupported: boolean } {
  return { ok: false, error: describeAwsError(err), unsupported: isNotImplemented(err) };
}

/** The result of a step that could not run because something it needed is unknown. */
export function blocked(
  name: string,
  target: string,
  what: string,
  unknownValue: { error: string; unsupported: boolean },
): ActionResult {
  return {
    name,
    target,
    status: unknownValue.unsupported ? "unsupported" : "failed",
    detail: `${what}: ${unknownValue.error}`,
  };
}

/** The result of a step whose call failed. */
export function failure(name: string, target: string, operation: string, err: unknown): ActionResult {
  const unsupported = isNotImplemented(err);
  const status: ActionStatus = unsupported ? "unsupported" : "failed";
  const detail = unsupported
    ? `${operation} is not implemented by this endpoint`
    : `${operation} failed: ${describeAwsError(err)}`;
  return {
    name,
    target,
    status,
    detail,
    data: { operation, errorCode: errorCode(err), throttled: isThrottling(err) },
  };
}

/**
 * Pages read at most by {@link pages}: far more than any list about one instance (its
 * interfaces, its profile associations, the responder's own groups) ever fills.
 */
const MAX_PAGES = 20;

/**
 * Reads the pages of a paginated API in one lane (each page is one more sequential call), at
 * most `maxPages`; `truncated` when the API had more.
 */
export async function boundedPages<T>(
  lane: Lane,
  fetch: (token: string | undefined) => Promise<{ items?: T[] | undefined; next?: string | undefined }>,
  maxPages: number,
): Promise<{ items: T[]; truncated: boolean }> {
  const out: T[] = [];
  let token: string | undefined;
  for (let page = 0; page < maxPages; page++) {
    const got = await lane.call(() => fetch(token));
    out.push(...(got.items ?? []));
    token = got.next;
    if (!token) return { items: out, truncated: false };
  }
  return { items: out, truncated: true };
}

/**
 * Reads every page of a paginated API in one lane, up to {@link MAX_PAGES}; a list longer than
 * that is an error ({@link ListBoundError}), never taken for the whole.
 */
export async function pages<T>(
  lane: Lane,
  fetch: (token: string | undefined) => Promise<{ items?: T[] | undefined; next?: string | undefined }>,
  maxPages = MAX_PAGES,
): Promise<T[]> {
  const { items, truncated } = await boundedPages(lane, fetch, maxPages);
  if (truncated) throw new ListBoundError(`more than ${maxPages} pages: not read further`);
  return items;
}

/** {@link pages}, with an error turned into an unknown value. */
export async function readPages<T>(
  lane: Lane,
  fetch: (token: string | undefined) => Promise<{ items?: T[] | undefined; next?: string | undefined }>,
): Promise<Known<T[]>> {
  try {
    return known(await pages(lane, fetch));
  } catch (err) {
    return unknownFrom(err);
  }
}
