/**
 * What the clean-room lane's modules share: its dependencies, the record it keeps on the
 * incident, the outcomes it returns and the names of its steps. No logic beyond reading the record.
 */
import type { CleanroomClients, TemplateSource } from "../../cleanroom/index.ts";
import type { EmulatorQuirks } from "../../runtime/quirks.ts";
import type { BaseDeps } from "../deps.ts";

export { CLEANROOM_DESTROY_STEP, CLEANROOM_STEP } from "../../actions/step-names.ts";
export type { CleanroomRecord, SquattedStack } from "../../incident/record.ts";
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
   * The endpoint's departures from AWS (none in AWS; the local runner supplies the emulator's):
   * whether each evidence volume gets the snapshot's size explicitly, and what a deleted stack
   * left behind.
   */
  quirks: EmulatorQuirks;
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

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
