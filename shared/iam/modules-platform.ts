/**
 * The responder's own plumbing (./modules.ts): the Lambda runtime, dead letters, member-account
 * sessions, the incident table, alerts, the event bus and the daily preflight.
 */
import { KMS_ENVELOPE, type ModulePermissions } from "./module-permissions.ts";

/** The platform modules, by name. */
export const PLATFORM_MODULES = {
  runtime: {
    summary: "Lambda runtime: CloudWatch Logs (the function's own log group) and X-Ray tracing",
    scope: "responder",
    files: [],
    actions: [
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ],
    implicit: {
      "logs:CreateLogStream":
        "Lambda writes the function's logs with its role (the log group is created by the stack)",
      "logs:PutLogEvents": "Lambda writes the function's logs with its role",
      "xray:PutTraceSegments": "tracing is active (provider.tracing.lambda)",
      "xray:PutTelemetryRecords": "tracing is active (provider.tracing.lambda)",
    },
  },
  deadLetters: {
    summary: "asynchronous invocations that fail every retry go to the function's own dead-letter queue",
    scope: "responder",
    files: [],
    actions: ["kms:Decrypt", "kms:GenerateDataKey", "sqs:SendMessage"],
    implicit: {
      "sqs:SendMessage": "Lambda sends on-failure destinations with the function's role",
      ...KMS_ENVELOPE,
    },
    kmsVia: ["sqs"],
  },
  accounts: {
    summary: "sessions in member accounts: assumes the member role (GetCallerIdentity needs no permission)",
    scope: "responder",
    files: ["shared/runtime/accounts.ts"],
    actions: ["sts:AssumeRole"],
  },
  store: {
    summary: "the incident table and its byList index",
    scope: "responder",
    files: ["shared/incident/"],
    actions: [
      "dynamodb:DeleteItem",
      "dynamodb:GetItem",
      "dynamodb:PutItem",
      "dynamodb:Query",
      "dynamodb:UpdateItem",
      "kms:Decrypt",
      "kms:Encrypt",
      "kms:GenerateDataKey",
    ],
    implicit: {
      "kms:Decrypt":
        "the table is encrypted with the responder's key: every item read and write decrypts the table key",
      "kms:Encrypt": "the table is encrypted with the responder's key",
      "kms:GenerateDataKey": "the table is encrypted with the responder's key",
    },
    kmsVia: ["dynamodb"],
  },
  alerts: {
    summary: "SNS alerts on the responder's (encrypted) topic",
    scope: "responder",
    files: ["shared/alerts/publisher.ts"],
    actions: ["kms:Decrypt", "kms:GenerateDataKey", "sns:Publish"],
    implicit: KMS_ENVELOPE,
    kmsVia: ["sns"],
  },
  bus: {
    summary: "the responder's own events on its event bus",
    scope: "responder",
    files: ["shared/events/bus.ts"],
    actions: ["events:PutEvents"],
  },
  preflight: {
    summary:
      "the daily preflight (triage's schedule): reads the responder's own account, its function roles' simulated permissions, the evidence bucket's settings, its key and the alert topic's subscriptions",
    scope: "responder",
    files: ["shared/preflight/"],
    actions: [
      "cloudtrail:GetEventSelectors",
      "cloudtrail:GetTrailStatus",
      "cloudtrail:ListTrails",
      "config:DescribeConfigurationRecorderStatus",
      "events:DescribeRule",
      "events:ListRuleNamesByTarget",
      "guardduty:GetDetector",
      "guardduty:ListDetectors",
      "iam:GetInstanceProfile",
      "iam:GetPolicy",
      "iam:GetPolicyVersion",
      "iam:GetRolePolicy",
      "iam:ListAttachedRolePolicies",
      "iam:ListRolePolicies",
      "iam:SimulatePrincipalPolicy",
      "kms:DescribeKey",
      "kms:GenerateDataKey",
      "s3:GetBucketObjectLockConfiguration",
      "s3:GetBucketPolicy",
      "s3:GetBucketVersioning",
      "securityhub:DescribeHub",
      "sns:ListSubscriptionsByTopic",
    ],
  },
} as const satisfies Record<string, ModulePermissions>;
