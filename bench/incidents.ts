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
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { DescribeSecurityGroupsCommand, DescribeSnapshotsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { type EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { waitForIncidentOf, waitForSettled } from "../cli/drill/watch.ts";
import { CallHooks, type CallRecord } from "../cli/local/instrument.ts";
import { type LocalSession, startLocalSession } from "../cli/local/session.ts";
import { isolateEmulatorTransactions } from "../cli/local/transactions.ts";
import { dynamoDocClient, ec2Client, eventsClient, iamClient } from "../shared/aws/clients.ts";
import { isThrottling } from "../shared/aws/errors.ts";
import { defaultPolicyFile } from "../shared/config/index.ts";
import type { IncidentRecord } from "../shared/incident/model.ts";
import { DynamoIncidentStore } from "../shared/incident/store.ts";
import { type FleetInstance, guardDutyFinding, seedFleet } from "./fleet.ts";

const ISOLATION_GROUP = "incident-responder-isolation";
const UNTRACKING_GROUP = "incident-responder-untracking";
/** The account's services: what containment acts on (the responder's own table, topic and bus are not). */
const ACCOUNT_SERVICES = new Set(["EC2", "AutoScaling", "ElasticLoadBalancingV2", "IAM"]);

export interface Distribution {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

export interface ContainmentFigures {
  incidents: number;
  instanceShape: string;
  allVerified: boolean;
  /** Finding put on the bus → contain step recorded verified (ms). */
  timeToContainMs: Distribution;
  /** Finding put on the bus → the last isolation swap answered (ms). */
  timeToIsolateMs: Distribution;
  /** Where the time goes (medians, ms). */
  breakdownMs: {
    busToTriage: number;
    triage: number;
    busToContain: number;
    containToIsolated: number;
    isolatedToVerified: number;
  };
  /** How long one AWS call of the contain function took (the emulator's answer time, ms). */
  awsCallMs: Distribution;
  /** Median time to containment of the first and of the last five incidents (the emulator slows as it fills). */
  driftMs: { first5: number; last5: number };
  /** Sequential rounds of AWS calls through the isolation swaps, as containment counts them. */
  rounds: Distribution;
  /** The same, with verification and final tagging. */
  totalRounds: Distribution;
  /** Rounds seen in the call log: the contain function's account calls grouped by overlap, up to the last swap. */
  observedRounds: Distribution;
  /** Average AWS calls per incident, by function and `Service:Operation`. */
  callsPerIncident: Record<string, Record<string, number>>;
  callsPerIncidentByFunction: Record<string, number>;
}

export interface BurstFigures {
  findings: number;
  distinctFindings: number;
  instances: number;
  vpcs: number;
  /** Each check: what, expected, found, pass. */
  /** `core`: the containment-exactly-once checks (the bench fails when one fails). */
  checks: { what: string; pass: boolean; detail: string; core?: boolean }[];
  /** Cancelled DynamoDB transactions (duplicates turned away): each makes the emulator restore the table. */
  cancelledTransactions: number;
  /** First PutEvents → last contain step verified (s), and → last incident settled. */
  containedSeconds: number;
  settledSeconds: number;
  incidentsContainedPerSecond: number;
  incidentsSettledPerSecond: number;
  timeToContainMs: Distribution;
  maxConcurrency: number;
  /** CPU time used during the burst by the responder (this Node process) and by the emulator. */
  cpu: { nodeSeconds: number; motoSeconds: number | undefined };
  /** Operations by the time the handlers spent waiting on them (summed over concurrent calls). */
  slowestOperations: { op: string; seconds: number }[];
  concurrencyPerFunction: number;
  awsCalls: number;
  /** Calls still failing with a throttling error after the SDK's retries. */
  throttlingUnretried: number;
  /** Every call error after the SDK's retries, by name (expected ones included, e.g. NotFound). */
  callErrors: Record<string, number>;
  invocations: number;
  failedInvocations: number;
  /** Events given up after the runner's last attempt. */
  eventsSetAside: number;
  /** The first failed invocations, with their errors. */
  failures: { fn: string; attempt: number; error: string }[];
  /** Incidents whose record disagrees with the markers or did not settle: findings listed, triage timeline. */
  anomalies: {
    incidentId: string;
    findings: string[];
    steps: Record<string, string>;
    triage: string[];
    /** The incident's timeline, step and status only. */
    timeline: string[];
    /** Invocations about the incident: function, attempt, duration, error. */
    invocations: string[];
  }[];
}

export interface IncidentBenchResult {
  containment: ContainmentFigures;
  burst: BurstFigures;
  session: SessionInfo;
}

export interface IncidentBenchOptions {
  incidents?: number;
  burstInstances?: number;
  burstFindings?: number;
  burstVpcs?: number;
  concurrency?: number;
  log?: (line: string) => void;
}

interface InvocationRecord {
  fn: string;
  start: number;
  end: number;
  attempt: number;
  error?: string;
  incidentId?: string;
}

export function distribution(values: number[]): Distribution {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? 0;
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
  return { n: s.length, median, p95: at(0.95), min: s[0] ?? 0, max: s[s.length - 1] ?? 0 };
}

const median = (xs: number[]) => distribution(xs).median;

/** Rounds in a call log: calls grouped while they overlap; a call starting after all earlier ones ended opens a round. */
export function roundsOf(calls: CallRecord[]): number {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  let rounds = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const c of sorted) {
    if (c.start >= end) rounds++;
    end = Math.max(end, c.end);
  }
  return rounds;
}

const isIsolationSwap = (c: CallRecord, isolationGroups: Set<string>) =>
  c.scope === "contain" &&
  c.operation === "ModifyNetworkInterfaceAttribute" &&
  !c.error &&
  Array.isArray(c.input?.Groups) &&
  (c.input.Groups as string[]).some((g) => isolationGroups.has(g));

async function isolationGroupIds(ec2: EC2Client, vpcIds: string[]): Promise<Set<string>> {
  const out = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: "vpc-id", Values: vpcIds },
        { Name: "group-name", Values: [ISOLATION_GROUP] },
      ],
    }),
  );
  return new Set((out.SecurityGroups ?? []).map((g) => g.GroupId ?? ""));
}

