/**
 * EBS completion events count only from the incident's own account and only for the snapshots
 * the responder recorded creating: an event from another account, or naming a snapshot someone
 * else created and tagged with the incident's id, changes nothing on the record.
 */
import { readFileSync } from "node:fs";
import { DescribeSnapshotsCommand, EC2Client, type Snapshot } from "@aws-sdk/client-ec2";
import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { ec2InstanceReader } from "../../../shared/capture/instances.ts";
import type { IncidentRecord } from "../../../shared/incident/model.ts";
import {
  judgeSnapshotEvent,
  onSnapshotEvent,
  snapshotIdsOf,
} from "../../../shared/workflow/snapshot-events.ts";
import { anIncident } from "../../support/incidents.ts";
import { policy, RecordingAlerter, RecordingBus } from "../../support/lane-deps.ts";
import { MemoryStore } from "../../support/memory-store.ts";

const TAG = "incident-responder:incident-id";
const ec2 = mockClient(EC2Client);
const s3 = mockClient(S3Client);

/** AWS's own multi-volume completion event (test/fixtures/ebs), re-aimed at these snapshots. */
function completionEvent(account: string, ids: string[]) {
  const e = JSON.parse(
    readFileSync(new URL("../../fixtures/ebs/EBS_createSnapshots_succeeded.json", import.meta.url), "utf8"),
  );
  e.account = account;
  e.detail.snapshots = ids.map((id) => ({
    snapshot_id: `arn:aws:ec2::us-east-1:snapshot/${id}`,
    source: "arn:aws:ec2::us-east-1:volume/vol-0aaa",
    status: "completed",
  }));
  return e;
}

function waitingIncident(): IncidentRecord {
  const inc = anIncident();
  return {
    ...inc,
    steps: {
      triage: inc.steps.triage!,
      snapshots: { status: "waiting", startedAt: inc.createdAt, attempts: 1 },
    },
    evidence: {
      snapshots: [
        { snapshotId: "snap-0aaa1111", volumeId: "vol-0aaa", deviceName: "/dev/xvda", state: "pending" },
        { snapshotId: "snap-0bbb2222", volumeId: "vol-0bbb", deviceName: "/dev/sdf", state: "pending" },
      ],
    },
  };
}

/** EC2 as the event's account sees it: every snapshot here is tagged with the incident's id. */
function ec2Holds(incidentId: string, snapshots: Snapshot[]): void {
  const tagged = snapshots.map((s) => ({ ...s, Tags: [{ Key: TAG, Value: incidentId }] }));
  ec2
    .on(DescribeSnapshotsCommand)
    .callsFake((input: { SnapshotIds?: string[]; Filters?: { Values?: string[] }[] }) => {
      const wanted = input.SnapshotIds ?? input.Filters?.[0]?.Values ?? [];
      return { Snapshots: tagged.filter((s) => wanted.includes(s.SnapshotId ?? "")) };
    });
}

