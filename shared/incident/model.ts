/**
 * The incident record: one per incident, with the finding(s), impact, plan, a step map for
 * idempotency and a complete timeline. Pure types and helpers; the schemas of the parts lanes
 * record are in record.ts, storage is in store.ts.
 */
import { createHash } from "node:crypto";
import type { ActionResult, Finding, Impact, Plan, StepStatus } from "../domain/types.ts";
import type { ArtifactRecord } from "../evidence/manifest-schema.ts";
import type { ManifestSignature } from "../evidence/signing.ts";
import type { CleanroomRecord, ContainmentRecord } from "./record.ts";

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
  /** The id of the claim a running step is held under, when its worker gave one. */
  claim?: string;
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
  /**
   * What containment recorded (record.ts): stored unchecked, so read it through `containmentOf`,
   * which parses it.
   */
  containment?: ContainmentRecord;
  /** What triage read that lets a lane start sooner; a head start only, never trusted blindly. */
  hints?: {
    /** Managed security groups the instances' VPCs lacked at triage: containment creates them in its first round. */
    groupsToCreate?: { vpcId: string; role: "untracking" | "isolation" }[];
  };
  evidence?: {
    /** The snapshots the responder created for this incident: the only ids EBS events may update. */
    snapshots?: SnapshotRecord[];
    /** Each with the S3 VersionId it was archived as. */
    artifacts?: ArtifactRecord[];
    /** The disk images finished so far (`image-disks`): each image, its description, its changed blocks. */
    images?: ArtifactRecord[];
    /**
     * Where the image in progress stands (a `RecordedCheckpoint`, shared/evidence/image-plan.ts):
     * read through its schema; null once that image is finished.
     */
    imageCheckpoint?: unknown;
    manifestKey?: string;
    /** The sealed manifest's `manifestSha256` (SHA-256 of its canonical JSON): `verify` compares it. */
    manifestSha256?: string;
    /** The S3 VersionId of the sealed manifest: `verify` reads this version, never just the latest. */
    manifestVersionId?: string;
    /** The KMS signature over `manifestSha256`, or why there is none. */
    signature?: ManifestSignature;
  };
  /** What the clean-room lane recorded (record.ts): read it through `cleanroomOf`, which parses it. */
  cleanroom?: CleanroomRecord;
  /**
   * Clean-room requests people made (`responder cleanroom create|destroy`), by request id: each
   * written here with the person's own credentials before its event is sent. The clean-room
   * lane acts on a `Clean Room Requested` / `Clean Room Destroy Requested` event only when the
   * event's request id is here, for that action, and not yet consumed.
   */
  cleanroomRequests?: Record<string, CleanroomRequest>;
  approvals?: ApprovalRecord[];
  /** How many times the decision grew since the incident opened (absent: never). */
  planRevision?: number;
  /** The closed incident this one continues, when its finding recurred. */
  recurrenceOf?: string;
}

/** A person's decision on the actions waiting for one. */
export interface ApprovalRecord {
  at: string;
  /** Who decided, as AWS authenticated them (an STS caller ARN, or the approver roles the bus admits). */
  by: string;
  decision: "approved" | "denied";
  reason?: string;
  /** The plan revision decided on (absent: 0); an escalation that adds waiting actions asks again. */
  revision?: number;
  /** What the event said about who decided, when it came as an event: a claim, never `by`. */
  claimedBy?: string;
}

/** The approvals that apply to the incident's current plan revision. */
export function currentApprovals(
  incident: Pick<IncidentRecord, "approvals" | "planRevision">,
): ApprovalRecord[] {
  const revision = incident.planRevision ?? 0;
  return (incident.approvals ?? []).filter((a) => (a.revision ?? 0) === revision);
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
 * duplicated event maps to the same id. A finding that recurs after its incident was closed
 * gets a new id, derived from the closed incident's.
 */
export function incidentIdFor(
  finding: Pick<Finding, "account" | "id" | "source" | "time"> & { drill?: boolean },
  recurrenceOf?: string,
): string {
  const day = /^\d{4}-\d{2}-\d{2}/.test(finding.time)
    ? finding.time.slice(0, 10).replaceAll("-", "")
    : "00000000";
  // A drill never shares an id (nor a finding marker) with a real finding; a recurrence is a new
  // incident, as deterministic for the retries of its event as the first one.
  const key = [finding.account, finding.source, finding.id, ...(finding.drill ? ["drill"] : [])];
  if (recurrenceOf) key.push(`after:${recurrenceOf}`);
  const hash = createHash("sha256").update(key.join("|")).digest("hex");
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
