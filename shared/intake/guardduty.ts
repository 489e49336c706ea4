/**
 * GuardDuty findings (`aws.guardduty`, detail-type `GuardDuty Finding`).
 */

import { instanceSession } from "../credentials/statement.ts";
import type { AffectedResource } from "../domain/types.ts";
import { type IntakeContext, ignored, type SourceResult } from "./context.ts";
import { resource, tagsFrom, title } from "./finding.ts";
import type { JsonObject } from "./schemas/common.ts";
import {
  type AccessKeyDetails,
  AccessKeyDetailsSchema,
  EksClusterDetailsSchema,
  GuardDutyDetailSchema,
  InstanceDetailsSchema,
  LambdaDetailsSchema,
  RdsDbInstanceDetailsSchema,
  S3BucketDetailsSchema,
} from "./schemas/guardduty.ts";
import { invalid, parseOrThrow } from "./validate.ts";
import { type IntakeWarnings, lenientTime, namedResource } from "./warnings.ts";

/** EventBridge source of GuardDuty events. */
export const GUARDDUTY_SOURCE = "aws.guardduty";
/** The only GuardDuty detail-type that carries a finding. */
export const GUARDDUTY_FINDING = "GuardDuty Finding";

/** GuardDuty types about an EC2 instance (`Backdoor:EC2/…`): their instance is what the response acts on. */
const EC2_FINDING = /^[A-Za-z0-9]+:EC2\//;

interface Where {
  account: string;
  region: string;
  partition: string;
}

/** Explains the most common wrong shape: a finding copied from the GetFindings API. */
function pascalCaseHint(detail: JsonObject) {
  return (path: readonly PropertyKey[]) =>
    path.length === 1 && ("Id" in detail || "Type" in detail || "Severity" in detail)
      ? "the detail has PascalCase keys (the GuardDuty API shape); EventBridge delivers camelCase keys"
      : undefined;
}

function accessKeyResources(
  details: AccessKeyDetails,
  path: string,
  where: Where,
  warnings: IntakeWarnings,
): AffectedResource[] {
  const out: AffectedResource[] = [];
  const account = { account: where.account };
  if (details.accessKeyId) {
    out.push(
      ...namedResource("iam-access-key", details.accessKeyId, `${path}.accessKeyId`, warnings, account),
    );
  }
  const name = details.userName;
  switch (details.userType) {
    case "IAMUser":
      if (name) out.push(...namedResource("iam-user", name, `${path}.userName`, warnings, account));
      break;
    case "AssumedRole":
    case "Role": {
      if (name) out.push(...namedResource("iam-role", name, `${path}.userName`, warnings, account));
      // Instance credentials: EC2 names the role session after the instance (AROA…:i-…).
      const session = instanceSession(details);
      if (session)
        out.push({
          ...resource("ec2-instance", session.instanceId, `${path}.principalId`, {
            account: where.account,
            region: where.region,
            arn: `arn:${where.partition}:ec2:${where.region}:${where.account}:instance/${session.instanceId}`,
          }),
          sessionOfRole: session.roleName,
        });
      break;
    }
    case "Root":
      out.push(resource("aws-account", where.account, `${path}.userType`));
      break;
    default:
      // Federated and other principals have no IAM resource the responder could act on.
      break;
  }
  return out;
}

/**
 * The affected resources, by `resource.resourceType`. Instance ids are validated strictly (a bad
 * one throws); another malformed id is left out with a warning (`namedResource`).
 */
