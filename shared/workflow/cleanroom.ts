/**
 * Clean-room lane: one CloudFormation stack per incident (infra/cleanroom.yaml), built from the
 * evidence snapshots, recorded on the incident and torn down on request or when its TTL passes.
 *
 * - `Evidence Preserved` launches it when the plan has launch-cleanroom and the record shows the
 *   evidence sealed; `Clean Room Requested` launches it whatever the plan says, but only for a
 *   request a person recorded on the incident (cleanroom/requests.ts).
 * - Never waits inside the Lambda: a stack that is already complete (the emulator creates
 *   synchronously) is recorded at once; otherwise the step waits for CloudFormation's
 *   `Stack Status Change` event — counted only from the incident's account and for the stack id
 *   the incident recorded — and the scheduled run reconciles any event that was missed.
 * - `Clean Room Destroy Requested` (recorded, like a launch request) and the schedule (the
 *   recorded expiry) delete it — only the stack the incident records creating.
 * - A stack that holds the predictable name without the incident recording it is never adopted
 *   (cleanroom/ownership.ts), and the connect command is built from validated values, never
 *   copied from the stack's outputs (shared/cleanroom/trust.ts).
 * Idempotent: the `cleanroom` and `cleanroom-destroy` steps are claimed, and the stack the
 * incident records creating is adopted rather than created twice.
 */

import { memberStackRoleArn, memberWorkstationBoundaryArn } from "../cleanroom/index.ts";
import { InvalidEventError } from "../errors/index.ts";
import { RESPONDER_SOURCE } from "../events/bus.ts";
import { INCIDENT_ID_PATTERN } from "../incident/model.ts";
import type { AnyEvent, CleanroomDeps, CleanroomOutcome } from "./cleanroom/common.ts";
import { destroyCleanroom } from "./cleanroom/destroy.ts";
import { launchCleanroom } from "./cleanroom/launch.ts";
import { onCleanroomRequest } from "./cleanroom/requests.ts";
import { onStackStatus } from "./cleanroom/status.ts";
import { sweepCleanrooms } from "./cleanroom/sweep.ts";
import { ownOrMember } from "./per-account.ts";

export {
  CLEANROOM_CREATOR,
  CLEANROOM_DESTROY_STEP,
  CLEANROOM_STEP,
  type CleanroomDeps,
  type CleanroomOutcome,
  type CleanroomRecord,
  type DestroyTrigger,
  type LaunchTrigger,
  type SquattedStack,
} from "./cleanroom/common.ts";
export { destroyCleanroom, launchCleanroom, onStackStatus, sweepCleanrooms };

/**
 * Which CloudFormation service role creates clean rooms in `account`: the role the responder's
 * own stack created (CLEANROOM_STACK_ROLE_ARN) in the function's own account; in any other
 * account that member account's `incident-responder-cleanroom-stack`
 * (infra/member-account-role.yaml), which the member role may pass.
 */
export function cleanroomStackRoleFor(roles: {
  ownAccount(): Promise<string>;
  ownRoleArn?: string | undefined;
}): (account: string) => Promise<string | undefined> {
  return ownOrMember({
    ownAccount: roles.ownAccount,
    ownArn: roles.ownRoleArn,
    memberArn: memberStackRoleArn,
  });
}

/**
 * The permissions boundary of the workstation role in `account`: the responder's own
 * (CLEANROOM_WORKSTATION_BOUNDARY_ARN) in the function's own account; in any other account
 * that member account's `incident-responder-cleanroom-boundary`. The stack roles create
 * workstation roles only with it.
 */
export function workstationBoundaryFor(boundaries: {
  ownAccount(): Promise<string>;
  ownBoundaryArn?: string | undefined;
}): (account: string) => Promise<string | undefined> {
  return ownOrMember({
    ownAccount: boundaries.ownAccount,
    ownArn: boundaries.ownBoundaryArn,
    memberArn: memberWorkstationBoundaryArn,
  });
}

/** Handles every event the cleanroom function receives. */
export async function handleCleanroomEvent(
  event: AnyEvent,
  deps: CleanroomDeps,
): Promise<CleanroomOutcome | CleanroomOutcome[]> {
  const type = event["detail-type"];
  if (event.source === RESPONDER_SOURCE) {
    const incidentId = String(event.detail?.incidentId ?? "");
    if (!INCIDENT_ID_PATTERN.test(incidentId))
      throw new InvalidEventError("not an incident id", "detail.incidentId");
    if (type === "Evidence Preserved") return launchCleanroom(incidentId, { kind: "evidence" }, deps);
    if (type === "Clean Room Requested") return onCleanroomRequest(event, incidentId, "create", deps);
    if (type === "Clean Room Destroy Requested")
      return onCleanroomRequest(event, incidentId, "destroy", deps);
  }
  if (event.source === "aws.cloudformation" && type === "CloudFormation Stack Status Change")
    return onStackStatus(event, deps);
  if (event.source === "aws.events" && type === "Scheduled Event") return sweepCleanrooms(deps);
  return { action: "ignored", outcome: "ignored", detail: `not a clean-room event: ${event.source} ${type}` };
}
