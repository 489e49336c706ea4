import type { Metrics } from "@aws-lambda-powertools/metrics";
import { describe, expect, it } from "vitest";
import { triageLogic } from "../../../functions/triage/logic.ts";
import { InvalidEventError, NotFoundError, RefusedError } from "../../../shared/errors/index.ts";
import type { IncidentRecord } from "../../../shared/incident/model.ts";
import { APPROVAL_DETAIL_TYPE, APPROVAL_SOURCE } from "../../../shared/intake/index.ts";
import type { Runtime } from "../../../shared/runtime/base.ts";
import { decideFromEvent } from "../../../shared/workflow/approval.ts";
import { policy, RecordingAlerter, RecordingBus, silentLog } from "../../support/lane-deps.ts";
import { MemoryStore } from "../../support/memory-store.ts";
import { anIncident, INCIDENT_ID } from "../cleanroom/fakes.ts";

/** An incident whose containment waits for a person (the blast-radius circuit is open). */
function waiting(over: Partial<IncidentRecord> = {}): IncidentRecord {
  const base = anIncident();
  return anIncident({
    plan: {
      ...base.plan,
      actions: base.plan.actions.map((a) =>
        a.name === "contain-instance" ? { ...a, requiresApproval: true } : a,
      ),
      notes: ["circuit open: 1 containment(s) in the last hour, cap 1: contain-instance requires approval"],
    },
    ...over,
  });
}

function decision(detail: Record<string, unknown>, id = "0f1e2d3c-4b5a-4968-8776-655443322110") {
  return {
    version: "0",
    id,
    source: APPROVAL_SOURCE,
    "detail-type": APPROVAL_DETAIL_TYPE,
    account: "111122223333",
    region: "us-east-1",
    time: "2026-03-01T10:05:00Z",
    resources: [],
    detail: { incidentId: INCIDENT_ID, by: "chatops:alice", ...detail },
  };
}

/** The chat-ops bot's role: the only sender the bus policy admits for decisions. */
const APPROVER = "arn:aws:iam::111122223333:role/chatops-approver";

function world(incident: IncidentRecord = waiting(), approverRoleArns: string[] = [APPROVER]) {
  const store = new MemoryStore();
  store.records.set(incident.incidentId, structuredClone(incident));
  const alerter = new RecordingAlerter();
  const bus = new RecordingBus();
  return { store, alerter, bus, deps: { store, alerter, bus, log: silentLog, approverRoleArns } };
}

