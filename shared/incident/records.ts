/**
 * Incident records in DynamoDB: one item per incident holds the record and its step map; its
 * timeline, actions and alerts are items of their own under the same partition key (so that
 * concurrent lanes never overwrite each other's entries), and so is the pre-isolation state
 * containment keeps early. Reading an incident puts them back together.
 */
import { PutCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { ActionResult } from "../domain/types.ts";
import { NotFoundError } from "../errors/index.ts";
import { consumeCleanroomRequest, recordCleanroomRequest } from "./cleanroom-requests.ts";
import {
  type EntryKind,
  findingKey,
  incidentKey,
  OPEN_LIST,
  PRE_ISOLATION,
  preIsolationKey,
  resourceKey,
  TABLE_ATTRIBUTES,
} from "./keys.ts";
import type { CleanroomRequest, IncidentRecord, TimelineEntry } from "./model.ts";
import { openIncident } from "./open.ts";
import type { EscalationChange, IncidentRecords, OpenOptions, OpenResult } from "./ports.ts";
import type { PreIsolationState } from "./record.ts";
import { type IncidentTable, now, written } from "./table.ts";

/** The incident as stored in its record item, without the table's own attributes. */
function recordOfItem(item: Record<string, unknown>): IncidentRecord {
  const rest = { ...item };
  for (const a of TABLE_ATTRIBUTES) delete rest[a];
  return rest as unknown as IncidentRecord;
}

/** DynamoDB implementation of {@link IncidentRecords}. */
export class DynamoIncidentRecords implements IncidentRecords {
  constructor(private readonly table: IncidentTable) {}

  open(incident: IncidentRecord, options: OpenOptions = {}): Promise<OpenResult> {
    return openIncident(this.table, incident, options);
  }

  async find(incidentId: string): Promise<IncidentRecord | undefined> {
    const items = await this.table.queryAll({
      KeyConditionExpression: "pk = :pk",
      ExpressionAttributeValues: { ":pk": incidentKey(incidentId).pk },
      ConsistentRead: true,
    });
    const record = items.find((i) => i.sk === "RECORD");
    if (!record) return undefined;
    // Items come sorted by sort key: each list's entries are in the order they were written.
    const entries = (prefix: string) =>
      items.filter((i) => String(i.sk).startsWith(prefix)).map((i) => i.entry);
    const list = (kind: EntryKind) => entries(`${kind}#`);
    const saved = entries(PRE_ISOLATION) as PreIsolationState[];
    const incident = recordOfItem(record);
    return {
      ...incident,
      ...(saved.length
        ? {
            containment: {
              ...incident.containment,
              // The state the containment step recorded when it finished wins over the early copy.
              preIsolation: {
                ...Object.fromEntries(saved.map((e) => [e.instanceId, e])),
                ...incident.containment?.preIsolation,
              },
            },
          }
        : {}),
      timeline: [...incident.timeline, ...(list("TIMELINE") as TimelineEntry[])],
      actions: [...incident.actions, ...(list("ACTION") as ActionResult[])],
      alerts: [...incident.alerts, ...(list("ALERT") as IncidentRecord["alerts"])],
    };
  }

  async get(incidentId: string): Promise<IncidentRecord> {
    const found = await this.find(incidentId);
    if (!found) throw new NotFoundError(`incident ${incidentId} not found`);
    return found;
  }

  async incidentOfFinding(
    account: string,
    source: string,
    findingId: string,
    drill = false,
  ): Promise<string | undefined> {
    const marker = await this.table.item(findingKey(account, source, findingId, drill));
    return marker ? String(marker.incidentId) : undefined;
  }

  async listOpen(): Promise<IncidentRecord[]> {
    const items = await this.table.queryAll({
      IndexName: "byList",
      KeyConditionExpression: "listKey = :open",
      ExpressionAttributeValues: { ":open": OPEN_LIST },
    });
    return items.map(recordOfItem).sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  async note(
    incidentId: string,
    entry: Omit<TimelineEntry, "at">,
    set: Record<string, unknown> = {},
  ): Promise<void> {
    await this.table.update(incidentId, set, [{ at: now(), ...entry }]);
  }

  async recordAlert(incidentId: string, alert: IncidentRecord["alerts"][number]): Promise<void> {
    await this.table.append(incidentId, "ALERT", [alert]);
  }

  async close(incidentId: string, detail: string): Promise<void> {
    const incident = await this.get(incidentId);
    await this.table.ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          {
            Update: {
              TableName: this.table.name,
              Key: incidentKey(incidentId),
              UpdateExpression: "SET #st = :closed, updatedAt = :now REMOVE listKey",
              ExpressionAttributeNames: { "#st": "status" },
              ExpressionAttributeValues: { ":closed": "closed", ":now": now() },
            },
          },
          { Delete: { TableName: this.table.name, Key: resourceKey(incident.resourceKey) } },
        ],
      }),
    );
    await this.table.append(incidentId, "TIMELINE", [{ at: now(), step: "close", status: "ok", detail }]);
  }

  async escalate(incidentId: string, change: EscalationChange): Promise<boolean> {
    const next = change.fromRevision + 1;
    const first = change.fromRevision === 0;
    const moved = await written(
      this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: incidentKey(incidentId),
          UpdateExpression: "SET #plan = :plan, impact = :impact, planRevision = :next, updatedAt = :now",
          ConditionExpression: `attribute_exists(pk) AND #st = :open AND ${
            first ? "attribute_not_exists(planRevision)" : "planRevision = :from"
          }`,
          ExpressionAttributeNames: { "#plan": "plan", "#st": "status" },
          ExpressionAttributeValues: {
            ":plan": change.plan,
            ":impact": change.impact,
            ":next": next,
            ":open": "open",
            ":now": now(),
            ...(first ? {} : { ":from": change.fromRevision }),
          },
        }),
      ),
    );
    if (!moved) return false;
    await this.reopenSteps(incidentId, change.resetSteps);
    await this.table.append(incidentId, "TIMELINE", [
      { at: now(), step: "escalation", status: "info", detail: `revision ${next}: ${change.detail}` },
    ]);
    return true;
  }

  async reopenSteps(incidentId: string, steps: string[]): Promise<void> {
    // A step running (its lane sees the new plan when it finishes) or never claimed: nothing to reopen.
    await Promise.all(
      steps.map((step) =>
        written(
          this.table.ddb.send(
            new UpdateCommand({
              TableName: this.table.name,
              Key: incidentKey(incidentId),
              UpdateExpression: "REMOVE steps.#s",
              ConditionExpression: "steps.#s.#st <> :running",
              ExpressionAttributeNames: { "#s": step, "#st": "status" },
              ExpressionAttributeValues: { ":running": "running" },
            }),
          ),
        ),
      ),
    );
  }

  async savePreIsolation(
    incidentId: string,
    state: { instanceId: string; capturedAt: string },
  ): Promise<void> {
    // Refused when a state captured at another time is kept already: that one stays.
    await written(
      this.table.ddb.send(
        new PutCommand({
          TableName: this.table.name,
          Item: { ...preIsolationKey(incidentId, state.instanceId), entry: state },
          ConditionExpression: "attribute_not_exists(pk) OR #e.#c = :c",
          ExpressionAttributeNames: { "#e": "entry", "#c": "capturedAt" },
          ExpressionAttributeValues: { ":c": state.capturedAt },
        }),
      ),
    );
  }

  recordCleanroomRequest(incidentId: string, request: CleanroomRequest): Promise<void> {
    return recordCleanroomRequest(this.table, incidentId, request);
  }

  consumeCleanroomRequest(
    incidentId: string,
    requestId: string,
    action: CleanroomRequest["action"],
    at: string,
  ): Promise<boolean> {
    return consumeCleanroomRequest(this.table, incidentId, requestId, action, at);
  }
}
