/**
 * Building blocks for findings: resources with validated ids, event tags, titles,
 * and a schema that every finding produced by intake satisfies.
 */
import * as z from "zod";
import {
  type AffectedResource,
  type Finding,
  type FindingSource,
  RESOURCE_KINDS,
  type ResourceKind,
} from "../domain/types.ts";
import { sanitizeTags } from "../text/sanitize.ts";
import { ID_PATTERNS, type JsonObject } from "./schemas/common.ts";
import { describeValue, MAX_TAGS, MAX_TITLE_LENGTH, sanitizeText } from "./text.ts";
import { invalid } from "./validate.ts";

/** Which id grammar each resource kind's id must follow. */
const KIND_ID_PATTERN: Record<ResourceKind, { pattern: RegExp; what: string }> = {
  "ec2-instance": { pattern: ID_PATTERNS.instanceId, what: "an EC2 instance id (i- and 8 or 17 hex digits)" },
  "ec2-volume": { pattern: ID_PATTERNS.volumeId, what: "an EBS volume id (vol-…)" },
  "ec2-snapshot": { pattern: ID_PATTERNS.snapshotId, what: "an EBS snapshot id (snap-…)" },
  "ec2-image": { pattern: ID_PATTERNS.imageId, what: "an AMI id (ami-…)" },
  "security-group": { pattern: ID_PATTERNS.securityGroupId, what: "a security group id (sg-…)" },
  "iam-user": { pattern: ID_PATTERNS.iamName, what: "an IAM user name" },
  "iam-role": { pattern: ID_PATTERNS.iamName, what: "an IAM role name" },
  "iam-access-key": { pattern: ID_PATTERNS.accessKeyId, what: "an IAM access key id" },
  "s3-bucket": { pattern: ID_PATTERNS.bucketName, what: "an S3 bucket name" },
  "eks-cluster": { pattern: ID_PATTERNS.eksClusterName, what: "an EKS cluster name" },
  "lambda-function": { pattern: ID_PATTERNS.lambdaFunctionName, what: "a Lambda function name" },
  "rds-instance": { pattern: ID_PATTERNS.rdsInstanceId, what: "an RDS DB instance identifier" },
  "cloudtrail-trail": { pattern: ID_PATTERNS.trailName, what: "a CloudTrail trail name" },
  "aws-account": { pattern: ID_PATTERNS.account, what: "a 12-digit AWS account id" },
  other: { pattern: ID_PATTERNS.genericId, what: "an identifier of printable characters" },
};

/** Optional parts of a resource, validated like its id. */
export interface ResourceExtras {
  arn?: string | undefined;
  region?: string | undefined;
  account?: string | undefined;
  tags?: Record<string, string> | undefined;
}

/**
 * Builds an {@link AffectedResource}, checking `id` against the kind's grammar.
 * @param path where `id` sits in the event, for the error if it does not fit.
 * @throws InvalidEventError when the id (or the ARN, account or region) is malformed.
 */
export function resource(
  kind: ResourceKind,
  id: unknown,
  path: string,
  extras: ResourceExtras = {},
): AffectedResource {
  const problem = idProblem(kind, id);
  if (problem !== undefined || typeof id !== "string") invalid(problem ?? "must be a string", path);
  const out: AffectedResource = { kind, id };
  if (extras.arn !== undefined && ID_PATTERNS.arn.test(extras.arn)) out.arn = extras.arn;
  if (extras.region !== undefined && ID_PATTERNS.region.test(extras.region)) out.region = extras.region;
  if (extras.account !== undefined && ID_PATTERNS.account.test(extras.account)) out.account = extras.account;
  if (extras.tags !== undefined && Object.keys(extras.tags).length > 0) out.tags = extras.tags;
  return out;
}

/** What is wrong with `id` as an id of `kind` (`must be … (got …)`), or undefined when it fits. */
export function idProblem(kind: ResourceKind, id: unknown): string | undefined {
  const rule = KIND_ID_PATTERN[kind];
  if (typeof id === "string" && id.length <= 2048 && rule.pattern.test(id)) return undefined;
  return `must be ${rule.what} (got ${describeValue(id)})`;
}

/** True when `id` fits the grammar of `kind`. */
export function isValidId(kind: ResourceKind, id: unknown): id is string {
  return typeof id === "string" && id.length <= 2048 && KIND_ID_PATTERN[kind].pattern.test(id);
}

/**
 * Turns event tags into a record: `[{key, value}]` (GuardDuty), `[{Key, Value}]` (EC2 API)
 * or a plain object (ASFF, Config). Keys and values are sanitised and capped to AWS limits
 * ({@link sanitizeTags}: a key that had hidden characters is marked with U+FFFD); at most
 * {@link MAX_TAGS} tags are kept, in event order; entries without a usable key are dropped.
 * Tags in an event are informational: the account read is authoritative.
 */
export function tagsFrom(value: unknown): Record<string, string> | undefined {
  const tags = sanitizeTags(tagPairs(value), MAX_TAGS);
  return Object.keys(tags).length ? tags : undefined;
}

function* tagPairs(value: unknown): Generator<[unknown, unknown]> {
  if (Array.isArray(value)) {
    for (const item of value) {
      if (item && typeof item === "object") {
        const t = item as JsonObject;
        yield [t.key ?? t.Key, t.value ?? t.Value];
      }
    }
  } else if (value && typeof value === "object") {
    yield* Object.entries(value);
  }
}

/** Sanitises and caps a title; falls back when nothing printable is left. */
export function title(value: string | undefined | null, fallback: string): string {
  const clean = typeof value === "string" ? sanitizeText(value, MAX_TITLE_LENGTH) : "";
  return clean || sanitizeText(fallback, MAX_TITLE_LENGTH);
}

/** The fields a source handler decides; the drill flag, scenario and raw event are added by the router. */
export type FindingCore = Omit<Finding, "drill" | "scenario" | "raw">;

const ResourceSchema = z.object({
  kind: z.enum(RESOURCE_KINDS),
  id: z.string().min(1),
  arn: z.string().optional(),
  region: z.string().optional(),
  account: z.string().optional(),
  tags: z.record(z.string(), z.string()).optional(),
  sessionOfRole: z
    .string()
    .regex(/^[\w+=,.@-]{1,64}$/)
    .optional(),
});

const SOURCES = [
  "guardduty",
  "cloudtrail",
  "config",
  "securityhub",
  "alarm",
] as const satisfies readonly FindingSource[];

/**
 * What every finding produced by intake satisfies. Useful to check a finding read back
 * from storage, and in tests.
 */
export const FindingSchema = z.object({
  id: z.string().min(1),
  source: z.enum(SOURCES),
  type: z.string().min(1).max(1024),
  title: z.string().min(1).max(MAX_TITLE_LENGTH),
  severity: z.number().min(0).max(10),
  time: z.iso.datetime({ offset: true }),
  account: z.string().regex(ID_PATTERNS.account),
  region: z.string().regex(ID_PATTERNS.region),
  resources: z.array(ResourceSchema),
  drill: z.boolean(),
  scenario: z.string().optional(),
  product: z
    .object({
      arn: z.string().optional(),
      name: z.string().optional(),
      company: z.string().optional(),
      aws: z.boolean(),
    })
    .optional(),
  warnings: z.array(z.string().max(1024)).max(21).optional(),
  raw: z.unknown(),
});

/** What every {@link IntakeResult} satisfies. */
export const IntakeResultSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("finding"), finding: FindingSchema }),
  z.object({
    kind: z.literal("ignored"),
    reason: z.string().min(1),
    source: z.string().optional(),
    detailType: z.string().optional(),
  }),
]);
