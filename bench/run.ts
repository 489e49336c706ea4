/**
 * The benchmark: speed and scale of the responder, measured on this machine against the
 * local emulator, each figure with what it was measured on and what limits it.
 *
 *   npm run bench               the whole benchmark (about 7 minutes on 2 cores)
 *   npm run bench -- --quick    smaller sizes, for trying the bench itself
 *
 * Prints a table and writes bench/results.json. Never part of `npm test`.
 *
 *   1. time to containment: 20 incidents, one at a time (bench/incidents.ts)
 *   2. a burst: 200 findings over 50 instances, put on the bus at once (bench/incidents.ts)
 *   3. cold start per function: bundle size and module initialisation (bench/coldstart.ts)
 *   4. evidence: archiving a generated 1 GiB artifact (bench/archive.ts)
 *   5. evidence: a raw disk image of a 2 GiB snapshot, the imager's own ceiling (bench/disk-image.ts)
 */
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ArchiveBenchResult, runArchiveBench } from "./archive.ts";
import { type ColdStartFigures, runColdStartBench } from "./coldstart.ts";
import { type DiskImageBenchResult, runDiskImageBench } from "./disk-image.ts";
import { type IncidentBenchResult, runIncidentBench } from "./incidents.ts";
import { describeMachine, type Machine, machineLine } from "./machine.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quick = process.argv.includes("--quick");
const SIZES = quick
  ? {
      incidents: 5,
      burstInstances: 10,
      burstFindings: 40,
      burstVpcs: 2,
      coldRuns: 5,
      archiveMiB: 128,
      imageMiB: 256,
    }
  : {
      incidents: 20,
      burstInstances: 50,
      burstFindings: 200,
      burstVpcs: 5,
      coldRuns: 5,
      archiveMiB: 1024,
      imageMiB: 2048,
    };

const started = Date.now();
const progress = (line: string) =>
  process.stderr.write(`  [${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${line}\n`);

