/**
 * The principals containment never touches, as a pure decision: protected ones (the policy's
 * `protectedIds` and the protected tag, with the rules of protected instances:
 * shared/triage/safety.ts), the responder's own roles, service-linked roles and the
 * organisation's break-glass principals. A principal left alone is reported loudly by the lane
 * (a `protected` alert), never skipped quietly.
 */
import { type ProtectionConfig, tagMatches } from "../triage/safety.ts";
import type { PrincipalTarget } from "./target.ts";

/** The path of service-linked roles: AWS owns them (and refuses inline policies on them). */
export const SERVICE_LINKED_PATH = "/aws-service-role/";
/** Name prefix of the responder's own roles (its functions', member and isolation roles). */
export const RESPONDER_ROLE_PREFIX = "incident-responder";

/** What the lane read about a principal before deciding (tags from the account, never the event). */
export interface PrincipalFacts {
  target: PrincipalTarget;
  arn: string;
  /** IAM path (`/`, `/aws-service-role/…`). */
  path: string;
  /** Tags read from IAM (ListUserTags / ListRoleTags). */
  tags: Record<string, string>;
}

/** What the guard reads from the policy. */
export interface PrincipalGuardConfig extends ProtectionConfig {
  /** Break-glass users and roles (names or ARNs): never contained. */
  breakGlass: readonly string[];
  /** Name prefixes of the responder's own roles. */
  responderRolePrefixes: readonly string[];
}

/** Why the principal must be left alone, or undefined when containment may touch it. */
export function leaveAlone(facts: PrincipalFacts, cfg: PrincipalGuardConfig): string | undefined {
  const { target, arn, path, tags } = facts;
  const label = `${target.kind} ${target.name}`;
  const named = (list: readonly string[]) => list.some((e) => e === target.name || e === arn);
  if (target.kind === "role" && path.startsWith(SERVICE_LINKED_PATH))
    return `${label} is a service-linked role (path ${path}): AWS owns it`;
  if (target.kind === "role" && cfg.responderRolePrefixes.some((p) => p && target.name.startsWith(p)))
    return `${label} is one of the responder's own roles`;
  if (named(cfg.breakGlass)) return `${label} is a break-glass principal (settings.principals.breakGlass)`;
  if (named(cfg.protectedIds)) return `${label} is protected (listed in protectedIds)`;
  const tag = cfg.protectedTag;
  if (Object.entries(tags).some(([k, v]) => tagMatches(k, v, tag)))
    return `${label} is protected (tag ${tag.key}=${tag.value})`;
  return undefined;
}
