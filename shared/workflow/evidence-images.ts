/**
 * The evidence lane's disk images (`image-disks`): once the snapshots have completed, each is
 * imaged through the EBS direct APIs into the evidence bucket (shared/evidence/image.ts), one
 * after another. Progress lives on the incident record under the step's claim: the checkpoint
 * after every part, each finished image's artifacts. An invocation near its end releases its
 * claim and puts `Evidence Continue` on the bus; the next invocation claims the step again and
 * continues from the last part (a lost event is re-driven by the schedule's resume of stalled
 * steps, which sees the released claim as lapsed).
 */
import type { EBSClient } from "@aws-sdk/client-ebs";
import { amiRootSnapshots } from "../actions/image-disks.ts";
import { paramsOf, plannedAction } from "../actions/index.ts";
import { IMAGE_STEP, SNAPSHOT_STEP } from "../actions/step-names.ts";
import { isNotImplemented } from "../aws/errors.ts";
import type { ActionResult, ActionStatus, StepStatus } from "../domain/types.ts";
import { describeError, UnsupportedError } from "../errors/index.ts";
import {
  archiveChangedBlocks,
  archiveImageDescription,
  diskImageArtifact,
  type ImageArchive,
  imageSnapshot,
  restoreCheckpoint,
} from "../evidence/image.ts";
import { EBS_BLOCK_BYTES, RecordedCheckpointSchema, recordedCheckpoint } from "../evidence/image-plan.ts";
import type { ArchiveStorageClass, ArtifactRecord } from "../evidence/manifest-schema.ts";
import { listChangedBlocks } from "../evidence/snapshot-blocks.ts";
import type { IncidentRecord, SnapshotRecord } from "../incident/model.ts";
import type { EvidenceClients, EvidenceDeps } from "./evidence-deps.ts";
import { endStep, runStep } from "./steps.ts";

/** The event an invocation that paused an image puts on the bus for the next one. */
export const CONTINUE_EVENT = "Evidence Continue";
/** How long an invocation images before it pauses: the evidence function's timeout is 600 s. */
export const IMAGE_WORK_MS = 480_000;
const MiB = 1024 * 1024;

const SNAPSHOT_DONE: StepStatus[] = ["ok", "partial", "failed", "skipped", "unsupported"];

/** Pure: the snapshot id an image artifact is of (`disk-images/<snapshot>.raw`). */
export function imagedSnapshotOf(artifact: Pick<ArtifactRecord, "name">): string | undefined {
  return /^disk-images\/(snap-[0-9a-f]+)\.raw$/.exec(artifact.name)?.[1];
}

/** The step's outcome from its results: every snapshot's image, its own status. */
export function imagesStatus(results: ActionResult[]): StepStatus {
  const count = (s: ActionStatus) => results.filter((r) => r.status === s).length;
  if (results.length === 0) return "skipped";
  if (count("ok") === results.length) return "ok";
  if (count("ok") > 0) return "partial";
  return count("failed") > 0 ? "failed" : "unsupported";
}

/**
 * Runs (or continues) the disk images when `image-disks` is planned and the snapshot step has
 * ended; does nothing otherwise, or when the step has ended or another worker holds it.
 */
export async function maybeImage(incidentId: string, deps: EvidenceDeps): Promise<void> {
  const incident = await deps.store.get(incidentId);
  const action = plannedAction(incident.plan, "image-disks");
  if (!action || action.requiresApproval) return;
  // Without snapshots planned there is nothing to wait for: the step ends skipped (and the
  // manifest, which waits for it, is not held up).
  const snapshotsPlanned = plannedAction(incident.plan, "capture-snapshots");
  if (
    snapshotsPlanned &&
    !snapshotsPlanned.requiresApproval &&
    !SNAPSHOT_DONE.includes(incident.steps[SNAPSHOT_STEP]?.status as StepStatus)
  )
    return;
  const step = incident.steps[IMAGE_STEP];
  if (step && step.status !== "running" && step.status !== "failed") return;
  const params = paramsOf(action, "image-disks");
  await runStep(deps, {
    incident,
    step: IMAGE_STEP,
    lane: "evidence",
    work: (claim) => imageDisks(incidentId, claim, params, deps),
    alerts: {
      stages: ["failed"],
      failure: {
        what: "disk images",
        leftToDo: [`responder image ${incidentId} <snapshotId> images one snapshot by hand`],
      },
    },
  });
}