// Powertools' metrics warn on stdout when an invocation published none: not part of the table.
const write = process.stdout.write.bind(process.stdout);
let table = "";
const out = (line = "") => {
  table += `${line}\n`;
  write(`${line}\n`);
};
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  if (String(chunk).includes("No application metrics to publish")) return true;
  return (write as (c: string | Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;

const ms = (n: number) => `${Math.round(n).toLocaleString("en-US")} ms`;
const kib = (n: number) => `${(n / 1024).toFixed(0)} KiB`;
const pad = (s: string, n: number) => s.padEnd(n);
const lpad = (s: string, n: number) => s.padStart(n);

function wrap(text: string, indent: string, width = 100): string {
  const words = text.split(/\s+/);
  const lines: string[] = [];
  let line = "";
  for (const w of words) {
    if ((line + w).length > width - indent.length && line) {
      lines.push(line.trimEnd());
      line = "";
    }
    line += `${w} `;
  }
  if (line.trim()) lines.push(line.trimEnd());
  return lines.map((l) => indent + l).join("\n");
}

const limits = (text: string) => out(wrap(`Limits: ${text}`, "    "));

// --- 1 and 2 ---------------------------------------------------------------------------------

function printContainment(r: IncidentBenchResult, machine: Machine): string {
  const c = r.containment;
  out(`1. Time to containment — ${c.incidents} incidents, one at a time, on the local emulator`);
  out(
    `   on: ${machine.moto} (in-memory, one Python process) + the responder's handlers in one Node process`,
  );
  out(`   target: ${c.instanceShape}; a real-format GuardDuty finding (severity 8) per incident`);
  out(
    "   policy: the default one with clean rooms off and the hourly containment cap raised (bench/incident-session.ts); one warm-up incident not counted",
  );
  out();
  out(`   ${pad("figure", 46)}${lpad("median", 10)}${lpad("p95", 10)}${lpad("min", 10)}${lpad("max", 10)}`);
  const row = (label: string, d: { median: number; p95: number; min: number; max: number }, f = ms) =>
    out(
      `   ${pad(label, 46)}${lpad(f(d.median), 10)}${lpad(f(d.p95), 10)}${lpad(f(d.min), 10)}${lpad(f(d.max), 10)}`,
    );
  row("finding on the bus → containment verified", c.timeToContainMs);
  row("finding on the bus → last isolation swap done", c.timeToIsolateMs);
  const n = (x: number) => String(Math.round(x * 10) / 10);
  row("sequential rounds to isolation (containment)", c.rounds, n);
  row("rounds seen in the call log, to isolation", c.observedRounds, n);
  row("rounds seen in the call log, with verification", c.totalRounds, n);
  row("one AWS call of the contain function", c.awsCallMs);
  const b = c.breakdownMs;
  out(
    `   where the time goes (medians): bus → triage starts ${ms(b.busToTriage)} · triage ${ms(b.triage)} · ` +
      `bus → contain starts ${ms(b.busToContain)} · contain → isolated ${ms(b.containToIsolated)} · isolated → verified ${ms(b.isolatedToVerified)}`,
  );
  out(
    `   drift: the first 5 incidents ${ms(c.driftMs.first5)}, the last 5 ${ms(c.driftMs.last5)} (median time to containment)`,
  );
  out(`   all ${c.incidents} verified: ${c.allVerified ? "yes" : "NO"}`);
  out();
  const total = Object.values(c.callsPerIncidentByFunction).reduce((a, x) => a + x, 0);
  out(
    `   AWS calls per incident: ${Object.entries(c.callsPerIncidentByFunction)
      .map(([fn, k]) => `${fn} ${k}`)
      .join(" · ")} · total ${Math.round(total)}`,
  );
  for (const fn of Object.keys(c.callsPerIncident)) {
    const kinds = Object.entries(c.callsPerIncident[fn] ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
    out(wrap(`${fn}: ${kinds}`, "     "));
  }
  out();
  limits(
    `the emulator answers each call in about ${ms(c.awsCallMs.median)} (median, p95 ${ms(c.awsCallMs.p95)}), so the figure is ` +
      `mostly event plumbing (EventBridge → SQS → the runner's long poll, twice: to triage, then to contain) and ` +
      `${c.rounds.median} sequential rounds of calls. Our code fixes the rounds: read everything, move every interface to the ` +
      `all-open untracking group (with evidence protection, Elastic IPs, profile, Auto Scaling and tags beside it), then to the ` +
      `isolation group; the first incident in a VPC adds one or two rounds to create the two groups (max ${c.rounds.max}). ` +
      `The drift comes from the emulator: its lookups scan everything it holds (instances, snapshots, objects, table items), which ` +
      `grows with each incident. In AWS an EC2 call takes tens to a few hundred ms and a Lambda invocation from EventBridge ` +
      `adds its own delivery latency: not measured here. AWS limits on this path: EC2 API throttling per account and Region ` +
      `(token buckets per API, e.g. 100 tokens refilled at 20/s for a Describe* action; mutating actions have their own), ` +
      `shared with everything else in the account.`,
  );
  return "";
}

function printBurst(r: IncidentBenchResult, machine: Machine): void {
  const b = r.burst;
  out(
    `2. Burst — ${b.findings} findings (${b.distinctFindings} distinct: each instance gets one finding ${Math.round(b.findings / b.instances) - 1} times ` +
      `and a second one once) over ${b.instances} instances in ${b.vpcs} VPCs, put on the bus at once (${Math.ceil(b.findings / 10)} PutEvents in parallel)`,
  );
  out(
    `   on: ${machine.moto}, a fresh one; policy as in 1; the runner allows ${b.concurrencyPerFunction} concurrent invocations per function`,
  );
  out(
    wrap(
      `DynamoDB transactions are kept isolated, as DynamoDB's are (cli/local/transactions.ts): moto copies the whole ` +
        `table before TransactWriteItems and puts the copy back when it cancels one, undoing what other requests wrote ` +
        `meanwhile — and every duplicate finding is turned away by a cancelled transaction (${b.cancelledTransactions} here).`,
      "   ",
    ),
  );
  out();
  for (const c of b.checks)
    out(`   ${c.pass ? "✓" : c.core === false ? "!" : "✗"} ${pad(c.what, 66)} ${c.detail}`);
  if (b.checks.some((c) => !c.pass && c.core === false))
    out("   ! = not a failure of exactly-once containment: see the anomalies below");
  out();
  out(
    `   ${pad("all contained (first PutEvents → last contain step verified)", 66)} ${b.containedSeconds} s`,
  );
  out(`   ${pad("all settled (→ last step of the last incident ended)", 66)} ${b.settledSeconds} s`);
  out(
    `   ${pad("throughput", 66)} ${b.incidentsContainedPerSecond} incidents contained/s, ${b.incidentsSettledPerSecond} settled/s`,
  );
  out(
    `   ${pad("time to containment under the burst", 66)} median ${ms(b.timeToContainMs.median)}, p95 ${ms(b.timeToContainMs.p95)}, max ${ms(b.timeToContainMs.max)}`,
  );
  out(`   ${pad("maximum concurrent invocations (all functions)", 66)} ${b.maxConcurrency}`);
  out(`   ${pad("duplicates turned away (cancelled DynamoDB transactions)", 66)} ${b.cancelledTransactions}`);
  out(`   ${pad("AWS calls made", 66)} ${b.awsCalls.toLocaleString("en-US")}`);
  out(`   ${pad("throttling errors left after the SDK's retries", 66)} ${b.throttlingUnretried}`);
  out(
    `   ${pad("invocations / failed (retried by the runner) / events set aside", 66)} ${b.invocations} / ${b.failedInvocations} / ${b.eventsSetAside}`,
  );
  out(
    `   ${pad("CPU during the burst: emulator / responder", 66)} ${b.cpu.motoSeconds ?? "?"} s / ${b.cpu.nodeSeconds} s`,
  );
  out(
    wrap(
      `call errors after retries (expected ones included): ${
        Object.entries(b.callErrors)
          .map(([k, v]) => `${k} ${v}`)
          .join(", ") || "none"
      }`,
      "   ",
    ),
  );
  for (const f of b.failures)
    out(wrap(`failed invocation: ${f.fn} (attempt ${f.attempt}): ${f.error.split("\n")[0]}`, "   "));
  for (const a of b.anomalies)
    out(
      wrap(
        `anomaly: ${a.incidentId} lists findings ${a.findings.join(", ")}; steps ${Object.entries(a.steps)
          .map(([k, v]) => `${k} ${v.split(" ")[0]}`)
          .join(", ")}`,
        "   ",
      ),
    );
  if (b.anomalies.some((a) => a.findings.length > new Set(a.findings).size))
    out(
      wrap(
        "why: DynamoIncidentStore.joinFinding (shared/incident/store.ts) writes the finding's marker without a condition, " +
          "so two copies of a finding that both arrive while another finding's incident is open on the same instance " +
          "both join it: the finding is listed twice and its joining is on the timeline twice.",
        "   ",
      ),
    );
  out(
    wrap(
      `waiting on (call time summed over concurrent calls): ${b.slowestOperations.map((o) => `${o.op} ${o.seconds} s`).join(", ")}`,
      "   ",
    ),
  );
  out();
  limits(
    `the emulator: one moto_server process serves every call (Python, one interpreter lock), ${b.cpu.motoSeconds ?? "?"} CPU-s ` +
      `against ${b.cpu.nodeSeconds} CPU-s for the responder on ${machine.cores} cores, so the throughput is the emulator's, not ` +
      `the responder's; and the runner's ${b.concurrencyPerFunction} invocations per function (Lambda: 1,000 concurrent ` +
      `executions per Region by default, shared by the account). Our code: each incident costs about ${Math.round(
        b.awsCalls / b.instances,
      )} calls here (evidence included, no clean room), and duplicates cost a triage each (a conditional write turns them away). ` +
      `The policy's blast-radius cap (maxContainmentsPerHour, 10 by default) was raised for this run: with the default policy ` +
      `the 11th and later containments of the hour wait for a person's approval. AWS limits the bench does not reach: EC2 API ` +
      `throttling per account and Region (a burst of containments spends the mutating-action tokens first; adaptive retry ` +
      `absorbs RequestLimitExceeded, see test/integration/faults-throttling.test.ts); EBS allows 5 concurrent pending snapshots ` +
      `per gp2/gp3/io1/io2 volume and 1 per st1/sc1 volume (ConcurrentSnapshotLimitExceeded; one incident takes one per volume, ` +
      `so repeated incidents on one instance while its snapshots are pending would hit it) and limits pending snapshots per ` +
      `account (Service Quotas); EventBridge PutEvents and SNS Publish have per-Region request quotas far above this burst.`,
  );
}

// --- 3 ---------------------------------------------------------------------------------------

/** The biggest packages in a bundle, from the build's metafile. */
function heaviestInputs(fn: string, top = 3): string {
  try {
    const meta = JSON.parse(readFileSync(join(root, "dist", `${fn}.meta.json`), "utf8")) as {
      outputs: Record<string, { entryPoint?: string; inputs: Record<string, { bytesInOutput: number }> }>;
    };
    const output = Object.values(meta.outputs).find((o) => o.entryPoint);
    const by: Record<string, number> = {};
    for (const [path, v] of Object.entries(output?.inputs ?? {})) {
      const key = path
        .replace(/^node_modules\/((@[^/]+\/)?[^/]+).*/, "$1")
        .replace(/^(shared\/[^/]+).*/, "$1")
        .replace(/^(functions\/[^/]+).*/, "$1");
      by[key] = (by[key] ?? 0) + v.bytesInOutput;
    }
    return Object.entries(by)
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, v]) => `${k} ${kib(v)}`)
      .join(", ");
  } catch {
    return "(no metafile)";
  }
}

