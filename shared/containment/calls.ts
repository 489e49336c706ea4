/**
 * Makes planned calls: maps a {@link PlannedCall} to its SDK command and client, fills in the
 * managed group it refers to, and reports the sub-step as an {@link ActionResult}.
 */
import {
  AttachInstancesCommand,
  DetachInstancesCommand,
  EnterStandbyCommand,
  ExitStandbyCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  AssociateAddressCommand,
  AssociateIamInstanceProfileCommand,
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DisassociateAddressCommand,
  DisassociateIamInstanceProfileCommand,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  ReplaceIamInstanceProfileAssociationCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  StopInstancesCommand,
} from "@aws-sdk/client-ec2";
import { DeregisterTargetsCommand, RegisterTargetsCommand } from "@aws-sdk/client-elastic-load-balancing-v2";
import { errorCode } from "../aws/errors.ts";
import type { ActionResult } from "../domain/types.ts";
import type { ContainmentClients } from "./record-schema.ts";
import { failure, type Known, type Lane } from "./tracker.ts";
import {
  formatCall,
  type GroupRole,
  type PlannedCall,
  type PlannedStep,
  type Service,
} from "./vocabulary.ts";

type AnyCommand = new (input: never) => unknown;

/** Every mutating operation containment and release may make, by service. */
const COMMANDS: Record<Service, Record<string, AnyCommand>> = {
  ec2: {
    AssociateAddress: AssociateAddressCommand,
    AssociateIamInstanceProfile: AssociateIamInstanceProfileCommand,
    AuthorizeSecurityGroupEgress: AuthorizeSecurityGroupEgressCommand,
    AuthorizeSecurityGroupIngress: AuthorizeSecurityGroupIngressCommand,
    CreateSecurityGroup: CreateSecurityGroupCommand,
    CreateTags: CreateTagsCommand,
    DisassociateAddress: DisassociateAddressCommand,
    DisassociateIamInstanceProfile: DisassociateIamInstanceProfileCommand,
    ModifyInstanceAttribute: ModifyInstanceAttributeCommand,
    ModifyNetworkInterfaceAttribute: ModifyNetworkInterfaceAttributeCommand,
    ReplaceIamInstanceProfileAssociation: ReplaceIamInstanceProfileAssociationCommand,
    RevokeSecurityGroupEgress: RevokeSecurityGroupEgressCommand,
    RevokeSecurityGroupIngress: RevokeSecurityGroupIngressCommand,
    StopInstances: StopInstancesCommand,
  },
  autoscaling: {
    AttachInstances: AttachInstancesCommand,
    DetachInstances: DetachInstancesCommand,
    EnterStandby: EnterStandbyCommand,
    ExitStandby: ExitStandbyCommand,
  },
  elasticloadbalancing: {
    DeregisterTargets: DeregisterTargetsCommand,
    RegisterTargets: RegisterTargetsCommand,
  },
};

/** The IAM actions of every mutating call containment and release may make. */
export const MUTATING_ACTIONS: string[] = Object.entries(COMMANDS).flatMap(([service, ops]) =>
  Object.keys(ops).map((op) => `${service}:${op}`),
);

/** Sends one planned call with the right client. */
export async function send(clients: Partial<ContainmentClients>, call: PlannedCall): Promise<unknown> {
  const Ctor = COMMANDS[call.service][call.operation];
  if (!Ctor) throw new Error(`no command for ${call.service}:${call.operation}`);
  const command = new Ctor(call.input as never) as never;
  const missing = () => new Error(`no ${call.service} client for ${call.operation}`);
  switch (call.service) {
    case "ec2":
      if (!clients.ec2) throw missing();
      return clients.ec2.send(command);
    case "autoscaling":
      if (!clients.autoScaling) throw missing();
      return clients.autoScaling.send(command);
    case "elasticloadbalancing":
      if (!clients.elbv2) throw missing();
      return clients.elbv2.send(command);
  }
}

/** The call with the managed group it refers to filled in. */
function withGroup(call: PlannedCall, groupId: string): PlannedCall {
  const input = { ...call.input };
  if ("Groups" in input) input.Groups = [groupId];
  if ("GroupId" in input) input.GroupId = groupId;
  const { groupRef: _ref, ...rest } = call;
  return { ...rest, input };
}

/**
 * Errors that mean the call's work is already done (a retry after a lost answer, or AWS
 * doing it for us: EnterStandby deregisters from the group's own target groups).
 */
const ALREADY_DONE: Record<string, string[]> = {
  DeregisterTargets: ["InvalidTarget"],
  DisassociateAddress: ["InvalidAssociationID.NotFound"],
  AuthorizeSecurityGroupIngress: ["InvalidPermission.Duplicate"],
  AuthorizeSecurityGroupEgress: ["InvalidPermission.Duplicate"],
  RevokeSecurityGroupIngress: ["InvalidPermission.NotFound"],
  RevokeSecurityGroupEgress: ["InvalidPermission.NotFound"],
};

export function alreadyDone(operation: string, err: unknown): boolean {
  const code = errorCode(err);
  return (
    code !== undefined && (ALREADY_DONE[operation] ?? []).some((c) => code === c || code === `${c}Exception`)
  );
}

/** Resolves a managed group reference to its id (or to why there is none). */
export type GroupResolver = (ref: { vpcId: string; role: GroupRole }) => Known<string>;

/**
 * Makes one planned sub-step in a lane and reports it. A step without a call reports its
 * planned status; in a dry run, a call is reported as `skipped` with the call it would make.
 */
export async function execute(
  lane: Lane,
  clients: ContainmentClients,
  st: PlannedStep,
  resolve: GroupResolver,
  dryRun: boolean,
): Promise<ActionResult> {
  const base = { name: st.name, target: st.target, ...(st.data ? { data: st.data } : {}) };
  if (!st.call) return { ...base, status: st.status ?? "skipped", detail: st.detail ?? "" };
  let call = st.call;
  if (call.groupRef) {
    const g = resolve(call.groupRef);
    if (g.ok) call = withGroup(call, g.value);
    else if (!dryRun)
      return {
        ...base,
        status: g.unsupported ? "unsupported" : "failed",
        detail: `no ${call.groupRef.role} group in ${call.groupRef.vpcId}: ${g.error}`,
      };
  }
  if (dryRun) return { ...base, status: "skipped", detail: `dry run: ${formatCall(call)}` };
  try {
    await lane.call(() => send(clients, call));
    return { ...base, status: "ok", detail: formatCall(call) };
  } catch (err) {
    if (alreadyDone(call.operation, err))
      return { ...base, status: "ok", detail: `already done (${errorCode(err)}): ${formatCall(call)}` };
    const f = failure(st.name, st.target, call.operation, err);
    return { ...f, data: { ...st.data, ...f.data } };
  }
}
