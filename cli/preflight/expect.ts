/**
 * What preflight expects, derived (purely) from what the deployment itself defines: the
 * evidence bucket's retention and policy statements from the stack template, and which
 * detection sources the response policy answers.
 */
import type { Policy } from "../../shared/policy/index.ts";

/** The evidence bucket as the stack defines it: default retention and bucket-policy statement ids. */
export interface EvidenceExpectations {
  retention: { days?: number; years?: number };
  policySids: string[];
}

type Json = Record<string, unknown>;

/**
 * Reads the `EvidenceBucket` and `EvidenceBucketPolicy` resources of a resolved template
 * (serverless.yml's `resources`, variables resolved).
 * @throws Error when the template defines no Object Lock retention for the bucket
 */
export function evidenceExpectations(resources: Record<string, Json>): EvidenceExpectations {
  const bucket = (resources.EvidenceBucket?.Properties ?? {}) as Json;
  const rule = ((bucket.ObjectLockConfiguration as Json | undefined)?.Rule ?? {}) as Json;
  const retention = (rule.DefaultRetention ?? {}) as { Days?: unknown; Years?: unknown };
  const days = retention.Days === undefined ? undefined : Number(retention.Days);
  const years = retention.Years === undefined ? undefined : Number(retention.Years);
  if (days === undefined && years === undefined)
    throw new Error("the stack template defines no Object Lock default retention for EvidenceBucket");
  const doc = ((resources.EvidenceBucketPolicy?.Properties ?? {}) as Json).PolicyDocument as Json | undefined;
  const statements = (doc?.Statement ?? []) as { Sid?: string }[];
  return {
    retention: days !== undefined ? { days } : { years: years as number },
    policySids: statements.map((s) => s.Sid).filter((s): s is string => Boolean(s)),
  };
}

/** Whether any playbook of the policy answers findings of Security Hub, and of AWS Config. */
export function sourcesUsed(policy: Pick<Policy, "playbooks">): { securityhub: boolean; config: boolean } {
  const named = new Set(
    policy.playbooks.flatMap((p) => {
      const s = p.match.source;
      return s === undefined ? [] : Array.isArray(s) ? s : [s];
    }),
  );
  return { securityhub: named.has("securityhub"), config: named.has("config") };
}