function printColdStart(figures: ColdStartFigures[], machine: Machine, runs: number): void {
  out(
    `3. Cold start per function — bundle size and module initialisation in a fresh Node process (median of ${runs}), beside esbuild's defaults`,
  );
  out(
    `   on: Node ${machine.node}, ${machine.cpu}; import() of the bundle with a complete dummy environment (no AWS reachable)`,
  );
  out();
  out(
    `   ${pad("function", 11)}${lpad("bundle", 10)}${lpad("gzip", 10)}${lpad("init", 10)}  │ ${pad("esbuild defaults", 36)}│ ${pad("defaults + createRequire banner", 42)}│ AWS calls`,
  );
  out(
    `   ${pad("", 11)}${lpad("", 10)}${lpad("", 10)}${lpad("", 10)}  │ ${pad("bundle / gzip / init", 36)}│ ${pad("bundle / init / ratio to ours", 42)}│ at import`,
  );
  for (const f of figures) {
    const p = f.project;
    const d = f.defaults;
    const w = f.defaultsWithBanner;
    const dInit = d.load.medianMs !== undefined ? ms(d.load.medianMs) : "does not load";
    const ratio =
      w.load.medianMs !== undefined && p.load.medianMs
        ? `${(w.load.medianMs / p.load.medianMs).toFixed(1)}× init, ${(w.rawBytes / p.rawBytes).toFixed(1)}× size`
        : "—";
    out(
      `   ${pad(f.function, 11)}${lpad(kib(p.rawBytes), 10)}${lpad(kib(p.gzipBytes), 10)}${lpad(p.load.medianMs !== undefined ? ms(p.load.medianMs) : "FAILS", 10)}  │ ${pad(
        `${kib(d.rawBytes)} / ${kib(d.gzipBytes)} / ${dInit}`,
        36,
      )}│ ${pad(`${kib(w.rawBytes)} / ${w.load.medianMs !== undefined ? ms(w.load.medianMs) : "fails"} / ${ratio}`, 42)}│ ${f.awsConnectionsAtImport}`,
    );
  }
  const ours = figures.find((f) => f.project.load.error);
  if (ours) out(`   OUR BUNDLE FAILS at import (${ours.function}): ${ours.project.load.error}`);
  const failure = figures.find((f) => f.defaults.load.error)?.defaults.load.error;
  if (failure) out(`   esbuild defaults fail at import: ${failure}`);
  const bannerFailure = figures.find((f) => f.defaultsWithBanner.load.error)?.defaultsWithBanner.load.error;
  if (bannerFailure) out(`   esbuild defaults + banner fail at import: ${bannerFailure}`);
  out(
    `   heaviest inputs (ours): ${figures.map((f) => `${f.function}: ${heaviestInputs(f.function)}`).join("; ")}`,
  );
  out();
  limits(
    `our code: each function bundles only its own logic (functions/<name>/logic.ts) and SDK clients; the SDK's core, ` +
      `zod and the X-Ray SDK dominate. The SDK schemas of operations a function never calls are dropped ` +
      `(scripts/sdk-schema-keys.mjs) and the bundles read their policy as JSON, without the YAML parser. Initialisation ` +
      `includes createRuntime (config, the policy read and validated). Measured as import() time on this CPU: Lambda's cold start adds downloading and unpacking the zip and ` +
      `starting the runtime (not measured), and runs on the CPU share of the function's memory setting. esbuild's defaults ` +
      `resolve CommonJS builds (main before module) that ESM output cannot load without a require shim.`,
  );
}

