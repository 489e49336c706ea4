/**
 * What a report is made of: the incident record and, when it could be read, the evidence
 * manifest. Shared by the Markdown and HTML renderers.
 */
import type { Manifest } from "../../shared/evidence/manifest-schema.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";

export interface ReportInput {
  incident: IncidentRecord;
  /** The manifest as read back from the evidence bucket. */
  manifest?: Manifest;
  /** What reading the manifest found: `intact`, `NOT intact`, `missing`, `unreadable: …`. */
  manifestStatus?: string;
  evidenceBucket?: string;
  /** When the report was made (ISO-8601); default now. */
  generatedAt?: string;
}

/** The artifacts of the evidence: the manifest's when there is one, else the incident's. */
export function artifactsOf(input: ReportInput) {
  const list = input.manifest?.artifacts ?? input.incident.evidence?.artifacts ?? [];
  return list.map((a) => ({
    name: a.name,
    key: a.key,
    sha256: a.sha256,
    size: a.size,
    storageClass: a.storageClass,
    sourceApiCall: a.sourceApiCall,
    collectedAt: a.collectedAt,
  }));
}

/** The snapshots of the evidence: the manifest's when there is one, else the incident's. */
export function snapshotsOf(input: ReportInput) {
  const list = input.manifest?.snapshots ?? input.incident.evidence?.snapshots ?? [];
  return list.map((s) => ({
    snapshotId: s.snapshotId,
    volumeId: s.volumeId,
    deviceName: s.deviceName,
    state: s.state,
    startTime: s.startTime,
  }));
}

/** Flattens the clean-room record (whatever its shape) into label/value pairs. */
export function cleanroomFacts(incident: IncidentRecord): [string, string][] {
  const out: [string, string][] = [];
  const walk = (prefix: string, v: unknown, depth: number) => {
    if (v === undefined || v === null) return;
    if (typeof v === "object" && !Array.isArray(v) && depth < 3) {
      for (const [k, x] of Object.entries(v as Record<string, unknown>))
        walk(prefix ? `${prefix}.${k}` : k, x, depth + 1);
      return;
    }
    const text = Array.isArray(v)
      ? v.map((x) => (typeof x === "object" ? JSON.stringify(x) : String(x))).join(", ")
      : typeof v === "object"
        ? JSON.stringify(v)
        : String(v);
    out.push([prefix, text.length > 500 ? `${text.slice(0, 499)}…` : text]);
  };
  walk("", incident.cleanroom, 0);
  return out.slice(0, 60);
}

/** Human-readable byte counts. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}
