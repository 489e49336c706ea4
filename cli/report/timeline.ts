/**
 * The incident's timeline as phases on a time axis — detection, triage, containment,
 * evidence (snapshots, artifacts, manifest), clean room — with markers (alerts, approvals,
 * closing) and the figures people ask for first: time to contain and time to evidence.
 * Pure: used by `responder status`, the Markdown and HTML reports and the SVG chart.
 */
import { lanePlanned } from "../../shared/actions/index.ts";
import {
  ARTIFACT_STEP,
  CLEANROOM_STEP,
  CONTAIN_STEP,
  type LaneName,
  MANIFEST_STEP,
  SNAPSHOT_STEP,
  STEPS,
} from "../../shared/actions/step-names.ts";
import type { IncidentRecord, StepRecord } from "../../shared/incident/model.ts";

export interface Phase {
  /** Step name on the incident (`contain`, `snapshots`…). */
  step: string;
  label: string;
  /** Group of the phase: detection, triage, containment, evidence, clean room, other. */
  group: string;
  status: string;
  /** Epoch ms. */
  start?: number;
  end?: number;
  durationMs?: number;
  detail?: string;
  error?: string;
  attempts?: number;
}

export interface Marker {
  at: number;
  kind: "detection" | "alert" | "approval" | "closed" | "finding";
  label: string;
  status?: string;
}

export interface Figures {
  /** Detection (the finding's time) → containment verified (or partial). */
  timeToContainMs?: number;
  /** Detection → evidence manifest written. */
  timeToEvidenceMs?: number;
  /** Detection → triage done (the incident opened). */
  timeToTriageMs?: number;
  /** Detection → clean room ready. */
  timeToCleanroomMs?: number;
  /** The containment status when there is no time to contain (failed, skipped, not planned). */
  containStatus: string;
  /** The evidence status when there is no time to evidence. */
  evidenceStatus: string;
}

export interface IncidentTimeline {
  /** The axis origin: the finding's time (detection), or the incident's creation. */
  origin: number;
  /** The end of the axis: the last thing that happened. */
  end: number;
  /** True when the origin is the detection time. */
  fromDetection: boolean;
  /** Detection time, when it is far before the response and left off the axis. */
  detectedEarlierMs?: number;
  phases: Phase[];
  markers: Marker[];
  figures: Figures;
}

/** How the report names each lane's group of steps. */
const GROUP_OF_LANE: Record<LaneName, string> = {
  triage: "triage",
  contain: "containment",
  evidence: "evidence",
  cleanroom: "clean room",
};

/** Steps in the order of the flow, with their labels and groups. */
export const PHASES: readonly { step: string; label: string; group: string }[] = STEPS.map((s) => ({
  step: s.step,
  label: s.label,
  group: GROUP_OF_LANE[s.lane],
}));

const parse = (iso: string | undefined): number | undefined => {
  if (!iso) return undefined;
  const t = Date.parse(iso);
  return Number.isNaN(t) ? undefined : t;
};

function phaseOf(step: string, label: string, group: string, s: StepRecord): Phase {
  const start = parse(s.startedAt);
  const end = parse(s.endedAt);
  return {
    step,
    label,
    group,
    status: s.status,
    ...(start !== undefined ? { start } : {}),
    ...(end !== undefined ? { end } : {}),
    ...(start !== undefined && end !== undefined ? { durationMs: Math.max(0, end - start) } : {}),
    ...(s.detail ? { detail: s.detail } : {}),
    ...(s.error ? { error: s.error } : {}),
    attempts: s.attempts,
  };
}

/** Statuses of a step that count as done well. */
export const GOOD = new Set(["ok", "verified"]);

