/**
 * Release: restores an isolated instance to its recorded pre-isolation state (groups per
 * interface, profile, Elastic IPs, Auto Scaling membership, target groups, protection).
 * Refuses when the instance changed since isolation unless forced; recorded and alerted.
 */
import type { IAMClient } from "@aws-sdk/client-iam";
import type { ContainmentClients, ReleaseOutcome } from "../containment/index.ts";
import { releaseInstance } from "../containment/index.ts";
import { releaseAccess } from "../credentials/release.ts";
import type { ActionResult, StepStatus } from "../domain/types.ts";
import { RefusedError } from "../errors/index.ts";
import { containmentOf } from "../incident/record.ts";
import type { PrincipalClients } from "./contain-principal.ts";
import type { BaseDeps } from "./deps.ts";
import { notify } from "./notify.ts";
import { containedPrincipals, releasePrincipals } from "./release-principal.ts";

export const RELEASE_STEP = "release";

export interface ReleaseDeps extends Pick<BaseDeps, "store" | "alerter" | "log" | "now" | "evidenceBucket"> {
  clientsFor(account: string, incidentId: string): Promise<ContainmentClients>;
  /** IAM in the account: deletes the per-instance deny policy (revoke-instance-credentials). */
  iamFor?(account: string, incidentId: string): Promise<IAMClient>;
  /** The isolation profile containment used in an account (see `isolationProfileFor`). */
  isolationProfileFor(account: string): Promise<string | undefined>;
  /** Clients for the principals and buckets the incident contained (contain-principal, contain-bucket). */
  principalClientsFor?(account: string, incidentId: string): Promise<PrincipalClients>;
}

/** Pure: the step status of a set of release outcomes. */
export function releaseStatus(outcomes: ReleaseOutcome[]): StepStatus {
  if (outcomes.every((o) => o.status === "dry-run")) return "skipped";
  if (outcomes.every((o) => o.status === "released" || o.status === "terminated")) return "ok";
  return outcomes.some((o) => o.status === "released") ? "partial" : "failed";
}

/** Releases every instance the incident isolated. */
export async function releaseIncident(
  incidentId: string,
  opts: { force: boolean; dryRun: boolean; by: string },
  deps: ReleaseDeps,
): Promise<ReleaseOutcome[]> {
  const incident = await deps.store.get(incidentId);
  const states = Object.entries(containmentOf(incident)?.preIsolation ?? {});
  const contained = containedPrincipals(incident);
  const principalsToRelease = contained.principals.length + contained.buckets.length > 0;
  if (!states.length && !principalsToRelease) {
    throw new RefusedError(`incident ${incidentId} recorded no pre-isolation state: nothing to release`);
  }
  if (principalsToRelease && !deps.principalClientsFor)
    throw new RefusedError(
      `incident ${incidentId} contained principals or buckets: this release cannot reach IAM and S3`,
    );
  const access = containmentOf(incident)?.access ?? {};
  const outcomes = states.length
    ? await (async () => {
        const clients = await deps.clientsFor(incident.account, incidentId);
        const isolationProfileArn = await deps.isolationProfileFor(incident.account);
        const iam = Object.keys(access).length
          ? await deps.iamFor?.(incident.account, incidentId)
          : undefined;
        return Promise.all(
          states.map(async ([instanceId, pre]) => {
            const outcome = await releaseInstance(instanceId, pre, clients, {
              incidentId,
              force: opts.force,
              dryRun: opts.dryRun,
              ...(isolationProfileArn ? { isolationProfileArn } : {}),
              ...(deps.now ? { now: deps.now } : {}),
            });
            return withAccessRelease(outcome, access[instanceId], { ec2: clients.ec2, iam }, opts.dryRun);
          }),
        );
      })()
    : [];
  if (principalsToRelease && deps.principalClientsFor)
    outcomes.push(
      ...(await releasePrincipals(incident, await deps.principalClientsFor(incident.account, incidentId), {
        dryRun: opts.dryRun,
      })),
    );
  const status = releaseStatus(outcomes);
  const detail = outcomes
    .map(
      (o) =>
        `${o.instanceId}: ${o.status}${o.differences.length ? ` (changed: ${o.differences.join("; ")})` : ""}`,
    )
    .join("; ");
  const open = outcomes.flatMap((o) => o.verification.open.map((x) => `${o.instanceId}: ${x}`));
  await deps.store.finishStep(
    incidentId,
    RELEASE_STEP,
    status,
    `by ${opts.by}${opts.force ? " (forced)" : ""}: ${detail}`,
    {
      actions: outcomes.flatMap((o) => o.steps),
      ...(status === "ok" || status === "skipped"
        ? {}
        : { error: [...open, ...outcomes.flatMap((o) => o.differences)].join("; ") }),
    },
  );
  const updated = await deps.store.get(incidentId);
  await notify(deps, {
    stage: status === "ok" || status === "skipped" ? "released" : "failed",
    incident: updated,
    summary:
      status === "ok"
        ? `Released by ${opts.by}: the instance is back to its pre-isolation state.`
        : status === "skipped"
          ? `Dry run of a release by ${opts.by}: nothing changed.`
          : `Release ${status} (by ${opts.by}): ${detail}`,
    done: outcomes.flatMap((o) => o.steps).filter((s) => s.status === "ok"),
    failed: outcomes
      .filter((o) => !["released", "terminated", "dry-run"].includes(o.status))
      .map((o) => ({
        what: `release ${o.instanceId}`,
        error: [o.status, ...o.differences, ...o.verification.open].join("; "),
      })),
    leftToDo: outcomes.some((o) => o.status === "refused")
      ? [`Force it if the change is expected: responder release ${incidentId} --force`]
      : [],
  });
  return outcomes;
}

/**
 * Releases the recorded access changes of an instance (its role's deny statement, its
 * interfaces' connection tracking) once the instance itself was released (or is gone): a
 * refused release leaves them in place, as it leaves the isolation.
 */
async function withAccessRelease(
  outcome: ReleaseOutcome,
  record: unknown,
  clients: Parameters<typeof releaseAccess>[1],
  dryRun: boolean,
): Promise<ReleaseOutcome> {
  if (!record || !["released", "terminated", "dry-run"].includes(outcome.status)) return outcome;
  const r = await releaseAccess(record, clients, dryRun);
  const steps: ActionResult[] = [...outcome.steps, ...r.steps];
  const open = [...outcome.verification.open, ...r.open];
  return {
    ...outcome,
    status: r.open.length && outcome.status === "released" ? "failed" : outcome.status,
    steps,
    verification: { ok: outcome.verification.ok && r.open.length === 0, open },
    rounds: outcome.rounds + 2,
    calls: outcome.calls + r.calls,
  };
}
