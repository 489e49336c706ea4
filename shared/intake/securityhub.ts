/**
 * Security Hub (`aws.securityhub`): ASFF findings, imported or sent by a custom action.
 */
import type { AffectedResource, FindingProduct, ResourceKind } from "../domain/types.ts";
import { InvalidEventError } from "../errors/index.ts";
import { type IntakeContext, ignored, type SourceResult } from "./context.ts";
import { type FindingCore, tagsFrom, title } from "./finding.ts";
import { ID_PATTERNS } from "./schemas/common.ts";
import type { Envelope } from "./schemas/envelope.ts";
import {
  ASFF_LABEL_SEVERITY,
  type AsffFinding,
  AsffFindingSchema,
  type AsffResource,
  SecurityHubDetailSchema,
} from "./schemas/securityhub.ts";
import { quote, sanitizeText } from "./text.ts";
import { invalid, parseOrThrow } from "./validate.ts";
import { IntakeWarnings, lenientTime, namedResource } from "./warnings.ts";

/** EventBridge source of Security Hub events. */
export const SECURITYHUB_SOURCE = "aws.securityhub";
/** Detail-types that carry ASFF findings. */
export const SECURITYHUB_FINDING_DETAIL_TYPES = [
  "Security Hub Findings - Imported",
  "Security Hub Findings - Custom Action",
] as const;

/** How to find the resource's own id inside its ASFF `Id` (usually an ARN). */
const RESOURCE_KINDS = new Map<string, { kind: ResourceKind; id: (asffId: string) => string }>(
  Object.entries({
    AwsEc2Instance: { kind: "ec2-instance", id: afterLast("/") },
    AwsEc2Volume: { kind: "ec2-volume", id: afterLast("/") },
    AwsEc2SecurityGroup: { kind: "security-group", id: afterLast("/") },
    AwsAccount: { kind: "aws-account", id: afterLast(":") },
    AwsS3Bucket: { kind: "s3-bucket", id: afterLast(":") },
    AwsIamAccessKey: { kind: "iam-access-key", id: afterLast(":") },
    AwsIamUser: { kind: "iam-user", id: afterLast("/") },
    AwsIamRole: { kind: "iam-role", id: afterLast("/") },
    AwsEksCluster: { kind: "eks-cluster", id: afterLast("/") },
    AwsLambdaFunction: {
      kind: "lambda-function",
      id: (id) => (id.startsWith("arn:") ? (id.split(":")[6] ?? id) : id),
    },
    AwsRdsDbInstance: { kind: "rds-instance", id: afterLast(":") },
    AwsCloudTrailTrail: { kind: "cloudtrail-trail", id: afterLast("/") },
  }),
);

/**
 * AWS's own products: `arn:<partition>:securityhub:<region>::product/aws/<name>`. Only AWS can
 * import findings under these ARNs; a custom import is `…:product/<account>/default`, and a
 * partner's product has its own company segment.
 */
const AWS_PRODUCT_ARN =
  /^arn:aws(?:-[a-z]{2,10}){0,2}:securityhub:[a-z]{2,8}(?:-[a-z0-9]{1,16}){1,4}::product\/aws\/[A-Za-z0-9._-]{1,128}$/;

/** True when a ProductArn names one of AWS's own products (see {@link AWS_PRODUCT_ARN}). */
export function isAwsProductArn(arn: string | undefined): boolean {
  return arn !== undefined && AWS_PRODUCT_ARN.test(arn);
}

const MAX_PRODUCT_TEXT = 128;

/** The finding's product: whether it is AWS's own is decided from the ARN alone. */
function productOf(f: AsffFinding): FindingProduct {
  const fields = f.ProductFields ?? {};
  const text = (v: unknown) =>
    typeof v === "string" ? sanitizeText(v, MAX_PRODUCT_TEXT) || undefined : undefined;
  const arn = f.ProductArn !== undefined && ID_PATTERNS.arn.test(f.ProductArn) ? f.ProductArn : undefined;
  const name = text(f.ProductName) ?? text(fields["aws/securityhub/ProductName"]);
  const company = text(f.CompanyName) ?? text(fields["aws/securityhub/CompanyName"]);
  return {
    ...(arn ? { arn } : {}),
    ...(name ? { name } : {}),
    ...(company ? { company } : {}),
    aws: isAwsProductArn(arn),
  };
}

function afterLast(separator: string) {
  return (id: string) => id.slice(id.lastIndexOf(separator) + 1);
}

function accountInArn(arn: string): string | undefined {
  const account = arn.startsWith("arn:") ? arn.split(":")[4] : undefined;
  return account && ID_PATTERNS.account.test(account) ? account : undefined;
}

