/**
 * The names of the lanes' steps on the incident (its step map and timeline). Kept apart from
 * the lanes so that a module naming a step (the resume of stalled lanes) does not bundle them.
 */
export const CONTAIN_STEP = "contain";
export const SNAPSHOT_STEP = "snapshots";
export const ARTIFACT_STEP = "artifacts";
export const MANIFEST_STEP = "manifest";