/** Builds the timeline of an incident. `now` closes phases still running (default: the last event). */
export function buildTimeline(incident: IncidentRecord, opts: { now?: number } = {}): IncidentTimeline {
  const phases: Phase[] = [];
  for (const p of PHASES) {
    const s = incident.steps[p.step];
    if (s) phases.push(phaseOf(p.step, p.label, p.group, s));
  }
  for (const [step, s] of Object.entries(incident.steps)) {
    if (!PHASES.some((p) => p.step === step)) phases.push(phaseOf(step, step, "other", s));
  }

  const markers: Marker[] = [];
  const detection = parse(incident.finding.time);
  const created = parse(incident.createdAt) ?? detection ?? 0;
  if (detection !== undefined)
    markers.push({ at: detection, kind: "detection", label: `detected: ${incident.finding.type}` });
  for (const f of incident.findings.slice(1)) {
    const at = parse(f.time);
    if (at !== undefined) markers.push({ at, kind: "finding", label: `joined: ${f.type}` });
  }
  for (const a of incident.alerts) {
    const at = parse(a.at);
    if (at !== undefined) markers.push({ at, kind: "alert", label: a.stage, status: a.stage });
  }
  for (const a of incident.approvals ?? []) {
    const at = parse(a.at);
    if (at !== undefined)
      markers.push({ at, kind: "approval", label: `${a.decision} by ${a.by}`, status: a.decision });
  }
  const closed = [...incident.timeline].reverse().find((t) => t.step === "close");
  if (closed && incident.status === "closed") {
    const at = parse(closed.at);
    if (at !== undefined) markers.push({ at, kind: "closed", label: "closed" });
  }
  markers.sort((a, b) => a.at - b.at);

  // The response's own span; detection far before it would squash the chart: leave it off.
  const times = [
    created,
    ...phases.flatMap((p) => [p.start, p.end]).filter((t): t is number => t !== undefined),
    ...markers.filter((m) => m.kind !== "detection" && m.kind !== "finding").map((m) => m.at),
  ];
  const running = phases.some((p) => p.end === undefined && p.start !== undefined);
  // A phase still running reaches "now", but never stretches the axis by more than a minute.
  const last = Math.max(
    ...times,
    running && opts.now !== undefined ? Math.min(opts.now, Math.max(...times) + 60_000) : 0,
  );
  const span = Math.max(1, last - created);
  let origin = created;
  let fromDetection = false;
  let detectedEarlierMs: number | undefined;
  if (detection !== undefined && detection <= created) {
    if (created - detection <= Math.max(60_000, 2 * span)) {
      origin = detection;
      fromDetection = true;
    } else {
      detectedEarlierMs = created - detection;
    }
  }
  const end = Math.max(last, origin + 1);
  for (const p of phases) {
    if (p.start !== undefined && p.end === undefined && (p.status === "running" || p.status === "waiting")) {
      p.end = opts.now !== undefined ? Math.max(p.start, Math.min(opts.now, end)) : end;
    }
  }

  // Figures count from detection when it is known (and not after the incident opened).
  const from = detection !== undefined && detection <= created ? detection : created;
  const step = (name: string) => phases.find((p) => p.step === name);
  const since = (t: number | undefined) => (t === undefined ? undefined : Math.max(0, t - from));
  const contain = step(CONTAIN_STEP);
  const manifest = step(MANIFEST_STEP);
  const triage = step("triage");
  const room = step(CLEANROOM_STEP);
  const figures: Figures = {
    containStatus: contain
      ? contain.status
      : lanePlanned(incident.plan, "contain")
        ? "waiting"
        : "not planned",
    evidenceStatus: manifest
      ? manifest.status
      : lanePlanned(incident.plan, "evidence")
        ? (step(SNAPSHOT_STEP)?.status ?? step(ARTIFACT_STEP)?.status ?? "waiting")
        : "not planned",
  };
  if (contain && (contain.status === "verified" || contain.status === "partial"))
    figures.timeToContainMs = since(contain.end);
  if (manifest?.status === "ok") figures.timeToEvidenceMs = since(manifest.end);
  if (triage && GOOD.has(triage.status)) figures.timeToTriageMs = since(triage.end);
  if (room && GOOD.has(room.status)) figures.timeToCleanroomMs = since(room.end);
  return {
    origin,
    end,
    fromDetection,
    ...(detectedEarlierMs !== undefined ? { detectedEarlierMs } : {}),
    phases,
    markers,
    figures,
  };
}

/** `420 ms`, `2.31 s`, `4 min 12 s`, `2 h 03 min`. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return "—";
  const a = Math.abs(ms);
  if (a < 1000) return `${Math.round(ms)} ms`;
  if (a < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  if (a < 3_600_000)
    return `${Math.floor(a / 60_000)} min ${String(Math.round((a % 60_000) / 1000)).padStart(2, "0")} s`;
  if (a < 86_400_000)
    return `${Math.floor(a / 3_600_000)} h ${String(Math.round((a % 3_600_000) / 60_000)).padStart(2, "0")} min`;
  return `${Math.floor(a / 86_400_000)} d ${Math.round((a % 86_400_000) / 3_600_000)} h`;
}

/** A time as `2026-11-28 12:40:21.541Z` (UTC, milliseconds). */
export function formatTime(ms: number | string | undefined): string {
  const t = typeof ms === "string" ? Date.parse(ms) : ms;
  if (t === undefined || Number.isNaN(t)) return "—";
  return new Date(t).toISOString().replace("T", " ");
}

/** An offset from the origin: `+2.31 s`. */
export function formatOffset(at: number | undefined, origin: number): string {
  if (at === undefined) return "—";
  const d = at - origin;
  return `${d < 0 ? "−" : "+"}${formatDuration(Math.abs(d))}`;
}
