/**
 * The one step runner (shared/workflow/steps.ts): a failure after the work recorded the step's
 * end keeps that end (the step is not reopened, so a retry does not do it again); a failure
 * before it records the step failed, only while this worker's claim holds it.
 */
import {
  CreateSnapshotsCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  LockSnapshotCommand,
  ModifySnapshotTierCommand,
} from "@aws-sdk/client-ec2";
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { ec2InstanceReader } from "../../../shared/capture/instances.ts";
import type { IncidentRecord, TimelineEntry } from "../../../shared/incident/model.ts";
import { runEvidence } from "../../../shared/workflow/evidence.ts";
import { endStep, runStep } from "../../../shared/workflow/steps.ts";
import { anIncident } from "../../support/incidents.ts";
import { policy, RecordingAlerter, RecordingBus, silentLog } from "../../support/lane-deps.ts";
import { MemoryStore } from "../../support/memory-store.ts";

/** What the SDK throws on the emulator's passing 500. */
const transient500 = () =>
  Object.assign(new Error("We encountered an internal error. Please try again."), {
    name: "InternalFailure",
    $fault: "server",
    $metadata: { httpStatusCode: 500 },
  });

/** A store whose timeline notes fail once for `step` (a passing 500), then work. */
class NoteFailsOnce extends MemoryStore {
  failed = 0;
  constructor(private readonly step: string) {
    super();
  }
  override async note(id: string, entry: Omit<TimelineEntry, "at">, set?: Record<string, unknown>) {
    if (entry.step === this.step && this.failed++ === 0) throw transient500();
    return super.note(id, entry, set);
  }
}

function fresh(overrides: Partial<IncidentRecord> = {}): IncidentRecord {
  const inc = anIncident();
  return {
    ...inc,
    steps: { triage: inc.steps.triage! },
    alerts: [],
    actions: [],
    timeline: [],
    ...overrides,
  };
}

const deps = (store: MemoryStore) => ({ store, alerter: new RecordingAlerter(), log: silentLog });

describe("a step whose work throws after it recorded the step's end", () => {
  it("keeps the end it recorded, and a retry does not run the work again", async () => {
    // Arrange
    const store = new MemoryStore();
    const incident = fresh();
    store.seed(incident);
    let runs = 0;
    const run = {
      incident,
      step: "snapshots",
      lane: "evidence" as const,
      work: async () => {
        runs++;
        await endStep(deps(store), incident.incidentId, "snapshots", {
          status: "ok",
          detail: "1 snapshots completed",
          actions: [{ name: "snapshot-lock", target: "snap-1", status: "ok", detail: "locked" }],
        });
        throw transient500();
      },
    };

    // Act
    const err = await runStep(deps(store), run).catch((e: unknown) => e);
    const retry = await runStep(deps(store), run);

    // Assert
    expect(String(err)).toContain("internal error");
    expect(retry).toBeUndefined();
    expect(runs).toBe(1);
    const after = await store.get(incident.incidentId);
    expect(after.steps.snapshots?.status).toBe("ok");
    expect(after.actions.filter((a) => a.name === "snapshot-lock")).toHaveLength(1);
    expect(after.timeline.filter((e) => e.step === "snapshots").map((e) => e.status)).toEqual(["ok"]);
  });

  it("sends no failure alert over the end's own: the retry resends the missing one", async () => {
    const store = new MemoryStore();
    const incident = fresh();
    store.seed(incident);
    const d = deps(store);
    const alerts = {
      stages: ["contained" as const],
      resend: () => ({ stage: "contained" as const, summary: "Containment verified" }),
      failure: { what: "containment", stage: "containment-failed" as const, leftToDo: [] },
    };

    await runStep(d, {
      incident,
      step: "contain",
      lane: "contain",
      alerts,
      work: async () => {
        await endStep(d, incident.incidentId, "contain", { status: "verified", detail: "verified" });
        throw transient500(); // the alert of the end could not be sent
      },
    }).catch(() => undefined);
    await runStep(d, {
      incident: await store.get(incident.incidentId),
      step: "contain",
      lane: "contain",
      alerts,
      work: async () => undefined,
    });

    expect(d.alerter.sent.map((a) => a.stage)).toEqual(["contained"]);
    expect((await store.get(incident.incidentId)).steps.contain?.status).toBe("verified");
  });
});

describe("a step whose work throws before it recorded the step's end", () => {
  it("is recorded failed under its own claim, and a retry claims it again", async () => {
    const store = new MemoryStore();
    const incident = fresh();
    store.seed(incident);
    let runs = 0;
    const run = {
      incident,
      step: "artifacts",
      lane: "evidence" as const,
      work: async () => {
        runs++;
        throw transient500();
      },
    };

    await runStep(deps(store), run).catch(() => undefined);
    const failed = (await store.get(incident.incidentId)).steps.artifacts;
    await runStep(deps(store), run).catch(() => undefined);

    expect(failed?.status).toBe("failed");
    expect(failed?.error).toContain("internal error");
    expect(runs).toBe(2);
  });

  it("leaves the step alone when another worker has claimed it since (this claim's lease ran out)", async () => {
    const store = new MemoryStore();
    const incident = fresh();
    store.seed(incident);

    await runStep(deps(store), {
      incident,
      step: "artifacts",
      lane: "evidence",
      work: async () => {
        // This worker stalls past its lease; another takes the step over.
        const held = store.records.get(incident.incidentId)?.steps.artifacts;
        if (held) held.leaseUntil = 0;
        expect(await store.claimStep(incident.incidentId, "artifacts", 60_000, "other-worker")).toBe(true);
        throw transient500();
      },
    }).catch(() => undefined);

    const step = (await store.get(incident.incidentId)).steps.artifacts;
    expect(step?.status).toBe("running");
    expect(step?.claim).toBe("other-worker");
  });
});

