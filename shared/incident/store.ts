/**
 * Incident records in DynamoDB. One item per incident holds the record, its step map and
 * its timeline, actions and alerts as items of their own under the same partition key (so that
 * concurrent lanes never overwrite each other's entries); small marker items make opening idempotent: one per
 * finding id and one per resource with an open incident, written in one transaction.
 */
import { randomUUID } from "node:crypto";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { ActionResult, Finding, Impact, Plan, StepStatus } from "../domain/types.ts";
import { ConflictError, NotFoundError } from "../errors/index.ts";
import {
  type CleanroomRequest,
  findingRef,
  type IncidentRecord,
  type StepRecord,
  type TimelineEntry,
} from "./model.ts";

const incidentKey = (id: string) => ({ pk: `INCIDENT#${id}`, sk: "RECORD" });
/** A finding's marker; a drill's never collides with a real finding's (an attacker's drill cannot pre-empt one). */
const findingKey = (account: string, source: string, id: string, drill = false) => ({
  pk: `FINDING#${drill ? "DRILL#" : ""}${account}#${source}#${id}`,
  sk: "MARKER",
});
/** Sort key prefix of the pre-isolation state of an instance, saved before containment changes it. */
const PRE_ISOLATION = "PREISOLATION#";
/** Lists kept as items of their own under the incident's partition key. */
type EntryKind = "TIMELINE" | "ACTION" | "ALERT";

/** A finding's key in the incident's set of findings. */
const findingSetKey = (f: Pick<Finding, "source" | "id">) => `${f.source}#${f.id}`;
const resourceKey = (key: string) => ({ pk: `RESOURCE#${key}`, sk: "OPEN" });

/** The result of trying to open an incident for a finding. */
export type OpenResult =
  | { outcome: "created"; incident: IncidentRecord }
  /**
   * The finding is already on an open incident. `seenAgain` when this copy is a newer version
   * of it (GuardDuty re-publishes an ongoing finding under its id with a later `updatedAt`),
   * reported to exactly one of the copies that carry that version.
   */
  | { outcome: "duplicate"; incidentId: string; seenAgain?: boolean }
  | { outcome: "joined"; incidentId: string }
  /** The finding belongs to an incident that was closed: it recurred (see {@link OpenOptions.recurrenceOf}). */
  | { outcome: "recurred"; closedIncidentId: string };

/** Options of {@link IncidentStore.open}. */
export interface OpenOptions {
  /**
   * The closed incident whose finding recurred: the new incident takes over the finding's
   * marker from it (and only from it).
   */
  recurrenceOf?: string;
}

/** How many times {@link DynamoIncidentStore.open} looks again when the markers change under it. */
export const OPEN_ATTEMPTS = 3;

/** The answer to {@link IncidentStore.reserveContainment}. */
export interface Reservation {
  reserved: boolean;
  /** Slots used in the last hour (sliding), this one included when reserved. */
  used: number;
}

/** A grown decision for {@link IncidentStore.escalate}. */
export interface EscalationChange {
  /** The plan revision the merge was made from (0 for the plan the incident opened with). */
  fromRevision: number;
  plan: Plan;
  impact: Impact;
  /** Steps to make claimable again (their lane has more to do). */
  resetSteps: string[];
  /** What grew, for the timeline. */
  detail: string;
}

/** The sliding hour of {@link IncidentStore.reserveContainment}: the window's key and how much of the previous one counts. */
export function capWindows(atIso: string): { current: string; previous: string; previousWeight: number } {
  const at = Date.parse(atIso);
  const hour = 3600_000;
  const start = Math.floor(at / hour) * hour;
  const key = (ms: number) => new Date(ms).toISOString().slice(0, 13);
  return { current: key(start), previous: key(start - hour), previousWeight: 1 - (at - start) / hour };
}

/** A dead-letter record: an event that could not be handled, kept for the user to list. */
export interface DeadLetter {
  id: string;
  at: string;
  error: string;
  errorName: string;
  path?: string;
  source?: string;
  detailType?: string;
  /** The event, truncated to keep the item small. */
  event: string;
}

