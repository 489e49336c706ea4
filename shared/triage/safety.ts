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