function resourcesOf(
  res: JsonObject & { resourceType: string },
  path: string,
  where: Where,
  warnings: IntakeWarnings,
): AffectedResource[] {
  const ext = { account: where.account, region: where.region };
  switch (res.resourceType) {
    case "Instance": {
      const d = parseOrThrow(InstanceDetailsSchema, res.instanceDetails, `${path}.instanceDetails.`);
      const arn = `arn:${where.partition}:ec2:${where.region}:${where.account}:instance/${d.instanceId}`;
      return [
        resource("ec2-instance", d.instanceId, `${path}.instanceDetails.instanceId`, {
          ...ext,
          arn,
          tags: tagsFrom(d.tags),
        }),
      ];
    }
    case "AccessKey": {
      const d = parseOrThrow(AccessKeyDetailsSchema, res.accessKeyDetails, `${path}.accessKeyDetails.`);
      return accessKeyResources(d, `${path}.accessKeyDetails`, where, warnings);
    }
    case "S3Bucket": {
      const buckets = parseOrThrow(S3BucketDetailsSchema, res.s3BucketDetails, `${path}.s3BucketDetails.`);
      const out = buckets.flatMap((b, i) =>
        namedResource("s3-bucket", b.name, `${path}.s3BucketDetails[${i}].name`, warnings, {
          ...ext,
          arn: b.arn ?? `arn:${where.partition}:s3:::${b.name}`,
          tags: tagsFrom(b.tags),
        }),
      );
      if (res.accessKeyDetails != null) {
        const d = parseOrThrow(AccessKeyDetailsSchema, res.accessKeyDetails, `${path}.accessKeyDetails.`);
        out.push(...accessKeyResources(d, `${path}.accessKeyDetails`, where, warnings));
      }
      return out;
    }
    case "EKSCluster": {
      const d = parseOrThrow(EksClusterDetailsSchema, res.eksClusterDetails, `${path}.eksClusterDetails.`);
      return namedResource("eks-cluster", d.name, `${path}.eksClusterDetails.name`, warnings, {
        ...ext,
        arn: d.arn ?? undefined,
        tags: tagsFrom(d.tags),
      });
    }
    case "Lambda": {
      const d = parseOrThrow(LambdaDetailsSchema, res.lambdaDetails, `${path}.lambdaDetails.`);
      return namedResource(
        "lambda-function",
        d.functionName,
        `${path}.lambdaDetails.functionName`,
        warnings,
        {
          ...ext,
          arn: d.functionArn ?? undefined,
          tags: tagsFrom(d.tags),
        },
      );
    }
    case "RDSDBInstance": {
      const d = parseOrThrow(
        RdsDbInstanceDetailsSchema,
        res.rdsDbInstanceDetails,
        `${path}.rdsDbInstanceDetails.`,
      );
      return namedResource(
        "rds-instance",
        d.dbInstanceIdentifier,
        `${path}.rdsDbInstanceDetails.dbInstanceIdentifier`,
        warnings,
        { ...ext, arn: d.dbInstanceArn ?? undefined, tags: tagsFrom(d.tags) },
      );
    }
    default:
      // ECS, containers, Kubernetes workloads, attack sequences…: named by their type only.
      return [resource("other", res.resourceType, `${path}.resourceType`, ext)];
  }
}

/**
 * Normalises a `GuardDuty Finding` event. The whole finding is validated first; only then
 * are archived and sample findings ignored (unless the event came in a drill), so a
 * malformed sample is still reported as malformed.
 * @throws InvalidEventError for a malformed finding (bad id, severity outside 0–10…).
 */
export function normalizeGuardDuty(ctx: IntakeContext): SourceResult {
  const { envelope, prefix } = ctx;
  const path = `${prefix}detail`;
  const detail = parseOrThrow(
    GuardDutyDetailSchema,
    envelope.detail,
    `${path}.`,
    pascalCaseHint(envelope.detail),
  );
  const where: Where = {
    account: detail.accountId ?? envelope.account,
    region: detail.region ?? envelope.region,
    partition: detail.partition ?? "aws",
  };
  const { warnings } = ctx;
  let resources: AffectedResource[] = [];
  if (detail.resource) resources = resourcesOf(detail.resource, `${path}.resource`, where, warnings);
  else if (EC2_FINDING.test(detail.type))
    invalid("is required: an EC2 finding names its instance here", `${path}.resource`);
  else warnings.add(`${path}.resource`, "is missing: the finding names no affected resource");
  // The finding's time: its own when readable, else the envelope's (which EventBridge stamped).
  const updatedAt = lenientTime(detail.updatedAt, `${path}.updatedAt`, warnings);
  const createdAt = lenientTime(detail.createdAt, `${path}.createdAt`, warnings);

  if (!ctx.drill) {
    if (detail.service?.archived === true) {
      return ignored("archived GuardDuty finding (service.archived is true)");
    }
    if (detail.service?.additionalInfo?.sample === true) {
      return ignored(
        "sample GuardDuty finding (service.additionalInfo.sample is true); wrap it in a drill to run it",
      );
    }
  }
  return {
    kind: "finding",
    finding: {
      id: detail.id,
      source: "guardduty",
      type: detail.type,
      title: title(detail.title, `GuardDuty ${detail.type}`),
      severity: detail.severity,
      time: updatedAt ?? createdAt ?? envelope.time,
      account: where.account,
      region: where.region,
      resources,
    },
  };
}
