/**
 * Attacks on the evidence, end to end against the emulator: a real incident is run and sealed,
 * then an attacker who can only write to the bucket (`s3:PutObject`) replaces an artifact AND
 * the manifest, each with consistent metadata and checksums; and EBS completion events arrive
 * from another account, or naming a snapshot the attacker created and tagged with the incident's
 * id. `responder verify` must fail and say why; the events must change nothing.
 *
 * The emulator enforces no bucket policy conditions (the policy that denies these writes on AWS
 * is proven in test/unit/evidence/bucket-policy.test.ts): here the writes land, as they would
 * for a principal the policy does not stop, and the pins on the incident record catch them.
 */
import { CreateSnapshotCommand, CreateTagsCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { s3Client } from "../../shared/aws/clients.ts";
import { hexToBase64, sha256Hex } from "../../shared/evidence/hashing.ts";
import {
  MANIFEST_SHA256_METADATA,
  manifestDigest,
  serializeManifest,
} from "../../shared/evidence/manifest.ts";
import type { Manifest } from "../../shared/evidence/manifest-schema.ts";
import { verifyIncident } from "../../shared/evidence/verify.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import { runCli } from "../support/cli.ts";
import { WAIT_MS, waitFor } from "../support/findings.ts";
import { drillEvent, type FaultWorld, quiet, runToSettled, startFaultWorld } from "./faults-harness.ts";

const FOREIGN_ACCOUNT = "999999999999";
const TAG = "incident-responder:incident-id";

/** An EBS multi-volume completion event as AWS delivers it (test/fixtures/ebs), for these snapshots. */
function completionEvent(account: string, region: string, snapshotIds: string[]) {
  return {
    version: "0",
    id: `ebs-${Date.now()}`,
    "detail-type": "EBS Multi-Volume Snapshots Completion Status",
    source: "aws.ec2",
    account,
    time: new Date().toISOString(),
    region,
    resources: snapshotIds.map((id) => `arn:aws:ec2::${region}:snapshot/${id}`),
    detail: {
      event: "createSnapshots",
      result: "succeeded",
      cause: "",
      "request-id": "",
      startTime: new Date().toISOString(),
      endTime: new Date().toISOString(),
      snapshots: snapshotIds.map((id) => ({
        snapshot_id: `arn:aws:ec2::${region}:snapshot/${id}`,
        source: `arn:aws:ec2::${region}:volume/vol-0`,
        status: "completed",
      })),
    },
  };
}

/** Waits until the manifest step has ended (it follows the lanes), and the runner has nothing left. */
async function sealed(world: FaultWorld, incidentId: string): Promise<IncidentRecord> {
  await waitFor(
    async () => (await world.store.get(incidentId)).steps.manifest,
    (step) => step !== undefined && step.status !== "running",
    WAIT_MS,
    `the manifest step of ${incidentId} ended`,
  );
  return quiet(world, incidentId);
}

describe("attacks on the evidence", () => {
  let world: FaultWorld;
  let incidentId: string;
  let incident: IncidentRecord;
  let bucket: string;

  beforeAll(async () => {
    world = await startFaultWorld({ maxAttempts: 1 });
    ({ incidentId } = await runToSettled(world, drillEvent(world, "c2", "web")));
    incident = await sealed(world, incidentId);
    bucket = world.session.local.resources.evidenceBucket;
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("pins the sealed manifest's version and SHA-256 on the record, and signs its digest with the signing key", () => {
    expect(incident.steps.manifest?.status).toBe("ok");
    expect(incident.evidence?.manifestVersionId).toMatch(/\S+/);
    expect(incident.evidence?.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(incident.evidence?.signature).toMatchObject({
      status: "signed",
      keyId: world.session.local.resources.evidenceSigningKeyArn,
      algorithm: "ECDSA_SHA_256",
      digest: incident.evidence?.manifestSha256,
    });
    expect(incident.evidence?.artifacts?.every((a) => a.versionId)).toBe(true);
  });

  it("adds one kms:Sign per incident, and locks exactly the recorded snapshots", () => {
    const byEvidence = (op: string) =>
      world.calls.filter((c) => c.scope === "evidence" && c.operation === op);
    expect(byEvidence("Sign")).toHaveLength(1);
    expect(byEvidence("Sign")[0]?.input).toMatchObject({
      MessageType: "DIGEST",
      SigningAlgorithm: "ECDSA_SHA_256",
    });
    // The SDK may send a call again after a server error (the emulator answers LockSnapshot with
    // one): count the snapshots asked for, not the attempts.
    const recorded = (incident.evidence?.snapshots ?? []).map((s) => s.snapshotId).sort();
    expect(recorded.length).toBeGreaterThan(0);
    const locked = [...new Set(byEvidence("LockSnapshot").map((c) => String(c.input?.SnapshotId)))].sort();
    expect(locked).toEqual(recorded);
  });

  it("asks for a governance lock on every snapshot, and records it as unsupported where the emulator lacks it", () => {
    const locks = incident.actions.filter((a) => a.name === "snapshot-lock");
    expect(locks.map((l) => l.target).sort()).toEqual(
      (incident.evidence?.snapshots ?? []).map((s) => s.snapshotId).sort(),
    );
    expect(locks.length).toBeGreaterThan(0);
    expect(locks.every((l) => l.status === "unsupported")).toBe(true);
    expect(incident.timeline).toContainEqual(
      expect.objectContaining({
        step: "snapshot-lock",
        status: "unsupported",
        detail: expect.stringContaining("governance lock for 30 days"),
      }),
    );
  });

  it("verifies the untouched evidence with the CLI, signature included", async () => {
    const res = await runCli(["verify", incidentId, "--json"]);

    expect(res.code, res.stderr + res.stdout).toBe(0);
    const report = JSON.parse(res.stdout);
    expect(report.ok).toBe(true);
    expect(report.manifest).toMatchObject({ pinned: "pinned", signature: { status: "valid" } });
  });

  describe("EBS completion events", () => {
    let planted: string;
    let before: IncidentRecord;
    const recorded = () => (incident.evidence?.snapshots ?? []).map((s) => s.snapshotId);

    beforeAll(async () => {
      // The attacker's own snapshot of the instance's volume, tagged with the incident's id.
      const described = await world.ec2.send(
        new DescribeInstancesCommand({ InstanceIds: [world.demo.instances.web.instanceId] }),
      );
      const volumeId =
        described.Reservations?.[0]?.Instances?.[0]?.BlockDeviceMappings?.[0]?.Ebs?.VolumeId ?? "";
      planted = (await world.ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }))).SnapshotId ?? "";
      await world.ec2.send(
        new CreateTagsCommand({ Resources: [planted], Tags: [{ Key: TAG, Value: incidentId }] }),
      );
      // As on AWS while the snapshots are pending (the emulator completes them at once).
      await world.store.finishStep(incidentId, "snapshots", "waiting", "waiting for EBS completion events");
      before = await world.store.get(incidentId);
    });

    it("change nothing when they come from another account", async () => {
      const handler = await world.session.runner.handler("evidence");

      const updated = await handler(
        completionEvent(FOREIGN_ACCOUNT, world.region, recorded()),
        lambdaContext(),
      );

      expect(updated).toEqual([]);
      expect(await world.store.get(incidentId)).toEqual(before);
    });

    it("change nothing when they name a snapshot the responder did not create", async () => {
      const handler = await world.session.runner.handler("evidence");

      const updated = await handler(
        completionEvent(world.account, world.region, [...recorded(), planted]),
        lambdaContext(),
      );

      expect(updated).toEqual([]);
      expect(await world.store.get(incidentId)).toEqual(before);
    });

    it("complete the step from the incident's own account, and the planted snapshot never joins the evidence", async () => {
      const handler = await world.session.runner.handler("evidence");

      await handler(completionEvent(world.account, world.region, recorded()), lambdaContext());

      const after = await world.store.get(incidentId);
      expect(after.steps.snapshots?.status).toBe("ok");
      expect(after.evidence?.snapshots?.map((s) => s.snapshotId).sort()).toEqual(recorded().sort());
      expect(after.evidence?.snapshots?.map((s) => s.snapshotId)).not.toContain(planted);
    });
  });

  describe("an artifact and the manifest replaced with plain PutObject", () => {
    let forgedReport: { code: number | null; stdout: string; stderr: string };
    let unpinned: Awaited<ReturnType<typeof verifyIncident>>;

    beforeAll(async () => {
      const s3 = s3Client(world.session.aws);
      const manifestKey = `incidents/${incidentId}/manifest.json`;
      const current = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: manifestKey }));
      const manifest = JSON.parse((await current.Body?.transformToString()) ?? "{}") as Manifest;
      // Forged bytes for the triggering event, with every witness made to agree with them.
      const target = manifest.artifacts.find((a) => a.name === "triggering-event.json");
      if (!target) throw new Error("no triggering-event.json in the manifest");
      const forged = '{"detail":{"type":"nothing to see here"}}\n';
      const forgedSha = sha256Hex(forged);
      const written = await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: target.key,
          Body: forged,
          ChecksumAlgorithm: "SHA256",
          ChecksumSHA256: hexToBase64(forgedSha),
          Metadata: { sha256: forgedSha },
        }),
      );
      Object.assign(target, {
        sha256: forgedSha,
        size: Buffer.byteLength(forged),
        s3Checksum: hexToBase64(forgedSha),
        versionId: written.VersionId,
      });
      const { manifestSha256: _old, ...body } = manifest;
      const replacement: Manifest = { ...body, manifestSha256: manifestDigest(body) };
      const text = serializeManifest(replacement);
      await s3.send(
        new PutObjectCommand({
          Bucket: bucket,
          Key: manifestKey,
          Body: text,
          ContentType: "application/json",
          ChecksumAlgorithm: "SHA256",
          ChecksumSHA256: hexToBase64(sha256Hex(text)),
          Metadata: { [MANIFEST_SHA256_METADATA]: replacement.manifestSha256, "incident-id": incidentId },
        }),
      );
      unpinned = await verifyIncident(s3, { bucket, incidentId });
      forgedReport = await runCli(["verify", incidentId]);
    });

    it("would pass a verification that trusts the bucket alone", () => {
      // Everything in the bucket agrees with itself: only what the record pins can tell.
      expect(unpinned.ok).toBe(true);
    });

    it("fails responder verify, with exit code 1", () => {
      expect(forgedReport.code, forgedReport.stderr).toBe(1);
      expect(forgedReport.stdout).toContain("NOT verified");

      // The sealed manifest itself still verifies: it is what was written over it that fails.
      expect(forgedReport.stdout).toMatch(
        /manifest\.json\s+ok\s+manifest intact, SHA-256 as recorded on the incident, signature valid/,
      );
    });

    it("says why: the manifest and the artifact were written over after sealing", () => {
      expect(forgedReport.stdout).toMatch(/manifest\.json \(current version\)\s+replaced\s+a later version/);
      expect(forgedReport.stdout).toMatch(/triggering-event\.json\s+replaced\s+a later version/);
    });
  });
});

/** The Lambda context the handler's middleware reads. */
function lambdaContext() {
  return {
    functionName: "evidence",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:local:000000000000:function:evidence",
    memoryLimitInMB: "512",
    awsRequestId: `attack-${Date.now()}`,
    logGroupName: "/aws/lambda/evidence",
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
