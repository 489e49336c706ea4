/**
 * Copies of an event that arrive while the attempt that opened the incident is still
 * announcing it are duplicates; only a retry after that attempt gave up (or timed out)
 * starts the lanes and sends the missing alerts — once.
 */
import { describe, expect, it } from "vitest";
import { AwsCallError } from "../../../shared/errors/index.ts";
import type { EventPublisher } from "../../../shared/events/bus.ts";
import type { IncidentRecord } from "../../../shared/incident/model.ts";
import type { OpenResult } from "../../../shared/incident/store.ts";
import { ANNOUNCE_GRACE_MS, type TriageDeps, triageEvent } from "../../../shared/workflow/triage.ts";
import { guardDutyFinding } from "../../support/findings.ts";
import { policy, RecordingAlerter, RecordingBus, silentLog } from "../../support/lane-deps.ts";
import { MemoryStore } from "../../support/memory-store.ts";

/** Opens once per incident id, like the DynamoDB store's markers. */
class OnceStore extends MemoryStore {
  override async open(incident: IncidentRecord): Promise<OpenResult> {
    if (this.records.has(incident.incidentId))
      return { outcome: "duplicate", incidentId: incident.incidentId };
    return super.open(incident);
  }
}

class RefusingBus implements EventPublisher {
  async emit(): Promise<void> {
    throw new AwsCallError("PutEvents", "ThrottlingException", true);
  }
}

const event = guardDutyFinding({
  instanceId: "i-0123456789abcdef0",
  account: "123456789012",
  region: "us-east-1",
});

function deps(store: MemoryStore, over: Partial<TriageDeps> = {}) {
  const alerter = new RecordingAlerter();
  const bus = new RecordingBus();
  const d: TriageDeps = {
    store,
    alerter,
    bus,
    policy,
    log: silentLog,
    dryRun: false,
    resolve: async () => [],
    ...over,
  };
  return { deps: d, alerter, bus };
}

const onlyIncident = (store: MemoryStore) => [...store.records.values()][0] as IncidentRecord;

describe("triage of repeated events", () => {
  it("treats a copy that arrives before the opened alert is recorded as a duplicate", async () => {
    const store = new OnceStore();
    await triageEvent(event, deps(store).deps);
    // The first attempt is still announcing: its opened alert is not recorded yet.
    onlyIncident(store).alerts = [];
    const copy = deps(store);

    const out = await triageEvent(event, copy.deps);

    expect(out.outcome).toBe("duplicate");
    expect(copy.bus.emitted).toEqual([]);
    expect(copy.alerter.sent).toEqual([]);
  });

  it("records that the first attempt gave up, and rethrows for a retry", async () => {
    const store = new OnceStore();

    await expect(triageEvent(event, deps(store, { bus: new RefusingBus() }).deps)).rejects.toBeInstanceOf(
      AwsCallError,
    );

    expect(onlyIncident(store).timeline.at(-1)).toMatchObject({
      step: "announce",
      status: "failed",
      error: expect.stringMatching(/ThrottlingException/),
    });
  });

  it("resumes on the retry after the first attempt gave up, once", async () => {
    const store = new OnceStore();
    await triageEvent(event, deps(store, { bus: new RefusingBus() }).deps).catch(() => undefined);
    const retry = deps(store);
    const copy = deps(store);

    const [first, second] = await Promise.all([
      triageEvent(event, retry.deps),
      triageEvent(event, copy.deps),
    ]);

    expect([first.outcome, second.outcome].sort()).toEqual(["created", "duplicate"]);
    expect([...retry.bus.emitted, ...copy.bus.emitted].map((e) => e.detailType)).toEqual(["Incident Opened"]);
    expect([...retry.alerter.sent, ...copy.alerter.sent].map((a) => a.stage)).toEqual(["opened"]);
    expect(onlyIncident(store).steps.announce).toMatchObject({ status: "ok" });
  });

  it("resumes an incident left silent past the grace period (the first attempt timed out)", async () => {
    const store = new OnceStore();
    await triageEvent(event, deps(store).deps);
    onlyIncident(store).alerts = [];
    const later = deps(store, {
      now: () => new Date(Date.parse(onlyIncident(store).createdAt) + ANNOUNCE_GRACE_MS + 1000),
    });

    const out = await triageEvent(event, later.deps);

    expect(out.outcome).toBe("created");
    expect(later.alerter.sent.map((a) => a.stage)).toEqual(["opened"]);
  });
});
