/**
 * Ports of the incident store, one per concern: reading incidents, their notes and alerts, their
 * life (open, escalate, close), the state containment keeps early, clean-room requests, step
 * claims, the containment cap, dead letters and rejection counters. A lane depends on the ports
 * it uses; {@link IncidentStore} is all of them (store.ts composes the DynamoDB ones).
 */
import type { ActionResult, Impact, Plan, StepStatus } from "../domain/types.ts";
import type { CleanroomRequest, IncidentRecord, TimelineEntry } from "./model.ts";

/** The result of trying to open an incident for a finding. */
export type OpenResult =
  | { outcome: "created"; incident: IncidentRecord }
  /**
   * The finding is already on an open incident. `seenAgain` when this copy is a newer version
   * of it (GuardDuty re-publishes an ongoing finding under its id with a later `updatedAt`),
   * reported to exactly one of the copies that carry that version.
   */
  | { outcome: "duplicate"; incidentId: string; seenAgain?: boolean }
  | { outcome: "joined"; incidentId: string }
  /** The finding belongs to an incident that was closed: it recurred (see {@link OpenOptions.recurrenceOf}). */
  | { outcome: "recurred"; closedIncidentId: string };

/** Options of {@link IncidentLifecycle.open}. */
export interface OpenOptions {
  /**
   * The closed incident whose finding recurred: the new incident takes over the finding's
   * marker from it (and only from it).
   */
  recurrenceOf?: string;
}

/** How many times opening looks again when the markers change under it. */
export const OPEN_ATTEMPTS = 3;

/** A grown decision for {@link IncidentLifecycle.escalate}. */
export interface EscalationChange {
  /** The plan revision the merge was made from (0 for the plan the incident opened with). */
  fromRevision: number;
  plan: Plan;
  impact: Impact;
  /** Steps to make claimable again (their lane has more to do). */
  resetSteps: string[];
  /** What grew, for the timeline. */
  detail: string;
}

/** Port: reading incidents. */
export interface IncidentReader {
  /** The incident; a {@link NotFoundError} when there is none. */
  get(incidentId: string): Promise<IncidentRecord>;
  find(incidentId: string): Promise<IncidentRecord | undefined>;
  /** The open incidents, oldest first (their record items: no timeline, actions or alerts). */
  listOpen(): Promise<IncidentRecord[]>;
  /** The incident a finding opened or joined, if any (`drill`: the finding came in a drill). */
  incidentOfFinding(
    account: string,
    source: string,
    findingId: string,
    drill?: boolean,
  ): Promise<string | undefined>;
}

/** Port: an incident's timeline notes and the alerts sent about it. */
export interface IncidentNotes {
  /** Adds a timeline entry, and sets record attributes (dotted paths) with it. */
  note(incidentId: string, entry: Omit<TimelineEntry, "at">, set?: Record<string, unknown>): Promise<void>;
  recordAlert(incidentId: string, alert: IncidentRecord["alerts"][number]): Promise<void>;
}

/** Port: an incident's life: opened (or joined), escalated, closed. */
export interface IncidentLifecycle {
  /**
   * Opens the incident, or says where its finding already is: a duplicate (same finding, open
   * incident), joined (another finding on the same resource's open incident) or recurred (the
   * finding's incident was closed). Bounded: gives up with a retryable {@link ConflictError}
   * after {@link OPEN_ATTEMPTS} looks when concurrent writers keep changing the markers.
   */
  open(incident: IncidentRecord, options?: OpenOptions): Promise<OpenResult>;
  /**
   * Replaces the incident's decision by a grown one, conditional on the revision it was read at
   * (false when a concurrent escalation won: read again and merge again), and makes the steps
   * whose work grew claimable again (those not running).
   */
  escalate(incidentId: string, change: EscalationChange): Promise<boolean>;
  /** Makes finished steps claimable again (their lane has more to do); running ones are left alone. */
  reopenSteps(incidentId: string, steps: string[]): Promise<void>;
  close(incidentId: string, detail: string): Promise<void>;
}

/** Port: the pre-isolation state containment keeps before its first change. */
export interface PreIsolationLog {
  /**
   * Keeps an instance's pre-isolation state as soon as containment has read it, before its
   * first change: a containment that dies mid-way leaves it for the retry and for release.
   * A state captured at another time (an earlier attempt's) is never overwritten.
   */
  savePreIsolation(incidentId: string, state: { instanceId: string; capturedAt: string }): Promise<void>;
}

/** Port: clean-room requests people record on an incident. */
export interface CleanroomRequests {
  /**
   * Records a person's clean-room request on the incident (`cleanroomRequests`), written with the
   * caller's own credentials. A request id already recorded is never overwritten.
   */
  recordCleanroomRequest(incidentId: string, request: CleanroomRequest): Promise<void>;
  /**
   * Marks a recorded request consumed, once and atomically: true for the one caller that
   * consumed it; false when the id is not recorded, is for the other action, or was consumed.
   */
  consumeCleanroomRequest(
    incidentId: string,
    requestId: string,
    action: CleanroomRequest["action"],
    at: string,
  ): Promise<boolean>;
}

/** Everything about incident records. */
export type IncidentRecords = IncidentReader &
  IncidentNotes &
  IncidentLifecycle &
  PreIsolationLog &
  CleanroomRequests;

