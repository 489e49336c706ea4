/**
 * Every key of the incident table, in one place. One table holds all the responder's items:
 *
 * - `INCIDENT#<id>` / `RECORD`: the incident record with its step map (listed through the
 *   `byList` index while `listKey` is `OPEN`);
 * - `INCIDENT#<id>` / `TIMELINE#…`, `ACTION#…`, `ALERT#…`: the incident's list entries, one item
 *   each, so that concurrent lanes never rewrite each other's;
 * - `INCIDENT#<id>` / `PREISOLATION#<instance>`: the pre-isolation state containment keeps early;
 * - `FINDING#…` / `MARKER` and `RESOURCE#…` / `OPEN`: the markers that make opening idempotent;
 * - `CAP#<account>` / `<hour>`: containment slots of an hour;
 * - `DEADLETTER` / `<at>#<id>`: events that could not be handled;
 * - `REJECTIONS` / `<window>` and `REJECTIONS#<window>` / `<kind>`: counters of rejected events;
 * - `PREFLIGHT#<account>#<region>` / `LAST`: the scheduled preflight's last verdicts there.
 */
import type { Finding } from "../domain/types.ts";

/** A table key. */
export interface TableKey {
  pk: string;
  sk: string;
}

/** The incident record's key. */
export const incidentKey = (id: string): TableKey => ({ pk: `INCIDENT#${id}`, sk: "RECORD" });

/** A finding's marker; a drill's never collides with a real finding's (an attacker's drill cannot pre-empt one). */
export const findingKey = (account: string, source: string, id: string, drill = false): TableKey => ({
  pk: `FINDING#${drill ? "DRILL#" : ""}${account}#${source}#${id}`,
  sk: "MARKER",
});

/** The marker of a finding as it came in. */
export const markerOf = (f: Pick<Finding, "account" | "source" | "id" | "drill">): TableKey =>
  findingKey(f.account, f.source, f.id, f.drill);

/** The scheduled preflight's last verdicts in an account and region (shared/preflight/schedule.ts). */
export const preflightKey = (account: string, region: string): TableKey => ({
  pk: `PREFLIGHT#${account}#${region}`,
  sk: "LAST",
});

/** The marker of a resource with an open incident. */
export const resourceKey = (key: string): TableKey => ({ pk: `RESOURCE#${key}`, sk: "OPEN" });

/** A finding's key in the incident's set of findings (`findingKeys`). */
export const findingSetKey = (f: Pick<Finding, "source" | "id">) => `${f.source}#${f.id}`;

/** The value of `listKey` (the `byList` index) while an incident is open. */
export const OPEN_LIST = "OPEN";

/** Attributes of the record item that are the table's, not the incident's. */
export const TABLE_ATTRIBUTES = ["pk", "sk", "listKey", "findingKeys"] as const;

/** Sort key prefix of the pre-isolation state of an instance, saved before containment changes it. */
export const PRE_ISOLATION = "PREISOLATION#";

/** The pre-isolation state of an instance, kept under the incident's partition. */
export const preIsolationKey = (incidentId: string, instanceId: string): TableKey => ({
  pk: incidentKey(incidentId).pk,
  sk: `${PRE_ISOLATION}${instanceId}`,
});

/** Lists kept as items of their own under the incident's partition key. */
export type EntryKind = "TIMELINE" | "ACTION" | "ALERT";

/** One list entry: sorted by its stamp (see {@link entryStamp}), then by its batch and its place in it. */
export const entryKey = (incidentId: string, kind: EntryKind, stamp: string, unique: string, i: number) => ({
  pk: incidentKey(incidentId).pk,
  sk: `${kind}#${stamp}#${unique}#${String(i).padStart(4, "0")}`,
});

/**
 * The stamp of a list entry's sort key: the entry's own `at` (as a UTC ISO-8601 time, so that the
 * keys sort in time order), or `fallback` (the time of the write) when it has no valid `at`. A
 * timeline entry is stamped when its step ends, not when the write reaches the table: two lanes'
 * entries read back in the order they happened.
 */
export function entryStamp(entry: unknown, fallback: string): string {
  const at = (entry as { at?: unknown } | null | undefined)?.at;
  const ms = typeof at === "string" ? Date.parse(at) : Number.NaN;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : fallback;
}

/** An account's containment slots in an hour window (`YYYY-MM-DDTHH`). */
export const capKey = (account: string, window: string): TableKey => ({ pk: `CAP#${account}`, sk: window });

/** Partition of the dead letters. */
export const DEAD_LETTERS = "DEADLETTER";

/** A dead letter, newest last. */
export const deadLetterKey = (at: string, id: string): TableKey => ({ pk: DEAD_LETTERS, sk: `${at}#${id}` });

/** Partition of the rejection windows; each window's kinds live under `REJECTIONS#<window>`. */
export const REJECTIONS = "REJECTIONS";

/** A rejection window's item (its places and reported count). */
export const rejectionWindowKey = (window: string): TableKey => ({ pk: REJECTIONS, sk: window });

/** One kind's counter in a rejection window. */
export const rejectionKindKey = (
  window: string,
  k: { stage: string; source: string; reason: string },
): TableKey => ({ pk: rejectionKindsOf(window), sk: `${k.stage}|${k.source}|${k.reason}` });

/** The partition of a window's kinds. */
export const rejectionKindsOf = (window: string) => `${REJECTIONS}#${window}`;
