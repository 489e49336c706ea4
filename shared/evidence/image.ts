/**
 * A raw disk image of an EBS snapshot, without an instance: the blocks are read through the EBS
 * direct APIs (`ListSnapshotBlocks`, `GetSnapshotBlock`, several at once), each checked against
 * the SHA-256 the API returns with it, and written in order as the parts of one multipart upload
 * to the evidence bucket, hashed on the way (SHA-256 of the whole image, and of each part, which
 * S3 checks too). Memory holds at most two parts.
 *
 * Long images span invocations: after every part the caller gets a checkpoint (the upload, its
 * parts, and the saved state of the image's SHA-256) to keep on the incident record; given it
 * back, the next invocation continues at the next part, checking first with `ListParts` that
 * the parts it recorded are the upload's. `shouldPause` says when to stop (before the function's
 * deadline).
 *
 * The image's hash state must outlive the invocation, which Node's own hash cannot: the image's
 * SHA-256 is hash-wasm's (a WebAssembly SHA-256 whose state can be saved and loaded).
 */
import { createHash } from "node:crypto";
import type { EBSClient } from "@aws-sdk/client-ebs";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  ListPartsCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { createSHA256, type IHasher } from "hash-wasm";
import { awsCall } from "../aws/errors.ts";
import { UnsupportedError } from "../errors/index.ts";
import { archiveArtifact, METADATA_KEYS, SHA256_TAG } from "./archive.ts";
import { EvidenceIntegrityError, InvalidEvidenceInputError } from "./errors.ts";
import {
  type BlockListing,
  EBS_BLOCK_BYTES,
  type ImageCheckpoint,
  type ImagePart,
  imageBlocks,
  imageParts,
  partBlocksFor,
  partsDigest,
  type RecordedCheckpoint,
  remainingParts,
} from "./image-plan.ts";
import { artifactKey, validateIncidentId } from "./keys.ts";
import type { ArchiveStorageClass, ArtifactRecord } from "./manifest-schema.ts";
import { type ChangedBlocks, listSnapshotBlocks, readBlock } from "./snapshot-blocks.ts";
import { forEachLimit } from "./util.ts";

/** Block reads in flight at once, by default. */
export const DEFAULT_BLOCK_CONCURRENCY = 16;
const ZERO_BLOCK = Buffer.alloc(EBS_BLOCK_BYTES);
/** The collector named on the image object and in the manifest. */
const IMAGE_COLLECTOR = "image-snapshots";

/** The finished image, for the manifest. */
export interface DiskImageRecord {
  snapshotId: string;
  key: string;
  versionId?: string;
  /** SHA-256 (hex) of the image object's bytes. */
  sha256: string;
  /** Bytes of the image: up to the end of the last written block. */
  bytes: number;
  /** Bytes of the volume (the image padded with zeros to this size is the whole disk). */
  volumeBytes: number;
  blockBytes: number;
  /** Blocks read from the snapshot (each checked against its API checksum), and zero blocks between them. */
  blocksRead: number;
  zeroBlocks: number;
  parts: number;
  /** Bytes of each part but the last (the part size that recomputes the composite checksum). */
  partBytes: number;
  /** `ChecksumSHA256` of the object as S3 acknowledged it, or else as the parts' SHA-256s give it. */
  s3Checksum: string;
  storageClass: ArchiveStorageClass;
  startedAt: string;
  completedAt: string;
  /** What the reader should know (e.g. the API reported another block size). */
  notes: string[];
}

export type ImageOutcome =
  | { status: "complete"; record: DiskImageRecord }
  | { status: "paused"; checkpoint: ImageCheckpoint };

export interface ImageSnapshotInput {
  ebs: EBSClient;
  s3: S3Client;
  bucket: string;
  incidentId: string;
  snapshotId: string;
  storageClass: ArchiveStorageClass;
  /** From the incident record, to continue an image; absent to start one. */
  checkpoint?: ImageCheckpoint;
  /** Called after each uploaded part: keep the checkpoint (the next invocation continues from it). */
  onCheckpoint?: (checkpoint: ImageCheckpoint) => Promise<void>;
  /** True when the invocation should stop after the current part (its deadline is near). */
  shouldPause?: () => boolean;
  /** Blocks per part (default 16, 8 MiB; more when the volume needs it). */
  partBlocks?: number;
  concurrency?: number;
  now?: () => Date;
}

/** S3's checksum of an object uploaded in these parts: SHA-256 of their SHA-256s, `-N` after it. */
export function compositeChecksum(partSha256s: string[]): string {
  const digests = Buffer.concat(partSha256s.map((p) => Buffer.from(p, "base64")));
  return `${createHash("sha256").update(digests).digest("base64")}-${partSha256s.length}`;
}

