/** What an alert is made of: its stages, its input and the message built from it. */
import type { ActionResult } from "../domain/types.ts";
import type { IncidentRecord } from "../incident/model.ts";

export type AlertStage =
  | "opened"
  | "contained"
  | "containment-failed"
  | "evidence-preserved"
  | "cleanroom-ready"
  | "cleanroom-destroyed"
  | "awaiting-approval"
  | "protected"
  | "failed"
  | "escalated"
  | "recurred"
  | "released"
  | "denied"
  | "closed"
  | "rejected"
  | "preflight";

/** Every stage, in the order an incident usually goes through them. */
export const ALERT_STAGES: readonly AlertStage[] = [
  "opened",
  "recurred",
  "escalated",
  "awaiting-approval",
  "protected",
  "contained",
  "containment-failed",
  "evidence-preserved",
  "cleanroom-ready",
  "cleanroom-destroyed",
  "failed",
  "denied",
  "released",
  "closed",
  "rejected",
  "preflight",
];

export interface AlertMessage {
  stage: AlertStage;
  subject: string;
  /** Plain text for e-mail (and the default for every other protocol). */
  text: string;
  /** The same facts for machines (SQS, Lambda, HTTP(S), email-json subscribers). */
  json: Record<string, unknown>;
  /** SNS message attributes: non-empty strings, at most 10, for filter policies. */
  attributes: Record<string, string>;
}

export interface AlertInput {
  stage: AlertStage;
  incident?: IncidentRecord;
  /** One line: what happened at this stage. */
  summary: string;
  done?: ActionResult[];
  failed?: { what: string; error: string }[];
  leftToDo?: string[];
  /** Extra facts (evidence location, connection command…). */
  facts?: Record<string, string>;
  /** For alerts without an incident (rejected events). */
  account?: string;
  /** For alerts without an incident: what it is about (e.g. the event's source and detail-type). */
  about?: string;
  /** The evidence bucket, so that the body names the real evidence location. */
  evidenceBucket?: string;
  /** When the alert was built (ISO-8601); the JSON form carries it. */
  at?: string;
}
