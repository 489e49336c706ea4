/**
 * Clean-room requests on the incident record (`cleanroomRequests`, by request id): recorded by a
 * person's own credentials, consumed once by the clean-room lane.
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { incidentKey } from "./keys.ts";
import type { CleanroomRequest } from "./model.ts";
import { type IncidentTable, now, written } from "./table.ts";

/** Records a request; a request id already recorded is never overwritten (see `CleanroomRequests`). */
export async function recordCleanroomRequest(
  table: IncidentTable,
  incidentId: string,
  request: CleanroomRequest,
): Promise<void> {
  // Two writes: DynamoDB cannot create the map and set a key of it in one expression.
  await table.ddb.send(
    new UpdateCommand({
      TableName: table.name,
      Key: incidentKey(incidentId),
      UpdateExpression: "SET #r = if_not_exists(#r, :empty)",
      ConditionExpression: "attribute_exists(pk)",
      ExpressionAttributeNames: { "#r": "cleanroomRequests" },
      ExpressionAttributeValues: { ":empty": {} },
    }),
  );
  await table.ddb.send(
    new UpdateCommand({
      TableName: table.name,
      Key: incidentKey(incidentId),
      UpdateExpression: "SET #r.#id = :req, updatedAt = :now",
      ConditionExpression: "attribute_exists(pk) AND attribute_not_exists(#r.#id)",
      ExpressionAttributeNames: { "#r": "cleanroomRequests", "#id": request.requestId },
      ExpressionAttributeValues: { ":req": request, ":now": now() },
    }),
  );
  await table.append(incidentId, "TIMELINE", [
    {
      at: request.at,
      step: "cleanroom-request",
      status: "info",
      detail: `clean room ${request.action} requested by ${request.by} (request ${request.requestId})`,
    },
  ]);
}

/** Marks a recorded request consumed, once and atomically (see `CleanroomRequests`). */
export function consumeCleanroomRequest(
  table: IncidentTable,
  incidentId: string,
  requestId: string,
  action: CleanroomRequest["action"],
  at: string,
): Promise<boolean> {
  return written(
    table.ddb.send(
      new UpdateCommand({
        TableName: table.name,
        Key: incidentKey(incidentId),
        UpdateExpression: "SET #r.#id.consumedAt = :at, updatedAt = :now",
        ConditionExpression:
          "attribute_exists(#r.#id) AND attribute_not_exists(#r.#id.consumedAt) AND #r.#id.#a = :action",
        ExpressionAttributeNames: { "#r": "cleanroomRequests", "#id": requestId, "#a": "action" },
        ExpressionAttributeValues: { ":at": at, ":action": action, ":now": now() },
      }),
    ),
  );
}
