/**
 * The vocabulary of containment, the bottom layer every other module of it builds on: the
 * names and tags the responder gives to what it creates and touches, the two roles of its
 * security groups, and planned calls — one mutating API call with its exact input, one
 * sub-step on one target, and how a call reads in a dry run or a plan. Imports nothing of
 * containment.
 */
import type { ActionStatus } from "../domain/types.ts";

/** Tag keys the responder writes on instances and on its own security groups. */
export const TAG = {
  incidentId: "incident-responder:incident-id",
  state: "incident-responder:state",
  isolatedAt: "incident-responder:isolated-at",
  releasedAt: "incident-responder:released-at",
  role: "incident-responder:role",
  managed: "incident-responder:managed",
} as const;

/** The two responder-managed security groups of a VPC. */
export type GroupRole = "untracking" | "isolation";

/** Names of the managed groups, one pair per VPC. */
export const GROUP_NAME: Record<GroupRole, string> = {
  untracking: "incident-responder-untracking",
  isolation: "incident-responder-isolation",
};

export const GROUP_DESCRIPTION: Record<GroupRole, string> = {
  untracking:
    "incident-responder: all traffic allowed both ways so that tracked connections become untracked; transitional",
  isolation: "incident-responder: no ingress, no egress; network isolation of contained instances",
};

/** A managed group to create, and what came of its creation. */
export interface GroupCreation {
  vpcId: string;
  role: GroupRole;
  /** Set when CreateSecurityGroup succeeded. */
  groupId?: string;
}

/** IAM-style service prefixes: `${service}:${operation}` is the IAM action the call needs. */
export type Service = "ec2" | "autoscaling" | "elasticloadbalancing";

/** One mutating API call, with its exact input. */
export interface PlannedCall {
  service: Service;
  operation: string;
  input: Record<string, unknown>;
  /**
   * A managed group the call needs, which may not exist yet: its id replaces `GroupId` (or
   * `Groups`) when the call is made.
   */
  groupRef?: { vpcId: string; role: GroupRole };
}

/**
 * When a step runs: `early` right after round 1; `untrack` then `isolate` are the two swaps
 * (after group preparation when a group is missing); `deregister` once target health is
 * known; `stop` with verification; `final` after it.
 */
export type Phase = "early" | "untrack" | "isolate" | "deregister" | "stop" | "final";

/** The phases in the order they run. */
export const PHASES: readonly Phase[] = ["early", "untrack", "isolate", "deregister", "stop", "final"];

/** One sub-step on one target: a call to make, or the reason there is none. */
export interface PlannedStep {
  name: string;
  target: string;
  phase: Phase;
  call?: PlannedCall;
  /** Without a call: `skipped` (nothing to do), `failed`/`unsupported` (blocked by an unknown). */
  status?: ActionStatus;
  detail?: string;
  data?: Record<string, unknown>;
}

/** An EC2 call. */
export const ec2Call = (operation: string, input: Record<string, unknown>): PlannedCall => ({
  service: "ec2",
  operation,
  input,
});

/** A step with nothing to do, and why. */
export const skipStep = (name: string, target: string, phase: Phase, detail: string): PlannedStep => ({
  name,
  target,
  phase,
  status: "skipped",
  detail,
});

/** A step that cannot be planned because a read failed: `unsupported` when the endpoint lacks the API. */
export const blockedStep = (
  name: string,
  target: string,
  phase: Phase,
  what: string,
  k: { error: string; unsupported: boolean },
): PlannedStep => ({
  name,
  target,
  phase,
  status: k.unsupported ? "unsupported" : "failed",
  detail: `${what}: ${k.error}`,
});

function formatValue(v: unknown): string {
  if (Array.isArray(v) && v.every((x) => typeof x !== "object" || x === null)) return `[${v.join(",")}]`;
  if (typeof v === "object" && v !== null) return JSON.stringify(v);
  return String(v);
}

/** One call as a readable line: `ec2:ModifyNetworkInterfaceAttribute NetworkInterfaceId=eni-1 Groups=[sg-2]`. */
export function formatCall(call: PlannedCall): string {
  const params = Object.entries(call.input)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${formatValue(v)}`);
  return [`${call.service}:${call.operation}`, ...params].join(" ");
}
