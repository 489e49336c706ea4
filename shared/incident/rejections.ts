/**
 * Counters of rejected events: per window, one item per kind (an atomic `ADD`), and one item for
 * the window itself that bounds its kinds and keeps how many of its events summaries reported.
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { REJECTIONS, rejectionKindKey, rejectionKindsOf, rejectionWindowKey } from "./keys.ts";
import {
  type CountedRejection,
  OTHER_REJECTIONS,
  type RejectionCounters,
  type RejectionKey,
  type RejectionWindow,
} from "./ports.ts";
import { type IncidentTable, ifWritten, now, written } from "./table.ts";

/** Rejection counters are kept a week after their window. */
const REJECTION_TTL_S = 7 * 86400;

/** DynamoDB implementation of {@link RejectionCounters}. */
export class DynamoRejectionCounters implements RejectionCounters {
  constructor(private readonly table: IncidentTable) {}

  async countRejection(
    window: string,
    key: RejectionKey,
    at: string,
    letter: string,
    maxKinds: number,
  ): Promise<CountedRejection> {
    const expiresAt = Math.floor(Date.parse(window) / 1000) + REJECTION_TTL_S;
    const add = async (k: RejectionKey, existing: boolean): Promise<number> => {
      const out = await this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: rejectionKindKey(window, k),
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
    // A kind the window counts already: one more.
    const counted = await ifWritten(add(key, true));
    if (counted !== undefined) return { key, count: counted, overflow: false };
    // A kind new to the window: it takes one of the window's places, or goes under "other".
    const placed = await written(
      this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: rejectionWindowKey(window),
          UpdateExpression:
            "SET #rep = if_not_exists(#rep, :zero), expiresAt = if_not_exists(expiresAt, :exp) ADD #k :one",
          ConditionExpression: "attribute_not_exists(#k) OR #k < :max",
          ExpressionAttributeNames: { "#k": "kinds", "#rep": "reported" },
          ExpressionAttributeValues: { ":one": 1, ":zero": 0, ":max": maxKinds, ":exp": expiresAt },
        }),
      ),
    );
    const kind = placed ? key : { stage: key.stage, ...OTHER_REJECTIONS };
    return { key: kind, count: await add(kind, false), overflow: !placed };
  }

  async listRejectionWindows(since: string): Promise<RejectionWindow[]> {
    const windows = await this.table.queryAll({
      KeyConditionExpression: since ? "pk = :pk AND sk >= :since" : "pk = :pk",
      ExpressionAttributeValues: { ":pk": REJECTIONS, ...(since ? { ":since": since } : {}) },
      ConsistentRead: true,
    });
    return Promise.all(
      windows.map(async (w) => ({
        window: String(w.sk),
        reported: Number(w.reported ?? 0),
        kinds: (
          await this.table.queryAll({
            KeyConditionExpression: "pk = :pk",
            ExpressionAttributeValues: { ":pk": rejectionKindsOf(String(w.sk)) },
            ConsistentRead: true,
          })
        ).map((i) => ({
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

  markRejectionsReported(window: string, from: number, to: number): Promise<boolean> {
    return written(
      this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: rejectionWindowKey(window),
          UpdateExpression: "SET #rep = :to, reportedAt = :now",
          ConditionExpression: "#rep = :from",
          ExpressionAttributeNames: { "#rep": "reported" },
          ExpressionAttributeValues: { ":from": from, ":to": to, ":now": now() },
        }),
      ),
    );
  }
}
