/**
 * Phase 2 of the incident bench (bench/incidents.ts): many findings over many instances put on
 * the bus at once; throughput, concurrency, CPU, and what went wrong on the way.
 */
import { readdirSync, readFileSync } from "node:fs";
import { waitForSettled } from "../cli/drill/watch.ts";
import { iamClient } from "../shared/aws/clients.ts";
import { isThrottling } from "../shared/aws/errors.ts";
import { burstChecks } from "./burst-checks.ts";
import { guardDutyFinding, seedFleet } from "./fleet.ts";
import { type BurstFigures, distribution } from "./incident-figures.ts";
import { putEntries, type World } from "./incident-session.ts";

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

/** Seeds the fleet, puts the shuffled burst on the bus, waits for the runner to go quiet and measures. */
export async function burstOf(
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
