/**
 * The lanes and the steps they record on an incident (its step map and timeline), with how long
 * a step's claim lasts. The vocabulary the actions (./index.ts) are built from: light, so that
 * every function may name a step without bundling the lane that runs it.
 */

/** Containment of instances (the contain function). */
export const CONTAIN_STEP = "contain";
/** Evidence snapshots (the evidence function). */
export const SNAPSHOT_STEP = "snapshots";
/** Evidence artifacts (the evidence function). */
export const ARTIFACT_STEP = "artifacts";
/** Raw disk images of the evidence snapshots (the evidence function; may span invocations). */
export const IMAGE_STEP = "disk-images";
/** The manifest, written once every capture of the evidence lane has ended. */
export const MANIFEST_STEP = "manifest";
/** The clean room's launch (the cleanroom function). */
export const CLEANROOM_STEP = "cleanroom";
/** The clean room's teardown. */
export const CLEANROOM_DESTROY_STEP = "cleanroom-destroy";

/** The functions that run lanes, and triage, which opens incidents. */
export type FunctionName = "triage" | "contain" | "evidence" | "cleanroom" | "intake";

/** A lane: the function that runs it and the lease of its claims. */
export interface Lane {
  function: FunctionName;
  /**
   * How long a claim keeps other workers away from a step: longer than the function's timeout
   * (serverless.yml; a unit test holds them together), so that a live worker never loses its
   * claim, and not much longer, so that the retry of a worker that timed out or crashed can
   * take the step again. A claim nobody takes again is re-driven by the schedule
   * (workflow/resume.ts).
   */
  leaseMs: number;
}

/** The lanes, by name. */
export const LANES = {
  triage: { function: "triage", leaseMs: 150_000 },
  contain: { function: "contain", leaseMs: 150_000 },
  evidence: { function: "evidence", leaseMs: 630_000 },
  cleanroom: { function: "cleanroom", leaseMs: 150_000 },
} as const satisfies Record<string, Lane>;
export type LaneName = keyof typeof LANES;

/** The lease of each lane's claims, by function (what claims outside `runStep` pass). */
export const LEASE_MS = {
  triage: LANES.triage.leaseMs,
  contain: LANES.contain.leaseMs,
  evidence: LANES.evidence.leaseMs,
  cleanroom: LANES.cleanroom.leaseMs,
} as const;

/** Every step of an incident in the order of the flow, with its label for people and its lane. */
export const STEPS: readonly { step: string; label: string; lane: LaneName }[] = [
  { step: "triage", label: "Triage", lane: "triage" },
  { step: CONTAIN_STEP, label: "Containment", lane: "contain" },
  { step: "contain-principal", label: "Principal containment", lane: "contain" },
  { step: "contain-bucket", label: "Bucket containment", lane: "contain" },
  { step: SNAPSHOT_STEP, label: "Snapshots", lane: "evidence" },
  { step: ARTIFACT_STEP, label: "Artifacts", lane: "evidence" },
  { step: IMAGE_STEP, label: "Disk images", lane: "evidence" },
  { step: MANIFEST_STEP, label: "Manifest", lane: "evidence" },
  { step: CLEANROOM_STEP, label: "Clean room", lane: "cleanroom" },
];
