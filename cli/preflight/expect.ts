/**
 * What preflight expects, derived (purely) from what the deployment itself defines: the
 * evidence bucket's retention and policy statements from the stack template, and which
 * detection sources the response policy answers.
 */

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

import { localBucketStatements } from "../local/creators.ts";

/** Whether any playbook of the policy answers findings of Security Hub, and of AWS Config. */
export { sourcesUsed } from "../../shared/preflight/scheduled-plan.ts";

/**
 * The environment the triage function's scheduled preflight reads its expectations from
 * (serverless.yml sets the same on the deployed function): the stack's name, and the evidence
 * bucket's retention and policy statement ids as `resources` (the template's, or the local
 * provisioner's) define them.
 */
export function preflightEnv(resources: Record<string, Json>, stackName: string): Record<string, string> {
  const e = evidenceExpectations(resources);
  return {
    PREFLIGHT_STACK_NAME: stackName,
    ...(e.retention.days !== undefined ? { PREFLIGHT_RETENTION_DAYS: String(e.retention.days) } : {}),
    PREFLIGHT_POLICY_SIDS: e.policySids.join(","),
  };
}

/** {@link preflightEnv} against the emulator: the bucket policy holds only the statements it can apply. */
export function localPreflightEnv(
  resources: Record<string, Json>,
  stackName: string,
): Record<string, string> {
  const copy = structuredClone(resources);
  const doc = (copy.EvidenceBucketPolicy?.Properties as Json | undefined)?.PolicyDocument as Json | undefined;
  if (doc) doc.Statement = localBucketStatements(doc.Statement as Json[]);
  return preflightEnv(copy, stackName);
}