/**
 * The image as an artifact of the manifest: verification reads it like any other (its SHA-256,
 * and S3's composite checksum recomputed with the part size).
 */
export function diskImageArtifact(image: DiskImageRecord): ArtifactRecord {
  return {
    name: image.key.slice(image.key.indexOf("/artifacts/") + "/artifacts/".length),
    key: image.key,
    sha256: image.sha256,
    size: image.bytes,
    s3Checksum: image.s3Checksum,
    partCount: image.parts,
    partSize: image.partBytes,
    sha256Witness: "tag",
    ...(image.versionId ? { versionId: image.versionId } : {}),
    storageClass: image.storageClass,
    contentType: "application/octet-stream",
    collectedAt: image.startedAt,
    collector: IMAGE_COLLECTOR,
    sourceApiCall: `ebs:GetSnapshotBlock ${image.snapshotId}`,
  };
}

/** Where an image's own artifacts are archived: the evidence bucket, with the archive's KMS key when there is one. */
export interface ImageArchive {
  s3: S3Client;
  bucket: string;
  incidentId: string;
  kmsKeyId?: string;
}

/** Archives the image's description (`disk-images/<snapshot>.json`: its record, SHA-256 and sizes). */
export function archiveImageDescription(to: ImageArchive, image: DiskImageRecord): Promise<ArtifactRecord> {
  return archiveArtifact(to.s3, {
    bucket: to.bucket,
    incidentId: to.incidentId,
    name: `disk-images/${image.snapshotId}.json`,
    body: `${JSON.stringify(image, null, 2)}\n`,
    contentType: "application/json",
    collector: IMAGE_COLLECTOR,
    sourceApiCall: `ebs:ListSnapshotBlocks ${image.snapshotId}`,
    ...(to.kmsKeyId ? { kmsKeyId: to.kmsKeyId } : {}),
  });
}

/** Archives the blocks a snapshot changed since its parent (`disk-images/<snapshot>.changed-blocks.json`). */
export function archiveChangedBlocks(to: ImageArchive, changed: ChangedBlocks): Promise<ArtifactRecord> {
  return archiveArtifact(to.s3, {
    bucket: to.bucket,
    incidentId: to.incidentId,
    name: `disk-images/${changed.snapshotId}.changed-blocks.json`,
    body: `${JSON.stringify(changed, null, 2)}\n`,
    contentType: "application/json",
    collector: IMAGE_COLLECTOR,
    sourceApiCall: `ebs:ListChangedBlocks ${changed.parentSnapshotId} ${changed.snapshotId}`,
    ...(to.kmsKeyId ? { kmsKeyId: to.kmsKeyId } : {}),
  });
}

/** The image's key: `incidents/<id>/artifacts/disk-images/<snapshot id>.raw`. */
export function diskImageKey(incidentId: string, snapshotId: string): string {
  return artifactKey(validateIncidentId(incidentId), `disk-images/${snapshotId}.raw`);
}

/** The bytes of one part: its written blocks read (several at once), zeros elsewhere. */
async function readPart(
  ebs: EBSClient,
  snapshotId: string,
  part: ImagePart,
  concurrency: number,
): Promise<Buffer> {
  const chunks: Buffer[] = new Array(part.blockCount).fill(ZERO_BLOCK);
  await forEachLimit(part.blocks, concurrency, async (b) => {
    chunks[b.index - part.firstBlock] = await readBlock(ebs, snapshotId, b.index, b.token);
  });
  return Buffer.concat(chunks, part.blockCount * EBS_BLOCK_BYTES);
}

async function hasherFrom(state: string | undefined): Promise<IHasher> {
  const hasher = await createSHA256();
  hasher.init();
  if (state) hasher.load(Buffer.from(state, "base64"));
  return hasher;
}

/** An upload's parts as S3 lists them (every page), in order. */
async function uploadedParts(s3: S3Client, bucket: string, key: string, uploadId: string) {
  const parts: { partNumber: number; etag?: string; sha256?: string }[] = [];
  let marker: string | undefined;
  do {
    const page = await awsCall("s3:ListParts", () =>
      s3.send(
        new ListPartsCommand({
          Bucket: bucket,
          Key: key,
          UploadId: uploadId,
          ...(marker ? { PartNumberMarker: marker } : {}),
        }),
      ),
    );
    for (const p of page.Parts ?? [])
      if (p.PartNumber !== undefined)
        parts.push({
          partNumber: p.PartNumber,
          ...(p.ETag ? { etag: p.ETag } : {}),
          ...(p.ChecksumSHA256 ? { sha256: p.ChecksumSHA256 } : {}),
        });
    marker = page.IsTruncated ? page.NextPartNumberMarker : undefined;
  } while (marker);
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}

