/**
 * The bound on opening an incident: when the markers keep changing under it (every transaction
 * refused, yet neither marker there when it looks), the store gives up after OPEN_ATTEMPTS with
 * a retryable error instead of looping.
 */
import { TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { describe, expect, it } from "vitest";
import { dynamoDocClient } from "../../../shared/aws/clients.ts";
import { ConflictError } from "../../../shared/errors/index.ts";
import { DynamoIncidentStore, OPEN_ATTEMPTS } from "../../../shared/incident/store.ts";
import { anIncident } from "../../support/incidents.ts";

describe("opening an incident when its markers keep changing", () => {
  it("gives up after a bounded number of attempts with a retryable ConflictError", async () => {
    const ddb = mockClient(DynamoDBDocumentClient);
    ddb
      .on(TransactWriteCommand)
      .rejects(new TransactionCanceledException({ message: "cancelled", $metadata: {} }));
    ddb.on(GetCommand).resolves({});
    const store = new DynamoIncidentStore(dynamoDocClient({ region: "us-east-1", maxAttempts: 1 }), "t");

    const err = await store.open(anIncident()).catch((e) => e);

    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).retryable).toBe(true);
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(OPEN_ATTEMPTS);
    ddb.restore();
  });

  it("stops at once when the finding's marker names an open incident", async () => {
    const ddb = mockClient(DynamoDBDocumentClient);
    ddb
      .on(TransactWriteCommand)
      .rejects(new TransactionCanceledException({ message: "cancelled", $metadata: {} }));
    ddb
      .on(GetCommand)
      .resolves({ Item: { incidentId: "ir-20260302-00000001", status: "open", lastSeen: "9999" } });
    const store = new DynamoIncidentStore(dynamoDocClient({ region: "us-east-1", maxAttempts: 1 }), "t");

    const out = await store.open(anIncident());

    expect(out).toEqual({ outcome: "duplicate", incidentId: "ir-20260302-00000001" });
    expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(1);
    ddb.restore();
  });
});
