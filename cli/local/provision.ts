/**
 * Creates the responder's own resources in the local emulator from the `resources` section
 * of serverless.yml — the same CloudFormation definitions the deployment uses. The emulator's
 * own CloudFormation drops properties that matter here (Object Lock, lifecycle, public access
 * block), so each supported resource type is applied with the service APIs, property by
 * property; a property or type this file does not know is an error, never silently dropped.
 * Every step is idempotent: provisioning twice changes nothing.
 */
import { ConfigError } from "../../shared/errors/index.ts";
import { creators, type ProvisionClients } from "./creators.ts";
import type { Json } from "./serverless.ts";
import { creationOrder, evaluate, type Physical, type StackContext } from "./template.ts";

export type { ProvisionClients } from "./creators.ts";
export type { Physical, StackContext } from "./template.ts";

export interface ProvisionResult {
  physical: Record<string, Physical>;
  outputs: Record<string, string>;
  /** Resources not created locally, with the reason. */
  skipped: { logicalId: string; type: string; reason: string }[];
}

/** Types that exist only for the deployed Lambda functions; the local runner needs none of them. */
const NOT_NEEDED_LOCALLY: Record<string, string> = {
  "AWS::CloudWatch::Alarm": "alarms watch deployed functions and queues",
  "AWS::SQS::QueuePolicy": "the emulator does not enforce queue policies",
  "AWS::SNS::TopicPolicy": "the emulator does not enforce topic policies",
  "AWS::Lambda::EventInvokeConfig": "functions run in-process locally",
  "AWS::Lambda::Permission": "functions run in-process locally",
  "AWS::Events::Rule": "the local runner builds rules from the functions' patterns",
  "AWS::Events::Archive": "event replay is a deployment feature",
  "AWS::Events::EventBusPolicy": "cross-account delivery is a deployment feature",
  "AWS::Logs::LogGroup": "handlers log to the console locally",
};

/**
 * Resources of a type the emulator supports that only the deployed functions use: their
 * execution roles (locally the handlers run in-process, with the local credentials). Other
 * roles are created: the isolation role, and the clean-room stack role (CloudFormation's service
 * role), whose ARN the local cleanroom lane passes as RoleARN like the deployed one (the
 * emulator accepts it and builds the stack with the caller's credentials).
 */
function notNeededLocally(type: string, props: Json): string | undefined {
  if (type !== "AWS::IAM::Role") return undefined;
  const trust = props?.AssumeRolePolicyDocument?.Statement;
  const principals = (Array.isArray(trust) ? trust : [trust]).flatMap((st: Json) =>
    [st?.Principal?.Service ?? []].flat(),
  );
  return principals.length > 0 && principals.every((p: Json) => p === "lambda.amazonaws.com")
    ? "a Lambda execution role: functions run in-process with the local credentials"
    : undefined;
}

/**
 * Creates (or finds) every resource of a CloudFormation `Resources` block in the emulator,
 * in dependency order, and evaluates its `Outputs`.
 */
export async function provision(
  template: { Resources: Record<string, Json>; Outputs?: Record<string, Json> },
  clients: ProvisionClients,
  ctx: StackContext,
): Promise<ProvisionResult> {
  const physical: Record<string, Physical> = {};
  const skipped: ProvisionResult["skipped"] = [];
  for (const id of creationOrder(template.Resources)) {
    const res = template.Resources[id];
    const type = String(res.Type);
    const create = creators[type];
    const deploymentOnly = notNeededLocally(type, res.Properties);
    if (deploymentOnly) {
      skipped.push({ logicalId: id, type, reason: deploymentOnly });
      continue;
    }
    if (!create) {
      const reason = NOT_NEEDED_LOCALLY[type];
      if (!reason) throw new ConfigError(`resource ${id}: type ${type} has no local provisioner`);
      skipped.push({ logicalId: id, type, reason });
      continue;
    }
    try {
      physical[id] = await create(id, evaluate(res.Properties ?? {}, ctx, physical), clients, ctx);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(
        `resource ${id} (${type}) could not be created locally: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
  const outputs: Record<string, string> = {};
  for (const [name, out] of Object.entries(template.Outputs ?? {})) {
    outputs[name] = String(evaluate(out.Value, ctx, physical));
  }
  return { physical, outputs, skipped };
}
