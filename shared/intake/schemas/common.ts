/**
 * Identifier patterns and small zod schemas shared by every source.
 *
 * Ids that the responder may later pass to an AWS API are validated against the
 * service's own documented grammar: a value that does not fit (an injection string,
 * a control character, a path) is an invalid event, never a finding.
 */
import * as z from "zod";

/** Documented id grammars. Every pattern is anchored and free of nested ambiguous quantifiers. */
export const ID_PATTERNS = {
  instanceId: /^i-[0-9a-f]{8}([0-9a-f]{9})?$/,
  volumeId: /^vol-[0-9a-f]{8}([0-9a-f]{9})?$/,
  snapshotId: /^snap-[0-9a-f]{8}([0-9a-f]{9})?$/,
  imageId: /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/,
  securityGroupId: /^sg-[0-9a-f]{8}([0-9a-f]{9})?$/,
  account: /^\d{12}$/,
  /**
   * Region codes: lower-case words joined by dashes (`us-east-1`, `us-gov-west-1`,
   * `eu-isoe-west-1`). Deliberately a grammar rather than a list, so that new and
   * isolated-partition regions are accepted; it still rejects anything that is not a code.
   */
  region: /^[a-z]{2,8}(-[a-z0-9]{1,16}){1,4}$/,
  partition: /^aws(-[a-z]{2,10}){0,2}$/,
  /** IAM's own constraint for AccessKeyId: `[\w]+`, 16–128 characters. */
  accessKeyId: /^\w{16,128}$/,
  /** IAM user, role and group names: `[\w+=,.@-]+`, up to 128 characters. */
  iamName: /^[\w+=,.@-]{1,128}$/,
  /** S3 bucket names, including legacy us-east-1 names (upper case, underscores). */
  bucketName: /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/,
  eksClusterName: /^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/,
  lambdaFunctionName: /^[A-Za-z0-9_-]{1,64}$/,
  rdsInstanceId: /^[A-Za-z][A-Za-z0-9-]{0,62}$/,
  trailName: /^[A-Za-z0-9][A-Za-z0-9._-]{1,127}$/,
  /** EventBridge event ids and CloudTrail eventIDs (UUIDs in practice). */
  eventId: /^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/,
  guardDutyFindingId: /^[A-Za-z0-9_-]{1,300}$/,
  /** ARNs: printable ASCII without spaces. */
  arn: /^arn:[\x21-\x7e]{4,2043}$/,
  /** Any other identifier: printable ASCII, no leading or trailing space. */
  genericId: /^[\x21-\x7e]([\x20-\x7e]{0,1022}[\x21-\x7e])?$/,
} as const;

const idSchema = (pattern: RegExp, what: string, max = 2048) =>
  z
    .string()
    .max(max, { error: `must be ${what}` })
    .regex(pattern, { error: `must be ${what}` });

export const InstanceIdSchema = idSchema(
  ID_PATTERNS.instanceId,
  "an EC2 instance id (i- and 8 or 17 hex digits)",
);
export const AccountIdSchema = idSchema(ID_PATTERNS.account, "a 12-digit AWS account id");
export const RegionSchema = idSchema(ID_PATTERNS.region, "an AWS region code such as us-east-1", 64);
export const PartitionSchema = idSchema(ID_PATTERNS.partition, "an AWS partition such as aws", 32);
export const EventIdSchema = idSchema(ID_PATTERNS.eventId, "an event id (letters, digits, dashes)", 128);
export const ArnSchema = idSchema(ID_PATTERNS.arn, "an ARN");
export const GenericIdSchema = idSchema(ID_PATTERNS.genericId, "an identifier of printable characters", 1024);

/** ISO-8601 date-time with `Z` or a numeric offset, as AWS writes them. */
export const IsoTimeSchema = z.iso.datetime({ offset: true, error: "must be an ISO-8601 date-time" });

/** Severity on the GuardDuty scale, 0 to 10 inclusive. */
export const SeveritySchema = z
  .number()
  .min(0, { error: "must be a severity between 0 and 10" })
  .max(10, { error: "must be a severity between 0 and 10" });

/** A boolean that AWS sometimes serialises as a string. */
export const LooseBooleanSchema = z.union([
  z.boolean(),
  z.enum(["true", "false", "True", "False"]).transform((v) => v.toLowerCase() === "true"),
]);

/** Free text: any string; sanitised and capped later, so only its type is checked here. */
export const FreeTextSchema = z.string();

/** A plain JSON object (not an array, not null). */
export const JsonObjectSchema = z.record(z.string(), z.unknown());
export type JsonObject = z.infer<typeof JsonObjectSchema>;
