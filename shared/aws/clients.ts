/**
 * The one place that creates AWS SDK clients. Each service has its own factory so that a
 * handler bundle contains only the clients it uses (the SDK packages are side-effect free).
 */
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { ConfigServiceClient } from "@aws-sdk/client-config-service";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { EBSClient } from "@aws-sdk/client-ebs";
import { EC2Client } from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { GuardDutyClient } from "@aws-sdk/client-guardduty";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { SecurityHubClient } from "@aws-sdk/client-securityhub";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { STSClient } from "@aws-sdk/client-sts";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Pluggable } from "@aws-sdk/types";
import type { AwsConfig } from "../config/index.ts";

/**
 * Middleware added to a client's stack when it is built (the SDK's own plug-in shape). Only
 * what runs the handlers outside Lambda supplies any — the local runner, the bench, the tests
 * (call recording, fault injection, the emulator's transaction gate: cli/local/instrument.ts);
 * the functions' composition roots pass none, so a deployed client carries none.
 */
// biome-ignore lint/suspicious/noExplicitAny: the middleware serves every client, whatever its input and output types
export type ClientMiddleware = Pluggable<any, any>;

/** Options shared by every client: region, optional endpoint, retries, credentials, middleware. */
export interface ClientOptions extends AwsConfig {
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Added to every client built from these options, in order; none in Lambda. */
  middleware?: readonly ClientMiddleware[];
}

function base(o: ClientOptions) {
  return {
    region: o.region,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    maxAttempts: o.maxAttempts,
    // Adaptive retry adds client-side rate limiting on throttling, beyond standard backoff.
    retryMode: "adaptive" as const,
    ...(o.credentials ? { credentials: o.credentials } : {}),
  };
}

/** Adds the options' middleware, if any, to a new client; returns the client. */
function built<T extends { middlewareStack: { use(m: ClientMiddleware): void } }>(
  o: ClientOptions,
  client: T,
): T {
  for (const m of o.middleware ?? []) client.middlewareStack.use(m);
  return client;
}

export const ec2Client = (o: ClientOptions) => built(o, new EC2Client(base(o)));
export const ebsClient = (o: ClientOptions) => built(o, new EBSClient(base(o)));
export const s3Client = (o: ClientOptions) =>
  built(o, new S3Client({ ...base(o), forcePathStyle: Boolean(o.endpoint) }));
export const snsClient = (o: ClientOptions) => built(o, new SNSClient(base(o)));
export const sqsClient = (o: ClientOptions) => built(o, new SQSClient(base(o)));
export const eventsClient = (o: ClientOptions) => built(o, new EventBridgeClient(base(o)));
export const cfnClient = (o: ClientOptions) => built(o, new CloudFormationClient(base(o)));
export const iamClient = (o: ClientOptions) => built(o, new IAMClient(base(o)));
export const kmsClient = (o: ClientOptions) => built(o, new KMSClient(base(o)));
export const stsClient = (o: ClientOptions) => built(o, new STSClient(base(o)));
export const autoScalingClient = (o: ClientOptions) => built(o, new AutoScalingClient(base(o)));
export const elbv2Client = (o: ClientOptions) => built(o, new ElasticLoadBalancingV2Client(base(o)));
export const cloudTrailClient = (o: ClientOptions) => built(o, new CloudTrailClient(base(o)));
export const dynamoClient = (o: ClientOptions) => built(o, new DynamoDBClient(base(o)));
export const dynamoDocClient = (o: ClientOptions) =>
  DynamoDBDocumentClient.from(dynamoClient(o), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
export const guardDutyClient = (o: ClientOptions) => built(o, new GuardDutyClient(base(o)));
export const securityHubClient = (o: ClientOptions) => built(o, new SecurityHubClient(base(o)));
export const configServiceClient = (o: ClientOptions) => built(o, new ConfigServiceClient(base(o)));

/**
 * SDK clients built once per client options object and factory: asked again with the same
 * options (the same account session: {@link ClientOptions} objects are kept by the account
 * sessions) it returns the same client, so a warm container builds no client per event.
 */
export class ClientCache {
  private readonly byOptions = new WeakMap<ClientOptions, Map<(o: ClientOptions) => unknown, unknown>>();

  /** The client `factory` builds from `options`, built at most once. */
  of<T>(options: ClientOptions, factory: (o: ClientOptions) => T): T {
    let clients = this.byOptions.get(options);
    if (!clients) {
      clients = new Map();
      this.byOptions.set(options, clients);
    }
    if (!clients.has(factory)) clients.set(factory, factory(options));
    return clients.get(factory) as T;
  }
}
