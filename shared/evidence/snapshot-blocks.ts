/**
 * The EBS direct APIs, read-only, in the account that owns the snapshot: the blocks a snapshot
 * holds, each block's bytes checked against the SHA-256 the API sends with it, and which blocks
 * changed since a parent snapshot (the instance's AMI root snapshot, the golden image: the
 * investigator reads those first; the list becomes the artifact `changed-blocks.json`).
 */
import { createHash } from "node:crypto";
import {
  type EBSClient,
  GetSnapshotBlockCommand,
  ListChangedBlocksCommand,
  ListSnapshotBlocksCommand,
} from "@aws-sdk/client-ebs";
import { awsCall } from "../aws/errors.ts";
import { ListBoundError } from "../aws/pages.ts";
import { EvidenceIntegrityError, InvalidEvidenceInputError } from "./errors.ts";
import {
  type BlockListing,
  type BlockPage,
  blockIndexOf,
  blockListing,
  EBS_BLOCK_BYTES,
} from "./image-plan.ts";

/** Pages read at most of either list: a 16 TiB volume's 32 Mi blocks, 10 000 a page. */
const MAX_LIST_PAGES = 3_400;

/** Every page of `ListSnapshotBlocks` for the snapshot. */
export async function listSnapshotBlocks(ebs: EBSClient, snapshotId: string): Promise<BlockListing> {
  const pages: BlockPage[] = [];
  let token: string | undefined;
  do {
    const page = await awsCall("ebs:ListSnapshotBlocks", () =>
      ebs.send(
        new ListSnapshotBlocksCommand({ SnapshotId: snapshotId, NextToken: token, MaxResults: 10_000 }),
      ),
    );
    pages.push(page);
    token = page.NextToken;
    if (token && pages.length >= MAX_LIST_PAGES) {
      throw new ListBoundError(`ListSnapshotBlocks ${snapshotId} went on past ${MAX_LIST_PAGES} pages`);
    }
  } while (token);
  return blockListing(snapshotId, pages);
}

/** Reads one block and checks it against the SHA-256 the API sent with it. */
export async function readBlock(
  ebs: EBSClient,
  snapshotId: string,
  index: number,
  token: string,
): Promise<Buffer> {
  const out = await awsCall("ebs:GetSnapshotBlock", () =>
    ebs.send(new GetSnapshotBlockCommand({ SnapshotId: snapshotId, BlockIndex: index, BlockToken: token })),
  );
  const where = `${snapshotId} block ${index}`;
  const data = Buffer.from((await out.BlockData?.transformToByteArray()) ?? []);
  if (data.length !== EBS_BLOCK_BYTES) {
    throw new EvidenceIntegrityError(
      `${data.length} bytes read, a block holds ${EBS_BLOCK_BYTES}`,
      where,
      true,
    );
  }
  if (out.ChecksumAlgorithm !== "SHA256" || !out.Checksum) {
    throw new EvidenceIntegrityError(
      `no SHA-256 came with the block (algorithm ${out.ChecksumAlgorithm ?? "none"})`,
      where,
      false,
    );
  }
  const actual = createHash("sha256").update(data).digest("base64");
  if (actual !== out.Checksum) {
    throw new EvidenceIntegrityError(
      `the block's SHA-256 is ${actual}, the API's checksum ${out.Checksum}`,
      where,
      true,
    );
  }
  return data;
}

/** The artifact: the changed blocks' indexes, sorted, and what they were compared with. */
export interface ChangedBlocks {
  snapshotId: string;
  parentSnapshotId: string;
  blockBytes: number;
  volumeBytes: number;
  /** Indexes of the blocks that differ (written, changed or absent in one of the two). */
  changed: number[];
}

/** Lists the blocks `snapshotId` changed since `parentSnapshotId`, every page. */
export async function listChangedBlocks(
  ebs: EBSClient,
  parentSnapshotId: string,
  snapshotId: string,
): Promise<ChangedBlocks> {
  const changed = new Set<number>();
  let volumeGiB: number | undefined;
  let token: string | undefined;
  let pages = 0;
  do {
    const page = await awsCall("ebs:ListChangedBlocks", () =>
      ebs.send(
        new ListChangedBlocksCommand({
          FirstSnapshotId: parentSnapshotId,
          SecondSnapshotId: snapshotId,
          NextToken: token,
          MaxResults: 10_000,
        }),
      ),
    );
    pages++;
    volumeGiB ??= Number(page.VolumeSize);
    for (const [i, b] of (page.ChangedBlocks ?? []).entries()) {
      // The emulator sends indexes as strings; only whole numbers are indexes.
      const index = blockIndexOf(b.BlockIndex);
      if (index === undefined) {
        throw new InvalidEvidenceInputError(
          `not a block index: ${String(b.BlockIndex)}`,
          `ChangedBlocks[${i}].BlockIndex`,
        );
      }
      changed.add(index);
    }
    token = page.NextToken;
    if (token && pages >= MAX_LIST_PAGES) {
      throw new ListBoundError(`ListChangedBlocks ${snapshotId} went on past ${MAX_LIST_PAGES} pages`);
    }
  } while (token);
  if (!Number.isInteger(volumeGiB) || (volumeGiB as number) < 1) {
    throw new InvalidEvidenceInputError(
      `ListChangedBlocks gave no volume size: ${String(volumeGiB)}`,
      "VolumeSize",
    );
  }
  return {
    snapshotId,
    parentSnapshotId,
    blockBytes: EBS_BLOCK_BYTES,
    volumeBytes: (volumeGiB as number) * 1024 ** 3,
    changed: [...changed].sort((a, b) => a - b),
  };
}
