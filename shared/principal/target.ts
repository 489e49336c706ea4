/**
 * Which IAM principals a finding names, and which of their keys it names, checked strictly:
 * every name and key id is attacker-reachable text (a GuardDuty finding copies
 * `accessKeyDetails` from the API call it saw), so anything that does not fit IAM's own grammar
 * is refused, never acted on. Pure: no I/O.
 */
import type { Finding } from "../domain/types.ts";

/** An IAM user or role name: IAM's grammar (`[\w+=,.@-]`), 64 characters at most. */
export const PRINCIPAL_NAME = /^[\w+=,.@-]{1,64}$/;
/** A long-term access key id of a user (AKIA…); session keys (ASIA…) cannot be deactivated. */
export const USER_ACCESS_KEY_ID = /^AKIA[A-Z0-9]{16}$/;
/** A temporary (session) access key id. */
export const SESSION_ACCESS_KEY_ID = /^ASIA[A-Z0-9]{16}$/;

/**
 * The finding types of AWS's compromised-key quarantine signal: the policy attached, or put
 * inline, on a user (the CloudTrail rules of shared/intake/cloudtrail-rules-sharing.ts).
 */
export const QUARANTINE_FINDING_TYPES: readonly string[] = [
  "cloudtrail:AttachUserPolicy/CompromisedKeyQuarantine",
  "cloudtrail:PutUserPolicy/CompromisedKeyQuarantine",
];
/** The attached-policy form of that signal. */
export const QUARANTINE_FINDING_TYPE = QUARANTINE_FINDING_TYPES[0] as string;

/** One principal a finding names, in the finding's (acting) account. */
export interface PrincipalTarget {
  kind: "user" | "role";
  name: string;
  account: string;
  /** Long-term access keys of the user the finding names (empty for roles). */
  accessKeyIds: string[];
}

/** What a finding names, and why anything it names is not a target. */
export interface PrincipalTargets {
  targets: PrincipalTarget[];
  /** Refused names or keys, each with the reason (shown on the plan and in alerts). */
  refused: string[];
  /** True for AWS's quarantine signal: every key of the user is deactivated. */
  quarantine: boolean;
}

/** The ARN of a principal. */
export function principalArn(
  t: Pick<PrincipalTarget, "kind" | "name" | "account">,
  partition = "aws",
): string {
  return `arn:${partition}:iam::${t.account}:${t.kind}/${t.name}`;
}

/**
 * The principals a finding names: IAM users and roles among its resources (GuardDuty's
 * `accessKeyDetails` with userType `IAMUser` or `AssumedRole`, CloudTrail rules' parameters),
 * with the user's access keys the finding names. Only in the finding's own account, which
 * intake already checked against the envelope (shared/intake/account.ts): a resource that says
 * another account is refused.
 */
export function principalTargets(finding: Pick<Finding, "account" | "type" | "resources">): PrincipalTargets {
  const refused: string[] = [];
  const byKey = new Map<string, PrincipalTarget>();
  const keys: string[] = [];
  const quarantine = QUARANTINE_FINDING_TYPES.includes(finding.type);
  // The quarantine names the user first; the other resources are its caller (AWS), not a suspect.
  const named = quarantine ? finding.resources.slice(0, 1) : finding.resources;
  for (const r of named) {
    if (r.account !== undefined && r.account !== finding.account) {
      if (r.kind === "iam-user" || r.kind === "iam-role" || r.kind === "iam-access-key")
        refused.push(
          `${r.kind} ${JSON.stringify(r.id)} is in account ${r.account}, not the finding's ${finding.account}`,
        );
      continue;
    }
    if (r.kind === "iam-access-key") {
      if (USER_ACCESS_KEY_ID.test(r.id)) keys.push(r.id);
      else if (!SESSION_ACCESS_KEY_ID.test(r.id))
        refused.push(`access key id ${JSON.stringify(r.id.slice(0, 40))} is not an IAM access key id`);
      continue;
    }
    if (r.kind !== "iam-user" && r.kind !== "iam-role") continue;
    if (!PRINCIPAL_NAME.test(r.id)) {
      refused.push(`${r.kind} name ${JSON.stringify(r.id.slice(0, 80))} is not an IAM name`);
      continue;
    }
    const kind = r.kind === "iam-user" ? "user" : "role";
    byKey.set(`${kind}/${r.id}`, { kind, name: r.id, account: finding.account, accessKeyIds: [] });
  }
  const targets = [...byKey.values()];
  const users = targets.filter((t) => t.kind === "user");
  // A key belongs to the user the same finding names; with several users nobody can tell whose.
  if (keys.length) {
    if (users.length === 1 && users[0]) users[0].accessKeyIds = [...new Set(keys)];
    else if (users.length > 1)
      refused.push(`access keys ${keys.join(", ")}: the finding names several users`);
  }
  return { targets, refused, quarantine };
}

/** One access key as IAM lists it. */
export interface KeyState {
  accessKeyId: string;
  status: "Active" | "Inactive";
  createDate?: string;
  lastUsedDate?: string;
  lastUsedService?: string;
  lastUsedRegion?: string;
}

/**
 * The keys to set Inactive: the active keys the finding names, or every active key when the
 * policy says `all`, when the signal is AWS's quarantine (it names the user, not the key), or
 * when the finding names no key of the user. A named key the user does not have is reported,
 * never looked for elsewhere.
 */
export function keysToDeactivate(
  keys: readonly KeyState[],
  named: readonly string[],
  opts: { scope: "named" | "all"; quarantine: boolean },
): { deactivate: string[]; notes: string[] } {
  const notes: string[] = [];
  const active = keys.filter((k) => k.status === "Active").map((k) => k.accessKeyId);
  const all = opts.scope === "all" || opts.quarantine || named.length === 0;
  if (all) {
    const why =
      opts.scope === "all"
        ? "the policy says all keys"
        : opts.quarantine
          ? "AWS's quarantine signal names the user, not the key"
          : "the finding names no key of the user";
    notes.push(`every active key (${active.length}): ${why}`);
    return { deactivate: active, notes };
  }
  const own = new Set(keys.map((k) => k.accessKeyId));
  for (const id of named) if (!own.has(id)) notes.push(`${id} is not a key of the user: nothing done for it`);
  return { deactivate: active.filter((id) => named.includes(id)), notes };
}
