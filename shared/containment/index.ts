/**
 * EC2 containment: complete, verified, reversible isolation of an instance. In layers, each
 * importing only those below it:
 *
 * 1. ./vocabulary.ts: tags, names, group roles, planned calls and steps; ./tracker.ts: rounds
 *    and lanes of calls; ./schema.ts: the pre-isolation record, options and outcomes.
 * 2. ./subject.ts: the description of an instance and of its state read back (pure), and
 *    ./read.ts: every Describe call, made once each in the first round or in verification.
 * 3. The pure planner: ./rules.ts (the managed groups), ./plan.ts (containment), ./record.ts
 *    (the pre-isolation record), ./verify.ts (what is still open), ./release-plan.ts
 *    (release), ./describe.ts (the calls for dry runs and `responder plan`).
 * 4. The executor: ./calls.ts (planned calls made) and ./groups.ts (the managed groups made).
 * 5. {@link containInstance} (./contain.ts) and {@link releaseInstance} (./release.ts).
 */
export { MUTATING_ACTIONS } from "./calls.ts";
export { containInstance } from "./contain.ts";
export { describeContainmentCalls } from "./describe.ts";
export { EarlyGroupCreation, ensureIsolationGroups } from "./groups.ts";
export { observeInstance } from "./read.ts";
export type {
  ContainmentClients,
  ContainmentOutcome,
  ContainOptions,
  PreIsolationState,
  ReleaseOutcome,
} from "./record-schema.ts";
export { PreIsolationStateSchema } from "./record-schema.ts";
export { releaseInstance } from "./release.ts";
export type { RawObservation } from "./subject.ts";
export { buildSubject } from "./subject.ts";
export { CallTracker } from "./tracker.ts";
export { GROUP_NAME, TAG } from "./vocabulary.ts";
