/**
 * Lambda wiring shared by every function: middy with Powertools logger, tracer and metrics,
 * the incident id appended to every log line, and a last line of defence that records and
 * alerts any error before it leaves the handler.
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import { Tracer } from "@aws-lambda-powertools/tracer";
import { captureLambdaHandler } from "@aws-lambda-powertools/tracer/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { describeError } from "../errors/index.ts";
import { wasAlerted } from "../workflow/notify.ts";
import { rejectEvent } from "../workflow/reject.ts";
import { createRuntime, type Runtime, type RuntimeOptions } from "./base.ts";

export type { RuntimeOptions };
export { MetricUnit };

/** An EventBridge event, as far as the functions look at it before validating. */
export type AnyEvent = { source?: string; "detail-type"?: string; detail?: Record<string, unknown> };

/** A function's logic: receives the event and the shared runtime's metrics. */
export type Logic<E> = (event: E, tools: { metrics: Metrics }) => Promise<unknown>;

function incidentIdOf(event: unknown): string | undefined {
  const id = (event as { detail?: { incidentId?: unknown } } | null)?.detail?.incidentId;
  return typeof id === "string" ? id : undefined;
}

/** Wraps a function's logic as a Lambda handler. */
export function lambdaHandler<E>(runtime: Runtime, logic: Logic<E>) {
  const serviceName = runtime.logger.getPersistentLogAttributes?.().service as string | undefined;
  const tracer = new Tracer(serviceName ? { serviceName } : {});
  const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? "IncidentResponder" });
  return middy(async (event: E, _context: Context) => {
    const incidentId = incidentIdOf(event);
    runtime.logger.removeKeys(["incidentId"]);
    if (incidentId) runtime.logger.appendKeys({ incidentId });
    // One metric per invocation: the metrics log is never empty, and counts invocations.
    metrics.addMetric("Invocations", MetricUnit.Count, 1);
    try {
      return await logic(event, { metrics });
    } catch (err) {
      metrics.addMetric("HandlerErrors", MetricUnit.Count, 1);
      runtime.logger.error("handler failed", { error: describeError(err) });
      // A lane that failed has alerted on its incident already; anything else is alerted here.
      if (!wasAlerted(err)) await rejectEvent(event, err, runtime.deps);
      throw err;
    }
  })
    .use(injectLambdaContext(runtime.logger))
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics));
}

/**
 * A function's handler, ready to export: its runtime built from the environment (once per
 * container), its logic on that runtime, the Lambda wiring. The deployed handlers pass no
 * options; a local runner passes its middleware and the emulator's quirks.
 */
export async function lambdaEntry<E>(
  serviceName: string,
  logicOf: (runtime: Runtime) => Logic<E>,
  options?: RuntimeOptions,
) {
  const runtime = await createRuntime(serviceName, process.env, options);
  return lambdaHandler(runtime, logicOf(runtime));
}
