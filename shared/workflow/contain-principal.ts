/**
 * The contain lane's principal and bucket actions (`contain-principal`, `contain-bucket`): each
 * waits for its approval when the plan says so, runs under its own step's claim, records the
 * state before any change (the principal's evidence: keys with last use, policies, groups) and
 * what it changed on the incident (`principalContainment`, `bucketContainment`), verifies by
 * reading back, and alerts. A principal or bucket left alone (protected, break-glass, the
 * responder's own, service-linked, outside a drill's scope) is recorded and alerted as such.
 */
import type { IAMClient } from "@aws-sdk/client-iam";
import type { S3Client } from "@aws-sdk/client-s3";
import { CONTAIN_BUCKET_STEP } from "../actions/contain-bucket.ts";
import { CONTAIN_PRINCIPAL_STEP } from "../actions/contain-principal.ts";
import { paramsOf, plannedAction } from "../actions/index.ts";
import { BUCKET_NAME, bucketSid } from "../bucket/policy.ts";
import { type BucketContainment, BucketContainmentSchema, containBucket, readBucket } from "../bucket/s3.ts";
import type { ActionResult, Finding, StepStatus } from "../domain/types.ts";
import { describeError } from "../errors/index.ts";
import { currentApprovals, type IncidentRecord } from "../incident/model.ts";
import { leaveAlone, RESPONDER_ROLE_PREFIX } from "../principal/guard.ts";
import { CallCount, containPrincipal, readPrincipal } from "../principal/iam.ts";
import { type PrincipalContainment, PrincipalContainmentSchema } from "../principal/state-schema.ts";
import { principalArn, principalTargets } from "../principal/target.ts";
import { isDrillTagged, tagMatches } from "../triage/safety.ts";
import type { BaseDeps } from "./deps.ts";
import { nowIso } from "./deps.ts";
import { notify } from "./notify.ts";
import { runStep } from "./steps.ts";

/** The clients of the principal and bucket actions, in the incident's account. */
export interface PrincipalClients {
  iam: IAMClient;
  s3: S3Client;
}

export interface PrincipalContainDeps extends BaseDeps {
  principalClientsFor(account: string, incidentId: string): Promise<PrincipalClients>;
}

/** What one of the two actions came to. */
export interface LaneSummary {
  step: string;
  status: StepStatus;
  detail: string;
  /** Calls and rounds per contained target. */
  figures: { target: string; calls: number; rounds: number }[];
}

function approved(incident: IncidentRecord): boolean {
  return currentApprovals(incident).some((a) => a.decision === "approved");
}

/** Runs `contain-principal` and `contain-bucket` when the plan has them (and they may run). */
export async function runPrincipalContainment(
  incidentId: string,
  deps: PrincipalContainDeps,
): Promise<LaneSummary[]> {
  const incident = await deps.store.get(incidentId);
  const out: LaneSummary[] = [];
  for (const [name, step, work] of [
    ["contain-principal", CONTAIN_PRINCIPAL_STEP, containPrincipals],
    ["contain-bucket", CONTAIN_BUCKET_STEP, containBuckets],
  ] as const) {
    const action = plannedAction(incident.plan, name);
    if (!action) continue;
    if (action.requiresApproval && !approved(incident)) {
      deps.log.info(`${name} waits for approval`, { incidentId });
      continue;
    }
    const ran = await runStep(deps, { incident, step, lane: "contain", work: () => work(incidentId, deps) });
    if (ran) out.push(ran.value);
  }
  return out;
}

/** Tags that mark a principal or bucket as protected, per the policy. */
function protectedByTag(tags: Record<string, string>, deps: BaseDeps): string | undefined {
  const tag = deps.policy.settings.protectedTag;
  return Object.entries(tags).some(([k, v]) => tagMatches(k, v, tag))
    ? `protected (tag ${tag.key}=${tag.value})`
    : undefined;
}

/** A drill acts only on what the account tags for drills. */
function outsideDrill(incident: IncidentRecord, tags: Record<string, string>): string | undefined {
  return incident.drill && !isDrillTagged(tags)
    ? "drill: not tagged incident-responder:drill=true"
    : undefined;
}

