/**
 * Evidence lane: snapshots and artifacts in parallel, then — once every snapshot has
 * completed — the manifest, written last. Never waits inside a Lambda for a snapshot: a
 * lane that finds its snapshots complete seals at once; otherwise the EBS completion event
 * brings it back (`onSnapshotEvent`, snapshot-events.ts).
 */

import type { EBSClient } from "@aws-sdk/client-ebs";
import type { Instance } from "@aws-sdk/client-ec2";
import type { S3Client } from "@aws-sdk/client-s3";
import {
  type ActionName,
  actionNamed,
  actionsOfLane,
  paramsOf,
  plannedAction,
  stepsOf,
} from "../actions/index.ts";
import { ARTIFACT_STEP, MANIFEST_STEP, SNAPSHOT_STEP } from "../actions/step-names.ts";
import { isNotImplemented } from "../aws/errors.ts";
import { type ArtifactClients, type Collector, instanceCollectors } from "../capture/artifacts.ts";
import type { InstanceReader } from "../capture/instances.ts";
import { principalCollectors } from "../capture/principal-state.ts";
import { TAG } from "../capture/snapshots.ts";
import type { ActionResult, PlannedAction, StepStatus } from "../domain/types.ts";
import { describeError } from "../errors/index.ts";
import { archiveArtifact } from "../evidence/archive.ts";
import { buildManifest, writeManifest } from "../evidence/manifest.ts";
import type { ArtifactRecord, EvidenceGap } from "../evidence/manifest-schema.ts";
import type { ManifestSignature, ManifestSigner } from "../evidence/signing.ts";
import type { IncidentRecord } from "../incident/model.ts";
import { nowIso } from "./deps.ts";
import type { EvidenceClients, EvidenceDeps } from "./evidence-deps.ts";
import { maybeImage } from "./evidence-images.ts";
import { takeSnapshots } from "./evidence-snapshots.ts";
import { alertFailure } from "./notify.ts";
import { endStep, runStep } from "./steps.ts";

export type { EvidenceClients, EvidenceDeps } from "./evidence-deps.ts";

const DONE: StepStatus[] = ["ok", "skipped", "unsupported", "failed", "partial"];

/** The action when it is planned and waits for nobody. */
function planned(incident: IncidentRecord, name: ActionName) {
  const action = plannedAction(incident.plan, name);
  return action && !action.requiresApproval ? action : undefined;
}

function instanceIds(incident: IncidentRecord): string[] {
  return incident.finding.resources.filter((r) => r.kind === "ec2-instance").map((r) => r.id);
}

/** Runs the evidence lane for a newly opened incident. */
export async function runEvidence(incidentId: string, deps: EvidenceDeps): Promise<void> {
  const incident = await deps.store.get(incidentId);
  const wantSnapshots = planned(incident, "capture-snapshots");
  const wantArtifacts = artifactActions(incident);
  if (!wantSnapshots && !wantArtifacts.length) return;
  try {
    const clients = await deps.clientsFor(incident.account, incidentId);
    const instances = await clients.instances.describe(instanceIds(incident));
    const step = (name: string, work: () => Promise<void>) =>
      runStep(deps, { incident, step: name, lane: "evidence", work });
    // Both lanes run to their end even when one throws, so neither is left half-claimed.
    const lanes = await Promise.allSettled([
      wantSnapshots
        ? step(SNAPSHOT_STEP, () =>
            takeSnapshots(
              incident,
              instances,
              clients.ec2,
              deps,
              paramsOf(wantSnapshots, "capture-snapshots"),
            ),
          )
        : undefined,
      wantArtifacts.length
        ? step(ARTIFACT_STEP, () => collectArtifacts(incident, instances, clients, deps, wantArtifacts))
        : undefined,
    ]);
    const rejected = lanes.find((l): l is PromiseRejectedResult => l.status === "rejected");
    if (rejected) throw rejected.reason;
    await maybeImage(incidentId, deps);
    await maybeSeal(incidentId, deps);
  } catch (err) {
    await alertFailure(deps, incidentId, "evidence capture", err, {
      leftToDo: [
        "Evidence may be incomplete: the lane will be retried; check what is archived",
        `responder status ${incidentId}`,
      ],
    });
    throw err;
  }
}

/**
 * `Evidence Continue`: continues the paused disk images, then seals when all is done. The event
 * only says where to look: what is continued is what the incident record holds.
 */
export async function continueEvidence(incidentId: string, deps: EvidenceDeps): Promise<void> {
  if (!(await deps.store.find(incidentId))) {
    deps.log.warn("Evidence Continue ignored: no such incident", { incidentId });
    return;
  }
  await maybeImage(incidentId, deps);
  await maybeSeal(incidentId, deps);
}

/** The planned actions of the artifacts step that wait for nobody: collect-artifacts and every action with collectors. */
function artifactActions(incident: IncidentRecord): PlannedAction[] {
  return actionsOfLane("evidence")
    .filter((name) => stepsOf(name).includes(ARTIFACT_STEP))
    .flatMap((name) => planned(incident, name) ?? []);
}

