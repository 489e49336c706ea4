/**
 * The one place that creates AWS SDK clients. Each service has its own factory so that a
 * handler bundle contains only the clients it uses (the SDK packages are side-effect free).
 */
import { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import { ConfigServiceClient } from "@aws-sdk/client-config-service";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
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
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@aws-sdk/types";
import type { AwsConfig } from "../config/index.ts";
import { instrument } from "./instrument.ts";

/** Options shared by every client: region, optional endpoint, retries, credentials. */
export interface ClientOptions extends AwsConfig {
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
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

export const ec2Client = (o: ClientOptions) => instrument(new EC2Client(base(o)));
export const s3Client = (o: ClientOptions) =>
  instrument(new S3Client({ ...base(o), forcePathStyle: Boolean(o.endpoint) }));
export const snsClient = (o: ClientOptions) => instrument(new SNSClient(base(o)));
export const sqsClient = (o: ClientOptions) => instrument(new SQSClient(base(o)));
export const eventsClient = (o: ClientOptions) => instrument(new EventBridgeClient(base(o)));
export const cfnClient = (o: ClientOptions) => instrument(new CloudFormationClient(base(o)));
export const iamClient = (o: ClientOptions) => instrument(new IAMClient(base(o)));
export const kmsClient = (o: ClientOptions) => instrument(new KMSClient(base(o)));
export const stsClient = (o: ClientOptions) => instrument(new STSClient(base(o)));
export const autoScalingClient = (o: ClientOptions) => instrument(new AutoScalingClient(base(o)));
export const elbv2Client = (o: ClientOptions) => instrument(new ElasticLoadBalancingV2Client(base(o)));
export const cloudTrailClient = (o: ClientOptions) => instrument(new CloudTrailClient(base(o)));
export const dynamoClient = (o: ClientOptions) => instrument(new DynamoDBClient(base(o)));
export const dynamoDocClient = (o: ClientOptions) =>
  DynamoDBDocumentClient.from(dynamoClient(o), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
export const guardDutyClient = (o: ClientOptions) => instrument(new GuardDutyClient(base(o)));
export const securityHubClient = (o: ClientOptions) => instrument(new SecurityHubClient(base(o)));
export const configServiceClient = (o: ClientOptions) => instrument(new ConfigServiceClient(base(o)));
