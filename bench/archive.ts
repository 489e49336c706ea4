/**
 * Benchmark: archive a large artifact (default 1 GiB), generated on the fly as a stream of
 * deterministic pseudo-random bytes (AES-256-CTR keystream), into an Object Lock + KMS
 * bucket, hashing while streaming. Reports throughput and peak RSS (sampled every 50 ms,
 * and the kernel's maxRSS), then verifies the object back the same way.
 *
 *   node --import tsx bench/archive.ts [sizeMiB]
 *
 * Uses AWS_ENDPOINT_URL when set (the emulator the caller runs); otherwise starts moto with
 * the project's launcher (`cli/local/emulator.ts`) and stops it afterwards. It never runs
 * against AWS itself.
 *
 * RSS is a whole-process figure, so by default the measurement runs in a child process of its
 * own, from an esbuild bundle of this file (as the Lambda functions are deployed): neither the
 * caller's other work nor the tsx loader (about 30 MiB) is counted. `isolate: false` measures
 * in the calling process instead.
 */
import { execFile, spawn } from "node:child_process";
import { createCipheriv, createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import { join } from "node:path";
import { Readable, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
} from "@aws-sdk/client-s3";
import { emulatorEnv, startEmulator } from "../cli/local/emulator.ts";
import { kmsClient, s3Client } from "../shared/aws/clients.ts";
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
  /** Measure in a child process running an esbuild bundle of this file. Default true. */
  isolate?: boolean;
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
    /** How the measured process ran: bundled child process, or in the caller's process. */
    runtime: string;
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
  const log = opts.log ?? (() => {});
  // The project's one emulator launcher: borrows AWS_ENDPOINT_URL when set, else starts moto.
  const emulator = opts.endpoint
    ? { endpoint: opts.endpoint, owned: false, stop: async () => {} }
    : await startEmulator();
  if (emulator.owned) log(`started moto_server at ${emulator.endpoint}`);
  const endpoint = emulator.endpoint;
  const env = emulatorEnv(endpoint);
  const credentials = {
    accessKeyId: env.AWS_ACCESS_KEY_ID ?? "testing",
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? "testing",
  };
  try {
    const figures =
      (opts.isolate ?? true)
        ? await measureInChild({ ...opts, endpoint }, credentials, log)
        : await measure({ ...opts, endpoint }, credentials, log, "in-process");
    const name = `${await motoVersion()}${emulator.owned ? " (started by the bench)" : ""}`;
    return { ...figures, environment: { ...figures.environment, emulator: name } };
  } finally {
    await emulator.stop();
  }
}

/** Bundles this file with esbuild and runs the measurement in a child `node` process. */
async function measureInChild(
  opts: ArchiveBenchOptions & { endpoint: string },
  credentials: { accessKeyId: string; secretAccessKey: string },
  log: (line: string) => void,
): Promise<ArchiveBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), "archive-bench-"));
  try {
    const outfile = join(dir, "archive-bench.mjs");
    const esbuild = await import("esbuild");
    await esbuild.build({
      entryPoints: [fileURLToPath(import.meta.url)],
      outfile,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
      mainFields: ["module", "main"],
      external: ["esbuild"],
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: "silent",
    });
    const { log: _log, isolate: _isolate, ...childOpts } = opts;
    const child = spawn(process.execPath, [outfile, "--child", JSON.stringify(childOpts)], {
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
      },
    });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr?.on("data", (d: Buffer) => {
      const text = d.toString();
      stderr = (stderr + text).slice(-4000);
      for (const line of text.split("\n")) if (line.trim()) log(line);
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once("error", reject);
      child.once("close", resolve);
    });
    if (code !== 0) throw new Error(`bench child exited with ${code}: ${stderr}`);
    return JSON.parse(stdout) as ArchiveBenchResult;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The measurement itself, in this process. */
async function measure(
  opts: ArchiveBenchOptions & { endpoint: string },
  credentials: { accessKeyId: string; secretAccessKey: string },
  log: (line: string) => void,
  runtime: string,
): Promise<ArchiveBenchResult> {
  const sizeMiB = opts.sizeMiB ?? 1024;
  const partSizeMiB = opts.partSizeMiB ?? 8;
  const queueSize = opts.queueSize ?? 2;
  const sampleMs = opts.sampleMs ?? 50;
  const bytes = sizeMiB * MiB;
  const { endpoint } = opts;
  const region = process.env.AWS_REGION ?? "us-east-1";
  // The project's client factories (path-style addressing when an endpoint is given).
  const s3 = s3Client({ endpoint, region, maxAttempts: 1, credentials });
  const kms = kmsClient({ endpoint, region, maxAttempts: 1, credentials });

  try {
    const bucket = `bench-evidence-${Date.now()}`;
    const incidentId = `bench-${Date.now()}`;
    const key = await kms.send(new CreateKeyCommand({ Description: "archive bench" }));
    const kmsKeyId = key.KeyMetadata?.KeyId;
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
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
      const manifest = buildManifest({
        incidentId,
        artifacts: [record],
        snapshots: [],
        createdAt: new Date(),
      });
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
      if (hasher.result().sha256 !== record.sha256)
        throw new Error("hash-only run disagrees with the archive");
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
        runtime,
        emulator: "moto",
        endpoint,
      },
    };
  } finally {
    s3.destroy();
    kms.destroy();
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly && process.argv[2] === "--child") {
  // The isolated measurement: figures as JSON on stdout, progress on stderr.
  const childOpts = JSON.parse(process.argv[3] ?? "{}") as ArchiveBenchOptions & { endpoint: string };
  const credentials = {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? "test",
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? "test",
  };
  measure(
    childOpts,
    credentials,
    (l) => console.error(l),
    "child process, esbuild bundle (as deployed), no tsx",
  )
    .then((result) => console.log(JSON.stringify(result)))
    .catch((err: unknown) => {
      console.error(err);
      process.exitCode = 1;
    });
} else if (invokedDirectly) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const sizeArg = process.argv[2] ? Number(process.argv[2]) : undefined;
  const isolate = !process.argv.includes("--in-process");
  runArchiveBench({ ...(sizeArg ? { sizeMiB: sizeArg } : {}), isolate, log: (l) => console.error(l) })
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
