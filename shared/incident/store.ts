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
import type { ActionResult, Finding, StepStatus } from "../domain/types.ts";
import { NotFoundError } from "../errors/index.ts";
import {
  type CleanroomRequest,
  findingRef,
  type IncidentRecord,
  type StepRecord,
  type TimelineEntry,
} from "./model.ts";

const incidentKey = (id: string) => ({ pk: `INCIDENT#${id}`, sk: "RECORD" });
const findingKey = (account: string, source: string, id: string) => ({
  pk: `FINDING#${account}#${source}#${id}`,
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
  | { outcome: "duplicate"; incidentId: string }
  | { outcome: "joined"; incidentId: string };

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
  open(incident: IncidentRecord): Promise<OpenResult>;
  get(incidentId: string): Promise<IncidentRecord>;
  /** The incident a finding opened or joined, if any. */
  incidentOfFinding(account: string, source: string, findingId: string): Promise<string | undefined>;
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
  countRecentContainments(account: string, sinceIso: string): Promise<number>;
  recordContainment(account: string, incidentId: string, at: string): Promise<void>;
  /**
   * Keeps an instance's pre-isolation state as soon as containment has read it, before its
   * first change: a containment that dies mid-way leaves it for the retry and for release.
   * A state captured at another time (an earlier attempt's) is never overwritten.
   */
  savePreIsolation(incidentId: string, state: { instanceId: string; capturedAt: string }): Promise<void>;
  deadLetter(letter: DeadLetter): Promise<void>;
  listDeadLetters(limit?: number): Promise<DeadLetter[]>;
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

  async open(incident: IncidentRecord): Promise<OpenResult> {
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
                Item: { ...findingKey(f.account, f.source, f.id), incidentId: incident.incidentId },
                ConditionExpression: "attribute_not_exists(pk)",
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
      return { outcome: "created", incident };
    } catch (err) {
      if (
        !(err instanceof TransactionCanceledException) &&
        (err as Error).name !== "TransactionCanceledException"
      ) {
        throw err;
      }
    }
    const dup = await this.ddb.send(
      new GetCommand({
        TableName: this.table,
        Key: findingKey(f.account, f.source, f.id),
        ConsistentRead: true,
      }),
    );
    if (dup.Item) return { outcome: "duplicate", incidentId: String(dup.Item.incidentId) };
    const open = await this.ddb.send(
      new GetCommand({ TableName: this.table, Key: resourceKey(incident.resourceKey), ConsistentRead: true }),
    );
    if (!open.Item) {
      // The marker vanished between the two calls (the incident was closed): try again once.
      return this.open(incident);
    }
    const existing = String(open.Item.incidentId);
    const joined = await this.joinFinding(existing, f);
    return { outcome: joined ? "joined" : "duplicate", incidentId: existing };
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
        Item: { ...findingKey(f.account, f.source, f.id), incidentId },
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

  async incidentOfFinding(account: string, source: string, findingId: string): Promise<string | undefined> {
    const out = await this.ddb.send(
      new GetCommand({
        TableName: this.table,
        Key: findingKey(account, source, findingId),
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

  async countRecentContainments(account: string, sinceIso: string): Promise<number> {
    const out = await this.ddb.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: "pk = :pk AND sk > :since",
        ExpressionAttributeValues: { ":pk": `CONTAINMENTS#${account}`, ":since": sinceIso },
        Select: "COUNT",
      }),
    );
    return out.Count ?? 0;
  }

  async recordContainment(account: string, incidentId: string, at: string): Promise<void> {
    await this.ddb.send(
      new PutCommand({
        TableName: this.table,
        Item: {
          pk: `CONTAINMENTS#${account}`,
          sk: `${at}#${incidentId}`,
          expiresAt: Math.floor(Date.parse(at) / 1000) + 7 * 86400,
        },
      }),
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
}
