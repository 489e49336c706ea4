/**
 * Impact assessment: a pure function of the finding, what was read about its resources,
 * and the weights. Every point added is explained by one reason a person can read.
 */
import type {
  AffectedResource,
  Finding,
  FindingSource,
  Impact,
  ImpactReason,
  ResourceContext,
  Tier,
} from "../domain/types.ts";
import { TIERS, tierFor } from "./tiers.ts";
import type { ImpactWeights, TagRule, TierFloor } from "./weights.ts";

export { TIERS, tierFor, tiersAtLeast } from "./tiers.ts";
export {
  DEFAULT_IMPACT_WEIGHTS,
  type ImpactWeights,
  ImpactWeightsSchema,
  type TagRule,
  TagRuleSchema,
  type TierFloor,
  TierFloorSchema,
  type TierThresholds,
  TierThresholdsSchema,
} from "./weights.ts";

const SOURCE_LABELS: Record<FindingSource, string> = {
  guardduty: "GuardDuty",
  cloudtrail: "CloudTrail",
  config: "AWS Config",
  securityhub: "Security Hub",
  alarm: "CloudWatch alarm",
};

/** Instance states in which the instance is gone or going. */
const GONE_STATES = new Set(["terminated", "shutting-down"]);

/** A set of tags and where they were read; `from` is absent for the primary resource itself. */
interface TagSource {
  from?: string;
  tags: Record<string, string>;
}

/**
 * Scores a finding 0–100 and places it in a tier.
 *
 * The score adds: the finding's severity × `severityMultiplier`; for every tag rule, the
 * strongest value found on any affected resource or related resource (volumes, network
 * interfaces, Auto Scaling group), or the rule's stated default when no resource carries
 * the tag; and the exposure seen (public IPs, rules open to the world, instance profiles).
 * The sum is rounded and clamped to 0–100. Then the tier floors (`weights.floors`): when a
 * floor holds for the finding (source, resource kind, severity) and the score gives a lower
 * tier, a `floor` reason adds the points up to that tier's threshold — tags may raise a tier,
 * never lower a severe finding below the floor. Deterministic: the same input always gives
 * the same score and the same reasons in the same order.
 */
export function assessImpact(finding: Finding, contexts: ResourceContext[], weights: ImpactWeights): Impact {
  const reasons: ImpactReason[] = [];
  const ordered = orderContexts(finding, contexts);
  const sources = tagSources(finding, ordered);

  reasons.push(severityReason(finding, weights.severityMultiplier));
  // A finding about an account, a trail or a principal is scored by what those are, not by
  // workload tags nobody could carry (an account has no Environment to assume).
  const kind = kindReason(finding, weights.kinds);
  for (const [name, rule] of Object.entries(weights.tags)) {
    const reason = tagReason(name, kind ? { ...rule, missing: undefined } : rule, sources);
    if (reason) reasons.push(reason);
  }
  if (kind) reasons.push(kind);
  reasons.push(...exposureReasons(ordered, weights.exposure));
  reasons.push(...resourceReasons(finding, ordered));

  const total = reasons.reduce((sum, r) => sum + r.points, 0);
  let score = Number.isFinite(total) ? Math.min(100, Math.max(0, Math.round(total))) : 0;
  const floor = floorReason(finding, score, weights);
  if (floor) {
    reasons.push(floor);
    score += floor.points;
  }
  const primary = ordered[0];
  const impact: Impact = {
    score,
    tier: tierFor(score, weights.tiers),
    reasons,
    tags: primary ? ownTags(primary) : { ...(finding.resources[0]?.tags ?? {}) },
  };
  const owner = firstTagValue(sources, weights.ownerKeys);
  const workQueue = firstTagValue(sources, weights.workQueueKeys);
  if (owner !== undefined) impact.owner = owner;
  if (workQueue !== undefined) impact.workQueue = workQueue;
  return impact;
}

/** The lowest score of a tier under the given thresholds (0 for `low`), as an integer. */
function thresholdOf(tier: Tier, tiers: ImpactWeights["tiers"]): number {
  return tier === "low" ? 0 : Math.ceil(tiers[tier]);
}

