/**
 * What a response action declares, in one place: its name, the schema of its parameters, the
 * lane and steps it runs, the IAM permissions each function needs for it, and how it describes
 * the calls it would make (for `responder plan`). Everything else — the policy loader, triage's
 * plan, the resume of stalled lanes, drills, reports, approvals, escalation and the roles in
 * serverless.yml (through shared/iam/functions.ts) — reads these definitions.
 */
import type { Instance } from "@aws-sdk/client-ec2";
import type * as z from "zod";
import type { ArtifactClients, Collector } from "../capture/artifacts.ts";
import type { PlannedAction, ResourceContext } from "../domain/types.ts";
import type { ModuleName, ModulePermissions } from "../iam/modules.ts";
import type { FunctionName, LaneName } from "./step-names.ts";

/** What an action's description of its calls may read: the plan's action and what triage read. */
export interface DescribeInput<P> {
  params: P;
  /** The instances the action acts on (its targets, or every existing instance). */
  instances: ResourceContext[];
  /** Everything triage read about the finding's resources. */
  contexts: ResourceContext[];
}

/** What an evidence action's collectors read: an instance as the evidence lane read it, and its account's clients. */
export interface CollectInput {
  instance: Instance;
  clients: ArtifactClients;
  now: Date;
}

/** One response action. */
export interface ActionDefinition<N extends string = string, S extends z.ZodType = z.ZodType> {
  name: N;
  /** One line for people: what it does. */
  summary: string;
  /** Its parameters in the policy (defaults applied when the policy is loaded). */
  params: S;
  /** The lane that runs it; none for actions done by every lane (alerts). */
  lane?: LaneName;
  /** The incident steps its lane records for it, in the order they run. */
  steps: readonly string[];
  /**
   * Steps to make claimable again when a later finding makes this action grow (added, or given
   * new targets): their lane then runs again over the grown plan (escalation).
   */
  reopenOnGrowth: readonly string[];
  /** The IAM modules (shared/iam/modules.ts) each function needs to run it. */
  permissions: Partial<Record<FunctionName, readonly ModuleName[]>>;
  /**
   * The IAM module of the action's own calls, when its own file sends SDK commands that no module
   * of shared/iam/modules.ts accounts for: granted, under the action's name, to the function
   * of its lane (shared/iam/functions.ts), and checked like every module.
   */
  ownModule?: ModulePermissions;
  /**
   * The evidence it archives of each instance, for an action of the evidence lane's artifacts
   * step: the lane runs these collectors beside the others and the manifest seals what they
   * produced.
   */
  collectors?(input: CollectInput): Collector[];
  /** The AWS calls it would make, one line each, for dry runs and `responder plan`. */
  describe(input: DescribeInput<z.infer<S>>): string[];
}

/** A planned action whose parameters are those of action `A`. */
export type PlannedActionOf<A extends ActionDefinition> = Omit<PlannedAction, "name" | "params"> & {
  name: A["name"];
  params: z.infer<A["params"]>;
};

/** An action as its file declares it: `reopenOnGrowth` may be left out when it is its own steps. */
export type ActionDeclaration<N extends string, S extends z.ZodType> = Omit<
  ActionDefinition<N, S>,
  "reopenOnGrowth"
> & { reopenOnGrowth?: readonly string[] };

/** Declares an action (keeps the literal name and the schema's type; `reopenOnGrowth` defaults to `steps`). */
export function defineAction<N extends string, S extends z.ZodType>(
  def: ActionDeclaration<N, S>,
): ActionDefinition<N, S> {
  return { ...def, reopenOnGrowth: def.reopenOnGrowth ?? def.steps };
}
