/**
 * What the incident bench measures (bench/incidents.ts): the figures of each phase, and the
 * distributions and call-log rounds they are made of.
 */
import type { CallRecord } from "../cli/local/instrument.ts";

export interface Distribution {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

export interface ContainmentFigures {
  incidents: number;
  instanceShape: string;
  allVerified: boolean;
  /** Finding put on the bus → contain step recorded verified (ms). */
  timeToContainMs: Distribution;
  /** Finding put on the bus → the last isolation swap answered (ms). */
  timeToIsolateMs: Distribution;
  /** Where the time goes (medians, ms). */
  breakdownMs: {
    busToTriage: number;
    triage: number;
    busToContain: number;
    containToIsolated: number;
    isolatedToVerified: number;
  };
  /** How long one AWS call of the contain function took (the emulator's answer time, ms). */
  awsCallMs: Distribution;
  /** Median time to containment of the first and of the last five incidents (the emulator slows as it fills). */
  driftMs: { first5: number; last5: number };
  /** Sequential rounds of AWS calls through the isolation swaps, as containment counts them. */
  rounds: Distribution;
  /** The same, with verification and final tagging. */
  totalRounds: Distribution;
  /** Rounds seen in the call log: the contain function's account calls grouped by overlap, up to the last swap. */
  observedRounds: Distribution;
  /** Average AWS calls per incident, by function and `Service:Operation`. */
  callsPerIncident: Record<string, Record<string, number>>;
  callsPerIncidentByFunction: Record<string, number>;
}

export interface BurstFigures {
  findings: number;
  distinctFindings: number;
  instances: number;
  vpcs: number;
  /** Each check: what, expected, found, pass. */
  /** `core`: the containment-exactly-once checks (the bench fails when one fails). */
  checks: { what: string; pass: boolean; detail: string; core?: boolean }[];
  /** Cancelled DynamoDB transactions (duplicates turned away): each makes the emulator restore the table. */
  cancelledTransactions: number;
  /** First PutEvents → last contain step verified (s), and → last incident settled. */
  containedSeconds: number;
  settledSeconds: number;
  incidentsContainedPerSecond: number;
  incidentsSettledPerSecond: number;
  timeToContainMs: Distribution;
  maxConcurrency: number;
  /** CPU time used during the burst by the responder (this Node process) and by the emulator. */
  cpu: { nodeSeconds: number; motoSeconds: number | undefined };
  /** Operations by the time the handlers spent waiting on them (summed over concurrent calls). */
  slowestOperations: { op: string; seconds: number }[];
  concurrencyPerFunction: number;
  awsCalls: number;
  /** Calls still failing with a throttling error after the SDK's retries. */
  throttlingUnretried: number;
  /** Every call error after the SDK's retries, by name (expected ones included, e.g. NotFound). */
  callErrors: Record<string, number>;
  invocations: number;
  failedInvocations: number;
  /** Events given up after the runner's last attempt. */
  eventsSetAside: number;
  /** The first failed invocations, with their errors. */
  failures: { fn: string; attempt: number; error: string }[];
  /** Incidents whose record disagrees with the markers or did not settle: findings listed, triage timeline. */
  anomalies: {
    incidentId: string;
    findings: string[];
    steps: Record<string, string>;
    triage: string[];
    /** The incident's timeline, step and status only. */
    timeline: string[];
    /** Invocations about the incident: function, attempt, duration, error. */
    invocations: string[];
  }[];
}

export interface IncidentBenchResult {
  containment: ContainmentFigures;
  burst: BurstFigures;
  session: SessionInfo;
}

export interface IncidentBenchOptions {
  incidents?: number;
  burstInstances?: number;
  burstFindings?: number;
  burstVpcs?: number;
  concurrency?: number;
  log?: (line: string) => void;
}

export interface SessionInfo {
  owned: boolean;
  sdkMaxAttempts: number;
  eventAttempts: number;
  concurrency: number;
}

export function distribution(values: number[]): Distribution {
  const s = [...values].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))] ?? 0;
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? (s[mid] ?? 0) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
  return { n: s.length, median, p95: at(0.95), min: s[0] ?? 0, max: s[s.length - 1] ?? 0 };
}

/** Rounds in a call log: calls grouped while they overlap; a call starting after all earlier ones ended opens a round. */
export function roundsOf(calls: CallRecord[]): number {
  const sorted = [...calls].sort((a, b) => a.start - b.start);
  let rounds = 0;
  let end = Number.NEGATIVE_INFINITY;
  for (const c of sorted) {
    if (c.start >= end) rounds++;
    end = Math.max(end, c.end);
  }
  return rounds;
}
