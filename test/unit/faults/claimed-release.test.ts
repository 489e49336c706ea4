/**
 * A step whose work fails while the incident table is failing too (an outage of the AWS APIs):
 * its claim must still be released — recorded `failed` once the table answers again — or every
 * retry of the event would find the step `running` and leave it alone until its lease ran out.
 */
import { describe, expect, it } from "vitest";
import type { StepStatus } from "../../../shared/domain/types.ts";
import type { IncidentRecord } from "../../../shared/incident/model.ts";
import { runStep } from "../../../shared/workflow/steps.ts";
import { anIncident } from "../../support/incidents.ts";
import { RecordingAlerter, silentLog } from "../../support/lane-deps.ts";
import { MemoryStore } from "../../support/memory-store.ts";

/** What the SDK throws when nothing answers on the endpoint. */
const refused = () =>
  Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:4566"), { code: "ECONNREFUSED" });

/** A store whose writes fail `failures` times with `error`, then work. */
class FlakyStore extends MemoryStore {
  writes = 0;
  constructor(
    private failures: number,
    private readonly error: () => Error,
  ) {
    super();
  }
  override async finishStep(id: string, step: string, status: StepStatus, detail: string, extra = {}) {
    this.writes++;
    if (this.failures-- > 0) throw this.error();
    return super.finishStep(id, step, status, detail, extra);
  }
}

async function claimAndFail(store: MemoryStore, incident: IncidentRecord): Promise<unknown> {
  const deps = { store, alerter: new RecordingAlerter(), log: silentLog };
  return runStep(deps, {
    incident,
    step: "snapshots",
    lane: "evidence",
    work: async () => {
      throw new Error("CreateTags: connect ECONNREFUSED");
    },
  }).catch((err: unknown) => err);
}

describe("releasing a failed step's claim", () => {
  it("records the step failed once the table answers again, so a retry can claim it at once", async () => {
    // Arrange: the table refuses the first two writes
    const store = new FlakyStore(2, refused);
    const incident = anIncident({ steps: {} });
    store.seed(incident);

    // Act
    const err = await claimAndFail(store, incident);

    // Assert
    expect(String(err)).toContain("CreateTags");
    expect(store.writes).toBe(3);
    expect((await store.get(incident.incidentId)).steps.snapshots?.status).toBe("failed");
    expect(await store.claimStep(incident.incidentId, "snapshots")).toBe(true);
  });

  it("retries a 5xx the SDK could not read (an HTML error page)", async () => {
    const html500 = () =>
      Object.assign(new Error("Deserialization error: Unexpected token '<'"), {
        $metadata: { httpStatusCode: 500 },
      });
    const store = new FlakyStore(1, html500);
    const incident = anIncident({ steps: {} });
    store.seed(incident);

    await claimAndFail(store, incident);

    expect((await store.get(incident.incidentId)).steps.snapshots?.status).toBe("failed");
  });

  it("gives up at once on an error that a retry would not cure", async () => {
    const store = new FlakyStore(5, () => new Error("AccessDeniedException: not allowed"));
    const incident = anIncident({ steps: {} });
    store.seed(incident);

    await claimAndFail(store, incident);

    expect(store.writes).toBe(1);
    expect((await store.get(incident.incidentId)).steps.snapshots?.status).toBe("running");
  });
});
