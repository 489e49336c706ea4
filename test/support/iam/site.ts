/**
 * Where a call is modelled (the account, its region and state around the incident) and the
 * simplest requests of the call model: shared by calls.ts and responder-calls.ts.
 */
import type { IamRequest } from "./simulate.ts";

/** What the account looked like around the incident (merged from before and after it). */
export interface AccountState {
  /** Tags by resource id (i-…, vol-…, eni-…, sg-…, snap-…, eipalloc-…), group name, target group ARN. */
  tags: Record<string, Record<string, string>>;
  /** Attached EBS volumes by instance id. */
  volumes: Record<string, { device: string; volumeId: string }[]>;
  /** Association ids (iip-assoc-…, eipassoc-…) and what they join. */
  associations: Record<string, { instanceId?: string; allocationId?: string; networkInterfaceId?: string }>;
  /** Security group ids by `<vpc id>|<group name>`. */
  groups: Record<string, string>;
  /** Auto Scaling group ARNs by name. */
  autoScalingGroups: Record<string, string>;
  /** Role names (with path) of instance profiles, by profile ARN. */
  profileRoles: Record<string, string[]>;
  /** Stack ARNs by name. */
  stacks: Record<string, string>;
}

/** Where a call is modelled. */
export interface CallSite {
  account: string;
  region: string;
  state: AccountState;
  /** The responder's KMS key (tables, topic, queues and evidence bucket are encrypted with it). */
  responderKeyArn: string;
  /** The asymmetric key that signs sealed manifests (EvidenceSigningKey), when the site has it. */
  signingKeyArn?: string;
  /**
   * Maps a role or instance-profile ARN the call names (made in the responder's own account) to
   * the one the same call names in this account (a member account's isolation profile, its
   * clean-room stack role).
   */
  translate?: (arn: string) => string;
}

// biome-ignore lint/suspicious/noExplicitAny: SDK inputs are read loosely
export type Input = Record<string, any>;

export const unscoped = (action: string, why: string): IamRequest => ({
  action,
  resource: "*",
  context: {},
  why,
});

export const kms = (site: CallSite, service: string, actions: string[], why: string): IamRequest[] =>
  actions.map((action) => ({
    action,
    resource: site.responderKeyArn,
    context: { "kms:ViaService": `${service}.${site.region}.amazonaws.com` },
    why: `${why}: the responder's key through ${service}`,
  }));