describe("EBS completion events", () => {
  let store: MemoryStore;
  let incident: IncidentRecord;
  let warnings: { message: string; extra: Record<string, unknown>[] }[];
  let deps: Parameters<typeof onSnapshotEvent>[1];

  beforeEach(async () => {
    ec2.reset();
    store = new MemoryStore();
    incident = waitingIncident();
    store.seed(incident);
    warnings = [];
    deps = {
      store,
      alerter: new RecordingAlerter(),
      bus: new RecordingBus(),
      policy,
      log: {
        info: () => undefined,
        error: () => undefined,
        warn: (message, ...extra) => warnings.push({ message, extra }),
      },
      dryRun: false,
      s3: new S3Client({ region: "us-east-1" }),
      bucket: "acme-evidence",
      clientsFor: async () =>
        ({
          ec2: new EC2Client({ region: "us-east-1" }),
          instances: ec2InstanceReader(new EC2Client({ region: "us-east-1" })),
        }) as never,
    };
  });

  it("completes the snapshot step when the incident's own account reports its recorded snapshots", async () => {
    ec2Holds(incident.incidentId, [
      { SnapshotId: "snap-0aaa1111", VolumeId: "vol-0aaa", State: "completed" },
      { SnapshotId: "snap-0bbb2222", VolumeId: "vol-0bbb", State: "completed" },
    ]);

    const updated = await onSnapshotEvent(
      completionEvent(incident.account, ["snap-0aaa1111", "snap-0bbb2222"]),
      deps,
    );

    expect(updated).toEqual([incident.incidentId]);
    const stored = await store.get(incident.incidentId);
    expect(stored.steps.snapshots?.status).toBe("ok");
    expect(stored.evidence?.snapshots).toEqual([
      { snapshotId: "snap-0aaa1111", volumeId: "vol-0aaa", deviceName: "/dev/xvda", state: "completed" },
      { snapshotId: "snap-0bbb2222", volumeId: "vol-0bbb", deviceName: "/dev/sdf", state: "completed" },
    ]);
  });

  it("seals the evidence when the event completes the last lane: the manifest is written then, once, and not before", async () => {
    // Arrange: the artifacts lane is done; only the snapshots were pending. S3 as an empty
    // Object Lock bucket: nothing there yet, every write accepted.
    s3.reset();
    const written = new Map<string, { ContentLength: number; ChecksumSHA256?: string; VersionId: string }>();
    s3.on(PutObjectCommand).callsFake(
      (input: { Key?: string; Body?: string | Uint8Array; ChecksumSHA256?: string }) => {
        const VersionId = `v${written.size + 1}`;
        const length =
          typeof input.Body === "string" ? Buffer.byteLength(input.Body) : (input.Body?.length ?? 0);
        const { ChecksumSHA256 } = input;
        written.set(input.Key ?? "", {
          ContentLength: length,
          VersionId,
          ...(ChecksumSHA256 ? { ChecksumSHA256 } : {}),
        });
        return { VersionId, ...(ChecksumSHA256 ? { ChecksumSHA256 } : {}) };
      },
    );
    s3.on(HeadObjectCommand).callsFake((input: { Key?: string }) => {
      const found = written.get(input.Key ?? "");
      if (found) return found;
      throw Object.assign(new Error("NotFound"), { name: "NotFound", $metadata: { httpStatusCode: 404 } });
    });
    store.seed({
      ...incident,
      steps: {
        ...incident.steps,
        artifacts: { status: "ok", startedAt: incident.createdAt, endedAt: incident.createdAt, attempts: 1 },
      },
      evidence: { ...incident.evidence, artifacts: [] },
    });
    const manifestKey = `incidents/${incident.incidentId}/manifest.json`;
    const manifestWrites = () =>
      s3.commandCalls(PutObjectCommand).filter((c) => c.args[0].input.Key === manifestKey);
    // One snapshot still pending: nothing is sealed yet.
    ec2Holds(incident.incidentId, [
      { SnapshotId: "snap-0aaa1111", VolumeId: "vol-0aaa", State: "completed" },
      { SnapshotId: "snap-0bbb2222", VolumeId: "vol-0bbb", State: "pending" },
    ]);
    await onSnapshotEvent(completionEvent(incident.account, ["snap-0aaa1111"]), deps);
    expect(manifestWrites()).toHaveLength(0);
    expect((await store.get(incident.incidentId)).steps.manifest).toBeUndefined();
    ec2Holds(incident.incidentId, [
      { SnapshotId: "snap-0aaa1111", VolumeId: "vol-0aaa", State: "completed" },
      { SnapshotId: "snap-0bbb2222", VolumeId: "vol-0bbb", State: "completed" },
    ]);

    // Act: the last completion event, and a copy of it
    await onSnapshotEvent(completionEvent(incident.account, ["snap-0aaa1111", "snap-0bbb2222"]), deps);
    await onSnapshotEvent(completionEvent(incident.account, ["snap-0aaa1111", "snap-0bbb2222"]), deps);

    // Assert
    const stored = await store.get(incident.incidentId);
    expect(stored.steps.manifest?.status).toBe("ok");
    expect(stored.evidence?.manifestKey).toBe(manifestKey);
    expect(manifestWrites()).toHaveLength(1);
  });

  it("changes nothing for the same snapshots reported from another account", async () => {
    ec2Holds(incident.incidentId, [
      { SnapshotId: "snap-0aaa1111", VolumeId: "vol-0aaa", State: "completed" },
      { SnapshotId: "snap-0bbb2222", VolumeId: "vol-0bbb", State: "completed" },
    ]);
    const before = await store.get(incident.incidentId);

    const updated = await onSnapshotEvent(
      completionEvent("999988887777", ["snap-0aaa1111", "snap-0bbb2222"]),
      deps,
    );

    expect(updated).toEqual([]);
    expect(await store.get(incident.incidentId)).toEqual(before);
    expect(warnings[0]?.extra[0]).toMatchObject({
      incidentId: incident.incidentId,
      reason: expect.stringContaining("account 999988887777"),
    });
  });

  it("changes nothing for a snapshot the responder did not create, even tagged with the incident's id", async () => {
    // Someone in the account created snap-0eee and tagged it: it must not join the evidence.
    ec2Holds(incident.incidentId, [
      { SnapshotId: "snap-0aaa1111", VolumeId: "vol-0aaa", State: "completed" },
      { SnapshotId: "snap-0bbb2222", VolumeId: "vol-0bbb", State: "completed" },
      { SnapshotId: "snap-0eee9999", VolumeId: "vol-0eee", State: "completed" },
    ]);
    const before = await store.get(incident.incidentId);

    const updated = await onSnapshotEvent(
      completionEvent(incident.account, ["snap-0aaa1111", "snap-0eee9999"]),
      deps,
    );

    expect(updated).toEqual([]);
    expect(await store.get(incident.incidentId)).toEqual(before);
    expect(String(warnings[0]?.extra[0]?.reason)).toContain("snap-0eee9999");
  });

  it("never adds a snapshot to the record: only the recorded ones are read back", async () => {
    ec2Holds(incident.incidentId, [
      { SnapshotId: "snap-0aaa1111", VolumeId: "vol-0aaa", State: "completed" },
      { SnapshotId: "snap-0bbb2222", VolumeId: "vol-0bbb", State: "completed" },
      { SnapshotId: "snap-0eee9999", VolumeId: "vol-0eee", State: "completed" },
    ]);

    await onSnapshotEvent(completionEvent(incident.account, ["snap-0aaa1111"]), deps);

    const ids = (await store.get(incident.incidentId)).evidence?.snapshots?.map((s) => s.snapshotId);
    expect(ids).toEqual(["snap-0aaa1111", "snap-0bbb2222"]);
  });

  it("reports a recorded snapshot that has disappeared as lost evidence", async () => {
    ec2Holds(incident.incidentId, [
      { SnapshotId: "snap-0aaa1111", VolumeId: "vol-0aaa", State: "completed" },
    ]);

    await onSnapshotEvent(completionEvent(incident.account, ["snap-0aaa1111"]), deps);

    const stored = await store.get(incident.incidentId);
    expect(stored.steps.snapshots?.status).toBe("partial");
    expect(stored.evidence?.snapshots?.find((s) => s.snapshotId === "snap-0bbb2222")?.state).toBe("missing");
  });

  it("ignores an event naming snapshots that do not exist", async () => {
    ec2.on(DescribeSnapshotsCommand).rejects(
      Object.assign(new Error("The snapshot 'snap-0fff' does not exist."), {
        name: "InvalidSnapshot.NotFound",
      }),
    );

    expect(await onSnapshotEvent(completionEvent(incident.account, ["snap-0fff0000"]), deps)).toEqual([]);
    expect(warnings).toHaveLength(1);
  });
});

