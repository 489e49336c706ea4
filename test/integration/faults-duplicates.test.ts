/**
 * Fault injection: the same event delivered 10 times at once (EventBridge delivers at least
 * once; a retrying producer or a replay can deliver the same finding many times). Ten triage
 * invocations run concurrently on it — the handler itself, invoked ten times at once in
 * this process as Lambda would run ten containers, since the runner cannot be made to pick
 * all ten copies in one poll — and the lanes then run from the bus as usual: one incident
 * must come out, with one containment, one snapshot set, and one swap per interface and step.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReceivedAlert } from "../../cli/drill/run.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import {
  alerts,
  drillEvent,
  type FaultWorld,
  groupsNamed,
  ISOLATION_GROUP,
  interfacesOf,
  quiet,
  settleOf,
  snapshotsOf,
  startFaultWorld,
  succeeded,
  swapsPerInterface,
  UNTRACKING_GROUP,
} from "./faults-harness.ts";

const COPIES = 10;

/** The parts of a Lambda context the handlers read. */
function lambdaContext() {
  return {
    functionName: "triage",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:triage",
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: "/aws/lambda/triage",
    logStreamName: "local",
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 60_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

describe("the same event delivered 10 times concurrently", () => {
  let world: FaultWorld;
  let drill: ReturnType<typeof drillEvent>;
  let incidentId: string;
  let incident: IncidentRecord;
  let settled: boolean;
  let received: ReceivedAlert[];
  let triaged: unknown[] = [];
  let overlap = 0;

  beforeAll(async () => {
    world = await startFaultWorld({ maxAttempts: 1 });
    drill = drillEvent(world, "c2", "web");
    // The runner's own triage handler: its clients' calls are attributed to "triage".
    const triage = await world.session.runner.handler("triage");
    let running = 0;
    // The event as EventBridge delivers it, ten times, to ten concurrent invocations.
    const delivered = { ...drill.event, account: world.account, region: world.region };
    triaged = await Promise.all(
      Array.from({ length: COPIES }, () =>
        (async () => {
          running++;
          overlap = Math.max(overlap, running);
          try {
            return await triage(structuredClone(delivered), lambdaContext());
          } catch (err) {
            return String(err);
          } finally {
            running--;
          }
        })(),
      ),
    );
    ({ incidentId, incident, settled } = await settleOf(world, drill));
    // Nothing left to run (no invocation, every queue empty): a late duplicate would be counted.
    incident = await quiet(world, incidentId);
    received = (await alerts(world)).filter((a) => a.incidentId === incidentId);
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("runs triage once per copy, concurrently", () => {
    expect(triaged).toHaveLength(COPIES);
    expect(overlap).toBe(COPIES);
  });

  it("opens one incident; every other copy finds it", () => {
    const outcomes = triaged.map((t) => (t as { outcome?: string }).outcome ?? String(t));
    expect(outcomes.filter((o) => o === "created")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "duplicate")).toHaveLength(COPIES - 1);
    expect(succeeded(world, "TransactWriteItems", "triage")).toHaveLength(1);
    expect(settled, JSON.stringify(incident.steps)).toBe(true);
    expect(incident.findings).toHaveLength(1);
  });

  it("contains once, verified", () => {
    expect(incident.steps.contain?.status).toBe("verified");
    expect(incident.timeline.filter((t) => t.step === "contain")).toHaveLength(1);
    const swaps = swapsPerInterface(world);
    const enis = Object.keys(swaps);
    expect(enis).toHaveLength(world.demo.instances.web.interfaces);
    // One move to the untracking group, one to the isolation group, per interface.
    for (const eni of enis) expect(swaps[eni], eni).toHaveLength(2);
  });

  it("isolates every interface on the VPC's one isolation group", async () => {
    const iso = await groupsNamed(world, world.demo.vpcId, ISOLATION_GROUP);
    expect(iso).toHaveLength(1);
    expect(await groupsNamed(world, world.demo.vpcId, UNTRACKING_GROUP)).toHaveLength(1);
    const enis = await interfacesOf(world, drill.instanceId);
    expect(Object.keys(enis)).toHaveLength(world.demo.instances.web.interfaces);
    for (const groups of Object.values(enis)) expect(groups).toEqual(iso);
  });

  it("takes one snapshot set", async () => {
    expect(succeeded(world, "CreateSnapshots")).toHaveLength(1);
    expect(await snapshotsOf(world, incidentId)).toHaveLength(world.demo.instances.web.volumes);
    expect(incident.steps.manifest?.status).toBe("ok");
  });

  it("alerts once per stage", () => {
    const stages = received.map((a) => a.stage);
    for (const stage of ["opened", "contained", "evidence-preserved"])
      expect(
        stages.filter((s) => s === stage),
        `${stage} in ${stages.join(", ")}`,
      ).toHaveLength(1);
  });
});
