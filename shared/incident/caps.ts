/**
 * The blast-radius counter: how many instances an account's incidents contained in the last hour,
 * one item per account and clock hour (the set of instances and its size), reserved atomically
 * before a containment starts.
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { capKey } from "./keys.ts";
import type { ContainmentCaps, Reservation } from "./ports.ts";
import { type IncidentTable, ifWritten } from "./table.ts";

/** The sliding hour of {@link ContainmentCaps.reserveContainment}: the window's key and how much of the previous one counts. */
export function capWindows(atIso: string): { current: string; previous: string; previousWeight: number } {
  const at = Date.parse(atIso);
  const hour = 3600_000;
  const start = Math.floor(at / hour) * hour;
  const key = (ms: number) => new Date(ms).toISOString().slice(0, 13);
  return { current: key(start), previous: key(start - hour), previousWeight: 1 - (at - start) / hour };
}

/** The instances a window's item holds. */
const idsOf = (item: Record<string, unknown> | undefined) =>
  (item?.ids as Set<string> | undefined) ?? new Set<string>();

/** DynamoDB implementation of {@link ContainmentCaps}. */
export class DynamoContainmentCaps implements ContainmentCaps {
  constructor(private readonly table: IncidentTable) {}

  async reserveContainment(
    account: string,
    instanceId: string,
    at: string,
    cap: number,
  ): Promise<Reservation> {
    const w = capWindows(at);
    const [prev, cur] = await Promise.all(
      [w.previous, w.current].map((window) => this.table.item(capKey(account, window))),
    );
    const carried = Math.floor(Number(prev?.n ?? 0) * w.previousWeight);
    if (idsOf(cur).has(instanceId)) return { reserved: true, used: carried + Number(cur?.n ?? 0) };
    // The previous window no longer changes: only the current one needs the condition.
    const allowance = cap - carried;
    if (allowance <= 0) return { reserved: false, used: carried + Number(cur?.n ?? 0) };
    const out = await ifWritten(
      this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: capKey(account, w.current),
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
      ),
    );
    if (out) return { reserved: true, used: carried + Number(out.Attributes?.n ?? 1) };
    // Refused: full, or a concurrent copy reserved this very instance first.
    const after = await this.table.item(capKey(account, w.current));
    return { reserved: idsOf(after).has(instanceId), used: carried + Number(after?.n ?? 0) };
  }
}
