/**
 * The pure core of `revoke-instance-credentials`: the per-instance deny statement on the
 * instance's role, its name, how a read-back compares with it, which roles are never touched,
 * and how a GuardDuty access-key finding names the instance whose credentials were taken.
 * No I/O.
 */
import { tagMatches } from "../triage/safety.ts";

/** Prefix of the inline policy put on a role for one incident. */
export const REVOKE_POLICY_PREFIX = "incident-responder-revoke-";

/** Sid of the deny statement (one statement per policy, one policy per incident and role). */
export const REVOKE_SID = "DenySessionsOfContainedInstance";

/** Instance ids as EC2 writes them (8 or 17 hex digits). */
export const INSTANCE_ID_PATTERN = /^i-(?:[0-9a-f]{8}|[0-9a-f]{17})$/;

/** IAM role names (1–64 of `A-Za-z0-9+=,.@_-`). */
export const ROLE_NAME_PATTERN = /^[\w+=,.@-]{1,64}$/;

/** Incident ids (shared/incident/model.ts INCIDENT_ID_PATTERN). */
const INCIDENT_ID = /^ir-\d{8}-[0-9a-f]{8}$/;

/** An IAM policy document (the subset the responder writes). */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: {
    Sid: string;
    Effect: "Deny";
    Action: "*";
    Resource: "*";
    Condition: { StringEquals: { "ec2:SourceInstanceARN": string } };
  }[];
}

/**
 * The inline policy's name for one contained instance of an incident
 * (`incident-responder-revoke-<incidentId>-<instanceId>`): instances that share a role each get
 * a policy of their own, so that containing one never replaces another's statement, and release
 * deletes exactly the one it recorded.
 * @throws Error for an id that is not an incident or instance id (they become part of an IAM name).
 */
export function revokePolicyName(incidentId: string, instanceId: string): string {
  if (!INCIDENT_ID.test(incidentId)) throw new Error(`not an incident id: ${JSON.stringify(incidentId)}`);
  if (!/^i-[0-9a-f]{8,17}$/.test(instanceId))
    throw new Error(`not an instance id: ${JSON.stringify(instanceId)}`);
  return `${REVOKE_POLICY_PREFIX}${incidentId}-${instanceId}`;
}

/** The ARN EC2 puts in `ec2:SourceInstanceARN` for requests signed with the instance's role credentials. */
export function instanceArn(partition: string, region: string, account: string, instanceId: string): string {
  return `arn:${partition}:ec2:${region}:${account}:instance/${instanceId}`;
}

/**
 * Deny everything to the role's sessions whose credentials were issued to this instance, and
 * to no other session: the siblings that share the role keep working.
 */
export function revokeDocument(sourceInstanceArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: REVOKE_SID,
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: { StringEquals: { "ec2:SourceInstanceARN": sourceInstanceArn } },
      },
    ],
  };
}

/**
 * True when a document read back (GetRolePolicy answers it URL-encoded, AWS may reorder keys
 * or whitespace) says exactly what was written.
 */
export function sameDocument(readBack: string | undefined, expected: PolicyDocument): boolean {
  if (!readBack) return false;
  let text = readBack;
  try {
    text = decodeURIComponent(readBack);
  } catch {
    // Not URL-encoded (an SDK or emulator that decodes it already).
  }
  try {
    return canonical(JSON.parse(text)) === canonical(expected);
  } catch {
    return false;
  }
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value && typeof value === "object")
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(value);
}

/** The instance and role of an instance-credential session named by a finding. */
export interface InstanceSession {
  instanceId: string;
  roleName: string;
}

/**
 * The instance whose role credentials a GuardDuty access-key finding is about: EC2 names the
 * role session of instance credentials after the instance, so `principalId` is
 * `AROA…:i-…` and `userName` the role. Anything else (a user, a session named otherwise, a
 * malformed id) names no instance: undefined. The result is a claim until the instance is
 * read from the account and found to use that role ({@link sessionMatches}).
 */
export function instanceSession(details: {
  principalId?: string | null | undefined;
  userName?: string | null | undefined;
  userType?: string | null | undefined;
}): InstanceSession | undefined {
  if (details.userType !== "AssumedRole" && details.userType !== "Role") return undefined;
  const m = /^(AROA[A-Z0-9]{12,124}):(i-[0-9a-f]+)$/.exec(details.principalId ?? "");
  const instanceId = m?.[2];
  const roleName = details.userName ?? "";
  if (!instanceId || !INSTANCE_ID_PATTERN.test(instanceId) || !ROLE_NAME_PATTERN.test(roleName))
    return undefined;
  return { instanceId, roleName };
}

/** A role as read from IAM (GetRole). */
export interface RoleFacts {
  roleName: string;
  arn: string;
  path: string;
  tags: Record<string, string>;
}

/** What the guard needs: the policy's protection settings and the responder's own names. */
export interface RoleGuardConfig {
  protectedTag: { key: string; value: string };
  /** Policy `protectedIds`: a role name or ARN listed there is protected. */
  protectedIds: readonly string[];
  /** Name prefixes of the responder's own roles (its functions' and the member roles). */
  ownRolePrefixes: readonly string[];
}

/** The responder's own role names start with one of these by default. */
export const DEFAULT_OWN_ROLE_PREFIXES: readonly string[] = ["incident-responder"];

/**
 * Why the responder must leave this role alone, or undefined when it may put the statement:
 * service-linked roles (AWS owns them), the responder's own roles, and protected roles (tag
 * read from IAM, or listed by name or ARN).
 */
export function roleRefusal(role: RoleFacts, cfg: RoleGuardConfig): string | undefined {
  if (role.path.startsWith("/aws-service-role/"))
    return `role ${role.roleName} is service-linked (path ${role.path}): AWS owns it`;
  const own = cfg.ownRolePrefixes.find((p) => role.roleName.toLowerCase().startsWith(p.toLowerCase()));
  if (own) return `role ${role.roleName} is one of the responder's own (name starts with ${own})`;
  if (cfg.protectedIds.some((id) => id === role.roleName || id === role.arn))
    return `role ${role.roleName} is protected (listed in protectedIds)`;
  if (Object.entries(role.tags).some(([k, v]) => tagMatches(k, v, cfg.protectedTag)))
    return `role ${role.roleName} is protected (tag ${cfg.protectedTag.key}=${cfg.protectedTag.value})`;
  return undefined;
}

/** The role name of an instance profile's role ARN (`arn:…:role/path/name`), or undefined. */
export function roleNameOfArn(arn: string): string | undefined {
  const name = /^arn:[\w-]+:iam::\d{12}:role\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,64})$/.exec(arn)?.[1];
  return name;
}

/** The name and partition of an instance profile ARN, or undefined for anything else. */
export function parseProfileArn(arn: string): { name: string; partition: string } | undefined {
  const m = /^arn:([\w-]+):iam::\d{12}:instance-profile\/(?:[\w+=,.@/-]*\/)?([\w+=,.@-]{1,128})$/.exec(arn);
  return m?.[1] && m[2] ? { partition: m[1], name: m[2] } : undefined;
}
