/** The plan of a raw disk image: the block listing checked, the parts, and the checkpoint's fit. */
import { describe, expect, it } from "vitest";
import {
  type BlockPage,
  blockListing,
  EBS_BLOCK_BYTES,
  type ImageCheckpoint,
  ImageCheckpointSchema,
  imageBlocks,
  imageParts,
  partBlocksFor,
  remainingParts,
} from "../../../shared/evidence/image-plan.ts";

const SNAP = "snap-0123456789abcdef0";
const page = (indexes: unknown[], extra: Partial<BlockPage> = {}): BlockPage => ({
  Blocks: indexes.map((i) => ({ BlockIndex: i, BlockToken: `t${String(i)}` })),
  VolumeSize: 1,
  BlockSize: EBS_BLOCK_BYTES,
  ...extra,
});
const thrown = (fn: () => unknown): Error & { field?: string } => {
  try {
    fn();
  } catch (err) {
    return err as Error & { field?: string };
  }
  throw new Error("did not throw");
};

describe("blockListing", () => {
  it("joins the pages, sorts the blocks and reads the volume size in GiB", () => {
    const listing = blockListing(SNAP, [page([7, 2]), page([5])]);

    expect(listing).toStrictEqual({
      snapshotId: SNAP,
      volumeBytes: 1024 ** 3,
      blocks: [
        { index: 2, token: "t2" },
        { index: 5, token: "t5" },
        { index: 7, token: "t7" },
      ],
    });
  });

  it("reads block indexes sent as strings (the emulator's) and notes a reported block size other than 512 KiB", () => {
    const listing = blockListing(SNAP, [page(["3", "0"], { BlockSize: 512 })]);

    expect(listing.blocks.map((b) => b.index)).toStrictEqual([0, 3]);
    expect(listing.reportedBlockBytes).toBe(512);
  });

  it("refuses an index outside the volume, negative, fractional or not a number", () => {
    const lastBlock = 1024 ** 3 / EBS_BLOCK_BYTES - 1;
    expect(blockListing(SNAP, [page([lastBlock])]).blocks).toHaveLength(1);
    for (const bad of [lastBlock + 1, -1, 1.5, "1e3", "x", null]) {
      const err = thrown(() => blockListing(SNAP, [page([0, bad])]));
      expect(err.message).toBe(
        `pages[0].Blocks[1].BlockIndex: block index ${String(bad)} is not a block of a 1 GiB volume`,
      );
    }
  });

  it("refuses a block listed twice, across pages too, and a block without a token", () => {
    expect(thrown(() => blockListing(SNAP, [page([1]), page([1])])).message).toBe(
      "pages[1].Blocks[0].BlockIndex: block 1 is listed twice",
    );
    const noToken: BlockPage = { Blocks: [{ BlockIndex: 4, BlockToken: "" }], VolumeSize: 1 };
    expect(thrown(() => blockListing(SNAP, [noToken])).field).toBe("pages[0].Blocks[0].BlockToken");
  });

  it("refuses pages that disagree on the volume size, or give none", () => {
    expect(thrown(() => blockListing(SNAP, [page([1]), page([2], { VolumeSize: 2 })])).field).toBe(
      "VolumeSize",
    );
    expect(thrown(() => blockListing(SNAP, [page([1], { VolumeSize: undefined })])).field).toBe("VolumeSize");
    expect(thrown(() => blockListing(SNAP, [page([1], { VolumeSize: 0 })])).field).toBe("VolumeSize");
  });
});

describe("the image's parts", () => {
  it("spans the blocks up to the last written one, or one zero block for an empty snapshot", () => {
    expect(imageBlocks(blockListing(SNAP, [page([0, 24])]))).toBe(25);
    expect(imageBlocks(blockListing(SNAP, [page([])]))).toBe(1);
  });

  it("cuts the image into parts of partBlocks blocks, each with its written blocks", () => {
    const parts = imageParts(blockListing(SNAP, [page([0, 3, 11, 24])]), 10);

    expect(
      parts.map((p) => [p.partNumber, p.firstBlock, p.blockCount, p.blocks.map((b) => b.index)]),
    ).toStrictEqual([
      [1, 0, 10, [0, 3]],
      [2, 10, 10, [11]],
      [3, 20, 5, [24]],
    ]);
  });

  it("keeps parts of 8 MiB unless S3's 10 000 parts need larger ones, and never under 5 MiB", () => {
    expect(partBlocksFor(100)).toBe(16);
    expect(partBlocksFor(160_000)).toBe(16);
    expect(partBlocksFor(160_001)).toBe(17);
    // A 16 TiB volume: 32 Mi blocks in at most 10 000 parts.
    expect(partBlocksFor(32 * 1024 * 1024)).toBe(3356);
    expect(partBlocksFor(100, 10)).toBe(10);
    expect(thrown(() => partBlocksFor(100, 9)).field).toBe("partBlocks");
  });
});

describe("remainingParts", () => {
  const parts = imageParts(blockListing(SNAP, [page([0, 24])]), 10);
  const checkpoint = (partNumbers: number[]): ImageCheckpoint =>
    ImageCheckpointSchema.parse({
      snapshotId: SNAP,
      key: "k",
      uploadId: "u",
      partBlocks: 10,
      parts: partNumbers.map((n) => ({ partNumber: n, etag: `"e${n}"`, sha256: "AAAA" })),
      hashState: "AAAA",
      blocksRead: 1,
      zeroBlocks: 9,
      startedAt: "2026-12-07T00:00:00.000Z",
    });

  it("continues after the checkpoint's last part, or from the first without one", () => {
    expect(remainingParts(parts, undefined).map((p) => p.partNumber)).toStrictEqual([1, 2, 3]);
    expect(remainingParts(parts, checkpoint([1])).map((p) => p.partNumber)).toStrictEqual([2, 3]);
    expect(remainingParts(parts, checkpoint([1, 2, 3]))).toStrictEqual([]);
  });

  it("refuses a checkpoint with a gap, or more parts than the image has", () => {
    expect(thrown(() => remainingParts(parts, checkpoint([1, 3]))).message).toBe(
      "checkpoint.parts: part 3 recorded where part 2 belongs",
    );
    expect(thrown(() => remainingParts(parts, checkpoint([1, 2, 3, 4]))).message).toBe(
      "checkpoint.parts: the checkpoint holds 4 parts, the image has 3",
    );
  });
});
