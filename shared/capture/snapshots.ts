/**
 * Forensic EBS snapshots: one crash-consistent CreateSnapshots call for all volumes of an
 * instance (root included), tagged explicitly with the incident, instance, device, finding
 * type and time; per-volume CreateSnapshot where the multi-volume call is refused. Never
 * twice for the same instance and incident: existing snapshots are found by their tags.
 */
import {
  CreateSnapshotCommand,
  CreateSnapshotsCommand,
  CreateTagsCommand,
  DescribeSnapshotsCommand,
  type EC2Client,
  LockSnapshotCommand,
  ModifySnapshotTierCommand,
  type Snapshot,
  type Tag,
} from "@aws-sdk/client-ec2";
import { isNotImplemented } from "../aws/errors.ts";
import type { ActionResult, StepStatus } from "../domain/types.ts";
import { describeError } from "../errors/index.ts";
import type { SnapshotRecord } from "../incident/model.ts";

export const TAG = {
  incident: "incident-responder:incident-id",
  instance: "incident-responder:instance-id",
  device: "incident-responder:device",
  findingType: "incident-responder:finding-type",
  capturedAt: "incident-responder:captured-at",
} as const;

export interface SnapshotTarget {
  instanceId: string;
  volumes: { volumeId: string; deviceName?: string }[];
}

export interface SnapshotOptions {
  incidentId: string;
  findingType: string;
  capturedAt: string;
  dryRun: boolean;
}

export interface SnapshotCapture {
  snapshots: SnapshotRecord[];
  results: ActionResult[];
  /** True when the snapshots existed already (a retry or a duplicate event). */
  reused: boolean;
}

const toRecord = (s: Snapshot, deviceByVolume: Map<string, string | undefined>): SnapshotRecord => {
  const deviceName = deviceByVolume.get(s.VolumeId ?? "") ?? s.Tags?.find((t) => t.Key === TAG.device)?.Value;
  return {
    snapshotId: s.SnapshotId ?? "",
    volumeId: s.VolumeId ?? "",
    state: s.State ?? "pending",
    ...(deviceName ? { deviceName } : {}),
    ...(s.StartTime ? { startTime: new Date(s.StartTime).toISOString() } : {}),
    ...(s.Progress ? { progress: s.Progress } : {}),
  };
};

/** EC2 tag values are limited to 256 characters. */
const tagValue = (v: string) => v.slice(0, 256);

function baseTags(target: SnapshotTarget, opts: SnapshotOptions): Tag[] {
  return [
    { Key: TAG.incident, Value: opts.incidentId },
    { Key: TAG.instance, Value: target.instanceId },
    { Key: TAG.findingType, Value: tagValue(opts.findingType) },
    { Key: TAG.capturedAt, Value: opts.capturedAt },
    { Key: "Name", Value: `${opts.incidentId} ${target.instanceId}` },
  ];
}

/** Snapshots already taken for an incident (optionally for one instance). */
export async function findIncidentSnapshots(
  ec2: EC2Client,
  incidentId: string,
  instanceId?: string,
): Promise<Snapshot[]> {
  const out = await ec2.send(
    new DescribeSnapshotsCommand({
      OwnerIds: ["self"],
      Filters: [
        { Name: `tag:${TAG.incident}`, Values: [incidentId] },
        ...(instanceId ? [{ Name: `tag:${TAG.instance}`, Values: [instanceId] }] : []),
      ],
    }),
  );
  return out.Snapshots ?? [];
}