/** What a step's end records besides its status and detail. */
export interface StepEndExtra {
  error?: string;
  actions?: ActionResult[];
  /** Record attributes to set with it (dotted paths). */
  set?: Record<string, unknown>;
  /** Timeline notes written with the end (after its own entry, at the same time). */
  notes?: Omit<TimelineEntry, "at">[];
  /**
   * Writes the end only while the step is still `running` under this claim (the id given to
   * {@link StepClaims.claimStep}): a step that has ended already, or that another worker claimed
   * since, is left as it is.
   */
  claim?: string;
}

/** What {@link StepClaims.progressStep} records. */
export interface StepProgress {
  /** Record attributes to set (dotted paths). */
  set?: Record<string, unknown>;
  notes?: Omit<TimelineEntry, "at">[];
  /** End the claim's lease now: the step is claimable again at once. */
  release?: boolean;
}

/** Port: the step map, where lanes claim and finish their steps. */
export interface StepClaims {
  /**
   * Claims a step for this worker; false when it is done or owned by a live worker. `claim`, an
   * id unique to this claim, is recorded with it (see {@link StepEndExtra.claim}).
   */
  claimStep(incidentId: string, step: string, leaseMs?: number, claim?: string): Promise<boolean>;
  /**
   * Ends a step: its record in the step map, a timeline entry, its notes, its action results, and
   * `set`. True when written; false only when `extra.claim` was given and the step was not
   * running under it (nothing written).
   */
  finishStep(
    incidentId: string,
    step: string,
    status: StepStatus,
    detail: string,
    extra?: StepEndExtra,
  ): Promise<boolean>;
  /**
   * Records a running step's progress: `set` and timeline `notes`, only while the step is still
   * running under `claim`. With `release`, the claim's lease ends now, so that the next
   * invocation (or the schedule's resume of stalled steps) claims the step again and continues
   * from what `set` recorded. False when the step was not running under the claim (nothing written).
   */
  progressStep(incidentId: string, step: string, claim: string, progress: StepProgress): Promise<boolean>;
}

/** The answer to {@link ContainmentCaps.reserveContainment}. */
export interface Reservation {
  reserved: boolean;
  /** Slots used in the last hour (sliding), this one included when reserved. */
  used: number;
}

/** Port: the blast-radius counter, containments per account and hour. */
export interface ContainmentCaps {
  /**
   * Reserves one of the account's containment slots for an instance, atomically, before its
   * containment starts: a burst of findings cannot pass the cap between reading and acting.
   * The hour is a sliding window (the current clock hour plus the previous one, weighted by how
   * much of it is still inside the last 60 minutes). Idempotent per instance and window.
   */
  reserveContainment(account: string, instanceId: string, at: string, cap: number): Promise<Reservation>;
}

/** A dead-letter record: an event that could not be handled, kept for the user to list. */
export interface DeadLetter {
  id: string;
  at: string;
  error: string;
  errorName: string;
  path?: string;
  source?: string;
  detailType?: string;
  /** The event, truncated to keep the item small. */
  event: string;
}

/** Port: events that could not be handled. */
export interface DeadLetters {
  deadLetter(letter: DeadLetter): Promise<void>;
  /** The newest first. */
  listDeadLetters(limit?: number): Promise<DeadLetter[]>;
}

/**
 * A kind of rejected event: bounded values built by the responder (the event's source when it
 * is a plain identifier, the error's class and where in the event), never the event's free text.
 */
export interface RejectionKey {
  stage: "rejected" | "failed";
  source: string;
  reason: string;
}

/** The kind events are counted under once a window holds its maximum of kinds. */
export const OTHER_REJECTIONS = { source: "*", reason: "other kinds" } as const;

/** What {@link RejectionCounters.countRejection} counted. */
export interface CountedRejection {
  /** The kind counted: the event's own, or its stage's {@link OTHER_REJECTIONS}. */
  key: RejectionKey;
  /** The kind's count in the window after this event: 1 for the first. */
  count: number;
  /** True when the window was full and the event was counted under {@link OTHER_REJECTIONS}. */
  overflow: boolean;
}

/** One kind's count in a window. */
export interface RejectionKind extends RejectionKey {
  count: number;
  firstAt: string;
  lastAt: string;
  /** The dead letter (`at#id`) of the first event of the kind in the window. */
  firstLetter?: string;
}

/** A window of rejected events: its kinds, and how many of its events were reported by summaries. */
export interface RejectionWindow {
  /** Start of the window (ISO-8601). */
  window: string;
  /** Events not alerted one by one that summaries have reported so far. */
  reported: number;
  kinds: RejectionKind[];
}

/** Port: counters of rejected events, per kind and window. */
export interface RejectionCounters {
  /**
   * Counts one rejected event of a kind in a window (one atomic `ADD`) and returns the kind's
   * new count: 1 for the first of its kind in the window, whichever container counts it. A
   * window holds at most `maxKinds` kinds; events of any further kind are counted under their
   * stage's {@link OTHER_REJECTIONS} kind (`overflow`). Items expire a week after the window.
   */
  countRejection(
    window: string,
    key: RejectionKey,
    at: string,
    letter: string,
    maxKinds: number,
  ): Promise<CountedRejection>;
  /** The windows that start at or after `since`, oldest first, with their kinds and counts. */
  listRejectionWindows(since: string): Promise<RejectionWindow[]>;
  /**
   * Moves a window's `reported` count from `from` to `to`; false when it was not `from`
   * (another run reported it first). Called with the two swapped, it gives a claim back.
   */
  markRejectionsReported(window: string, from: number, to: number): Promise<boolean>;
}

/** Port: where incidents live, every concern of it. */
export type IncidentStore = IncidentRecords & StepClaims & ContainmentCaps & DeadLetters & RejectionCounters;