describe("the evidence lane's snapshot step when a note after its end fails (a passing 500)", () => {
  const ec2 = mockClient(EC2Client);
  const s3 = mockClient(S3Client);
  beforeEach(() => {
    ec2.reset();
    s3.reset();
    ec2.on(DescribeInstancesCommand).resolves({
      Reservations: [
        {
          Instances: [
            {
              InstanceId: "i-0123456789abcdef0",
              BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeId: "vol-0aaa" } }],
            },
          ],
        },
      ],
    });
    ec2.on(DescribeSnapshotsCommand).callsFake(async (input: { SnapshotIds?: string[] }) => ({
      Snapshots: input.SnapshotIds
        ? [{ SnapshotId: "snap-0aaa", VolumeId: "vol-0aaa", State: "completed", Progress: "100%" }]
        : [],
    }));
    ec2.on(CreateSnapshotsCommand).resolves({
      Snapshots: [{ SnapshotId: "snap-0aaa", VolumeId: "vol-0aaa", State: "pending" }],
    });
    ec2.on(CreateTagsCommand).resolves({});
    ec2.on(LockSnapshotCommand).resolves({});
    ec2.on(ModifySnapshotTierCommand).resolves({});
  });

  it("locks and records the lock once: the retry of the event does not take the step again", async () => {
    // Arrange: snapshots locked and archived; the manifest is out of this test (sealed already)
    const store = new NoteFailsOnce("snapshot-archive-tier");
    const base = anIncident();
    const incident = fresh({
      plan: {
        ...base.plan,
        actions: [{ name: "capture-snapshots", params: { archiveTier: true }, requiresApproval: false }],
      },
      steps: {
        triage: base.steps.triage!,
        manifest: { status: "ok", startedAt: base.createdAt, attempts: 1 },
      },
    });
    store.seed(incident);
    const lane = {
      store,
      alerter: new RecordingAlerter(),
      bus: new RecordingBus(),
      policy,
      log: silentLog,
      dryRun: false,
      evidenceBucket: "acme-evidence",
      s3: new S3Client({ region: "us-east-1" }),
      bucket: "acme-evidence",
      clientsFor: async () =>
        ({
          ec2: new EC2Client({ region: "us-east-1" }),
          instances: ec2InstanceReader(new EC2Client({ region: "us-east-1" })),
        }) as never,
    };

    // Act: the first delivery fails on the note; the event is delivered again
    const first = await runEvidence(incident.incidentId, lane).catch((e: unknown) => e);
    await runEvidence(incident.incidentId, lane);

    // Assert
    expect(String(first)).toContain("internal error");
    const after = await store.get(incident.incidentId);
    expect(after.steps.snapshots?.status).toBe("ok");
    expect(ec2.commandCalls(LockSnapshotCommand)).toHaveLength(1);
    expect(after.actions.filter((a) => a.name === "snapshot-lock")).toHaveLength(1);
    expect(after.timeline.filter((e) => e.step === "snapshot-lock")).toHaveLength(1);
    expect(after.timeline.filter((e) => e.step === "snapshots").map((e) => e.status)).toEqual(["ok"]);
  });

  it("writes the lock note with the step's end: a note that fails cannot lose it", async () => {
    const store = new NoteFailsOnce("snapshot-lock");
    const base = anIncident();
    const incident = fresh({
      plan: { ...base.plan, actions: [{ name: "capture-snapshots", params: {}, requiresApproval: false }] },
      steps: {
        triage: base.steps.triage!,
        manifest: { status: "ok", startedAt: base.createdAt, attempts: 1 },
      },
    });
    store.seed(incident);

    await runEvidence(incident.incidentId, {
      store,
      alerter: new RecordingAlerter(),
      bus: new RecordingBus(),
      policy,
      log: silentLog,
      dryRun: false,
      s3: new S3Client({ region: "us-east-1" }),
      bucket: "acme-evidence",
      clientsFor: async () =>
        ({
          ec2: new EC2Client({ region: "us-east-1" }),
          instances: ec2InstanceReader(new EC2Client({ region: "us-east-1" })),
        }) as never,
    });

    const after = await store.get(incident.incidentId);
    const ended = after.timeline.findIndex((e) => e.step === "snapshots");
    expect(after.timeline[ended + 1]).toMatchObject({ step: "snapshot-lock", status: "ok" });
    expect(after.timeline[ended + 1]?.at).toBe(after.timeline[ended]?.at);
    expect(store.failed).toBe(0);
  });
});
