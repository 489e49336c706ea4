/**
 * The policy file schema: response playbooks as code. One YAML file, validated here,
 * that says which actions answer which findings, and the settings of the safety rails.
 */
import * as z from "zod";
import { ACTION_NAMES, ACTION_PARAM_SCHEMAS, type ActionName, isActionName } from "../actions/index.ts";
import { FINDING_SOURCES, RESOURCE_KINDS, type Tier } from "../domain/types.ts";
import { DEFAULT_PROTECTED_TAG, parseProtectedId } from "../triage/safety.ts";
import { TIERS, tiersAtLeast } from "../triage/tiers.ts";
import { DEFAULT_IMPACT_WEIGHTS, ImpactWeightsSchema } from "../triage/weights.ts";

export { FINDING_SOURCES, RESOURCE_KINDS };

// Compile-time checks that the lists above name every member of the domain unions.
type Missing<All, Listed> = Exclude<All, Listed> extends never ? true : Exclude<All, Listed>;
const _allTiers: Missing<Tier, (typeof TIERS)[number]> = true;
void _allTiers;

const TierSchema = z.enum(TIERS, {
  error: (issue) => `unknown tier ${JSON.stringify(issue.input)}; known: ${TIERS.join(", ")}`,
});

/** A single value or a list, always a list after parsing. */
function oneOrMany<T extends z.ZodType>(item: T) {
  return z.preprocess((v) => (Array.isArray(v) ? v : [v]), z.array(item).min(1));
}

/** `high`, `[critical, high]` or `high+` (that tier and above). */
const TierMatchSchema = z.preprocess((v) => {
  if (typeof v === "string") {
    const plus = /^(.+)\+$/.exec(v.trim());
    const base = plus?.[1]?.trim().toLowerCase();
    if (base && (TIERS as readonly string[]).includes(base)) return tiersAtLeast(base as Tier);
    return [v];
  }
  return v;
}, z.array(TierSchema).min(1));

/** When a playbook applies. Every criterion given must hold; an empty match matches everything. */
export const MatchSchema = z.strictObject({
  /** Finding source(s). */
  source: oneOrMany(
    z.enum(FINDING_SOURCES, {
      error: (issue) => `unknown source ${JSON.stringify(issue.input)}; known: ${FINDING_SOURCES.join(", ")}`,
    }),
  ).optional(),
  /** Glob pattern(s) on the finding type (`*` any text, `?` one character), case-insensitive. */
  type: oneOrMany(z.string().min(1)).optional(),
  /** Impact tier(s): a tier, a list, or `high+` for that tier and above. */
  tier: TierMatchSchema.optional(),
  /** Lowest finding severity (0–10), inclusive. */
  minSeverity: z.number().min(0).max(10).optional(),
  /** Kind(s) of affected resource: at least one resource of the finding must be of one of them. */
  resourceKind: oneOrMany(
    z.enum(RESOURCE_KINDS, {
      error: (issue) =>
        `unknown resource kind ${JSON.stringify(issue.input)}; known: ${RESOURCE_KINDS.join(", ")}`,
    }),
  ).optional(),
  /** Tags that an affected resource must carry: key → value glob(s), case-insensitive. */
  tags: z.record(z.string().min(1), oneOrMany(z.string())).optional(),
});
export type PlaybookMatch = z.infer<typeof MatchSchema>;

/** One action of a playbook, as written in the file. */
export interface PolicyAction {
  name: ActionName;
  /** Parameters after validation and defaults. */
  params: Record<string, unknown>;
  requiresApproval: boolean;
}

/** Re-adds an issue found by a nested parse under `prefix`, one issue per unknown key. */
function reissue(
  ctx: z.RefinementCtx,
  issue: z.core.$ZodIssue,
  prefix: PropertyKey[],
  known?: string[],
): void {
  const path = [...prefix, ...issue.path];
  if (issue.code === "unrecognized_keys") {
    for (const key of issue.keys) {
      const hint = known ? `; known: ${known.length > 0 ? known.join(", ") : "none"}` : "";
      ctx.addIssue({ code: "custom", path: [...path, key], message: `unknown key "${key}"${hint}` });
    }
    return;
  }
  ctx.addIssue({ code: "custom", path, message: issue.message });
}

export const ActionSchema = z
  .strictObject({
    name: z.string().min(1),
    params: z.record(z.string(), z.unknown()).nullish(),
    /** The action waits for a person's approval before it runs. */
    requiresApproval: z.boolean().default(false),
  })
  .transform((action, ctx): PolicyAction => {
    if (!isActionName(action.name)) {
      ctx.addIssue({
        code: "custom",
        path: ["name"],
        message: `unknown action "${action.name}"; known: ${ACTION_NAMES.join(", ")}`,
      });
      return z.NEVER;
    }
    const schema = ACTION_PARAM_SCHEMAS[action.name];
    const parsed = schema.safeParse(action.params ?? {});
    if (!parsed.success) {
      const known = Object.keys(schema.shape);
      for (const issue of parsed.error.issues) reissue(ctx, issue, ["params"], known);
      return z.NEVER;
    }
    return { name: action.name, params: parsed.data, requiresApproval: action.requiresApproval };
  });

export const PlaybookSchema = z
  .strictObject({
    name: z.string().min(1),
    description: z.string().optional(),
    match: z.preprocess((v) => v ?? {}, MatchSchema),
    actions: z.array(ActionSchema).min(1, "a playbook needs at least one action (notify alone: alert only)"),
  })
  .superRefine((playbook, ctx) => {
    const seen = new Set<string>();
    playbook.actions.forEach((action, i) => {
      if (seen.has(action.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["actions", i, "name"],
          message: `action "${action.name}" is listed twice`,
        });
      }
      seen.add(action.name);
    });
  });