/**
 * The full checkpoint of an image from the one the incident record keeps: its parts listed by S3
 * (a part uploaded after the last checkpoint is left out, and uploaded again), proven by the
 * recorded digest.
 *
 * @throws EvidenceIntegrityError when the listed parts are not the recorded ones;
 *   UnsupportedError when S3 lists them without their SHA-256 (the upload cannot be completed
 *   with per-part checksums it does not know: the local emulator).
 */
export async function restoreCheckpoint(
  s3: S3Client,
  bucket: string,
  recorded: RecordedCheckpoint,
): Promise<ImageCheckpoint> {
  const { partCount, partsSha256, ...rest } = recorded;
  const listed = (await uploadedParts(s3, bucket, recorded.key, recorded.uploadId)).slice(0, partCount);
  if (listed.some((p) => !p.sha256))
    throw new UnsupportedError("s3:ListParts with each part's ChecksumSHA256");
  const parts = listed.map((p) => ({ partNumber: p.partNumber, etag: p.etag ?? "", sha256: p.sha256 ?? "" }));
  if (parts.length !== partCount || partsDigest(parts) !== partsSha256) {
    throw new EvidenceIntegrityError(
      `the upload's first ${partCount} parts are not the ones recorded (S3 lists ${parts.length})`,
      recorded.key,
      false,
    );
  }
  return { ...rest, parts };
}

/** Starts the upload, or checks that the checkpoint's parts are the upload's. */
async function openUpload(
  input: ImageSnapshotInput,
  key: string,
  partBlocks: number,
): Promise<ImageCheckpoint> {
  const { s3, bucket, checkpoint } = input;
  if (checkpoint) {
    const listed = await uploadedParts(s3, bucket, key, checkpoint.uploadId);
    const etags = new Map(listed.map((p) => [p.partNumber, p.etag]));
    const lost = checkpoint.parts.filter((p) => etags.get(p.partNumber) !== p.etag);
    if (lost.length > 0) {
      throw new EvidenceIntegrityError(
        `the upload no longer holds recorded part(s) ${lost.map((p) => p.partNumber).join(", ")} as recorded`,
        key,
        false,
      );
    }
    return checkpoint;
  }
  const now = (input.now ?? (() => new Date()))();
  const created = await awsCall("s3:CreateMultipartUpload", () =>
    s3.send(
      new CreateMultipartUploadCommand({
        Bucket: bucket,
        Key: key,
        ChecksumAlgorithm: "SHA256",
        StorageClass: input.storageClass,
        ContentType: "application/octet-stream",
        Metadata: {
          [METADATA_KEYS.incidentId]: input.incidentId,
          [METADATA_KEYS.collector]: IMAGE_COLLECTOR,
          [METADATA_KEYS.sourceApiCall]: `ebs:GetSnapshotBlock ${input.snapshotId}`,
          [METADATA_KEYS.collectedAt]: now.toISOString(),
        },
      }),
    ),
  );
  if (!created.UploadId) throw new EvidenceIntegrityError("S3 started no upload (no UploadId)", key, true);
  return {
    snapshotId: input.snapshotId,
    key,
    uploadId: created.UploadId,
    partBlocks,
    parts: [],
    hashState: "",
    blocksRead: 0,
    zeroBlocks: 0,
    startedAt: now.toISOString(),
  };
}

/**
 * Images the snapshot into the evidence bucket, or continues an image from its checkpoint.
 * Returns the record once the image is complete, or the checkpoint when `shouldPause` stopped it.
 *
 * @throws EvidenceIntegrityError when a block does not match its API checksum or the upload lost
 *   a recorded part; UnsupportedError where the endpoint cannot read the snapshot's blocks.
 */
