/**
 * Fault injection: a step that fails for good. EC2 refuses every snapshot of the incident
 * (UnauthorizedOperation, as for a role without ec2:CreateSnapshot*) on both the
 * multi-volume CreateSnapshots and the per-volume CreateSnapshot it falls back to. The error
 * is not retryable: the snapshot step must fail once and be recorded, an alert must name it,
 * containment must still be verified, and the incident must settle instead of waiting for
 * snapshots that will never come.
 */
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceivedAlert } from "../../cli/drill/run.ts";
import { s3Client } from "../../shared/aws/clients.ts";
import { verifyIncident } from "../../shared/evidence/verify.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import {
  alerts,
  drillEvent,
  type FaultWorld,
  quiet,
  runToSettled,
  snapshotsOf,
  startFaultWorld,
  succeeded,
} from "./faults-harness.ts";

/** EC2's answer to a caller without the permission: HTTP 403, not retryable. */
function unauthorized(operation: string): Error {
  return Object.assign(
    new Error(`You are not authorized to perform this operation. (injected into ${operation})`),
    {
      name: "UnauthorizedOperation",
      Code: "UnauthorizedOperation",
      $fault: "client",
      $metadata: { httpStatusCode: 403 },
    },
  );
}

describe("snapshots refused for good", () => {
  let world: FaultWorld;
  let incidentId: string;
  let incident: IncidentRecord;
  let settled: boolean;
  let received: ReceivedAlert[];
  let refusals = 0;

  beforeAll(async () => {
    world = await startFaultWorld({ maxAttempts: 1 });
    world.hooks.fault = (_service, operation, scope) => {
      if (scope !== "evidence" || (operation !== "CreateSnapshots" && operation !== "CreateSnapshot"))
        return undefined;
      refusals++;
      return unauthorized(operation);
    };
    ({ incidentId, incident, settled } = await runToSettled(world, drillEvent(world, "c2", "web")));
    // The manifest follows the lanes: once the runner has nothing left, it has been written.
    incident = await quiet(world, incidentId);
    received = (await alerts(world)).filter((a) => a.incidentId === incidentId);
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("settles the incident", () => {
    expect(settled, JSON.stringify(incident.steps)).toBe(true);
  });

  it("still verifies containment", () => {
    expect(incident.steps.contain?.status).toBe("verified");
  });

  it("records the snapshot step as failed, with the refusal", () => {
    expect(incident.steps.snapshots).toMatchObject({
      status: "failed",
      error: expect.stringContaining("UnauthorizedOperation"),
    });
    expect(incident.actions).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          name: "snapshot",
          status: "failed",
          target: world.demo.instances.web.instanceId,
        }),
      ]),
    );
  });

  it("makes each snapshot call once per attempt of the lane: a refusal is not retried", () => {
    // One CreateSnapshots, then one CreateSnapshot per volume. (A redelivery of the event after
    // an emulator hiccup elsewhere would run the failed step again: whole sets only.)
    const perAttempt = 1 + world.demo.instances.web.volumes;
    expect(refusals).toBeGreaterThan(0);
    expect(refusals % perAttempt).toBe(0);
    expect(succeeded(world, "CreateSnapshots")).toEqual([]);
    expect(succeeded(world, "CreateSnapshot")).toEqual([]);
  });

  it("leaves no snapshot tagged with the incident", async () => {
    expect(await snapshotsOf(world, incidentId)).toEqual([]);
  });

  it("alerts a subscriber, naming the failed step and the error", () => {
    const failed = received.filter((a) => a.stage === "failed");
    const snapshotAlert = failed.find((a) =>
      (a.body.failed as { what: string; error: string }[] | undefined)?.some(
        (f) => f.what === "snapshot" && f.error.includes("UnauthorizedOperation"),
      ),
    );
    expect(snapshotAlert, JSON.stringify(failed.map((a) => a.body.summary))).toBeDefined();
    expect(String(snapshotAlert?.body.summary)).toMatch(/snapshots failed/);
    expect(String(snapshotAlert?.body.summary)).toMatch(/Containment is not affected/);
    expect(snapshotAlert?.attributes).toMatchObject({ stage: "failed", incidentId });
  });

  it("seals what was captured, and the locked manifest says the snapshots are missing and why", async () => {
    expect(incident.steps.manifest?.status).toBe("ok");
    const key = incident.evidence?.manifestKey ?? "";
    const got = await s3Client(world.session.aws).send(
      new GetObjectCommand({ Bucket: world.session.local.resources.evidenceBucket, Key: key }),
    );
    const manifest = JSON.parse((await got.Body?.transformToString()) ?? "{}");
    expect(manifest.snapshots).toEqual([]);
    expect(manifest.gaps).toEqual([
      { step: "snapshots", status: "failed", detail: expect.stringContaining("UnauthorizedOperation") },
    ]);
    const report = await verifyIncident(s3Client(world.session.aws), {
      bucket: world.session.local.resources.evidenceBucket,
      incidentId,
    });
    expect(report.ok).toBe(true);
    expect(report.warnings).toContainEqual(expect.stringMatching(/^incomplete evidence: snapshots failed/));
    const preserved = received.find((a) => a.stage === "evidence-preserved");
    expect(String(preserved?.body.summary)).toMatch(/INCOMPLETE .* snapshots failed/);
  });

  it("alerts that containment was verified", () => {
    expect(received.map((a) => a.stage)).toContain("contained");
    expect(received.map((a) => a.stage)).not.toContain("containment-failed");
  });
});