// --- 4 ---------------------------------------------------------------------------------------

function printArchive(a: ArchiveBenchResult, machine: Machine): void {
  out(
    `4. Evidence — archiving a generated ${a.sizeMiB >= 1024 ? `${a.sizeMiB / 1024} GiB` : `${a.sizeMiB} MiB`} artifact (SHA-256 while streaming, multipart to an Object Lock + KMS bucket)`,
  );
  out(`   on: ${a.environment.emulator}; ${a.environment.runtime}; ${machine.cores} cores`);
  out();
  out(
    `   ${pad("archive (generate + hash + multipart upload)", 52)} ${a.archive.mibPerSec} MiB/s (${a.archive.seconds} s), peak RSS ${a.archive.peakRssMiB} MiB`,
  );
  if (a.verify)
    out(
      `   ${pad("verify (download + hash)", 52)} ${a.verify.mibPerSec} MiB/s (${a.verify.seconds} s), peak RSS ${a.verify.peakRssMiB} MiB, ok: ${a.verify.ok}`,
    );
  if (a.hashOnly) out(`   ${pad("generate + hash only (no S3)", 52)} ${a.hashOnly.mibPerSec} MiB/s`);
  out(
    `   ${pad("memory", 52)} baseline ${a.baselineRssMiB} MiB, max RSS ${a.maxRssMiB} MiB (limit ${a.limitMiB} MiB: ${a.withinLimit ? "within" : "OVER"})`,
  );
  out(`   ${pad("parts", 52)} ${a.partCount} × ${a.partSizeMiB} MiB, ${a.queueSize} in flight`);
  out();
  limits(
    `the emulator: moto keeps each part in memory and copies it to assemble the object, on the same cores as the ` +
      `responder; hashing alone runs at ${a.hashOnly?.mibPerSec ?? "?"} MiB/s, so the upload path, not our hashing, sets the ` +
      `pace. Our code bounds memory: parts of ${a.partSizeMiB} MiB, ${a.queueSize} in flight, streamed — the peak does not grow ` +
      `with the artifact. In AWS: S3 multipart throughput per connection and the function's network share (Lambda's CPU and ` +
      `network scale with its memory setting); S3 allows 10,000 parts per upload (${a.partSizeMiB} MiB parts: up to ` +
      `${((a.partSizeMiB * 10000) / 1024).toFixed(0)} GiB) and a Lambda function runs at most 15 minutes.`,
  );
}

