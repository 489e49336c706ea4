/**
 * Imaging a snapshot through the EBS direct APIs (mocked): the bytes in order with zeros where
 * the snapshot wrote nothing, every block checked against the API's checksum, the image's
 * SHA-256, and a pause and a resume that uploads each part once.
 */
import { createHash } from "node:crypto";
import {
  EBSClient,
  GetSnapshotBlockCommand,
  type GetSnapshotBlockCommandOutput,
  ListSnapshotBlocksCommand,
} from "@aws-sdk/client-ebs";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { UnsupportedError } from "../../../shared/errors/index.ts";
import { EvidenceIntegrityError } from "../../../shared/evidence/errors.ts";
import { diskImageKey, type ImageSnapshotInput, imageSnapshot } from "../../../shared/evidence/image.ts";
import { EBS_BLOCK_BYTES } from "../../../shared/evidence/image-plan.ts";
import { INCIDENT, sdkError } from "./builders.ts";

const SNAP = "snap-0123456789abcdef0";
const KEY = diskImageKey(INCIDENT, SNAP);
const ebs = new EBSClient({ region: "us-east-1" });
const ebsMock = mockClient(ebs);
const s3 = new S3Client({ region: "us-east-1" });
const s3Mock = mockClient(s3);

const blockOf = (index: number): Buffer => Buffer.alloc(EBS_BLOCK_BYTES, index + 1);
const b64 = (data: Uint8Array): string => createHash("sha256").update(data).digest("base64");
/** A block body as the SDK hands it over, reduced to the one method the imager reads. */
const stream = (data: Buffer) =>
  ({
    transformToByteArray: async () => new Uint8Array(data),
  }) as unknown as GetSnapshotBlockCommandOutput["BlockData"];

/** Serves a snapshot whose written blocks are `indexes` (block i holds the byte i + 1). */
function serveSnapshot(
  indexes: number[],
  tamper: (index: number, data: Buffer) => Partial<Record<string, unknown>> = () => ({}),
) {
  ebsMock.on(ListSnapshotBlocksCommand).resolves({
    Blocks: indexes.map((i) => ({ BlockIndex: i, BlockToken: `t${i}` })),
    VolumeSize: 1,
    BlockSize: EBS_BLOCK_BYTES,
  });
  ebsMock.on(GetSnapshotBlockCommand).callsFake((input: { BlockIndex: number; BlockToken: string }) => {
    if (input.BlockToken !== `t${input.BlockIndex}`) throw new Error(`wrong token for ${input.BlockIndex}`);
    const data = blockOf(input.BlockIndex);
    return {
      BlockData: stream(data),
      DataLength: data.length,
      Checksum: b64(data),
      ChecksumAlgorithm: "SHA256",
      ...tamper(input.BlockIndex, data),
    };
  });
}

/** The image the snapshot should give: `blocks` blocks, zeros where nothing was written. */
function expectedImage(indexes: number[], blocks: number): Buffer {
  return Buffer.concat(
    Array.from({ length: blocks }, (_, i) =>
      indexes.includes(i) ? blockOf(i) : Buffer.alloc(EBS_BLOCK_BYTES),
    ),
  );
}

const uploadedParts = () =>
  s3Mock.commandCalls(UploadPartCommand).map((c) => ({
    partNumber: c.args[0].input.PartNumber,
    body: c.args[0].input.Body as Buffer,
    checksum: c.args[0].input.ChecksumSHA256,
  }));

const input = (overrides: Partial<ImageSnapshotInput> = {}): ImageSnapshotInput => ({
  ebs,
  s3,
  bucket: "evidence",
  incidentId: INCIDENT,
  snapshotId: SNAP,
  storageClass: "DEEP_ARCHIVE",
  partBlocks: 10,
  now: () => new Date("2026-12-07T10:00:00Z"),
  ...overrides,
});

beforeEach(() => {
  ebsMock.reset();
  s3Mock.reset();
  s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: "up-1" });
  s3Mock.on(UploadPartCommand).callsFake((i: { PartNumber: number }) => ({ ETag: `"etag-${i.PartNumber}"` }));
  s3Mock.on(CompleteMultipartUploadCommand).resolves({ VersionId: "v-image" });
  s3Mock.on(PutObjectTaggingCommand).resolves({});
});