/**
 * The default policy with two changes, said in the output: the blast-radius cap out of the way
 * (it would hold the 11th containment of the hour for approval), and no clean rooms (they come
 * after the evidence is sealed, off the containment path, and the emulator's CloudFormation
 * builds each synchronously — a VPC, a subnet, an instance, volumes — which would dominate
 * every figure here; test/integration/cleanroom.test.ts covers them).
 */
function benchPolicy(): string {
  const file = join(mkdtempSync(join(tmpdir(), "bench-policy-")), "policy.yaml");
  const text = readFileSync(defaultPolicyFile(), "utf8")
    .replace(/maxContainmentsPerHour: \d+/, "maxContainmentsPerHour: 100000")
    .replace(/tiers: \[critical, high\]/, "tiers: []");
  if (!text.includes("maxContainmentsPerHour: 100000") || !text.includes("tiers: []"))
    throw new Error("policy/default.yaml changed: cannot adapt it for the bench");
  writeFileSync(file, text);
  return file;
}

interface World {
  session: LocalSession;
  ec2: EC2Client;
  events: EventBridgeClient;
  store: DynamoIncidentStore;
  account: string;
  region: string;
  calls: CallRecord[];
  invocations: InvocationRecord[];
}

/**
 * Starts a local responder (its own emulator unless AWS_ENDPOINT_URL is set) for one phase,
 * runs it and stops it. The handlers are loaded once per process with the session's
 * environment, so each phase runs in a process of its own ({@link runIncidentBench}).
 */
