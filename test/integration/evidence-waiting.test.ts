/**
 * The evidence lane that waits, through the real lanes: on AWS a snapshot takes minutes, the
 * evidence lane records its snapshot step `waiting` and ends, and the EBS completion event
 * brings it back to seal the incident. The emulator completes snapshots at once, so here EC2's
 * answers about snapshots (CreateSnapshots, DescribeSnapshots) say `pending` — the answer
 * rewriter of the session's hooks (cli/local/instrument.ts), set by this test only — until the test puts the
 * EBS completion event on the bus. The manifest must not be written before, and must be
 * written then, exactly once, even when the event is delivered twice.
 */
import { readFileSync } from "node:fs";
import { ListObjectVersionsCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { putEvent, type ReceivedAlert } from "../../cli/drill/run.ts";
import { waitForIncidentOf } from "../../cli/drill/watch.ts";
import type { Invocation } from "../../cli/local/runner.ts";
import { s3Client } from "../../shared/aws/clients.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import { WAIT_MS, waitFor } from "../support/findings.ts";
import { alerts, drillEvent, type FaultWorld, quiet, startFaultWorld } from "./faults-harness.ts";

const DONE = ["ok", "skipped", "unsupported", "failed", "partial"];
const SNAPSHOT_ANSWERS = new Set(["CreateSnapshots", "CreateSnapshot", "DescribeSnapshots"]);

/** The EBS multi-volume completion event of test/fixtures/ebs, for these snapshots of this account. */
function completionEvent(account: string, region: string, snapshotIds: string[]): Record<string, unknown> {
  const e = JSON.parse(
    readFileSync(new URL("../fixtures/ebs/EBS_createSnapshots_succeeded.json", import.meta.url), "utf8"),
  );
  const now = new Date().toISOString();
  const arn = (id: string) => `arn:aws:ec2::${region}:snapshot/${id}`;
  return {
    ...e,
    account,
    region,
    time: now,
    resources: snapshotIds.map(arn),
    detail: {
      ...e.detail,
      startTime: now,
      endTime: now,
      snapshots: snapshotIds.map((id) => ({
        snapshot_id: arn(id),
        source: `arn:aws:ec2::${region}:volume/vol-0`,
        status: "completed",
      })),
    },
  };
}

/** Every snapshot in an EC2 answer, as AWS reports one that has not completed yet. */
function pending(operation: string, output: Record<string, unknown>): Record<string, unknown> {
  const still = (s: Record<string, unknown>) => ({ ...s, State: "pending", Progress: "37%" });
  if (operation === "CreateSnapshot") return still(output);
  const snapshots = output.Snapshots as Record<string, unknown>[] | undefined;
  return snapshots ? { ...output, Snapshots: snapshots.map(still) } : output;
}

describe("evidence that waits for its snapshots (EBS completion event through the bus)", () => {
  let world: FaultWorld;
  let incidentId: string;
  let manifestKey: string;
  let recorded: string[];
  let waiting: IncidentRecord;
  let afterEarlyEvent: IncidentRecord;
  let sealed: IncidentRecord;
  let completedAt: number;
  const snapshotsComplete = { now: false, rewritten: 0 };
  const invocations: Invocation[] = [];
  const received: ReceivedAlert[] = [];

  const ebsInvocations = () =>
    invocations.filter(
      (i) => i.functionName === "evidence" && (i.event as { source?: string }).source === "aws.ec2",
    );
  const manifestWrites = () =>
    world.calls.filter(
      (c) => c.scope === "evidence" && c.operation === "PutObject" && c.input?.Key === manifestKey,
    );
  const manifestVersions = async () =>
    (
      (
        await s3Client(world.session.aws).send(
          new ListObjectVersionsCommand({
            Bucket: world.session.local.resources.evidenceBucket,
            Prefix: manifestKey,
          }),
        )
      ).Versions ?? []
    ).filter((v) => v.Key === manifestKey);
  const stagesOf = (alerts: ReceivedAlert[]) =>
    alerts.filter((a) => a.incidentId === incidentId).map((a) => a.stage);
  let stagesBefore: string[];

  beforeAll(async () => {
    world = await startFaultWorld({ maxAttempts: 1, onInvocation: (i) => invocations.push(i) });
    world.hooks.answer = (service, operation, _scope, output) => {
      if (service !== "EC2" || !SNAPSHOT_ANSWERS.has(operation) || snapshotsComplete.now) return output;
      snapshotsComplete.rewritten++;
      return pending(operation, output);
    };
    const drill = drillEvent(world, "c2", "web");
    await putEvent(world.events, drill.event);
    const f = drill.finding;
    incidentId =
      (await waitForIncidentOf(
        () => world.store.incidentOfFinding(f.account, f.source, f.id, f.drill),
        WAIT_MS,
      )) ?? "";
    expect(incidentId, `no incident for finding ${f.id}`).toMatch(/^ir-/);
    manifestKey = `incidents/${incidentId}/manifest.json`;

    // Both lanes have run: the snapshots are recorded as waiting, the artifacts archived.
    await waitFor(
      async () => (await world.store.get(incidentId)).steps,
      (steps) =>
        steps.snapshots?.status === "waiting" &&
        DONE.includes(steps.artifacts?.status ?? "") &&
        steps.contain?.status === "verified",
      WAIT_MS,
      "the snapshot step waiting, the artifacts archived and the instance contained",
    );
    waiting = await quiet(world, incidentId);
    recorded = (waiting.evidence?.snapshots ?? []).map((s) => s.snapshotId);
    received.push(...(await alerts(world)));

    // A completion event while EC2 still says pending (as when one of several snapshots is done).
    await putEvent(world.events, completionEvent(world.account, world.region, recorded));
    await waitFor(
      async () => ebsInvocations().length,
      (n) => n >= 1,
      WAIT_MS,
      "the early EBS event handled",
    );
    afterEarlyEvent = await quiet(world, incidentId);
    received.push(...(await alerts(world)));
    stagesBefore = stagesOf(received);

    // The snapshots complete; EBS says so, and the event is delivered twice.
    snapshotsComplete.now = true;
    completedAt = Date.now();
    const event = completionEvent(world.account, world.region, recorded);
    await putEvent(world.events, event);
    await putEvent(world.events, event);
    await waitFor(
      async () => ebsInvocations().length,
      (n) => n >= 3,
      WAIT_MS,
      "both deliveries of the completion event handled",
    );
    sealed = await quiet(world, incidentId);
    received.push(...(await alerts(world)));
  });

  afterAll(async () => {
    if (world) world.hooks.answer = undefined;
    await world?.stop();
  });

  it("records the snapshots as waiting for their EBS completion event", () => {
    expect(snapshotsComplete.rewritten).toBeGreaterThan(0);
    expect(recorded).toHaveLength(world.demo.instances.web.volumes);
    expect(waiting.steps.snapshots).toMatchObject({
      status: "waiting",
      detail: `${recorded.length} snapshots started; waiting for EBS completion events`,
    });
    expect(waiting.evidence?.snapshots?.map((s) => s.state)).toEqual(recorded.map(() => "pending"));
  });

  it("writes no manifest while the snapshots are pending", async () => {
    expect(waiting.steps.manifest).toBeUndefined();
    expect(afterEarlyEvent.steps.manifest).toBeUndefined();
    expect(
      manifestWrites().filter((c) => c.start < completedAt),
      "manifest written before the snapshots completed",
    ).toEqual([]);
    expect(stagesBefore).toEqual(expect.arrayContaining(["opened", "contained"]));
    expect(stagesBefore).not.toContain("evidence-preserved");
  });

  it("takes a completion event while EC2 still says pending, and keeps waiting", () => {
    expect(ebsInvocations()[0]?.error).toBeUndefined();
    expect(ebsInvocations()[0]?.result).toEqual([incidentId]);
    expect(afterEarlyEvent.steps.snapshots?.status).toBe("waiting");
    expect(afterEarlyEvent.evidence?.snapshots?.map((s) => s.state)).toEqual(recorded.map(() => "pending"));
  });

  it("completes the snapshot step on the completion event, and seals the incident then", () => {
    expect(ebsInvocations()).toHaveLength(3);
    for (const inv of ebsInvocations()) expect(inv.error, inv.error).toBeUndefined();
    expect(sealed.steps.snapshots).toMatchObject({
      status: "ok",
      detail: `${recorded.length} of ${recorded.length} snapshots completed`,
    });
    expect(sealed.evidence?.snapshots?.map((s) => s.snapshotId).sort()).toEqual([...recorded].sort());
    expect(sealed.evidence?.snapshots?.map((s) => s.state)).toEqual(recorded.map(() => "completed"));
    expect(sealed.steps.manifest?.status).toBe("ok");
    expect(sealed.evidence?.manifestKey).toBe(manifestKey);
    expect(Date.parse(sealed.steps.manifest?.startedAt ?? "")).toBeGreaterThanOrEqual(completedAt);
  });

  it("writes the manifest exactly once, after the event, though the event came twice", async () => {
    const writes = manifestWrites();
    expect(writes).toHaveLength(1);
    expect(writes[0]?.error).toBeUndefined();
    expect(writes[0]?.start).toBeGreaterThanOrEqual(completedAt);
    const versions = await manifestVersions();
    expect(versions).toHaveLength(1);
    expect(versions[0]?.VersionId).toBe(sealed.evidence?.manifestVersionId);
  });

  it("alerts evidence-preserved once", () => {
    expect(stagesOf(received).filter((s) => s === "evidence-preserved")).toHaveLength(1);
  });
});
