/**
 * The incident store: one DynamoDB table (keys.ts) behind one port per concern (ports.ts).
 * {@link DynamoIncidentStore} composes the DynamoDB implementations: incident records
 * (records.ts, open.ts, cleanroom-requests.ts), step claims (claims.ts), the containment cap
 * (caps.ts), dead letters (dead-letters.ts) and rejection counters (rejections.ts).
 */
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import type { StepStatus } from "../domain/types.ts";
import { DynamoContainmentCaps } from "./caps.ts";
import { DynamoStepClaims } from "./claims.ts";
import { DynamoDeadLetters } from "./dead-letters.ts";
import type { CleanroomRequest, IncidentRecord, TimelineEntry } from "./model.ts";
import type {
  DeadLetter,
  EscalationChange,
  IncidentStore,
  OpenOptions,
  RejectionKey,
  StepEndExtra,
  StepProgress,
} from "./ports.ts";
import { DynamoIncidentRecords } from "./records.ts";
import { DynamoRejectionCounters } from "./rejections.ts";
import { IncidentTable } from "./table.ts";

export { capWindows } from "./caps.ts";
export {
  type CleanroomRequests,
  type ContainmentCaps,
  type CountedRejection,
  type DeadLetter,
  type DeadLetters,
  type EscalationChange,
  type IncidentLifecycle,
  type IncidentNotes,
  type IncidentReader,
  type IncidentRecords,
  type IncidentStore,
  OPEN_ATTEMPTS,
  type OpenOptions,
  type OpenResult,
  OTHER_REJECTIONS,
  type PreIsolationLog,
  type RejectionCounters,
  type RejectionKey,
  type RejectionKind,
  type RejectionWindow,
  type Reservation,
  type StepClaims,
  type StepEndExtra,
  type StepProgress,
} from "./ports.ts";

/** DynamoDB implementation of {@link IncidentStore}: each concern's own, over one table. */
export class DynamoIncidentStore implements IncidentStore {
  private readonly records: DynamoIncidentRecords;
  private readonly claims: DynamoStepClaims;
  private readonly caps: DynamoContainmentCaps;
  private readonly letters: DynamoDeadLetters;
  private readonly rejections: DynamoRejectionCounters;

  constructor(ddb: DynamoDBDocumentClient, table: string) {
    const t = new IncidentTable(ddb, table);
    this.records = new DynamoIncidentRecords(t);
    this.claims = new DynamoStepClaims(t, this.records);
    this.caps = new DynamoContainmentCaps(t);
    this.letters = new DynamoDeadLetters(t);
    this.rejections = new DynamoRejectionCounters(t);
  }

  // Incident records.
  open(incident: IncidentRecord, options?: OpenOptions) {
    return this.records.open(incident, options);
  }
  get(incidentId: string) {
    return this.records.get(incidentId);
  }
  find(incidentId: string) {
    return this.records.find(incidentId);
  }
  listOpen() {
    return this.records.listOpen();
  }
  incidentOfFinding(account: string, source: string, findingId: string, drill?: boolean) {
    return this.records.incidentOfFinding(account, source, findingId, drill);
  }
  note(incidentId: string, entry: Omit<TimelineEntry, "at">, set?: Record<string, unknown>) {
    return this.records.note(incidentId, entry, set);
  }
  recordAlert(incidentId: string, alert: IncidentRecord["alerts"][number]) {
    return this.records.recordAlert(incidentId, alert);
  }
  escalate(incidentId: string, change: EscalationChange) {
    return this.records.escalate(incidentId, change);
  }
  reopenSteps(incidentId: string, steps: string[]) {
    return this.records.reopenSteps(incidentId, steps);
  }
  close(incidentId: string, detail: string) {
    return this.records.close(incidentId, detail);
  }
  savePreIsolation(incidentId: string, state: { instanceId: string; capturedAt: string }) {
    return this.records.savePreIsolation(incidentId, state);
  }
  recordCleanroomRequest(incidentId: string, request: CleanroomRequest) {
    return this.records.recordCleanroomRequest(incidentId, request);
  }
  consumeCleanroomRequest(
    incidentId: string,
    requestId: string,
    action: CleanroomRequest["action"],
    at: string,
  ) {
    return this.records.consumeCleanroomRequest(incidentId, requestId, action, at);
  }

  // Step claims.
  claimStep(incidentId: string, step: string, leaseMs?: number, claim?: string) {
    return this.claims.claimStep(incidentId, step, leaseMs, claim);
  }
  finishStep(incidentId: string, step: string, status: StepStatus, detail: string, extra?: StepEndExtra) {
    return this.claims.finishStep(incidentId, step, status, detail, extra);
  }
  progressStep(incidentId: string, step: string, claim: string, progress: StepProgress) {
    return this.claims.progressStep(incidentId, step, claim, progress);
  }

  // The containment cap.
  reserveContainment(account: string, instanceId: string, at: string, cap: number) {
    return this.caps.reserveContainment(account, instanceId, at, cap);
  }

  // Dead letters and rejection counters.
  deadLetter(letter: DeadLetter) {
    return this.letters.deadLetter(letter);
  }
  listDeadLetters(limit?: number) {
    return this.letters.listDeadLetters(limit);
  }
  countRejection(window: string, key: RejectionKey, at: string, letter: string, maxKinds: number) {
    return this.rejections.countRejection(window, key, at, letter, maxKinds);
  }
  listRejectionWindows(since: string) {
    return this.rejections.listRejectionWindows(since);
  }
  markRejectionsReported(window: string, from: number, to: number) {
    return this.rejections.markRejectionsReported(window, from, to);
  }
}
