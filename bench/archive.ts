/**
 * Benchmark: archive a large artifact (default 1 GiB), generated on the fly as a stream of
 * deterministic pseudo-random bytes (AES-256-CTR keystream), into an Object Lock + KMS
 * bucket, hashing while streaming. Reports throughput and peak RSS (sampled every 50 ms,
 * and the kernel's maxRSS), then verifies the object back the same way.
 *
 *   node --import tsx bench/archive.ts [sizeMiB]
 *
 * Uses AWS_ENDPOINT_URL when set (the emulator the caller runs); otherwise starts its own
 * `moto_server` on a free port and stops it afterwards. It never runs against AWS itself.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createCipheriv, createHash } from "node:crypto";
import { createServer } from "node:net";
import { cpus, totalmem } from "node:os";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { CreateKeyCommand, KMSClient } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { EmulatorError } from "../shared/errors/index.ts";
import { archiveArtifact } from "../shared/evidence/archive.ts";
import { Sha256Transform } from "../shared/evidence/hashing.ts";
import { buildManifest, writeManifest } from "../shared/evidence/manifest.ts";
import { verifyIncident } from "../shared/evidence/verify.ts";

const MiB = 1024 * 1024;

export interface ArchiveBenchOptions {
  /** Size of the generated artifact. Default 1024 (1 GiB). */
  sizeMiB?: number;
  /** Multipart part size. Default 8. */
  partSizeMiB?: number;
  /** Parts in flight. Default 2 (the library's default). */
  queueSize?: number;
  /** RSS sampling period. Default 50 ms. */
  sampleMs?: number;
  /** Emulator endpoint; default AWS_ENDPOINT_URL, else a moto_server started for the run. */
  endpoint?: string;
  /** Also read the object back and verify it. Default true. */
  verify?: boolean;
  /** Also time generating + hashing alone, without S3 (the local ceiling). Default true. */
  hashOnly?: boolean;
  /** Progress lines; default silent. */
  log?: (line: string) => void;
}

export interface PhaseFigures {
  seconds: number;
  mibPerSec: number;
  /** Highest RSS sampled during the phase. */
  peakRssMiB: number;
}

export interface ArchiveBenchResult {
  sizeMiB: number;
  bytes: number;
  partSizeMiB: number;
  queueSize: number;
  sha256: string;
  partCount: number;
  /** Archive (generate + hash + multipart upload). */
  archive: PhaseFigures;
  /** Verify (GetObject streamed + hash), when run. */
  verify?: PhaseFigures & { ok: boolean };
  /** Generate + hash, no S3: what the machine can do without the emulator in the way. */
  hashOnly?: { seconds: number; mibPerSec: number };
  /** RSS before the archive started (SDK loaded). */
  baselineRssMiB: number;
  /** `process.resourceUsage().maxRSS` at the end (whole process, all phases). */
  maxRssMiB: number;
  /** The archive phase stayed under this bound. */
  limitMiB: number;
  withinLimit: boolean;
  environment: {
    node: string;
    cpu: string;
    cores: number;
    totalMemMiB: number;
    platform: string;
    emulator: string;
    endpoint: string;
  };
}

const RSS_LIMIT_MIB = 200;

/** A deterministic pseudo-random byte stream of `size` bytes, produced on demand (1 MiB at a time). */
export function pseudoRandomStream(size: number, seed = "incident-responder-bench"): Readable {
  const key = createHash("sha256").update(seed).digest();
  const cipher = createCipheriv("aes-256-ctr", key, Buffer.alloc(16));
  const zeros = Buffer.alloc(MiB);
  let left = size;
  return new Readable({
    highWaterMark: MiB,
    read() {
      if (left <= 0) {
        this.push(null);
        return;
      }
      const n = Math.min(MiB, left);
      left -= n;
      this.push(cipher.update(n === MiB ? zeros : zeros.subarray(0, n)));
    },
  });
}

