/**
 * Safety rails, as pure decisions: resources that must never be touched, and the cap on
 * containments per hour that opens a circuit and sends containment to a person.
 */
import type { AffectedResource, ResourceContext } from "../domain/types.ts";
import { ID_PATTERNS } from "../intake/schemas/common.ts";

/** The tag that marks a resource as off limits, unless a policy says otherwise. */
export const DEFAULT_PROTECTED_TAG = Object.freeze({ key: "incident-responder:protected", value: "true" });

/** What marks a resource as protected. */
export interface ProtectionConfig {
  /**
   * Tag key and value. Compared as IAM's `StringEqualsIgnoreCase` on `aws:ResourceTag/<key>`
   * compares them: case-insensitively and without trimming (`TRUE` protects, ` true` does not).
   */
  protectedTag: { key: string; value: string };
  /** Instance or volume ids or ARNs (and other resources' ids or ARNs) that are always protected. */
  protectedIds: string[];
}

/** An EC2 instance or volume, reduced to what identifies it: kind, id, and where when known. */
export interface Ec2Ref {
  kind: "ec2-instance" | "ec2-volume";
  id: string;
  account?: string;
  region?: string;
}

/** One `protectedIds` entry, read: an EC2 reference, another resource's id or ARN, or an error. */
export type ProtectedEntry = { ref: Ec2Ref } | { other: string } | { error: string };

const EC2_ID: { kind: Ec2Ref["kind"]; prefix: string; pattern: RegExp; type: string }[] = [
  { kind: "ec2-instance", prefix: "i-", pattern: ID_PATTERNS.instanceId, type: "instance" },
  { kind: "ec2-volume", prefix: "vol-", pattern: ID_PATTERNS.volumeId, type: "volume" },
];

/**
 * Reads one `protectedIds` entry. A bare instance or volume id (`i-…`, `vol-…`) protects that
 * id in every account and region; an instance or volume ARN
 * (`arn:<partition>:ec2:<region>:<account>:instance/i-…`, any partition) protects that id
 * only where the ARN says (its account and region, when the ARN gives them). Anything else
 * is compared as it is with the resource's id and ARN (buckets, roles…). An entry that looks
 * like an EC2 id or ARN but does not fit its grammar is an error.
 */
export function parseProtectedId(entry: string): ProtectedEntry {
  for (const t of EC2_ID) {
    if (!entry.startsWith(t.prefix)) continue;
    return t.pattern.test(entry)
      ? { ref: { kind: t.kind, id: entry } }
      : {
          error: `"${entry}" is not ${t.type === "instance" ? "an" : "a"} ${t.type} id (${t.prefix} and 8 or 17 lower-case hex digits)`,
        };
  }
  const parts = entry.split(":");
  if (parts[0] !== "arn" || parts[2] !== "ec2") return { other: entry };
  const [, partition = "", , region = "", account = "", ...rest] = parts;
  const resource = rest.join(":");
  const t = EC2_ID.find((x) => resource.startsWith(`${x.type}/`));
  if (!t) return { other: entry };
  const id = resource.slice(t.type.length + 1);
  const problem = !ID_PATTERNS.partition.test(partition)
    ? "partition"
    : region !== "" && !ID_PATTERNS.region.test(region)
      ? "region"
      : account !== "" && !ID_PATTERNS.account.test(account)
        ? "account"
        : !t.pattern.test(id)
          ? `${t.type} id`
          : undefined;
  if (problem)
    return {
      error: `"${entry}" is not an EC2 ${t.type} ARN (bad ${problem}): arn:aws:ec2:<region>:<account>:${t.type}/${t.prefix}…`,
    };
  return {
    ref: { kind: t.kind, id, ...(account ? { account } : {}), ...(region ? { region } : {}) },
  };
}

/**
 * The EC2 reference of a finding's resource, with its account and region from the resource,
 * else from its ARN, else from `where` (the finding's). Undefined for other kinds.
 */
export function resourceRef(
  resource: AffectedResource,
  where: { account?: string; region?: string } = {},
): Ec2Ref | undefined {
  if (resource.kind !== "ec2-instance" && resource.kind !== "ec2-volume") return undefined;
  const arn = resource.arn?.split(":");
  const fromArn = (i: number) => (arn?.[0] === "arn" && arn[i] ? arn[i] : undefined);
  const account = resource.account ?? fromArn(4) ?? where.account;
  const region = resource.region ?? fromArn(3) ?? where.region;
  return {
    kind: resource.kind,
    id: resource.id,
    ...(account ? { account } : {}),
    ...(region ? { region } : {}),
  };
}

/**
 * Whether a `protectedIds` entry covers a resource: same kind and id, and, when both sides
 * say, the same account and the same region (an ARN entry of account A never protects the
 * same id in account B; a resource whose account is unknown is covered, erring on the side
 * of leaving it alone).
 */
export function entryCovers(entry: Ec2Ref, ref: Ec2Ref): boolean {
  const agrees = (a?: string, b?: string) => a === undefined || b === undefined || a === b;
  return (
    entry.kind === ref.kind &&
    entry.id === ref.id &&
    agrees(entry.account, ref.account) &&
    agrees(entry.region, ref.region)
  );
}

/**
 * Whether a tag carries the protected value as IAM reads it with `StringEqualsIgnoreCase`:
 * key and value equal ignoring case, nothing trimmed. Exported so that callers and tests use
 * the one comparison.
 */