async function inSession<T>(
  concurrency: number,
  fn: (w: World) => Promise<T>,
): Promise<T & { session: SessionInfo }> {
  const savedEnv = { ...process.env };
  process.env.POLICY_FILE = benchPolicy();
  process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
  const calls: CallRecord[] = [];
  const invocations: InvocationRecord[] = [];
  const hooks = new CallHooks();
  hooks.recorder = (c) => calls.push(c);
  // DynamoDB's transaction isolation, which the emulator lacks (cli/local/transactions.ts).
  const unisolate = isolateEmulatorTransactions(hooks);
  const session = await startLocalSession({
    concurrency,
    hooks,
    onInvocation: (inv) => {
      const end = Date.now();
      const id = (inv.event as { detail?: { incidentId?: unknown } } | undefined)?.detail?.incidentId;
      invocations.push({
        fn: inv.functionName,
        start: end - inv.ms,
        end,
        attempt: inv.attempt,
        ...(inv.error ? { error: inv.error } : {}),
        ...(typeof id === "string" ? { incidentId: id } : {}),
      });
    },
  });
  try {
    const aws = session.aws;
    const world: World = {
      session,
      ec2: ec2Client(aws),
      events: eventsClient(aws),
      store: new DynamoIncidentStore(dynamoDocClient(aws), session.local.resources.incidentTable),
      account: session.local.context.accountId,
      region: aws.region,
      calls,
      invocations,
    };
    const value = await fn(world);
    return {
      ...value,
      session: {
        owned: session.emulator.owned,
        sdkMaxAttempts: aws.maxAttempts,
        eventAttempts: 3,
        concurrency,
      },
    };
  } finally {
    hooks.recorder = undefined;
    await session.stop();
    unisolate();
    for (const k of Object.keys(process.env)) if (!(k in savedEnv)) delete process.env[k];
    Object.assign(process.env, savedEnv);
  }
}

export interface SessionInfo {
  owned: boolean;
  sdkMaxAttempts: number;
  eventAttempts: number;
  concurrency: number;
}

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

// --- phase 1: one incident at a time ---------------------------------------------------------

async function timeToContainment(
  w: World,
  count: number,
  log: (l: string) => void,
): Promise<ContainmentFigures> {
  log(`seeding ${count + 1} instances in 2 VPCs…`);
  const fleet = await seedFleet(w.ec2, iamClient(w.session.aws), {
    name: "bench-ttc",
    count: count + 1,
    vpcs: 2,
    cidrBase: 40,
  });
  const [warmup, ...measured] = fleet.instances as [FleetInstance, ...FleetInstance[]];
  log("warm-up incident (not counted)…");
  await oneIncident(w, warmup);
  const samples: Awaited<ReturnType<typeof oneIncident>>[] = [];
  for (const [i, inst] of measured.entries()) {
    const s = await oneIncident(w, inst);
    samples.push(s);
    log(
      `incident ${i + 1}/${measured.length}: contained in ${s.toContain} ms (isolated at ${s.toIsolate} ms), ${s.rounds} rounds`,
    );
  }
  const perIncident: Record<string, Record<string, number>> = {};
  for (const s of samples)
    for (const c of s.calls.filter((x) => x.scope)) {
      const fn = c.scope as string;
      const kind = `${c.service}:${c.operation}`;
      perIncident[fn] ??= {};
      (perIncident[fn] as Record<string, number>)[kind] =
        ((perIncident[fn] as Record<string, number>)[kind] ?? 0) + 1;
    }
  const callsPerIncident = Object.fromEntries(
    Object.entries(perIncident).map(([fn, kinds]) => [
      fn,
      Object.fromEntries(
        Object.entries(kinds)
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => [k, Math.round((n / samples.length) * 10) / 10]),
      ),
    ]),
  );
  const callsPerIncidentByFunction = Object.fromEntries(
    Object.entries(callsPerIncident).map(([fn, kinds]) => [
      fn,
      Math.round(Object.values(kinds).reduce((a, b) => a + b, 0) * 10) / 10,
    ]),
  );
  return {
    incidents: samples.length,
    instanceShape:
      "2 network interfaces, 3 volumes, an Elastic IP, an instance profile; prod/restricted/high tags",
    allVerified: samples.every((s) => s.verified),
    timeToContainMs: distribution(samples.map((s) => s.toContain)),
    timeToIsolateMs: distribution(samples.map((s) => s.toIsolate)),
    awsCallMs: distribution(
      samples.flatMap((s) =>
        s.calls
          .filter((c) => c.scope === "contain" && ACCOUNT_SERVICES.has(c.service))
          .map((c) => c.end - c.start),
      ),
    ),
    driftMs: {
      first5: median(samples.slice(0, 5).map((s) => s.toContain)),
      last5: median(samples.slice(-5).map((s) => s.toContain)),
    },
    breakdownMs: {
      busToTriage: median(samples.map((s) => s.busToTriage)),
      triage: median(samples.map((s) => s.triage)),
      busToContain: median(samples.map((s) => s.busToContain)),
      containToIsolated: median(samples.map((s) => s.containToIsolated)),
      isolatedToVerified: median(samples.map((s) => s.toContain - s.toIsolate)),
    },
    rounds: distribution(samples.map((s) => s.rounds)),
    totalRounds: distribution(samples.map((s) => s.totalRounds)),
    observedRounds: distribution(samples.map((s) => s.observedRounds)),
    callsPerIncident,
    callsPerIncidentByFunction,
  };
}

