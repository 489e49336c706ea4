/**
 * The AWS calls each action of a plan would make, for dry runs (`responder plan`): every
 * action describes its own (its `describe` in the registry), from what triage read.
 */
import type { Plan, PlannedAction, ResourceContext } from "../domain/types.ts";
import { actionNamed } from "./index.ts";

/** Instance states in which the instance is gone or going. */
const GONE_STATES = new Set(["terminated", "shutting-down"]);

/** The instance contexts an action acts on: its `targets`, or every existing instance. */
function instanceTargets(action: PlannedAction, contexts: ResourceContext[]): ResourceContext[] {
  const instances = contexts.filter((c) => c.resource.kind === "ec2-instance");
  if (action.targets) return instances.filter((c) => action.targets?.includes(c.resource.id));
  return instances.filter((c) => c.exists && !(c.state && GONE_STATES.has(c.state)));
}

/**
 * The calls of every action of the plan, one line each; an action that waits for a person says
 * so first. Uses what the contexts know (interfaces, volumes, Auto Scaling group, profile) and
 * says so when it does not know.
 */
export function describeAwsCalls(
  plan: Plan,
  contexts: ResourceContext[],
): { action: string; calls: string[] }[] {
  return plan.actions.map((action) => {
    const approval = action.requiresApproval ? ["(waits for approval before any call)"] : [];
    const def = actionNamed(action.name);
    const calls = def
      ? def.describe({
          params: def.params.parse(action.params ?? {}),
          instances: instanceTargets(action, contexts),
          contexts,
        })
      : [`(unknown action ${action.name}: no calls known)`];
    return { action: action.name, calls: [...approval, ...calls] };
  });
}
