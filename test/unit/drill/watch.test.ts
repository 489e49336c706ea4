import { describe, expect, it } from "vitest";
import { waitForSettled } from "../../../cli/drill/watch.ts";
import { MemoryStore } from "../../support/memory-store.ts";
import { anIncident, INCIDENT_ID } from "../cleanroom/fakes.ts";

const serverError = () =>
  Object.assign(new Error("Deserialization error: <!doctype html>"), { $metadata: { httpStatusCode: 500 } });
const accessDenied = () =>
  Object.assign(new Error("not authorized"), {
    name: "AccessDeniedException",
    $metadata: { httpStatusCode: 403 },
  });

/** A store whose reads fail `failures` times with `error` before answering. */
class FlakyStore extends MemoryStore {
  constructor(
    private failures: number,
    private readonly error: () => Error,
  ) {
    super();
  }
  override async get(incidentId: string) {
    if (this.failures-- > 0) throw this.error();
    return super.get(incidentId);
  }
}

const settled = anIncident({
  plan: {
    playbook: "p",
    actions: [{ name: "contain-instance", params: {}, requiresApproval: false }],
    notes: [],
  },
  steps: {
    triage: { status: "ok", startedAt: "x", attempts: 1 },
    contain: { status: "verified", startedAt: "x", attempts: 1 },
  },
});

describe("waitForSettled", () => {
  it("keeps watching through reads that fail for a passing reason (a 5xx, even with an HTML body)", async () => {
    const store = new FlakyStore(3, serverError);
    store.records.set(INCIDENT_ID, settled);

    const out = await waitForSettled(store, INCIDENT_ID, { timeoutMs: 5_000, intervalMs: 1 });

    expect(out.settled).toBe(true);
  });

  it("stops at once on a read that fails for good", async () => {
    const store = new FlakyStore(1, accessDenied);
    store.records.set(INCIDENT_ID, settled);

    await expect(waitForSettled(store, INCIDENT_ID, { timeoutMs: 5_000 })).rejects.toThrow(/not authorized/);
  });
});
