/**
 * The bucket changes of `contain-bucket`, as pure decisions: Block Public Access with all four
 * settings on, and one Deny statement per incident on the bucket policy for the principal the
 * finding names. Release removes exactly that statement, keeping whatever else the policy says
 * by then. Existing policies are attacker-reachable text: parsed, never trusted to be valid.
 */
import { RefusedError } from "../errors/index.ts";
import { sidOf } from "../principal/documents.ts";

/** A bucket name as S3 allows it (3–63 characters, lower case, digits, dots and hyphens). */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Block Public Access as S3 reports it. */
export interface PublicAccessBlock {
  BlockPublicAcls: boolean;
  IgnorePublicAcls: boolean;
  BlockPublicPolicy: boolean;
  RestrictPublicBuckets: boolean;
}

/** Every public access blocked. */
export const BLOCK_ALL: PublicAccessBlock = Object.freeze({
  BlockPublicAcls: true,
  IgnorePublicAcls: true,
  BlockPublicPolicy: true,
  RestrictPublicBuckets: true,
});

/** True when every setting blocks. */
export function blocksAll(b: Partial<PublicAccessBlock> | undefined | null): boolean {
  return Boolean(b?.BlockPublicAcls && b.IgnorePublicAcls && b.BlockPublicPolicy && b.RestrictPublicBuckets);
}

/** The statement id of an incident's statement on a bucket policy. */
export function bucketSid(incidentId: string): string {
  return `${sidOf(incidentId)}Deny`;
}

/**
 * Deny every S3 action on the bucket and its objects to one principal. `aws:PrincipalArn`
 * rather than `Principal` names it: a session of a role has the role's ARN there, and a
 * principal that no longer exists does not make S3 refuse the whole policy.
 */
export function denyStatement(
  incidentId: string,
  bucket: string,
  principal: string,
  partition = "aws",
): Record<string, unknown> {
  const arn = `arn:${partition}:s3:::${bucket}`;
  return {
    Sid: bucketSid(incidentId),
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: [arn, `${arn}/*`],
    Condition: { ArnEquals: { "aws:PrincipalArn": principal } },
  };
}

type PolicyDoc = { Version?: string; Statement: Record<string, unknown>[] };

function parse(policy: string | undefined): PolicyDoc {
  if (!policy) return { Version: "2012-10-17", Statement: [] };
  let doc: unknown;
  try {
    doc = JSON.parse(policy);
  } catch {
    throw new RefusedError("the bucket policy is not JSON: left as it is");
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc))
    throw new RefusedError("the bucket policy is not a JSON object: left as it is");
  const raw = (doc as { Statement?: unknown }).Statement;
  const statements = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (!statements.every((s) => typeof s === "object" && s !== null && !Array.isArray(s)))
    throw new RefusedError("the bucket policy has a statement that is not an object: left as it is");
  return { ...(doc as object), Statement: statements as Record<string, unknown>[] };
}

/** The policy with the incident's statement (replacing an earlier copy of it). */
export function withStatement(policy: string | undefined, statement: Record<string, unknown>): string {
  const doc = parse(policy);
  const rest = doc.Statement.filter((s) => s.Sid !== statement.Sid);
  return JSON.stringify({ ...doc, Version: doc.Version ?? "2012-10-17", Statement: [...rest, statement] });
}

/** The policy without the incident's statement; undefined when nothing is left (delete it). */
export function withoutStatement(policy: string | undefined, sid: string): string | undefined {
  const doc = parse(policy);
  const rest = doc.Statement.filter((s) => s.Sid !== sid);
  return rest.length ? JSON.stringify({ ...doc, Statement: rest }) : undefined;
}

/** True when the policy holds the statement exactly as written. */
export function hasStatement(policy: string | undefined, statement: Record<string, unknown>): boolean {
  try {
    return parse(policy).Statement.some((s) => JSON.stringify(s) === JSON.stringify(statement));
  } catch {
    return false;
  }
}

/** True when the policy holds a statement with that Sid (an unreadable policy: false). */
export function hasSid(policy: string | undefined, sid: string): boolean {
  try {
    return parse(policy).Statement.some((s) => s.Sid === sid);
  } catch {
    return false;
  }
}
