/**
 * The intake function's logic (functions/intake/handler.ts wires it to middy).
 */

import type { Runtime } from "../../shared/runtime/base.ts";
import { type Logic, MetricUnit } from "../../shared/runtime/lambda.ts";
import { intakeSnsEvent, type SnsIntakeOutcome } from "../../shared/workflow/sns-intake.ts";
import { triageDeps } from "../triage/logic.ts";

/**
 * intake: events published to the intake topic (SNS), each record triaged like an
 * EventBridge event. Invalid records are recorded and alerted, not retried.
 */
export function intakeLogic(rt: Runtime): Logic<unknown> {
  const deps = {
    ...triageDeps(rt),
    intakeTopics: [rt.config.resources.intakeTopicArn, ...rt.config.trust.intakeTopicArns].filter(
      (t): t is string => Boolean(t),
    ),
  };
  return async (event, { metrics }): Promise<SnsIntakeOutcome[]> => {
    const outcomes = await intakeSnsEvent(event, deps);
    const created = outcomes.flatMap((o) => (o.outcome === "created" ? [o] : []));
    const rejected = outcomes.filter((o) => o.outcome === "rejected").length;
    const tier = created.length === 1 ? created[0]?.impact?.tier : undefined;
    if (tier) metrics.addDimension("tier", tier);
    if (created.length) metrics.addMetric("IncidentsOpened", MetricUnit.Count, created.length);
    if (rejected) metrics.addMetric("EventsRejected", MetricUnit.Count, rejected);
    return outcomes;
  };
}
