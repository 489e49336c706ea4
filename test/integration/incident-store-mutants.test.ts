import { CreateTableCommand, TransactionCanceledException } from "@aws-sdk/client-dynamodb";
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { beforeEach, describe, expect, it } from "vitest";
import { CallHooks } from "../../cli/local/instrument.ts";
import { isolateEmulatorTransactions } from "../../cli/local/transactions.ts";
import { dynamoClient, dynamoDocClient } from "../../shared/aws/clients.ts";
import { ConflictError } from "../../shared/errors/index.ts";
import { capKey, markerOf } from "../../shared/incident/keys.ts";
import { DynamoIncidentStore, OPEN_ATTEMPTS } from "../../shared/incident/store.ts";
import { IncidentTable } from "../../shared/incident/table.ts";
import { resetEmulator, testAwsOptions } from "../support/emulator.ts";
import { anIncident, incidentFor } from "../support/incidents.ts";

const TABLE = "incidents-store-mutants-test";
const ACCOUNT = "123456789012";
/** The hooks the store's client feeds: a test may record, fail or hold back its calls. */
let hooks: CallHooks;
let store: DynamoIncidentStore;
/** The same table through a client without hooks: another responder, or the table's own changes. */
let table: IncidentTable;
let other: DynamoIncidentStore;

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
  hooks = new CallHooks();
  // DynamoDB's atomic writes, which the emulator's threads lack: a store write beside another
  // can fail there with a 500 ("dictionary changed size during iteration"). A test that holds
  // calls back sets its own gate.
  isolateEmulatorTransactions(hooks);
  store = new DynamoIncidentStore(dynamoDocClient({ ...o, middleware: [hooks.middleware()] }), TABLE);
  table = new IncidentTable(dynamoDocClient(o), TABLE);
  other = new DynamoIncidentStore(dynamoDocClient(o), TABLE);
});

describe("reserving containment slots once the cap is reached", () => {
  it("refuses a new instance when the previous hour alone fills the cap, and writes no current window", async () => {
    // Arrange: two slots taken in 09:xx; at 10:00:00 all of that hour still counts.
    await store.reserveContainment(ACCOUNT, "i-01", "2026-03-02T09:50:00.000Z", 2);
    await store.reserveContainment(ACCOUNT, "i-02", "2026-03-02T09:55:00.000Z", 2);

    // Act
    const answer = await store.reserveContainment(ACCOUNT, "i-03", "2026-03-02T10:00:00.000Z", 2);

    // Assert
    expect(answer).toStrictEqual({ reserved: false, used: 2 });
    expect(await table.item(capKey(ACCOUNT, "2026-03-02T10"))).toBeUndefined();
  });

  it("answers the previous hour's carried slots plus the current window's when it refuses", async () => {
    // Arrange: 09:xx holds two; at 10:00 a cap of 3 lets one more into the 10:xx window.
    await store.reserveContainment(ACCOUNT, "i-01", "2026-03-02T09:50:00.000Z", 2);
    await store.reserveContainment(ACCOUNT, "i-02", "2026-03-02T09:55:00.000Z", 2);
    const third = await store.reserveContainment(ACCOUNT, "i-03", "2026-03-02T10:00:00.000Z", 3);

    // Act: the cap lowered to 2, which the carried slots alone reach.
    const answer = await store.reserveContainment(ACCOUNT, "i-04", "2026-03-02T10:00:00.000Z", 2);

    // Assert
    expect(third).toStrictEqual({ reserved: true, used: 3 });
    expect(answer).toStrictEqual({ reserved: false, used: 3 });
  });

  it("answers an instance it already reserved as reserved, even once the cap is reached", async () => {
    // Arrange
    await store.reserveContainment(ACCOUNT, "i-01", "2026-03-02T09:50:00.000Z", 2);
    await store.reserveContainment(ACCOUNT, "i-02", "2026-03-02T09:55:00.000Z", 2);
    await store.reserveContainment(ACCOUNT, "i-03", "2026-03-02T10:00:00.000Z", 3);

    // Act: the same instance again, the cap now lowered to what the previous hour carries.
    const again = await store.reserveContainment(ACCOUNT, "i-03", "2026-03-02T10:00:00.000Z", 2);

    // Assert
    expect(again).toStrictEqual({ reserved: true, used: 3 });
  });

  it("answers an instance it already reserved as reserved when the cap is now 0", async () => {
    // Arrange
    await store.reserveContainment(ACCOUNT, "i-01", "2026-03-02T10:10:00.000Z", 2);

    // Act
    const again = await store.reserveContainment(ACCOUNT, "i-01", "2026-03-02T10:20:00.000Z", 0);

    // Assert
    expect(again).toStrictEqual({ reserved: true, used: 1 });
  });

  it("refuses every instance under a cap of 0 and writes no window item", async () => {
    // Act
    const answer = await store.reserveContainment(ACCOUNT, "i-01", "2026-03-02T10:10:00.000Z", 0);

    // Assert
    expect(answer).toStrictEqual({ reserved: false, used: 0 });
    expect(await table.item(capKey(ACCOUNT, "2026-03-02T10"))).toBeUndefined();
  });
});

