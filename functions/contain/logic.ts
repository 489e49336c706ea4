/**
 * The contain function's logic (functions/contain/handler.ts wires it to middy).
 */
import { autoScalingClient, ec2Client, elbv2Client, iamClient, s3Client } from "../../shared/aws/clients.ts";
import type { Runtime } from "../../shared/runtime/base.ts";
import { type AnyEvent, type Logic, MetricUnit } from "../../shared/runtime/lambda.ts";
import {
  isolationProfileFor as isolationProfileResolver,
  runContainment,
} from "../../shared/workflow/contain.ts";
import { runPrincipalContainment } from "../../shared/workflow/contain-principal.ts";

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
    // Principals and buckets (contain-principal, contain-bucket) run beside the instances'
    // containment: neither waits for the other, and a failure of one never stops the other.
    const [instances, principals] = await Promise.allSettled([
      runContainment(incidentId, {
        ...rt.deps,
        isolationProfileFor,
        clientsFor: async (account, id) => {
          const o = await rt.sessions.optionsFor(account, id, "act");
          return {
            ec2: rt.clients.of(o, ec2Client),
            autoScaling: rt.clients.of(o, autoScalingClient),
            elbv2: rt.clients.of(o, elbv2Client),
          };
        },
        iamFor: async (account, id) =>
          rt.clients.of(await rt.sessions.optionsFor(account, id, "act"), iamClient),
      }),
      runPrincipalContainment(incidentId, {
        ...rt.deps,
        principalClientsFor: async (account, id) => {
          const o = await rt.sessions.optionsFor(account, id, "act");
          return { iam: rt.clients.of(o, iamClient), s3: rt.clients.of(o, s3Client) };
        },
      }),
    ]);
    if (instances.status === "rejected") throw instances.reason;
    if (principals.status === "rejected") throw principals.reason;
    const outcomes = instances.value;
    for (const p of principals.value)
      for (const f of p.figures) rt.deps.log.info("contained", { step: p.step, ...f });
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
