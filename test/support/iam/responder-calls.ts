/**
 * The call model for the calls on the responder's own resources (the evidence bucket, the incident
 * table, the alert topic, the bus, all encrypted with the responder's key), and what Lambda does
 * with a function's role besides its code's calls. See calls.ts.
 */
import type { CallRecord } from "../../../cli/local/instrument.ts";
import type { IamRequest } from "./simulate.ts";
import { type CallSite, type Input, kms, unscoped } from "./site.ts";

const P = "aws";

/** The IAM requests of a call on the responder's own resources (S3, DynamoDB, SNS, EventBridge). */
export function responderRequests(call: CallRecord, site: CallSite, why: string): IamRequest[] {
  const input: Input = call.input ?? {};
  const op = call.operation;
  switch (call.service) {
    case "S3": {
      const bucket = `arn:${P}:s3:::${input.Bucket}`;
      const object = `${bucket}/${input.Key}`;
      const versioned = (plain: string, version: string) => (input.VersionId ? version : plain);
      switch (op) {
        case "HeadObject":
          // A missing object answers 404 only to a caller that may list the bucket (403 otherwise).
          return [
            { action: versioned("s3:GetObject", "s3:GetObjectVersion"), resource: object, context: {}, why },
            ...(call.error === "NotFound"
              ? [
                  {
                    action: "s3:ListBucket",
                    resource: bucket,
                    context: {},
                    why: `${why}: 404 for a missing object`,
                  },
                ]
              : []),
          ];
        case "GetObject":
          return [
            { action: versioned("s3:GetObject", "s3:GetObjectVersion"), resource: object, context: {}, why },
            ...kms(site, "s3", ["kms:Decrypt"], why),
          ];
        case "PutObject":
        case "CreateMultipartUpload":
          return [
            { action: "s3:PutObject", resource: object, context: {}, why },
            ...(input.ObjectLockMode || input.ObjectLockRetainUntilDate
              ? [
                  {
                    action: "s3:PutObjectRetention",
                    resource: object,
                    context: {},
                    why: `${why}: with Object Lock retention`,
                  },
                ]
              : []),
            ...(input.Tagging
              ? [{ action: "s3:PutObjectTagging", resource: object, context: {}, why: `${why}: with tags` }]
              : []),
            ...kms(
              site,
              "s3",
              op === "PutObject" ? ["kms:GenerateDataKey"] : ["kms:GenerateDataKey", "kms:Decrypt"],
              why,
            ),
          ];
        case "UploadPart":
        case "CompleteMultipartUpload":
          return [
            { action: "s3:PutObject", resource: object, context: {}, why },
            ...kms(site, "s3", ["kms:Decrypt"], why),
          ];
        case "AbortMultipartUpload":
          return [{ action: "s3:AbortMultipartUpload", resource: object, context: {}, why }];
        case "PutObjectTagging":
          return [
            {
              action: versioned("s3:PutObjectTagging", "s3:PutObjectVersionTagging"),
              resource: object,
              context: {},
              why,
            },
          ];
        case "ListObjectsV2":
          return [
            {
              action: "s3:ListBucket",
              resource: bucket,
              context: input.Prefix ? { "s3:prefix": input.Prefix } : {},
              why,
            },
          ];
      }
      break;
    }
    case "DynamoDB": {
      const table = (name: string) => `arn:${P}:dynamodb:${site.region}:${site.account}:table/${name}`;
      const key = (write: boolean) =>
        kms(
          site,
          "dynamodb",
          write ? ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey"] : ["kms:Decrypt"],
          why,
        );
      if (op === "TransactWriteItems") {
        const items = (input.TransactItems ?? []) as Input[];
        const kinds: Record<string, string> = {
          Put: "PutItem",
          Update: "UpdateItem",
          Delete: "DeleteItem",
          ConditionCheck: "ConditionCheckItem",
        };
        return [
          ...items.flatMap((item) =>
            Object.entries(kinds)
              .filter(([k]) => item[k])
              .map(([k, action]) => ({
                action: `dynamodb:${action}`,
                resource: table(item[k].TableName),
                context: {},
                why: `${why}: ${k}`,
              })),
          ),
          ...key(true),
        ];
      }
      if (["GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query", "Scan"].includes(op)) {
        const resource = input.IndexName
          ? `${table(input.TableName)}/index/${input.IndexName}`
          : table(input.TableName);
        return [
          { action: `dynamodb:${op}`, resource, context: {}, why },
          ...key(!["GetItem", "Query", "Scan"].includes(op)),
        ];
      }
      break;
    }
    case "SNS":
      if (op === "Publish")
        return [
          { action: "sns:Publish", resource: String(input.TopicArn), context: {}, why },
          ...kms(site, "sns", ["kms:GenerateDataKey", "kms:Decrypt"], why),
        ];
      break;
    case "EventBridge":
      if (op === "PutEvents") {
        const buses = new Set<string>(
          ((input.Entries ?? []) as Input[]).map((e) => String(e.EventBusName ?? "default")),
        );
        return [...buses].map((b) => ({
          action: "events:PutEvents",
          resource: b.startsWith("arn:")
            ? b
            : `arn:${P}:events:${site.region}:${site.account}:event-bus/${b}`,
          context: {},
          why,
        }));
      }
      break;
  }
  throw new Error(
    `the call model does not know ${call.service}.${op} (${why}): add it to test/support/iam/responder-calls.ts`,
  );
}

/**
 * What the Lambda service does with the function's role besides its code's calls: its logs, its
 * traces, and a failed asynchronous invocation sent to its (encrypted) dead-letter queue.
 */
export function runtimeRequests(
  site: CallSite,
  fn: { name: string; stackName: string; deadLetterQueueArn: string },
): IamRequest[] {
  const group = `arn:${P}:logs:${site.region}:${site.account}:log-group:/aws/lambda/${fn.stackName}-${fn.name}`;
  const why = `${fn.name}: Lambda runtime`;
  return [
    {
      action: "logs:CreateLogStream",
      resource: `${group}:log-stream:2026/01/01/[$LATEST]0`,
      context: {},
      why,
    },
    { action: "logs:PutLogEvents", resource: `${group}:log-stream:2026/01/01/[$LATEST]0`, context: {}, why },
    unscoped("xray:PutTraceSegments", why),
    unscoped("xray:PutTelemetryRecords", why),
    {
      action: "sqs:SendMessage",
      resource: fn.deadLetterQueueArn,
      context: {},
      why: `${fn.name}: on-failure destination`,
    },
    ...kms(site, "sqs", ["kms:GenerateDataKey", "kms:Decrypt"], `${fn.name}: on-failure destination`),
  ];
}
