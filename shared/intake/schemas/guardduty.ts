/**
 * GuardDuty findings as EventBridge delivers them (detail-type `GuardDuty Finding`):
 * the camelCase finding shape, not the PascalCase shape of the GetFindings API.
 */
import * as z from "zod";
import {
  AccountIdSchema,
  ArnSchema,
  FreeTextSchema,
  ID_PATTERNS,
  InstanceIdSchema,
  LooseBooleanSchema,
  PartitionSchema,
  RegionSchema,
  SeveritySchema,
} from "./common.ts";

/**
 * The GuardDuty finding type grammar, `ThreatPurpose:ResourceTypeAffected/ThreatFamilyName.DetectionMechanism!Artifact`,
 * e.g. `Backdoor:EC2/C&CActivity.B!DNS`. Types that fit are accepted even when unknown:
 * GuardDuty adds types, and new threat purposes, regularly.
 */
export const GUARDDUTY_TYPE_PATTERN =
  /^[A-Za-z0-9]{1,64}:[A-Za-z0-9]{1,64}\/[A-Za-z0-9&._-]{1,128}(![A-Za-z0-9._-]{1,64})?$/;

const TagListSchema = z
  .array(z.object({ key: z.string(), value: z.string().nullable().optional() }))
  .nullable()
  .optional();

/** The fields intake reads from every GuardDuty finding. */
export const GuardDutyDetailSchema = z.object({
  schemaVersion: z.string().max(16).optional(),
  id: z.string().max(300).regex(ID_PATTERNS.guardDutyFindingId, { error: "must be a GuardDuty finding id" }),
  type: z.string().max(330, { error: "must be a GuardDuty finding type" }).regex(GUARDDUTY_TYPE_PATTERN, {
    error: "must be a GuardDuty finding type (ThreatPurpose:ResourceType/ThreatFamily.Variant!Artifact)",
  }),
  accountId: AccountIdSchema.optional(),
  region: RegionSchema.optional(),
  partition: PartitionSchema.optional(),
  arn: ArnSchema.optional(),
  severity: SeveritySchema,
  title: FreeTextSchema.optional(),
  /** Read leniently (`lenientTime`): the finding's time falls back to the envelope's. */
  createdAt: z.unknown().optional(),
  updatedAt: z.unknown().optional(),
  /** Required for EC2 findings (the instance is in it); its absence is a warning for the others. */
  resource: z
    .looseObject({
      resourceType: z.string().regex(/^[A-Za-z0-9]{1,64}$/, { error: "must be a GuardDuty resource type" }),
    })
    .optional(),
  service: z
    .looseObject({
      archived: LooseBooleanSchema.nullable().optional(),
      additionalInfo: z
        .looseObject({ sample: LooseBooleanSchema.nullable().optional() })
        .nullable()
        .optional(),
    })
    .nullable()
    .optional(),
});
export type GuardDutyDetail = z.infer<typeof GuardDutyDetailSchema>;

/** `resource.instanceDetails` of an EC2 finding. */
export const InstanceDetailsSchema = z.object({
  instanceId: InstanceIdSchema,
  tags: TagListSchema,
});

/** `resource.accessKeyDetails` of an IAM (and S3) finding. */
export const AccessKeyDetailsSchema = z.object({
  accessKeyId: z.string().nullable().optional(),
  principalId: z.string().nullable().optional(),
  userName: z.string().nullable().optional(),
  userType: z.string().nullable().optional(),
});
export type AccessKeyDetails = z.infer<typeof AccessKeyDetailsSchema>;

/** `resource.s3BucketDetails` of an S3 finding. */
export const S3BucketDetailsSchema = z
  .array(
    z.object({
      name: z.string(),
      arn: z.string().nullable().optional(),
      tags: TagListSchema,
    }),
  )
  .min(1, { error: "must list at least one bucket" });

/** `resource.eksClusterDetails` of an EKS finding. */
export const EksClusterDetailsSchema = z.object({
  name: z.string(),
  arn: z.string().nullable().optional(),
  tags: TagListSchema,
});

/** `resource.lambdaDetails` of a Lambda finding. */
export const LambdaDetailsSchema = z.object({
  functionName: z.string(),
  functionArn: z.string().nullable().optional(),
  tags: TagListSchema,
});

/** `resource.rdsDbInstanceDetails` of an RDS finding. */
export const RdsDbInstanceDetailsSchema = z.object({
  dbInstanceIdentifier: z.string(),
  dbInstanceArn: z.string().nullable().optional(),
  tags: TagListSchema,
});
