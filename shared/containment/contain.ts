/**
 * Complete, verified, reversible isolation of one EC2 instance.
 *
 * Critical path (when the VPC's managed groups exist): round 1 reads everything that needs
 * only the instance id; round 2 moves every interface to the all-open untracking group while
 * evidence protection, Elastic IP disassociation, the profile swap, Auto Scaling standby,
 * tagging and the target-health reads run beside it; round 3 moves every interface to the
 * isolation group while the deregistrations run. Then one round of verification reads
 * (with StopInstances when asked) and one of final tagging. Missing or altered groups add
 * their preparation before the swaps, counted in `rounds`: one round when they exist or were
 * created beside round 1 (`earlyGroups`: 4 rounds to isolation), two when they must be
 * created after it (5).
 */
import type { ActionResult } from "../domain/types.ts";
import { describeError } from "../errors/index.ts";
import { execute, type GroupResolver } from "./calls.ts";
import { finalTagStep, planContainment, planDeregistrations } from "./contain-plan.ts";
import { adoptCreated, managedGroup, vpcsOf } from "./group-rules.ts";
import { prepareGroupStep } from "./groups.ts";
import { evaluateIsolation, readbackFromSubject, targetGroupListing } from "./isolation-check.ts";
import { observeInstance, readRegistrations, verificationReads } from "./read.ts";
import { recordPreIsolation } from "./record.ts";
import type { ContainmentClients, ContainmentOutcome, ContainOptions } from "./record-schema.ts";
import {
  candidateTargetGroups,
  type TargetHealth as Health,
  type InstanceSubject,
  isGone,
  type Registration,
} from "./subject.ts";
import { blocked, CallTracker, type Known, known, type Task } from "./tracker.ts";
import type { Phase, PlannedStep } from "./vocabulary.ts";

/**
 * Isolates an instance and verifies it by reading the state back. Never throws for an AWS
 * error: a sub-step that fails is reported as `failed` (or `unsupported`) and the others go
 * on; the outcome is `verified` only when nothing is left open.
 */
