/**
 * Phase 1 of the incident bench (bench/incidents.ts): incidents one at a time, each timed
 * from the finding put on the bus to the contain step verified and to the last isolation swap.
 */
import { DescribeSecurityGroupsCommand, type EC2Client } from "@aws-sdk/client-ec2";
import { waitForIncidentOf, waitForSettled } from "../cli/drill/watch.ts";
import type { CallRecord } from "../cli/local/instrument.ts";
import { iamClient } from "../shared/aws/clients.ts";
import { type FleetInstance, guardDutyFinding, seedFleet } from "./fleet.ts";
import { type ContainmentFigures, distribution, roundsOf } from "./incident-figures.ts";
import { ISOLATION_GROUP, putEntries, type World } from "./incident-session.ts";

/** The account's services: what containment acts on (the responder's own table, topic and bus are not). */
const ACCOUNT_SERVICES = new Set(["EC2", "AutoScaling", "ElasticLoadBalancingV2", "IAM"]);

const median = (xs: number[]) => distribution(xs).median;

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

/** Seeds `count` instances plus one warm-up, then contains them one at a time. */
export async function timeToContainment(
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
