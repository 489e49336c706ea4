/**
 * The cleanroom function's logic (functions/cleanroom/handler.ts wires it to middy).
 */
import { cfnClient, ec2Client } from "../../shared/aws/clients.ts";
import { loadTemplate, type TemplateSource } from "../../shared/cleanroom/index.ts";
import type { Runtime } from "../../shared/runtime/base.ts";
import { type AnyEvent, type Logic, MetricUnit } from "../../shared/runtime/lambda.ts";
import {
  type CleanroomDeps,
  type CleanroomOutcome,
  cleanroomStackRoleFor,
  handleCleanroomEvent,
  workstationBoundaryFor,
} from "../../shared/workflow/cleanroom.ts";

/**
 * cleanroom: `Evidence Preserved`, `Clean Room Requested`, `Clean Room Destroy Requested`,
 * CloudFormation status changes of clean-room stacks, and the expiry schedule.
 */
export function cleanroomLogic(rt: Runtime): Logic<AnyEvent> {
  let template: Promise<TemplateSource> | undefined;
  const deps: CleanroomDeps = {
    ...rt.deps,
    bucket: rt.config.resources.evidenceBucket,
    ...(rt.config.resources.evidenceKmsKeyArn ? { kmsKeyArn: rt.config.resources.evidenceKmsKeyArn } : {}),
    quirks: rt.quirks,
    template: () => {
      template ??= loadTemplate({
        file: rt.config.cleanroomTemplateFile,
        url: rt.config.resources.cleanroomTemplateUrl,
      }).catch((err) => {
        template = undefined;
        throw err;
      });
      return template;
    },
    ownAccount: () => rt.sessions.ownAccount(),
    stackRoleArnFor: cleanroomStackRoleFor({
      ownAccount: () => rt.sessions.ownAccount(),
      ownRoleArn: rt.config.resources.cleanroomStackRoleArn,
    }),
    workstationBoundaryFor: workstationBoundaryFor({
      ownAccount: () => rt.sessions.ownAccount(),
      ownBoundaryArn: rt.config.resources.cleanroomWorkstationBoundaryArn,
    }),
    clientsFor: async (account, id) => {
      const o = await rt.sessions.optionsFor(account, id, "act");
      return { cfn: rt.clients.of(o, cfnClient), ec2: rt.clients.of(o, ec2Client), region: o.region };
    },
  };
  return async (event, { metrics }) => {
    const out = await handleCleanroomEvent(event, deps);
    const outcomes: CleanroomOutcome[] = Array.isArray(out) ? out : [out];
    const count = (o: string) => outcomes.filter((x) => x.outcome === o).length;
    const ready = outcomes.filter((o) => o.action === "launch" && o.outcome === "ready").length;
    if (ready) metrics.addMetric("CleanRoomsReady", MetricUnit.Count, ready);
    const failed = count("failed") + count("unsupported");
    if (failed) metrics.addMetric("CleanRoomFailures", MetricUnit.Count, failed);
    const destroyed = outcomes.filter(
      (o) => o.action === "destroy" && (o.outcome === "ok" || o.outcome === "partial"),
    ).length;
    if (destroyed) metrics.addMetric("CleanRoomsDestroyed", MetricUnit.Count, destroyed);
    return out;
  };
}