describe("judgeSnapshotEvent", () => {
  const incident = waitingIncident();

  it("accepts the incident's own account naming only recorded snapshots", () => {
    expect(judgeSnapshotEvent(incident, incident.account, ["snap-0bbb2222"])).toEqual({ accepted: true });
  });

  it("refuses another account, and any snapshot not recorded", () => {
    expect(judgeSnapshotEvent(incident, "999988887777", ["snap-0aaa1111"]).accepted).toBe(false);
    expect(judgeSnapshotEvent(incident, incident.account, ["snap-0aaa1111", "snap-01234567"]).accepted).toBe(
      false,
    );
    expect(
      judgeSnapshotEvent({ ...incident, evidence: {} }, incident.account, ["snap-0aaa1111"]).accepted,
    ).toBe(false);
  });

  it("reads the snapshot ids of both kinds of completion event", () => {
    const single = JSON.parse(
      readFileSync(new URL("../../fixtures/ebs/EBS_createSnapshot_succeeded.json", import.meta.url), "utf8"),
    );
    const multi = JSON.parse(
      readFileSync(new URL("../../fixtures/ebs/EBS_createSnapshots_succeeded.json", import.meta.url), "utf8"),
    );

    expect(snapshotIdsOf(single.detail)).toEqual(["snap-01234567"]);
    expect(snapshotIdsOf(multi.detail)).toEqual(["snap-01234567", "snap-012345678"]);
    expect(snapshotIdsOf({ snapshot_id: "snap-../../x" })).toEqual([]);
  });
});
