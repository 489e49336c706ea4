/**
 * The plan of a raw disk image of an EBS snapshot, read through the EBS direct APIs: which
 * blocks exist, how they fall into multipart parts, and the checkpoint that lets a later
 * invocation continue an image from its last completed part. Pure: no AWS calls.
 *
 * The image is the volume's bytes from offset 0 to the end of its last written block: blocks
 * the snapshot never wrote are zeros in the image (what the volume reads there), and the zeros
 * after the last written block are left out (`truncate -s <volumeBytes> image.raw` restores the
 * full size; docs/evidence.md).
 */
import { createHash } from "node:crypto";
import * as z from "zod";
import { InvalidEvidenceInputError } from "./errors.ts";

/** The EBS direct APIs' block size: 512 KiB, fixed by the API. */
export const EBS_BLOCK_BYTES = 512 * 1024;
/** Blocks per part unless the volume needs larger parts: 16 blocks, 8 MiB. */
export const DEFAULT_PART_BLOCKS = 16;
/** S3: at most 10 000 parts; parts other than the last of at least 5 MiB (10 blocks). */
export const MAX_IMAGE_PARTS = 10_000;
export const MIN_PART_BLOCKS = 10;
const GiB = 1024 ** 3;

/** A block the snapshot holds, as `ListSnapshotBlocks` names it. */
export interface SnapshotBlock {
  index: number;
  token: string;
}

/** A snapshot's written blocks, sorted by index, and its volume size. */
export interface BlockListing {
  snapshotId: string;
  volumeBytes: number;
  blocks: SnapshotBlock[];
  /** The block size the API reported when it was not {@link EBS_BLOCK_BYTES} (the emulator says 512). */
  reportedBlockBytes?: number;
}

/** One listing page as the SDK returns it: the fields are read defensively (the emulator sends indexes as strings). */
export interface BlockPage {
  Blocks?: { BlockIndex?: unknown; BlockToken?: unknown }[];
  VolumeSize?: unknown;
  BlockSize?: unknown;
}

/** A block index as the API sent it (the emulator sends strings): a whole number, or undefined. */
export function blockIndexOf(raw: unknown): number | undefined {
  const index = typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : raw;
  return typeof index === "number" && Number.isInteger(index) && index >= 0 ? index : undefined;
}

/** The listing of a snapshot from its pages, checked: whole indexes inside the volume, each once. */
export function blockListing(snapshotId: string, pages: BlockPage[]): BlockListing {
  const sizes = new Set(pages.map((p) => Number(p.VolumeSize)));
  const [gib] = [...sizes];
  if (sizes.size !== 1 || gib === undefined || !Number.isInteger(gib) || gib < 1) {
    throw new InvalidEvidenceInputError(
      `ListSnapshotBlocks gave no single volume size in GiB: ${[...sizes].join(", ")}`,
      "VolumeSize",
    );
  }
  const volumeBytes = gib * GiB;
  const volumeBlocks = volumeBytes / EBS_BLOCK_BYTES;
  const seen = new Set<number>();
  const blocks = pages.flatMap((p, page) =>
    (p.Blocks ?? []).map((b, i): SnapshotBlock => {
      const field = `pages[${page}].Blocks[${i}]`;
      const index = blockIndexOf(b.BlockIndex);
      if (index === undefined || index >= volumeBlocks) {
        throw new InvalidEvidenceInputError(
          `block index ${String(b.BlockIndex)} is not a block of a ${gib} GiB volume`,
          `${field}.BlockIndex`,
        );
      }
      if (typeof b.BlockToken !== "string" || b.BlockToken === "") {
        throw new InvalidEvidenceInputError(`block ${index} has no block token`, `${field}.BlockToken`);
      }
      if (seen.has(index))
        throw new InvalidEvidenceInputError(`block ${index} is listed twice`, `${field}.BlockIndex`);
      seen.add(index);
      return { index, token: b.BlockToken };
    }),
  );
  blocks.sort((a, b) => a.index - b.index);
  const reported = pages.map((p) => Number(p.BlockSize)).find((s) => s !== EBS_BLOCK_BYTES);
  return {
    snapshotId,
    volumeBytes,
    blocks,
    ...(reported !== undefined ? { reportedBlockBytes: reported } : {}),
  };
}

/**
 * The blocks the image spans: up to the last written block; one zero block for a snapshot that
 * wrote nothing (S3 completes no upload of no parts, and the volume reads zeros there).
 */
export function imageBlocks(listing: BlockListing): number {
  const last = listing.blocks.at(-1);
  return last ? last.index + 1 : 1;
}

