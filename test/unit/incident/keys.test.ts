/**
 * The sort keys of an incident's list entries: stamped from each entry's own `at`, so that a
 * timeline reads back in the order its entries happened, not in the order their writes landed.
 */
import { DynamoDBDocumentClient, PutCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { dynamoDocClient } from "../../../shared/aws/clients.ts";
import { entryKey, entryStamp } from "../../../shared/incident/keys.ts";
import { IncidentTable } from "../../../shared/incident/table.ts";

const WRITTEN = "2026-03-02T10:09:59.000Z";

describe("entryStamp", () => {
  it("is the entry's own time", () => {
    expect(entryStamp({ at: "2026-03-02T10:00:01.250Z", step: "contain" }, WRITTEN)).toBe(
      "2026-03-02T10:00:01.250Z",
    );
  });

  it("writes the time in UTC, so that keys sort in time order whatever offset the entry used", () => {
    expect(entryStamp({ at: "2026-03-02T11:00:01+01:00" }, WRITTEN)).toBe("2026-03-02T10:00:01.000Z");
  });

  it("falls back to the time of the write when the entry has no valid time", () => {
    expect(entryStamp({ step: "close" }, WRITTEN)).toBe(WRITTEN);
    expect(entryStamp({ at: "yesterday#TIMELINE" }, WRITTEN)).toBe(WRITTEN);
    expect(entryStamp({ at: 1_772_445_601_000 }, WRITTEN)).toBe(WRITTEN);
    expect(entryStamp(undefined, WRITTEN)).toBe(WRITTEN);
  });

  it("orders the keys of entries by their times, not by when they were keyed", () => {
    const later = entryKey(
      "ir-1",
      "TIMELINE",
      entryStamp({ at: "2026-03-02T10:00:02.000Z" }, WRITTEN),
      "a",
      0,
    );
    const earlier = entryKey(
      "ir-1",
      "TIMELINE",
      entryStamp({ at: "2026-03-02T10:00:01.000Z" }, WRITTEN),
      "b",
      0,
    );

    expect([later.sk, earlier.sk].sort()).toEqual([earlier.sk, later.sk]);
    expect(earlier.sk.startsWith("TIMELINE#2026-03-02T10:00:01.000Z#")).toBe(true);
  });
});

describe("appending timeline entries", () => {
  it("keys each entry by its own time, and a batch's entries of one time in their order", async () => {
    const ddb = mockClient(DynamoDBDocumentClient);
    ddb.on(PutCommand).resolves({});
    const table = new IncidentTable(dynamoDocClient({ region: "us-east-1", maxAttempts: 1 }), "t");
    // A step's end and its notes share one time; an entry of another lane happened earlier.
    const end = { at: "2026-03-02T10:00:05.000Z", step: "snapshots", status: "ok", detail: "done" };
    const notes = Array.from({ length: 6 }, (_, i) => ({ ...end, step: `note-${i}`, detail: `${i}` }));
    const earlier = { at: "2026-03-02T10:00:03.000Z", step: "contain", status: "verified", detail: "done" };

    await table.append("ir-1", "TIMELINE", [end, ...notes, earlier]);

    const items = ddb
      .commandCalls(PutCommand)
      .map((c) => c.args[0].input.Item as { sk: string; entry: { at: string } });
    expect(items.every((i) => i.sk.startsWith(`TIMELINE#${i.entry.at}#`))).toBe(true);
    const sorted = [...items].sort((a, b) => a.sk.localeCompare(b.sk)).map((i) => i.entry);
    expect(sorted).toEqual([earlier, end, ...notes]);
    ddb.restore();
  });
});
