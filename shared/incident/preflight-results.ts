/**
 * The scheduled preflight's last verdicts, one item per account and region
 * (`PREFLIGHT#<account>#<region>` / `LAST`), so that the next run alerts only on change.
 */
import { type DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import type { CheckResult } from "../preflight/types.ts";
import { preflightKey } from "./keys.ts";
import { IncidentTable } from "./table.ts";

/** The verdicts stored for one account and region, and when they were made. */
export interface StoredPreflight {
  account: string;
  region: string;
  at: string;
  results: CheckResult[];
}

/** Reads and writes the scheduled preflight's last verdicts in the incident table. */
export class PreflightResults {
  private readonly table: IncidentTable;

  constructor(ddb: DynamoDBDocumentClient, tableName: string) {
    this.table = new IncidentTable(ddb, tableName);
  }

  /** The last verdicts stored for the account and region; undefined before the first run. */
  async last(account: string, region: string): Promise<StoredPreflight | undefined> {
    const item = await this.table.item(preflightKey(account, region));
    if (!item || !Array.isArray(item.results)) return undefined;
    return { account, region, at: String(item.at ?? ""), results: item.results as CheckResult[] };
  }

  /** Replaces the stored verdicts of the account and region (a plain overwrite: idempotent). */
  async save(stored: StoredPreflight): Promise<void> {
    await this.table.ddb.send(
      new PutCommand({
        TableName: this.table.name,
        Item: { ...preflightKey(stored.account, stored.region), ...stored },
      }),
    );
  }
}
