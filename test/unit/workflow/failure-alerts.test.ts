/**
 * No failure path goes unalerted: errors that stop a lane before it can alert on its own
 * still reach the topic, with the error and what was left undone.
 */
import { DescribeSnapshotsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { scenario } from "../../../cli/drill/scenarios.ts";
import { ec2InstanceReader } from "../../../shared/capture/instances.ts";
import type { StepStatus } from "../../../shared/domain/types.ts";
import { type IncidentRecord, incidentIdFor } from "../../../shared/incident/model.ts";
import type { OpenResult } from "../../../shared/incident/store.ts";
import { normalizeEvent, wrapDrill } from "../../../shared/intake/index.ts";
import { runContainment } from "../../../shared/workflow/contain.ts";
import { runEvidence } from "../../../shared/workflow/evidence.ts";
import { onSnapshotEvent } from "../../../shared/workflow/snapshot-events.ts";
import { triageEvent } from "../../../shared/workflow/triage.ts";
import { anIncident } from "../../support/incidents.ts";
import { policy, RecordingAlerter, RecordingBus, silentLog } from "../../support/lane-deps.ts";
import { MemoryStore } from "../../support/memory-store.ts";

function fresh(overrides: Partial<IncidentRecord> = {}): IncidentRecord {
  const inc = anIncident(overrides);
  return {
    ...inc,
    steps: { triage: inc.steps.triage! },
    alerts: [],
    actions: [],
    timeline: [],
    evidence: {},
    ...overrides,
  };
}

function base(store: MemoryStore) {
  return {
    store,
    alerter: new RecordingAlerter(),
    bus: new RecordingBus(),
    policy,
    log: silentLog,
    dryRun: false,
    evidenceBucket: "acme-evidence",
  };
}

const ec2 = mockClient(EC2Client);

describe("failure alerts", () => {
  beforeEach(() => ec2.reset());

  it("alerts containment-failed when the lane stops on an error before its own alert", async () => {
    // Arrange: the store refuses the containment's result
    class FailingStore extends MemoryStore {
      override async finishStep(id: string, step: string, status: StepStatus, detail: string, extra = {}) {
        if (step === "contain") throw new Error("DynamoDB: ProvisionedThroughputExceeded");
        return super.finishStep(id, step, status, detail, extra);
      }
    }
    const store = new FailingStore();
    const incident = fresh();
    store.seed(incident);
    const deps = { ...base(store), clientsFor: async () => Promise.reject(new Error("AssumeRole denied")) };

    // Act
    const run = runContainment(incident.incidentId, deps);

    // Assert
    await expect(run).rejects.toThrow("ProvisionedThroughputExceeded");
    const alert = deps.alerter.sent.find((a) => a.stage === "containment-failed");
    expect(alert?.text).toContain("containment: Error: DynamoDB: ProvisionedThroughputExceeded");
    expect(alert?.text).toMatch(/NOT confirmed: isolate by hand/);
    expect(alert?.attributes.incidentId).toBe(incident.incidentId);
  });

  it("alerts once, not twice, when the lane alerted on its own outcome", async () => {
    const store = new MemoryStore();
    const incident = fresh();
    store.seed(incident);
    const deps = { ...base(store), clientsFor: async () => Promise.reject(new Error("AssumeRole denied")) };

    await runContainment(incident.incidentId, deps);

    expect(deps.alerter.sent.map((a) => a.stage)).toEqual(["containment-failed"]);
    expect(deps.alerter.sent[0]?.text).toContain("AssumeRole denied");
  });

  it("alerts a failed evidence lane whose clients cannot be built, and rethrows for a retry", async () => {
    const store = new MemoryStore();
    const incident = fresh();
    store.seed(incident);
    const deps = {
      ...base(store),
      s3: new S3Client({ region: "us-east-1" }),
      bucket: "acme-evidence",
      clientsFor: async () => Promise.reject(new Error("AssumeRole denied for 123456789012")),
    };

    await expect(runEvidence(incident.incidentId, deps)).rejects.toThrow("AssumeRole denied");

    const alert = deps.alerter.sent.at(-1);
    expect(alert?.stage).toBe("failed");
    expect(alert?.text).toContain("evidence capture: Error: AssumeRole denied for 123456789012");
    expect(alert?.text).toContain("Evidence may be incomplete");
  });

  it("alerts snapshots that end in error after waiting for completion", async () => {
    // Arrange
    const store = new MemoryStore();
    const incident = fresh();
    incident.steps.snapshots = { status: "waiting", startedAt: incident.createdAt, attempts: 1 };
    incident.evidence = {
      snapshots: [
        { snapshotId: "snap-0aaa", volumeId: "vol-0aaa", state: "pending" },
        { snapshotId: "snap-0bbb", volumeId: "vol-0bbb", state: "pending" },
      ],
    };
    store.seed(incident);
    ec2.on(DescribeSnapshotsCommand).resolves({
      Snapshots: [
        {
          SnapshotId: "snap-0aaa",
          VolumeId: "vol-0aaa",
          State: "error",
          Tags: [{ Key: "incident-responder:incident-id", Value: incident.incidentId }],
        },
        {
          SnapshotId: "snap-0bbb",
          VolumeId: "vol-0bbb",
          State: "completed",
          Tags: [{ Key: "incident-responder:incident-id", Value: incident.incidentId }],
        },
      ],
    });
    const deps = {
      ...base(store),
      s3: new S3Client({ region: "us-east-1" }),
      bucket: "acme-evidence",
      clientsFor: async () =>
        ({
          ec2: new EC2Client({ region: "us-east-1" }),
          instances: ec2InstanceReader(new EC2Client({ region: "us-east-1" })),
        }) as never,
    };
    const event = {
      account: incident.account,
      detail: { snapshot_id: "arn:aws:ec2::us-east-1:snapshot/snap-0aaa", result: "failed" },
    };

    // Act
    await onSnapshotEvent(event, deps).catch(() => undefined);

    // Assert
    const stored = await store.get(incident.incidentId);
    expect(stored.steps.snapshots?.status).toBe("partial");
    const alert = deps.alerter.sent.find((a) => a.stage === "failed");
    expect(alert?.text).toContain("1 of 2 snapshots ended in error");
    expect(alert?.text).toContain("snapshot snap-0aaa: volume vol-0aaa: state error");
  });

  it("resumes an incident whose first triage stopped before its alert", async () => {
    // Arrange: a real GuardDuty event; its incident exists (the first attempt opened it)
    // but no alert went out and no lane started
    const event = wrapDrill(
      scenario("c2").build({
        instanceId: "i-0123456789abcdef0",
        account: "123456789012",
        region: "us-east-1",
      }) as never,
      "c2",
    );
    const intake = normalizeEvent(event);
    if (intake.kind !== "finding") throw new Error("fixture must make a finding");
    const existing = fresh({ incidentId: incidentIdFor(intake.finding), finding: intake.finding });
    class DuplicateStore extends MemoryStore {
      override async open(incident: IncidentRecord): Promise<OpenResult> {
        return { outcome: "duplicate", incidentId: incident.incidentId };
      }
    }
    const store = new DuplicateStore();
    store.records.set(existing.incidentId, existing);
    const deps = { ...base(store), resolve: async () => [] };

    // Act
    const out = await triageEvent(event, deps);

    // Assert
    expect(out).toMatchObject({ outcome: "created", incidentId: existing.incidentId });
    expect(deps.bus.emitted.map((e) => e.detailType)).toEqual(["Incident Opened"]);
    expect(deps.alerter.sent.map((a) => a.stage)).toEqual(["opened"]);
  });

  it("does nothing more for a true duplicate (its incident already alerted)", async () => {
    const event = wrapDrill(
      scenario("c2").build({
        instanceId: "i-0123456789abcdef0",
        account: "123456789012",
        region: "us-east-1",
      }) as never,
      "c2",
    );
    const intake = normalizeEvent(event);
    if (intake.kind !== "finding") throw new Error("fixture must make a finding");
    const existing = fresh({ incidentId: incidentIdFor(intake.finding), finding: intake.finding });
    existing.alerts = [{ stage: "opened", at: existing.createdAt, subject: "x" }];
    class DuplicateStore extends MemoryStore {
      override async open(incident: IncidentRecord): Promise<OpenResult> {
        return { outcome: "duplicate", incidentId: incident.incidentId };
      }
    }
    const store = new DuplicateStore();
    store.records.set(existing.incidentId, existing);
    const deps = { ...base(store), resolve: async () => [] };

    const out = await triageEvent(event, deps);

    expect(out.outcome).toBe("duplicate");
    expect(deps.bus.emitted).toEqual([]);
    expect(deps.alerter.sent).toEqual([]);
  });
});