/** Port: where incidents live. */
export interface IncidentStore {
  /**
   * Opens the incident, or says where its finding already is: a duplicate (same finding, open
   * incident), joined (another finding on the same resource's open incident) or recurred (the
   * finding's incident was closed). Bounded: gives up with a retryable {@link ConflictError}
   * after {@link OPEN_ATTEMPTS} looks when concurrent writers keep changing the markers.
   */
  open(incident: IncidentRecord, options?: OpenOptions): Promise<OpenResult>;
  get(incidentId: string): Promise<IncidentRecord>;
  /** The incident a finding opened or joined, if any (`drill`: the finding came in a drill). */
  incidentOfFinding(
    account: string,
    source: string,
    findingId: string,
    drill?: boolean,
  ): Promise<string | undefined>;
  find(incidentId: string): Promise<IncidentRecord | undefined>;
  /** Claims a step for this worker; false when it is done or owned by a live worker. */
  claimStep(incidentId: string, step: string, leaseMs?: number): Promise<boolean>;
  finishStep(
    incidentId: string,
    step: string,
    status: StepStatus,
    detail: string,
    extra?: { error?: string; actions?: ActionResult[]; set?: Record<string, unknown> },
  ): Promise<void>;
  note(incidentId: string, entry: Omit<TimelineEntry, "at">, set?: Record<string, unknown>): Promise<void>;
  recordAlert(incidentId: string, alert: IncidentRecord["alerts"][number]): Promise<void>;
  close(incidentId: string, detail: string): Promise<void>;
  listOpen(): Promise<IncidentRecord[]>;
  /**
   * Reserves one of the account's containment slots for an instance, atomically, before its
   * containment starts: a burst of findings cannot pass the cap between reading and acting.
   * The hour is a sliding window (the current clock hour plus the previous one, weighted by how
   * much of it is still inside the last 60 minutes). Idempotent per instance and window.
   */
  reserveContainment(account: string, instanceId: string, at: string, cap: number): Promise<Reservation>;
  /**
   * Replaces the incident's decision by a grown one, conditional on the revision it was read at
   * (false when a concurrent escalation won: read again and merge again), and makes the steps
   * whose work grew claimable again (those not running).
   */
  escalate(incidentId: string, change: EscalationChange): Promise<boolean>;
  /** Makes finished steps claimable again (their lane has more to do); running ones are left alone. */
  reopenSteps(incidentId: string, steps: string[]): Promise<void>;
  /**
   * Keeps an instance's pre-isolation state as soon as containment has read it, before its
   * first change: a containment that dies mid-way leaves it for the retry and for release.
   * A state captured at another time (an earlier attempt's) is never overwritten.
   */
  savePreIsolation(incidentId: string, state: { instanceId: string; capturedAt: string }): Promise<void>;
  deadLetter(letter: DeadLetter): Promise<void>;
  listDeadLetters(limit?: number): Promise<DeadLetter[]>;
  /**
   * Counts one rejected event of a kind in a window (one atomic `ADD`) and returns the kind's
   * new count: 1 for the first of its kind in the window, whichever container counts it. A
   * window holds at most `maxKinds` kinds; events of any further kind are counted under their
   * stage's {@link OTHER_REJECTIONS} kind (`overflow`). Items expire a week after the window.
   */
  countRejection(
    window: string,
    key: RejectionKey,
    at: string,
    letter: string,
    maxKinds: number,
  ): Promise<CountedRejection>;
  /** The windows that start at or after `since`, oldest first, with their kinds and counts. */
  listRejectionWindows(since: string): Promise<RejectionWindow[]>;
  /**
   * Moves a window's `reported` count from `from` to `to`; false when it was not `from`
   * (another run reported it first). Called with the two swapped, it gives a claim back.
   */
  markRejectionsReported(window: string, from: number, to: number): Promise<boolean>;
  /**
   * Records a person's clean-room request on the incident (`cleanroomRequests`), written with the
   * caller's own credentials. A request id already recorded is never overwritten.
   */
  recordCleanroomRequest(incidentId: string, request: CleanroomRequest): Promise<void>;
  /**
   * Marks a recorded request consumed, once and atomically: true for the one caller that
   * consumed it; false when the id is not recorded, is for the other action, or was consumed.
   */
  consumeCleanroomRequest(
    incidentId: string,
    requestId: string,
    action: CleanroomRequest["action"],
    at: string,
  ): Promise<boolean>;
}

const now = () => new Date().toISOString();

