import { CreateTableCommand } from "@aws-sdk/client-dynamodb";
import { DeleteCommand } from "@aws-sdk/lib-dynamodb";
import { beforeEach, describe, expect, it } from "vitest";
import { CallHooks } from "../../cli/local/instrument.ts";
import { isolateEmulatorTransactions } from "../../cli/local/transactions.ts";
import { dynamoClient, dynamoDocClient } from "../../shared/aws/clients.ts";
import { DynamoIncidentStore } from "../../shared/incident/store.ts";
import { IncidentTable } from "../../shared/incident/table.ts";
import { resetEmulator, testAwsOptions } from "../support/emulator.ts";
import { anIncident, incidentFor } from "../support/incidents.ts";

const TABLE = "incidents-store-test";
/** The hooks the store's client feeds (as the local runner's clients do). */
const hooks = new CallHooks();
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
  store = new DynamoIncidentStore(dynamoDocClient({ ...o, middleware: [hooks.middleware()] }), TABLE);
  // DynamoDB's atomic writes, which the emulator's threads lack (as the local runner's clients).
  isolateEmulatorTransactions(hooks);
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

describe("opening an incident: each way into the markers", () => {
  it("opens once; the same finding again is a duplicate, and a newer version of it is seen again once", async () => {
    const first = incidentFor("f-1");
    expect((await store.open(first)).outcome).toBe("created");

    expect(await store.open(first)).toEqual({ outcome: "duplicate", incidentId: first.incidentId });
    const newer = incidentFor("f-1", "i-0123456789abcdef0", "2026-03-02T11:00:00.000Z");
    expect(await store.open(newer)).toEqual({
      outcome: "duplicate",
      incidentId: first.incidentId,
      seenAgain: true,
    });
    expect(await store.open(newer)).toEqual({ outcome: "duplicate", incidentId: first.incidentId });
  });

  it("joins another finding on the same resource once, on the timeline", async () => {
    const first = incidentFor("f-1");
    await store.open(first);

    const other = incidentFor("f-2");
    expect(await store.open(other)).toEqual({ outcome: "joined", incidentId: first.incidentId });
    expect(await store.open(other)).toEqual({ outcome: "duplicate", incidentId: first.incidentId });
    const now = await store.get(first.incidentId);
    expect(now.findings.map((f) => f.id)).toEqual(["f-1", "f-2"]);
    expect(now.timeline.filter((t) => /joined this incident/.test(t.detail))).toHaveLength(1);
  });

  it("joins a finding once even when its marker is missing: the join-once condition alone refuses the second", async () => {
    // Arrange: a join whose marker write never happened (a crash between the two, or a copy
    // that read no marker before the first copy wrote it): only the incident's set of finding
    // keys still says the finding has joined.
    const first = incidentFor("f-1");
    await store.open(first);
    const other = incidentFor("f-2");
    expect(await store.open(other)).toEqual({ outcome: "joined", incidentId: first.incidentId });
    await dynamoDocClient(testAwsOptions()).send(
      new DeleteCommand({
        TableName: TABLE,
        Key: { pk: "FINDING#123456789012#guardduty#f-2", sk: "MARKER" },
      }),
    );

    // Act
    const again = await store.open(other);

    // Assert
    expect(again).toEqual({ outcome: "duplicate", incidentId: first.incidentId });
    const now = await store.get(first.incidentId);
    expect(now.findings.map((f) => f.id)).toEqual(["f-1", "f-2"]);
    expect(now.timeline.filter((t) => /joined this incident/.test(t.detail))).toHaveLength(1);
    // The marker is written again, so a later copy stops at it.
    expect(await store.incidentOfFinding("123456789012", "guardduty", "f-2")).toBe(first.incidentId);
  });

  it("after close, says the finding recurred, and opens the recurrence only in place of the closed incident", async () => {
    const first = incidentFor("f-1");
    await store.open(first);
    await store.close(first.incidentId, "done");

    expect(await store.open(first)).toEqual({ outcome: "recurred", closedIncidentId: first.incidentId });
    const recurrence = {
      ...incidentFor("f-1"),
      incidentId: "ir-20260302-0000feed",
      recurrenceOf: first.incidentId,
    };
    // Taking the marker over from another (wrong) incident id is refused: still a recurrence of the closed one.
    expect(await store.open(recurrence, { recurrenceOf: "ir-20260302-deadbeef" })).toEqual({
      outcome: "recurred",
      closedIncidentId: first.incidentId,
    });
    expect((await store.open(recurrence, { recurrenceOf: first.incidentId })).outcome).toBe("created");
    expect(await store.incidentOfFinding("123456789012", "guardduty", "f-1")).toBe(recurrence.incidentId);
    expect(await store.open(first)).toEqual({ outcome: "duplicate", incidentId: recurrence.incidentId });
  });

  it("after close, says a later copy of the finding recurred even under a new incident id: its marker stands", async () => {
    // Arrange: closing frees the resource; only the finding's marker still names the incident.
    const first = incidentFor("f-1");
    await store.open(first);
    await store.close(first.incidentId, "done");
    const nextDay = incidentFor("f-1", "i-0123456789abcdef0", "2026-03-03T10:00:00.000Z");
    expect(nextDay.incidentId).not.toBe(first.incidentId);

    // Act
    const outcome = await store.open(nextDay);

    // Assert
    expect(outcome).toEqual({ outcome: "recurred", closedIncidentId: first.incidentId });
    expect(await store.find(nextDay.incidentId)).toBeUndefined();
    expect(await store.incidentOfFinding("123456789012", "guardduty", "f-1")).toBe(first.incidentId);
  });

  it("keeps a drill's markers apart from a real finding's", async () => {
    const real = incidentFor("f-1");
    const drill = {
      ...incidentFor("f-1"),
      incidentId: "ir-20260302-0000d411",
      drill: true,
      finding: { ...real.finding, drill: true },
      resourceKey: `DRILL#${real.resourceKey}`,
    };
    expect((await store.open(drill)).outcome).toBe("created");

    expect((await store.open(real)).outcome).toBe("created");
    expect(await store.incidentOfFinding("123456789012", "guardduty", "f-1")).toBe(real.incidentId);
    expect(await store.incidentOfFinding("123456789012", "guardduty", "f-1", true)).toBe(drill.incidentId);
  });

  it("opens one incident for concurrent copies; every other copy finds it", async () => {
    const one = incidentFor("f-9", "i-0fffffffffffffff0");
    // The emulator's transactions need the isolation DynamoDB's have (cli/local/transactions.ts).
    const unisolate = isolateEmulatorTransactions(hooks);

    const outcomes = await Promise.all(Array.from({ length: 5 }, () => store.open(one))).finally(unisolate);

    expect(outcomes.filter((o) => o.outcome === "created")).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === "duplicate")).toHaveLength(4);
  });
});