describe("the window item of a reservation and the count it answers", () => {
  it("holds the hour's instances and count, and expires three hours after the reservation", async () => {
    // Arrange
    const at = "2026-03-02T10:10:00.000Z";

    // Act
    const answer = await store.reserveContainment(ACCOUNT, "i-01", at, 2);

    // Assert: 2026-03-02T10:10:00Z is 1772446200 s; three hours later, 1772457000.
    expect(answer).toStrictEqual({ reserved: true, used: 1 });
    expect(await table.item(capKey(ACCOUNT, "2026-03-02T10"))).toStrictEqual({
      pk: `CAP#${ACCOUNT}`,
      sk: "2026-03-02T10",
      n: 1,
      ids: new Set(["i-01"]),
      expiresAt: 1772457000,
    });
  });

  it("answers the count its own reservation left, not one a later reservation adds", async () => {
    // Arrange: any read after this reservation's update sees another instance reserved too.
    const at = "2026-03-02T10:10:00.000Z";
    let updated = false;
    let interleaved = false;
    hooks.gate = (_service, operation) => {
      if (operation === "UpdateItem") updated = true;
      else if (operation === "GetItem" && updated && !interleaved) {
        interleaved = true;
        return other.reserveContainment(ACCOUNT, "i-02", at, 5).then(() => () => {});
      }
      return undefined;
    };

    // Act
    const answer = await store.reserveContainment(ACCOUNT, "i-01", at, 5);

    // Assert
    expect(answer).toStrictEqual({ reserved: true, used: 1 });
  });

  it("counts a window item gone by the time a refused reservation reads it again as empty", async () => {
    // Arrange: the window is full; after the refused update, its item expires (TTL) before the read.
    const at = "2026-03-02T10:10:00.000Z";
    await store.reserveContainment(ACCOUNT, "i-01", at, 1);
    let updated = false;
    let expired = false;
    hooks.gate = (_service, operation) => {
      if (operation === "UpdateItem") updated = true;
      else if (operation === "GetItem" && updated && !expired) {
        expired = true;
        return table.ddb
          .send(new DeleteCommand({ TableName: TABLE, Key: capKey(ACCOUNT, "2026-03-02T10") }))
          .then(() => () => {});
      }
      return undefined;
    };

    // Act
    const answer = await store.reserveContainment(ACCOUNT, "i-02", at, 1);

    // Assert
    expect(expired).toBe(true);
    expect(answer).toStrictEqual({ reserved: false, used: 0 });
  });
});

