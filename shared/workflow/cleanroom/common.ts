/**
 * What the clean-room lane's modules share: its dependencies, the record it keeps on the
 * incident, the outcomes it returns and the names of its steps. No logic beyond reading the record.
 */
import type { CleanroomClients, TemplateSource } from "../../cleanroom/index.ts";
import type { IncidentRecord } from "../../incident/model.ts";
import type { BaseDeps } from "../deps.ts";

export { CLEANROOM_DESTROY_STEP, CLEANROOM_STEP } from "../../actions/steps.ts";
/** Who creates the stacks (the CreatedBy parameter and tag). */
export const CLEANROOM_CREATOR = "incident-responder/cleanroom";

export interface CleanroomDeps extends BaseDeps {
  /** Clients in the account (and region) that holds the incident's snapshots. */
  clientsFor(account: string, incidentId: string): Promise<CleanroomClients>;
  /** The template, read once. */
  template(): Promise<TemplateSource>;
  /** The evidence bucket and its key: the workstation reads the incident's prefix. */
  bucket: string;
  kmsKeyArn?: string;
  /**
   * True against an emulator (an endpoint is configured): each evidence volume gets the
   * snapshot's size explicitly, because moto needs a Size. In AWS the template's 0 means the same.
   */
  explicitVolumeSize: boolean;
  /** The responder's own account (the expiry sweep always looks there). */
  ownAccount(): Promise<string>;
  /**
   * The CloudFormation service role that creates the stack's resources in `account` (see
   * `cleanroomStackRoleFor`); undefined: CloudFormation uses the caller's credentials.
   */
  stackRoleArnFor?(account: string): Promise<string | undefined>;
  /**
   * The permissions boundary of the workstation role in `account` (see
   * `workstationBoundaryFor`); undefined: none (the emulator, or a stack role without the condition).
   */
  workstationBoundaryFor?(account: string): Promise<string | undefined>;
  /** How long a status event waits for a launch or destroy still being recorded (ms). */
  settleWaitMs?: number;
  /** Random hex digits (launch ids, stack name suffixes); crypto's by default. */
  randomHex?(digits: number): string;
}

/** A stack found under the incident's predictable name that the responder did not create. */
export interface SquattedStack {
  stackName: string;
  /** Its stack id, when it is a well-formed stack ARN. */
  stackId?: string;
  /** Its status, when it is a well-formed status. */
  status?: string;
  detectedAt: string;
}

/** What the lane records on the incident, as `cleanroom`. */
export interface CleanroomRecord {
  stackName: string;
  /** The stack id CreateStack returned: the only stack the lane reads, moves or deletes. */
  stackId?: string;
  /** Random, recorded before CreateStack and tagged on the stack (`incident-responder:launch-id`). */
  launchId?: string;
  /** When the lane asked CloudFormation to create the stack. */
  createRequestedAt?: string;
  status: string;
  /** The outputs that passed their grammar checks (shared/cleanroom/trust.ts), never raw output text. */
  outputs: Record<string, string>;
  /** The Session Manager command, built from the validated instance id and region. */
  connect?: string;
  /** The names of the outputs that failed their checks and were not kept. */
  untrustedOutputs?: string[];
  expiresAt?: string;
  snapshotIds?: string[];
  /** Who asked, from the request recorded on the incident (the STS identity). */
  requestedBy?: string;
  /** The recorded request the launch acted on. */
  requestId?: string;
  readyAt?: string;
  destroyedAt?: string;
  /** Resources still there after the stack was deleted (the emulator leaves some). */
  leftovers?: string[];
  /** Stacks that held the predictable name without the responder creating them (possible attack). */
  squatted?: SquattedStack[];
}

/** What one invocation did. */
export interface CleanroomOutcome {
  action: "launch" | "destroy" | "status" | "sweep" | "ignored" | "request";
  incidentId?: string;
  outcome: string;
  detail: string;
}

/** Why a launch runs. */
export type LaunchTrigger =
  | { kind: "evidence" }
  | { kind: "request"; requestedBy?: string; requestId?: string };
/** Why a destroy runs. */
export type DestroyTrigger =
  | { kind: "request"; requestedBy?: string; requestId?: string }
  | { kind: "expired"; expiresAt: string };

/** An event as the lane receives it. */
export type AnyEvent = {
  source?: string;
  "detail-type"?: string;
  account?: string;
  detail?: Record<string, unknown>;
};

/** The clean-room record of an incident, when it has one. */
export function recordOf(incident: IncidentRecord): CleanroomRecord | undefined {
  const r = incident.cleanroom as CleanroomRecord | undefined;
  return r && typeof r.stackName === "string" ? r : undefined;
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
