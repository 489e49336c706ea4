/**
 * Release: puts an isolated instance back as it was before isolation, from the recorded
 * pre-isolation state — security groups on every interface, Elastic IPs, instance profile,
 * Auto Scaling membership, target groups, evidence protection — and reads it back.
 *
 * It refuses (status `refused`, with the differences) when the instance changed since
 * isolation in a way that makes the record unsafe to apply — an interface added or gone,
 * groups that are neither the isolation group nor the recorded ones, another profile, an
 * Elastic IP now used elsewhere, another incident's tag — unless `force` is set.
 */
import type { ActionResult } from "../domain/types.ts";
import { execute } from "./calls.ts";
import { observeInstance, verificationReads } from "./read.ts";
import {
  type ContainmentClients,
  type PreIsolationState,
  PreIsolationStateSchema,
  type ReleaseOptions,
  type ReleaseOutcome,
} from "./record-schema.ts";
import { evaluateRelease, planRelease, releaseDifferences } from "./release-plan.ts";
import { isGone, type SubjectTargetGroup } from "./subject.ts";
import { CallTracker } from "./tracker.ts";
import { formatCall, type PlannedCall, type PlannedStep } from "./vocabulary.ts";

/**
 * Restores an isolated instance from its pre-isolation record and verifies it. Refuses
 * (status `refused`, nothing changed) when the instance changed since isolation, unless
 * `force`. Never throws for an AWS error.
 */
export async function releaseInstance(
  instanceId: string,
  pre: PreIsolationState,
  clients: ContainmentClients,
  opts: ReleaseOptions,
): Promise<ReleaseOutcome> {
  const tracker = new CallTracker();
  const base = { instanceId, steps: [] as ActionResult[], verification: { ok: false, open: [] as string[] } };
  const done = (o: Omit<ReleaseOutcome, "rounds" | "calls">): ReleaseOutcome => ({
    ...o,
    rounds: tracker.rounds,
    calls: tracker.calls,
  });
  const parsed = PreIsolationStateSchema.safeParse(pre);
  if (!parsed.success || pre.instanceId !== instanceId)
    return done({
      ...base,
      status: "refused",
      differences: [
        parsed.success
          ? `the record is of ${pre.instanceId}, not ${instanceId}`
          : `invalid pre-isolation record: ${parsed.error.message}`,
      ],
    });

  const subject = await observeInstance(instanceId, clients, tracker);
  if (!subject.instance.ok)
    return done({
      ...base,
      status: "failed",
      differences: [],
      verification: { ok: false, open: [`instance state unknown: ${subject.instance.error}`] },
    });
  if (!subject.instance.value.exists) return done({ ...base, status: "not-found", differences: [] });
  if (isGone(subject.state)) return done({ ...base, status: "terminated", differences: [] });

  const differences = releaseDifferences(subject, pre, opts);
  if (differences.length && !opts.force) return done({ ...base, status: "refused", differences });

  const steps = planRelease(subject, pre, (opts.now ?? (() => new Date()))().toISOString());
  const results = new Map<PlannedStep, ActionResult>();
  const noGroups = () => ({ ok: false as const, error: "release uses no managed group", unsupported: false });
  await tracker.round(
    steps.map((st) => async (lane) => {
      results.set(st, await execute(lane, clients, st, noGroups, opts.dryRun));
    }),
  );
  const reported = steps.map((st) => results.get(st) as ActionResult);
  if (opts.dryRun)
    return done({
      instanceId,
      status: "dry-run",
      differences,
      steps: reported,
      verification: {
        ok: false,
        open: steps.filter((s) => s.call).map((s) => `to restore: ${formatCall(s.call as PlannedCall)}`),
      },
    });

  const tgs: SubjectTargetGroup[] = [...new Set(pre.targetGroups.map((t) => t.targetGroupArn))].map(
    (arn) => ({
      arn,
      targetType: pre.targetGroups.some((t) => t.targetGroupArn === arn && t.targetId) ? "ip" : "instance",
    }),
  );
  const privateIps = subject.interfaces.flatMap((i) => i.privateIps);
  const reads = verificationReads(clients, instanceId, [], tgs, privateIps);
  await tracker.round(reads.tasks);
  const verification = evaluateRelease(reads.readback(), pre);
  const failed = reported.some((r) => r.status === "failed" || r.status === "unsupported");
  return done({
    instanceId,
    status: verification.ok && !failed ? "released" : "failed",
    differences,
    steps: reported,
    verification,
  });
}