async function imageDisks(
  incidentId: string,
  claim: string,
  params: { storageClass: ArchiveStorageClass; changedBlocks: boolean },
  deps: EvidenceDeps,
): Promise<void> {
  const incident = await deps.store.get(incidentId);
  const snapshots = (incident.evidence?.snapshots ?? []).filter((s) => s.state === "completed");
  if (incident.dryRun || snapshots.length === 0) {
    await endStep(deps, incidentId, IMAGE_STEP, {
      status: "skipped",
      detail: incident.dryRun
        ? "dry run: no image"
        : incident.steps[SNAPSHOT_STEP]
          ? "no completed snapshot to image"
          : "no snapshot step to image (capture-snapshots is not planned, or waits for approval)",
      claim,
    });
    return;
  }
  const clients = await deps.clientsFor(incident.account, incidentId);
  const parents = params.changedBlocks ? await rootParents(incident, clients) : new Map<string, string>();
  const started = Date.now();
  const pause = deps.imagePause ?? (() => Date.now() - started > IMAGE_WORK_MS);
  let images = [...(incident.evidence?.images ?? [])];
  const results: ActionResult[] = [];
  for (const snapshot of snapshots) {
    const done = images.find((a) => imagedSnapshotOf(a) === snapshot.snapshotId);
    if (done) {
      results.push(imageResult(snapshot, "ok", `sha256 ${done.sha256} (${done.size} bytes)`));
      continue;
    }
    try {
      const made = await imageOne(incident, snapshot, claim, params.storageClass, clients, deps, pause);
      if (made === "paused") return;
      const changed = await changedBlocksArtifact(
        incident,
        snapshot,
        parents.get(snapshot.volumeId),
        clients.ebs,
        deps,
      );
      images = [...images, ...made.artifacts, ...(changed.artifact ? [changed.artifact] : [])];
      await deps.store.progressStep(incidentId, IMAGE_STEP, claim, {
        set: { "evidence.images": images, "evidence.imageCheckpoint": null },
      });
      results.push(
        imageResult(snapshot, "ok", `${made.detail}${changed.detail ? `; ${changed.detail}` : ""}`),
      );
    } catch (err) {
      const unsupported = err instanceof UnsupportedError || isNotImplemented(err);
      results.push(imageResult(snapshot, unsupported ? "unsupported" : "failed", describeError(err)));
    }
  }
  const failed = results.filter((r) => r.status === "failed");
  await endStep(deps, incidentId, IMAGE_STEP, {
    status: imagesStatus(results),
    detail: `${results.filter((r) => r.status === "ok").length} of ${results.length} snapshots imaged, ${results.filter((r) => r.status === "unsupported").length} unsupported, ${failed.length} failed`,
    actions: results,
    claim,
    ...(failed.length
      ? {
          error: failed.map((f) => `${f.target}: ${f.detail}`).join("; "),
          alert: {
            stage: "failed",
            summary: "Evidence: some disk images could not be made. The snapshots themselves are kept.",
            failed: failed.map((f) => ({ what: `image of ${f.target}`, error: f.detail ?? "" })),
            leftToDo: failed.map((f) => `responder image ${incidentId} ${f.target}`),
          },
        }
      : {}),
  });
}

/** Where the lane archives an image's own artifacts. */
function archiveOf(incidentId: string, deps: EvidenceDeps): ImageArchive {
  return {
    s3: deps.s3,
    bucket: deps.bucket,
    incidentId,
    ...(deps.kmsKeyId ? { kmsKeyId: deps.kmsKeyId } : {}),
  };
}