async function containPrincipals(incidentId: string, deps: PrincipalContainDeps): Promise<LaneSummary> {
  const incident = await deps.store.get(incidentId);
  const params = paramsOf(
    plannedAction(incident.plan, "contain-principal") ?? { name: "", params: {}, requiresApproval: false },
    "contain-principal",
  );
  const { targets, refused, quarantine } = principalTargets(incident.finding);
  const record: PrincipalContainment = PrincipalContainmentSchema.parse(
    (incident as { principalContainment?: unknown }).principalContainment ?? {},
  );
  const settings = deps.policy.settings;
  const cfg = {
    protectedIds: settings.protectedIds,
    protectedTag: settings.protectedTag,
    breakGlass: settings.principals.breakGlass,
    responderRolePrefixes: [RESPONDER_ROLE_PREFIX, ...settings.principals.responderRolePrefixes],
  };
  const save = (detail: string) =>
    deps.store.note(
      incidentId,
      { step: CONTAIN_PRINCIPAL_STEP, status: "info", detail },
      {
        principalContainment: record,
      },
    );
  const actions: ActionResult[] = [];
  const failures: { what: string; error: string }[] = refused.map((r) => ({ what: "finding", error: r }));
  const figures: LaneSummary["figures"] = [];
  const contained: string[] = [];
  const alone: string[] = [];
  const cutoff = nowIso(deps);
  const { iam } = await deps.principalClientsFor(incident.account, incidentId);
  // One at a time: each writes the incident's record before its first change.
  for (const target of targets) {
    const key = `${target.kind}/${target.name}`;
    try {
      const count = new CallCount();
      const before = await readPrincipal(iam, target, count);
      if (!before) {
        failures.push({ what: key, error: "not found in the account: nothing to contain" });
        continue;
      }
      const why =
        leaveAlone({ target, arn: before.arn, path: before.path, tags: before.tags }, cfg) ??
        outsideDrill(incident, before.tags);
      if (why) {
        record.leftAlone = [
          ...record.leftAlone.filter((l) => `${l.kind}/${l.name}` !== key),
          { kind: target.kind, name: target.name, reason: why, before },
        ];
        await save(`${key} left alone: ${why} (its state is recorded)`);
        alone.push(why);
        continue;
      }
      if (incident.dryRun) {
        actions.push({
          name: "contain-principal",
          target: key,
          status: "skipped",
          detail: "dry run: no change made",
        });
        continue;
      }
      const outcome = await containPrincipal(
        iam,
        target,
        before,
        {
          incidentId,
          keys: params.keys,
          quarantine,
          deleteLoginProfile: params.deleteLoginProfile,
          cutoff,
          ...(record.principals[key] ? { previous: record.principals[key] } : {}),
          persist: async (r) => {
            record.principals[key] = r;
            await save(
              `${key}: state before containment recorded (${before.keys.length} keys, ${before.attachedPolicies.length} attached and ${before.inlinePolicies.length} inline policies, ${before.groups.length} groups)`,
            );
          },
        },
        count,
      );
      actions.push(...outcome.steps);
      figures.push({ target: key, calls: outcome.calls, rounds: outcome.rounds });
      if (outcome.status === "verified")
        contained.push(`${key}: verified in ${outcome.rounds} rounds, ${outcome.calls} calls`);
      else failures.push({ what: key, error: outcome.open.join("; ") || "a change failed" });
    } catch (err) {
      failures.push({ what: key, error: describeError(err) });
    }
  }
  return finish(
    incidentId,
    CONTAIN_PRINCIPAL_STEP,
    { incident, actions, failures, contained, alone, figures },
    deps,
    {
      principalContainment: record,
    },
  );
}

/** The principal a bucket's deny statement names: the one principal of the finding, if one. */
function bucketPrincipal(finding: Finding, partition: string): string | undefined {
  const { targets } = principalTargets(finding);
  return targets.length === 1 && targets[0] ? principalArn(targets[0], partition) : undefined;
}