async function oneIncident(w: World, inst: FleetInstance) {
  const callMark = w.calls.length;
  const invMark = w.invocations.length;
  const event = guardDutyFinding(inst.instanceId, w.account, w.region);
  const findingId = (event.detail as { id: string }).id;
  const t0 = Date.now();
  await putEntries(w.events, [event]);
  const incidentId = await waitForIncidentOf(
    () => w.store.incidentOfFinding(w.account, "guardduty", findingId),
    30_000,
  );
  if (!incidentId) throw new Error(`no incident for ${inst.instanceId} within 30 s`);
  const { incident, settled } = await waitForSettled(w.store, incidentId, {
    timeoutMs: 90_000,
    intervalMs: 250,
  });
  if (!settled)
    throw new Error(`incident ${incidentId} did not settle within 90 s: ${JSON.stringify(incident.steps)}`);
  await w.session.runner.idle(400, 30_000);
  const calls = w.calls.slice(callMark);
  const invs = w.invocations.slice(invMark);
  const contain = incident.steps.contain;
  const containedAt = Date.parse(contain?.endedAt ?? "");
  const isolation = await isolationGroupIds(w.ec2, [inst.vpcId]);
  const swaps = calls.filter((c) => isIsolationSwap(c, isolation));
  const isolatedAt = Math.max(...swaps.map((c) => c.end));
  const m = /in (\d+) rounds/.exec(contain?.detail ?? "");
  const account = calls.filter((c) => c.scope === "contain" && c.service && ACCOUNT_SERVICES.has(c.service));
  const triage = invs.find((i) => i.fn === "triage");
  const containInv = invs.find((i) => i.fn === "contain" && i.incidentId === incidentId);
  return {
    incidentId,
    verified: contain?.status === "verified",
    toContain: containedAt - t0,
    toIsolate: isolatedAt - t0,
    busToTriage: (triage?.start ?? t0) - t0,
    triage: triage ? triage.end - triage.start : 0,
    busToContain: (containInv?.start ?? t0) - t0,
    containToIsolated: isolatedAt - (containInv?.start ?? t0),
    rounds: Number(m?.[1] ?? 0),
    totalRounds: roundsOf(account),
    observedRounds: roundsOf(account.filter((c) => c.start <= isolatedAt)),
    calls,
  };
}

// --- phase 2: a burst -------------------------------------------------------------------------

async function putEntries(events: EventBridgeClient, batch: Record<string, unknown>[]): Promise<void> {
  const out = await events.send(
    new PutEventsCommand({
      Entries: batch.map((e) => ({
        EventBusName: "default",
        Source: String(e.source),
        DetailType: String(e["detail-type"]),
        Detail: JSON.stringify(e.detail),
        Resources: [],
        Time: new Date(String(e.time)),
      })),
    }),
  );
  if (out.FailedEntryCount) throw new Error(`PutEvents refused ${out.FailedEntryCount} entries`);
}

/** CPU seconds (user + system) used so far by the moto_server listening on the endpoint's port (Linux /proc). */
function motoCpuSeconds(endpoint: string): number | undefined {
  const port = new URL(endpoint).port;
  try {
    for (const pid of readdirSync("/proc").filter((d) => /^\d+$/.test(d))) {
      let cmd = "";
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
      } catch {
        continue;
      }
      if (!cmd.includes("moto_server") || !cmd.includes(` ${port}`)) continue;
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      return (Number(fields[11]) + Number(fields[12])) / 100;
    }
  } catch {
    // not Linux
  }
  return undefined;
}

/** A deterministic shuffle (the burst is the same from run to run). */
function shuffle<T>(xs: T[], seed = 42): T[] {
  const out = [...xs];
  let s = seed;
  const rnd = () => {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    return s / 2 ** 31;
  };
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rnd() * (i + 1));
    [out[i], out[j]] = [out[j] as T, out[i] as T];
  }
  return out;
}