/** The highest tier floor that holds for the finding, if any. */
function floorFor(finding: Finding, floors: TierFloor[]): { floor: TierFloor; severity: number } | undefined {
  const severity = Number.isFinite(finding.severity) ? Math.min(10, Math.max(0, finding.severity)) : 0;
  let best: TierFloor | undefined;
  for (const floor of floors) {
    if (!floor.source.includes(finding.source) || severity < floor.minSeverity) continue;
    if (!finding.resources.some((r) => floor.resourceKind.includes(r.kind))) continue;
    if (!best || TIERS.indexOf(floor.tier) < TIERS.indexOf(best.tier)) best = floor;
  }
  return best ? { floor: best, severity } : undefined;
}

/** The points that lift `score` to the floor's tier, with the reason; undefined when none are needed. */
function floorReason(finding: Finding, score: number, weights: ImpactWeights): ImpactReason | undefined {
  const found = floorFor(finding, weights.floors);
  if (!found) return undefined;
  const { floor, severity } = found;
  const threshold = Math.min(100, thresholdOf(floor.tier, weights.tiers));
  if (score >= threshold) return undefined;
  const points = threshold - score;
  const label = SOURCE_LABELS[finding.source] ?? finding.source;
  const kinds = floor.resourceKind.filter((k) => finding.resources.some((r) => r.kind === k)).join(", ");
  return {
    factor: "floor",
    points,
    text: `severity ${severity.toFixed(1)} ≥ ${floor.minSeverity} (${label}, ${kinds}): tier at least ${floor.tier} whatever the tags say: ${formatPoints(points)}`,
  };
}

/** Contexts with the primary resource (the finding's first resource) first, others in order. */
function orderContexts(finding: Finding, contexts: ResourceContext[]): ResourceContext[] {
  const primaryId = finding.resources[0]?.id;
  const index = contexts.findIndex((c) => c.resource.id === primaryId);
  if (index <= 0) return [...contexts];
  return [contexts[index]!, ...contexts.slice(0, index), ...contexts.slice(index + 1)];
}

/** Event tags overlaid by the tags read from the account. */
function ownTags(ctx: ResourceContext): Record<string, string> {
  return { ...(ctx.resource.tags ?? {}), ...ctx.tags };
}

function tagSources(finding: Finding, ordered: ResourceContext[]): TagSource[] {
  const sources: TagSource[] = [];
  ordered.forEach((ctx, i) => {
    sources.push(i === 0 ? { tags: ownTags(ctx) } : { from: ctx.resource.id, tags: ownTags(ctx) });
    for (const related of ctx.relatedTags) sources.push({ from: related.source, tags: related.tags });
  });
  // Resources the finding names but nobody read: their event tags are all there is.
  const read = new Set(ordered.map((c) => c.resource.id));
  for (const [i, resource] of finding.resources.entries()) {
    if (read.has(resource.id) || !resource.tags) continue;
    const primary = ordered.length === 0 && i === 0;
    sources.push(primary ? { tags: resource.tags } : { from: resource.id, tags: resource.tags });
  }
  return sources;
}

function formatPoints(points: number): string {
  return points < 0 ? `${points}` : `+${points}`;
}

function severityReason(finding: Finding, multiplier: number): ImpactReason {
  const raw = Number.isFinite(finding.severity) ? finding.severity : 0;
  const severity = Math.min(10, Math.max(0, raw));
  const points = Math.round(severity * multiplier);
  const label = SOURCE_LABELS[finding.source] ?? finding.source;
  return {
    factor: "severity",
    points,
    text: `severity ${severity.toFixed(1)} (${label}): ${formatPoints(points)}`,
  };
}

function lookupValue(rule: TagRule, value: string): number | undefined {
  const wanted = value.trim().toLowerCase();
  for (const [v, points] of Object.entries(rule.values)) {
    if (v.trim().toLowerCase() === wanted) return points;
  }
  return undefined;
}

/** The strongest value of one tag rule across all sources, or the rule's missing default. */
function tagReason(name: string, rule: TagRule, sources: TagSource[]): ImpactReason | undefined {
  const keys = new Set(rule.keys.map((k) => k.toLowerCase()));
  let best: { points: number; text: string } | undefined;
  for (const source of sources) {
    for (const [key, value] of Object.entries(source.tags)) {
      if (!keys.has(key.toLowerCase()) || value.trim() === "") continue;
      const known = lookupValue(rule, value);
      const points = known ?? rule.otherValue;
      if (best !== undefined && points <= best.points) continue;
      const from = source.from ? ` (from ${source.from})` : "";
      const unknown = known === undefined ? " (not a known value)" : "";
      best = { points, text: `${key}=${value.trim()}${from}${unknown}: ${formatPoints(points)}` };
    }
  }
  if (best) return { factor: "tag", points: best.points, text: best.text };
  if (!rule.missing) return undefined;
  const { points, assumed } = rule.missing;
  return { factor: "tag", points, text: `${name} tag missing: assumed ${assumed} (${formatPoints(points)})` };
}