class RssSampler {
  private timer: NodeJS.Timeout | undefined;
  peak = 0;
  start(periodMs: number): void {
    this.peak = process.memoryUsage.rss();
    this.timer = setInterval(() => {
      this.peak = Math.max(this.peak, process.memoryUsage.rss());
    }, periodMs);
    this.timer.unref();
  }
  stop(): number {
    if (this.timer) clearInterval(this.timer);
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
    return this.peak;
  }
}

const toMiB = (bytes: number): number => Math.round((bytes / MiB) * 10) / 10;
const round = (n: number, digits = 1): number => Math.round(n * 10 ** digits) / 10 ** digits;

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts moto_server on a free port; resolves once it answers. */
async function startMoto(): Promise<{ endpoint: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const child: ChildProcess = spawn("moto_server", ["-H", "127.0.0.1", "-p", String(port)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const spawnError = new Promise<never>((_, reject) => {
    child.once("error", (err: NodeJS.ErrnoException) => {
      reject(
        new EmulatorError(
          err.code === "ENOENT"
            ? 'moto_server not found on PATH: install it with pip install "moto[server]"'
            : `moto_server could not start: ${err.message}`,
          { cause: err },
        ),
      );
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 3000).unref())]);
  };
  const ready = (async () => {
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new EmulatorError(`moto_server exited: ${stderr}`);
      try {
        const res = await fetch(`${endpoint}/moto-api/`);
        if (res.ok) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new EmulatorError(`moto_server did not answer on ${endpoint} within 20 s`);
  })();
  try {
    await Promise.race([ready, spawnError]);
  } catch (err) {
    await stop();
    throw err;
  }
  return { endpoint, stop };
}

async function motoVersion(): Promise<string> {
  try {
    const { stdout } = await promisify(execFile)("python3", ["-c", "import moto; print(moto.__version__)"], {
      timeout: 10_000,
    });
    return `moto ${stdout.trim()}`;
  } catch {
    return "moto (version unknown)";
  }
}

/** Runs the benchmark and returns its figures. */
export async function runArchiveBench(opts: ArchiveBenchOptions = {}): Promise<ArchiveBenchResult> {
  const sizeMiB = opts.sizeMiB ?? 1024;
  const partSizeMiB = opts.partSizeMiB ?? 8;
  const queueSize = opts.queueSize ?? 2;
  const sampleMs = opts.sampleMs ?? 50;
  const log = opts.log ?? (() => {});
  const bytes = sizeMiB * MiB;

  let endpoint = opts.endpoint ?? process.env.AWS_ENDPOINT_URL;
  let stopMoto: (() => Promise<void>) | undefined;
  if (!endpoint) {
    log("starting moto_server…");
    const moto = await startMoto();
    endpoint = moto.endpoint;
    stopMoto = moto.stop;
  }
  // Credentials from the environment when the caller runs the emulator, dummy ones otherwise.
  const credentials =
    process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY && !stopMoto
      ? undefined
      : { accessKeyId: "test", secretAccessKey: "test" };
  const region = process.env.AWS_REGION ?? "us-east-1";
  const s3 = new S3Client({
    endpoint,
    region,
    forcePathStyle: true,
    maxAttempts: 1,
    ...(credentials ? { credentials } : {}),
  });
  const kms = new KMSClient({ endpoint, region, maxAttempts: 1, ...(credentials ? { credentials } : {}) });

  try {
    const bucket = `bench-evidence-${Date.now()}`;
    const incidentId = `bench-${Date.now()}`;
    const key = await kms.send(new CreateKeyCommand({ Description: "archive bench" }));
    const kmsKeyId = key.KeyMetadata?.KeyId;
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }));
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: "Enabled",
          Rule: { DefaultRetention: { Mode: "COMPLIANCE", Days: 1 } },
        },
      }),
    );

    global.gc?.();
    const baselineRss = process.memoryUsage.rss();
    log(`archiving ${sizeMiB} MiB (parts of ${partSizeMiB} MiB, ${queueSize} in flight) to ${endpoint}…`);
    const sampler = new RssSampler();
    sampler.start(sampleMs);
    const t0 = performance.now();
    const record = await archiveArtifact(
      s3,
      {
        bucket,
        incidentId,
        name: "memory.raw",
        body: pseudoRandomStream(bytes),
        collector: "bench",
        sourceApiCall: "bench:generate",
        ...(kmsKeyId ? { kmsKeyId } : {}),
      },
      { partSize: partSizeMiB * MiB, queueSize },
    );
    const archiveSeconds = (performance.now() - t0) / 1000;
    const archivePeak = sampler.stop();
    if (record.size !== bytes) throw new Error(`archived ${record.size} bytes, expected ${bytes}`);
    log(`archived in ${round(archiveSeconds, 2)} s, peak RSS ${toMiB(archivePeak)} MiB`);

    let verify: ArchiveBenchResult["verify"];
    if (opts.verify ?? true) {
      const manifest = buildManifest({ incidentId, artifacts: [record], snapshots: [], createdAt: new Date() });
      await writeManifest(s3, { bucket, incidentId, manifest, retention: { days: 1 } });
      const vSampler = new RssSampler();
      vSampler.start(sampleMs);
      const v0 = performance.now();
      const report = await verifyIncident(s3, { bucket, incidentId });
      const seconds = (performance.now() - v0) / 1000;
      verify = {
        ok: report.ok,
        seconds: round(seconds, 2),
        mibPerSec: round(sizeMiB / seconds),
        peakRssMiB: toMiB(vSampler.stop()),
      };
      log(`verified (ok=${report.ok}) in ${verify.seconds} s`);
    }

    let hashOnly: ArchiveBenchResult["hashOnly"];
    if (opts.hashOnly ?? true) {
      const h0 = performance.now();
      const hasher = new Sha256Transform({ partSize: partSizeMiB * MiB });
      await pipeline(
        pseudoRandomStream(bytes),
        hasher,
        new Writable({
          write(_c, _e, cb) {
            cb();
          },
        }),
      );
      const seconds = (performance.now() - h0) / 1000;
      if (hasher.result().sha256 !== record.sha256) throw new Error("hash-only run disagrees with the archive");
      hashOnly = { seconds: round(seconds, 2), mibPerSec: round(sizeMiB / seconds) };
    }

    const peakRssMiB = toMiB(archivePeak);
    return {
      sizeMiB,
      bytes,
      partSizeMiB,
      queueSize,
      sha256: record.sha256,
      partCount: record.partCount ?? 1,
      archive: { seconds: round(archiveSeconds, 2), mibPerSec: round(sizeMiB / archiveSeconds), peakRssMiB },
      ...(verify ? { verify } : {}),
      ...(hashOnly ? { hashOnly } : {}),
      baselineRssMiB: toMiB(baselineRss),
      maxRssMiB: round(process.resourceUsage().maxRSS / 1024),
      limitMiB: RSS_LIMIT_MIB,
      withinLimit: peakRssMiB < RSS_LIMIT_MIB,
      environment: {
        node: process.version,
        cpu: cpus()[0]?.model.trim() ?? "unknown",
        cores: cpus().length,
        totalMemMiB: Math.round(totalmem() / MiB),
        platform: `${process.platform}/${process.arch}`,
        emulator: `${await motoVersion()}${stopMoto ? " (started by the bench)" : ""}`,
        endpoint,
      },
    };
  } finally {
    s3.destroy();
    kms.destroy();
    await stopMoto?.();
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const sizeArg = process.argv[2] ? Number(process.argv[2]) : undefined;
  runArchiveBench({ ...(sizeArg ? { sizeMiB: sizeArg } : {}), log: (l) => console.error(l) })
    .then((result) => {
      console.log(JSON.stringify(result, null, 2));
      if (!result.withinLimit) {
        console.error(`peak RSS ${result.archive.peakRssMiB} MiB is over ${result.limitMiB} MiB`);
        process.exitCode = 1;
      }
    })
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
}
