/**
 * Fault injection: AWS throttles 30 % of the handlers' calls (EC2 answers
 * RequestLimitExceeded, every other service ThrottlingException). The errors are thrown
 * inside the SDK's retry loop, shaped as the SDK classifies throttling, so adaptive retry
 * (8 attempts) and the runner's redelivery (3 attempts per event) must absorb them: every
 * incident still completes, and nothing is created twice.
 *
 * The SDK's waits run on a clock 10 times faster ({@link compressSdkTime}): its decisions
 * (retry or not, attempts, quota, adaptive rate) are the real ones; with real waits one
 * incident takes over a minute at this rate, because adaptive mode slows the long-lived
 * clients (S3, DynamoDB) down to about one request a second.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import { WAIT_MS } from "../support/findings.ts";
import {
  compressSdkTime,
  drillEvent,
  type FaultWorld,
  groupsNamed,
  ISOLATION_GROUP,
  interfacesOf,
  runToSettled,
  snapshotsOf,
  startFaultWorld,
  throttlingError,
  UNTRACKING_GROUP,
} from "./faults-harness.ts";

/** A small deterministic PRNG, so that a failure can be replayed. */
function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const RATE = 0.3;
const DRILLS = [
  { scenario: "c2", target: "web" },
  { scenario: "crypto-mining", target: "batch" },
  { scenario: "ssh-brute-force", target: "dev" },
] as const;

describe("30 % of AWS calls throttled", () => {
  let world: FaultWorld;
  const injected = { count: 0, attempts: 0 };
  let results: {
    drill: (typeof DRILLS)[number];
    incidentId: string;
    incident: IncidentRecord;
    settled: boolean;
  }[];

  let restoreSdkTime: () => void = () => undefined;

  beforeAll(async () => {
    restoreSdkTime = compressSdkTime(10);
    world = await startFaultWorld({ maxAttempts: 8, eventAttempts: 3 });
    const random = mulberry32(20_260_302);
    world.hooks.fault = (service, operation, scope) => {
      if (!scope) return undefined; // the test's own calls and the runner's queue reads
      injected.attempts++;
      if (random() >= RATE) return undefined;
      injected.count++;
      return throttlingError(service, operation);
    };
    results = await Promise.all(
      DRILLS.map(async (drill) => ({
        drill,
        ...(await runToSettled(world, drillEvent(world, drill.scenario, drill.target))),
      })),
    );
    await world.session.runner.settled(WAIT_MS);
    world.hooks.fault = undefined;
  });

  afterAll(async () => {
    await world?.stop();
    restoreSdkTime();
  });

  it("throttles about 30 % of the handlers' call attempts", () => {
    expect(injected.attempts).toBeGreaterThan(200);
    expect(injected.count / injected.attempts).toBeGreaterThan(0.2);
    expect(injected.count / injected.attempts).toBeLessThan(0.4);
  });

  it("settles every incident with containment verified and evidence sealed", () => {
    expect(results).toHaveLength(DRILLS.length);
    for (const r of results) {
      expect(r.settled, `${r.drill.scenario}: ${JSON.stringify(r.incident.steps)}`).toBe(true);
      // The step records say why when a lane did not absorb the throttling.
      const why = `${r.drill.scenario}: ${JSON.stringify(r.incident.steps)}`;
      expect(r.incident.steps.contain?.status, why).toBe("verified");
      expect(r.incident.steps.snapshots?.status, why).toBe("ok");
      expect(r.incident.steps.manifest?.status, why).toBe("ok");
    }
  });

  it("isolates every interface of every target on the one isolation group", async () => {
    const iso = await groupsNamed(world, world.demo.vpcId, ISOLATION_GROUP);
    expect(iso).toHaveLength(1);
    expect(results.map((r) => r.drill)).toEqual(DRILLS);
    for (const r of results) {
      const enis = await interfacesOf(world, world.demo.instances[r.drill.target].instanceId);
      expect(Object.keys(enis), r.drill.scenario).toHaveLength(
        world.demo.instances[r.drill.target].interfaces,
      );
      for (const groups of Object.values(enis)) expect(groups).toEqual(iso);
    }
  });

  it("takes one snapshot per volume per incident, never two", async () => {
    expect(results.map((r) => r.drill)).toEqual(DRILLS);
    for (const r of results) {
      const snaps = await snapshotsOf(world, r.incidentId);
      const volumes = snaps.map((s) => s.VolumeId);
      expect(new Set(volumes).size, r.drill.scenario).toBe(volumes.length);
      expect(volumes.length, r.drill.scenario).toBe(world.demo.instances[r.drill.target].volumes);
    }
  });

  it("creates one untracking and one isolation group in the VPC", async () => {
    expect(await groupsNamed(world, world.demo.vpcId, ISOLATION_GROUP)).toHaveLength(1);
    expect(await groupsNamed(world, world.demo.vpcId, UNTRACKING_GROUP)).toHaveLength(1);
  });

  it("leaves no event set aside by the runner", () => {
    expect(world.session.runner.failedDeliveries.map((f) => `${f.functionName}: ${f.error}`)).toEqual([]);
  });
});
