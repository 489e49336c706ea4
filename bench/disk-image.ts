/**
 * Benchmark: imaging a snapshot (default 2 GiB, every block written) through the imager of
 * shared/evidence/image.ts, against in-process stand-ins for the EBS direct APIs and S3 that
 * answer at once: the figure is the ceiling of the responder's own work (reading each block's
 * bytes, checking its SHA-256 against the API's checksum, assembling parts, the image's
 * resumable SHA-256 and each part's), not AWS's network. The emulator is not used: it keeps
 * every block and part in memory in Python and would measure itself.
 *
 *   node --import tsx bench/disk-image.ts [sizeMiB]
 *
 * Runs in a child process of its own so that its peak RSS is the imager's (plus Node and the
 * tsx loader, measured before the image starts and reported as the baseline).
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  type EBSClient,
  GetSnapshotBlockCommand,
  type GetSnapshotBlockCommandOutput,
  ListSnapshotBlocksCommand,
} from "@aws-sdk/client-ebs";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  PutObjectTaggingCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { imageSnapshot } from "../shared/evidence/image.ts";
import { EBS_BLOCK_BYTES } from "../shared/evidence/image-plan.ts";

const MiB = 1024 * 1024;

export interface DiskImageBenchResult {
  sizeMiB: number;
  seconds: number;
  mibPerSec: number;
  baselineRssMiB: number;
  peakRssMiB: number;
  parts: number;
  /** The image's SHA-256 equals one computed apart over the same bytes. */
  hashOk: boolean;
  goal: { mibPerSec: number; peakRssMiB: number; met: boolean };
}

/** Distinct block contents, served in turn (generating 2 GiB would measure the generator). */
const DISTINCT = 64;
function blocks(): { data: Buffer; checksum: string }[] {
  return Array.from({ length: DISTINCT }, (_, i) => {
    const data = Buffer.alloc(EBS_BLOCK_BYTES);
    for (let o = 0; o < data.length; o += 4) data.writeUInt32LE((o * 2654435761 + i) >>> 0, o);
    return { data, checksum: createHash("sha256").update(data).digest("base64") };
  });
}

async function measure(sizeMiB: number): Promise<DiskImageBenchResult> {
  const count = (sizeMiB * MiB) / EBS_BLOCK_BYTES;
  const served = blocks();
  const ebs = {
    send: async (command: unknown) => {
      if (command instanceof ListSnapshotBlocksCommand)
        return {
          Blocks: Array.from({ length: count }, (_, i) => ({ BlockIndex: i, BlockToken: `t${i}` })),
          VolumeSize: Math.ceil(sizeMiB / 1024),
          BlockSize: EBS_BLOCK_BYTES,
        };
      if (command instanceof GetSnapshotBlockCommand) {
        const b = served[(command.input.BlockIndex ?? 0) % DISTINCT] as { data: Buffer; checksum: string };
        // A fresh copy, as a response body off the network would be.
        const body = Buffer.from(b.data);
        return {
          BlockData: {
            transformToByteArray: async () => body,
          } as unknown as GetSnapshotBlockCommandOutput["BlockData"],
          Checksum: b.checksum,
          ChecksumAlgorithm: "SHA256",
        };
      }
      throw new Error("unexpected EBS call");
    },
  } as unknown as EBSClient;
  let parts = 0;
  const s3 = {
    send: async (command: unknown) => {
      if (command instanceof CreateMultipartUploadCommand) return { UploadId: "bench" };
      if (command instanceof UploadPartCommand) return { ETag: `"${++parts}"` };
      if (command instanceof CompleteMultipartUploadCommand) return { VersionId: "v1" };
      if (command instanceof PutObjectTaggingCommand) return {};
      throw new Error("unexpected S3 call");
    },
  } as unknown as S3Client;

  const expected = createHash("sha256");
  for (let i = 0; i < count; i++) expected.update((served[i % DISTINCT] as { data: Buffer }).data);
  const expectedSha256 = expected.digest("hex");

  global.gc?.();
  const baseline = process.memoryUsage.rss();
  let peak = baseline;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage.rss());
  }, 20);
  const started = performance.now();
  const outcome = await imageSnapshot({
    ebs,
    s3,
    bucket: "bench",
    incidentId: "inc-bench",
    snapshotId: "snap-0123456789abcdef0",
    storageClass: "DEEP_ARCHIVE",
  });
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
  const sha256 = outcome.status === "complete" ? outcome.record.sha256 : "";
  const mibPerSec = Math.round(sizeMiB / seconds);
  const peakRssMiB = Math.round(peak / MiB);
  return {
    sizeMiB,
    seconds: Math.round(seconds * 10) / 10,
    mibPerSec,
    baselineRssMiB: Math.round(baseline / MiB),
    peakRssMiB,
    parts,
    hashOk: sha256 === expectedSha256,
    goal: { mibPerSec: 150, peakRssMiB: 250, met: mibPerSec >= 150 && peakRssMiB < 250 },
  };
}

/** Runs the measurement in a child process and returns its figures. */
export async function runDiskImageBench(sizeMiB = 2048): Promise<DiskImageBenchResult> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--expose-gc", "--import", "tsx", fileURLToPath(import.meta.url), "--child", String(sizeMiB)],
    { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" }, maxBuffer: MiB },
  );
  return JSON.parse(stdout.trim().split("\n").at(-1) ?? "{}") as DiskImageBenchResult;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const child = process.argv.includes("--child");
  const size = Number(process.argv.filter((a) => /^\d+$/.test(a)).at(-1) ?? 2048);
  (child ? measure(size) : runDiskImageBench(size))
    .then((r) => process.stdout.write(`${JSON.stringify(r, null, child ? 0 : 2)}\n`))
    .catch((err: unknown) => {
      console.error(err);
      process.exit(1);
    });
}