// --- 5 ---------------------------------------------------------------------------------------

function printDiskImage(d: DiskImageBenchResult, machine: Machine): void {
  out(
    `5. Evidence — a raw disk image of a ${d.sizeMiB >= 1024 ? `${d.sizeMiB / 1024} GiB` : `${d.sizeMiB} MiB`} snapshot, every block written (shared/evidence/image.ts)`,
  );
  out(
    `   on: in-process stand-ins for the EBS direct APIs and S3 that answer at once; ${machine.cores} cores`,
  );
  out();
  out(
    `   ${pad("image (read + check each block + parts + SHA-256)", 52)} ${d.mibPerSec} MiB/s (${d.seconds} s), ${d.parts} parts, SHA-256 right: ${d.hashOk ? "yes" : "NO"}`,
  );
  out(
    `   ${pad("memory", 52)} baseline ${d.baselineRssMiB} MiB (Node, the SDK, tsx), peak RSS ${d.peakRssMiB} MiB`,
  );
  out(
    `   ${pad("goal", 52)} ≥ ${d.goal.mibPerSec} MiB/s and < ${d.goal.peakRssMiB} MB RSS: ${d.goal.met ? "met" : "NOT met"}`,
  );
  out();
  limits(
    "the image's SHA-256 must survive an invocation (a long image continues in the next one), and Node's own hash " +
      "cannot save its state: the image is hashed by hash-wasm's WebAssembly SHA-256, about ten times slower than Node's " +
      "(which uses the CPU's SHA instructions), and that hash sets the pace. Each block is also checked against its API " +
      "checksum and each part hashed for S3, both with Node's hash. In AWS: GetSnapshotBlock throughput per snapshot " +
      "and the function's network share.",
  );
}

