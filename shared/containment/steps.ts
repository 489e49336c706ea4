/**
 * The vocabulary of plans: one mutating API call with its exact input, one sub-step on one
 * target, and how a call reads in a dry run.
 */
import type { ActionStatus } from "../domain/types.ts";
import type { GroupRole } from "./schema.ts";

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
