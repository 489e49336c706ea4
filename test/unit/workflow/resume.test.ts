import { describe, expect, it } from "vitest";
import type { StepRecord } from "../../../shared/incident/model.ts";
import { actionsFor, MAX_RESUMES, resumeStalled, stalledSteps } from "../../../shared/workflow/resume.ts";
import { policy, RecordingAlerter, RecordingBus, silentLog } from "../../support/lane-deps.ts";
import { MemoryStore } from "../../support/memory-store.ts";
import { anIncident, INCIDENT_ID } from "../cleanroom/fakes.ts";

const NOW = Date.parse("2026-03-01T10:30:00.000Z");
const running = (leaseUntil: number): StepRecord => ({
  status: "running",
  startedAt: "2026-03-01T10:00:01.000Z",
  attempts: 1,
  leaseUntil,
});

function setup(steps: Record<string, StepRecord>) {
  const store = new MemoryStore();
  const incident = anIncident({
    plan: {
      playbook: "p",
      actions: [
        { name: "contain-instance", params: {}, requiresApproval: false },
        { name: "capture-snapshots", params: {}, requiresApproval: false },
        { name: "collect-artifacts", params: {}, requiresApproval: false },
      ],
      notes: [],
    },
    steps: { triage: { status: "ok", startedAt: "x", attempts: 1 }, ...steps },
  });
  store.records.set(INCIDENT_ID, incident);
  const alerter = new RecordingAlerter();
  const bus = new RecordingBus();
  const deps = { store, alerter, bus, policy, log: silentLog, dryRun: false, now: () => new Date(NOW) };
  return { store, alerter, bus, deps, incident };
}

describe("stalled lanes", () => {
  it("are the lane steps still running after their lease ran out", () => {
    const { incident } = setup({
      contain: running(NOW - 1),
      snapshots: running(NOW + 60_000),
      artifacts: { status: "ok", startedAt: "x", attempts: 1 },
      cleanroom: running(NOW - 1),
    });
    expect(stalledSteps(incident, NOW)).toEqual(["contain"]);
    expect(stalledSteps({ ...incident, status: "closed" }, NOW)).toEqual([]);
  });

  it("start again through the planned actions of their lane", () => {
    const { incident } = setup({});
    expect(actionsFor(incident, ["contain"])).toEqual(["contain-instance"]);
    expect(actionsFor(incident, ["manifest"])).toEqual(["capture-snapshots", "collect-artifacts"]);
    const noArtifacts = {
      ...incident,
      plan: {
        ...incident.plan,
        actions: incident.plan.actions.filter((a) => a.name !== "collect-artifacts"),
      },
    };
    expect(actionsFor(noArtifacts, ["manifest"])).toEqual(["capture-snapshots"]);
  });

  it("are re-driven by the scheduled run, recorded on the timeline and alerted", async () => {
    const { deps, bus, alerter, store } = setup({ contain: running(NOW - 1), snapshots: running(NOW - 1) });

    const out = await resumeStalled(deps);

    expect(out).toEqual([{ incidentId: INCIDENT_ID, resumed: ["contain", "snapshots"], abandoned: [] }]);
    expect(bus.emitted).toEqual([
      {
        detailType: "Incident Opened",
        detail: {
          incidentId: INCIDENT_ID,
          actions: ["capture-snapshots", "contain-instance"],
          account: anIncident().account,
          resumed: true,
        },
      },
    ]);
    const notes = (await store.get(INCIDENT_ID)).timeline.filter((t) => t.step.startsWith("resume:"));
    expect(notes.map((n) => n.step)).toEqual(["resume:contain", "resume:snapshots"]);
    expect(notes[0]?.detail).toMatch(/worker stopped before finishing.*started again \(1 of 3\)/);
    expect(alerter.sent.map((a) => a.stage)).toEqual(["containment-failed"]);
  });

  it("leaves alone steps whose worker is alive, and incidents with nothing stalled", async () => {
    const { deps, bus, alerter } = setup({ contain: running(NOW + 1000) });
    expect(await resumeStalled(deps)).toEqual([]);
    expect(bus.emitted).toEqual([]);
    expect(alerter.sent).toEqual([]);
  });

  it(`give up after ${MAX_RESUMES} restarts: the step is recorded as failed and alerted`, async () => {
    const { deps, bus, alerter, store } = setup({ artifacts: running(NOW - 1) });
    const record = store.records.get(INCIDENT_ID);
    for (let i = 0; i < MAX_RESUMES; i++)
      record?.timeline.push({ at: "x", step: "resume:artifacts", status: "info", detail: "earlier" });

    const out = await resumeStalled(deps);

    expect(out).toEqual([{ incidentId: INCIDENT_ID, resumed: [], abandoned: ["artifacts"] }]);
    expect(bus.emitted).toEqual([]);
    const step = (await store.get(INCIDENT_ID)).steps.artifacts;
    expect(step?.status).toBe("failed");
    expect(step?.detail).toMatch(/stopped 4 times before finishing/);
    expect(alerter.sent.map((a) => a.stage)).toEqual(["failed"]);
    expect(JSON.stringify(alerter.sent[0])).toMatch(/Given up after 3 restarts: artifacts/);
  });
});
