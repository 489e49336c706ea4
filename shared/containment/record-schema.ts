/**
 * Data of EC2 containment: the pre-isolation record (schema first, types inferred), the
 * clients, and the options and outcomes of containment and release.
 */
import type { AutoScalingClient } from "@aws-sdk/client-auto-scaling";
import type { EC2Client } from "@aws-sdk/client-ec2";
import type { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import * as z from "zod";
import type { ActionResult } from "../domain/types.ts";
import type { Task } from "./tracker.ts";
import type { GroupCreation } from "./vocabulary.ts";

/** One network interface as it was before isolation. */
const InterfaceRecordSchema = z.object({
  networkInterfaceId: z.string(),
  groups: z.array(z.string()),
  attachmentId: z.string().optional(),
  deviceIndex: z.number().int().optional(),
  /** Auto-assigned public IPv4 removed by containment (cannot be given back as the same address). */
  publicIp: z.string().optional(),
});

/** An Elastic IP that was associated with one of the instance's interfaces. */
const ElasticIpRecordSchema = z.object({
  allocationId: z.string(),
  publicIp: z.string(),
  networkInterfaceId: z.string(),
  privateIp: z.string(),
  associationId: z.string().optional(),
});

/** A load balancer target group registration of the instance (or of one of its private IPs). */
const TargetRecordSchema = z.object({
  targetGroupArn: z.string(),
  port: z.number().int().optional(),
  /** Registered target id when it is not the instance id (`ip` target groups). */
  targetId: z.string().optional(),
  availabilityZone: z.string().optional(),
});

/**
 * Everything containment changes, as it was before: enough for one command to release the
 * instance. Recorded by the first attempt and reused by every retry.
 */
export const PreIsolationStateSchema = z.object({
  instanceId: z.string(),
  capturedAt: z.string(),
  interfaces: z.array(InterfaceRecordSchema),
  instanceProfileArn: z.string().optional(),
  iamAssociationId: z.string().optional(),
  elasticIps: z.array(ElasticIpRecordSchema),
  autoScalingGroup: z
    .object({
      name: z.string(),
      mode: z.enum(["standby", "detach"]),
      desiredCapacity: z.number().int().optional(),
    })
    .optional(),
  targetGroups: z.array(TargetRecordSchema),
  protection: z.object({
    disableApiTermination: z.boolean(),
    disableApiStop: z.boolean().optional(),
    shutdownBehavior: z.string(),
  }),
  volumesDeleteOnTermination: z.array(
    z.object({ deviceName: z.string(), volumeId: z.string(), deleteOnTermination: z.boolean() }),
  ),
  state: z.string(),
});
export type PreIsolationState = z.infer<typeof PreIsolationStateSchema>;
export type InterfaceRecord = z.infer<typeof InterfaceRecordSchema>;
export type ElasticIpRecord = z.infer<typeof ElasticIpRecordSchema>;
export type TargetRecord = z.infer<typeof TargetRecordSchema>;

/** The SDK clients containment uses; built by the caller (shared/aws/clients.ts). */
export interface ContainmentClients {
  ec2: EC2Client;
  autoScaling: AutoScalingClient;
  elbv2: ElasticLoadBalancingV2Client;
}

/**
 * Managed groups known to be missing, created in containment's first round beside the
 * observation (`EarlyGroupCreation`, ./groups.ts).
 */
export interface EarlyGroups {
  /** A task of the first round: makes the creations, or waits for those already under way. */
  task(): Task;
  /** What the creations gave (nothing before the first round). */
  results(): Promise<GroupCreation[]>;
}

export interface ContainOptions {
  incidentId: string;
  /** Instance profile (deny-all) that replaces the instance's own; unset: identity is left alone. */
  isolationProfileArn?: string;
  /** Plan only: read, never modify; steps say which calls would be made. */
  dryRun: boolean;
  /** Stop the instance once it is isolated (loses memory evidence). */
  stopInstance: boolean;
  asgMode: "standby" | "detach";
  /** Also enable stop protection (DisableApiStop). */
  stopProtection: boolean;
  /** Recorded by an earlier attempt: reused; the pre-state is never re-read from a half-isolated instance. */
  previous?: PreIsolationState;
  /**
   * Keeps the pre-isolation state before the first change (and again, with the target
   * registrations, before the deregistrations): a containment that dies mid-way leaves it.
   * A failure to keep it does not stop containment (the outcome carries the state too).
   */
  persist?: (state: PreIsolationState) => Promise<void>;
  /** Managed groups known to be missing, created in the first round (ignored in a dry run). */
  earlyGroups?: EarlyGroups;
  now?: () => Date;
}

export type ContainmentStatus = "verified" | "failed" | "not-found" | "terminated" | "dry-run";

/** What is still open after containment (or, for a dry run, what is open now). */
export interface Verification {
  ok: boolean;
  open: string[];
}

export interface ContainmentOutcome {
  instanceId: string;
  status: ContainmentStatus;
  /** One per sub-step and target, e.g. `{ name: "network:untracking", target: "eni-…", status: "ok" }`. */
  steps: ActionResult[];
  preIsolation?: PreIsolationState;
  verification: Verification;
  /** Sequential rounds of AWS calls until the instance was network-isolated. */
  rounds: number;
  /** Sequential rounds of AWS calls in all, verification and final tagging included. */
  totalRounds: number;
  /** AWS calls made, reads included. */
  calls: number;
}

export interface ReleaseOptions {
  incidentId: string;
  /** Release even when the instance changed since isolation. */
  force: boolean;
  dryRun: boolean;
  /** The isolation profile containment used; when given, a different current profile is a change. */
  isolationProfileArn?: string;
  now?: () => Date;
}

export type ReleaseStatus = "released" | "refused" | "failed" | "not-found" | "terminated" | "dry-run";

export interface ReleaseOutcome {
  instanceId: string;
  status: ReleaseStatus;
  /** How the instance differs from what containment left (reasons for a refusal). */
  differences: string[];
  steps: ActionResult[];
  /** Read back after release: `open` lists what is not back to the pre-isolation state. */
  verification: Verification;
  rounds: number;
  calls: number;
}
