/**
 * Events that cannot be handled: recorded as dead letters (`responder deadletters`) and
 * alerted. Used by every function's last line of defence (runtime/lambda.ts), so it depends
 * on nothing of intake or triage.
 */
import { describeError, InvalidEventError } from "../errors/index.ts";
import type { BaseDeps } from "./deps.ts";
import { nowIso } from "./deps.ts";
import { notify } from "./notify.ts";

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

/** Records an event that could not be handled and alerts about it. Never throws. */
export async function rejectEvent(
  event: unknown,
  err: unknown,
  deps: Pick<BaseDeps, "store" | "alerter" | "log" | "now">,
): Promise<void> {
  const e = event as { id?: unknown; source?: unknown; "detail-type"?: unknown; account?: unknown } | null;
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
  await notify(deps, {
    stage: invalid ? "rejected" : "failed",
    ...(letter.source || letter.detailType
      ? { about: [letter.source, letter.detailType].filter(Boolean).join(" ") }
      : {}),
    summary: invalid
      ? `An invalid event was rejected and set aside (dead letter ${at}#${id}); nothing was changed: ${letter.error}`
      : `A handler failed on an event (dead letter ${at}#${id}): ${letter.error}. The event is retried; after the last retry it stays in the function's dead-letter queue.`,
    ...(typeof e?.account === "string" && /^\d{12}$/.test(e.account) ? { account: e.account } : {}),
    facts: { "List dead letters": "responder deadletters" },
  }).catch(() => undefined);
}
