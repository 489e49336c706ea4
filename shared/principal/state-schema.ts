/**
 * What principal containment records on the incident (`principalContainment`), checked when
 * release reads it back: the state before (evidence), and exactly what the responder changed.
 */
import * as z from "zod";
import { PRINCIPAL_NAME, USER_ACCESS_KEY_ID } from "./target.ts";

/** One access key as it was before containment. */
export const KeyStateSchema = z.object({
  accessKeyId: z.string(),
  status: z.enum(["Active", "Inactive"]),
  createDate: z.string().optional(),
  lastUsedDate: z.string().optional(),
  lastUsedService: z.string().optional(),
  lastUsedRegion: z.string().optional(),
});

/** A principal's state before containment: keys with last use, policies, groups, login profile. */
export const PrincipalStateSchema = z.object({
  arn: z.string(),
  path: z.string(),
  tags: z.record(z.string(), z.string()),
  keys: z.array(KeyStateSchema),
  attachedPolicies: z.array(z.string()),
  inlinePolicies: z.array(z.string()),
  groups: z.array(z.string()),
  loginProfile: z
    .object({ createDate: z.string().optional(), passwordResetRequired: z.boolean() })
    .optional(),
  lastUsed: z.string().optional(),
});
export type PrincipalState = z.infer<typeof PrincipalStateSchema>;

/** What the responder did to one principal, enough to undo it. */
export const PrincipalRecordSchema = z.object({
  kind: z.enum(["user", "role"]),
  name: z.string().regex(PRINCIPAL_NAME),
  account: z.string().regex(/^\d{12}$/),
  arn: z.string(),
  /** The incident's inline deny policy. */
  policyName: z.string().regex(/^incident-responder-deny-ir-\d{8}-[0-9a-f]{8}$/),
  /** Roles: sessions issued before it are denied. */
  cutoff: z.string().optional(),
  /** Keys the responder set Inactive: the only ones release sets Active again. */
  deactivatedKeys: z.array(z.string().regex(USER_ACCESS_KEY_ID)),
  /** The login profile the responder deleted (its password is gone for good). */
  loginProfileDeleted: z
    .object({ createDate: z.string().optional(), passwordResetRequired: z.boolean() })
    .optional(),
  before: PrincipalStateSchema,
  containedAt: z.string(),
});
export type PrincipalRecord = z.infer<typeof PrincipalRecordSchema>;

/** A principal left alone, and why (protected, break-glass, the responder's, service-linked). */
export const LeftAloneSchema = z.object({
  kind: z.enum(["user", "role"]),
  name: z.string(),
  reason: z.string(),
  /** Its state when it was left alone: the evidence, kept all the same. */
  before: PrincipalStateSchema.optional(),
});

/** The incident's `principalContainment`: by `<kind>/<name>`. */
export const PrincipalContainmentSchema = z.object({
  principals: z.record(z.string(), PrincipalRecordSchema).default({}),
  leftAlone: z.array(LeftAloneSchema).default([]),
});
export type PrincipalContainment = z.infer<typeof PrincipalContainmentSchema>;
