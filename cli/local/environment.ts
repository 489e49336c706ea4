/**
 * The local responder: the responder's resources and event routes created in the emulator
 * from serverless.yml, and the environment its handlers run with.
 */

import { PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { SubscribeCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import {
  type ClientOptions,
  dynamoClient,
  eventsClient,
  iamClient,
  kmsClient,
  s3Client,
  snsClient,
  sqsClient,
  stsClient,
} from "../../shared/aws/clients.ts";
import { type ResponderResources, resourcesToEnv } from "../../shared/config/index.ts";
import { ConfigError } from "../../shared/errors/index.ts";
import { type ProvisionResult, provision, type StackContext } from "./provision.ts";
import { type EventRoute, eventRoutes, type SnsRoute, snsRoutes } from "./routes.ts";
import { type Json, loadServerless, stackName } from "./serverless.ts";

export const LOCAL_STAGE = "local";

export interface LocalResponder {
  context: StackContext;
  resources: ResponderResources;
  provisioned: ProvisionResult;
  doc: Json;
}

/** A route of a function and the queue the local runner reads it from (one queue per function). */
export type RouteQueue =
  | { kind: "eventBridge"; route: EventRoute; queueUrl: string }
  | { kind: "sns"; route: SnsRoute; queueUrl: string };

/** Maps the stack's outputs to the resources the handlers are configured with. */
export function resourcesFromOutputs(outputs: Record<string, string>): ResponderResources {
  const need = (k: string) => {
    const v = outputs[k];
    if (!v) throw new ConfigError(`serverless.yml: output ${k} is missing`);
    return v;
  };
  return {
    evidenceBucket: need("EvidenceBucketName"),
    incidentTable: need("IncidentTableName"),
    alertTopicArn: need("AlertTopicArn"),
    eventBusName: need("EventBusName"),
    evidenceKmsKeyArn: need("ResponderKeyArn"),
    isolationProfileArn: need("IsolationInstanceProfileArn"),
    ...(outputs.IntakeTopicArn ? { intakeTopicArn: outputs.IntakeTopicArn } : {}),
    // Optional: a stack deployed before the manifest signing key existed has no such output.
    ...(outputs.EvidenceSigningKeyArn ? { evidenceSigningKeyArn: outputs.EvidenceSigningKeyArn } : {}),
    // Optional: a stack deployed before the clean-room stack role existed has no such output.
    ...(outputs.CleanroomStackRoleArn ? { cleanroomStackRoleArn: outputs.CleanroomStackRoleArn } : {}),
    ...(outputs.CleanroomWorkstationBoundaryArn
      ? { cleanroomWorkstationBoundaryArn: outputs.CleanroomWorkstationBoundaryArn }
      : {}),
  };
}

/** Creates (or finds) the responder's own resources in the emulator. Idempotent. */
export async function provisionLocal(aws: ClientOptions, stage = LOCAL_STAGE): Promise<LocalResponder> {
  const doc = loadServerless({ stage, region: aws.region });
  const identity = await stsClient(aws).send(new GetCallerIdentityCommand({}));
  const context: StackContext = {
    stackName: stackName(doc, stage),
    plainHttp: (aws.endpoint ?? "").startsWith("http:"),
    accountId: identity.Account ?? "123456789012",
    region: aws.region,
    partition: "aws",
  };
  const provisioned = await provision(
    doc.resources,
    {
      s3: s3Client(aws),
      kms: kmsClient(aws),
      dynamodb: dynamoClient(aws),
      sns: snsClient(aws),
      sqs: sqsClient(aws),
      events: eventsClient(aws),
      iam: iamClient(aws),
    },
    context,
  );
  return { context, resources: resourcesFromOutputs(provisioned.outputs), provisioned, doc };
}

/**
 * Builds one EventBridge rule per function event, from the function's own pattern, with an
 * SQS queue per function as its target; and subscribes that queue to the topic of each of the
 * function's `sns` events (raw delivery off: the runner reads the SNS envelope). Idempotent.
 */
export async function createRoutes(
  aws: ClientOptions,
  local: LocalResponder,
): Promise<Map<string, RouteQueue[]>> {
  const sqs = sqsClient(aws);
  const events = eventsClient(aws);
  const byFunction = new Map<string, RouteQueue[]>();
  const routes = eventRoutes(local.doc, local.context, local.provisioned.physical);
  const subscriptions = snsRoutes(local.doc, local.context, local.provisioned.physical);
  const queues = new Map<string, { url: string; arn: string }>();
  for (const fn of new Set([...routes, ...subscriptions].map((r) => r.functionName))) {
    const q = await sqs.send(
      new CreateQueueCommand({
        QueueName: `${local.context.stackName}-${fn}`,
        Attributes: { VisibilityTimeout: "30" },
      }),
    );
    const attrs = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: q.QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    queues.set(fn, { url: q.QueueUrl ?? "", arn: attrs.Attributes?.QueueArn ?? "" });
  }
  for (const route of routes) {
    const q = queues.get(route.functionName);
    if (!q) continue;
    const name = `${local.context.stackName}-${route.functionName}-${route.index}`;
    await events.send(
      new PutRuleCommand({
        Name: name,
        EventBusName: route.busName,
        EventPattern: JSON.stringify(route.pattern),
        State: "ENABLED",
      }),
    );
    await events.send(
      new PutTargetsCommand({
        Rule: name,
        EventBusName: route.busName,
        Targets: [{ Id: "local-runner", Arn: q.arn }],
      }),
    );
    const list = byFunction.get(route.functionName) ?? [];
    list.push({ kind: "eventBridge", route, queueUrl: q.url });
    byFunction.set(route.functionName, list);
  }
  const sns = snsClient(aws);
  for (const route of subscriptions) {
    const q = queues.get(route.functionName);
    if (!q) continue;
    // SNS answers with the existing subscription when the queue is already subscribed.
    await sns.send(new SubscribeCommand({ TopicArn: route.topicArn, Protocol: "sqs", Endpoint: q.arn }));
    const list = byFunction.get(route.functionName) ?? [];
    list.push({ kind: "sns", route, queueUrl: q.url });
    byFunction.set(route.functionName, list);
  }
  return byFunction;
}

/** The environment a handler runs with locally: the same variables the deployment sets. */
export function handlerEnv(
  aws: ClientOptions,
  resources: ResponderResources,
  stage = LOCAL_STAGE,
): Record<string, string> {
  return {
    ...resourcesToEnv(resources),
    AWS_REGION: aws.region,
    ...(aws.endpoint ? { AWS_ENDPOINT_URL: aws.endpoint } : {}),
    STAGE: stage,
    POWERTOOLS_SERVICE_NAME: "incident-responder",
    POWERTOOLS_METRICS_NAMESPACE: "IncidentResponder",
    POWERTOOLS_METRICS_DISABLED: "true",
    POWERTOOLS_TRACE_ENABLED: "false",
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true",
  };
}