describe("approval decisions by event", () => {
  it("releases the waiting containment on approval", async () => {
    const w = world();

    const out = await decideFromEvent(decision({ decision: "approved", reason: "owner agrees" }), w.deps);

    expect(out).toEqual({ outcome: "approved", incidentId: INCIDENT_ID, actions: ["contain-instance"] });
    expect(w.bus.emitted).toEqual([
      {
        detailType: "Incident Approved",
        detail: expect.objectContaining({ incidentId: INCIDENT_ID, actions: ["contain-instance"] }),
      },
    ]);
    const approvals = (await w.store.get(INCIDENT_ID)).approvals;
    expect(approvals).toEqual([
      expect.objectContaining({
        decision: "approved",
        by: `${APPROVER} (through the bus, event 0f1e2d3c-4b5a-4968-8776-655443322110)`,
        claimedBy: "chatops:alice",
        reason: "owner agrees",
      }),
    ]);
  });

  it("records the approver role the bus admits, never the event's own `by`", async () => {
    // Arrange: the event claims a decider it cannot prove
    const w = world();

    // Act
    await decideFromEvent(
      decision({ decision: "approved", by: "arn:aws:iam::111122223333:user/ciso" }),
      w.deps,
    );

    // Assert
    const [approval] = (await w.store.get(INCIDENT_ID)).approvals ?? [];
    expect(approval?.by).toMatch(new RegExp(`^${APPROVER}`));
    expect(approval?.by).not.toContain("ciso");
    expect(approval?.claimedBy).toBe("arn:aws:iam::111122223333:user/ciso");
  });

  it("refuses every decision by event when no approver role is configured, and changes nothing", async () => {
    // Arrange: a forged decision on the bus of a deployment that trusts no sender of decisions
    const w = world(waiting(), []);

    // Act
    const err = await decideFromEvent(decision({ decision: "approved" }), w.deps).catch((e) => e);

    // Assert
    expect(err).toBeInstanceOf(InvalidEventError);
    expect((err as InvalidEventError).path).toBe("source");
    expect(err.message).toMatch(/decisions by event are off/);
    expect((await w.store.get(INCIDENT_ID)).approvals ?? []).toEqual([]);
    expect(w.bus.emitted).toEqual([]);
  });

  it("skips the waiting containment on denial and says so", async () => {
    const w = world();

    const out = await decideFromEvent(decision({ decision: "denied" }), w.deps);

    expect(out.outcome).toBe("denied");
    expect(w.bus.emitted).toEqual([]);
    const incident = await w.store.get(INCIDENT_ID);
    expect(incident.steps.contain).toMatchObject({ status: "skipped" });
    expect(incident.steps.contain?.detail).toMatch(new RegExp(`^denied by ${APPROVER}`));
    expect(w.alerter.sent.map((a) => a.stage)).toEqual(["denied"]);
  });

  it("changes nothing when the same event is delivered again", async () => {
    const w = world();
    await decideFromEvent(decision({ decision: "approved" }), w.deps);

    const again = await decideFromEvent(decision({ decision: "approved" }), w.deps);

    expect(again.outcome).toBe("duplicate");
    expect(w.bus.emitted).toHaveLength(1);
    expect((await w.store.get(INCIDENT_ID)).approvals).toHaveLength(1);
  });

  it("refuses a second decision sent by another event", async () => {
    const w = world();
    await decideFromEvent(decision({ decision: "approved" }), w.deps);

    const err = await decideFromEvent(decision({ decision: "denied" }, "another-event-id"), w.deps).catch(
      (e) => e,
    );

    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.path).toBe("detail.incidentId");
    expect(err.cause).toBeInstanceOf(RefusedError);
    expect(err.message).toMatch(new RegExp(`already approved by ${APPROVER}`));
  });

  it.each([
    ["nothing waiting", () => world(anIncident()), INCIDENT_ID, RefusedError],
    ["a closed incident", () => world(waiting({ status: "closed" })), INCIDENT_ID, RefusedError],
    ["an unknown incident", () => world(), "ir-20260301-ffffffff", NotFoundError],
  ])("refuses a decision on %s, as an invalid event", async (_what, make, incidentId, cause) => {
    const err = await decideFromEvent(decision({ decision: "approved", incidentId }), make().deps).catch(
      (e) => e,
    );

    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.cause).toBeInstanceOf(cause);
  });

  it("refuses a malformed decision before reading the incident", async () => {
    const w = world();

    const err = await decideFromEvent(decision({ decision: "yes" }), w.deps).catch((e) => e);

    expect(err).toBeInstanceOf(InvalidEventError);
    expect((err as InvalidEventError).path).toBe("detail.decision");
    expect(w.bus.emitted).toEqual([]);
  });
});

describe("the triage function with approval events", () => {
  const metrics = { addMetric: () => undefined, addDimension: () => undefined } as unknown as Metrics;
  const runtime = (w: ReturnType<typeof world>) =>
    ({
      deps: { ...w.deps, policy, dryRun: false },
      sessions: {},
      config: {
        trust: { approverRoleArns: w.deps.approverRoleArns, delegatedAdminAccounts: [], memberAccounts: [] },
      },
    }) as unknown as Runtime;

  it("decides through the same workflow as `responder approve`", async () => {
    const w = world();

    const out = await triageLogic(runtime(w))(decision({ decision: "approved" }), { metrics });

    expect(out).toMatchObject({ outcome: "approved", actions: ["contain-instance"] });
  });

  it.each([
    ["a malformed decision", decision({ decision: "maybe" }), "detail.decision"],
    [
      "an unknown incident",
      decision({ decision: "approved", incidentId: "ir-20260301-ffffffff" }),
      "detail.incidentId",
    ],
  ])("sets aside %s: dead letter and alert, no retry", async (_what, event, path) => {
    const w = world();

    const out = await triageLogic(runtime(w))(event, { metrics });

    expect(out).toMatchObject({ outcome: "rejected" });
    expect(w.store.letters).toEqual([
      expect.objectContaining({
        errorName: "InvalidEventError",
        path,
        source: APPROVAL_SOURCE,
        detailType: APPROVAL_DETAIL_TYPE,
      }),
    ]);
    expect(w.alerter.sent.map((a) => a.stage)).toEqual(["rejected"]);
    expect(w.bus.emitted).toEqual([]);
  });

  it("sets aside a decision on an incident already decided", async () => {
    const w = world();
    const logic = triageLogic(runtime(w));
    await logic(decision({ decision: "approved" }), { metrics });

    const out = await logic(decision({ decision: "denied" }, "a-later-event"), { metrics });

    expect(out).toMatchObject({ outcome: "rejected", error: expect.stringMatching(/already approved/) });
    expect(w.store.letters).toHaveLength(1);
  });
});