async function containBuckets(incidentId: string, deps: PrincipalContainDeps): Promise<LaneSummary> {
  const incident = await deps.store.get(incidentId);
  const params = paramsOf(
    plannedAction(incident.plan, "contain-bucket") ?? { name: "", params: {}, requiresApproval: false },
    "contain-bucket",
  );
  const record: BucketContainment = BucketContainmentSchema.parse(
    (incident as { bucketContainment?: unknown }).bucketContainment ?? {},
  );
  const actions: ActionResult[] = [];
  const failures: { what: string; error: string }[] = [];
  const figures: LaneSummary["figures"] = [];
  const contained: string[] = [];
  const alone: string[] = [];
  const { s3 } = await deps.principalClientsFor(incident.account, incidentId);
  const save = (detail: string) =>
    deps.store.note(
      incidentId,
      { step: CONTAIN_BUCKET_STEP, status: "info", detail },
      { bucketContainment: record },
    );
  for (const r of incident.finding.resources.filter((x) => x.kind === "s3-bucket")) {
    if ((r.account && r.account !== incident.account) || !BUCKET_NAME.test(r.id)) {
      failures.push({
        what: "finding",
        error: `bucket ${JSON.stringify(r.id.slice(0, 70))} is not a bucket name of account ${incident.account}`,
      });
      continue;
    }
    const bucket = r.id;
    const partition = /^arn:([\w-]+):s3:::/.exec(r.arn ?? "")?.[1] ?? "aws";
    try {
      const count = new CallCount();
      const before = await readBucket(s3, bucket, incident.account, count);
      const listed = deps.policy.settings.protectedIds.some((e) => e === bucket || e === r.arn);
      const why =
        (bucket === deps.evidenceBucket ? "the responder's own evidence bucket" : undefined) ??
        (listed ? "protected (listed in protectedIds)" : undefined) ??
        protectedByTag(before.tags, deps) ??
        outsideDrill(incident, before.tags);
      if (why) {
        record.leftAlone = [...record.leftAlone.filter((l) => l.bucket !== bucket), { bucket, reason: why }];
        await save(`bucket ${bucket} left alone: ${why}`);
        alone.push(`bucket ${bucket}: ${why}`);
        continue;
      }
      if (incident.dryRun) {
        actions.push({
          name: "contain-bucket",
          target: bucket,
          status: "skipped",
          detail: "dry run: no change made",
        });
        continue;
      }
      const principal = params.denyPrincipal ? bucketPrincipal(incident.finding, partition) : undefined;
      const previous = record.buckets[bucket];
      const outcome = await containBucket(
        s3,
        {
          bucket,
          account: incident.account,
          sid: bucketSid(incidentId),
          ...(principal ? { principalArn: principal } : {}),
          before: previous?.before ?? before,
          containedAt: previous?.containedAt ?? nowIso(deps),
        },
        {
          incidentId,
          partition,
          persist: async (rec) => {
            record.buckets[bucket] = rec;
            await save(`bucket ${bucket}: Block Public Access and policy before containment recorded`);
          },
        },
        count,
      );
      actions.push(...outcome.steps);
      figures.push({ target: bucket, calls: outcome.calls, rounds: outcome.rounds });
      if (outcome.status === "verified")
        contained.push(
          `bucket ${bucket}: verified${principal ? "" : " (no single principal named: Block Public Access only)"}`,
        );
      else failures.push({ what: bucket, error: outcome.open.join("; ") || "a change failed" });
    } catch (err) {
      failures.push({ what: bucket, error: describeError(err) });
    }
  }
  return finish(
    incidentId,
    CONTAIN_BUCKET_STEP,
    { incident, actions, failures, contained, alone, figures },
    deps,
    {
      bucketContainment: record,
    },
  );
}

/** Records the step's end and alerts: contained, failed, or left alone (the `protected` alert). */
async function finish(
  incidentId: string,
  step: string,
  r: {
    incident: IncidentRecord;
    actions: ActionResult[];
    failures: { what: string; error: string }[];
    contained: string[];
    alone: string[];
    figures: LaneSummary["figures"];
  },
  deps: PrincipalContainDeps,
  set: Record<string, unknown>,
): Promise<LaneSummary> {
  const dry = r.incident.dryRun;
  const status: StepStatus = dry
    ? "skipped"
    : r.failures.length === 0 && r.alone.length === 0 && r.contained.length > 0
      ? "verified"
      : r.contained.length > 0
        ? "partial"
        : r.failures.length === 0 && r.alone.length > 0
          ? "skipped"
          : "failed";
  const detail = dry
    ? "dry run: no change made"
    : [...r.contained, ...r.alone.map((a) => `left alone: ${a}`)].join("; ") || "nothing contained";
  await deps.store.finishStep(incidentId, step, status, detail, {
    actions: r.actions,
    ...(r.failures.length ? { error: r.failures.map((f) => `${f.what}: ${f.error}`).join("; ") } : {}),
    set,
  });
  const updated = await deps.store.get(incidentId);
  if (r.alone.length) {
    await notify(deps, {
      stage: "protected",
      incident: updated,
      summary: `Left alone, NOT contained (${step}): ${r.alone.join("; ")}. The finding still stands: contain it by hand if it must be.`,
      leftToDo: ["Decide whether to contain by hand", `responder status ${incidentId}`],
    });
  }
  if (r.contained.length || r.failures.length || dry) {
    await notify(deps, {
      stage: status === "verified" || status === "skipped" ? "contained" : "containment-failed",
      incident: updated,
      summary:
        status === "verified"
          ? `Contained and verified (${step}): ${detail}.`
          : dry
            ? `Dry run: ${step} planned, nothing changed.`
            : `${step} is ${status}: ${detail}.`,
      done: r.actions.filter((a) => a.status === "ok"),
      failed: r.failures,
      leftToDo: r.failures.length
        ? ["Contain by hand what is still open", `responder status ${incidentId}`]
        : [],
    });
  }
  return { step, status, detail, figures: r.figures };
}
