/**
 * AWS Config (`aws.config`): non-compliant rule evaluations become findings.
 */
import type { ResourceKind } from "../domain/types.ts";
import { type IntakeContext, ignored, type SourceResult } from "./context.ts";
import { resource, title } from "./finding.ts";
import { ConfigComplianceDetailSchema } from "./schemas/config.ts";
import { quote, sanitizeText } from "./text.ts";
import { parseOrThrow } from "./validate.ts";

/** EventBridge source of AWS Config events. */
export const CONFIG_SOURCE = "aws.config";
/** The Config detail-type that can carry a finding. */
export const CONFIG_COMPLIANCE_CHANGE = "Config Rules Compliance Change";
/** Severity of a Config non-compliance: Config rules say nothing about severity. */
export const CONFIG_DEFAULT_SEVERITY = 5;

/**
 * Config resource types whose `resourceId` is the id the responder acts on. Others
 * (IAM users and roles, whose Config id is the unique id `AIDA…`, RDS, whose id is the
 * `db-…` resource id, and everything else) become kind `other` with the Config resource id.
 */
const KIND_BY_CONFIG_TYPE = new Map<string, ResourceKind>(
  Object.entries({
    "AWS::EC2::Instance": "ec2-instance",
    "AWS::EC2::Volume": "ec2-volume",
    "AWS::EC2::SecurityGroup": "security-group",
    "AWS::EC2::Snapshot": "ec2-snapshot",
    "AWS::EC2::Image": "ec2-image",
    "AWS::S3::Bucket": "s3-bucket",
    "AWS::Lambda::Function": "lambda-function",
    "AWS::EKS::Cluster": "eks-cluster",
    "AWS::::Account": "aws-account",
  }),
);

/**
 * Normalises a `Config Rules Compliance Change`: NON_COMPLIANT evaluations become findings
 * (type `config:<rule name>`, severity {@link CONFIG_DEFAULT_SEVERITY}); other compliance types are ignored.
 * @throws InvalidEventError for a malformed change (bad resource id, rule name…).
 */
export function normalizeConfigCompliance(ctx: IntakeContext): SourceResult {
  const { envelope, prefix } = ctx;
  const path = `${prefix}detail`;
  const detail = parseOrThrow(ConfigComplianceDetailSchema, envelope.detail, `${path}.`);
  const account = detail.awsAccountId ?? envelope.account;
  const region = detail.awsRegion ?? envelope.region;
  const kind = KIND_BY_CONFIG_TYPE.get(detail.resourceType) ?? "other";
  const affected = resource(kind, detail.resourceId, `${path}.resourceId`, { account, region });

  const compliance = detail.newEvaluationResult.complianceType;
  if (compliance !== "NON_COMPLIANT") {
    return ignored(`Config evaluation is ${quote(compliance)}, not NON_COMPLIANT`);
  }
  const note = detail.newEvaluationResult.annotation
    ? ` (${sanitizeText(detail.newEvaluationResult.annotation, 256)})`
    : "";
  const recorded =
    detail.newEvaluationResult.resultRecordedTime ?? detail.notificationCreationTime ?? envelope.time;
  return {
    kind: "finding",
    finding: {
      // Stable across redeliveries of the same evaluation.
      id: `${detail.configRuleName}/${detail.resourceType}/${detail.resourceId}/${recorded}`,
      source: "config",
      type: `config:${detail.configRuleName}`,
      title: title(
        `Config rule ${detail.configRuleName}: ${detail.resourceType} ${detail.resourceId} is non-compliant${note}`,
        `config:${detail.configRuleName}`,
      ),
      severity: CONFIG_DEFAULT_SEVERITY,
      time: recorded,
      account,
      region,
      resources: [affected],
    },
  };
}