describe("imageSnapshot", () => {
  it("writes the volume's bytes in order, zeros where nothing was written, with the image's SHA-256", async () => {
    const written = [0, 3, 11, 24];
    serveSnapshot(written);
    const image = expectedImage(written, 25);

    const outcome = await imageSnapshot(input());

    const parts = uploadedParts();
    expect(parts.map((p) => p.partNumber)).toStrictEqual([1, 2, 3]);
    expect(Buffer.concat(parts.map((p) => p.body)).equals(image)).toBe(true);
    for (const p of parts) expect(p.checksum).toBe(b64(p.body));
    const sha256 = createHash("sha256").update(image).digest("hex");
    expect(outcome).toStrictEqual({
      status: "complete",
      record: {
        snapshotId: SNAP,
        key: KEY,
        versionId: "v-image",
        sha256,
        bytes: 25 * EBS_BLOCK_BYTES,
        volumeBytes: 1024 ** 3,
        blockBytes: EBS_BLOCK_BYTES,
        blocksRead: 4,
        zeroBlocks: 21,
        parts: 3,
        partBytes: 10 * EBS_BLOCK_BYTES,
        // S3 answered no checksum here: the composite of the parts' SHA-256s, as S3 computes it.
        s3Checksum: `${createHash("sha256")
          .update(Buffer.concat(parts.map((p) => createHash("sha256").update(p.body).digest())))
          .digest("base64")}-3`,
        storageClass: "DEEP_ARCHIVE",
        startedAt: "2026-12-07T10:00:00.000Z",
        completedAt: "2026-12-07T10:00:00.000Z",
        notes: [],
      },
    });
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input).toMatchObject({
      Bucket: "evidence",
      Key: KEY,
      ChecksumAlgorithm: "SHA256",
      StorageClass: "DEEP_ARCHIVE",
      Metadata: { "incident-id": INCIDENT, collector: "image-snapshots" },
    });
    expect(
      s3Mock.commandCalls(CompleteMultipartUploadCommand)[0]?.args[0].input.MultipartUpload?.Parts,
    ).toStrictEqual(
      parts.map((p) => ({
        PartNumber: p.partNumber,
        ETag: `"etag-${p.partNumber}"`,
        ChecksumSHA256: p.checksum,
      })),
    );
    expect(s3Mock.commandCalls(PutObjectTaggingCommand)[0]?.args[0].input).toStrictEqual({
      Bucket: "evidence",
      Key: KEY,
      VersionId: "v-image",
      Tagging: { TagSet: [{ Key: "sha256", Value: sha256 }] },
    });
  });

  it("pauses after a part when told to, and resumes at the next part without uploading any part twice", async () => {
    const written = [0, 3, 11, 24];
    serveSnapshot(written);
    const saved: number[] = [];
    let asked = 0;

    const first = await imageSnapshot(
      input({ shouldPause: () => ++asked >= 1, onCheckpoint: async (c) => void saved.push(c.parts.length) }),
    );

    expect(first.status).toBe("paused");
    if (first.status !== "paused") return;
    expect(saved).toStrictEqual([1]);
    expect(first.checkpoint).toMatchObject({
      uploadId: "up-1",
      partBlocks: 10,
      blocksRead: 2,
      zeroBlocks: 8,
    });
    expect(uploadedParts().map((p) => p.partNumber)).toStrictEqual([1]);
    // Part 2 was not read ahead once the pause was asked for.
    expect(
      ebsMock.commandCalls(GetSnapshotBlockCommand).map((c) => c.args[0].input.BlockIndex),
    ).toStrictEqual([0, 3]);

    s3Mock.on(ListPartsCommand).resolves({ Parts: [{ PartNumber: 1, ETag: '"etag-1"' }] });
    const second = await imageSnapshot(input({ checkpoint: first.checkpoint, partBlocks: 16 }));

    expect(second.status).toBe("complete");
    if (second.status !== "complete") return;
    expect(uploadedParts().map((p) => p.partNumber)).toStrictEqual([1, 2, 3]);
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(1);
    expect(Buffer.concat(uploadedParts().map((p) => p.body)).equals(expectedImage(written, 25))).toBe(true);
    // The SHA-256 spans both invocations: the hash state came back from the checkpoint.
    expect(second.record.sha256).toBe(createHash("sha256").update(expectedImage(written, 25)).digest("hex"));
    expect(second.record).toMatchObject({ blocksRead: 4, zeroBlocks: 21, parts: 3 });
  });

  it("refuses to resume an upload that lost a recorded part", async () => {
    serveSnapshot([0, 24]);
    const first = await imageSnapshot(input({ shouldPause: () => true }));
    if (first.status !== "paused") throw new Error("not paused");
    s3Mock.on(ListPartsCommand).resolves({ Parts: [{ PartNumber: 1, ETag: '"another"' }] });

    const err = await imageSnapshot(input({ checkpoint: first.checkpoint })).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(EvidenceIntegrityError);
    expect((err as Error).message).toBe(`${KEY}: the upload no longer holds recorded part(s) 1 as recorded`);
    expect(uploadedParts()).toHaveLength(1);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it("fails on a block whose bytes are not the ones the API's checksum names, and completes nothing", async () => {
    serveSnapshot([0, 3], (i, data) =>
      i === 3 ? { Checksum: b64(Buffer.concat([data, Buffer.from("x")])) } : {},
    );

    const err = await imageSnapshot(input()).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(EvidenceIntegrityError);
    expect((err as Error).message).toContain(`${SNAP} block 3: the block's SHA-256 is`);
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
  });

  it("fails on a short block and on a block that came without a SHA-256", async () => {
    serveSnapshot([2], () => ({ BlockData: stream(Buffer.alloc(100)) }));
    await expect(imageSnapshot(input())).rejects.toThrow(
      `${SNAP} block 2: 100 bytes read, a block holds 524288`,
    );

    serveSnapshot([2], () => ({ ChecksumAlgorithm: undefined, Checksum: undefined }));
    await expect(imageSnapshot(input())).rejects.toThrow(
      `${SNAP} block 2: no SHA-256 came with the block (algorithm none)`,
    );
  });

  it("throws the upload's error when the part read ahead fails too, leaving no rejection unhandled", async () => {
    serveSnapshot([0, 15], (i) => (i === 15 ? { Checksum: "not-the-checksum" } : {}));
    s3Mock.on(UploadPartCommand).rejects(sdkError("InternalError", 500));

    const err = await imageSnapshot(input()).catch((e: unknown) => e);

    expect((err as Error).message).toContain("s3:UploadPart");
    // Let the read ahead settle: an unhandled rejection would fail this file.
    await new Promise((r) => setTimeout(r, 20));
  });

  it("refuses a checkpoint of another snapshot, before any call", async () => {
    serveSnapshot([0, 24]);
    const first = await imageSnapshot(input({ shouldPause: () => true }));
    if (first.status !== "paused") throw new Error("not paused");
    s3Mock.resetHistory();
    ebsMock.resetHistory();

    const other = "snap-0fedcba9876543210";
    const err = await imageSnapshot(input({ snapshotId: other, checkpoint: first.checkpoint })).catch(
      (e: unknown) => e,
    );

    expect((err as Error).message).toBe(`checkpoint: the checkpoint is of ${SNAP} (${KEY}), not of ${other}`);
    expect(ebsMock.calls()).toHaveLength(0);
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("reads at most `concurrency` blocks at once", async () => {
    const written = Array.from({ length: 10 }, (_, i) => i);
    serveSnapshot(written);
    let inFlight = 0;
    let most = 0;
    ebsMock.on(GetSnapshotBlockCommand).callsFake(async (i: { BlockIndex: number }) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      const data = blockOf(i.BlockIndex);
      return { BlockData: stream(data), Checksum: b64(data), ChecksumAlgorithm: "SHA256" };
    });

    await imageSnapshot(input({ concurrency: 3 }));

    expect(most).toBe(3);
  });

  it("reports an endpoint that cannot list the snapshot's blocks as unsupported", async () => {
    ebsMock.on(ListSnapshotBlocksCommand).rejects(sdkError("NotImplemented", 501));

    const err = await imageSnapshot(input()).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(UnsupportedError);
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });
});
