/**
 * `capture-snapshots`: one crash-consistent `CreateSnapshots` of every volume of the instance,
 * tagged with the incident, locked (EBS snapshot lock) and optionally archived. Run by the
 * evidence lane (shared/workflow/evidence.ts); the manifest seals it.
 */
import * as z from "zod";
import { defineEvidenceAction } from "./evidence-lane.ts";
import { SNAPSHOT_STEP } from "./step-names.ts";

/** The EBS snapshot lock evidence snapshots get unless the policy says otherwise. */
export const DEFAULT_SNAPSHOT_LOCK = { mode: "governance", days: 30 } as const;

export const captureSnapshots = defineEvidenceAction({
  name: "capture-snapshots",
  summary: "crash-consistent EBS snapshots of every volume, tagged with the incident and locked",
  params: z.strictObject({
    /**
     * Lock the snapshots (EBS snapshot lock) for this many days, so that `ec2:DeleteSnapshot`
     * alone cannot destroy them. Default {@link DEFAULT_SNAPSHOT_LOCK}; `null` leaves them
     * unlocked.
     */
    lock: z
      .strictObject({
        mode: z.enum(["compliance", "governance"]),
        days: z.int().min(1).max(36_500),
      })
      .nullable()
      .default({ ...DEFAULT_SNAPSHOT_LOCK }),
    /** Move the snapshots to the EBS archive tier. */
    archiveTier: z.boolean().default(false),
  }),
  step: SNAPSHOT_STEP,
  modules: ["snapshots"],
  describe: ({ params, instances, contexts }) => [
    ...instances.flatMap((ctx) => {
      const id = ctx.resource.id;
      const volumes = ctx.volumeIds?.length ? ctx.volumeIds.join(", ") : "every attached volume";
      const calls = [`ec2:CreateSnapshots ${id} (crash-consistent: ${volumes}; tagged with the incident id)`];
      if (params.lock)
        calls.push(
          `ec2:LockSnapshot (each snapshot of ${id}: ${params.lock.mode} mode, ${params.lock.days} days)`,
        );
      if (params.archiveTier) calls.push(`ec2:ModifySnapshotTier (each snapshot of ${id} → archive)`);
      return calls;
    }),
    ...contexts
      .filter((c) => c.resource.kind === "ec2-volume" && c.exists)
      .map((c) => `ec2:CreateSnapshot ${c.resource.id} (tagged with the incident id)`),
  ],
});