/** Takes (or finds) the snapshots of every volume of an instance for an incident. */
export async function captureSnapshots(
  ec2: EC2Client,
  target: SnapshotTarget,
  opts: SnapshotOptions,
): Promise<SnapshotCapture> {
  const deviceByVolume = new Map(target.volumes.map((v) => [v.volumeId, v.deviceName]));
  const existing = await findIncidentSnapshots(ec2, opts.incidentId, target.instanceId);
  if (existing.length) {
    return {
      snapshots: existing.map((s) => toRecord(s, deviceByVolume)),
      results: [
        {
          name: "snapshot",
          target: target.instanceId,
          status: "ok",
          detail: `already taken for this incident: ${existing.map((s) => s.SnapshotId).join(", ")}`,
        },
      ],
      reused: true,
    };
  }
  if (opts.dryRun) {
    return {
      snapshots: [],
      results: [
        {
          name: "snapshot",
          target: target.instanceId,
          status: "skipped",
          detail: `dry run: ec2:CreateSnapshots InstanceId=${target.instanceId} (${target.volumes.length} volumes, root included)`,
        },
      ],
      reused: false,
    };
  }
  const tags = baseTags(target, opts);
  let created: Snapshot[];
  let how: string;
  try {
    const out = await ec2.send(
      new CreateSnapshotsCommand({
        InstanceSpecification: { InstanceId: target.instanceId, ExcludeBootVolume: false },
        Description: `Incident Responder ${opts.incidentId}: ${target.instanceId}`,
        CopyTagsFromSource: "volume",
        TagSpecifications: [{ ResourceType: "snapshot", Tags: tags }],
      }),
    );
    created = (out.Snapshots ?? []).map((s) => ({
      SnapshotId: s.SnapshotId,
      VolumeId: s.VolumeId,
      State: s.State,
      StartTime: s.StartTime,
      Progress: s.Progress,
    }));
    how = "CreateSnapshots (crash-consistent, one call)";
  } catch (err) {
    if (!isMultiVolumeRefused(err)) throw err;
    created = await Promise.all(
      target.volumes.map((v) =>
        ec2.send(
          new CreateSnapshotCommand({
            VolumeId: v.volumeId,
            Description:
              `Incident Responder ${opts.incidentId}: ${target.instanceId} ${v.deviceName ?? ""}`.trim(),
            TagSpecifications: [{ ResourceType: "snapshot", Tags: tags }],
          }),
        ),
      ),
    );
    how = `CreateSnapshot per volume (CreateSnapshots refused: ${describeError(err)})`;
  }
  // Device names differ per snapshot: tag each explicitly (copying tags is not relied upon).
  // Read the states back at the same time: a snapshot that has already completed lets the
  // evidence lane go on at once instead of waiting for the EBS event.
  const [current] = await Promise.all([
    ec2
      .send(new DescribeSnapshotsCommand({ SnapshotIds: created.map((s) => s.SnapshotId ?? "") }))
      .then((o) => o.Snapshots ?? [])
      .catch(() => [] as Snapshot[]),
    ...created.map((s) => {
      const device = deviceByVolume.get(s.VolumeId ?? "");
      return ec2.send(
        new CreateTagsCommand({
          Resources: [s.SnapshotId ?? ""],
          Tags: [
            { Key: TAG.device, Value: device ?? "unknown" },
            { Key: "incident-responder:volume-id", Value: s.VolumeId ?? "" },
          ],
        }),
      );
    }),
  ]);
  for (const s of created) {
    const now = current.find((c) => c.SnapshotId === s.SnapshotId);
    if (now?.State) s.State = now.State;
    if (now?.Progress) s.Progress = now.Progress;
  }
  return {
    snapshots: created.map((s) => toRecord(s, deviceByVolume)),
    results: created.map((s) => ({
      name: "snapshot",
      target: s.VolumeId ?? "",
      status: "ok",
      detail: `${s.SnapshotId} (${deviceByVolume.get(s.VolumeId ?? "") ?? "device unknown"}) via ${how}`,
      data: { snapshotId: s.SnapshotId, instanceId: target.instanceId },
    })),
    reused: false,
  };
}

function isMultiVolumeRefused(err: unknown): boolean {
  if (isNotImplemented(err)) return true;
  const name = (err as { name?: string }).name ?? "";
  return ["UnsupportedOperation", "InvalidParameterCombination", "UnauthorizedOperation"].includes(name);
}

/** Locks snapshots (EBS snapshot lock); `unsupported` where the endpoint lacks it. */
export async function lockSnapshots(
  ec2: EC2Client,
  snapshotIds: string[],
  lock: { mode: "compliance" | "governance"; days: number },
): Promise<ActionResult[]> {
  return Promise.all(
    snapshotIds.map(async (SnapshotId): Promise<ActionResult> => {
      try {
        await ec2.send(new LockSnapshotCommand({ SnapshotId, LockMode: lock.mode, LockDuration: lock.days }));
        return {
          name: "snapshot-lock",
          target: SnapshotId,
          status: "ok",
          detail: `${lock.mode} lock for ${lock.days} days`,
        };
      } catch (err) {
        return isNotImplemented(err)
          ? {
              name: "snapshot-lock",
              target: SnapshotId,
              status: "unsupported",
              detail: "LockSnapshot is not supported by this endpoint",
            }
          : { name: "snapshot-lock", target: SnapshotId, status: "failed", detail: describeError(err) };
      }
    }),
  );
}

/** Pure: one status for the locks of an incident's snapshots (the worst of them). */
export function lockStatus(results: ActionResult[]): StepStatus {
  for (const worst of ["failed", "unsupported"] as const) {
    if (results.some((r) => r.status === worst))
      return results.every((r) => r.status === worst) ? worst : "partial";
  }
  return results.length ? "ok" : "skipped";
}

/** The timeline text of an incident's snapshot locks. */
export function lockDetail(results: ActionResult[], lock: { mode: string; days: number }): string {
  const by = (st: string) => results.filter((r) => r.status === st).map((r) => r.target);
  const parts = [`${lock.mode} lock for ${lock.days} days`];
  if (by("ok").length) parts.push(`locked: ${by("ok").join(", ")}`);
  if (by("unsupported").length) parts.push(`not supported by this endpoint: ${by("unsupported").join(", ")}`);
  const failed = results.filter((r) => r.status === "failed");
  if (failed.length) parts.push(`failed: ${failed.map((r) => `${r.target} (${r.detail})`).join("; ")}`);
  return parts.join("; ");
}

/** Moves completed snapshots to the archive tier; `unsupported` where the endpoint lacks it. */
export async function archiveSnapshots(ec2: EC2Client, snapshotIds: string[]): Promise<ActionResult[]> {
  return Promise.all(
    snapshotIds.map(async (SnapshotId): Promise<ActionResult> => {
      try {
        await ec2.send(new ModifySnapshotTierCommand({ SnapshotId, StorageTier: "archive" }));
        return {
          name: "snapshot-archive-tier",
          target: SnapshotId,
          status: "ok",
          detail: "moving to the archive tier",
        };
      } catch (err) {
        return isNotImplemented(err)
          ? {
              name: "snapshot-archive-tier",
              target: SnapshotId,
              status: "unsupported",
              detail: "ModifySnapshotTier is not supported by this endpoint",
            }
          : {
              name: "snapshot-archive-tier",
              target: SnapshotId,
              status: "failed",
              detail: describeError(err),
            };
      }
    }),
  );
}