/**
 * The strongest kind weight when every resource the finding names has one (no workload among
 * them); undefined when it names a workload, or nothing.
 */
function kindReason(finding: Finding, kinds: ImpactWeights["kinds"]): ImpactReason | undefined {
  if (finding.resources.length === 0) return undefined;
  let best: { points: number; text: string } | undefined;
  for (const r of finding.resources) {
    const weight = kinds[r.kind];
    if (!weight) return undefined;
    if (best === undefined || weight.points > best.points)
      best = {
        points: weight.points,
        text: `${r.kind} ${r.id}: ${weight.what} (${formatPoints(weight.points)})`,
      };
  }
  return best && { factor: "resource", points: best.points, text: best.text };
}

function describePorts(ports: string): string {
  return ports === "all" ? "all ports" : ports;
}

function exposureReasons(ordered: ResourceContext[], weights: ImpactWeights["exposure"]): ImpactReason[] {
  const reasons: ImpactReason[] = [];
  const live = ordered.filter((c) => c.exists);

  const ips = unique(live.flatMap((c) => c.exposure.publicIps));
  if (ips.length > 0) {
    const label = ips.length === 1 ? "public IP" : "public IPs";
    reasons.push({
      factor: "exposure",
      points: weights.publicIp,
      text: `${label} ${ips.join(", ")}: ${formatPoints(weights.publicIp)}`,
    });
  }

  let budget = weights.openIngressMax;
  const seen = new Set<string>();
  for (const rule of live.flatMap((c) => c.exposure.openIngress)) {
    const id = `${rule.groupId}|${rule.ports}|${rule.cidr}`;
    if (seen.has(id)) continue;
    seen.add(id);
    const points =
      weights.openIngress > 0 ? Math.min(weights.openIngress, Math.max(0, budget)) : weights.openIngress;
    budget -= Math.max(0, points);
    const capped =
      points < weights.openIngress ? ` (cap of ${weights.openIngressMax} for open rules reached)` : "";
    reasons.push({
      factor: "exposure",
      points,
      text: `${rule.groupId} open to ${rule.cidr} on ${describePorts(rule.ports)}: ${formatPoints(points)}${capped}`,
    });
  }

  const profiles = unique(
    live.flatMap((c) => (c.exposure.instanceProfileArn ? [c.exposure.instanceProfileArn] : [])),
  );
  if (profiles.length > 0) {
    const names = profiles.map((arn) => arn.split("/").pop() || arn).join(", ");
    const label = profiles.length === 1 ? "instance profile" : "instance profiles";
    reasons.push({
      factor: "exposure",
      points: weights.instanceProfile,
      text: `${label} ${names} attached: ${formatPoints(weights.instanceProfile)}`,
    });
  }
  return reasons;
}

/** Zero-point reasons that say what could not be read. */
function resourceReasons(finding: Finding, ordered: ResourceContext[]): ImpactReason[] {
  const reasons: ImpactReason[] = [];
  const note = (text: string) => reasons.push({ factor: "resource", points: 0, text });
  if (finding.resources.length === 0 && ordered.length === 0) {
    note("the finding names no resource: tag defaults assumed");
    return reasons;
  }
  for (const ctx of ordered) {
    const id = ctx.resource.id;
    if (!ctx.exists)
      note(`${id} not found (terminated or in another account): its tags and exposure are unknown`);
    else if (ctx.state && GONE_STATES.has(ctx.state)) note(`${id} is ${ctx.state}`);
  }
  const read = new Set(ordered.map((c) => c.resource.id));
  for (const resource of finding.resources) {
    if (!read.has(resource.id))
      note(`${describeResource(resource)} was not read from the account: event tags only`);
  }
  return reasons;
}

function describeResource(resource: AffectedResource): string {
  return `${resource.kind} ${resource.id}`;
}

function firstTagValue(sources: TagSource[], keys: string[]): string | undefined {
  const wanted = keys.map((k) => k.toLowerCase());
  for (const source of sources) {
    const byKey = new Map(Object.entries(source.tags).map(([k, v]) => [k.toLowerCase(), v.trim()]));
    for (const key of wanted) {
      const value = byKey.get(key);
      if (value) return value;
    }
  }
  return undefined;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