async function collectArtifacts(
  incident: IncidentRecord,
  instances: Instance[],
  clients: ArtifactClients,
  deps: EvidenceDeps,
  actions: PlannedAction[],
): Promise<void> {
  const id = incident.incidentId;
  const own = actions.find((a) => a.name === "collect-artifacts");
  const storageClass = own ? paramsOf(own, "collect-artifacts").storageClass : undefined;
  const now = deps.now?.() ?? new Date();
  // Each action with collectors of its own (shared/actions/<name>.ts), on every instance.
  const extra = actions.flatMap((a) => actionNamed(a.name)?.collectors ?? []);
  const collectors: Collector[] = [
    ...instances.flatMap((instance) => extra.flatMap((collect) => collect({ instance, clients, now }))),
  ];
  if (own)
    collectors.push(
      {
        name: "triggering-event.json",
        sourceApiCall: "events:(the EventBridge event delivered to triage)",
        collect: async () => ({
          kind: "content",
          body: `${JSON.stringify(incident.finding.raw, null, 2)}\n`,
          contentType: "application/json",
        }),
      },
      {
        name: "triage.json",
        sourceApiCall: "incident-responder:triage",
        collect: async () => ({
          kind: "content",
          body: `${JSON.stringify({ finding: { ...incident.finding, raw: undefined }, impact: incident.impact, plan: incident.plan }, null, 2)}\n`,
          contentType: "application/json",
        }),
      },
      ...instances.flatMap((i) => instanceCollectors(i, clients, { lookbackHours: 24, now })),
      ...principalCollectors(incident.finding, clients.iam, {
        incidentNow: () => deps.store.get(id),
        now: () => deps.now?.() ?? new Date(),
      }),
    );
  const results: ActionResult[] = [];
  const artifacts: ArtifactRecord[] = [];
  await Promise.all(
    collectors.map(async (c) => {
      try {
        const got = await c.collect();
        if (got.kind === "none") {
          results.push({ name: "artifact", target: c.name, status: "skipped", detail: got.reason });
          return;
        }
        if (incident.dryRun) {
          results.push({
            name: "artifact",
            target: c.name,
            status: "skipped",
            detail: "dry run: not archived",
          });
          return;
        }
        const record = await archiveArtifact(deps.s3, {
          bucket: deps.bucket,
          incidentId: id,
          name: c.name,
          body: got.body,
          contentType: got.contentType,
          collector: "evidence",
          sourceApiCall: c.sourceApiCall,
          ...(storageClass ? { storageClass } : {}),
          ...(deps.kmsKeyId ? { kmsKeyId: deps.kmsKeyId } : {}),
        });
        artifacts.push(record);
        results.push({
          name: "artifact",
          target: c.name,
          status: "ok",
          // A list cut short by its bound is said so, here and in the artifact itself.
          detail: `sha256 ${record.sha256} (${record.size} bytes)${got.truncated ? `; truncated: ${got.truncated}` : ""}`,
          ...(got.truncated ? { data: { truncated: got.truncated } } : {}),
        });
      } catch (err) {
        results.push(
          isNotImplemented(err)
            ? {
                name: "artifact",
                target: c.name,
                status: "unsupported",
                detail: `${c.sourceApiCall} is not supported by this endpoint`,
              }
            : { name: "artifact", target: c.name, status: "failed", detail: describeError(err) },
        );
      }
    }),
  );
  artifacts.sort((a, b) => a.name.localeCompare(b.name));
  const failed = results.filter((r) => r.status === "failed");
  const status: StepStatus = incident.dryRun
    ? "skipped"
    : failed.length
      ? artifacts.length
        ? "partial"
        : "failed"
      : "ok";
  await endStep(deps, id, ARTIFACT_STEP, {
    status,
    detail: `${artifacts.length} artifacts archived, ${results.filter((r) => r.status === "unsupported").length} unsupported, ${failed.length} failed`,
    actions: results,
    ...(failed.length ? { error: failed.map((f) => `${f.target}: ${f.detail}`).join("; ") } : {}),
    set: { "evidence.artifacts": artifacts },
    ...(failed.length
      ? {
          alert: {
            stage: "failed",
            summary: "Evidence: some artifacts could not be collected. Containment is not affected.",
            failed: failed.map((f) => ({ what: f.target, error: f.detail })),
          },
        }
      : {}),
  });
}

/** How a signature reads in the timeline and in alerts. */
function signatureText(signature: ManifestSignature): string {
  return signature.status === "signed"
    ? `signed (${signature.algorithm}, ${signature.keyId})`
    : `signature unsupported: ${signature.reason}`;
}

