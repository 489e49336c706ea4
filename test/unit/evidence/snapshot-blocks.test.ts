/** The EBS direct API reads (mocked): every page followed, up to a bound, and each answer checked. */
import {
  EBSClient,
  ListChangedBlocksCommand,
  type ListChangedBlocksCommandInput,
  ListSnapshotBlocksCommand,
  type ListSnapshotBlocksCommandInput,
} from "@aws-sdk/client-ebs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { ListBoundError } from "../../../shared/aws/pages.ts";
import { UnsupportedError } from "../../../shared/errors/index.ts";
import { EBS_BLOCK_BYTES } from "../../../shared/evidence/image-plan.ts";
import { listChangedBlocks, listSnapshotBlocks } from "../../../shared/evidence/snapshot-blocks.ts";
import { sdkError } from "./builders.ts";

const SNAP = "snap-0123456789abcdef0";
const PARENT = "snap-0fedcba9876543210";
const ebs = new EBSClient({ region: "us-east-1" });
const ebsMock = mockClient(ebs);

beforeEach(() => ebsMock.reset());

describe("listSnapshotBlocks", () => {
  it("follows every page with the largest page size, and joins them", async () => {
    ebsMock
      .on(ListSnapshotBlocksCommand)
      .callsFake((input: ListSnapshotBlocksCommandInput) =>
        input.NextToken === undefined
          ? { Blocks: [{ BlockIndex: 9, BlockToken: "t9" }], VolumeSize: 1, NextToken: "p2" }
          : { Blocks: [{ BlockIndex: 1, BlockToken: "t1" }], VolumeSize: 1 },
      );

    const listing = await listSnapshotBlocks(ebs, SNAP);

    expect(listing.blocks).toStrictEqual([
      { index: 1, token: "t1" },
      { index: 9, token: "t9" },
    ]);
    expect(ebsMock.commandCalls(ListSnapshotBlocksCommand).map((c) => c.args[0].input)).toStrictEqual([
      { SnapshotId: SNAP, NextToken: undefined, MaxResults: 10_000 },
      { SnapshotId: SNAP, NextToken: "p2", MaxResults: 10_000 },
    ]);
  });

  it("stops at 3,400 pages (a 16 TiB volume) and says the list went on", async () => {
    ebsMock.on(ListSnapshotBlocksCommand).resolves({ Blocks: [], VolumeSize: 1, NextToken: "more" });

    const err = await listSnapshotBlocks(ebs, SNAP).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(ListBoundError);
    expect((err as Error).message).toBe(`ListSnapshotBlocks ${SNAP} went on past 3400 pages`);
    expect(ebsMock.commandCalls(ListSnapshotBlocksCommand)).toHaveLength(3400);
  });
});

describe("listChangedBlocks", () => {
  it("compares the snapshot with its parent over every page, sorted and each index once", async () => {
    ebsMock
      .on(ListChangedBlocksCommand)
      .callsFake((input: ListChangedBlocksCommandInput) =>
        input.NextToken === undefined
          ? { ChangedBlocks: [{ BlockIndex: 7 }, { BlockIndex: "2" }], VolumeSize: 8, NextToken: "p2" }
          : { ChangedBlocks: [{ BlockIndex: 2 }, { BlockIndex: 0 }], VolumeSize: 8 },
      );

    const result = await listChangedBlocks(ebs, PARENT, SNAP);

    expect(result).toStrictEqual({
      snapshotId: SNAP,
      parentSnapshotId: PARENT,
      blockBytes: EBS_BLOCK_BYTES,
      volumeBytes: 8 * 1024 ** 3,
      changed: [0, 2, 7],
    });
    expect(ebsMock.commandCalls(ListChangedBlocksCommand).map((c) => c.args[0].input)).toStrictEqual([
      { FirstSnapshotId: PARENT, SecondSnapshotId: SNAP, NextToken: undefined, MaxResults: 10_000 },
      { FirstSnapshotId: PARENT, SecondSnapshotId: SNAP, NextToken: "p2", MaxResults: 10_000 },
    ]);
  });

  it("lists nothing changed for identical snapshots", async () => {
    ebsMock.on(ListChangedBlocksCommand).resolves({ ChangedBlocks: [], VolumeSize: 1 });

    expect((await listChangedBlocks(ebs, PARENT, SNAP)).changed).toStrictEqual([]);
  });

  it("refuses an index that is not a whole number, and an answer without a volume size", async () => {
    ebsMock
      .on(ListChangedBlocksCommand)
      .resolves({ ChangedBlocks: [{ BlockIndex: 1 }, { BlockIndex: -3 }], VolumeSize: 1 });
    await expect(listChangedBlocks(ebs, PARENT, SNAP)).rejects.toThrow(
      "ChangedBlocks[1].BlockIndex: not a block index: -3",
    );

    ebsMock.on(ListChangedBlocksCommand).resolves({ ChangedBlocks: [] });
    await expect(listChangedBlocks(ebs, PARENT, SNAP)).rejects.toThrow(
      "VolumeSize: ListChangedBlocks gave no volume size: NaN",
    );
  });

  it("stops at 3,400 pages, and reports an endpoint without the API as unsupported", async () => {
    ebsMock.on(ListChangedBlocksCommand).resolves({ ChangedBlocks: [], VolumeSize: 1, NextToken: "more" });
    await expect(listChangedBlocks(ebs, PARENT, SNAP)).rejects.toBeInstanceOf(ListBoundError);
    expect(ebsMock.commandCalls(ListChangedBlocksCommand)).toHaveLength(3400);

    ebsMock.reset();
    ebsMock.on(ListChangedBlocksCommand).rejects(sdkError("NotImplemented", 501));
    await expect(listChangedBlocks(ebs, PARENT, SNAP)).rejects.toBeInstanceOf(UnsupportedError);
  });
});