// --- main ------------------------------------------------------------------------------------

async function main(): Promise<void> {
  // Ctrl-C: exit through process.exit so that the emulators this process started are stopped.
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => process.exit(130));
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
  const machine = await describeMachine();
  out(`Incident Responder — benchmark${quick ? " (quick sizes)" : ""}`);
  out(`Measured on: ${machineLine(machine)}`);
  out(
    process.env.AWS_ENDPOINT_URL
      ? `Emulator: borrowed from AWS_ENDPOINT_URL=${process.env.AWS_ENDPOINT_URL} (shared with whatever else uses it)`
      : "Emulator: moto_server started by the bench for each part (loopback, in-memory)",
  );
  out("Figures are from the emulator on this machine, not from AWS: each says what limits it.");
  out();

  progress("cold start…");
  const coldStart = await runColdStartBench({ runs: SIZES.coldRuns, log: progress });
  progress("incidents…");
  const incidents = await runIncidentBench({
    incidents: SIZES.incidents,
    burstInstances: SIZES.burstInstances,
    burstFindings: SIZES.burstFindings,
    burstVpcs: SIZES.burstVpcs,
    log: progress,
  });
  progress(`archive of ${SIZES.archiveMiB} MiB…`);
  const archive = await runArchiveBench({ sizeMiB: SIZES.archiveMiB, log: progress });
  progress(`disk image of ${SIZES.imageMiB} MiB…`);
  const diskImage = await runDiskImageBench(SIZES.imageMiB);

  printContainment(incidents, machine);
  out();
  printBurst(incidents, machine);
  out();
  printColdStart(coldStart, machine, SIZES.coldRuns);
  out();
  printArchive(archive, machine);
  out();
  printDiskImage(diskImage, machine);
  out();
  const seconds = Math.round((Date.now() - started) / 1000);
  out(`Ran in ${seconds} s. Figures in bench/results.json.`);

  writeFileSync(
    join(root, "bench", "results.json"),
    `${JSON.stringify(
      {
        machine,
        quick,
        sizes: SIZES,
        seconds,
        containment: incidents.containment,
        burst: incidents.burst,
        session: incidents.session,
        coldStart,
        archive,
        diskImage,
        table,
      },
      null,
      2,
    )}\n`,
  );
  // The bench fails when containment was not exactly once; the other checks are reported.
  const failed = incidents.burst.checks.filter((c) => !c.pass && c.core !== false);
  if (failed.length || !incidents.containment.allVerified) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exitCode = 1;
});
