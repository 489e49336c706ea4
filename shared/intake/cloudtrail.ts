/**
 * CloudTrail API calls and console sign-ins delivered by EventBridge, judged against the
 * risky-call catalogue (`RISKY_CALLS` in cloudtrail-rules.ts).
 */
import type { AffectedResource } from "../domain/types.ts";
import {
  type CloudTrailCall,
  type RiskyCallMatch,
  type RiskyCallRule,
  rulesFor,
} from "./cloudtrail-rules.ts";
import { type IntakeContext, ignored, type SourceResult } from "./context.ts";
import { isValidId, resource, title } from "./finding.ts";
import { type CloudTrailDetail, CloudTrailDetailSchema } from "./schemas/cloudtrail.ts";
import { ID_PATTERNS } from "./schemas/common.ts";
import { quote, sanitizeText } from "./text.ts";
import { invalid, parseOrThrow } from "./validate.ts";

/** EventBridge detail-types that carry CloudTrail records. */
export const CLOUDTRAIL_DETAIL_TYPES = [
  "AWS API Call via CloudTrail",
  "AWS Console Sign In via CloudTrail",
] as const;

/** Long-term IAM user keys; temporary (ASIA…) keys cannot be deactivated, so they are not resources. */
const LONG_TERM_KEY = /^AKIA[A-Z0-9]{12,124}$/;

/** The principal that made the call, as resources a responder could act on. */
function actorResources(detail: CloudTrailDetail, path: string, account: string): AffectedResource[] {
  const who = detail.userIdentity;
  if (!who) return [];
  const acct = who.accountId && ID_PATTERNS.account.test(who.accountId) ? who.accountId : account;
  const out: AffectedResource[] = [];
  switch (who.type) {
    case "Root":
      out.push(resource("aws-account", acct, `${path}.userIdentity.accountId`, { arn: who.arn }));
      break;
    case "IAMUser":
      if (who.userName)
        out.push(
          resource("iam-user", who.userName, `${path}.userIdentity.userName`, {
            arn: who.arn,
            account: acct,
          }),
        );
      if (who.accessKeyId && LONG_TERM_KEY.test(who.accessKeyId)) {
        out.push(
          resource("iam-access-key", who.accessKeyId, `${path}.userIdentity.accessKeyId`, { account: acct }),
        );
      }
      break;
    case "AssumedRole": {
      const issuer = who.sessionContext?.sessionIssuer;
      if (issuer?.userName) {
        out.push(
          resource(
            "iam-role",
            issuer.userName,
            `${path}.userIdentity.sessionContext.sessionIssuer.userName`,
            {
              arn: issuer.arn,
              account: acct,
            },
          ),
        );
      }
      break;
    }
    default:
      break;
  }
  return out;
}

/** A short name of the caller for titles: `root`, `user alice`, `role Admin`. */
function actorName(detail: CloudTrailDetail): string {
  const who = detail.userIdentity;
  if (!who) return "an unknown principal";
  if (who.type === "Root") return "root";
  if (who.type === "IAMUser" && who.userName) return `user ${who.userName}`;
  if (who.type === "AssumedRole" && who.sessionContext?.sessionIssuer?.userName) {
    return `role ${who.sessionContext.sessionIssuer.userName}`;
  }
  return who.type ?? who.principalId ?? "an unknown principal";
}

function dedupe(resources: AffectedResource[]): AffectedResource[] {
  const seen = new Set<string>();
  return resources.filter((r) => {
    const key = `${r.kind} ${r.id}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * Normalises a CloudTrail record. Calls outside the catalogue, failed calls (unless
 * `includeFailedCalls`), and calls the catalogue's predicates find harmless are ignored.
 * @throws InvalidEventError for a malformed record, or a successful risky-listed call whose
 * `requestParameters` are missing although its rule needs them.
 */
export function normalizeCloudTrail(ctx: IntakeContext): SourceResult {
  const { envelope, prefix, options } = ctx;
  const path = `${prefix}detail`;
  const detail = parseOrThrow(CloudTrailDetailSchema, envelope.detail, `${path}.`);
  const call = `${detail.eventName} (${detail.eventSource})`;

  const rules = rulesFor(detail.eventSource, detail.eventName);
  if (rules.length === 0) return ignored(`${call} is not in the risky-call catalogue`);
  const failed = detail.errorCode !== undefined;
  if (failed && !options.includeFailedCalls)
    return ignored(`call failed: ${sanitizeText(detail.errorCode!, 128)}`);

  const account = detail.recipientAccountId ?? envelope.account;
  if (!isValidId("aws-account", account))
    invalid(`must be a 12-digit AWS account id (got ${quote(account)})`, `${path}.recipientAccountId`);
  const base = {
    detail,
    account,
    region: detail.awsRegion ?? envelope.region,
    partition: partitionOf(detail) ?? "aws",
    detailPath: path,
    paramsPath: `${path}.requestParameters`,
    warnings: ctx.warnings,
    knownAccounts: new Set([
      account,
      ...options.trust.memberAccounts,
      ...(options.trust.delegatedAdminAccounts ?? []),
    ]),
  };

  let matched: { rule: RiskyCallRule; match: RiskyCallMatch } | undefined;
  for (const rule of rules) {
    if (rule.needsParameters && !detail.requestParameters) {
      if (failed) return ignored(`${call} failed without requestParameters; nothing to assess`);
      invalid(
        `${detail.eventName} needs requestParameters to be assessed, got ${detail.requestParameters === null ? "null" : "none"}`,
        base.paramsPath,
      );
    }
    const c: CloudTrailCall = { ...base, params: detail.requestParameters ?? {} };
    const match = rule.assess(c);
    if (match) {
      matched = { rule, match };
      break;
    }
  }
  if (!matched) {
    return ignored(`not risky: ${call} matches none of ${rules.map((r) => quote(r.title)).join(", ")}`);
  }

  const { rule, match } = matched;
  const attempt = failed ? `Failed attempt (${detail.errorCode}): ` : "";
  return {
    kind: "finding",
    finding: {
      id: detail.eventID,
      source: "cloudtrail",
      type: `cloudtrail:${rule.id}`,
      title: title(`${attempt}${rule.title}: ${match.detail} (by ${actorName(detail)})`, rule.title),
      severity: rule.severity,
      time: detail.eventTime,
      account,
      region: base.region,
      resources: dedupe([...match.resources, ...actorResources(detail, path, account)]),
    },
  };
}

/** The partition from the caller's ARN, when it has one. */
function partitionOf(detail: CloudTrailDetail): string | undefined {
  const arn = detail.userIdentity?.arn;
  const partition = typeof arn === "string" ? arn.split(":")[1] : undefined;
  return partition && ID_PATTERNS.partition.test(partition) ? partition : undefined;
}
