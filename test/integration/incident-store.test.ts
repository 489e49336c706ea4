/**
 * The incident store against the emulator's DynamoDB: the pre-isolation state that
 * containment keeps before its first change, and how it is read back.
 */
import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { beforeEach, describe, expect, it } from "vitest";
import { dynamoClient, dynamoDocClient } from "../../shared/aws/clients.ts";
import { DynamoIncidentStore } from "../../shared/incident/store.ts";
import { resetEmulator, testAwsOptions } from "../support/emulator.ts";
import { anIncident } from "../support/incidents.ts";

const TABLE = "incidents-store-test";
let store: DynamoIncidentStore;

const state = (capturedAt: string, groups: string[]) => ({
  instanceId: "i-0123456789abcdef0",
  capturedAt,
  interfaces: [{ networkInterfaceId: "eni-1", groups }],
});

beforeEach(async () => {
  await resetEmulator();
  const o = testAwsOptions();
  await dynamoClient(o).send(
    new CreateTableCommand({
      TableName: TABLE,
      BillingMode: "PAY_PER_REQUEST",
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
    }),
  );
  store = new DynamoIncidentStore(dynamoDocClient(o), TABLE);
});

describe("the pre-isolation state kept before containment changes anything", () => {
  it("is read back as the incident's pre-isolation record", async () => {
    const incident = anIncident({ containment: undefined });
    await store.open(incident);

    await store.savePreIsolation(incident.incidentId, state("2026-03-02T10:00:01.000Z", ["sg-app"]));

    const found = await store.get(incident.incidentId);
    expect(found.containment?.preIsolation).toEqual({
      "i-0123456789abcdef0": state("2026-03-02T10:00:01.000Z", ["sg-app"]),
    });
  });

  it("is completed by the attempt that captured it, and never replaced by another attempt", async () => {
    const incident = anIncident({ containment: undefined });
    await store.open(incident);
    const first = "2026-03-02T10:00:01.000Z";

    await store.savePreIsolation(incident.incidentId, state(first, ["sg-app"]));
    await store.savePreIsolation(incident.incidentId, state(first, ["sg-app", "sg-db"]));
    // A later attempt read the instance half-isolated: its state must not replace the first.
    await store.savePreIsolation(incident.incidentId, state("2026-03-02T10:05:00.000Z", ["sg-untracking"]));

    const found = await store.get(incident.incidentId);
    expect(found.containment?.preIsolation).toEqual({
      "i-0123456789abcdef0": state(first, ["sg-app", "sg-db"]),
    });
  });

  it("gives way to the record the containment step wrote when it finished", async () => {
    const incident = anIncident({ containment: undefined });
    await store.open(incident);
    await store.savePreIsolation(incident.incidentId, state("2026-03-02T10:00:01.000Z", ["sg-app"]));
    const final = { ...state("2026-03-02T10:00:01.000Z", ["sg-app"]), targetGroups: [] };

    await store.finishStep(incident.incidentId, "contain", "verified", "done", {
      set: { containment: { preIsolation: { "i-0123456789abcdef0": final }, verified: true } },
    });

    const found = await store.get(incident.incidentId);
    expect(found.containment?.preIsolation).toEqual({ "i-0123456789abcdef0": final });
    expect(found.containment?.verified).toBe(true);
  });
});
