/**
 * Security Hub findings in the AWS Security Finding Format (ASFF), as delivered in
 * `Security Hub Findings - Imported` events (`detail.findings[]`).
 */
import * as z from "zod";
import { AccountIdSchema, FreeTextSchema, JsonObjectSchema, RegionSchema } from "./common.ts";

/** Severity labels and the 0–10 severity intake gives them. */
export const ASFF_LABEL_SEVERITY = {
  CRITICAL: 9,
  HIGH: 7.5,
  MEDIUM: 5,
  LOW: 2,
  INFORMATIONAL: 0,
} as const;

/** One ASFF resource. */
export const AsffResourceSchema = z.object({
  Type: z.string().regex(/^[A-Za-z0-9:_-]{1,256}$/, { error: "must be an ASFF resource type" }),
  Id: z.string().min(1, { error: "must be a resource id" }).max(2048, { error: "must be a resource id" }),
  Partition: z.string().max(32).optional(),
  Region: RegionSchema.optional(),
  Tags: z.record(z.string(), z.string()).nullable().optional(),
  Details: JsonObjectSchema.nullable().optional(),
});
export type AsffResource = z.infer<typeof AsffResourceSchema>;

/** The ASFF fields intake reads. */
export const AsffFindingSchema = z.object({
  Id: z.string().min(1, { error: "must be a finding id" }).max(512, { error: "must be a finding id" }),
  AwsAccountId: AccountIdSchema,
  GeneratorId: z.string().max(512).optional(),
  ProductArn: z.string().max(2048).optional(),
  /** Display names; Security Hub lets a custom importer write any value here. */
  ProductName: FreeTextSchema.optional(),
  CompanyName: FreeTextSchema.optional(),
  /** Older findings carry the names here (`aws/securityhub/ProductName`, `…/CompanyName`). */
  ProductFields: z.record(z.string(), z.unknown()).nullable().optional(),
  Types: z.array(z.string().max(256)).max(50).optional(),
  Title: FreeTextSchema,
  /** Read leniently (`lenientTime`): the finding's time falls back to the envelope's. */
  CreatedAt: z.unknown().optional(),
  UpdatedAt: z.unknown().optional(),
  Region: RegionSchema.optional(),
  Severity: z.object({
    Label: z.enum(["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"]).optional(),
    Normalized: z.number().int().min(0).max(100).optional(),
  }),
  Resources: z.array(AsffResourceSchema).min(1, { error: "must list at least one resource" }).max(32),
  Workflow: z
    .object({ Status: z.string().max(32).optional() })
    .nullable()
    .optional(),
  RecordState: z.string().max(32).optional(),
  Compliance: z
    .object({ Status: z.string().max(32).optional() })
    .nullable()
    .optional(),
});
export type AsffFinding = z.infer<typeof AsffFindingSchema>;

/** The detail of an imported-findings event. */
export const SecurityHubDetailSchema = z.object({
  findings: z.array(z.unknown()).min(1, { error: "must contain at least one finding" }).max(100),
});
