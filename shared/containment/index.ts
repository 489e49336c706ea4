/**
 * EC2 containment: complete, verified, reversible isolation of an instance.
 *
 * - {@link containInstance}: protect the evidence, isolate every network interface (untracking
 *   group, then isolation group), detach Elastic IPs, swap the instance profile, take the
 *   instance out of its Auto Scaling group and target groups, tag it, verify by reading back.
 * - {@link releaseInstance}: put it back from the recorded pre-isolation state.
 * - {@link ensureIsolationGroups}: the responder's security groups of a VPC;
 *   {@link EarlyGroupCreation}: those triage found missing, created in containment's first round.
 * - {@link describeContainmentCalls}: the exact calls a containment would make (pure).
 */
export { CONTAINMENT_PERMISSIONS, MUTATING_ACTIONS } from "./calls.ts";
export { containInstance } from "./contain.ts";
export { EarlyGroupCreation, ensureIsolationGroups } from "./groups.ts";
export type { InstanceSubject, RawObservation } from "./observe.ts";
export { buildSubject, observeInstance } from "./observe.ts";
export type { ContainmentPlan, PlannedCall, PlannedStep, PlanOptions } from "./plan.ts";
export { describeContainmentCalls, formatCall, planContainment } from "./plan.ts";
export { releaseInstance } from "./release.ts";
export type {
  ContainmentClients,
  ContainmentOutcome,
  ContainmentStatus,
  ContainOptions,
  ElasticIpRecord,
  InterfaceRecord,
  PreIsolationState,
  ReleaseOptions,
  ReleaseOutcome,
  ReleaseStatus,
  TargetRecord,
  Verification,
} from "./schema.ts";
export { GROUP_NAME, PreIsolationStateSchema, TAG } from "./schema.ts";
export { CallTracker } from "./tracker.ts";
