/**
 * Incidents end to end on the local emulator, with every AWS call recorded:
 *
 * - time to containment, one incident at a time: the GuardDuty finding put on the bus →
 *   the incident's contain step recorded `verified` (its `endedAt`), and → the last isolation
 *   swap (ModifyNetworkInterfaceAttribute to the isolation group) answered; the sequential
 *   rounds of AWS calls on that path; the AWS calls per incident by kind and function;
 * - a burst: many findings over many instances (the same finding several times, and several
 *   findings on the same instance) put on the bus at once: each instance contained exactly
 *   once, throughput, concurrency, and what went wrong on the way (throttling, failed
 *   invocations, events set aside).
 */
import { spawn } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { burstOf } from "./burst.ts";
import type {
  BurstFigures,
  ContainmentFigures,
  IncidentBenchOptions,
  IncidentBenchResult,
  SessionInfo,
} from "./incident-figures.ts";
import { inSession } from "./incident-session.ts";
import { timeToContainment } from "./time-to-contain.ts";

export type {
  BurstFigures,
  ContainmentFigures,
  Distribution,
  IncidentBenchOptions,
  IncidentBenchResult,
  SessionInfo,
} from "./incident-figures.ts";
export { distribution, roundsOf } from "./incident-figures.ts";

type Phase = { phase: "containment" } | { phase: "burst" };

/** Runs one phase in this process. */
export async function runPhase(
  phase: Phase["phase"],
  opts: IncidentBenchOptions,
): Promise<{ containment?: ContainmentFigures; burst?: BurstFigures; session: SessionInfo }> {
  const log = opts.log ?? (() => {});
  const concurrency = opts.concurrency ?? 10;
  if (phase === "containment")
    return inSession(concurrency, async (w) => ({
      containment: await timeToContainment(w, opts.incidents ?? 20, log),
    }));
  return inSession(concurrency, async (w) => ({
    burst: await burstOf(w, {
      instances: opts.burstInstances ?? 50,
      findings: opts.burstFindings ?? 200,
      vpcs: opts.burstVpcs ?? 5,
      concurrency,
      log,
    }),
  }));
}

/** Runs a phase in a child process (its own handlers, its own emulator); progress lines go to `log`. */
function phaseInChild(
  phase: Phase["phase"],
  opts: IncidentBenchOptions,
): Promise<{ containment?: ContainmentFigures; burst?: BurstFigures; session: SessionInfo }> {
  const { log, ...childOpts } = opts;
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", fileURLToPath(import.meta.url), "--child", phase, JSON.stringify(childOpts)],
      { stdio: ["ignore", "pipe", "pipe"], env: process.env },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      const text = d.toString();
      stderr = (stderr + text).slice(-4000);
      for (const line of text.split("\n")) if (line.trim()) log?.(line.trim());
    });
    child.once("error", reject);
    child.once("close", (code) => {
      const last = stdout.trim().split("\n").pop() ?? "";
      if (code !== 0) return reject(new Error(`${phase} phase exited with ${code}: ${stderr.slice(-1500)}`));
      try {
        resolve(JSON.parse(last));
      } catch {
        reject(new Error(`${phase} phase printed no result: ${stdout.slice(-500)} ${stderr.slice(-500)}`));
      }
    });
  });
}

/** Both phases, each in a child process with a fresh emulator. */
export async function runIncidentBench(opts: IncidentBenchOptions = {}): Promise<IncidentBenchResult> {
  const a = await phaseInChild("containment", opts);
  const b = await phaseInChild("burst", opts);
  if (!a.containment || !b.burst) throw new Error("a phase returned no figures");
  return { containment: a.containment, burst: b.burst, session: a.session };
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (invokedDirectly && process.argv[2] === "--child") {
  // One phase, figures as one JSON line on stdout, progress on stderr. Ctrl-C stops the emulator.
  for (const sig of ["SIGINT", "SIGTERM"] as const) process.once(sig, () => process.exit(130));
  const phase = process.argv[3] as Phase["phase"];
  const opts = JSON.parse(process.argv[4] ?? "{}") as IncidentBenchOptions;
  const t0 = Date.now();
  runPhase(phase, {
    ...opts,
    log: (l) => process.stderr.write(`${phase} ${((Date.now() - t0) / 1000).toFixed(0)} s: ${l}\n`),
  })
    .then((r) => {
      process.stdout.write(`${JSON.stringify(r)}\n`);
      process.exit(0);
    })
    .catch((err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    });
}