export async function containInstance(
  instanceId: string,
  clients: ContainmentClients,
  opts: ContainOptions,
): Promise<ContainmentOutcome> {
  const now = opts.now ?? (() => new Date());
  const tracker = new CallTracker();
  const creation = opts.dryRun ? undefined : opts.earlyGroups;
  const subject = await observeInstance(instanceId, clients, tracker, creation ? [creation.task()] : []);
  const early = earlyOutcome(subject, tracker);
  if (early) return early;

  const planned = planContainment(subject, { ...opts, now: now().toISOString() });
  const plan = creation
    ? { ...planned, groups: adoptCreated(planned.groups, await creation.results()) }
    : planned;
  const privateIps = subject.interfaces.flatMap((i) => i.privateIps);
  const health: Health[] = [];
  const readHealth: Task[] = candidateTargetGroups(subject).map((tg) => async (lane) => {
    health.push({
      targetGroup: tg,
      registrations: await readRegistrations(lane, clients.elbv2, tg, instanceId, privateIps),
    });
  });

  // The group of each VPC and role, as found in round 1 and then prepared.
  const found = subject.groups.ok ? subject.groups.value : [];
  const groupIds = new Map<string, Known<string>>();
  const key = (vpcId: string, role: string) => `${vpcId}|${role}`;
  for (const vpcId of vpcsOf(subject))
    for (const role of ["untracking", "isolation"] as const) {
      const g = managedGroup(found, vpcId, role);
      if (g) groupIds.set(key(vpcId, role), known(g.groupId));
    }
  const resolve: GroupResolver = (ref) =>
    groupIds.get(key(ref.vpcId, ref.role)) ?? { ok: false, error: "not prepared", unsupported: false };

  const results = new Map<PlannedStep, ActionResult>();
  const run = (steps: PlannedStep[]): Task[] =>
    steps.map((st) => async (lane) => {
      results.set(st, await execute(lane, clients, st, resolve, opts.dryRun));
    });
  const phase = (p: Phase) => plan.steps.filter((s) => s.phase === p);

  if (opts.dryRun) {
    await tracker.round(readHealth);
    const dereg = planDeregistrations(subject, sortHealth(health));
    await tracker.round(run([...plan.steps, ...dereg]));
    const groupSteps: ActionResult[] = plan.groups.map((g) => ({
      name: `network:${g.role}-group`,
      target: g.vpcId,
      status: "skipped",
      detail: `dry run: ${g.create ? `create ${g.create.input.GroupName} in ${g.vpcId}` : `fix the rules of ${g.groupId}`}${
        g.rules.length ? ` (${g.rules.map((r) => r.operation).join(", ")})` : ""
      }`,
    }));
    const record = recordPreIsolation(subject, registrationsOf(health), opts, now().toISOString());
    const verification = evaluateIsolation(
      readbackFromSubject(subject, sortHealth(health), isolationIds(groupIds)),
      {
        isolationGroups: isolationByVpc(subject, groupIds, key),
        ...(opts.isolationProfileArn ? { isolationProfileArn: opts.isolationProfileArn } : {}),
      },
    );
    return {
      instanceId,
      status: "dry-run",
      steps: [recordStep(instanceId, record), ...groupSteps, ...ordered(plan.steps, dereg, results)],
      ...(record.state ? { preIsolation: record.state } : {}),
      verification,
      rounds: tracker.rounds,
      totalRounds: tracker.rounds,
      calls: tracker.calls,
    };
  }

  const groupResults: ActionResult[] = [];
  const prepare: Task[] = plan.groups.map((prep, i) => async (lane) => {
    const r = await prepareGroupStep(lane, clients.ec2, prep);
    groupResults[i] = r.result;
    groupIds.set(
      key(prep.vpcId, prep.role),
      r.groupId
        ? known(r.groupId)
        : { ok: false, error: r.result.detail, unsupported: r.result.status === "unsupported" },
    );
  });
  const needsPreparation = plan.groups.length > 0;

  // The pre-isolation state, kept beside the first changes (round 2) and again, with the
  // registrations read in round 2, beside the deregistrations (round 3).
  const capturedAt = now().toISOString();
  const persistErrors: string[] = [];
  const persist = (registrations: Registration[]): Task[] => {
    const state = recordPreIsolation(subject, registrations, opts, capturedAt).state;
    const save = opts.persist;
    if (!state || !save) return [];
    return [
      async () => {
        await save(state).catch((err: unknown) => persistErrors.push(describeError(err)));
      },
    ];
  };

  // Round 2: the untracking swap (unless groups must be prepared first) beside everything that needs nothing else.
  await tracker.round([
    ...persist([]),
    ...run(phase("early")),
    ...prepare,
    ...readHealth,
    ...(needsPreparation ? [] : run(phase("untrack"))),
  ]);
  const dereg = planDeregistrations(subject, sortHealth(health));
  // Round 3: the isolation swap (or the untracking one, after preparation) beside the deregistrations.
  await tracker.round([
    ...(dereg.some((st) => st.call) ? persist(registrationsOf(health)) : []),
    ...run(dereg),
    ...run(needsPreparation ? phase("untrack") : phase("isolate")),
  ]);
  if (needsPreparation) await tracker.round(run(phase("isolate")));
  await repairStranded(tracker, clients, plan.steps, results, resolve);
  const rounds = tracker.rounds;

  // Verification reads, beside StopInstances when asked.
  const tgsToCheck = sortHealth(health)
    .filter((h) => !h.registrations.ok || h.registrations.value.length > 0)
    .map((h) => h.targetGroup);
  const verify = verificationReads(clients, instanceId, isolationIds(groupIds), tgsToCheck, privateIps);
  await tracker.round([...verify.tasks, ...run(phase("stop"))]);
  const verification = evaluateIsolation(
    {
      ...verify.readback(),
      ...targetGroupListing(subject),
    },
    {
      isolationGroups: isolationByVpc(subject, groupIds, key),
      ...(opts.isolationProfileArn ? { isolationProfileArn: opts.isolationProfileArn } : {}),
    },
  );

  // Final round: the state tag says what verification found; stop protection after the stop.
  const finalTag = finalTagStep(subject, opts, verification.ok);
  await tracker.round(run([...phase("final"), finalTag]));

  const record = recordPreIsolation(subject, registrationsOf(health), opts, capturedAt);
  const kept = persistErrors.length
    ? `; could not be kept before the changes: ${persistErrors.join("; ")}`
    : opts.persist && record.state
      ? "; kept before the first change"
      : "";
  return {
    instanceId,
    status: verification.ok ? "verified" : "failed",
    steps: [
      recordStep(instanceId, { ...record, note: `${record.note}${kept}` }),
      ...groupResults,
      ...ordered(plan.steps, dereg, results),
      ...(results.get(finalTag) ? [results.get(finalTag) as ActionResult] : []),
    ],
    ...(record.state ? { preIsolation: record.state } : {}),
    verification,
    rounds,
    totalRounds: tracker.rounds,
    calls: tracker.calls,
  };
}

/**
 * An interface moved to the all-open untracking group whose isolation swap then failed is
 * more exposed than before: one more attempt, and failing that, back to its own groups.
 */
