/**
 * Weights that turn a finding and the tags and exposure of its resources into an impact
 * score. Schema first: the type is inferred, the defaults are one literal, and a policy file
 * may override any part of it (see `shared/policy/policy-schema.ts`).
 */
import * as z from "zod";
import { FINDING_SOURCES, RESOURCE_KINDS } from "../domain/types.ts";
import { TIERS } from "./tiers.ts";

/** How one tag (under any of several spellings of its key) adds to the score. */
export const TagRuleSchema = z.strictObject({
  /** Tag keys that carry this factor, compared case-insensitively (`Environment`, `Env`…). */
  keys: z.array(z.string().min(1)).min(1),
  /** Points per tag value; values are compared case-insensitively, trimmed. */
  values: z.record(z.string(), z.number()),
  /** Points for a value that is present but not listed in `values`. */
  otherValue: z.number(),
  /**
   * What to assume when no affected or related resource carries the tag. Absent: the tag
   * adds nothing when missing (and no reason is written).
   */
  missing: z.strictObject({ points: z.number(), assumed: z.string().min(1) }).optional(),
});
export type TagRule = z.infer<typeof TagRuleSchema>;

/** Score thresholds: a score at or above a threshold reaches that tier. */
export const TierThresholdsSchema = z
  .strictObject({
    critical: z.number().min(0).max(100),
    high: z.number().min(0).max(100),
    medium: z.number().min(0).max(100),
  })
  .refine((t) => t.critical > t.high && t.high > t.medium, {
    message: "tier thresholds must satisfy critical > high > medium",
  });
export type TierThresholds = z.infer<typeof TierThresholdsSchema>;

const ENVIRONMENT: TagRule = {
  keys: ["Environment", "Env", "Stage"],
  values: {
    prod: 20,
    production: 20,
    prd: 20,
    live: 20,
    staging: 5,
    stage: 5,
    preprod: 5,
    uat: 5,
    qa: 5,
    dev: 0,
    development: 0,
    test: 0,
    sandbox: 0,
  },
  otherValue: 20,
  missing: { points: 20, assumed: "production" },
};

const DATA_CLASSIFICATION: TagRule = {
  keys: ["DataClassification", "Data-Classification", "Classification", "DataClass"],
  values: {
    restricted: 30,
    confidential: 30,
    secret: 30,
    sensitive: 30,
    pii: 30,
    internal: 10,
    public: 0,
  },
  otherValue: 10,
  missing: { points: 10, assumed: "internal" },
};

const CRITICALITY: TagRule = {
  keys: ["Criticality", "BusinessCriticality", "Business-Criticality"],
  values: { critical: 20, "mission-critical": 20, high: 15, medium: 5, moderate: 5, low: 0 },
  otherValue: 5,
  missing: { points: 5, assumed: "medium" },
};

function defaultTagRules(): Record<string, TagRule> {
  return structuredClone({
    Environment: ENVIRONMENT,
    DataClassification: DATA_CLASSIFICATION,
    Criticality: CRITICALITY,
  });
}

/** A single value or a list, always a list after parsing. */
function oneOrMany<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (Array.isArray(v) ? v : [v]), z.array(item).min(1));
}

/**
 * A tier floor: for a finding of one of `source`, naming a resource of one of `resourceKind`,
 * with severity at least `minSeverity`, the tier is at least `tier` whatever the tags say.
 * Tags are written by the resource's owner, and possibly by an attacker on the instance: they
 * may raise a tier, never talk a severe finding below containment.
 */
export const TierFloorSchema = z.strictObject({
  /** Finding source(s) the floor applies to. */
  source: oneOrMany(z.enum(FINDING_SOURCES)),
  /** At least one resource of the finding must be of one of these kinds. */
  resourceKind: oneOrMany(z.enum(RESOURCE_KINDS)),
  /** Lowest severity (0–10, inclusive) the floor applies to. */
  minSeverity: z.number().min(0).max(10),
  /** The lowest tier such a finding may get. */
  tier: z.enum(TIERS),
});
export type TierFloor = z.infer<typeof TierFloorSchema>;

