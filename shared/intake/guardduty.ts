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
import { parseOrThrow } from "./validate.ts";

/** EventBridge source of GuardDuty events. */
export const GUARDDUTY_SOURCE = "aws.guardduty";
/** The only GuardDuty detail-type that carries a finding. */
export const GUARDDUTY_FINDING = "GuardDuty Finding";

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

function accessKeyResources(details: AccessKeyDetails, path: string, where: Where): AffectedResource[] {
  const out: AffectedResource[] = [];
  if (details.accessKeyId) {
    out.push(
      resource("iam-access-key", details.accessKeyId, `${path}.accessKeyId`, { account: where.account }),
    );
  }
  const name = details.userName;
  switch (details.userType) {
    case "IAMUser":
      if (name) out.push(resource("iam-user", name, `${path}.userName`, { account: where.account }));
      break;
    case "AssumedRole":
    case "Role": {
      if (name) out.push(resource("iam-role", name, `${path}.userName`, { account: where.account }));
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

/** The affected resources, by `resource.resourceType`. Ids are validated; a bad id throws. */
function resourcesOf(
  res: JsonObject & { resourceType: string },
  path: string,
  where: Where,
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
      return accessKeyResources(d, `${path}.accessKeyDetails`, where);
    }
    case "S3Bucket": {
      const buckets = parseOrThrow(S3BucketDetailsSchema, res.s3BucketDetails, `${path}.s3BucketDetails.`);
      const out = buckets.map((b, i) =>
        resource("s3-bucket", b.name, `${path}.s3BucketDetails[${i}].name`, {
          ...ext,
          arn: b.arn ?? `arn:${where.partition}:s3:::${b.name}`,
          tags: tagsFrom(b.tags),
        }),
      );
      if (res.accessKeyDetails != null) {
        const d = parseOrThrow(AccessKeyDetailsSchema, res.accessKeyDetails, `${path}.accessKeyDetails.`);
        out.push(...accessKeyResources(d, `${path}.accessKeyDetails`, where));
      }
      return out;
    }
    case "EKSCluster": {
      const d = parseOrThrow(EksClusterDetailsSchema, res.eksClusterDetails, `${path}.eksClusterDetails.`);
      return [
        resource("eks-cluster", d.name, `${path}.eksClusterDetails.name`, {
          ...ext,
          arn: d.arn ?? undefined,
          tags: tagsFrom(d.tags),
        }),
      ];
    }
    case "Lambda": {
      const d = parseOrThrow(LambdaDetailsSchema, res.lambdaDetails, `${path}.lambdaDetails.`);
      return [
        resource("lambda-function", d.functionName, `${path}.lambdaDetails.functionName`, {
          ...ext,
          arn: d.functionArn ?? undefined,
          tags: tagsFrom(d.tags),
        }),
      ];
    }
    case "RDSDBInstance": {
      const d = parseOrThrow(
        RdsDbInstanceDetailsSchema,
        res.rdsDbInstanceDetails,
        `${path}.rdsDbInstanceDetails.`,
      );
      return [
        resource(
          "rds-instance",
          d.dbInstanceIdentifier,
          `${path}.rdsDbInstanceDetails.dbInstanceIdentifier`,
          {
            ...ext,
            arn: d.dbInstanceArn ?? undefined,
            tags: tagsFrom(d.tags),
          },
        ),
      ];
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
  const resources = resourcesOf(detail.resource, `${path}.resource`, where);

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
      time: detail.updatedAt ?? detail.createdAt ?? envelope.time,
      account: where.account,
      region: where.region,
      resources,
    },
  };
}