describe("claiming a step", () => {
  it("holds the claim for the lease asked for, from the time of the claim", async () => {
    // Arrange
    const incident = anIncident({ steps: {}, timeline: [] });
    await store.open(incident);

    // Act
    const claimed = await store.claimStep(incident.incidentId, "snapshots", 60_000, "claim-a");

    // Assert
    const step = (await store.get(incident.incidentId)).steps.snapshots;
    expect(claimed).toBe(true);
    expect(step).toStrictEqual({
      status: "running",
      startedAt: step?.startedAt,
      attempts: 1,
      leaseUntil: Date.parse(String(step?.startedAt)) + 60_000,
      claim: "claim-a",
    });
  });

  it("claims a failed step again", async () => {
    // Arrange
    const incident = anIncident({ steps: {}, timeline: [] });
    await store.open(incident);
    const id = incident.incidentId;
    await store.claimStep(id, "snapshots", 60_000, "claim-a");
    await store.finishStep(id, "snapshots", "failed", "snapshots failed", { error: "e", claim: "claim-a" });

    // Act
    const claimed = await store.claimStep(id, "snapshots", 60_000, "claim-b");

    // Assert
    expect(claimed).toBe(true);
    expect((await store.get(id)).steps.snapshots).toMatchObject({ status: "running", claim: "claim-b" });
  });

  it("claims a running step again once its lease has run out", async () => {
    // Arrange: a worker's claim whose lease ended in 2026-03-02.
    const incident = anIncident({ steps: {}, timeline: [] });
    await store.open(incident);
    const id = incident.incidentId;
    await table.update(
      id,
      {
        "steps.snapshots": {
          status: "running",
          startedAt: "2026-03-02T10:00:00.000Z",
          attempts: 1,
          leaseUntil: Date.parse("2026-03-02T10:05:00.000Z"),
          claim: "claim-a",
        },
      },
      [],
    );

    // Act
    const claimed = await store.claimStep(id, "snapshots", 60_000, "claim-b");

    // Assert
    expect(claimed).toBe(true);
    expect((await store.get(id)).steps.snapshots).toMatchObject({ status: "running", claim: "claim-b" });
  });

  it("refuses a running step whose lease still holds, and leaves its claim as it was", async () => {
    // Arrange: a worker's claim whose lease ends in 2999.
    const incident = anIncident({ steps: {}, timeline: [] });
    await store.open(incident);
    const id = incident.incidentId;
    const running = {
      status: "running" as const,
      startedAt: "2026-03-02T10:00:00.000Z",
      attempts: 1,
      leaseUntil: Date.parse("2999-01-01T00:00:00.000Z"),
      claim: "claim-a",
    };
    await table.update(id, { "steps.snapshots": running }, []);

    // Act
    const claimed = await store.claimStep(id, "snapshots", 60_000, "claim-b");

    // Assert
    expect(claimed).toBe(false);
    expect((await store.get(id)).steps.snapshots).toStrictEqual(running);
  });
});

