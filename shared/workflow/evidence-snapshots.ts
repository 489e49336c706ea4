/**
 * The evidence lane's snapshot step (workflow/evidence.ts runs it beside the artifacts).
 */
import type { EC2Client, Instance } from "@aws-sdk/client-ec2";
import type { CaptureSnapshotsParams } from "../actions/index.ts";
import { SNAPSHOT_STEP } from "../actions/step-names.ts";
import {
  archiveSnapshots,
  captureSnapshots,
  lockDetail,
  lockSnapshots,
  lockStatus,
} from "../capture/snapshots.ts";
import type { ActionResult, StepStatus } from "../domain/types.ts";
import { describeError } from "../errors/index.ts";
import type { IncidentRecord, SnapshotRecord } from "../incident/model.ts";
import { type BaseDeps, nowIso } from "./deps.ts";
import { endStep } from "./steps.ts";

type TimelineEntryInput = Parameters<BaseDeps["store"]["note"]>[1];

/**
 * The snapshot step: crash-consistent snapshots of each instance's volumes, tagged with the
 * incident; locked and archived as the plan says. Ends the step `waiting` while EBS has not
 * completed them (the completion event brings the lane back).
 */
export async function takeSnapshots(
  incident: IncidentRecord,
  instances: Instance[],
  ec2: EC2Client,
  deps: BaseDeps,
  params: CaptureSnapshotsParams,
): Promise<void> {
  const id = incident.incidentId;
  const results: ActionResult[] = [];
  const snapshots: SnapshotRecord[] = [];
  const errors: string[] = [];
  for (const r of incident.finding.resources.filter((x) => x.kind === "ec2-instance")) {
    if (!instances.some((i) => i.InstanceId === r.id)) {
      results.push({
        name: "snapshot",
        target: r.id,
        status: "skipped",
        detail: "instance not found: nothing to snapshot",
      });
    }
  }
  await Promise.all(
    instances.map(async (inst) => {
      try {
        const capture = await captureSnapshots(
          ec2,
          {
            instanceId: inst.InstanceId ?? "",
            volumes: (inst.BlockDeviceMappings ?? [])
              .filter((b) => b.Ebs?.VolumeId)
              .map((b) => ({
                volumeId: b.Ebs?.VolumeId ?? "",
                ...(b.DeviceName ? { deviceName: b.DeviceName } : {}),
              })),
          },
          {
            incidentId: id,
            findingType: incident.finding.type,
            capturedAt: nowIso(deps),
            dryRun: incident.dryRun,
          },
        );
        results.push(...capture.results);
        snapshots.push(...capture.snapshots);
      } catch (err) {
        errors.push(`${inst.InstanceId}: ${describeError(err)}`);
        results.push({
          name: "snapshot",
          target: inst.InstanceId ?? "",
          status: "failed",
          detail: describeError(err),
        });
      }
    }),
  );
  // Locked by default (policy `lock`, governance 30 days): `ec2:DeleteSnapshot` alone can then
  // not destroy the evidence disks. Where the endpoint lacks LockSnapshot, `unsupported`.
  const lock = params.lock;
  let lockNote: TimelineEntryInput | undefined;
  if (lock && snapshots.length && !incident.dryRun) {
    const locked = await lockSnapshots(
      ec2,
      snapshots.map((s) => s.snapshotId),
      lock,
    );
    results.push(...locked);
    lockNote = { step: "snapshot-lock", status: lockStatus(locked), detail: lockDetail(locked, lock) };
  }
  const complete = snapshots.length > 0 && snapshots.every((s) => s.state === "completed");
  const status: StepStatus = incident.dryRun
    ? "skipped"
    : errors.length
      ? snapshots.length
        ? "partial"
        : "failed"
      : snapshots.length === 0
        ? "skipped"
        : complete
          ? "ok"
          : "waiting";
  const detail =
    status === "waiting"
      ? `${snapshots.length} snapshots started; waiting for EBS completion events`
      : `${snapshots.length} snapshots${complete ? " completed" : ""}${errors.length ? `; failed: ${errors.join("; ")}` : ""}`;
  await endStep(deps, id, SNAPSHOT_STEP, {
    status,
    detail,
    actions: results,
    ...(errors.length ? { error: errors.join("; ") } : {}),
    set: { "evidence.snapshots": snapshots },
    ...(lockNote ? { notes: [lockNote] } : {}),
    ...(status === "failed" || status === "partial"
      ? {
          alert: {
            stage: "failed",
            summary: `Evidence: snapshots ${status}. Containment is not affected.`,
            failed: errors.map((e) => ({ what: "snapshot", error: e })),
            leftToDo: [
              "Take the missing snapshots by hand (ec2:CreateSnapshots) and tag them with the incident id",
            ],
          },
        }
      : {}),
  });
  if (complete && params.archiveTier) {
    await deps.store.note(id, { step: "snapshot-archive-tier", status: "info", detail: "requested" });
    const tier = await archiveSnapshots(
      ec2,
      snapshots.map((s) => s.snapshotId),
    );
    await deps.store.note(id, {
      step: "snapshot-archive-tier",
      status: tier.every((t) => t.status === "ok") ? "ok" : (tier[0]?.status ?? "skipped"),
      detail: tier.map((t) => `${t.target}: ${t.status}`).join("; "),
    });
  }
}