describe("escalating and reserving", () => {
  it("replaces the decision only from the revision it was read at, and reopens finished steps", async () => {
    const first = incidentFor("f-1");
    await store.open(first);
    await store.finishStep(first.incidentId, "manifest", "ok", "sealed");
    const grown = { ...first.plan, notes: ["grown"] };
    const change = { plan: grown, impact: first.impact, resetSteps: ["manifest"], detail: "more" };

    expect(await store.escalate(first.incidentId, { ...change, fromRevision: 0 })).toBe(true);
    expect(await store.escalate(first.incidentId, { ...change, fromRevision: 0 })).toBe(false);
    const now = await store.get(first.incidentId);
    expect(now.planRevision).toBe(1);
    expect(now.plan.notes).toEqual(["grown"]);
    expect(now.steps.manifest).toBeUndefined();
    expect(now.timeline.some((t) => t.step === "escalation" && t.detail === "revision 1: more")).toBe(true);
  });

  it("reserves slots up to the cap, idempotently per instance, and refuses the next", async () => {
    const at = "2026-03-02T10:10:00.000Z";
    expect(await store.reserveContainment("123456789012", "i-01", at, 2)).toEqual({
      reserved: true,
      used: 1,
    });
    expect(await store.reserveContainment("123456789012", "i-01", at, 2)).toEqual({
      reserved: true,
      used: 1,
    });
    expect(await store.reserveContainment("123456789012", "i-02", at, 2)).toEqual({
      reserved: true,
      used: 2,
    });
    expect(await store.reserveContainment("123456789012", "i-03", at, 2)).toEqual({
      reserved: false,
      used: 2,
    });
    // Another account has its own cap.
    expect((await store.reserveContainment("210987654321", "i-03", at, 2)).reserved).toBe(true);
  });

  it("counts the previous hour by how much of it is still within the last 60 minutes", async () => {
    await store.reserveContainment("123456789012", "i-01", "2026-03-02T09:50:00.000Z", 2);
    await store.reserveContainment("123456789012", "i-02", "2026-03-02T09:55:00.000Z", 2);

    // 10:15: three quarters of 09:xx still count (2 × 0.75 → 1): one slot left.
    expect(
      (await store.reserveContainment("123456789012", "i-03", "2026-03-02T10:15:00.000Z", 2)).reserved,
    ).toBe(true);
    expect(
      (await store.reserveContainment("123456789012", "i-04", "2026-03-02T10:15:00.000Z", 2)).reserved,
    ).toBe(false);
  });

  it("holds the cap under a burst of concurrent reservations", async () => {
    const at = "2026-03-02T10:20:00.000Z";
    // The window's counter exists before the burst.
    const first = await store.reserveContainment("123456789012", "i-b0", at, 3);
    // moto's conditional updates are not atomic across its threads (DynamoDB's are): locally they
    // run one at a time (cli/local/transactions.ts), as the local runner's do.
    const unisolate = isolateEmulatorTransactions(hooks);

    const answers = await Promise.all(
      Array.from({ length: 7 }, (_, i) => store.reserveContainment("123456789012", `i-b${i + 1}`, at, 3)),
    ).finally(unisolate);

    expect(first.reserved).toBe(true);
    expect(answers.filter((a) => a.reserved)).toHaveLength(2);
  });
});

