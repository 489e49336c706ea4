/**
 * Which blocks of an evidence snapshot changed since a parent snapshot (the instance's AMI root
 * snapshot, the golden image), through the EBS direct API `ListChangedBlocks`: the investigator
 * reads those blocks first. The result becomes the artifact `changed-blocks.json`.
 */
import {
  type EBSClient,
  ListChangedBlocksCommand,
  type ListChangedBlocksCommandOutput,
} from "@aws-sdk/client-ebs";
import { toAwsError } from "../aws/errors.ts";
import { ListBoundError } from "../aws/pages.ts";
import { InvalidEvidenceInputError } from "./errors.ts";
import { blockIndexOf, EBS_BLOCK_BYTES } from "./image-plan.ts";

/** Pages read at most: 10 000 blocks a page, 16 TiB at most. */
const MAX_PAGES = 3_400;

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
    let page: ListChangedBlocksCommandOutput;
    try {
      page = await ebs.send(
        new ListChangedBlocksCommand({
          FirstSnapshotId: parentSnapshotId,
          SecondSnapshotId: snapshotId,
          NextToken: token,
          MaxResults: 10_000,
        }),
      );
    } catch (err) {
      throw toAwsError("ebs:ListChangedBlocks", err);
    }
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
    if (token && pages >= MAX_PAGES) {
      throw new ListBoundError(`ListChangedBlocks ${snapshotId} went on past ${MAX_PAGES} pages`);
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
