/**
 * Events that cannot be handled: recorded as dead letters (`responder deadletters`) and
 * alerted — the first of each kind in a 15-minute window at once, the others counted and
 * reported by the scheduled summary ({@link reportRejections}; kinds and windows:
 * workflow/rejections.ts). Used by every function's last line of defence (runtime/lambda.ts),
 * so it depends on nothing of intake or triage.
 */
import { describeError, InvalidEventError } from "../errors/index.ts";
import type { CountedRejection } from "../incident/store.ts";
import type { BaseDeps } from "./deps.ts";
import { nowIso } from "./deps.ts";
import { notify } from "./notify.ts";
import {
  aggregationNote,
  describeKind,
  MAX_REJECTION_KINDS,
  REPORT_LOOKBACK_MS,
  rejectionKey,
  rejectionWindow,
  summaryAlert,
  suppressedIn,
} from "./rejections.ts";

/**
 * The event as text for its dead letter, whatever it is: JSON when it can be (BigInts as
 * digits), else its string form — or its tag, for objects without one (null prototype).
 */
function serialise(event: unknown): string {
  try {
    return (
      JSON.stringify(event, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v)) ?? String(event)
    );
  } catch {
    try {
      return String(event);
    } catch {
      return Object.prototype.toString.call(event);
    }
  }
}

/**
 * Records an event that could not be handled, counts it under its kind and window, and alerts
 * about it when it is the first of its kind in the window (or when it cannot be counted: a
 * count that fails never silences an alert). Never throws.
 */
export async function rejectEvent(
  event: unknown,
  err: unknown,
  deps: Pick<BaseDeps, "store" | "alerter" | "log" | "now">,
): Promise<void> {
  const e = event as { id?: unknown; source?: unknown; "detail-type"?: unknown; account?: unknown } | null;
  const now = deps.now?.() ?? new Date();
  const at = nowIso(deps);
  const id = typeof e?.id === "string" ? e.id.slice(0, 64) : `unknown-${Date.now()}`;
  const serialised = serialise(event);
  const invalid = err instanceof InvalidEventError;
  const letter = {
    id,
    at,
    error: describeError(err),
    errorName: err instanceof Error ? err.name : "Error",
    ...(err instanceof InvalidEventError && err.path ? { path: err.path } : {}),
    ...(typeof e?.source === "string" ? { source: e.source.slice(0, 128) } : {}),
    ...(typeof e?.["detail-type"] === "string" ? { detailType: e["detail-type"].slice(0, 128) } : {}),
    event: serialised.slice(0, 32_000),
  };
  deps.log.error("event rejected", { error: letter.error, eventId: id });
  await deps.store
    .deadLetter(letter)
    .catch((x) => deps.log.error("dead letter not recorded", { error: describeError(x) }));
  const window = rejectionWindow(now);
  const key = rejectionKey(event, err);
  let counted: CountedRejection | undefined;
  try {
    counted = await deps.store.countRejection(window, key, at, `${at}#${id}`, MAX_REJECTION_KINDS);
  } catch (x) {
    deps.log.error("rejection not counted: alerted on its own", { error: describeError(x) });
  }
  if (counted && counted.count > 1) {
    deps.log.warn("event set aside and counted; its kind was alerted earlier in the window", {
      kind: describeKind(counted.key),
      count: counted.count,
      window,
    });
    return;
  }
  await notify(deps, {
    stage: invalid ? "rejected" : "failed",
    ...(letter.source || letter.detailType
      ? { about: [letter.source, letter.detailType].filter(Boolean).join(" ") }
      : {}),
    summary: invalid
      ? `An invalid event was rejected and set aside (dead letter ${at}#${id}); nothing was changed: ${letter.error}`
      : `A handler failed on an event (dead letter ${at}#${id}): ${letter.error}. The event is retried; after the last retry it stays in the function's dead-letter queue.`,
    ...(typeof e?.account === "string" && /^\d{12}$/.test(e.account) ? { account: e.account } : {}),
    facts: {
      ...(counted
        ? { Kind: describeKind(counted.key), Alerts: aggregationNote(window, counted.overflow) }
        : {}),
      "List dead letters": "responder deadletters",
    },
  }).catch(() => undefined);
}

/** One summary the scheduled run sent. */
export interface RejectionReport {
  window: string;
  /** Events of the window not alerted one by one, reported by this summary. */
  reported: number;
}

/**
 * The scheduled run's summary of rejected events: for every window of the last day with events
 * counted but not yet reported (the window still open included), one alert with the count of
 * each kind. Each window's report is claimed in the store first, so that concurrent runs send
 * it once; a summary that cannot be sent gives its claim back for the next run.
 */
export async function reportRejections(
  deps: Pick<BaseDeps, "store" | "alerter" | "log" | "now" | "evidenceBucket">,
): Promise<RejectionReport[]> {
  const now = deps.now?.() ?? new Date();
  const since = rejectionWindow(new Date(now.getTime() - REPORT_LOOKBACK_MS));
  const reports: RejectionReport[] = [];
  for (const w of await deps.store.listRejectionWindows(since)) {
    const suppressed = suppressedIn(w);
    if (suppressed <= w.reported) continue;
    if (!(await deps.store.markRejectionsReported(w.window, w.reported, suppressed))) continue;
    try {
      await notify(deps, summaryAlert(w, now));
      reports.push({ window: w.window, reported: suppressed - w.reported });
    } catch (err) {
      deps.log.error("rejection summary not sent: left for the next run", {
        window: w.window,
        error: describeError(err),
      });
      await deps.store.markRejectionsReported(w.window, suppressed, w.reported).catch(() => undefined);
    }
  }
  return reports;
}
