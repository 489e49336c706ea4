/**
 * Impact tiers, their order, and the mapping from a score to a tier.
 */
import type { Tier } from "../domain/types.ts";

/** The score each tier above `low` starts at (the policy's `TierThresholds`). */
type Thresholds = Record<Exclude<Tier, "low">, number>;

/** Every tier, highest first. */
export const TIERS = ["critical", "high", "medium", "low"] as const satisfies readonly Tier[];

/** The tier a score reaches: the highest whose threshold the score meets, else `low`. */
export function tierFor(score: number, thresholds: Thresholds): Tier {
  if (score >= thresholds.critical) return "critical";
  if (score >= thresholds.high) return "high";
  if (score >= thresholds.medium) return "medium";
  return "low";
}

/** The tiers at or above `min`, highest first: `tiersAtLeast("high")` is `["critical","high"]`. */
export function tiersAtLeast(min: Tier): Tier[] {
  return TIERS.slice(0, TIERS.indexOf(min) + 1);
}