export function tagMatches(key: string, value: string, tag: { key: string; value: string }): boolean {
  return key.toLowerCase() === tag.key.toLowerCase() && value.toLowerCase() === tag.value.toLowerCase();
}

/** The outcome of {@link isProtected}. */
export interface Protection {
  protected: boolean;
  reason?: string;
  /**
   * Set when the event's own tags claim the protected tag and the account's tags do not
   * confirm it: the claim is ignored (anyone who can write the event could write it).
   */
  ignoredClaim?: string;
}

/**
 * Whether the responder must leave this resource alone:
 * - its id or ARN is covered by a `protectedIds` entry, however the finding names it (bare id
 *   or ARN, any partition; see {@link parseProtectedId} and {@link entryCovers});
 * - or the account's own tags (`accountTags`, what IAM's `aws:ResourceTag` sees) carry the
 *   protected tag, compared as IAM does ({@link tagMatches}).
 * Tags carried only by the event never protect: an attacker who can write a finding (a custom
 * Security Hub import) could otherwise talk the responder out of acting.
 * @param where the finding's account and region, for resources that do not say theirs.
 */
export function isProtected(
  ctx: ResourceContext,
  cfg: ProtectionConfig,
  where: { account?: string; region?: string } = {},
): Protection {
  const { id, arn } = ctx.resource;
  const ref = resourceRef(ctx.resource, where);
  for (const raw of cfg.protectedIds) {
    const entry = parseProtectedId(raw);
    const covered =
      "ref" in entry
        ? ref !== undefined && entryCovers(entry.ref, ref)
        : "other" in entry && (entry.other === id || entry.other === arn);
    if (covered) return { protected: true, reason: `${id} is protected (listed in protectedIds)` };
  }
  const tag = cfg.protectedTag;
  const carries = (tags: Record<string, string> | undefined) =>
    Object.entries(tags ?? {}).some(([k, v]) => tagMatches(k, v, tag));
  if (carries(ctx.accountTags)) {
    return { protected: true, reason: `${id} is protected (tag ${tag.key}=${tag.value})` };
  }
  if (carries(ctx.resource.tags)) {
    const why = ctx.accountTags ? "the account's tags do not" : "its tags were not read from the account";
    return {
      protected: false,
      ignoredClaim: `${id}: the event says it is tagged ${tag.key}=${tag.value} but ${why}: event tags never protect`,
    };
  }
  return { protected: false };
}

/** The tag that marks a resource as a target for drills. */
export const DRILL_TAG = Object.freeze({ key: "incident-responder:drill", value: "true" });

/** Kinds of resource the responder's actions change (isolate, snapshot, describe and archive). */
const ACTED_ON: ReadonlySet<string> = new Set(["ec2-instance", "ec2-volume"]);

function hasTag(tags: Record<string, string> | undefined, tag: { key: string; value: string }): boolean {
  return Object.entries(tags ?? {}).some(
    ([k, v]) => k.toLowerCase() === tag.key.toLowerCase() && v.trim().toLowerCase() === tag.value,
  );
}

/** Whether tags (read from the account) mark a resource for drills. */
export function isDrillTagged(tags: Record<string, string> | undefined): boolean {
  return hasTag(tags, DRILL_TAG);
}

/**
 * The drill scope: a drill may only act on resources tagged `incident-responder:drill=true`
 * in the account. Tags carried by the event do not count (anyone who can put an event on
 * the bus could write them); a resource that could not be read does not count as tagged.
 * Returns the ids of the resources a drill would act on that are outside its scope.
 */
export function outsideDrillScope(
  resources: { kind: string; id: string }[],
  contexts: ResourceContext[],
): string[] {
  const ids = [...new Set(resources.filter((r) => ACTED_ON.has(r.kind)).map((r) => r.id))];
  return ids.filter((id) => {
    const ctx = contexts.find((c) => c.resource.id === id);
    if (!ctx?.exists) return true;
    return !hasTag(ctx.accountTags, DRILL_TAG);
  });
}

/**
 * Applies the drill scope to a plan: for a drill whose resources are not all tagged for
 * drills, every action but `notify` is dropped (no containment, no snapshot, no evidence
 * written under Object Lock, no clean room) and the plan says why. Other plans come back
 * unchanged. Pure.
 */
export function applyDrillScope<P extends { actions: { name: string }[]; notes: string[] }>(
  plan: P,
  finding: { drill: boolean; resources: { kind: string; id: string }[] },
  contexts: ResourceContext[],
): P {
  if (!finding.drill) return plan;
  const outside = outsideDrillScope([...finding.resources, ...contexts.map((c) => c.resource)], contexts);
  if (!outside.length) return plan;
  const dropped = plan.actions.filter((a) => a.name !== "notify").map((a) => a.name);
  const kind = contexts.find((c) => c.resource.id === outside[0])?.resource.kind ?? "ec2-instance";
  const what = kind === "ec2-volume" ? "a volume" : "an instance";
  return {
    ...plan,
    actions: plan.actions.filter((a) => a.name === "notify"),
    notes: [
      ...plan.notes,
      `drill event on ${what} not tagged ${DRILL_TAG.key}=${DRILL_TAG.value} (${outside.join(", ")}): ${
        dropped.length ? `${dropped.join(", ")} dropped` : "nothing to drop"
      }`,
    ],
  };
}
