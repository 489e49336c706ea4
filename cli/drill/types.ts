/** The shapes a drill works with: its clients, the alerts it receives, its context and outcome. */
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import type { IAMClient } from "@aws-sdk/client-iam";
import type { S3Client } from "@aws-sdk/client-s3";
import type { SNSClient } from "@aws-sdk/client-sns";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { ResponderResources } from "../../shared/config/index.ts";
import type { IncidentRecord, TimelineEntry } from "../../shared/incident/model.ts";
import type { IncidentStore } from "../../shared/incident/store.ts";
import type { Check } from "./checks-iam.ts";

export interface DrillClients {
  ec2: EC2Client;
  events: EventBridgeClient;
  s3: S3Client;
  sqs: SQSClient;
  sns: SNSClient;
  /** Reads roles and users back (credential and IAM user scenarios). */
  iam: IAMClient;
}

/** An alert as a subscriber on the topic received it. */
export interface ReceivedAlert {
  subject: string;
  stage: string;
  incidentId?: string;
  attributes: Record<string, string>;
  body: Record<string, unknown>;
}

export type { Check } from "./checks-iam.ts";

export interface DrillOutcome {
  scenario: string;
  target: string;
  incidentId?: string;
  settled: boolean;
  incident?: IncidentRecord;
  eventPutAt: number;
  timeToContainMs?: number;
  timeToEvidenceMs?: number;
  alerts: ReceivedAlert[];
  checks: Check[];
  pass: boolean;
}

export interface RunDrillContext {
  clients: Pick<DrillClients, "ec2" | "events" | "s3"> & Partial<Pick<DrillClients, "sqs" | "iam">>;
  store: IncidentStore;
  resources: Pick<ResponderResources, "evidenceBucket">;
  /** A queue subscribed to the alert topic; without one, the alerts recorded on the incident count. */
  alertQueueUrl?: string;
  /** Demo-only expectations (tier, playbook) are checked: true for the local demo account. */
  demo?: boolean;
  onEntry?: (e: TimelineEntry, elapsedMs: number) => void;
  /** Called once the incident has settled: the caller waits for in-flight alerts (e.g. runner idle). */
  afterSettled?: () => Promise<void>;
  timeoutMs?: number;
}
