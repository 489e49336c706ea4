/**
 * EBS completion events (`EBS Multi-Volume Snapshots Completion Status`, `EBS Snapshot
 * Notification`): they bring a waiting evidence lane back once its snapshots have completed.
 * Anyone can tag a snapshot, and a rule may deliver events from other accounts: an event counts
 * only from the incident's own account and only for snapshots the responder recorded creating.
 */

import { DescribeSnapshotsCommand, type Snapshot } from "@aws-sdk/client-ec2";
import { SNAPSHOT_STEP } from "../actions/step-names.ts";
import { TAG } from "../capture/snapshots.ts";
import { describeError, RefusedError } from "../errors/index.ts";
import type { IncidentRecord, SnapshotRecord } from "../incident/model.ts";
import { type EvidenceDeps, maybeSeal } from "./evidence.ts";
import { maybeImage } from "./evidence-images.ts";
import { notify } from "./notify.ts";

/** Pure: the snapshot ids an EBS completion event names (`snap-…`, from its ARNs). */
export function snapshotIdsOf(detail: Record<string, unknown> | undefined): string[] {
  const arns: string[] = [];
  if (typeof detail?.snapshot_id === "string") arns.push(detail.snapshot_id);
  if (Array.isArray(detail?.snapshots)) {
    for (const s of detail.snapshots) if (typeof s?.snapshot_id === "string") arns.push(s.snapshot_id);
  }
  return [...new Set(arns.map((a) => a.split("/").pop() ?? "").filter((s) => /^snap-[0-9a-f]+$/.test(s)))];
}

/**
 * Pure: whether an EBS completion event may update an incident. Only AWS-authenticated facts
 * count: the envelope's account must be the incident's, and every snapshot the event names must
 * be one the responder recorded creating for it. Tags, which any owner of a snapshot can set,
 * only point to the candidate incident.
 */
export function judgeSnapshotEvent(
  incident: Pick<IncidentRecord, "account" | "evidence">,
  envelopeAccount: string,
  snapshotIds: string[],
): { accepted: true } | { accepted: false; reason: string } {
  if (envelopeAccount !== incident.account) {
    return {
      accepted: false,
      reason: `the event comes from account ${envelopeAccount}, the incident is in ${incident.account}`,
    };
  }
  const recorded = new Set((incident.evidence?.snapshots ?? []).map((s) => s.snapshotId));
  const unknown = snapshotIds.filter((id) => !recorded.has(id));
  if (unknown.length) {
    return {
      accepted: false,
      reason: `the event names snapshots the responder did not create for this incident: ${unknown.join(", ")}`,
    };
  }
  return { accepted: true };
}

/**
 * Updates the states of an incident's recorded snapshots from an EBS completion event, and seals
 * the incident when all are done. An event from another account, or naming a snapshot the
 * responder did not record creating, changes nothing (logged). Returns the incidents updated.
 */
export async function onSnapshotEvent(event: unknown, deps: EvidenceDeps): Promise<string[]> {
  const e = event as { account?: string; detail?: Record<string, unknown> };
  const ids = snapshotIdsOf(e.detail);
  if (!ids.length || typeof e.account !== "string") return [];
  const account = e.account;
  let clients: Awaited<ReturnType<EvidenceDeps["clientsFor"]>>;
  try {
    clients = await deps.clientsFor(account, "snapshot-event");
  } catch (err) {
    // An account the responder may not act in made no snapshot of an incident: nothing to do.
    if (!(err instanceof RefusedError)) throw err;
    deps.log.warn("EBS event ignored: it comes from an account the responder does not act in", {
      account,
      error: describeError(err),
    });
    return [];
  }
  let named: Snapshot[];
  try {
    named = (await clients.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: ids }))).Snapshots ?? [];
  } catch (err) {
    if (!String((err as Error).name).startsWith("InvalidSnapshot")) throw err;
    deps.log.warn("EBS event ignored: it names snapshots that do not exist", { account, snapshotIds: ids });
    return [];
  }
  const candidates = new Set(
    named
      .map((s) => s.Tags?.find((t) => t.Key === TAG.incident)?.Value)
      .filter((v): v is string => Boolean(v)),
  );
  const updated: string[] = [];
  for (const incidentId of candidates) {
    const incident = await deps.store.find(incidentId);
    if (!incident) continue;
    const verdict = judgeSnapshotEvent(incident, account, ids);
    if (!verdict.accepted) {
      deps.log.warn("EBS event ignored", { incidentId, account, snapshotIds: ids, reason: verdict.reason });
      continue;
    }
    updated.push(incidentId);
    const recorded = incident.evidence?.snapshots ?? [];
    const current = await clients.ec2.send(
      new DescribeSnapshotsCommand({
        OwnerIds: ["self"],
        Filters: [{ Name: "snapshot-id", Values: recorded.map((r) => r.snapshotId) }],
      }),
    );
    const records: SnapshotRecord[] = recorded.map((r) => {
      const now = current.Snapshots?.find((s) => s.SnapshotId === r.snapshotId);
      // A recorded snapshot that is gone is lost evidence, not one still pending.
      return {
        ...r,
        state: now ? (now.State ?? r.state) : "missing",
        ...(now?.Progress ? { progress: now.Progress } : {}),
      };
    });
    const failed = records.filter((r) => r.state === "error" || r.state === "missing");
    if (incident.steps[SNAPSHOT_STEP]?.status === "waiting" && records.every((r) => r.state !== "pending")) {
      await deps.store.finishStep(
        incidentId,
        SNAPSHOT_STEP,
        failed.length ? "partial" : "ok",
        `${records.length - failed.length} of ${records.length} snapshots completed`,
        {
          set: { "evidence.snapshots": records },
          ...(failed.length
            ? {
                error: `snapshots in error: ${failed.map((r) => `${r.snapshotId} (${r.volumeId})`).join(", ")}`,
              }
            : {}),
        },
      );
      if (failed.length) {
        await notify(deps, {
          stage: "failed",
          incident: await deps.store.get(incidentId),
          summary: `Evidence: ${failed.length} of ${records.length} snapshots ended in error. Containment is not affected.`,
          failed: failed.map((r) => ({
            what: `snapshot ${r.snapshotId}`,
            error: `volume ${r.volumeId}: state ${r.state}`,
          })),
          leftToDo: [
            `Snapshot ${failed.map((r) => r.volumeId).join(", ")} again by hand (ec2:CreateSnapshot) and tag with the incident id`,
          ],
        });
      }
    }
    await maybeImage(incidentId, deps);
    await maybeSeal(incidentId, deps);
  }
  return updated;
}
