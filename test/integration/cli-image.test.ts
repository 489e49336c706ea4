/**
 * `responder image` against the emulator: it images only a snapshot the responder recorded for
 * the incident, continues an interrupted image from the checkpoint an earlier run left, archives
 * the image's description and the changed blocks beside it, and notes both ends on the timeline.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import {
  CompleteSnapshotCommand,
  EBSClient,
  PutSnapshotBlockCommand,
  StartSnapshotCommand,
} from "@aws-sdk/client-ebs";
import { GetObjectCommand } from "@aws-sdk/client-s3";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { checkpointPath, imageCommand } from "../../cli/commands/image.ts";
import { UsageError } from "../../cli/commands/ingest.ts";
import { type Connection, connect } from "../../cli/connect.ts";
import { s3Client } from "../../shared/aws/clients.ts";
import { imageSnapshot } from "../../shared/evidence/image.ts";
import { EBS_BLOCK_BYTES } from "../../shared/evidence/image-plan.ts";
import { testAwsOptions } from "../support/emulator.ts";
import { anIncident } from "../support/incidents.ts";

const INCIDENT = "ir-20261207-0a1b2c3e";

async function seed(ebs: EBSClient, blocks: Map<number, Buffer>): Promise<string> {
  const { SnapshotId = "" } = await ebs.send(new StartSnapshotCommand({ VolumeSize: 1 }));
  for (const [index, data] of blocks)
    await ebs.send(
      new PutSnapshotBlockCommand({
        SnapshotId,
        BlockIndex: index,
        BlockData: data,
        DataLength: data.length,
        Checksum: createHash("sha256").update(data).digest("base64"),
        ChecksumAlgorithm: "SHA256",
      }),
    );
  await ebs.send(new CompleteSnapshotCommand({ SnapshotId, ChangedBlocksCount: blocks.size }));
  return SnapshotId;
}

describe("responder image, against the emulator", () => {
  const ebs = new EBSClient(testAwsOptions());
  const block = (fill: number) => Buffer.alloc(EBS_BLOCK_BYTES, fill);
  let conn: Connection;
  let parent = "";
  let child = "";
  let stdout = "";

  beforeAll(async () => {
    conn = await connect();
    parent = await seed(ebs, new Map([0, 5, 21].map((i) => [i, block(i + 1)])));
    child = await seed(ebs, new Map([0, 5, 21].map((i) => [i, block(i === 5 ? 99 : i + 1)])));
    await conn.store.open(
      anIncident({
        incidentId: INCIDENT,
        evidence: { snapshots: [{ snapshotId: child, volumeId: "vol-0123", state: "completed" }] },
      }),
    );
  });

  afterEach(() => vi.restoreAllMocks());

  const run = async (args: Partial<Parameters<typeof imageCommand>[0]>) => {
    stdout = "";
    vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
      stdout += String(chunk);
      return true;
    });
    try {
      return await imageCommand({ incidentId: INCIDENT, snapshotId: child, json: true, ...args });
    } finally {
      vi.restoreAllMocks();
    }
  };

  it("refuses a snapshot the responder did not record for the incident, and writes nothing", async () => {
    const err = await run({ snapshotId: parent }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toBe(
      `${parent} is not a snapshot the responder took for ${INCIDENT} (${child})`,
    );
  });

  it("continues an interrupted image from its checkpoint, archives its description and changed blocks, and notes it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "responder-image-"));
    // An earlier run stopped after its first part and left its checkpoint.
    const s3 = s3Client(conn.aws);
    const bucket = conn.resources.evidenceBucket;
    const first = await imageSnapshot({
      ebs,
      s3,
      bucket,
      incidentId: INCIDENT,
      snapshotId: child,
      storageClass: "DEEP_ARCHIVE",
      shouldPause: () => true,
    });
    if (first.status !== "paused") throw new Error("not paused");
    const path = checkpointPath(dir, child);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, JSON.stringify(first.checkpoint));

    const code = await run({ parent, dir });

    expect(code).toBe(0);
    const out = JSON.parse(stdout) as {
      image: { key: string; sha256: string; parts: number; blocksRead: number };
      description: { key: string };
      changedBlocks: { changed: number[] };
    };
    const expected = Buffer.concat(
      Array.from({ length: 22 }, (_, i) =>
        i === 5 ? block(99) : [0, 21].includes(i) ? block(i + 1) : Buffer.alloc(EBS_BLOCK_BYTES),
      ),
    );
    expect(out.image).toMatchObject({
      sha256: createHash("sha256").update(expected).digest("hex"),
      parts: 2,
      blocksRead: 3,
    });
    expect(out.changedBlocks.changed).toStrictEqual([5]);
    expect(existsSync(path)).toBe(false);
    const description = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: out.description.key }));
    expect(JSON.parse(await (description.Body?.transformToString() ?? "{}"))).toMatchObject({
      snapshotId: child,
      sha256: out.image.sha256,
    });
    const timeline = (await conn.store.get(INCIDENT)).timeline.filter((t) => t.step === "disk-image");
    expect(timeline.map((t) => [t.status, t.detail.split(":")[0]])).toStrictEqual([
      ["info", `raw image of ${child} continued at part 2 by responder image`],
      ["ok", `raw image of ${child}`],
    ]);
  });
});
