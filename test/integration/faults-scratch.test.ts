import { it } from "vitest";
import { setFaultInjector } from "../../shared/aws/instrument.ts";
import { alerts, drillEvent, runToSettled, startFaultWorld } from "./faults-harness.ts";

it("scratch", async () => {
  const t0 = Date.now();
  const world = await startFaultWorld({ maxAttempts: 1, onInvocation: (inv) => console.log(Date.now()-t0, inv.functionName, (inv.event as any)["detail-type"], inv.ms, inv.attempt, inv.error ?? "", JSON.stringify(inv.result)?.slice(0,200)) });
  setFaultInjector((service, operation, scope) => {
    if (scope && (operation === "CreateSnapshots" || operation === "CreateSnapshot"))
      return Object.assign(new Error("You are not authorized to perform this operation."), { name: "UnauthorizedOperation", Code: "UnauthorizedOperation", $fault: "client", $metadata: { httpStatusCode: 403 } });
    return undefined;
  });
  const r = await runToSettled(world, drillEvent(world, "c2", "web"));
  await world.session.runner.idle(500, 10000);
  console.log(r.settled, JSON.stringify(r.incident.steps, null, 1));
  const got = await alerts(world);
  for (const a of got) if (String(a.body.summary).includes("snapshots failed")) console.log(JSON.stringify(a, null, 1));
  console.log(world.calls.filter(c => c.error).map(c => `${c.scope} ${c.service}:${c.operation} ${c.error} ${c.start - t0}`));
  console.log(world.calls.filter(c => c.operation.startsWith("CreateSnapshot")).map(c => `${c.scope} ${c.operation} ${c.error}`));
  await world.stop();
}, 120_000);
