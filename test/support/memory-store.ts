/**
 * An in-memory incident store for lane tests, with the DynamoDB store's semantics (claims and
 * their leases, markers that decide duplicate, join and recurrence, conditional counters) but
 * without its concurrency. `seed()` puts an incident as it stands, markers and all.
 */
import type { StepStatus } from "../../shared/domain/types.ts";
import { NotFoundError } from "../../shared/errors/index.ts";
import type { CleanroomRequest, IncidentRecord, TimelineEntry } from "../../shared/incident/model.ts";
import type { PreIsolationState } from "../../shared/incident/record.ts";
import {
  type CountedRejection,
  capWindows,
  type DeadLetter,
  type EscalationChange,
  type IncidentStore,
  type OpenOptions,
  type OpenResult,
  OTHER_REJECTIONS,
  type RejectionKey,
  type RejectionKind,
  type RejectionWindow,
  type Reservation,
  type StepEndExtra,
  type StepProgress,
} from "../../shared/incident/store.ts";

/** Sets `a.b.c` in an object, creating the path. */
function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split(".");
  let o = target;
  for (const p of parts.slice(0, -1)) {
    if (typeof o[p] !== "object" || o[p] === null) o[p] = {};
    o = o[p] as Record<string, unknown>;
  }
  o[parts[parts.length - 1] ?? ""] = structuredClone(value);
}

export class MemoryStore implements IncidentStore {
  readonly records = new Map<string, IncidentRecord>();
  readonly letters: DeadLetter[] = [];
  /** Finding markers: finding key → incident id and the latest version seen (as in DynamoDB). */
  readonly findings = new Map<string, { incidentId: string; lastSeen: string }>();
  /** Open markers: resource key → incident id. */
  readonly openResources = new Map<string, string>();
  /** Containment slots per account and window. */
  readonly slots = new Map<string, Set<string>>();

  private findingKeyOf(f: IncidentRecord["finding"]): string {
    return `${f.drill ? "DRILL#" : ""}${f.account}#${f.source}#${f.id}`;
  }

  /** Puts (or replaces) an incident as it stands, markers and all: the arrangement of a lane test. */
  seed(incident: IncidentRecord): void {
    this.records.set(incident.incidentId, structuredClone(incident));
    this.findings.set(this.findingKeyOf(incident.finding), {
      incidentId: incident.incidentId,
      lastSeen: incident.finding.time,
    });
    if (incident.status === "open") this.openResources.set(incident.resourceKey, incident.incidentId);
  }