/** DynamoDB implementation of {@link IncidentStore}. */
export class DynamoIncidentStore implements IncidentStore {
  constructor(
    private readonly ddb: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async open(incident: IncidentRecord, options: OpenOptions = {}): Promise<OpenResult> {
    const f = incident.finding;
    for (let attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
      if (await this.tryCreate(incident, options.recurrenceOf)) return { outcome: "created", incident };
      const marker = await this.ddb.send(
        new GetCommand({
          TableName: this.table,
          Key: findingKey(f.account, f.source, f.id, f.drill),
          ConsistentRead: true,
        }),
      );
      const owner = marker.Item ? String(marker.Item.incidentId) : undefined;
      if (owner !== undefined && owner !== options.recurrenceOf) {
        const status = await this.statusOf(owner);
        if (status === "closed") return { outcome: "recurred", closedIncidentId: owner };
        const seenAgain = await this.touchFinding(f, owner, marker.Item?.lastSeen);
        return { outcome: "duplicate", incidentId: owner, ...(seenAgain ? { seenAgain } : {}) };
      }
      const open = await this.ddb.send(
        new GetCommand({
          TableName: this.table,
          Key: resourceKey(incident.resourceKey),
          ConsistentRead: true,
        }),
      );
      if (open.Item) {
        const existing = String(open.Item.incidentId);
        const joined = await this.joinFinding(existing, f);
        return { outcome: joined ? "joined" : "duplicate", incidentId: existing };
      }
      // Neither marker stands in the way now, yet the transaction failed: an incident was closed
      // (or a recurrence taken over) between the two. Look again, a bounded number of times.
    }
    throw new ConflictError(
      `could not open or join an incident for finding ${f.source} ${f.id} after ${OPEN_ATTEMPTS} attempts: its markers kept changing`,
    );
  }

  /** The incident, its finding marker and its resource's open marker, in one transaction; false when one exists. */
  private async tryCreate(incident: IncidentRecord, recurrenceOf?: string): Promise<boolean> {
    const f = incident.finding;
    try {
      await this.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: {
                  ...incidentKey(incident.incidentId),
                  ...incident,
                  listKey: "OPEN",
                  findingKeys: new Set([findingSetKey(f)]),
                },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: {
                  ...findingKey(f.account, f.source, f.id, f.drill),
                  incidentId: incident.incidentId,
                  lastSeen: f.time,
                },
                ...(recurrenceOf
                  ? {
                      ConditionExpression: "attribute_not_exists(pk) OR incidentId = :closed",
                      ExpressionAttributeValues: { ":closed": recurrenceOf },
                    }
                  : { ConditionExpression: "attribute_not_exists(pk)" }),
              },
            },
            {
              Put: {
                TableName: this.table,
                Item: { ...resourceKey(incident.resourceKey), incidentId: incident.incidentId },
                ConditionExpression: "attribute_not_exists(pk)",
              },
            },
          ],
        }),
      );
      return true;
    } catch (err) {
      if (
        !(err instanceof TransactionCanceledException) &&
        (err as Error).name !== "TransactionCanceledException"
      ) {
        throw err;
      }
      return false;
    }
  }

  /** The status of an incident's record (open when the record is missing: a marker is never older than its record). */
  private async statusOf(incidentId: string): Promise<IncidentRecord["status"]> {
    const out = await this.ddb.send(
      new GetCommand({
        TableName: this.table,
        Key: incidentKey(incidentId),
        ConsistentRead: true,
        ProjectionExpression: "#st",
        ExpressionAttributeNames: { "#st": "status" },
      }),
    );
    return out.Item?.status === "closed" ? "closed" : "open";
  }

  /**
   * Records that a newer version of a finding was seen (its time later than the marker's): true
   * for the one copy whose conditional update moved the marker, false for exact copies.
   */
  private async touchFinding(f: Finding, incidentId: string, lastSeen: unknown): Promise<boolean> {
    if (typeof lastSeen === "string" && f.time <= lastSeen) return false;
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: findingKey(f.account, f.source, f.id, f.drill),
          UpdateExpression: "SET lastSeen = :t",
          ConditionExpression: "incidentId = :i AND (attribute_not_exists(lastSeen) OR lastSeen < :t)",
          ExpressionAttributeValues: { ":t": f.time, ":i": incidentId },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === "ConditionalCheckFailedException") return false;
      throw err;
    }
  }

  /**
   * Adds a finding to an open incident, once: the incident item keeps the set of its finding
   * keys, and the update is conditional on the finding not being in it (concurrent copies of a
   * finding join once). Returns false when it had joined already.
   */
  private async joinFinding(incidentId: string, f: Finding): Promise<boolean> {
    let joined = true;
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: incidentKey(incidentId),
          ConditionExpression: "attribute_exists(pk) AND NOT contains(findingKeys, :key)",
          UpdateExpression:
            "SET findings = list_append(findings, :f), updatedAt = :now ADD findingKeys :keys",
          ExpressionAttributeValues: {
            ":key": findingSetKey(f),
            ":keys": new Set([findingSetKey(f)]),
            ":f": [findingRef(f)],
            ":now": now(),
          },
        }),
      );
    } catch (err) {
      if ((err as Error).name !== "ConditionalCheckFailedException") throw err;
      joined = false;
    }
    if (joined) {
      await this.append(incidentId, "TIMELINE", [
        {
          at: now(),
          step: "triage",
          status: "info",
          detail: `finding ${f.type} (${f.id}) joined this incident: same resource, incident still open`,
        },
      ]);
    }
    // The marker last: a retry after a crash in between finds the finding joined and writes it.
    await this.ddb.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...findingKey(f.account, f.source, f.id, f.drill), incidentId, lastSeen: f.time },
      }),
    );
    return joined;
  }

  async find(incidentId: string): Promise<IncidentRecord | undefined> {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.ddb.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: "pk = :pk",
          ExpressionAttributeValues: { ":pk": incidentKey(incidentId).pk },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      items.push(...(out.Items ?? []));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    const record = items.find((i) => i.sk === "RECORD");
    if (!record) return undefined;
    const saved = items.filter((i) => String(i.sk).startsWith(PRE_ISOLATION)).map((i) => i.entry);
    // Items come sorted by sort key: each list's entries are in the order they were written.
    const entries = (kind: EntryKind) =>
      items.filter((i) => String(i.sk).startsWith(`${kind}#`)).map((i) => i.entry);
    const { pk: _pk, sk: _sk, listKey: _l, findingKeys: _k, ...rest } = record;
    const incident = rest as unknown as IncidentRecord;
    const recorded = (incident.containment?.preIsolation ?? {}) as Record<string, unknown>;
    return {
      ...incident,
      ...(saved.length
        ? {
            containment: {
              ...incident.containment,
              // The state the containment step recorded when it finished wins over the early copy.
              preIsolation: {
                ...Object.fromEntries(saved.map((e) => [(e as { instanceId: string }).instanceId, e])),
                ...recorded,
              },
            },
          }
        : {}),
      timeline: [...incident.timeline, ...(entries("TIMELINE") as TimelineEntry[])],
      actions: [...incident.actions, ...(entries("ACTION") as ActionResult[])],
      alerts: [...incident.alerts, ...(entries("ALERT") as IncidentRecord["alerts"])],
    };
  }

  async incidentOfFinding(
    account: string,
    source: string,
    findingId: string,
    drill = false,
  ): Promise<string | undefined> {
    const out = await this.ddb.send(
      new GetCommand({
        TableName: this.table,
        Key: findingKey(account, source, findingId, drill),
        ConsistentRead: true,
      }),
    );
    return out.Item ? String(out.Item.incidentId) : undefined;
  }

  async get(incidentId: string): Promise<IncidentRecord> {
    const found = await this.find(incidentId);
    if (!found) throw new NotFoundError(`incident ${incidentId} not found`);
    return found;
  }

  async claimStep(incidentId: string, step: string, leaseMs = 5 * 60_000): Promise<boolean> {
    const at = Date.now();
    const record: StepRecord = {
      status: "running",
      startedAt: new Date(at).toISOString(),
      attempts: 1,
      leaseUntil: at + leaseMs,
    };
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: incidentKey(incidentId),
          UpdateExpression: "SET steps.#s = :r, updatedAt = :now",
          ConditionExpression:
            "attribute_exists(pk) AND (attribute_not_exists(steps.#s) OR steps.#s.#st = :failed OR (steps.#s.#st = :running AND steps.#s.leaseUntil < :at))",
          ExpressionAttributeNames: { "#s": step, "#st": "status" },
          ExpressionAttributeValues: {
            ":r": record,
            ":failed": "failed",
            ":running": "running",
            ":at": at,
            ":now": record.startedAt,
          },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === "ConditionalCheckFailedException") return false;
      throw err;
    }
  }

  async finishStep(
    incidentId: string,
    step: string,
    status: StepStatus,
    detail: string,
    extra: { error?: string; actions?: ActionResult[]; set?: Record<string, unknown> } = {},
  ): Promise<void> {
    const incident = await this.get(incidentId);
    const started = incident.steps[step]?.startedAt ?? now();
    const endedAt = now();
    const record: StepRecord = {
      status,
      startedAt: started,
      endedAt,
      detail,
      attempts: incident.steps[step]?.attempts ?? 1,
      ...(extra.error ? { error: extra.error } : {}),
    };
    const entry: TimelineEntry = {
      at: endedAt,
      step,
      status,
      detail,
      durationMs: Date.parse(endedAt) - Date.parse(started),
      ...(extra.error ? { error: extra.error } : {}),
    };
    await this.update(incidentId, { [`steps.${step}`]: record, ...extra.set }, [entry], extra.actions);
  }

  async note(
    incidentId: string,
    entry: Omit<TimelineEntry, "at">,
    set: Record<string, unknown> = {},
  ): Promise<void> {
    await this.update(incidentId, set, [{ at: now(), ...entry }]);
  }

  private async update(
    incidentId: string,
    set: Record<string, unknown>,
    timeline: TimelineEntry[],
    actions: ActionResult[] = [],
  ): Promise<void> {
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ":now": now() };
    const sets = ["updatedAt = :now"];
    Object.entries(set).forEach(([path, value], i) => {
      const parts = path.split(".").map((p, j) => {
        names[`#p${i}_${j}`] = p;
        return `#p${i}_${j}`;
      });
      values[`:v${i}`] = value;
      sets.push(`${parts.join(".")} = :v${i}`);
    });
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.table,
        Key: incidentKey(incidentId),
        UpdateExpression: `SET ${sets.join(", ")}`,
        ConditionExpression: "attribute_exists(pk)",
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
      }),
    );
    await Promise.all([
      this.append(incidentId, "TIMELINE", timeline),
      this.append(incidentId, "ACTION", actions),
    ]);
  }

  /**
   * Appends entries to one of the incident's lists as items of their own: concurrent lanes
   * never rewrite each other's entries, and the record stays far from DynamoDB's item size limit.
   */
  private async append(incidentId: string, kind: EntryKind, entries: unknown[]): Promise<void> {
    const stamp = now();
    await Promise.all(
      entries.map((entry, i) =>
        this.ddb.send(
          new PutCommand({
            TableName: this.table,
            Item: {
              pk: incidentKey(incidentId).pk,
              sk: `${kind}#${stamp}#${randomUUID()}#${String(i).padStart(4, "0")}`,
              entry,
            },
          }),
        ),
      ),
    );
  }

  async recordAlert(incidentId: string, alert: IncidentRecord["alerts"][number]): Promise<void> {
    await this.append(incidentId, "ALERT", [alert]);
  }

  async close(incidentId: string, detail: string): Promise<void> {
    const incident = await this.get(incidentId);
    await this.ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.table,
              Key: incidentKey(incidentId),
              UpdateExpression: "SET #st = :closed, updatedAt = :now REMOVE listKey",
              ExpressionAttributeNames: { "#st": "status" },
              ExpressionAttributeValues: { ":closed": "closed", ":now": now() },
            },
          },
          { Delete: { TableName: this.table, Key: resourceKey(incident.resourceKey) } },
        ],
      }),
    );
    await this.append(incidentId, "TIMELINE", [{ at: now(), step: "close", status: "ok", detail }]);
  }

  async listOpen(): Promise<IncidentRecord[]> {
    const items: IncidentRecord[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.ddb.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: "byList",
          KeyConditionExpression: "listKey = :open",
          ExpressionAttributeValues: { ":open": "OPEN" },
          ExclusiveStartKey,
        }),
      );
      for (const it of out.Items ?? []) {
        const { pk: _pk, sk: _sk, listKey: _l, findingKeys: _k, ...rest } = it;
        items.push(rest as IncidentRecord);
      }
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async reserveContainment(
    account: string,
    instanceId: string,
    at: string,
    cap: number,
  ): Promise<Reservation> {
    const w = capWindows(at);
    const key = (window: string) => ({ pk: `CAP#${account}`, sk: window });
    const [prev, cur] = await Promise.all(
      [w.previous, w.current].map((window) =>
        this.ddb.send(new GetCommand({ TableName: this.table, Key: key(window), ConsistentRead: true })),
      ),
    );
    const carried = Math.floor(Number(prev?.Item?.n ?? 0) * w.previousWeight);
    const ids = (cur?.Item?.ids as Set<string> | undefined) ?? new Set<string>();
    if (ids.has(instanceId)) return { reserved: true, used: carried + Number(cur?.Item?.n ?? 0) };
    // The previous window no longer changes: only the current one needs the condition.
    const allowance = cap - carried;
    if (allowance <= 0) return { reserved: false, used: carried + Number(cur?.Item?.n ?? 0) };
    try {
      const out = await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(w.current),
          UpdateExpression: "ADD n :one, ids :id SET expiresAt = :exp",
          ConditionExpression: "(attribute_not_exists(n) OR n < :allowance) AND NOT contains(ids, :instance)",
          ExpressionAttributeValues: {
            ":one": 1,
            ":id": new Set([instanceId]),
            ":instance": instanceId,
            ":allowance": allowance,
            ":exp": Math.floor(Date.parse(at) / 1000) + 3 * 3600,
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return { reserved: true, used: carried + Number(out.Attributes?.n ?? 1) };
    } catch (err) {
      if ((err as Error).name !== "ConditionalCheckFailedException") throw err;
    }
    // Refused: full, or a concurrent copy reserved this very instance first.
    const after = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: key(w.current), ConsistentRead: true }),
    );
    const now = (after.Item?.ids as Set<string> | undefined) ?? new Set<string>();
    return { reserved: now.has(instanceId), used: carried + Number(after.Item?.n ?? 0) };
  }

  async escalate(incidentId: string, change: EscalationChange): Promise<boolean> {
    const next = change.fromRevision + 1;
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: incidentKey(incidentId),
          UpdateExpression: "SET #plan = :plan, impact = :impact, planRevision = :next, updatedAt = :now",
          ConditionExpression: `attribute_exists(pk) AND #st = :open AND ${
            change.fromRevision === 0 ? "attribute_not_exists(planRevision)" : "planRevision = :from"
          }`,
          ExpressionAttributeNames: { "#plan": "plan", "#st": "status" },
          ExpressionAttributeValues: {
            ":plan": change.plan,
            ":impact": change.impact,
            ":next": next,
            ":open": "open",
            ":now": now(),
            ...(change.fromRevision === 0 ? {} : { ":from": change.fromRevision }),
          },
        }),
      );
    } catch (err) {
      if ((err as Error).name === "ConditionalCheckFailedException") return false;
      throw err;
    }
    await this.reopenSteps(incidentId, change.resetSteps);
    await this.append(incidentId, "TIMELINE", [
      { at: now(), step: "escalation", status: "info", detail: `revision ${next}: ${change.detail}` },
    ]);
    return true;
  }

  async reopenSteps(incidentId: string, steps: string[]): Promise<void> {
    await Promise.all(
      steps.map((step) =>
        this.ddb
          .send(
            new UpdateCommand({
              TableName: this.table,
              Key: incidentKey(incidentId),
              UpdateExpression: "REMOVE steps.#s",
              ConditionExpression: "steps.#s.#st <> :running",
              ExpressionAttributeNames: { "#s": step, "#st": "status" },
              ExpressionAttributeValues: { ":running": "running" },
            }),
          )
          .catch((err: Error) => {
            // Running (its lane sees the new plan when it finishes) or never claimed: nothing to reopen.
            if (err.name !== "ConditionalCheckFailedException") throw err;
          }),
      ),
    );
  }

  async savePreIsolation(
    incidentId: string,
    state: { instanceId: string; capturedAt: string },
  ): Promise<void> {
    try {
      await this.ddb.send(
        new PutCommand({
          TableName: this.table,
          Item: { pk: incidentKey(incidentId).pk, sk: `${PRE_ISOLATION}${state.instanceId}`, entry: state },
          ConditionExpression: "attribute_not_exists(pk) OR #e.#c = :c",
          ExpressionAttributeNames: { "#e": "entry", "#c": "capturedAt" },
          ExpressionAttributeValues: { ":c": state.capturedAt },
        }),
      );
    } catch (err) {
      if ((err as Error).name !== "ConditionalCheckFailedException") throw err;
    }
  }

  async recordCleanroomRequest(incidentId: string, request: CleanroomRequest): Promise<void> {
    // Two writes: DynamoDB cannot create the map and set a key of it in one expression.
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.table,
        Key: incidentKey(incidentId),
        UpdateExpression: "SET #r = if_not_exists(#r, :empty)",
        ConditionExpression: "attribute_exists(pk)",
        ExpressionAttributeNames: { "#r": "cleanroomRequests" },
        ExpressionAttributeValues: { ":empty": {} },
      }),
    );
    await this.ddb.send(
      new UpdateCommand({
        TableName: this.table,
        Key: incidentKey(incidentId),
        UpdateExpression: "SET #r.#id = :req, updatedAt = :now",
        ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(#r.#id)",
        ExpressionAttributeNames: { "#r": "cleanroomRequests", "#id": request.requestId },
        ExpressionAttributeValues: { ":req": request, ":now": now() },
      }),
    );
    await this.append(incidentId, "TIMELINE", [
      {
        at: request.at,
        step: "cleanroom-request",
        status: "info",
        detail: `clean room ${request.action} requested by ${request.by} (request ${request.requestId})`,
      },
    ]);
  }

  async consumeCleanroomRequest(
    incidentId: string,
    requestId: string,
    action: CleanroomRequest["action"],
    at: string,
  ): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: incidentKey(incidentId),
          UpdateExpression: "SET #r.#id.consumedAt = :at, updatedAt = :now",
          ConditionExpression:
            "attribute_exists(#r.#id) AND attribute_not_exists(#r.#id.consumedAt) AND #r.#id.#a = :action",
          ExpressionAttributeNames: { "#r": "cleanroomRequests", "#id": requestId, "#a": "action" },
          ExpressionAttributeValues: { ":at": at, ":action": action, ":now": now() },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === "ConditionalCheckFailedException") return false;
      throw err;
    }
  }

  async deadLetter(letter: DeadLetter): Promise<void> {
    await this.ddb.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: "DEADLETTER",
          sk: `${letter.at}#${letter.id}`,
          ...letter,
          expiresAt: Math.floor(Date.now() / 1000) + 90 * 86400,
        },
      }),
    );
  }

  async listDeadLetters(limit = 50): Promise<DeadLetter[]> {
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk",
        ExpressionAttributeValues: { ":pk": "DEADLETTER" },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return (out.Items ?? []).map(({ pk: _pk, sk: _sk, expiresAt: _e, ...rest }) => rest as DeadLetter);
  }

  async countRejection(
    window: string,
    key: RejectionKey,
    at: string,
    letter: string,
    maxKinds: number,
  ): Promise<CountedRejection> {
    const expiresAt = Math.floor(Date.parse(window) / 1000) + REJECTION_TTL_S;
    const add = async (k: RejectionKey, existing: boolean): Promise<number> => {
      const out = await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: `${REJECTIONS}#${window}`, sk: rejectionSk(k) },
          UpdateExpression:
            "SET #st = :st, #src = :src, #r = :r, #f = if_not_exists(#f, :at), #l = :at, #fl = if_not_exists(#fl, :letter), expiresAt = if_not_exists(expiresAt, :exp) ADD #n :one",
          ...(existing ? { ConditionExpression: "attribute_exists(pk)" } : {}),
          ExpressionAttributeNames: {
            "#n": "count",
            "#st": "stage",
            "#src": "source",
            "#r": "reason",
            "#f": "firstAt",
            "#l": "lastAt",
            "#fl": "firstLetter",
          },
          ExpressionAttributeValues: {
            ":one": 1,
            ":st": k.stage,
            ":src": k.source,
            ":r": k.reason,
            ":at": at,
            ":letter": letter,
            ":exp": expiresAt,
          },
          ReturnValues: "UPDATED_NEW",
        }),
      );
      const count = out.Attributes?.count;
      if (typeof count !== "number") throw new Error("DynamoDB returned no rejection count");
      return count;
    };
    try {
      return { key, count: await add(key, true), overflow: false };
    } catch (err) {
      if ((err as Error).name !== "ConditionalCheckFailedException") throw err;
    }
    // A kind new to the window: it takes one of the window's places, or goes under "other".
    let placed = true;
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: REJECTIONS, sk: window },
          UpdateExpression:
            "SET #rep = if_not_exists(#rep, :zero), expiresAt = if_not_exists(expiresAt, :exp) ADD #k :one",
          ConditionExpression: "attribute_not_exists(#k) OR #k < :max",
          ExpressionAttributeNames: { "#k": "kinds", "#rep": "reported" },
          ExpressionAttributeValues: { ":one": 1, ":zero": 0, ":max": maxKinds, ":exp": expiresAt },
        }),
      );
    } catch (err) {
      if ((err as Error).name !== "ConditionalCheckFailedException") throw err;
      placed = false;
    }
    const counted = placed ? key : { stage: key.stage, ...OTHER_REJECTIONS };
    return { key: counted, count: await add(counted, false), overflow: !placed };
  }

  async listRejectionWindows(since: string): Promise<RejectionWindow[]> {
    const query = async (pk: string, since?: string) => {
      const items: Record<string, unknown>[] = [];
      let ExclusiveStartKey: Record<string, unknown> | undefined;
      do {
        const out = await this.ddb.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: since ? "pk = :pk AND sk >= :since" : "pk = :pk",
            ExpressionAttributeValues: { ":pk": pk, ...(since ? { ":since": since } : {}) },
            ConsistentRead: true,
            ExclusiveStartKey,
          }),
        );
        items.push(...(out.Items ?? []));
        ExclusiveStartKey = out.LastEvaluatedKey;
      } while (ExclusiveStartKey);
      return items;
    };
    const windows = await query(REJECTIONS, since);
    return Promise.all(
      windows.map(async (w) => ({
        window: String(w.sk),
        reported: Number(w.reported ?? 0),
        kinds: (await query(`${REJECTIONS}#${String(w.sk)}`)).map((i) => ({
          stage: i.stage as RejectionKey["stage"],
          source: String(i.source),
          reason: String(i.reason),
          count: Number(i.count ?? 0),
          firstAt: String(i.firstAt ?? ""),
          lastAt: String(i.lastAt ?? ""),
          ...(i.firstLetter ? { firstLetter: String(i.firstLetter) } : {}),
        })),
      })),
    );
  }

  async markRejectionsReported(window: string, from: number, to: number): Promise<boolean> {
    try {
      await this.ddb.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { pk: REJECTIONS, sk: window },
          UpdateExpression: "SET #rep = :to, reportedAt = :now",
          ConditionExpression: "#rep = :from",
          ExpressionAttributeNames: { "#rep": "reported" },
          ExpressionAttributeValues: { ":from": from, ":to": to, ":now": now() },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === "ConditionalCheckFailedException") return false;
      throw err;
    }
  }
}