async function repairStranded(
  tracker: CallTracker,
  clients: ContainmentClients,
  steps: PlannedStep[],
  results: Map<PlannedStep, ActionResult>,
  resolve: GroupResolver,
): Promise<void> {
  const untracked = new Set(
    steps
      .filter((st) => st.name === "network:untracking" && results.get(st)?.status === "ok")
      .map((st) => st.target),
  );
  const stranded = steps.filter(
    (st) => st.name === "network:isolation" && untracked.has(st.target) && results.get(st)?.status !== "ok",
  );
  if (stranded.length === 0) return;
  await tracker.round(
    stranded.map((st) => async (lane) => {
      const first = results.get(st) as ActionResult;
      const again = await execute(lane, clients, st, resolve, false);
      if (again.status === "ok") {
        results.set(st, { ...again, detail: `${again.detail} (second attempt; first: ${first.detail})` });
        return;
      }
      const previous = (st.data?.previousGroups ?? []) as string[];
      const revert: PlannedStep = {
        name: "network:revert",
        target: st.target,
        phase: "isolate",
        call: {
          service: "ec2",
          operation: "ModifyNetworkInterfaceAttribute",
          input: { NetworkInterfaceId: st.target, Groups: previous },
        },
      };
      const back =
        previous.length > 0
          ? await execute(lane, clients, revert, resolve, false)
          : { status: "failed", detail: "its previous groups are unknown" };
      results.set(st, {
        ...again,
        detail: `${again.detail}; failed twice, so the interface was ${
          back.status === "ok"
            ? `put back on its own groups ${previous.join(", ")}`
            : `left on the untracking group (revert failed: ${back.detail})`
        }`,
        data: { ...again.data, reverted: back.status === "ok" },
      });
    }),
  );
}

/** The outcome when there is nothing to contain (or no way to know). */
function earlyOutcome(subject: InstanceSubject, tracker: CallTracker): ContainmentOutcome | undefined {
  const base = {
    instanceId: subject.instanceId,
    rounds: tracker.rounds,
    totalRounds: tracker.rounds,
    calls: tracker.calls,
  };
  if (!subject.instance.ok)
    return {
      ...base,
      status: "failed",
      steps: [
        blocked("observe:instance", subject.instanceId, "could not describe the instance", subject.instance),
      ],
      verification: { ok: false, open: [`instance state unknown: ${subject.instance.error}`] },
    };
  if (!subject.instance.value.exists)
    return {
      ...base,
      status: "not-found",
      steps: [
        {
          name: "observe:instance",
          target: subject.instanceId,
          status: "skipped",
          detail: "instance not found",
        },
      ],
      verification: { ok: false, open: [] },
    };
  if (isGone(subject.state))
    return {
      ...base,
      status: "terminated",
      steps: [
        {
          name: "observe:instance",
          target: subject.instanceId,
          status: "skipped",
          detail: `instance is ${subject.state}: nothing to contain`,
        },
      ],
      verification: { ok: false, open: [] },
    };
  return undefined;
}

function recordStep(instanceId: string, record: { state?: unknown; note: string }): ActionResult {
  return {
    name: "record:pre-isolation",
    target: instanceId,
    status: record.state ? "ok" : "skipped",
    detail: record.note,
  };
}

function sortHealth(health: Health[]): Health[] {
  return [...health].sort((a, b) => a.targetGroup.arn.localeCompare(b.targetGroup.arn));
}

function registrationsOf(health: Health[]): Registration[] {
  return sortHealth(health).flatMap((h) => (h.registrations.ok ? h.registrations.value : []));
}

/** The isolation groups found or prepared. */
function isolationIds(groupIds: Map<string, Known<string>>): string[] {
  return [...groupIds.entries()].flatMap(([k, v]) => (k.endsWith("|isolation") && v.ok ? [v.value] : []));
}

function isolationByVpc(
  subject: InstanceSubject,
  groupIds: Map<string, Known<string>>,
  key: (vpcId: string, role: string) => string,
): Record<string, Known<string>> {
  const out: Record<string, Known<string>> = {};
  for (const vpcId of vpcsOf(subject))
    out[vpcId] = groupIds.get(key(vpcId, "isolation")) ?? {
      ok: false,
      error: "no managed isolation group",
      unsupported: false,
    };
  return out;
}

/** Results in plan order, the deregistrations after the Auto Scaling step. */
function ordered(
  steps: PlannedStep[],
  dereg: PlannedStep[],
  results: Map<PlannedStep, ActionResult>,
): ActionResult[] {
  const out: ActionResult[] = [];
  const push = (st: PlannedStep) => {
    const r = results.get(st);
    if (r) out.push(r);
  };
  for (const st of steps) {
    push(st);
    if (st.name === "fleet:auto-scaling") dereg.forEach(push);
  }
  return out;
}
