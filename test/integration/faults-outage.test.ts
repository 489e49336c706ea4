/**
 * Fault injection: the AWS endpoint goes away in the middle of an incident, and comes back.
 *
 * Why this is the faithful version of "the emulator restarted" here: moto keeps its state in
 * memory only (moto_server has no persistence; its request recorder replays calls but with new
 * random ids, so instances, snapshots and groups would not be the same ones), so a real
 * restart erases the account itself — instances, the incident table, the snapshots taken —
 * and nothing can then be said about "work already done". What a responder meets in AWS is
 * the other thing: the APIs stop answering for a while (network partition, regional API
 * outage, credentials expiring) and then answer again, with everything done before still
 * there. So every call the evidence function makes is refused at the connection (ECONNREFUSED, as
 * Node's HTTP client reports a stopped emulator) from the moment the evidence lane's
 * CreateSnapshots has succeeded — after real work, before it is recorded — until the evidence
 * lane's first write to the incident table has given up (the SDK's retries spent): its work has
 * failed then, and what it does next (recording the step as failed, which it retries for a
 * while) finds the APIs back. The outage is bounded by what the calls do, never by a wall-clock
 * window that a busy machine would stretch or a fast one outlive. The event machinery (the
 * runner's queues, standing for Lambda's own retry queue) keeps running, as Lambda's does when
 * the account's APIs fail: the invocation fails, and the runner delivers the event again.
 *
 * Then the incident must complete without repeating done work: one incident, one snapshot
 * set (the retry finds the snapshots by their tags), each interface moved once to the
 * untracking group and once to the isolation group.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Invocation } from "../../cli/local/runner.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import { WAIT_MS, waitFor } from "../support/findings.ts";
import {
  drillEvent,
  type FaultWorld,
  groupsNamed,
  ISOLATION_GROUP,
  interfacesOf,
  quiet,
  runToSettled,
  snapshotsOf,
  startFaultWorld,
  succeeded,
  swapsPerInterface,
} from "./faults-harness.ts";

/** What a client sees when nothing listens on the endpoint any more. */
function connectionRefused(): Error {
  return Object.assign(new Error("connect ECONNREFUSED 127.0.0.1 (injected: endpoint down)"), {
    code: "ECONNREFUSED",
    errno: -111,
    syscall: "connect",
  });
}

describe("the AWS endpoint down in the middle of an incident, until the evidence invocation fails", () => {
  let world: FaultWorld;
  let incidentId: string;
  let incident: IncidentRecord;
  const invocations: Invocation[] = [];
  /**
   * The outage: on from the evidence lane's CreateSnapshots until an evidence write to the
   * incident table has given up.
   */
  const outage = { on: false, began: false, ended: false, refused: 0 };

  beforeAll(async () => {
    world = await startFaultWorld({
      maxAttempts: 3,
      eventAttempts: 3,
      onInvocation: (i) => invocations.push(i),
    });
    world.hooks.recorder = (c) => {
      world.calls.push(c);
      if (!outage.began && c.scope === "evidence" && c.operation === "CreateSnapshots" && !c.error) {
        outage.began = true;
        outage.on = true;
      } else if (outage.on && c.scope === "evidence" && c.service === "DynamoDB" && c.error) {
        outage.on = false;
        outage.ended = true;
      }
    };
    world.hooks.fault = (_service, _operation, scope) => {
      // The evidence function's calls: containment, running beside it, would otherwise meet the
      // outage or not depending on how the machine schedules the two lanes.
      if (scope !== "evidence" || !outage.on) return undefined;
      outage.refused++;
      return connectionRefused();
    };
    ({ incidentId } = await runToSettled(world, drillEvent(world, "c2", "web")));
    // Steps that failed in the outage look settled until the event comes back: wait for the
    // lanes to end well, then for the runner to have nothing left (no redelivery pending).
    await waitFor(
      async () => (await world.store.get(incidentId)).steps,
      (steps) =>
        ["contain", "snapshots", "artifacts", "manifest"].every(
          (s) => steps[s] && !["failed", "running"].includes(steps[s].status),
        ),
      WAIT_MS,
      "every lane ended without a failure",
    );
    incident = await quiet(world, incidentId);
  });

  afterAll(async () => {
    await world?.stop();
  });

  it("goes down after the snapshots were created, and fails the evidence invocation", () => {
    expect(outage.began).toBe(true);
    expect(outage.ended).toBe(true);
    expect(outage.refused).toBeGreaterThan(0);
    const evidence = invocations.filter((i) => i.functionName === "evidence");
    expect(evidence.some((i) => i.error)).toBe(true);
  });

  it("completes the incident on a later delivery of the event", () => {
    expect(incident.steps.contain?.status).toBe("verified");
    expect(incident.steps.snapshots?.status).toBe("ok");
    expect(incident.steps.manifest?.status).toBe("ok");
    const retried = invocations.filter((i) => i.functionName === "evidence" && i.attempt > 1 && !i.error);
    expect(retried.length).toBeGreaterThan(0);
    expect(world.session.runner.failedDeliveries.map((f) => `${f.functionName}: ${f.error}`)).toEqual([]);
  });

  it("opens one incident", () => {
    expect(succeeded(world, "TransactWriteItems", "triage")).toHaveLength(1);
  });

  it("takes the snapshots once: the retry finds them by their tags", async () => {
    expect(succeeded(world, "CreateSnapshots")).toHaveLength(1);
    expect(succeeded(world, "CreateSnapshot")).toHaveLength(0);
    const snaps = await snapshotsOf(world, incidentId);
    expect(snaps).toHaveLength(world.demo.instances.web.volumes);
    expect(incident.evidence?.snapshots?.map((s) => s.snapshotId).sort()).toEqual(
      snaps.map((s) => s.SnapshotId).sort(),
    );
  });

  it("moves each interface once to the untracking group and once to the isolation group", async () => {
    const [iso] = await groupsNamed(world, world.demo.vpcId, ISOLATION_GROUP);
    const swaps = swapsPerInterface(world);
    expect(Object.keys(swaps)).toHaveLength(world.demo.instances.web.interfaces);
    for (const [eni, moves] of Object.entries(swaps)) {
      expect(moves, eni).toHaveLength(2);
      expect(moves[1], eni).toEqual([iso]);
    }
    const enis = await interfacesOf(world, world.demo.instances.web.instanceId);
    expect(Object.keys(enis)).toHaveLength(world.demo.instances.web.interfaces);
    for (const groups of Object.values(enis)) expect(groups).toEqual([iso]);
  });
});
