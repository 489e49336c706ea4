/**
 * Release of what `contain-principal` and `contain-bucket` changed, from the incident's record:
 * each principal and bucket back to its recorded state, as release outcomes beside the
 * instances' (shared/workflow/release.ts). Principals and buckets are never refused for having
 * changed since: release undoes only the responder's own changes (its keys, its policy, its
 * statement), whatever else happened to them.
 */

import { releaseBucket } from "../bucket/release.ts";
import { BucketContainmentSchema } from "../bucket/s3.ts";
import type { ReleaseOutcome } from "../containment/index.ts";
import type { IncidentRecord } from "../incident/model.ts";
import { releasePrincipal } from "../principal/release.ts";
import { PrincipalContainmentSchema } from "../principal/state-schema.ts";
import type { PrincipalClients } from "./contain-principal.ts";

/** The principals and buckets an incident contained, read back strictly from its record. */
export function containedPrincipals(incident: IncidentRecord) {
  const rec = incident as { principalContainment?: unknown; bucketContainment?: unknown };
  return {
    principals: Object.values(PrincipalContainmentSchema.parse(rec.principalContainment ?? {}).principals),
    buckets: Object.values(BucketContainmentSchema.parse(rec.bucketContainment ?? {}).buckets),
  };
}

/** Releases every principal and bucket the incident contained. */
export async function releasePrincipals(
  incident: IncidentRecord,
  clients: PrincipalClients,
  opts: { dryRun: boolean },
): Promise<ReleaseOutcome[]> {
  const { principals, buckets } = containedPrincipals(incident);
  const outcomes: ReleaseOutcome[] = [];
  for (const p of principals) {
    const r = await releasePrincipal(clients.iam, p, opts);
    outcomes.push({
      instanceId: r.label,
      status: r.status,
      differences: [],
      steps: r.steps,
      verification: { ok: r.open.length === 0, open: r.open },
      rounds: r.rounds,
      calls: r.calls,
    });
  }
  for (const b of buckets) {
    const r = await releaseBucket(clients.s3, b, opts);
    outcomes.push({
      instanceId: `bucket/${b.bucket}`,
      status: r.status === "verified" ? "released" : r.status,
      differences: [],
      steps: r.steps,
      verification: { ok: r.open.length === 0, open: r.open },
      rounds: r.rounds,
      calls: r.calls,
    });
  }
  return outcomes;
}