export type Playbook = z.infer<typeof PlaybookSchema>;

const TierThresholdOverrideSchema = z.strictObject({
  critical: z.number().min(0).max(100).optional(),
  high: z.number().min(0).max(100).optional(),
  medium: z.number().min(0).max(100).optional(),
});

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Merges `override` into `base`: objects recursively, anything else replaced, `null` removes. */
export function deepMerge(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) return override;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    if (key === "__proto__" || key === "constructor" || key === "prototype") continue;
    if (value === null) delete out[key];
    else out[key] = key in out ? deepMerge(out[key], value) : value;
  }
  return out;
}

/** Text that IAM compares as it is: no whitespace at either end (IAM does not trim). */
const UntrimmedSchema = z
  .string()
  .min(1)
  .refine((v) => v === v.trim(), {
    message: "must not start or end with whitespace (IAM compares tags exactly, ignoring only case)",
  });

/** One `protectedIds` entry: EC2 ids and ARNs must fit their grammar. */
const ProtectedIdSchema = z
  .string()
  .min(1)
  .superRefine((v, ctx) => {
    const entry = parseProtectedId(v);
    if ("error" in entry) ctx.addIssue({ code: "custom", message: entry.error });
  });

export const SettingsSchema = z
  .strictObject({
    /** Plan and record, but make no change in the account. */
    dryRun: z.boolean().default(false),
    /** Containments per hour after which containment waits for approval (circuit open). */
    maxContainmentsPerHour: z.int().min(0).default(10),
    /** Containment of a finding naming more instances than this waits for approval. */
    maxInstancesPerFinding: z.int().min(0).default(5),
    /**
     * The tag that marks resources the responder must never touch, compared as IAM's
     * `StringEqualsIgnoreCase` does: ignoring case, never trimmed.
     */
    protectedTag: z
      .strictObject({ key: UntrimmedSchema, value: UntrimmedSchema })
      .default(() => ({ ...DEFAULT_PROTECTED_TAG })),
    /**
     * Instance or volume ids or ARNs (or other resources' ids or ARNs) the responder must never
     * touch, matched however the finding names the resource (see `parseProtectedId`).
     */
    protectedIds: z.array(ProtectedIdSchema).default(() => []),
    /** Principals contain-principal never touches, besides protected ones (shared/principal/guard.ts). */
    principals: z
      .strictObject({
        /** Break-glass users and roles (names or ARNs). */
        breakGlass: z.array(z.string().min(1)).default(() => []),
        /** Name prefixes of the responder's own roles besides `incident-responder` (a renamed stack). */
        responderRolePrefixes: z.array(z.string().min(1)).default(() => []),
      })
      .prefault({}),
    securityHub: z
      .strictObject({
        /**
         * Every action but notify of a Security Hub finding from a product that is not AWS's
         * own (custom imports and partners) waits for a person's approval.
         */
        thirdPartyRequiresApproval: z.boolean().default(true),
      })
      .prefault({}),
    cleanroom: z
      .strictObject({
        /** Tiers for which a playbook's launch-cleanroom action may run. */
        tiers: z.array(TierSchema).default((): Tier[] => ["critical", "high"]),
        /** The clean room is torn down after this many hours. */
        ttlHours: z
          .number()
          .positive()
          .max(24 * 90)
          .default(24),
      })
      .prefault({}),
    /** Overrides of the tier thresholds (critical 80, high 60, medium 35). */
    tierThresholds: TierThresholdOverrideSchema.optional(),
    /** Overrides of the impact weights, merged into the defaults (`null` removes an entry). */
    impact: z.record(z.string(), z.unknown()).optional(),
  })
  .transform((s, ctx) => {
    const { tierThresholds, impact: override, ...rest } = s;
    let merged = deepMerge(structuredClone(DEFAULT_IMPACT_WEIGHTS), override ?? {});
    if (tierThresholds) merged = deepMerge(merged, { tiers: tierThresholds });
    const parsed = ImpactWeightsSchema.safeParse(merged);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const fromThresholds = issue.path[0] === "tiers" && tierThresholds !== undefined;
        const prefix = fromThresholds ? ["tierThresholds"] : ["impact"];
        reissue(ctx, fromThresholds ? { ...issue, path: issue.path.slice(1) } : issue, prefix);
      }
      return z.NEVER;
    }
    return { ...rest, impact: parsed.data };
  });
export type Settings = z.infer<typeof SettingsSchema>;

/** True when a match has no criterion: the playbook answers every finding. */
export function isCatchAll(match: PlaybookMatch): boolean {
  return Object.values(match).every((v) => v === undefined);
}

export const PolicySchema = z
  .strictObject({
    version: z.literal(1, { error: "version must be 1" }),
    settings: z.preprocess((v) => v ?? {}, SettingsSchema),
    /** Tried in order; the first that matches wins. */
    playbooks: z.array(PlaybookSchema).min(1, "at least one playbook is needed"),
  })
  .superRefine((policy, ctx) => {
    const names = new Map<string, number>();
    let catchAll: number | undefined;
    policy.playbooks.forEach((playbook, i) => {
      const first = names.get(playbook.name);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["playbooks", i, "name"],
          message: `playbook name "${playbook.name}" is already used by playbooks[${first}]`,
        });
      } else names.set(playbook.name, i);
      if (catchAll !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["playbooks", i],
          message: `playbook "${playbook.name}" is never reached: playbooks[${catchAll}] matches every finding`,
        });
      } else if (isCatchAll(playbook.match)) catchAll = i;
    });
  });

/** A validated policy, with defaults applied and impact weights resolved. */
export type Policy = z.infer<typeof PolicySchema>;