  /** The DynamoDB store's semantics, without its concurrency: markers decide duplicate, join, recurrence. */
  async open(incident: IncidentRecord, options: OpenOptions = {}): Promise<OpenResult> {
    const f = incident.finding;
    const key = this.findingKeyOf(f);
    const marker = this.findings.get(key);
    if (marker && marker.incidentId !== options.recurrenceOf) {
      if (this.records.get(marker.incidentId)?.status === "closed")
        return { outcome: "recurred", closedIncidentId: marker.incidentId };
      const seenAgain = f.time > marker.lastSeen;
      if (seenAgain) marker.lastSeen = f.time;
      return { outcome: "duplicate", incidentId: marker.incidentId, ...(seenAgain ? { seenAgain } : {}) };
    }
    const open = this.openResources.get(incident.resourceKey);
    if (open) {
      const r = this.records.get(open)!;
      this.findings.set(key, { incidentId: open, lastSeen: f.time });
      if (r.findings.some((x) => x.source === f.source && x.id === f.id))
        return { outcome: "duplicate", incidentId: open };
      r.findings.push({ id: f.id, source: f.source, type: f.type, time: f.time, severity: f.severity });
      r.timeline.push({
        at: new Date().toISOString(),
        step: "triage",
        status: "info",
        detail: `finding ${f.id} joined`,
      });
      return { outcome: "joined", incidentId: open };
    }
    this.records.set(incident.incidentId, structuredClone(incident));
    this.findings.set(key, { incidentId: incident.incidentId, lastSeen: f.time });
    this.openResources.set(incident.resourceKey, incident.incidentId);
    return { outcome: "created", incident };
  }
  async reserveContainment(
    account: string,
    instanceId: string,
    at: string,
    cap: number,
  ): Promise<Reservation> {
    const w = capWindows(at);
    const prev = this.slots.get(`${account}#${w.previous}`)?.size ?? 0;
    const key = `${account}#${w.current}`;
    const cur = this.slots.get(key) ?? new Set<string>();
    this.slots.set(key, cur);
    const carried = Math.floor(prev * w.previousWeight);
    if (!cur.has(instanceId) && carried + cur.size >= cap)
      return { reserved: false, used: carried + cur.size };
    cur.add(instanceId);
    return { reserved: true, used: carried + cur.size };
  }
  async reopenSteps(incidentId: string, steps: string[]): Promise<void> {
    const r = this.records.get(incidentId);
    for (const step of steps) if (r?.steps[step] && r.steps[step]?.status !== "running") delete r.steps[step];
  }
  async escalate(incidentId: string, change: EscalationChange): Promise<boolean> {
    const r = this.records.get(incidentId);
    if (r?.status !== "open" || (r.planRevision ?? 0) !== change.fromRevision) return false;
    r.plan = structuredClone(change.plan);
    r.impact = structuredClone(change.impact);
    r.planRevision = change.fromRevision + 1;
    for (const step of change.resetSteps) if (r.steps[step]?.status !== "running") delete r.steps[step];
    r.timeline.push({
      at: new Date().toISOString(),
      step: "escalation",
      status: "info",
      detail: change.detail,
    });
    return true;
  }
  async get(incidentId: string): Promise<IncidentRecord> {
    const r = this.records.get(incidentId);
    if (!r) throw new NotFoundError(`incident ${incidentId} not found`);
    return structuredClone(r);
  }
  async find(incidentId: string): Promise<IncidentRecord | undefined> {
    const r = this.records.get(incidentId);
    return r ? structuredClone(r) : undefined;
  }
  async incidentOfFinding(): Promise<string | undefined> {
    return undefined;
  }
  async claimStep(incidentId: string, step: string, leaseMs = 300_000, claim?: string): Promise<boolean> {
    const r = this.records.get(incidentId);
    if (!r) return false;
    const s = r.steps[step];
    const now = Date.now();
    if (s && s.status !== "failed" && !(s.status === "running" && (s.leaseUntil ?? 0) < now)) return false;
    r.steps[step] = {
      status: "running",
      startedAt: new Date(now).toISOString(),
      attempts: (s?.attempts ?? 0) + 1,
      leaseUntil: now + leaseMs,
      ...(claim ? { claim } : {}),
    };
    return true;
  }
  async finishStep(
    incidentId: string,
    step: string,
    status: StepStatus,
    detail: string,
    extra: StepEndExtra = {},
  ): Promise<boolean> {
    const r = this.records.get(incidentId);
    if (!r) throw new NotFoundError(incidentId);
    // As the DynamoDB store's condition: only while the step is running under the claim given.
    const held = r.steps[step];
    if (extra.claim && !(held?.status === "running" && held.claim === extra.claim)) return false;
    const endedAt = new Date().toISOString();
    r.steps[step] = {
      status,
      startedAt: r.steps[step]?.startedAt ?? endedAt,
      endedAt,
      detail,
      attempts: r.steps[step]?.attempts ?? 1,
      ...(extra.error ? { error: extra.error } : {}),
    };
    r.timeline.push({ at: endedAt, step, status, detail, ...(extra.error ? { error: extra.error } : {}) });
    for (const note of extra.notes ?? []) r.timeline.push({ at: endedAt, ...note });
    r.actions.push(...(extra.actions ?? []));
    for (const [k, v] of Object.entries(extra.set ?? {}))
      setPath(r as unknown as Record<string, unknown>, k, v);
    return true;
  }
  async progressStep(
    incidentId: string,
    step: string,
    claim: string,
    progress: StepProgress,
  ): Promise<boolean> {
    const r = this.records.get(incidentId);
    if (!r) throw new NotFoundError(incidentId);
    const held = r.steps[step];
    if (!(held?.status === "running" && held.claim === claim)) return false;
    const at = new Date().toISOString();
    for (const note of progress.notes ?? []) r.timeline.push({ at, ...note });
    for (const [k, v] of Object.entries(progress.set ?? {}))
      setPath(r as unknown as Record<string, unknown>, k, v);
    if (progress.release) held.leaseUntil = 0;
    return true;
  }
  async note(
    incidentId: string,
    entry: Omit<TimelineEntry, "at">,
    set: Record<string, unknown> = {},
  ): Promise<void> {
    const r = this.records.get(incidentId);
    if (!r) throw new NotFoundError(incidentId);
    r.timeline.push({ at: new Date().toISOString(), ...entry });
    for (const [k, v] of Object.entries(set)) setPath(r as unknown as Record<string, unknown>, k, v);
  }
  async recordAlert(incidentId: string, alert: IncidentRecord["alerts"][number]): Promise<void> {
    this.records.get(incidentId)?.alerts.push(alert);
  }
  async savePreIsolation(
    incidentId: string,
    state: { instanceId: string; capturedAt: string },
  ): Promise<void> {
    const r = this.records.get(incidentId);
    if (!r) throw new NotFoundError(incidentId);
    const pre = { ...r.containment?.preIsolation };
    const kept = pre[state.instanceId];
    if (kept && kept.capturedAt !== state.capturedAt) return;
    pre[state.instanceId] = structuredClone(state) as PreIsolationState;
    r.containment = { ...r.containment, preIsolation: pre };
  }
  async close(incidentId: string): Promise<void> {
    const r = this.records.get(incidentId);
    if (r) {
      r.status = "closed";
      this.openResources.delete(r.resourceKey);
    }
  }
  async listOpen(): Promise<IncidentRecord[]> {
    return [...this.records.values()].filter((r) => r.status === "open").map((r) => structuredClone(r));
  }
  async deadLetter(letter: DeadLetter): Promise<void> {
    this.letters.push(letter);
  }
  async listDeadLetters(): Promise<DeadLetter[]> {
    return this.letters;
  }
  /** Rejection windows: window start → reported count, and its kinds by key. */
  readonly rejections = new Map<
    string,
    { reported: number; places: number; kinds: Map<string, RejectionKind> }
  >();
  async countRejection(
    window: string,
    key: RejectionKey,
    at: string,
    letter: string,
    maxKinds: number,
  ): Promise<CountedRejection> {
    // Same semantics as the DynamoDB store: one atomic step per event (no await in between).
    let w = this.rejections.get(window);
    if (!w) {
      w = { reported: 0, places: 0, kinds: new Map() };
      this.rejections.set(window, w);
    }
    const sk = (k: RejectionKey) => `${k.stage}|${k.source}|${k.reason}`;
    let counted = key;
    let overflow = false;
    if (!w.kinds.has(sk(key))) {
      if (w.places < maxKinds) w.places += 1;
      else {
        counted = { stage: key.stage, ...OTHER_REJECTIONS };
        overflow = true;
      }
    }
    const kind = w.kinds.get(sk(counted)) ?? {
      ...counted,
      count: 0,
      firstAt: at,
      lastAt: at,
      firstLetter: letter,
    };
    kind.count += 1;
    kind.lastAt = at;
    w.kinds.set(sk(counted), kind);
    return { key: counted, count: kind.count, overflow };
  }
  async listRejectionWindows(since: string): Promise<RejectionWindow[]> {
    return [...this.rejections.entries()]
      .filter(([window]) => window >= since)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([window, w]) => ({
        window,
        reported: w.reported,
        kinds: [...w.kinds.values()].map((k) => ({ ...k })),
      }));
  }
  async markRejectionsReported(window: string, from: number, to: number): Promise<boolean> {
    const w = this.rejections.get(window);
    if (!w || w.reported !== from) return false;
    w.reported = to;
    return true;
  }
  async recordCleanroomRequest(incidentId: string, request: CleanroomRequest): Promise<void> {
    const r = this.records.get(incidentId);
    if (!r) throw new NotFoundError(incidentId);
    r.cleanroomRequests ??= {};
    if (r.cleanroomRequests[request.requestId]) return;
    r.cleanroomRequests[request.requestId] = structuredClone(request);
    r.timeline.push({
      at: request.at,
      step: "cleanroom-request",
      status: "info",
      detail: `clean room ${request.action} requested by ${request.by}`,
    });
  }
  async consumeCleanroomRequest(
    incidentId: string,
    requestId: string,
    action: CleanroomRequest["action"],
    at: string,
  ): Promise<boolean> {
    const req = this.records.get(incidentId)?.cleanroomRequests?.[requestId];
    if (!req || req.consumedAt || req.action !== action) return false;
    req.consumedAt = at;
    return true;
  }
}
