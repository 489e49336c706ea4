/**
 * Aggregation of the alerts about events that could not be handled. Pure: the kind an event
 * is counted under, its 15-minute window, and what the alerts say.
 *
 * A flood of bad events must not become a flood of alerts: the first event of each kind in a
 * window is alerted; the others are counted (IncidentStore.countRejection) and reported by
 * the scheduled summary (workflow/reject.ts, reportRejections). Every event is still a dead
 * letter. A kind is built from bounded values only — the event's source when it is a plain
 * identifier, the error's class and the shape of the path where the event is wrong — so an
 * attacker cannot make each event a new kind, and a window holds at most
 * {@link MAX_REJECTION_KINDS} kinds whatever they send.
 */
import type { AlertInput } from "../alerts/message.ts";
import { InvalidEventError } from "../errors/index.ts";
import type { RejectionKey, RejectionKind, RejectionWindow } from "../incident/store.ts";

/** Length of a window: one alert per kind per window. */
export const REJECTION_WINDOW_MS = 15 * 60_000;
/** Kinds per window; events of further kinds are counted together under one `other` kind. */
export const MAX_REJECTION_KINDS = 20;
/** How far back the summary looks for windows with events not yet reported. */
export const REPORT_LOOKBACK_MS = 24 * 3600_000;
/** Kinds listed one by one in a summary (a window has at most 20, and an `other` kind per stage). */
const MAX_LISTED = 24;

const SOURCE = /^[A-Za-z0-9._-]{1,64}$/;
const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;
const SEGMENT = /^[A-Za-z0-9_-]{1,40}$/;
const MAX_SEGMENTS = 6;

/** The start of the window `at` falls in (ISO-8601). */
export function rejectionWindow(at: Date): string {
  return new Date(Math.floor(at.getTime() / REJECTION_WINDOW_MS) * REJECTION_WINDOW_MS).toISOString();
}

/** The end of a window that starts at `window`. */
export function windowEnd(window: string): string {
  return new Date(Date.parse(window) + REJECTION_WINDOW_MS).toISOString();
}

/**
 * The shape of a path in an event, bounded: array indices become `[]`, a segment that is not a
 * plain name (an attacker's key) becomes `*`, and at most six segments are kept.
 */
export function pathShape(path: string): string {
  const segments = path
    .split(".")
    .filter(Boolean)
    .map((s) => {
      const m = /^([^[]*)((?:\[\d+\])*)$/.exec(s);
      if (!m) return "*";
      const name = m[1] ?? "";
      const indices = (m[2] ?? "").replace(/\[\d+\]/g, "[]");
      return `${name === "" ? "" : SEGMENT.test(name) ? name : "*"}${indices}`;
    });
  const kept = segments.slice(0, MAX_SEGMENTS).join(".");
  return segments.length > MAX_SEGMENTS ? `${kept}.…` : kept;
}

/**
 * The kind a rejected (invalid) or failed event is counted under. Its source only when it is a
 * plain identifier (EventBridge sources are); its reason the error's class and, for an invalid
 * event, the shape of the path where it is wrong — never the error's message.
 */
export function rejectionKey(event: unknown, err: unknown): RejectionKey {
  const raw = (event as { source?: unknown } | null)?.source;
  const source = typeof raw === "string" ? (SOURCE.test(raw) ? raw : "(not an identifier)") : "(none)";
  const name = err instanceof Error && NAME.test(err.name) ? err.name : "Error";
  if (err instanceof InvalidEventError) {
    const where = pathShape(err.path);
    return { stage: "rejected", source, reason: where ? `${name} at ${where}` : name };
  }
  return { stage: "failed", source, reason: name };
}

/** How a kind reads in an alert. */
export function describeKind(k: RejectionKey): string {
  return k.source === "*" ? k.reason : `${k.source} · ${k.reason}`;
}

/** The events of a window that were counted but not alerted one by one. */
export function suppressedIn(w: RejectionWindow): number {
  return w.kinds.reduce((n, k) => n + Math.max(0, k.count - 1), 0);
}

/** HH:MM UTC of an ISO time. */
const hhmm = (iso: string) => iso.slice(11, 16);

/** Pure: the line that says a kind's alerts are aggregated, for the first alert of the kind. */
export function aggregationNote(window: string, overflow: boolean): string {
  const until = `${hhmm(windowEnd(window))} UTC`;
  return overflow
    ? `More than ${MAX_REJECTION_KINDS} kinds of events were set aside in this window: events of further kinds are counted together until ${until}, not alerted one by one.`
    : `Further events of this kind (same source and reason) are counted until ${until}, not alerted one by one: a summary gives their number.`;
}

/**
 * Pure: the summary alert of a window whose counted events have not all been reported:
 * how many events of each kind, and how many were not alerted one by one since the last
 * summary. `failed` when any kind is a handler failure, else `rejected`.
 */
export function summaryAlert(w: RejectionWindow, now: Date): AlertInput {
  const suppressed = suppressedIn(w);
  const fresh = suppressed - w.reported;
  const total = w.kinds.reduce((n, k) => n + k.count, 0);
  const end = windowEnd(w.window);
  const open = Date.parse(end) > now.getTime();
  const kinds = [...w.kinds].sort(
    (a, b) => b.count - a.count || describeKind(a).localeCompare(describeKind(b)),
  );
  const line = (k: RejectionKind) =>
    `${k.stage === "failed" ? "handler failed: " : ""}${describeKind(k)}: ${k.count} (first ${k.firstAt}, last ${k.lastAt})`;
  const listed = kinds.slice(0, MAX_LISTED);
  return {
    stage: kinds.some((k) => k.stage === "failed") ? "failed" : "rejected",
    about: `events set aside ${hhmm(w.window)}–${hhmm(end)} UTC`,
    summary: `${fresh} more event(s) set aside between ${w.window} and ${end}${
      open ? " (window still open)" : ""
    } were counted, not alerted one by one (one alert per source and reason per 15 minutes): ${total} in this window in all, ${w.kinds.length} kind(s). Every one is kept as a dead letter; nothing was changed for them.`,
    facts: {
      Window: `${w.window} – ${end}`,
      "Set aside in the window": String(total),
      "Not alerted one by one": `${suppressed} (${fresh} reported by this summary)`,
      ...Object.fromEntries(listed.map((k, i) => [`Kind ${i + 1}`, line(k)])),
      ...(kinds.length > listed.length ? { "Kinds not listed": String(kinds.length - listed.length) } : {}),
      "List dead letters": "responder deadletters",
    },
  };
}
