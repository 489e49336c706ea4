/**
 * `responder image <incidentId> <snapshotId> [--parent <snapshotId>]` — a raw disk image of one of
 * the incident's evidence snapshots, read through the EBS direct APIs (no instance, no volume)
 * into the evidence bucket: `incidents/<id>/artifacts/disk-images/<snapshot>.raw`, with its
 * description (SHA-256, sizes, blocks) beside it as `<snapshot>.json`, and with `--parent` the
 * blocks changed since that snapshot (the AMI's root snapshot) as `<snapshot>.changed-blocks.json`.
 *
 * Run with credentials that can read the snapshot's blocks (the account that owns it) and write
 * the evidence bucket. Only snapshots the responder recorded taking for the incident are imaged.
 * An interrupted run leaves a checkpoint in `.responder/images/` and the next run continues
 * from its last part (after S3 confirms the parts are still the upload's).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ebsClient, s3Client } from "../../shared/aws/clients.ts";
import {
  archiveChangedBlocks,
  archiveImageDescription,
  type DiskImageRecord,
  imageSnapshot,
} from "../../shared/evidence/image.ts";
import {
  EBS_BLOCK_BYTES,
  type ImageCheckpoint,
  ImageCheckpointSchema,
} from "../../shared/evidence/image-plan.ts";
import { listChangedBlocks } from "../../shared/evidence/snapshot-blocks.ts";
import { INCIDENT_ID_PATTERN } from "../../shared/incident/model.ts";
import { connect } from "../connect.ts";
import { bold, dim, green, printJson, text } from "../output.ts";
import { UsageError } from "./ingest.ts";

const SNAPSHOT_ID = /^snap-[0-9a-f]{8,17}$/;
const MiB = 1024 * 1024;

/** Where an interrupted image's checkpoint is kept between runs. */
export function checkpointPath(dir: string, snapshotId: string): string {
  return join(dir, ".responder", "images", `${snapshotId}.checkpoint.json`);
}

/** The checkpoint an earlier run left for this snapshot, checked; none when there is no file. */
export function readCheckpoint(path: string, snapshotId: string): ImageCheckpoint | undefined {
  if (!existsSync(path)) return undefined;
  const parsed = ImageCheckpointSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  if (!parsed.success || parsed.data.snapshotId !== snapshotId) {
    throw new UsageError(`${path} is not a checkpoint of ${snapshotId}: remove it to start the image over`);
  }
  return parsed.data;
}

export async function imageCommand(args: {
  incidentId?: string;
  snapshotId?: string;
  parent?: string;
  json: boolean;
  stage?: string;
  dir?: string;
}): Promise<number> {
  const { incidentId, snapshotId, parent } = args;
  if (!incidentId || !INCIDENT_ID_PATTERN.test(incidentId) || !snapshotId || !SNAPSHOT_ID.test(snapshotId)) {
    throw new UsageError("usage: responder image <incidentId> <snapshotId> [--parent <snapshotId>] [--json]");
  }
  if (parent !== undefined && !SNAPSHOT_ID.test(parent)) {
    throw new UsageError(`--parent needs a snapshot id like snap-0123456789abcdef0, not ${parent}`);
  }
  const conn = await connect(args.stage);
  const incident = await conn.store.find(incidentId);
  if (!incident) throw new UsageError(`no incident ${incidentId}`);
  const recorded = incident.evidence?.snapshots ?? [];
  if (!recorded.some((s) => s.snapshotId === snapshotId)) {
    throw new UsageError(
      `${snapshotId} is not a snapshot the responder took for ${incidentId} (${recorded.map((s) => s.snapshotId).join(", ") || "none recorded"})`,
    );
  }
  const ebs = ebsClient(conn.aws);
  const s3 = s3Client(conn.aws);
  const bucket = conn.resources.evidenceBucket;
  const path = checkpointPath(args.dir ?? process.cwd(), snapshotId);
  const checkpoint = readCheckpoint(path, snapshotId);
  const started = Date.now();
  const progress = (c: ImageCheckpoint) => {
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, `${JSON.stringify(c, null, 2)}\n`);
    const bytes = (c.blocksRead + c.zeroBlocks) * EBS_BLOCK_BYTES;
    const rate = bytes / MiB / Math.max((Date.now() - started) / 1000, 0.001);
    if (!args.json)
      process.stderr.write(
        `  part ${c.parts.length}: ${(bytes / MiB).toFixed(0)} MiB, ${rate.toFixed(0)} MiB/s\n`,
      );
  };
  if (checkpoint && !args.json)
    console.error(dim(`continuing from part ${checkpoint.parts.length + 1} (${path})`));
  await conn.store.note(incidentId, {
    step: "disk-image",
    status: "info",
    detail: `raw image of ${snapshotId} ${checkpoint ? `continued at part ${checkpoint.parts.length + 1}` : "started"} by responder image`,
  });
  const outcome = await imageSnapshot({
    ebs,
    s3,
    bucket,
    incidentId,
    snapshotId,
    storageClass: "DEEP_ARCHIVE",
    ...(checkpoint ? { checkpoint } : {}),
    onCheckpoint: async (c) => progress(c),
  });
  if (outcome.status !== "complete") throw new Error("the image paused without being asked to");
  const image = outcome.record;
  const archive = { s3, bucket, incidentId };
  const described = await archiveImageDescription(archive, image);
  const changed = parent ? await listChangedBlocks(ebs, parent, snapshotId) : undefined;
  if (changed) await archiveChangedBlocks(archive, changed);
  rmSync(path, { force: true });
  await conn.store.note(incidentId, {
    step: "disk-image",
    status: "ok",
    detail: `raw image of ${snapshotId}: ${image.key}, ${image.bytes} bytes, sha256 ${image.sha256}${changed ? `; ${changed.changed.length} block(s) changed since ${parent}` : ""}`,
  });
  if (args.json) {
    printJson({ image, description: described, ...(changed ? { changedBlocks: changed } : {}) });
    return 0;
  }
  printImage(image, bucket, changed?.changed.length, parent);
  return 0;
}

function printImage(image: DiskImageRecord, bucket: string, changed?: number, parent?: string): void {
  console.log(`${bold("Raw image of")} ${image.snapshotId}: ${green("complete")}`);
  console.log(
    `  s3://${bucket}/${text(image.key)}${image.versionId ? ` (version ${text(image.versionId)})` : ""}`,
  );
  console.log(`  sha256 ${image.sha256}`);
  console.log(
    `  ${image.bytes} bytes of a ${image.volumeBytes}-byte volume: ${image.blocksRead} blocks read, ${image.zeroBlocks} unwritten (zeros), ${image.parts} parts, ${image.storageClass}`,
  );
  if (changed !== undefined) console.log(`  ${changed} block(s) changed since ${parent}`);
  for (const n of image.notes) console.log(dim(`  note: ${text(n)}`));
  console.log(dim(`  full size after download: truncate -s ${image.volumeBytes} ${image.snapshotId}.raw`));
}