/** Pure: the evidence lanes that ended without all they planned, as the manifest's gaps. */
export function evidenceGaps(incident: IncidentRecord, lanes: string[]): EvidenceGap[] {
  return lanes.flatMap((step) => {
    const s = incident.steps[step];
    if (!s || !["failed", "partial", "unsupported"].includes(s.status)) return [];
    return [{ step, status: s.status, detail: (s.error ?? s.detail ?? "").slice(0, 2000) }];
  });
}

/** Writes the manifest once both lanes are done and every snapshot has completed. Idempotent. */
export async function maybeSeal(incidentId: string, deps: EvidenceDeps): Promise<boolean> {
  const incident = await deps.store.get(incidentId);
  // Every capture step of the lane's planned actions (all but the manifest itself).
  const lanes = actionsOfLane("evidence")
    .filter((name) => planned(incident, name))
    .flatMap((name) => stepsOf(name).filter((s) => s !== MANIFEST_STEP));
  if (!lanes.every((s) => DONE.includes(incident.steps[s]?.status as StepStatus))) return false;
  if (incident.dryRun) return false;
  const sealed = await runStep(deps, {
    incident,
    step: MANIFEST_STEP,
    lane: "evidence",
    work: () => seal(incidentId, lanes, deps),
  });
  return sealed?.value ?? false;
}

/** Writes the manifest over what the record holds (under the manifest step's claim). */
async function seal(incidentId: string, lanes: string[], deps: EvidenceDeps): Promise<boolean> {
  const incident = await deps.store.get(incidentId);
  try {
    const artifacts = [...(incident.evidence?.artifacts ?? []), ...(incident.evidence?.images ?? [])];
    const timeline = await archiveArtifact(deps.s3, {
      bucket: deps.bucket,
      incidentId,
      name: "timeline.json",
      body: `${JSON.stringify({ incidentId, steps: incident.steps, timeline: incident.timeline, actions: incident.actions }, null, 2)}\n`,
      contentType: "application/json",
      collector: "evidence",
      sourceApiCall: "incident-responder:incident-record",
      ...(deps.kmsKeyId ? { kmsKeyId: deps.kmsKeyId } : {}),
    });
    const snapshots = incident.evidence?.snapshots ?? [];
    const gaps = evidenceGaps(incident, lanes);
    const manifest = buildManifest({
      incidentId,
      artifacts: [...artifacts, timeline],
      snapshots: snapshots.map((s) => ({ ...s, tags: { [TAG.incident]: incidentId } })),
      createdAt: nowIso(deps),
      gaps,
    });
    // Signed before it is written: a manifest is never left in the bucket with a signature
    // that failed for a reason other than "not supported" (the seal fails and is retried).
    const signature: ManifestSignature = deps.signer
      ? await deps.signer.sign(manifest.manifestSha256)
      : { status: "unsupported", reason: "no manifest signing key is configured" };
    const written = await writeManifest(deps.s3, {
      bucket: deps.bucket,
      incidentId,
      manifest,
      ...(deps.kmsKeyId ? { kmsKeyId: deps.kmsKeyId } : {}),
    });
    await endStep(deps, incidentId, MANIFEST_STEP, {
      status: "ok",
      detail:
        `manifest ${written.key} version ${written.versionId ?? "(unversioned)"}: ${manifest.artifacts.length} artifacts, ` +
        `${snapshots.length} snapshots, sha256 ${written.manifestSha256}, ${signatureText(signature)}`,
      set: {
        "evidence.manifestKey": written.key,
        "evidence.manifestSha256": written.manifestSha256,
        ...(written.versionId ? { "evidence.manifestVersionId": written.versionId } : {}),
        "evidence.signature": signature,
      },
      alert: {
        stage: "evidence-preserved",
        summary: `Evidence preserved: ${snapshots.length} snapshots, ${manifest.artifacts.length} artifacts, manifest locked.${
          gaps.length
            ? ` INCOMPLETE — the manifest records what is missing: ${gaps.map((g) => `${g.step} ${g.status}`).join(", ")}.`
            : ""
        }`,
        facts: {
          Manifest: `s3://${deps.bucket}/${written.key}`,
          "Manifest SHA-256": written.manifestSha256,
          "Manifest version": written.versionId ?? "(unversioned)",
          "Manifest signature": signatureText(signature),
          Snapshots:
            snapshots.map((s) => `${s.snapshotId} (${s.deviceName ?? s.volumeId})`).join(", ") || "none",
        },
      },
    });
    await deps.bus.emit("Evidence Preserved", {
      incidentId,
      account: incident.account,
      tier: incident.impact.tier,
    });
    return true;
  } catch (err) {
    await endStep(deps, incidentId, MANIFEST_STEP, {
      status: "failed",
      detail: "manifest not written",
      error: describeError(err),
      alert: {
        stage: "failed",
        summary: "Evidence: the manifest could not be written.",
        failed: [{ what: "manifest", error: describeError(err) }],
        leftToDo: [`Retry: responder verify ${incidentId} shows what is archived`],
      },
    });
    return false;
  }
}