export async function imageSnapshot(input: ImageSnapshotInput): Promise<ImageOutcome> {
  const { ebs, s3, bucket, snapshotId } = input;
  const key = diskImageKey(input.incidentId, snapshotId);
  const concurrency = input.concurrency ?? DEFAULT_BLOCK_CONCURRENCY;
  const { checkpoint } = input;
  if (checkpoint && (checkpoint.snapshotId !== snapshotId || checkpoint.key !== key)) {
    throw new InvalidEvidenceInputError(
      `the checkpoint is of ${checkpoint.snapshotId} (${checkpoint.key}), not of ${snapshotId}`,
      "checkpoint",
    );
  }
  const listing = await listSnapshotBlocks(ebs, snapshotId);
  const partBlocks = input.checkpoint?.partBlocks ?? partBlocksFor(imageBlocks(listing), input.partBlocks);
  const parts = imageParts(listing, partBlocks);
  const todo = remainingParts(parts, input.checkpoint);
  let state = await openUpload(input, key, partBlocks);
  const hasher = await hasherFrom(state.hashState || undefined);

  // One part is read while the one before it uploads. A read that fails while the upload
  // before it fails too is not left unhandled: the upload's error is the one thrown.
  const read = (part: ImagePart) => {
    const reading = readPart(ebs, snapshotId, part, concurrency);
    reading.catch(() => undefined);
    return reading;
  };
  let next = todo[0] ? read(todo[0]) : undefined;
  for (let i = 0; i < todo.length; i++) {
    const part = todo[i] as ImagePart;
    const body = await (next as Promise<Buffer>);
    const following = todo[i + 1];
    const paused = input.shouldPause?.() ?? false;
    next = following && !paused ? read(following) : undefined;
    hasher.update(body);
    const sha256 = createHash("sha256").update(body).digest("base64");
    const uploaded = await awsCall("s3:UploadPart", () =>
      s3.send(
        new UploadPartCommand({
          Bucket: bucket,
          Key: key,
          UploadId: state.uploadId,
          PartNumber: part.partNumber,
          Body: body,
          ChecksumSHA256: sha256,
        }),
      ),
    );
    if (!uploaded.ETag)
      throw new EvidenceIntegrityError(`S3 gave part ${part.partNumber} no ETag`, key, true);
    state = {
      ...state,
      parts: [...state.parts, { partNumber: part.partNumber, etag: uploaded.ETag, sha256 }],
      hashState: Buffer.from(hasher.save()).toString("base64"),
      blocksRead: state.blocksRead + part.blocks.length,
      zeroBlocks: state.zeroBlocks + part.blockCount - part.blocks.length,
    };
    await input.onCheckpoint?.(state);
    if (paused && following) return { status: "paused", checkpoint: state };
  }
  return { status: "complete", record: await complete(input, listing, state, hasher.digest("hex")) };
}

async function complete(
  input: ImageSnapshotInput,
  listing: BlockListing,
  state: ImageCheckpoint,
  sha256: string,
): Promise<DiskImageRecord> {
  const { s3, bucket } = input;
  const done = await awsCall("s3:CompleteMultipartUpload", () =>
    s3.send(
      new CompleteMultipartUploadCommand({
        Bucket: bucket,
        Key: state.key,
        UploadId: state.uploadId,
        MultipartUpload: {
          Parts: state.parts.map((p) => ({
            PartNumber: p.partNumber,
            ETag: p.etag,
            ChecksumSHA256: p.sha256,
          })),
        },
      }),
    ),
  );
  // The hash is known only now, after the object's metadata was fixed: it goes on as a tag of the
  // version (like every streamed artifact); the manifest stays the authority.
  await awsCall("s3:PutObjectTagging", () =>
    s3.send(
      new PutObjectTaggingCommand({
        Bucket: bucket,
        Key: state.key,
        VersionId: done.VersionId,
        Tagging: { TagSet: [{ Key: SHA256_TAG, Value: sha256 }] },
      }),
    ),
  );
  const notes =
    listing.reportedBlockBytes !== undefined
      ? [
          `ListSnapshotBlocks reported a block size of ${listing.reportedBlockBytes} bytes; every block read held ${EBS_BLOCK_BYTES} (the API's fixed size), which the image uses`,
        ]
      : [];
  return {
    snapshotId: state.snapshotId,
    key: state.key,
    ...(done.VersionId ? { versionId: done.VersionId } : {}),
    sha256,
    bytes: imageBlocks(listing) * EBS_BLOCK_BYTES,
    volumeBytes: listing.volumeBytes,
    blockBytes: EBS_BLOCK_BYTES,
    blocksRead: state.blocksRead,
    zeroBlocks: state.zeroBlocks,
    parts: state.parts.length,
    partBytes: state.partBlocks * EBS_BLOCK_BYTES,
    s3Checksum: done.ChecksumSHA256 ?? compositeChecksum(state.parts.map((p) => p.sha256)),
    storageClass: input.storageClass,
    startedAt: state.startedAt,
    completedAt: (input.now ?? (() => new Date()))().toISOString(),
    notes,
  };
}
