/**
 * The incident table as the store's modules share it: the client and table name, conditional
 * writes, paginated queries, and the two writes every part of an incident goes through (a
 * `SET` on the record, and list entries appended as items of their own).
 */
import { randomUUID } from "node:crypto";
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import type { ActionResult } from "../domain/types.ts";
import { type EntryKind, entryKey, entryStamp, incidentKey, type TableKey } from "./keys.ts";
import type { TimelineEntry } from "./model.ts";

/** The time of a write (ISO-8601). */
export const now = () => new Date().toISOString();

/** The errors DynamoDB answers when a write's condition did not hold (a transaction: any of its conditions). */
const CONDITION_FAILED = new Set(["ConditionalCheckFailedException", "TransactionCanceledException"]);

/** True when `err` says a conditional write (or a transaction) was refused by its condition. */
export function conditionFailed(err: unknown): boolean {
  return (
    err instanceof TransactionCanceledException ||
    CONDITION_FAILED.has((err as Error | undefined)?.name ?? "")
  );
}

/**
 * Awaits a conditional write: its answer, or undefined when its condition did not hold. Any other
 * error goes on to the caller.
 */
export async function ifWritten<T>(write: Promise<T>): Promise<T | undefined> {
  try {
    return await write;
  } catch (err) {
    if (conditionFailed(err)) return undefined;
    throw err;
  }
}

/** Awaits a conditional write: true when it was written, false when its condition did not hold. */
export async function written(write: Promise<unknown>): Promise<boolean> {
  return (await ifWritten(write)) !== undefined;
}

/**
 * A condition on the incident record item for {@link IncidentTable.update}. Its names start with
 * `#c` and its values with `:c`, apart from the update's own (`#p…`, `:v…`, `:now`).
 */
export interface RecordCondition {
  expression: string;
  names?: Record<string, string>;
  values?: Record<string, unknown>;
}

/** One incident table: what every part of the store writes and reads through. */
export class IncidentTable {
  constructor(
    readonly ddb: DynamoDBDocumentClient,
    readonly name: string,
  ) {}

  /** One item, read consistently; undefined when there is none. */
  async item(key: TableKey): Promise<Record<string, unknown> | undefined> {
    const out = await this.ddb.send(new GetCommand({ TableName: this.name, Key: key, ConsistentRead: true }));
    return out.Item;
  }

  /** Every item a query finds, page after page. */
  async queryAll(input: Omit<QueryCommandInput, "TableName" | "ExclusiveStartKey">) {
    const items: Record<string, unknown>[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const out = await this.ddb.send(
        new QueryCommand({ ...input, TableName: this.name, ExclusiveStartKey }),
      );
      items.push(...(out.Items ?? []));
      ExclusiveStartKey = out.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return items;
  }

  /**
   * Sets attributes of an existing incident record (dotted paths reach into maps: `evidence.snapshots`)
   * and appends its timeline entries and action results. With a `condition` (on the record item),
   * nothing is written when it does not hold, and the answer is false.
   */
  async update(
    incidentId: string,
    set: Record<string, unknown>,
    timeline: TimelineEntry[],
    actions: ActionResult[] = [],
    condition?: RecordCondition,
  ): Promise<boolean> {
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
    Object.assign(names, condition?.names);
    Object.assign(values, condition?.values);
    const write = this.ddb.send(
      new UpdateCommand({
        TableName: this.name,
        Key: incidentKey(incidentId),
        UpdateExpression: `SET ${sets.join(", ")}`,
        ConditionExpression: `attribute_exists(pk)${condition ? ` AND (${condition.expression})` : ""}`,
        ...(Object.keys(names).length ? { ExpressionAttributeNames: names } : {}),
        ExpressionAttributeValues: values,
      }),
    );
    if (condition) {
      if (!(await written(write))) return false;
    } else await write;
    await Promise.all([
      this.append(incidentId, "TIMELINE", timeline),
      this.append(incidentId, "ACTION", actions),
    ]);
    return true;
  }

  /**
   * Appends entries to one of the incident's lists as items of their own: concurrent lanes
   * never rewrite each other's entries, and the record stays far from DynamoDB's item size limit.
   * Each is keyed by its own `at` (the time of this write when it has none), so a list reads back
   * in the order its entries happened, whatever order their writes reached the table in.
   */
  async append(incidentId: string, kind: EntryKind, entries: unknown[]): Promise<void> {
    const written = now();
    const batch = randomUUID();
    await Promise.all(
      entries.map((entry, i) =>
        this.ddb.send(
          new PutCommand({
            TableName: this.name,
            Item: { ...entryKey(incidentId, kind, entryStamp(entry, written), batch, i), entry },
          }),
        ),
      ),
    );
  }
}
