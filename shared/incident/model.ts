/**
 * The incident record: one per incident, with the finding(s), impact, plan, a step map for
 * idempotency and a complete timeline. Pure types and helpers; storage is in store.ts.
 */
import { createHash } from "node:crypto";
import type { ActionResult, Finding, Impact, Plan, StepStatus } from "../domain/types.ts";
import type { ArtifactRecord } from "../evidence/schema.ts";

/** The state of one step (triage, contain, snapshots, artifacts, manifest, cleanroom…). */
export interface StepRecord {
  status: StepStatus;
  startedAt: string;
  endedAt?: string;
  detail?: string;
  error?: string;
  attempts: number;
  /** Until when a running step is owned by its current worker (epoch ms). */
  leaseUntil?: number;
}

/** One line of the timeline. */
export interface TimelineEntry {
  at: string;
  step: string;
  status: StepStatus | "info";
  detail: string;
  error?: string;
  durationMs?: number;
}

/** A finding that joined the incident (the first one is `finding`). */
export interface FindingRef {
  id: string;
  source: string;
  type: string;
  time: string;
  severity: number;
}

export interface SnapshotRecord {
  snapshotId: string;
  volumeId: string;
  deviceName?: string;
  state: string;
  startTime?: string;
  progress?: string;
}

export type IncidentStatus = "open" | "closed";

export interface IncidentRecord {
  incidentId: string;
  status: IncidentStatus;
  createdAt: string;
  updatedAt: string;
  account: string;
  region: string;
  /** `<account>#<resource id>` of the primary resource. */
  resourceKey: string;
  drill: boolean;
  dryRun: boolean;
  finding: Finding;
  findings: FindingRef[];
  impact: Impact;
  plan: Plan;
  steps: Record<string, StepRecord>;
  timeline: TimelineEntry[];
  actions: ActionResult[];
  alerts: { stage: string; at: string; messageId?: string; subject: string }[];
  containment?: Record<string, unknown>;
  /** What triage read that lets a lane start sooner; a head start only, never trusted blindly. */
  hints?: {
    /** Managed security groups the instances' VPCs lacked at triage: containment creates them in its first round. */
    groupsToCreate?: { vpcId: string; role: "untracking" | "isolation" }[];
  };
  evidence?: {
    snapshots?: SnapshotRecord[];
    artifacts?: ArtifactRecord[];
    manifestKey?: string;
    manifestSha256?: string;
  };
  cleanroom?: Record<string, unknown>;
  /**
   * Clean-room requests people made (`responder cleanroom create|destroy`), by request id: each
   * written here with the person's own credentials before its event is sent. The clean-room
   * lane acts on a `Clean Room Requested` / `Clean Room Destroy Requested` event only when the
   * event's request id is here, for that action, and not yet consumed.
   */
  cleanroomRequests?: Record<string, CleanroomRequest>;
  approvals?: { at: string; by: string; decision: "approved" | "denied"; reason?: string }[];
}

/** A person's request to create or destroy an incident's clean room, recorded on the incident. */
export interface CleanroomRequest {
  /** `crq-` and 32 hex digits, random: the only thing the request's event carries besides the incident id. */
  requestId: string;
  action: "create" | "destroy";
  /** Who asked: the STS caller identity the CLI read with the person's credentials (never an event field). */
  by: string;
  /** When it was recorded (ISO-8601). */
  at: string;
  /** When the clean-room lane acted on it: a request is acted on once. */
  consumedAt?: string;
}

/** Pattern of clean-room request ids. */
export const CLEANROOM_REQUEST_ID_PATTERN = /^crq-[0-9a-f]{32}$/;

/** Step names whose outcome decides whether an incident has settled. */
export const TERMINAL_STATUSES: StepStatus[] = [
  "ok",
  "skipped",
  "unsupported",
  "failed",
  "partial",
  "verified",
];

/**
 * A deterministic incident id for a finding: `ir-YYYYMMDD-<8 hex>`, so that a retried or
 * duplicated event maps to the same id.
 */
export function incidentIdFor(finding: Pick<Finding, "account" | "id" | "source" | "time">): string {
  const day = /^\d{4}-\d{2}-\d{2}/.test(finding.time)
    ? finding.time.slice(0, 10).replaceAll("-", "")
    : "00000000";
  const hash = createHash("sha256")
    .update(`${finding.account}|${finding.source}|${finding.id}`)
    .digest("hex");
  return `ir-${day}-${hash.slice(0, 8)}`;
}

/** Pattern of incident ids, for validating command-line input. */
export const INCIDENT_ID_PATTERN = /^ir-\d{8}-[0-9a-f]{8}$/;

/** The finding without its raw event, for compact references. */
export function findingRef(f: Finding): FindingRef {
  return { id: f.id, source: f.source, type: f.type, time: f.time, severity: f.severity };
}

/** True when no step is running and every planned lane has reached an end state. */
export function isSettled(incident: IncidentRecord, expectedSteps: string[]): boolean {
  const steps = Object.values(incident.steps);
  if (steps.some((s) => s.status === "running")) return false;
  return expectedSteps.every((name) => {
    const s = incident.steps[name];
    return s !== undefined && (TERMINAL_STATUSES.includes(s.status) || s.status === "waiting");
  });
}
