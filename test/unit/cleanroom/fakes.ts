/**
 * Clean-room incidents for lane tests: a complete incident record whose plan launches a clean
 * room, with its evidence snapshots (and sealed, for {@link aSealedIncident}).
 */
import type { IncidentRecord, SnapshotRecord } from "../../../shared/incident/model.ts";

export const INCIDENT_ID = "ir-20260301-0a1b2c3d";
export const ACCOUNT = "111122223333";

/** Three completed snapshots, one per device. */
export function snapshots(n = 3): SnapshotRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    snapshotId: `snap-0000000000000000${i}`,
    volumeId: `vol-0000000000000000${i}`,
    deviceName: `/dev/sd${String.fromCharCode(97 + i)}`,
    state: "completed",
  }));
}

/** A critical EC2 incident whose plan includes launch-cleanroom, with its evidence preserved. */
export function anIncident(overrides: Partial<IncidentRecord> = {}): IncidentRecord {
  const at = "2026-03-01T10:00:00.000Z";
  return {
    incidentId: INCIDENT_ID,
    status: "open",
    createdAt: at,
    updatedAt: at,
    account: ACCOUNT,
    region: "us-east-1",
    resourceKey: `${ACCOUNT}#i-0abc`,
    drill: false,
    dryRun: false,
    finding: {
      id: "f-1",
      source: "guardduty",
      type: "Backdoor:EC2/C&CActivity.B!DNS",
      title: "C&C",
      severity: 8,
      time: at,
      account: ACCOUNT,
      region: "us-east-1",
      resources: [{ kind: "ec2-instance", id: "i-0abc" }],
      drill: false,
      raw: {},
    },
    findings: [],
    impact: { score: 90, tier: "critical", reasons: [], tags: {} },
    plan: {
      playbook: "guardduty-ec2-critical-high",
      actions: [
        { name: "contain-instance", params: {}, requiresApproval: false },
        { name: "capture-snapshots", params: {}, requiresApproval: false },
        { name: "launch-cleanroom", params: {}, requiresApproval: false },
      ],
      notes: [],
    },
    steps: { triage: { status: "ok", startedAt: at, endedAt: at, attempts: 1 } },
    timeline: [],
    actions: [],
    alerts: [],
    evidence: { snapshots: snapshots() },
    ...overrides,
  };
}

/** {@link anIncident} with its evidence sealed on the record: the manifest step ended ok, its key recorded. */
export function aSealedIncident(overrides: Partial<IncidentRecord> = {}): IncidentRecord {
  const base = anIncident(overrides);
  const at = base.createdAt;
  return {
    ...base,
    steps: { ...base.steps, manifest: { status: "ok", startedAt: at, endedAt: at, attempts: 1 } },
    evidence: { ...base.evidence, manifestKey: `incidents/${base.incidentId}/manifest.json` },
  };
}
