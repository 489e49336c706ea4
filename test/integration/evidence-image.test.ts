/**
 * A raw disk image of a snapshot against the emulator (moto), without an instance: snapshots
 * seeded through the EBS direct APIs with known contents (the emulator reads only those), an
 * "AMI" parent and an incident snapshot that changed some of its blocks. The image must match
 * the seeded bytes exactly, resume after an interruption at the next part, sit in the manifest
 * with its SHA-256 and pass verification; the changed blocks must be exactly the changed ones.
 */
import { createHash } from "node:crypto";
import { EBSClient } from "@aws-sdk/client-ebs";
import {
  CreateBucketCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { beforeAll, describe, expect, it } from "vitest";
import { diskImageArtifact, imageSnapshot } from "../../shared/evidence/image.ts";
import { EBS_BLOCK_BYTES, type ImageCheckpoint } from "../../shared/evidence/image-plan.ts";
import { buildManifest, writeManifest } from "../../shared/evidence/manifest.ts";
import { listChangedBlocks } from "../../shared/evidence/snapshot-blocks.ts";
import { verifyIncident } from "../../shared/evidence/verify.ts";
import { seedSnapshot } from "../support/ebs.ts";
import { testAwsOptions } from "../support/emulator.ts";

const INCIDENT = "inc-20261207-image01";

/** Block `index` of a snapshot written with `seed`: deterministic bytes, different per block and seed. */
function blockBytes(index: number, seed: number): Buffer {
  const out = Buffer.allocUnsafe(EBS_BLOCK_BYTES);
  let x = (index * 2654435761 + seed * 97 + 1) >>> 0 || 1;
  for (let i = 0; i < out.length; i += 4) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out.writeUInt32LE(x >>> 0, i);
  }
  return out;
}

describe("a raw disk image through the EBS direct APIs, against the emulator", () => {
  const ebs = new EBSClient(testAwsOptions());
  const s3 = new S3Client({ ...testAwsOptions(), forcePathStyle: true });
  const bucket = `evidence-image-${Date.now()}`;
  // The golden image wrote blocks 0–4, 9 and 33; the incident changed 2 and 33 and kept the rest.
  const parentBlocks = new Map([0, 1, 2, 3, 4, 9, 33].map((i) => [i, blockBytes(i, 1)]));
  const changed = [2, 33];
  const childBlocks = new Map(
    [...parentBlocks].map(([i, b]) => [i, changed.includes(i) ? blockBytes(i, 2) : b]),
  );
  let parentId = "";
  let childId = "";

  beforeAll(async () => {
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
    parentId = await seedSnapshot(ebs, parentBlocks);
    childId = await seedSnapshot(ebs, childBlocks);
  });

  it("images the snapshot byte for byte, resumes an interruption at the next part, and verifies from the manifest", async () => {
    // The image spans blocks 0–33: 34 blocks, 4 parts of 10 blocks (the last of 4).
    const expected = Buffer.concat(
      Array.from({ length: 34 }, (_, i) => childBlocks.get(i) ?? Buffer.alloc(EBS_BLOCK_BYTES)),
    );
    const uploaded: number[] = [];
    s3.middlewareStack.add(
      (next) => async (args) => {
        const input = args.input as { PartNumber?: number; UploadId?: string };
        if (input.PartNumber !== undefined && input.UploadId !== undefined) uploaded.push(input.PartNumber);
        return next(args);
      },
      { step: "initialize", name: "countParts" },
    );
    const checkpoints: ImageCheckpoint[] = [];
    const common = {
      ebs,
      s3,
      bucket,
      incidentId: INCIDENT,
      snapshotId: childId,
      storageClass: "STANDARD" as const,
      partBlocks: 10,
      onCheckpoint: async (c: ImageCheckpoint) => void checkpoints.push(c),
    };

    // The first invocation stops after two parts (its deadline).
    const first = await imageSnapshot({ ...common, shouldPause: () => checkpoints.length >= 1 });
    expect(first.status).toBe("paused");
    expect(uploaded).toStrictEqual([1, 2]);
    const saved = checkpoints.at(-1) as ImageCheckpoint;
    expect(saved.parts.map((p) => p.partNumber)).toStrictEqual([1, 2]);

    // The next one continues at part 3, from the checkpoint alone.
    const second = await imageSnapshot({ ...common, checkpoint: saved });
    expect(uploaded).toStrictEqual([1, 2, 3, 4]);
    if (second.status !== "complete") throw new Error("the image did not complete");
    const image = second.record;

    const object = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: image.key, VersionId: image.versionId }),
    );
    const bytes = Buffer.from(await (object.Body?.transformToByteArray() ?? new Uint8Array()));
    expect(bytes.length).toBe(expected.length);
    expect(bytes.equals(expected)).toBe(true);
    const sha256 = createHash("sha256").update(expected).digest("hex");
    expect(image).toMatchObject({
      sha256,
      bytes: 34 * EBS_BLOCK_BYTES,
      blocksRead: 7,
      zeroBlocks: 27,
      parts: 4,
    });
    expect(image.volumeBytes).toBe(1024 ** 3);
    // The emulator reports a block size of 512 bytes; the image says so and uses the API's 512 KiB.
    expect(image.notes).toStrictEqual([expect.stringContaining("reported a block size of 512 bytes")]);
    const tags = await s3.send(
      new GetObjectTaggingCommand({ Bucket: bucket, Key: image.key, VersionId: image.versionId }),
    );
    expect(tags.TagSet).toContainEqual({ Key: "sha256", Value: sha256 });

    // Sealed in the manifest like any artifact, and verified from it.
    const manifest = buildManifest({
      incidentId: INCIDENT,
      artifacts: [diskImageArtifact(image)],
      snapshots: [],
      createdAt: new Date(),
    });
    expect(manifest.artifacts[0]).toMatchObject({
      key: image.key,
      sha256,
      size: expected.length,
      partCount: 4,
    });
    await writeManifest(s3, { bucket, incidentId: INCIDENT, manifest });
    const report = await verifyIncident(s3, { bucket, incidentId: INCIDENT });
    expect(report.items.map((i) => [i.name, i.status])).toStrictEqual([
      ["manifest.json", "ok"],
      [`disk-images/${childId}.raw`, "ok"],
    ]);
  });

  it("lists exactly the blocks the incident snapshot changed since its parent", async () => {
    const result = await listChangedBlocks(ebs, parentId, childId);

    expect(result).toStrictEqual({
      snapshotId: childId,
      parentSnapshotId: parentId,
      blockBytes: EBS_BLOCK_BYTES,
      volumeBytes: 1024 ** 3,
      changed,
    });
  });
});
