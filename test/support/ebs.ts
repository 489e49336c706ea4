/**
 * Snapshots written through the EBS direct APIs, with known blocks: the only snapshots whose
 * blocks the emulator (moto) can read back.
 */
import { createHash } from "node:crypto";
import {
  CompleteSnapshotCommand,
  type EBSClient,
  PutSnapshotBlockCommand,
  StartSnapshotCommand,
} from "@aws-sdk/client-ebs";

/** Writes a 1 GiB snapshot with these blocks (index → 512 KiB of data); returns its id. */
export async function seedSnapshot(ebs: EBSClient, blocks: Map<number, Buffer>): Promise<string> {
  const started = await ebs.send(
    new StartSnapshotCommand({ VolumeSize: 1, Description: "seeded by a test" }),
  );
  const snapshotId = started.SnapshotId ?? "";
  for (const [index, data] of blocks) {
    await ebs.send(
      new PutSnapshotBlockCommand({
        SnapshotId: snapshotId,
        BlockIndex: index,
        BlockData: data,
        DataLength: data.length,
        Checksum: createHash("sha256").update(data).digest("base64"),
        ChecksumAlgorithm: "SHA256",
      }),
    );
  }
  await ebs.send(new CompleteSnapshotCommand({ SnapshotId: snapshotId, ChangedBlocksCount: blocks.size }));
  return snapshotId;
}