async function burstOf(
  w: World,
  o: { instances: number; findings: number; vpcs: number; concurrency: number; log: (l: string) => void },
): Promise<BurstFigures> {
  o.log(`seeding ${o.instances} instances in ${o.vpcs} VPCs…`);
  const fleet = await seedFleet(w.ec2, iamClient(w.session.aws), {
    name: "bench-burst",
    count: o.instances,
    vpcs: o.vpcs,
    cidrBase: 60,
  });
  // Per instance: finding A three times, finding B once (another finding on the same instance).
  const perInstance = Math.max(2, Math.round(o.findings / o.instances));
  const findingIds = new Map<string, string[]>();
  const events: Record<string, unknown>[] = [];
  for (const inst of fleet.instances) {
    const a = guardDutyFinding(inst.instanceId, w.account, w.region);
    const b = guardDutyFinding(inst.instanceId, w.account, w.region);
    findingIds.set(inst.instanceId, [(a.detail as { id: string }).id, (b.detail as { id: string }).id]);
    for (let k = 0; k < perInstance - 1; k++) events.push(structuredClone(a));
    events.push(b);
  }
  const burst = shuffle(events);
  const callMark = w.calls.length;
  const invMark = w.invocations.length;
  w.session.runner.maxConcurrency = 0;
  w.session.runner.failedDeliveries.length = 0;
  o.log(
    `putting ${burst.length} findings on the bus at once (${Math.ceil(burst.length / 10)} PutEvents in parallel)…`,
  );
  const t0 = Date.now();
  await Promise.all(
    Array.from({ length: Math.ceil(burst.length / 10) }, (_, i) =>
      putEntries(w.events, burst.slice(i * 10, i * 10 + 10)),
    ),
  );
  // Everything is driven by the runner: once it has been quiet for longer than its retry delays,
  // the burst is over. (Polling the incidents meanwhile would load the emulator being measured.)
  const cpu0 = { node: process.cpuUsage(), moto: motoCpuSeconds(w.session.emulator.endpoint) };
  await w.session.runner.idle(4000, 420_000);
  const cpu = {
    nodeSeconds: (() => {
      const u = process.cpuUsage(cpu0.node);
      return Math.round(((u.user + u.system) / 1e6) * 10) / 10;
    })(),
    motoSeconds: (() => {
      const now = motoCpuSeconds(w.session.emulator.endpoint);
      return now !== undefined && cpu0.moto !== undefined
        ? Math.round((now - cpu0.moto) * 10) / 10
        : undefined;
    })(),
  };
  const incidentOf = new Map<string, string>();
  for (const f of [...findingIds.values()].flat()) {
    const id = await w.store.incidentOfFinding(w.account, "guardduty", f);
    if (id) incidentOf.set(f, id);
  }
  const incidentIds = [...new Set(incidentOf.values())];
  const settled = await Promise.all(
    incidentIds.map((id) => waitForSettled(w.store, id, { timeoutMs: 5_000, intervalMs: 1000 })),
  );
  const incidents = await Promise.all(incidentIds.map((id) => w.store.get(id)));
  const calls = w.calls.slice(callMark);
  const invs = w.invocations.slice(invMark);

  const checks = await burstChecks(
    w,
    fleet.instances,
    fleet.vpcIds,
    findingIds,
    incidentOf,
    incidents,
    calls,
  );
  const unsettled = settled.filter((x) => !x.settled);
  checks.unshift({
    what: "every incident settled",
    pass: unsettled.length === 0,
    core: false,
    detail: `${settled.length - unsettled.length} of ${settled.length}${unsettled
      .slice(0, 3)
      .map(
        (x) =>
          `; ${x.incident.incidentId}: ${Object.entries(x.incident.steps)
            .map(([k, v]) => `${k} ${v.status}`)
            .join(", ")}`,
      )
      .join("")}`,
  });
  const containedAt = incidents.map((i) => Date.parse(i.steps.contain?.endedAt ?? "") || Number.NaN);
  const lastContained = Math.max(...containedAt.filter((t) => !Number.isNaN(t)));
  const lastSettled = Math.max(
    ...incidents.flatMap((i) => Object.values(i.steps).map((s) => Date.parse(s.endedAt ?? "") || 0)),
  );
  const containedSeconds = (lastContained - t0) / 1000;
  const settledSeconds = (lastSettled - t0) / 1000;
  const busy: Record<string, number> = {};
  for (const c of calls.filter((x) => x.scope))
    busy[`${c.service}:${c.operation}`] = (busy[`${c.service}:${c.operation}`] ?? 0) + (c.end - c.start);
  const callErrors: Record<string, number> = {};
  for (const c of calls.filter((x) => x.error))
    callErrors[c.error as string] = (callErrors[c.error as string] ?? 0) + 1;
  return {
    findings: burst.length,
    distinctFindings: findingIds.size * 2,
    instances: fleet.instances.length,
    vpcs: fleet.vpcIds.length,
    checks,
    containedSeconds: Math.round(containedSeconds * 10) / 10,
    settledSeconds: Math.round(settledSeconds * 10) / 10,
    incidentsContainedPerSecond: Math.round((fleet.instances.length / containedSeconds) * 100) / 100,
    incidentsSettledPerSecond: Math.round((fleet.instances.length / settledSeconds) * 100) / 100,
    timeToContainMs: distribution(containedAt.filter((t) => !Number.isNaN(t)).map((t) => t - t0)),
    maxConcurrency: w.session.runner.maxConcurrency,
    cancelledTransactions: calls.filter((c) => c.error === "TransactionCanceledException").length,
    cpu,
    slowestOperations: Object.entries(busy)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([op, ms]) => ({ op, seconds: Math.round(ms / 100) / 10 })),
    concurrencyPerFunction: o.concurrency,
    awsCalls: calls.length,
    throttlingUnretried: calls.filter((c) => c.error && isThrottling({ name: c.error })).length,
    callErrors,
    invocations: invs.length,
    failedInvocations: invs.filter((i) => i.error).length,
    eventsSetAside: w.session.runner.failedDeliveries.length,
    failures: invs
      .filter((i) => i.error)
      .slice(0, 5)
      .map((i) => ({ fn: i.fn, attempt: i.attempt, error: String(i.error).slice(0, 300) })),
    anomalies: incidents
      .filter(
        (i) =>
          i.findings.length !== 2 ||
          new Set(i.findings.map((f) => f.id)).size !== 2 ||
          !settled.find((x) => x.incident.incidentId === i.incidentId)?.settled,
      )
      .slice(0, 5)
      .map((i) => ({
        incidentId: i.incidentId,
        findings: i.findings.map((f) => f.id),
        steps: Object.fromEntries(
          Object.entries(i.steps).map(([k, v]) => [k, `${v.status} ${v.detail ?? ""}`.trim()]),
        ),
        triage: i.timeline
          .filter((t) => t.step === "triage" || t.step === "announce")
          .map((t) => `${t.at} ${t.detail}`),
        timeline: i.timeline.map((t) => `${t.at.slice(11, 23)} ${t.step} ${t.status}`),
        invocations: invs
          .filter((v) => v.incidentId === i.incidentId)
          .map(
            (v) =>
              `${new Date(v.start).toISOString().slice(11, 23)} ${v.fn} #${v.attempt} ${v.end - v.start} ms${v.error ? ` ${v.error.slice(0, 120)}` : ""}`,
          ),
      })),
  };
}

