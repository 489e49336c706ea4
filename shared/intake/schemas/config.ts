/**
 * AWS Config rule compliance changes (detail-type `Config Rules Compliance Change`).
 */
import * as z from "zod";
import { AccountIdSchema, FreeTextSchema, IsoTimeSchema, RegionSchema } from "./common.ts";

/** The fields intake reads from a compliance change. */
export const ConfigComplianceDetailSchema = z.object({
  resourceId: z
    .string()
    .min(1, { error: "must be a resource id" })
    .max(768, { error: "must be a resource id" }),
  resourceType: z.string().regex(/^AWS::([A-Za-z0-9]{1,64})?(::[A-Za-z0-9]{1,64}){0,2}$/, {
    error: "must be a Config resource type such as AWS::EC2::Instance",
  }),
  awsRegion: RegionSchema.optional(),
  awsAccountId: AccountIdSchema.optional(),
  configRuleName: z.string().regex(/^[A-Za-z0-9._:/-]{1,128}$/, { error: "must be a Config rule name" }),
  configRuleARN: z.string().max(2048).optional(),
  notificationCreationTime: IsoTimeSchema.optional(),
  newEvaluationResult: z.object({
    complianceType: z.string().max(64),
    resultRecordedTime: IsoTimeSchema.optional(),
    annotation: FreeTextSchema.nullable().optional(),
  }),
});
export type ConfigComplianceDetail = z.infer<typeof ConfigComplianceDetailSchema>;
