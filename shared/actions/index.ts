/**
 * The action registry: every response action the responder knows, each declared in one file
 * of this folder (name, parameter schema, lane and steps, IAM permissions per function, how it
 * describes its calls). Adding an action is adding its file and listing it here; the policy,
 * triage's plan, resume, drills, reports, approvals, escalation and the IAM roles read it.
 */
import type * as z from "zod";
import type { PlannedAction } from "../domain/types.ts";
import { captureSnapshots } from "./capture-snapshots.ts";
import { collectArtifacts } from "./collect-artifacts.ts";
import { collectUserData } from "./collect-user-data.ts";
import { containBucket } from "./contain-bucket.ts";
import { containInstance } from "./contain-instance.ts";
import { containPrincipal } from "./contain-principal.ts";
import { imageDisks } from "./image-disks.ts";
import { launchCleanroom } from "./launch-cleanroom.ts";
import { notify } from "./notify.ts";
import { revokeInstanceCredentials } from "./revoke-instance-credentials.ts";
import { LANES, type LaneName } from "./step-names.ts";
import type { ActionDefinition } from "./types.ts";

export { DEFAULT_SNAPSHOT_LOCK } from "./capture-snapshots.ts";
export { CONTAIN_BUCKET_STEP } from "./contain-bucket.ts";
export { CONTAIN_PRINCIPAL_STEP } from "./contain-principal.ts";
export type { ActionDefinition, DescribeInput, PlannedActionOf } from "./types.ts";

/** Every action, in the order they are documented. */
export const ACTIONS = [
  containInstance,
  revokeInstanceCredentials,
  containPrincipal,
  containBucket,
  captureSnapshots,
  collectArtifacts,
  collectUserData,
  imageDisks,
  launchCleanroom,
  notify,
] as const;

type Registered = (typeof ACTIONS)[number];
export type ActionName = Registered["name"];

/** Every action name the responder knows, in the order they are documented. */
export const ACTION_NAMES = ACTIONS.map((a) => a.name) as readonly ActionName[];

/** The parameter schema of each action. */
export const ACTION_PARAM_SCHEMAS = Object.fromEntries(ACTIONS.map((a) => [a.name, a.params])) as {
  [A in Registered as A["name"]]: A["params"];
};

/** The parameters of each action, after defaults. */
export type ActionParams = { [A in Registered as A["name"]]: z.infer<A["params"]> };
/** The parameters of `capture-snapshots`, after defaults. */
export type CaptureSnapshotsParams = ActionParams["capture-snapshots"];
/** The parameters of `collect-artifacts`, after defaults. */
export type CollectArtifactsParams = ActionParams["collect-artifacts"];

/** True when `name` is an action the responder knows. */
export function isActionName(name: string): name is ActionName {
  return (ACTION_NAMES as readonly string[]).includes(name);
}

/** The definition of a known action (undefined for a name the registry does not know). */
export function actionNamed(name: string): ActionDefinition | undefined {
  return (ACTIONS as readonly ActionDefinition[]).find((a) => a.name === name);
}

/**
 * The parameters of a planned action, typed by its definition: the policy loader applied the
 * schema's defaults, and the schema checks them again here (a record written by an older
 * version, or by hand, cannot slip an unknown field past the lanes).
 */
export function paramsOf<N extends ActionName>(action: PlannedAction, name: N): ActionParams[N] {
  return (ACTION_PARAM_SCHEMAS[name] as z.ZodType).parse(action.params ?? {}) as ActionParams[N];
}

/** The planned action of that name, when the plan has it. */
export function plannedAction(
  plan: { actions: PlannedAction[] },
  name: ActionName,
): PlannedAction | undefined {
  return plan.actions.find((a) => a.name === name);
}

/** The steps an action's lane records for it (none for an action no lane runs). */
export function stepsOf(name: string): readonly string[] {
  return actionNamed(name)?.steps ?? [];
}

/** The actions whose lane records a step: the ones whose lane starts it again. */
export function actionsOfStep(step: string): ActionName[] {
  return ACTIONS.filter((a) => (a.steps as readonly string[]).includes(step)).map((a) => a.name);
}

/** The lease of a step's claim: that of the lane that records it. */
export function leaseOfStep(step: string): number | undefined {
  const lane = ACTIONS.find((a) => (a.steps as readonly string[]).includes(step))?.lane;
  return lane ? LANES[lane].leaseMs : undefined;
}

/** True when the plan has an action the lane runs. */
export function lanePlanned(plan: { actions: PlannedAction[] }, lane: LaneName): boolean {
  const names: readonly string[] = actionsOfLane(lane);
  return plan.actions.some((a) => names.includes(a.name));
}

/** The actions a lane runs. */
export function actionsOfLane(lane: LaneName): ActionName[] {
  return ACTIONS.filter((a) => "lane" in a && a.lane === lane).map((a) => a.name);
}