async function burstChecks(
  w: World,
  instances: FleetInstance[],
  vpcIds: string[],
  findingIds: Map<string, string[]>,
  incidentOf: Map<string, string>,
  incidents: IncidentRecord[],
  calls: CallRecord[],
): Promise<BurstFigures["checks"]> {
  const checks: BurstFigures["checks"] = [];
  const byId = new Map(incidents.map((i) => [i.incidentId, i]));
  const perInstance = instances.map((inst) => {
    const ids = new Set((findingIds.get(inst.instanceId) ?? []).map((f) => incidentOf.get(f)));
    return { inst, ids: [...ids].filter((x): x is string => Boolean(x)) };
  });
  const one = perInstance.filter((p) => p.ids.length === 1).length;
  checks.push({
    what: "one incident per instance (both findings, all copies)",
    pass: one === instances.length && incidents.length === instances.length,
    detail: `${one} of ${instances.length} instances; ${incidents.length} incidents in all`,
  });
  const containOnce = incidents.filter(
    (i) =>
      i.steps.contain?.status === "verified" && i.timeline.filter((t) => t.step === "contain").length === 1,
  ).length;
  checks.push({
    what: "one contain step per incident, verified",
    pass: containOnce === incidents.length,
    detail: `${containOnce} of ${incidents.length}`,
  });
  const listed = incidents.map((i) => ({
    all: i.findings.length,
    distinct: new Set(i.findings.map((f) => f.id)).size,
  }));
  const joined = listed.filter((l) => l.all === 2 && l.distinct === 2).length;
  const repeated = listed.filter((l) => l.all > l.distinct).length;
  const missing = listed.filter((l) => l.distinct < 2).length;
  checks.push({
    what: "the second finding joined its instance's incident, once",
    pass: joined === incidents.length,
    core: false,
    detail: `${joined} of ${incidents.length} incidents list both findings${
      repeated ? `; ${repeated} list a finding twice (concurrent copies each joined it)` : ""
    }${missing ? `; ${missing} lack one (its marker points to the incident, the record lost the join)` : ""}`,
  });
  // Snapshots by the instance tag: one set (one per volume) of one incident per instance.
  const snaps: { instance: string; incident: string }[] = [];
  for (let i = 0; i < instances.length; i += 50) {
    const out = await w.ec2.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ["self"],
        Filters: [
          {
            Name: "tag:incident-responder:instance-id",
            Values: instances.slice(i, i + 50).map((x) => x.instanceId),
          },
        ],
      }),
    );
    for (const s of out.Snapshots ?? []) {
      const tag = (k: string) => s.Tags?.find((t) => t.Key === k)?.Value ?? "";
      snaps.push({
        instance: tag("incident-responder:instance-id"),
        incident: tag("incident-responder:incident-id"),
      });
    }
  }
  const oneSet = instances.filter((inst) => {
    const mine = snaps.filter((s) => s.instance === inst.instanceId);
    return mine.length === inst.volumes && new Set(mine.map((s) => s.incident)).size === 1;
  }).length;
  checks.push({
    what: "one snapshot set per instance (DescribeSnapshots by instance tag)",
    pass: oneSet === instances.length,
    detail: `${oneSet} of ${instances.length}; ${snaps.length} snapshots for ${instances.reduce((n, i) => n + i.volumes, 0)} volumes`,
  });
  const groups = await w.ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: "vpc-id", Values: vpcIds },
        { Name: "group-name", Values: [ISOLATION_GROUP, UNTRACKING_GROUP] },
      ],
    }),
  );
  const pairs = vpcIds.filter((v) => {
    const inVpc = (groups.SecurityGroups ?? []).filter((g) => g.VpcId === v);
    return (
      inVpc.filter((g) => g.GroupName === ISOLATION_GROUP).length === 1 &&
      inVpc.filter((g) => g.GroupName === UNTRACKING_GROUP).length === 1
    );
  }).length;
  checks.push({
    what: "one pair of isolation groups per VPC",
    pass: pairs === vpcIds.length,
    detail: `${pairs} of ${vpcIds.length} VPCs; ${(groups.SecurityGroups ?? []).length} managed groups`,
  });
  const swaps = new Map<string, number>();
  for (const c of calls)
    if (
      c.scope === "contain" &&
      c.operation === "ModifyNetworkInterfaceAttribute" &&
      !c.error &&
      c.input?.Groups
    ) {
      const eni = String(c.input.NetworkInterfaceId);
      swaps.set(eni, (swaps.get(eni) ?? 0) + 1);
    }
  const enis = instances.reduce((n, i) => n + i.interfaces, 0);
  const twice = [...swaps.values()].filter((n) => n === 2).length;
  checks.push({
    what: "each interface swapped once to untracking, once to isolation",
    pass: twice === enis && swaps.size === enis,
    detail: `${twice} of ${enis} interfaces with exactly 2 swaps (${[...swaps.values()].reduce((a, b) => a + b, 0)} swaps)`,
  });
  const createSnapshots = calls.filter((c) => c.operation === "CreateSnapshots" && !c.error).length;
  checks.push({
    what: "one CreateSnapshots per instance",
    pass: createSnapshots === instances.length,
    detail: `${createSnapshots} calls`,
  });
  void byId;
  return checks;
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