/** The shipped floor: a GuardDuty EC2 instance finding of severity 7 or more is at least medium. */
const DEFAULT_FLOORS: TierFloor[] = [
  { source: ["guardduty"], resourceKind: ["ec2-instance"], minSeverity: 7, tier: "medium" },
];

/**
 * What a resource that carries no workload tags is worth, by kind: an account, an audit trail,
 * an IAM principal. A finding that names only such resources is scored by them, not by the tag
 * defaults (an account has no Environment to assume).
 */
export const KindWeightSchema = z.strictObject({
  points: z.number(),
  /** Why, for the reason people read: `account-wide: every workload in the account`. */
  what: z.string().min(1),
});
export type KindWeight = z.infer<typeof KindWeightSchema>;

const DEFAULT_KIND_WEIGHTS: Partial<Record<(typeof RESOURCE_KINDS)[number], KindWeight>> = {
  "aws-account": { points: 30, what: "account-wide: every workload in the account" },
  "cloudtrail-trail": { points: 25, what: "audit trail: the record investigators rely on" },
  "iam-user": { points: 20, what: "IAM principal: reaches whatever its permissions allow" },
  "iam-role": { points: 20, what: "IAM principal: reaches whatever its permissions allow" },
  "iam-access-key": { points: 20, what: "IAM credentials: act as their principal from anywhere" },
};

/** Impact weights. Every field has a default; see {@link DEFAULT_IMPACT_WEIGHTS}. */
export const ImpactWeightsSchema = z.strictObject({
  /** Points per severity unit: severity 8.0 × 5 = 40. */
  severityMultiplier: z.number().min(0).default(5),
  /** Tag factors, by name; the name is only a label, the rule lists the keys. */
  tags: z.record(z.string(), TagRuleSchema).default(defaultTagRules),
  exposure: z
    .strictObject({
      /** Points when any affected resource has a public IP (counted once). */
      publicIp: z.number().default(10),
      /** Points per security-group rule open to the world… */
      openIngress: z.number().default(10),
      /** …up to this many points for all such rules together. */
      openIngressMax: z.number().min(0).default(20),
      /** Points when an instance profile (credentials on the host) is attached. */
      instanceProfile: z.number().default(5),
    })
    .prefault({}),
  /**
   * Points by resource kind for findings that name no workload (only the kinds listed here):
   * the strongest applies instead of the tags' `missing` defaults. Tags found still count.
   */
  kinds: z
    .partialRecord(z.enum(RESOURCE_KINDS), KindWeightSchema)
    .default(() => structuredClone(DEFAULT_KIND_WEIGHTS)),
  /** Tag keys whose value names the owner, in order of preference (case-insensitive). */
  ownerKeys: z.array(z.string().min(1)).default(() => ["Owner", "OwnerEmail", "Contact"]),
  /** Tag keys whose value names the work queue or team (case-insensitive). */
  workQueueKeys: z.array(z.string().min(1)).default(() => ["WorkQueue", "Work-Queue", "Team"]),
  tiers: TierThresholdsSchema.default(() => ({ critical: 80, high: 60, medium: 35 })),
  /**
   * Tier floors ({@link TierFloorSchema}), all applied: the highest floor that holds wins.
   * A list replaces the default as a whole; `[]` removes every floor.
   */
  floors: z.array(TierFloorSchema).default(() => structuredClone(DEFAULT_FLOORS)),
});
export type ImpactWeights = z.infer<typeof ImpactWeightsSchema>;

/** The shipped weights: Environment, DataClassification, Criticality; tiers 80/60/35; one floor. */
export const DEFAULT_IMPACT_WEIGHTS: ImpactWeights = deepFreeze(ImpactWeightsSchema.parse({}));

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
