/**
 * Triage of a finding that meets an incident: joined and escalated, seen again, recurred after
 * close, kept apart from drills, and held by the containment cap. Against the in-memory store,
 * whose markers behave like the DynamoDB store's.
 */
import { describe, expect, it } from "vitest";
import type { Finding } from "../../../shared/domain/types.ts";
import { type TriageDeps, triageEvent } from "../../../shared/workflow/triage.ts";
import { configNonCompliant, guardDutyFinding } from "../../support/findings.ts";
import { policy, RecordingAlerter, RecordingBus, silentLog } from "../../support/lane-deps.ts";
import { MemoryStore } from "../../support/memory-store.ts";
import { anInstance } from "../triage/builders.ts";

const ACCOUNT = "123456789012";
const A = "i-0aaaaaaaaaaaaaaaa";
const B = "i-0bbbbbbbbbbbbbbbb";
const target = (instanceId: string) => ({ instanceId, account: ACCOUNT, region: "us-east-1" });
const PROD = { Environment: "prod", DataClassification: "restricted", Criticality: "high" };

function world(over: Partial<TriageDeps> = {}) {
  const store = new MemoryStore();
  const alerter = new RecordingAlerter();
  const bus = new RecordingBus();
  const deps: TriageDeps = {
    store,
    alerter,
    bus,
    policy,
    log: silentLog,
    dryRun: false,
    // Every instance exists, tagged as production, and its tags say it may be drilled.
    resolve: async (f: Finding) =>
      f.resources
        .filter((r) => r.kind === "ec2-instance")
        .map((r) =>
          anInstance({ id: r.id, tags: PROD, accountTags: { ...PROD, "incident-responder:drill": "true" } }),
        ),
    ...over,
  };
  return { store, alerter, bus, deps };
}

const stages = (w: ReturnType<typeof world>) => w.alerter.sent.map((a) => a.stage);

describe("a finding that joins an open incident", () => {
  it("escalates a benign incident when a severe finding arrives: new lanes start and an escalated alert says why", async () => {
    // Arrange: a benign Config finding opened an incident that contains nothing
    const w = world();
    const first = await triageEvent(configNonCompliant(target(A)), w.deps);
    expect(first.outcome).toBe("created");
    const benign = await w.store.get((first as { incidentId: string }).incidentId);
    expect(benign.plan.actions.map((a) => a.name)).not.toContain("contain-instance");

    // Act: a severe GuardDuty finding on the same instance
    const out = await triageEvent(guardDutyFinding(target(A), { severity: 8.5 }), w.deps);

    // Assert
    expect(out).toMatchObject({ outcome: "escalated", incidentId: benign.incidentId });
    const now = await w.store.get(benign.incidentId);
    expect(now.planRevision).toBe(1);
    expect(now.plan.actions.find((a) => a.name === "contain-instance")).toMatchObject({
      requiresApproval: false,
      targets: [A],
    });
    expect(w.bus.emitted.at(-1)).toEqual({
      detailType: "Incident Escalated",
      detail: expect.objectContaining({
        incidentId: benign.incidentId,
        actions: expect.arrayContaining(["contain-instance", "capture-snapshots"]),
      }),
    });
    expect(stages(w)).toEqual(["opened", "escalated"]);
    expect(w.alerter.sent[1]?.text).toMatch(/contain-instance added/);
    expect(now.findings.map((f) => f.source)).toEqual(["config", "guardduty"]);
  });

  it("reopens the sealed manifest when evidence grows, and starts the evidence lane to seal it again", async () => {
    const w = world();
    const first = await triageEvent(configNonCompliant(target(A)), w.deps);
    const id = (first as { incidentId: string }).incidentId;
    await w.store.finishStep(id, "artifacts", "ok", "done");
    await w.store.finishStep(id, "manifest", "ok", "sealed");

    await triageEvent(guardDutyFinding(target(A), { severity: 8.5 }), w.deps);

    const now = await w.store.get(id);
    expect(now.steps.manifest).toBeUndefined();
    expect(now.steps.artifacts?.status).toBe("ok");
    const started = w.bus.emitted.at(-1)?.detail.actions as string[];
    expect(started).toEqual(expect.arrayContaining(["capture-snapshots", "collect-artifacts"]));
  });

  it("only joins (on the timeline, no alert) when the incident already covers the new finding", async () => {
    const w = world();
    const first = await triageEvent(guardDutyFinding(target(A), { severity: 8.5 }), w.deps);
    const sent = w.alerter.sent.length;

    const out = await triageEvent(
      guardDutyFinding(target(A), { severity: 7, type: "UnauthorizedAccess:EC2/SSHBruteForce" }),
      w.deps,
    );

    expect(out).toMatchObject({
      outcome: "joined",
      incidentId: (first as { incidentId: string }).incidentId,
    });
    expect(w.alerter.sent.length).toBe(sent);
    const now = await w.store.get((first as { incidentId: string }).incidentId);
    expect(now.planRevision).toBeUndefined();
    expect(now.timeline.some((t) => /joined/.test(t.detail))).toBe(true);
  });

  it("escalates on a newer version of its own finding, and says it was seen again", async () => {
    const quiet = { Environment: "dev", DataClassification: "public", Criticality: "low" };
    const w = world({
      resolve: async (f: Finding) =>
        f.resources
          .filter((r) => r.kind === "ec2-instance")
          .map((r) => anInstance({ id: r.id, tags: quiet })),
    });
    const low = guardDutyFinding(target(A), { severity: 2 });
    const first = await triageEvent(low, w.deps);
    const id = (first as { incidentId: string }).incidentId;
    expect((await w.store.get(id)).plan.actions.map((a) => a.name)).not.toContain("contain-instance");
    const later = guardDutyFinding(target(A), {
      severity: 8.5,
      id: String((low.detail as { id: string }).id),
    });
    (later.detail as { updatedAt: string }).updatedAt = new Date(Date.now() + 60_000).toISOString();

    const out = await triageEvent(later, w.deps);

    expect(out).toMatchObject({ outcome: "escalated", incidentId: id });
    expect((await w.store.get(id)).timeline.some((t) => /seen again/.test(t.detail))).toBe(true);
  });

  it("treats an exact copy as a duplicate: nothing recorded, nothing sent", async () => {
    const w = world();
    const event = guardDutyFinding(target(A), { severity: 8.5 });
    await triageEvent(event, w.deps);
    const before = { alerts: w.alerter.sent.length, emitted: w.bus.emitted.length };

    const out = await triageEvent(event, w.deps);

    expect(out.outcome).toBe("duplicate");
    expect(w.alerter.sent.length).toBe(before.alerts);
    expect(w.bus.emitted.length).toBe(before.emitted);
  });
});

