/**
 * Opening an incident, idempotently: the record, its finding's marker and its resource's open
 * marker are written in one transaction. When a marker stands in the way, the finding is a
 * duplicate (its incident is open), joins the resource's open incident, or recurred (its
 * incident was closed).
 */
import { GetCommand, PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Finding } from "../domain/types.ts";
import { ConflictError } from "../errors/index.ts";
import { findingSetKey, incidentKey, markerOf, OPEN_LIST, resourceKey } from "./keys.ts";
import { findingRef, type IncidentRecord } from "./model.ts";
import { OPEN_ATTEMPTS, type OpenOptions, type OpenResult } from "./ports.ts";
import { type IncidentTable, now, written } from "./table.ts";

/** Opens the incident, or says where its finding already is (see `IncidentLifecycle.open`). */
export async function openIncident(
  table: IncidentTable,
  incident: IncidentRecord,
  options: OpenOptions = {},
): Promise<OpenResult> {
  const f = incident.finding;
  for (let attempt = 0; attempt < OPEN_ATTEMPTS; attempt++) {
    if (await tryCreate(table, incident, options.recurrenceOf)) return { outcome: "created", incident };
    const marker = await table.item(markerOf(f));
    const owner = marker ? String(marker.incidentId) : undefined;
    if (owner !== undefined && owner !== options.recurrenceOf) {
      const status = await statusOf(table, owner);
      if (status === "closed") return { outcome: "recurred", closedIncidentId: owner };
      const seenAgain = await touchFinding(table, f, owner, marker?.lastSeen);
      return { outcome: "duplicate", incidentId: owner, ...(seenAgain ? { seenAgain } : {}) };
    }
    const open = await table.item(resourceKey(incident.resourceKey));
    if (open) {
      const existing = String(open.incidentId);
      const joined = await joinFinding(table, existing, f);
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
function tryCreate(table: IncidentTable, incident: IncidentRecord, recurrenceOf?: string): Promise<boolean> {
  const f = incident.finding;
  return written(
    table.ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Put: {
              TableName: table.name,
              Item: {
                ...incidentKey(incident.incidentId),
                ...incident,
                listKey: OPEN_LIST,
                findingKeys: new Set([findingSetKey(f)]),
              },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
          {
            Put: {
              TableName: table.name,
              Item: { ...markerOf(f), incidentId: incident.incidentId, lastSeen: f.time },
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
              TableName: table.name,
              Item: { ...resourceKey(incident.resourceKey), incidentId: incident.incidentId },
              ConditionExpression: "attribute_not_exists(pk)",
            },
          },
        ],
      }),
    ),
  );
}

/** The status of an incident's record (open when the record is missing: a marker is never older than its record). */
async function statusOf(table: IncidentTable, incidentId: string): Promise<IncidentRecord["status"]> {
  const out = await table.ddb.send(
    new GetCommand({
      TableName: table.name,
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
async function touchFinding(
  table: IncidentTable,
  f: Finding,
  incidentId: string,
  lastSeen: unknown,
): Promise<boolean> {
  if (typeof lastSeen === "string" && f.time <= lastSeen) return false;
  return written(
    table.ddb.send(
      new UpdateCommand({
        TableName: table.name,
        Key: markerOf(f),
        UpdateExpression: "SET lastSeen = :t",
        ConditionExpression: "incidentId = :i AND (attribute_not_exists(lastSeen) OR lastSeen < :t)",
        ExpressionAttributeValues: { ":t": f.time, ":i": incidentId },
      }),
    ),
  );
}

/**
 * Adds a finding to an open incident, once: the incident item keeps the set of its finding
 * keys, and the update is conditional on the finding not being in it (concurrent copies of a
 * finding join once). Returns false when it had joined already.
 */
async function joinFinding(table: IncidentTable, incidentId: string, f: Finding): Promise<boolean> {
  const joined = await written(
    table.ddb.send(
      new UpdateCommand({
        TableName: table.name,
        Key: incidentKey(incidentId),
        ConditionExpression: "attribute_exists(pk) AND NOT contains(findingKeys, :key)",
        UpdateExpression: "SET findings = list_append(findings, :f), updatedAt = :now ADD findingKeys :keys",
        ExpressionAttributeValues: {
          ":key": findingSetKey(f),
          ":keys": new Set([findingSetKey(f)]),
          ":f": [findingRef(f)],
          ":now": now(),
        },
      }),
    ),
  );
  if (joined) {
    await table.append(incidentId, "TIMELINE", [
      {
        at: now(),
        step: "triage",
        status: "info",
        detail: `finding ${f.type} (${f.id}) joined this incident: same resource, incident still open`,
      },
    ]);
  }
  // The marker last: a retry after a crash in between finds the finding joined and writes it.
  await table.ddb.send(
    new PutCommand({
      TableName: table.name,
      Item: { ...markerOf(f), incidentId, lastSeen: f.time },
    }),
  );
  return joined;
}
