/**
 * Cold start per function: the size of its bundle (raw and gzip) and the time a fresh Node
 * process takes to import it (module initialisation: the handler module's top-level
 * `createRuntime()` included), median of several processes — beside the same handler bundled
 * with esbuild's defaults (`bundle`, `format: esm`, `platform: node`, nothing else).
 *
 * Each process gets a complete environment with dummy values, the bundled policy, and an
 * AWS endpoint that only counts connections: a module that called AWS while loading would
 * show up there (it must not).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import { functionsOf, writeAssets } from "../scripts/build.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

export interface LoadFigures {
  /** Median import time, ms; undefined when the bundle does not load. */
  medianMs?: number;
  runs: number[];
  /** Why the bundle did not load. */
  error?: string;
}

export interface BundleFigures {
  rawBytes: number;
  gzipBytes: number;
  load: LoadFigures;
}

export interface ColdStartFigures {
  function: string;
  /** The project's build (scripts/build.mjs): what is deployed. */
  project: BundleFigures;
  /** esbuild defaults: bundle, format esm, platform node. */
  defaults: BundleFigures;
  /** esbuild defaults plus the createRequire banner: the least change that makes it load. */
  defaultsWithBanner: BundleFigures;
  /** Connections made to the AWS endpoint while the project's bundle loaded (must be 0). */
  awsConnectionsAtImport: number;
}

export interface ColdStartOptions {
  runs?: number;
  log?: (line: string) => void;
}

const BANNER = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

/** Builds the project's bundles when dist/ lacks one. */
function ensureProjectBundles(names: string[], log: (l: string) => void): void {
  const missing = names.filter((n) => !existsSync(join(root, "dist", n, "index.mjs")));
  if (!missing.length) return;
  log(`building bundles (missing: ${missing.join(", ")})…`);
  const out = spawnSync(process.execPath, [join(root, "scripts/build.mjs")], { cwd: root, encoding: "utf8" });
  if (out.status !== 0) throw new Error(`node scripts/build.mjs failed: ${out.stderr || out.stdout}`);
}

async function buildDefaults(name: string, dir: string, banner: boolean): Promise<string> {
  const outDir = join(dir, name);
  mkdirSync(outDir, { recursive: true });
  const outfile = join(outDir, "index.mjs");
  await build({
    absWorkingDir: root,
    entryPoints: [join(root, "functions", name, "handler.ts")],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    logLevel: "silent",
    ...(banner ? { banner: { js: BANNER } } : {}),
  });
  await writeAssets(name, outDir);
  return outfile;
}

/** Counts TCP connections to a loopback port: the AWS endpoint of the measured processes. */
async function connectionCounter(): Promise<{ endpoint: string; count: () => number; close: () => void }> {
  let n = 0;
  const server = createServer((socket) => {
    n++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return { endpoint: `http://127.0.0.1:${port}`, count: () => n, close: () => server.close() };
}

/** The environment a function has in Lambda, with dummy values. */
function lambdaEnv(bundleDir: string, endpoint: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH ?? "",
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "AKIDBENCHMARK",
    AWS_SECRET_ACCESS_KEY: "bench-secret",
    AWS_ENDPOINT_URL: endpoint,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
    INCIDENT_TABLE: "incident-responder-bench-incidents",
    EVIDENCE_BUCKET: "incident-responder-bench-evidence",
    ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:incident-responder-bench-alerts",
    EVENT_BUS_NAME: "incident-responder-bench",
    EVIDENCE_KMS_KEY_ARN: "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000",
    ISOLATION_PROFILE_ARN: "arn:aws:iam::123456789012:instance-profile/incident-responder-isolation",
    POLICY_FILE: join(bundleDir, "policy.json"),
    ...(existsSync(join(bundleDir, "cleanroom.yaml"))
      ? { CLEANROOM_TEMPLATE_FILE: join(bundleDir, "cleanroom.yaml") }
      : {}),
    STAGE: "bench",
    POWERTOOLS_SERVICE_NAME: "incident-responder",
    POWERTOOLS_METRICS_NAMESPACE: "IncidentResponder",
    POWERTOOLS_LOG_LEVEL: "WARN",
    POWERTOOLS_TRACE_ENABLED: "false",
  };
}

const PROBE = `
const t = process.hrtime.bigint();
try {
  await import(process.env.BENCH_MODULE);
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  // Give anything started at import a moment to reach the endpoint before the process ends.
  setTimeout(() => { console.log(JSON.stringify({ ms })); process.exit(0); }, 250);
} catch (err) {
  console.log(JSON.stringify({ error: String(err && err.message || err).split("\\n")[0] }));
  process.exit(0);
}`;

function importOnce(file: string, env: NodeJS.ProcessEnv): Promise<{ ms?: number; error?: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--input-type=module", "-e", PROBE], {
      cwd: dirname(file),
      env: { ...env, BENCH_MODULE: pathToFileURL(file).href },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.once("error", reject);
    child.once("close", () => {
      const line = out.trim().split("\n").pop() ?? "";
      try {
        resolve(JSON.parse(line) as { ms?: number; error?: string });
      } catch {
        resolve({ error: `no result (stderr: ${err.trim().slice(0, 200)})` });
      }
    });
  });
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

async function measureLoad(file: string, env: NodeJS.ProcessEnv, runs: number): Promise<LoadFigures> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const r = await importOnce(file, env);
    if (r.error !== undefined) return { runs: times, error: r.error };
    times.push(Math.round((r.ms ?? 0) * 10) / 10);
  }
  return { medianMs: Math.round(median(times) * 10) / 10, runs: times };
}

function sizes(file: string): { rawBytes: number; gzipBytes: number } {
  const code = readFileSync(file);
  return { rawBytes: code.length, gzipBytes: gzipSync(code, { level: 9 }).length };
}

/** Measures every function declared in serverless.yml. */
export async function runColdStartBench(opts: ColdStartOptions = {}): Promise<ColdStartFigures[]> {
  const log = opts.log ?? (() => {});
  const runs = Math.max(5, opts.runs ?? 7);
  const names = Object.keys(functionsOf());
  ensureProjectBundles(names, log);
  const tmp = mkdtempSync(join(tmpdir(), "coldstart-bench-"));
  const counter = await connectionCounter();
  try {
    const out: ColdStartFigures[] = [];
    for (const name of names) {
      log(`cold start: ${name} (${runs} fresh processes per bundle)…`);
      const project = join(root, "dist", name, "index.mjs");
      const plain = await buildDefaults(name, join(tmp, "defaults"), false);
      const bannered = await buildDefaults(name, join(tmp, "banner"), true);
      const before = counter.count();
      const projectLoad = await measureLoad(project, lambdaEnv(dirname(project), counter.endpoint), runs);
      const awsConnectionsAtImport = counter.count() - before;
      out.push({
        function: name,
        project: { ...sizes(project), load: projectLoad },
        defaults: {
          ...sizes(plain),
          load: await measureLoad(plain, lambdaEnv(dirname(plain), counter.endpoint), runs),
        },
        defaultsWithBanner: {
          ...sizes(bannered),
          load: await measureLoad(bannered, lambdaEnv(dirname(bannered), counter.endpoint), runs),
        },
        awsConnectionsAtImport,
      });
    }
    return out;
  } finally {
    counter.close();
    rmSync(tmp, { recursive: true, force: true });
  }
}