describe("a finding whose incident was closed", () => {
  it("opens a new incident linked to the closed one, and alerts recurred", async () => {
    const w = world();
    const event = guardDutyFinding(target(A), { severity: 8.5 });
    const first = (await triageEvent(event, w.deps)) as { incidentId: string };
    await w.store.close(first.incidentId);

    const out = (await triageEvent(event, w.deps)) as { outcome: string; incidentId: string };

    expect(out.outcome).toBe("recurred");
    expect(out.incidentId).not.toBe(first.incidentId);
    const second = await w.store.get(out.incidentId);
    expect(second.recurrenceOf).toBe(first.incidentId);
    expect(stages(w)).toEqual(["opened", "recurred"]);
    expect(w.alerter.sent[1]?.text).toContain(first.incidentId);
  });

  it("is the same recurrence for every retry of its event", async () => {
    const w = world();
    const event = guardDutyFinding(target(A), { severity: 8.5 });
    const first = (await triageEvent(event, w.deps)) as { incidentId: string };
    await w.store.close(first.incidentId);
    const second = (await triageEvent(event, w.deps)) as { incidentId: string };

    const again = await triageEvent(event, w.deps);

    expect(again).toMatchObject({ outcome: "duplicate", incidentId: second.incidentId });
    expect(w.store.records.size).toBe(2);
  });
});

describe("drills beside real incidents", () => {
  it("keeps a drill's incident apart from a real finding's on the same instance", async () => {
    const w = world();
    const { wrapDrill } = await import("../../../shared/intake/index.ts");
    const drilled = guardDutyFinding(target(A), { severity: 3 });
    const drill = (await triageEvent(wrapDrill(drilled, "x"), w.deps)) as { incidentId: string };

    // The same finding id, sent for real: an attacker's drill cannot make it a duplicate.
    const real = await triageEvent(
      guardDutyFinding(target(A), { severity: 8.5, id: String((drilled.detail as { id: string }).id) }),
      w.deps,
    );

    expect(real.outcome).toBe("created");
    expect((real as { incidentId: string }).incidentId).not.toBe(drill.incidentId);
  });
});

describe("the containment cap", () => {
  it("reserves a slot per instance before the incident opens, and sends the next instance to a person", async () => {
    const capped = { ...policy, settings: { ...policy.settings, maxContainmentsPerHour: 1 } };
    const w = world({ policy: capped });

    const first = (await triageEvent(guardDutyFinding(target(A), { severity: 8.5 }), w.deps)) as {
      incidentId: string;
    };
    const second = (await triageEvent(guardDutyFinding(target(B), { severity: 8.5 }), w.deps)) as {
      incidentId: string;
    };

    const contain = async (id: string) =>
      (await w.store.get(id)).plan.actions.find((a) => a.name === "contain-instance");
    expect((await contain(first.incidentId))?.requiresApproval).toBe(false);
    expect((await contain(second.incidentId))?.requiresApproval).toBe(true);
    expect((await w.store.get(second.incidentId)).plan.notes.join(" ")).toMatch(
      /circuit open: 1 containment/,
    );
  });

  it("reserves nothing in a dry run", async () => {
    const capped = { ...policy, settings: { ...policy.settings, maxContainmentsPerHour: 1 } };
    const w = world({ policy: capped, dryRun: true });

    await triageEvent(guardDutyFinding(target(A), { severity: 8.5 }), w.deps);
    await triageEvent(guardDutyFinding(target(B), { severity: 8.5 }), w.deps);

    expect(w.store.slots.size).toBe(0);
  });
});