describe("a step's claim and its release", () => {
  it("writes a release only while the step is running under that claim", async () => {
    const incident = anIncident({ steps: {}, timeline: [] });
    await store.open(incident);
    const id = incident.incidentId;
    expect(await store.claimStep(id, "snapshots", 60_000, "claim-a")).toBe(true);

    // Another claim's release is refused; this claim's is written.
    const other = await store.finishStep(id, "snapshots", "failed", "x", { error: "e", claim: "claim-b" });
    const running = (await store.get(id)).steps.snapshots;
    const own = await store.finishStep(id, "snapshots", "failed", "snapshots failed", {
      error: "e",
      claim: "claim-a",
    });

    expect(other).toBe(false);
    expect(running).toMatchObject({ status: "running", claim: "claim-a" });
    expect(own).toBe(true);
    expect((await store.get(id)).steps.snapshots).toMatchObject({ status: "failed", error: "e" });
  });

  it("leaves a step its work ended: the end, its notes and its actions are written once", async () => {
    const incident = anIncident({ steps: {}, timeline: [], actions: [] });
    await store.open(incident);
    const id = incident.incidentId;
    await store.claimStep(id, "snapshots", 60_000, "claim-a");
    await store.finishStep(id, "snapshots", "ok", "1 snapshots completed", {
      actions: [{ name: "snapshot-lock", target: "snap-1", status: "ok", detail: "locked" }],
      notes: [{ step: "snapshot-lock", status: "ok", detail: "1 locked" }],
    });

    // The work throws after its end (a note or an alert on a passing 500): its release finds the step ended.
    const released = await store.finishStep(id, "snapshots", "failed", "snapshots failed", {
      error: "InternalFailure",
      claim: "claim-a",
    });
    const retryClaims = await store.claimStep(id, "snapshots", 60_000, "claim-c");

    expect(released).toBe(false);
    expect(retryClaims).toBe(false);
    const after = await store.get(id);
    expect(after.steps.snapshots?.status).toBe("ok");
    expect(after.actions.filter((a) => a.name === "snapshot-lock")).toHaveLength(1);
    expect(after.timeline.map((e) => e.step)).toEqual(["snapshots", "snapshot-lock"]);
  });
});

