/**
 * The response actions a playbook may name, and the schema of each one's parameters.
 * Action modules reuse these schemas; the policy loader validates against them.
 */
import * as z from "zod";

/** Isolate an EC2 instance (every network interface, identity, Auto Scaling, load balancers). */
export const ContainInstanceParamsSchema = z.strictObject({
  /** Stop the instance after isolating it (loses memory evidence). */
  stopInstance: z.boolean().default(false),
  /** How to take the instance out of its Auto Scaling group. */
  asgMode: z.enum(["standby", "detach"]).default("standby"),
  /** Also enable stop protection (DisableApiStop). */
  stopProtection: z.boolean().default(false),
});
export type ContainInstanceParams = z.infer<typeof ContainInstanceParamsSchema>;

/** The EBS snapshot lock evidence snapshots get unless the policy says otherwise. */
export const DEFAULT_SNAPSHOT_LOCK = { mode: "governance", days: 30 } as const;

/** Crash-consistent snapshots of every volume of the instance. */
export const CaptureSnapshotsParamsSchema = z.strictObject({
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
});
export type CaptureSnapshotsParams = z.infer<typeof CaptureSnapshotsParamsSchema>;

/** Volatile and configuration artifacts, stored in the evidence bucket. */
export const CollectArtifactsParamsSchema = z.strictObject({
  storageClass: z.enum(["STANDARD", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR"]).optional(),
});
export type CollectArtifactsParams = z.infer<typeof CollectArtifactsParamsSchema>;

/** A per-incident forensic workspace built from the evidence snapshots. */
export const LaunchCleanroomParamsSchema = z.strictObject({});
export type LaunchCleanroomParams = z.infer<typeof LaunchCleanroomParamsSchema>;

/** An SNS alert. */
export const NotifyParamsSchema = z.strictObject({});
export type NotifyParams = z.infer<typeof NotifyParamsSchema>;

/** Every action name the responder knows, in the order they are documented. */
export const ACTION_NAMES = [
  "contain-instance",
  "capture-snapshots",
  "collect-artifacts",
  "launch-cleanroom",
  "notify",
] as const;
export type ActionName = (typeof ACTION_NAMES)[number];

/** The parameter schema of each action. */
export const ACTION_PARAM_SCHEMAS = {
  "contain-instance": ContainInstanceParamsSchema,
  "capture-snapshots": CaptureSnapshotsParamsSchema,
  "collect-artifacts": CollectArtifactsParamsSchema,
  "launch-cleanroom": LaunchCleanroomParamsSchema,
  notify: NotifyParamsSchema,
} as const satisfies Record<ActionName, z.ZodType>;

/** Parameters of each action, after defaults. */
export interface ActionParams {
  "contain-instance": ContainInstanceParams;
  "capture-snapshots": CaptureSnapshotsParams;
  "collect-artifacts": CollectArtifactsParams;
  "launch-cleanroom": LaunchCleanroomParams;
  notify: NotifyParams;
}

/** True when `name` is an action the responder knows. */
export function isActionName(name: string): name is ActionName {
  return (ACTION_NAMES as readonly string[]).includes(name);
}
