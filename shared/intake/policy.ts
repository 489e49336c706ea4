/**
 * Reading IAM-style policy documents found in CloudTrail requests: is a resource or trust
 * policy public, does an identity policy grant full admin.
 */
import { isWorldCidr } from "./ingress.ts";
import { isObject, listOf } from "./walk.ts";

/**
 * Condition keys that, with a positive operator and concrete values, confine an
 * `Allow` to a network, an organisation, an account or a specific caller.
 */
const RESTRICTING_CONDITION_KEYS = new Set(
  [
    "aws:SourceVpce",
    "aws:SourceVpc",
    "aws:SourceVpcArn",
    "aws:SourceIp",
    "aws:VpceAccount",
    "aws:VpceOrgID",
    "aws:VpceOrgPaths",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:SourceAccount",
    "aws:SourceArn",
    "aws:SourceOrgID",
    "aws:SourceOrgPaths",
    "aws:userid",
    "s3:DataAccessPointAccount",
    "s3:DataAccessPointArn",
  ].map((k) => k.toLowerCase()),
);

function isWildcardPrincipal(principal: unknown): boolean {
  if (principal === "*") return true;
  if (!isObject(principal)) return false;
  return ["AWS", "CanonicalUser"].some((k) => listOf(principal[k]).includes("*"));
}

/** Negated (`StringNotEquals`, `NotIpAddress`…) and `…IfExists` operators do not confine an Allow. */
function isConfiningOperator(operator: string): boolean {
  const op = operator.replace(/^(ForAnyValue|ForAllValues):/, "");
  return !/Not|IfExists$|^Null$/.test(op);
}

function confines(key: string, values: unknown): boolean {
  const list = listOf(values);
  if (list.length === 0) return false;
  if (list.some((v) => typeof v !== "string" || v === "*" || v === "")) return false;
  if (key === "aws:sourceip" && list.some(isWorldCidr)) return false;
  return true;
}

/** True when a statement's Condition confines it to something narrower than "anyone". */
function hasConfiningCondition(condition: unknown): boolean {
  if (!isObject(condition)) return false;
  for (const [operator, clauses] of Object.entries(condition)) {
    if (!isConfiningOperator(operator) || !isObject(clauses)) continue;
    for (const [key, values] of Object.entries(clauses)) {
      const k = key.toLowerCase();
      if (RESTRICTING_CONDITION_KEYS.has(k) && confines(k, values)) return true;
    }
  }
  return false;
}

/** The statements of a policy document (object with `Statement` as an object or a list). */
export function statementsOf(policy: unknown): Record<string, unknown>[] {
  if (!isObject(policy)) return [];
  return listOf(policy.Statement).filter(isObject);
}

/**
 * The `Sid`s (or indexes) of statements that allow anyone: Effect `Allow`, Principal `*`
 * (or `{"AWS": "*"}`) or any `NotPrincipal`, and no confining condition
 * (such as `aws:SourceVpce`, `aws:SourceIp`, `aws:PrincipalOrgID`). Deny statements never count.
 */
export function publicStatements(policy: unknown): string[] {
  const out: string[] = [];
  statementsOf(policy).forEach((st, i) => {
    if (st.Effect !== "Allow") return;
    const anyone = isWildcardPrincipal(st.Principal) || st.NotPrincipal !== undefined;
    if (anyone && !hasConfiningCondition(st.Condition))
      out.push(typeof st.Sid === "string" && st.Sid ? st.Sid : `#${i}`);
  });
  return out;
}

/** True when an identity policy allows every action (`*`, `*:*`, or `NotAction`) on every resource. */
export function grantsFullAdmin(policy: unknown): boolean {
  return statementsOf(policy).some((st) => {
    if (st.Effect !== "Allow") return false;
    const allActions = listOf(st.Action).some((a) => a === "*" || a === "*:*") || st.NotAction !== undefined;
    const allResources = listOf(st.Resource).includes("*") || st.NotResource !== undefined;
    return allActions && allResources;
  });
}

/** The account of an AWS principal: a bare 12-digit id or an ARN in some account (`arn:aws:iam::ACCOUNT:…`). */
function principalAccount(principal: unknown): string | undefined {
  if (typeof principal !== "string") return undefined;
  if (/^\d{12}$/.test(principal)) return principal;
  const m = /^arn:aws[a-z-]*:(?:iam|sts)::(\d{12}):/.exec(principal);
  return m?.[1];
}

/**
 * The accounts outside `known` that a trust policy lets assume the role: `AWS` principals of
 * `Allow` statements, named by account id or by an ARN in that account. Conditions are not
 * read (an external id confines nothing: the outside account chooses it). Sorted, unique.
 */
export function outsideTrustedAccounts(policy: unknown, known: ReadonlySet<string>): string[] {
  const out = new Set<string>();
  for (const st of statementsOf(policy)) {
    if (st.Effect !== "Allow" || !isObject(st.Principal)) continue;
    for (const p of listOf(st.Principal.AWS)) {
      const account = principalAccount(p);
      if (account !== undefined && !known.has(account)) out.add(account);
    }
  }
  return [...out].sort();
}