/** One ASFF resource: strict for instances and volumes, left out with a warning when another id is malformed. */
function asffResource(
  r: AsffResource,
  path: string,
  defaults: { account: string; region: string },
  warnings: IntakeWarnings,
): AffectedResource[] {
  const known = RESOURCE_KINDS.get(r.Type);
  const extras = {
    arn: r.Id.startsWith("arn:") ? r.Id : undefined,
    region: r.Region ?? defaults.region,
    account: accountInArn(r.Id) ?? defaults.account,
    tags: tagsFrom(r.Tags),
  };
  if (!known) return namedResource("other", r.Id, `${path}.Id`, warnings, extras);
  return namedResource(known.kind, known.id(r.Id), `${path}.Id`, warnings, extras);
}

/** Why a finding needs no response, or undefined when it is active. */
function inactiveReason(f: AsffFinding): string | undefined {
  const workflow = f.Workflow?.Status;
  if (workflow === "SUPPRESSED" || workflow === "RESOLVED")
    return `Security Hub finding workflow status is ${workflow}`;
  if (f.RecordState === "ARCHIVED") return "Security Hub finding record state is ARCHIVED";
  if (f.Compliance?.Status === "PASSED") return "Security Hub compliance check PASSED";
  return undefined;
}

function severityOf(f: AsffFinding, path: string): number {
  if (f.Severity.Label !== undefined) return ASFF_LABEL_SEVERITY[f.Severity.Label];
  if (f.Severity.Normalized !== undefined) return f.Severity.Normalized / 10;
  return invalid("must have a Label or a Normalized value", `${path}.Severity`);
}

interface Candidate {
  finding: FindingCore;
  inactive: string | undefined;
  /** This finding's own warnings: only the chosen finding's reach the result. */
  warnings: IntakeWarnings;
}

function toCandidate(raw: unknown, path: string, envelope: Envelope): Candidate {
  const warnings = new IntakeWarnings();
  const f = parseOrThrow(AsffFindingSchema, raw, `${path}.`);
  const region = f.Region ?? envelope.region;
  const severity = severityOf(f, path);
  const resources = f.Resources.flatMap((r, i) =>
    asffResource(r, `${path}.Resources[${i}]`, { account: f.AwsAccountId, region }, warnings),
  );
  const updatedAt = lenientTime(f.UpdatedAt, `${path}.UpdatedAt`, warnings);
  const createdAt = lenientTime(f.CreatedAt, `${path}.CreatedAt`, warnings);
  const kind = f.Types?.[0] ?? f.GeneratorId ?? "finding";
  return {
    warnings,
    inactive: inactiveReason(f),
    finding: {
      id: f.Id,
      source: "securityhub",
      type: `securityhub:${sanitizeText(kind, 256)}`,
      title: title(f.Title, `Security Hub finding ${f.Id}`),
      severity,
      time: updatedAt ?? createdAt ?? envelope.time,
      account: f.AwsAccountId,
      region,
      resources,
      product: productOf(f),
    },
  };
}

/**
 * Normalises a Security Hub findings event. Every finding in `detail.findings` is read;
 * the finding keeps its product (`product.aws` is true only for AWS's own products, decided
 * from `ProductArn`; names are claims shown to people);
 * malformed ones are skipped when at least one other is valid (the event is invalid only
 * when none is). Of the active findings (not SUPPRESSED, RESOLVED, ARCHIVED or PASSED) the
 * most severe is returned, the first one on a tie. Severity comes from `Severity.Label`
 * (CRITICAL 9, HIGH 7.5, MEDIUM 5, LOW 2, INFORMATIONAL 0), else `Severity.Normalized / 10`.
 * @throws InvalidEventError when `findings` is empty or no finding in it is valid.
 */
export function normalizeSecurityHub(ctx: IntakeContext): SourceResult {
  const { envelope, prefix } = ctx;
  const path = `${prefix}detail`;
  const detail = parseOrThrow(SecurityHubDetailSchema, envelope.detail, `${path}.`);
  const candidates: Candidate[] = [];
  let firstError: InvalidEventError | undefined;
  detail.findings.forEach((raw, i) => {
    try {
      candidates.push(toCandidate(raw, `${path}.findings[${i}]`, envelope));
    } catch (err) {
      if (!(err instanceof InvalidEventError)) throw err;
      firstError ??= err;
    }
  });
  if (candidates.length === 0) throw firstError!;

  const active = candidates.filter((c) => c.inactive === undefined);
  if (active.length === 0) {
    const reasons = [...new Set(candidates.map((c) => c.inactive!))];
    return ignored(
      reasons.length === 1 ? reasons[0]! : `no active finding: ${reasons.map((r) => quote(r)).join(", ")}`,
    );
  }
  const best = active.reduce((a, b) => (b.finding.severity > a.finding.severity ? b : a));
  for (const w of best.warnings.list()) ctx.warnings.add("", w);
  return { kind: "finding", finding: best.finding };
}