describe("a long step's progress under its claim (disk images)", () => {
  it("records progress only under the claim, and a release lets the next invocation claim the step at once", async () => {
    const incident = anIncident({ steps: {}, timeline: [] });
    await store.open(incident);
    const id = incident.incidentId;
    expect(await store.claimStep(id, "disk-images", 600_000, "claim-a")).toBe(true);
    const checkpoint = { snapshotId: "snap-0123456789abcdef0", partCount: 2 };

    const other = await store.progressStep(id, "disk-images", "claim-b", {
      set: { "evidence.imageCheckpoint": { forged: true } },
    });
    const own = await store.progressStep(id, "disk-images", "claim-a", {
      set: { "evidence.imageCheckpoint": checkpoint },
    });
    // While the lease runs, nobody else may claim the step.
    const early = await store.claimStep(id, "disk-images", 600_000, "claim-c");
    const released = await store.progressStep(id, "disk-images", "claim-a", {
      release: true,
      notes: [{ step: "disk-images", status: "info", detail: "2 parts so far; continues" }],
    });
    const next = await store.claimStep(id, "disk-images", 600_000, "claim-d");
    const stale = await store.progressStep(id, "disk-images", "claim-a", {
      set: { "evidence.imageCheckpoint": { stale: true } },
    });

    expect([other, own, early, released, next, stale]).toStrictEqual([false, true, false, true, true, false]);
    const after = await store.get(id);
    expect(after.evidence?.imageCheckpoint).toStrictEqual(checkpoint);
    expect(after.steps["disk-images"]).toMatchObject({ status: "running", claim: "claim-d" });
    expect(after.timeline.map((e) => e.detail)).toContain("2 parts so far; continues");
  });
});

describe("the timeline's order", () => {
  it("reads entries back in the order of their times, not of their writes", async () => {
    const incident = anIncident({ timeline: [] });
    await store.open(incident);
    const id = incident.incidentId;
    const table = new IncidentTable(dynamoDocClient(testAwsOptions()), TABLE);
    const entry = (at: string, step: string) => ({ at, step, status: "ok" as const, detail: step });

    // Two lanes: the later entry's write lands first.
    await table.append(id, "TIMELINE", [entry("2026-03-02T10:00:04.000Z", "artifacts")]);
    await table.append(id, "TIMELINE", [entry("2026-03-02T10:00:02.000Z", "contain")]);
    await table.append(id, "TIMELINE", [
      entry("2026-03-02T10:00:03.000Z", "snapshots"),
      entry("2026-03-02T10:00:01.000Z", "triage"),
    ]);

    const times = (await store.get(id)).timeline.map((e) => `${e.at} ${e.step}`);
    expect(times).toEqual([
      "2026-03-02T10:00:01.000Z triage",
      "2026-03-02T10:00:02.000Z contain",
      "2026-03-02T10:00:03.000Z snapshots",
      "2026-03-02T10:00:04.000Z artifacts",
    ]);
  });

  it("puts a step's notes right after its end, in their order", async () => {
    const incident = anIncident({ steps: {}, timeline: [] });
    await store.open(incident);
    const id = incident.incidentId;
    const notes = Array.from({ length: 5 }, (_, i) => ({
      step: `note-${i}`,
      status: "info" as const,
      detail: `${i}`,
    }));

    await store.finishStep(id, "snapshots", "ok", "done", { notes });

    const timeline = (await store.get(id)).timeline;
    expect(timeline.map((e) => e.step)).toEqual(["snapshots", ...notes.map((n) => n.step)]);
    expect(new Set(timeline.map((e) => e.at)).size).toBe(1);
  });
});