describe("opening: copies, joins and the record already there", () => {
  it("turns away a copy no newer than the marker's last sighting without writing to the marker", async () => {
    // Arrange: the finding's marker was last seen at 11:00.
    const first = incidentFor("f-1", "i-0123456789abcdef0", "2026-03-02T11:00:00.000Z");
    await store.open(first);
    const markerWrites: unknown[] = [];
    hooks.recorder = (call) => {
      const key = call.input?.Key as { pk?: string } | undefined;
      if (call.operation === "UpdateItem" && String(key?.pk).startsWith("FINDING#")) markerWrites.push(call);
    };

    // Act: the same version again, and an older one.
    const same = await store.open(first);
    const older = await store.open(incidentFor("f-1", "i-0123456789abcdef0", "2026-03-02T10:00:00.000Z"));

    // Assert
    expect(same).toStrictEqual({ outcome: "duplicate", incidentId: first.incidentId });
    expect(older).toStrictEqual({ outcome: "duplicate", incidentId: first.incidentId });
    expect(markerWrites).toStrictEqual([]);
  });

  it("writes a finding that joins an open incident on its timeline as a triage note", async () => {
    // Arrange
    const first = incidentFor("f-1");
    await store.open({ ...first, timeline: [] });
    const joining = incidentFor("f-2");

    // Act
    const outcome = await store.open(joining);

    // Assert
    expect(outcome).toStrictEqual({ outcome: "joined", incidentId: first.incidentId });
    const timeline = (await store.get(first.incidentId)).timeline;
    expect(timeline).toStrictEqual([
      {
        at: timeline[0]?.at,
        step: "triage",
        status: "info",
        detail: `finding ${joining.finding.type} (f-2) joined this incident: same resource, incident still open`,
      },
    ]);
  });

  it("gives up with a ConflictError naming the finding when its markers keep changing", async () => {
    // Arrange: every transaction is cancelled, yet no marker is there when it looks.
    const incident = incidentFor("f-1");
    let transactions = 0;
    hooks.fault = (_service, operation) => {
      if (operation !== "TransactWriteItems") return undefined;
      transactions++;
      return new TransactionCanceledException({ message: "cancelled", $metadata: {} });
    };

    // Act
    const err = await store.open(incident).catch((e: unknown) => e);

    // Assert
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).message).toBe(
      `could not open or join an incident for finding guardduty f-1 after ${OPEN_ATTEMPTS} attempts: its markers kept changing`,
    );
    expect(transactions).toBe(OPEN_ATTEMPTS);
  });

  it("never writes over an incident record already there, even when its markers are gone", async () => {
    // Arrange: a closed incident whose finding marker is gone too (its resource marker went at close).
    const incident = incidentFor("f-1");
    await store.open({ ...incident, timeline: [] });
    await store.close(incident.incidentId, "done");
    await table.ddb.send(new DeleteCommand({ TableName: TABLE, Key: markerOf(incident.finding) }));

    // Act
    const err = await store.open(incident).catch((e: unknown) => e);

    // Assert
    expect(err).toBeInstanceOf(ConflictError);
    const kept = await store.get(incident.incidentId);
    expect(kept.status).toBe("closed");
    expect(kept.timeline.map((e) => `${e.step} ${e.status} ${e.detail}`)).toStrictEqual(["close ok done"]);
  });
});

describe("escalating", () => {
  it("moves the decision on from a later revision, and refuses the revision it replaced", async () => {
    // Arrange
    const first = incidentFor("f-1");
    await store.open(first);
    const change = (fromRevision: number, note: string) => ({
      plan: { ...first.plan, notes: [note] },
      impact: first.impact,
      resetSteps: [],
      detail: note,
      fromRevision,
    });
    await store.escalate(first.incidentId, change(0, "one"));

    // Act
    const second = await store.escalate(first.incidentId, change(1, "two"));
    const stale = await store.escalate(first.incidentId, change(1, "stale"));

    // Assert
    expect(second).toBe(true);
    expect(stale).toBe(false);
    const now = await store.get(first.incidentId);
    expect(now.planRevision).toBe(2);
    expect(now.plan.notes).toStrictEqual(["two"]);
  });

  it("writes the escalation on the timeline as an info entry naming the new revision", async () => {
    // Arrange
    const first = incidentFor("f-1");
    await store.open({ ...first, timeline: [] });

    // Act
    await store.escalate(first.incidentId, {
      plan: first.plan,
      impact: first.impact,
      resetSteps: [],
      detail: "more",
      fromRevision: 0,
    });

    // Assert
    const timeline = (await store.get(first.incidentId)).timeline;
    expect(timeline).toStrictEqual([
      { at: timeline[0]?.at, step: "escalation", status: "info", detail: "revision 1: more" },
    ]);
  });

  it("reopens finished steps but leaves a running one to its worker", async () => {
    // Arrange
    const first = incidentFor("f-1");
    await store.open({ ...first, steps: {} });
    const id = first.incidentId;
    await store.finishStep(id, "manifest", "ok", "sealed");
    await store.claimStep(id, "snapshots", 60_000, "claim-a");
    const running = (await store.get(id)).steps.snapshots;

    // Act
    const moved = await store.escalate(id, {
      plan: first.plan,
      impact: first.impact,
      resetSteps: ["manifest", "snapshots", "never-claimed"],
      detail: "more",
      fromRevision: 0,
    });

    // Assert
    expect(moved).toBe(true);
    const steps = (await store.get(id)).steps;
    expect(running?.status).toBe("running");
    expect(steps).toStrictEqual({ snapshots: running });
  });
});
