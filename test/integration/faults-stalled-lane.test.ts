/**
 * Fault injection: the containment worker dies in the middle of its work, holding its claim.
 *
 * What a dead Lambda leaves behind (a timeout, a crash, an out-of-memory kill) is a step
 * claimed `running` that nobody finishes: every retry of the event is turned away while the
 * claim's lease lasts, and after it nothing would start the lane again. Here the contain
 * function's calls all fail for good (AccessDenied, which neither the SDK nor the claim's
 * release retries) from the moment it starts its second security-group swap — after its
 * first changes, before it can record anything — so it cannot release its claim, and its
 * retries cannot claim. Then the AWS side answers again, the lease runs out (set in the past,
 * standing for the minutes a real lease lasts), and the scheduled triage run must re-drive
 * the lane: containment completes from the pre-isolation state kept before the first change,
 * not from the half-isolated instance.
 */
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { putEvent } from "../../cli/drill/run.ts";
import { waitForIncidentOf } from "../../cli/drill/watch.ts";
import type { Invocation } from "../../cli/local/runner.ts";
import { dynamoDocClient } from "../../shared/aws/clients.ts";
import type { PreIsolationState } from "../../shared/containment/index.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import { WAIT_MS } from "../support/findings.ts";
import {
  alerts,
  drillEvent,
  type FaultWorld,
  groupsNamed,
  ISOLATION_GROUP,
  interfacesOf,
  quiet,
  startFaultWorld,
  UNTRACKING_GROUP,
} from "./faults-harness.ts";

function accessDenied(operation: string): Error {
  return Object.assign(new Error(`User is not authorized to perform ${operation} (injected)`), {
    name: "AccessDeniedException",
    $fault: "client",
    $metadata: { httpStatusCode: 403 },
  });
}

const preIsolationOf = (incident: IncidentRecord, instanceId: string) =>
  (incident.containment?.preIsolation as Record<string, PreIsolationState> | undefined)?.[instanceId];

describe("a containment worker that dies mid-way, holding its claim", () => {
  let world: FaultWorld;
  let incidentId: string;
  let stalled: IncidentRecord;
  let resumed: IncidentRecord;
  let instanceId: string;
  let scheduled: Invocation;
  const invocations: Invocation[] = [];
  const dead = { on: false, refused: 0 };

  beforeAll(async () => {
    world = await startFaultWorld({
      maxAttempts: 1,
      eventAttempts: 2,
      onInvocation: (i) => invocations.push(i),
    });
    world.hooks.recorder = (c) => world.calls.push(c);
    const swaps = new Map<string, number>();
    world.hooks.fault = (_service, operation, scope, input) => {
      if (scope !== "contain") return undefined;
      if (operation === "ModifyNetworkInterfaceAttribute" && input?.Groups) {
        const eni = String(input.NetworkInterfaceId);
        swaps.set(eni, (swaps.get(eni) ?? 0) + 1);
        if ((swaps.get(eni) ?? 0) > 1) dead.on = true;
      }
      if (!dead.on) return undefined;
      dead.refused++;
      return accessDenied(operation);
    };
    const drill = drillEvent(world, "c2", "web");
    instanceId = drill.instanceId;
    await putEvent(world.events, drill.event);
    const f = drill.finding;
    incidentId =
      (await waitForIncidentOf(
        () => world.store.incidentOfFinding(f.account, f.source, f.id, f.drill),
        WAIT_MS,
      )) ?? "";
    // Every delivery of the event has been tried (the runner has nothing left to run).
    stalled = await quiet(world, incidentId);

    // The AWS side answers again; the lease runs out.
    world.hooks.fault = undefined;
    await dynamoDocClient(world.session.aws).send(
      new UpdateCommand({
        TableName: world.session.local.resources.incidentTable,
        Key: { pk: `INCIDENT#${incidentId}`, sk: "RECORD" },
        UpdateExpression: "SET steps.#s.leaseUntil = :past",
        ExpressionAttributeNames: { "#s": "contain" },
        ExpressionAttributeValues: { ":past": Date.now() - 1000 },
      }),
    );
    scheduled = await world.session.runner.runScheduled("triage");
    resumed = await quiet(world, incidentId);
  });

  afterAll(async () => {
    if (world) world.hooks.fault = undefined;
    await world?.stop();
  });

  it("dies after its first changes and leaves the step claimed: its retries are turned away", async () => {
    expect(incidentId).toMatch(/^ir-/);
    expect(dead.refused).toBeGreaterThan(0);
    expect(stalled.steps.contain?.status).toBe("running");
    expect(invocations.filter((i) => i.functionName === "contain").length).toBeGreaterThanOrEqual(2);
  });

  it("kept the pre-isolation state before its first change", () => {
    const state = preIsolationOf(stalled, instanceId);
    expect(state?.interfaces.length).toBe(world.demo.instances.web.interfaces);
  });

  it("is re-driven by the scheduled run, which says so on the timeline", () => {
    expect(scheduled.error).toBeUndefined();
    expect(scheduled.result).toEqual([{ incidentId, resumed: ["contain"], abandoned: [] }]);
    expect(resumed.timeline.filter((t) => t.step === "resume:contain")).toHaveLength(1);
  });

  it("completes containment: every interface on the isolation group, verified", async () => {
    expect(resumed.steps.contain?.status, JSON.stringify(resumed.steps.contain)).toBe("verified");
    const [iso] = await groupsNamed(world, world.demo.vpcId, ISOLATION_GROUP);
    const enis = await interfacesOf(world, instanceId);
    expect(Object.keys(enis)).toHaveLength(world.demo.instances.web.interfaces);
    for (const groups of Object.values(enis)) expect(groups).toEqual([iso]);
  });

  it("records the instance's own groups for release, not the untracking group it was left on", async () => {
    const [untracking] = await groupsNamed(world, world.demo.vpcId, UNTRACKING_GROUP);
    const state = preIsolationOf(resumed, instanceId);
    expect(state?.interfaces.length).toBe(world.demo.instances.web.interfaces);
    for (const i of state?.interfaces ?? []) {
      expect(i.groups.length).toBeGreaterThan(0);
      expect(i.groups).not.toContain(untracking);
    }
  });

  it("alerts that the lane stalled and was started again, then that the instance is contained", async () => {
    const received = await alerts(world);
    const stages = received.filter((a) => a.incidentId === incidentId).map((a) => a.stage);
    expect(stages).toContain("contained");
    const stall = received.filter(
      (a) => a.stage === "containment-failed" && /stopped before finishing/.test(JSON.stringify(a.body)),
    );
    expect(stall).toHaveLength(1);
  });
});