/**
 * Blocks per part: `preferred` (default 8 MiB) unless the image needs larger parts to stay
 * within S3's 10 000 parts; never under S3's 5 MiB minimum.
 */
export function partBlocksFor(blocks: number, preferred = DEFAULT_PART_BLOCKS): number {
  if (!Number.isInteger(preferred) || preferred < MIN_PART_BLOCKS) {
    throw new InvalidEvidenceInputError(
      `a part holds at least ${MIN_PART_BLOCKS} blocks (S3's 5 MiB), not ${preferred}`,
      "partBlocks",
    );
  }
  return Math.max(preferred, Math.ceil(blocks / MAX_IMAGE_PARTS));
}

/** One part of the image: its number (from 1) and the blocks it covers. */
export interface ImagePart {
  partNumber: number;
  firstBlock: number;
  blockCount: number;
  /** The written blocks in it, in order; every other block of the part is zeros. */
  blocks: SnapshotBlock[];
}

/** The parts of the image, in order. */
export function imageParts(listing: BlockListing, partBlocks: number): ImagePart[] {
  const total = imageBlocks(listing);
  const parts: ImagePart[] = [];
  let next = 0;
  for (let first = 0; first < total; first += partBlocks) {
    const end = Math.min(first + partBlocks, total);
    const blocks: SnapshotBlock[] = [];
    while (next < listing.blocks.length && (listing.blocks[next] as SnapshotBlock).index < end) {
      blocks.push(listing.blocks[next] as SnapshotBlock);
      next++;
    }
    parts.push({ partNumber: parts.length + 1, firstBlock: first, blockCount: end - first, blocks });
  }
  return parts;
}

const Base64 = z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/);

/** Where an image stands between invocations: kept on the incident record, written by the responder only. */
export const ImageCheckpointSchema = z.strictObject({
  snapshotId: z.string().regex(/^snap-[0-9a-f]{8,17}$/),
  key: z.string().min(1),
  uploadId: z.string().min(1),
  partBlocks: z.int().min(MIN_PART_BLOCKS),
  /** The parts uploaded so far, in order, from 1. */
  parts: z.array(z.strictObject({ partNumber: z.int().min(1), etag: z.string().min(1), sha256: Base64 })),
  /** The state of the image's SHA-256 after the last uploaded part (hash-wasm's saved state). */
  hashState: Base64,
  /** Blocks read from the snapshot so far, and zero blocks written for unwritten ones. */
  blocksRead: z.int().min(0),
  zeroBlocks: z.int().min(0),
  startedAt: z.iso.datetime(),
});
export type ImageCheckpoint = z.infer<typeof ImageCheckpointSchema>;

/** The parts still to upload after a checkpoint; a checkpoint that does not fit the plan is refused. */
export function remainingParts(parts: ImagePart[], checkpoint: ImageCheckpoint | undefined): ImagePart[] {
  if (!checkpoint) return parts;
  const done = checkpoint.parts.length;
  checkpoint.parts.forEach((p, i) => {
    if (p.partNumber !== i + 1)
      throw new InvalidEvidenceInputError(
        `part ${p.partNumber} recorded where part ${i + 1} belongs`,
        "checkpoint.parts",
      );
  });
  if (done > parts.length) {
    throw new InvalidEvidenceInputError(
      `the checkpoint holds ${done} parts, the image has ${parts.length}`,
      "checkpoint.parts",
    );
  }
  return parts.slice(done);
}

/**
 * The checkpoint as the incident record keeps it: the uploaded parts as their count and a digest
 * instead of their list (a 10,000-part image would not fit a DynamoDB item). On resume S3 lists
 * the parts again (`ListParts`, with each part's checksum) and the digest proves they are the
 * ones recorded.
 */
export const RecordedCheckpointSchema = ImageCheckpointSchema.omit({ parts: true }).extend({
  partCount: z.int().min(0),
  /** {@link partsDigest} of the uploaded parts. */
  partsSha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type RecordedCheckpoint = z.infer<typeof RecordedCheckpointSchema>;

/** Pure: SHA-256 (hex) over the parts' numbers, ETags and SHA-256s, one line each, in order. */
export function partsDigest(parts: ImageCheckpoint["parts"]): string {
  const hash = createHash("sha256");
  for (const p of parts) hash.update(`${p.partNumber} ${p.etag} ${p.sha256}\n`);
  return hash.digest("hex");
}

/** Pure: the checkpoint for the incident record. */
export function recordedCheckpoint(checkpoint: ImageCheckpoint): RecordedCheckpoint {
  const { parts, ...rest } = checkpoint;
  return { ...rest, partCount: parts.length, partsSha256: partsDigest(parts) };
}