function imageResult(snapshot: SnapshotRecord, status: ActionStatus, detail: string): ActionResult {
  return { name: "disk-image", target: snapshot.snapshotId, status, detail };
}

/** The AMI root snapshot of each root volume of the incident's instances. */
async function rootParents(incident: IncidentRecord, clients: EvidenceClients): Promise<Map<string, string>> {
  const ids = incident.finding.resources.filter((r) => r.kind === "ec2-instance").map((r) => r.id);
  const instances = await clients.instances.describe(ids);
  return amiRootSnapshots(clients.ec2, instances).catch(() => new Map<string, string>());
}

/** Images one snapshot (or continues its image): its artifacts, or `paused` after releasing the claim. */
async function imageOne(
  incident: IncidentRecord,
  snapshot: SnapshotRecord,
  claim: string,
  storageClass: ArchiveStorageClass,
  clients: { ebs: EBSClient },
  deps: EvidenceDeps,
  pause: () => boolean,
): Promise<"paused" | { artifacts: ArtifactRecord[]; detail: string }> {
  const { incidentId } = incident;
  const { snapshotId } = snapshot;
  const saved = RecordedCheckpointSchema.safeParse(incident.evidence?.imageCheckpoint);
  const checkpoint =
    saved.success && saved.data.snapshotId === snapshotId
      ? await restoreCheckpoint(deps.s3, deps.bucket, saved.data)
      : undefined;
  const outcome = await imageSnapshot({
    ebs: clients.ebs,
    s3: deps.s3,
    bucket: deps.bucket,
    incidentId,
    snapshotId,
    storageClass,
    ...(checkpoint ? { checkpoint } : {}),
    onCheckpoint: async (c) => {
      if (
        !(await deps.store.progressStep(incidentId, IMAGE_STEP, claim, {
          set: { "evidence.imageCheckpoint": recordedCheckpoint(c) },
        }))
      )
        throw new Error(`the ${IMAGE_STEP} step is no longer held by this worker`);
    },
    shouldPause: pause,
    ...(deps.now ? { now: deps.now } : {}),
  });
  if (outcome.status === "paused") {
    const c = outcome.checkpoint;
    const mib = ((c.blocksRead + c.zeroBlocks) * EBS_BLOCK_BYTES) / MiB;
    await deps.store.progressStep(incidentId, IMAGE_STEP, claim, {
      release: true,
      notes: [
        {
          step: IMAGE_STEP,
          status: "info",
          detail: `image of ${snapshotId}: ${c.parts.length} parts (${mib.toFixed(0)} MiB) so far; continues in the next invocation`,
        },
      ],
    });
    await deps.bus.emit(CONTINUE_EVENT, { incidentId, account: incident.account, step: IMAGE_STEP });
    return "paused";
  }
  const image = outcome.record;
  const description = await archiveImageDescription(archiveOf(incidentId, deps), image);
  return {
    artifacts: [diskImageArtifact(image), description],
    detail: `${image.key}: ${image.bytes} bytes, sha256 ${image.sha256}, ${image.blocksRead} blocks read, ${image.zeroBlocks} zero`,
  };
}

/** The blocks the root volume's snapshot changed since the AMI's, as an artifact, when it can be read. */
async function changedBlocksArtifact(
  incident: IncidentRecord,
  snapshot: SnapshotRecord,
  parent: string | undefined,
  ebs: EBSClient,
  deps: EvidenceDeps,
): Promise<{ artifact?: ArtifactRecord; detail?: string }> {
  if (!parent) return {};
  const { snapshotId } = snapshot;
  try {
    const changed = await listChangedBlocks(ebs, parent, snapshotId);
    const artifact = await archiveChangedBlocks(archiveOf(incident.incidentId, deps), changed);
    return { artifact, detail: `${changed.changed.length} block(s) changed since the AMI's ${parent}` };
  } catch (err) {
    // The image stands without it: the AMI's snapshot may be another account's, or gone.
    return { detail: `changed blocks since ${parent} not listed: ${describeError(err)}` };
  }
}
