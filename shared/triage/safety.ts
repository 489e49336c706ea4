/**
 * Safety rails, as pure decisions: resources that must never be touched, and the cap on
 * containments per hour that opens a circuit and sends containment to a person.
 */
import type { ResourceContext } from "../domain/types.ts";

/** The tag that marks a resource as off limits, unless a policy says otherwise. */
export const DEFAULT_PROTECTED_TAG = Object.freeze({ key: "incident-responder:protected", value: "true" });

/** What marks a resource as protected. */
export interface ProtectionConfig {
  /** Tag key and value (both compared case-insensitively). */
  protectedTag: { key: string; value: string };
  /** Resource ids or ARNs that are always protected. */
  protectedIds: string[];
}

/**
 * Whether the responder must leave this resource alone: it carries the protected tag
 * (read from the account or carried in the event), or its id or ARN is listed.
 */
export function isProtected(
  ctx: ResourceContext,
  cfg: ProtectionConfig,
): { protected: boolean; reason?: string } {
  const { id, arn } = ctx.resource;
  if (cfg.protectedIds.includes(id) || (arn !== undefined && cfg.protectedIds.includes(arn))) {
    return { protected: true, reason: `${id} is protected (listed in protectedIds)` };
  }
  const wantedKey = cfg.protectedTag.key.toLowerCase();
  const wantedValue = cfg.protectedTag.value.trim().toLowerCase();
  for (const tags of [ctx.tags, ctx.resource.tags ?? {}]) {
    for (const [key, value] of Object.entries(tags)) {
      if (key.toLowerCase() === wantedKey && value.trim().toLowerCase() === wantedValue) {
        return {
          protected: true,
          reason: `${id} is protected (tag ${cfg.protectedTag.key}=${cfg.protectedTag.value})`,
        };
      }
    }
  }
  return { protected: false };
}

/**
 * The blast-radius circuit: open (containment needs a person's approval) once the number
 * of containments in the last hour has reached the cap. A cap of 0 keeps it always open.
 */
export function blastRadius(containmentsInLastHour: number, cap: number): { open: boolean; reason?: string } {
  if (containmentsInLastHour >= cap) {
    return {
      open: true,
      reason: `circuit open: ${containmentsInLastHour} containment(s) in the last hour, cap ${cap}`,
    };
  }
  return { open: false };
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
    return !hasTag(ctx.accountTags ?? ctx.tags, DRILL_TAG);
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
