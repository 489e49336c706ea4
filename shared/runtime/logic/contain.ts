/**
 * The contain function's logic (functions/contain/handler.ts wires it to middy).
 */
import { autoScalingClient, ec2Client, elbv2Client, iamClient } from "../../aws/clients.ts";
import { isolationProfileFor as isolationProfileResolver, runContainment } from "../../workflow/contain.ts";
import type { Runtime } from "../base.ts";
import { type AnyEvent, type Logic, MetricUnit } from "../lambda.ts";

/** contain: `Incident Opened` / `Incident Approved` with contain-instance. */
export function containLogic(rt: Runtime): Logic<AnyEvent> {
  const isolationProfileFor = isolationProfileResolver({
    ownAccount: () => rt.sessions.ownAccount(),
    ownProfileArn: rt.config.resources.isolationProfileArn,
    memberProfileName: rt.config.isolationProfileName,
  });
  return async (event, { metrics }) => {
    const incidentId = String(event.detail?.incidentId ?? "");
    const started = Date.now();
    const outcomes = await runContainment(incidentId, {
      ...rt.deps,
      isolationProfileFor,
      clientsFor: async (account, id) => {
        const o = await rt.sessions.optionsFor(account, id, "act");
        return { ec2: ec2Client(o), autoScaling: autoScalingClient(o), elbv2: elbv2Client(o) };
      },
      iamFor: async (account, id) => iamClient(await rt.sessions.optionsFor(account, id, "act")),
    });
    if (outcomes) {
      metrics.addMetric("TimeToContainMs", MetricUnit.Milliseconds, Date.now() - started);
      const failed = outcomes.filter((o) => o.status === "failed").length;
      if (failed) metrics.addMetric("ContainmentFailures", MetricUnit.Count, failed);
      const unsupported = outcomes.flatMap((o) => o.steps).filter((s) => s.status === "unsupported").length;
      if (unsupported) metrics.addMetric("UnsupportedSteps", MetricUnit.Count, unsupported);
    }
    return outcomes?.map((o) => ({ instanceId: o.instanceId, status: o.status }));
  };
}