/** Partition of the rejection windows; each window's kinds live under `REJECTIONS#<window>`. */
const REJECTIONS = "REJECTIONS";
/** Rejection counters are kept a week after their window. */
const REJECTION_TTL_S = 7 * 86400;

/**
 * A kind of rejected event: bounded values built by the responder (the event's source when it
 * is a plain identifier, the error's class and where in the event), never the event's free text.
 */
export interface RejectionKey {
  stage: "rejected" | "failed";
  source: string;
  reason: string;
}

/** The kind events are counted under once a window holds its maximum of kinds. */
export const OTHER_REJECTIONS = { source: "*", reason: "other kinds" } as const;

/** What {@link IncidentStore.countRejection} counted. */
export interface CountedRejection {
  /** The kind counted: the event's own, or its stage's {@link OTHER_REJECTIONS}. */
  key: RejectionKey;
  /** The kind's count in the window after this event: 1 for the first. */
  count: number;
  /** True when the window was full and the event was counted under {@link OTHER_REJECTIONS}. */
  overflow: boolean;
}

/** One kind's count in a window. */
export interface RejectionKind extends RejectionKey {
  count: number;
  firstAt: string;
  lastAt: string;
  /** The dead letter (`at#id`) of the first event of the kind in the window. */
  firstLetter?: string;
}

/** A window of rejected events: its kinds, and how many of its events were reported by summaries. */
export interface RejectionWindow {
  /** Start of the window (ISO-8601). */
  window: string;
  /** Events not alerted one by one that summaries have reported so far. */
  reported: number;
  kinds: RejectionKind[];
}

const rejectionSk = (k: RejectionKey) => `${k.stage}|${k.source}|${k.reason}`;
