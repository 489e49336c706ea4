/**
 * The blast-radius circuit, applied to a plan once the containment slots are known: an
 * instance that got no slot of the account's hourly cap is not contained without a person.
 * Pure; the slots are reserved atomically by the incident store before the incident opens.
 */
import { plannedAction } from "../actions/index.ts";
import type { Plan } from "../domain/types.ts";

/** The instances a plan would contain at once (no approval needed), for reserving their slots. */
export function instancesToReserve(plan: Plan): string[] {
  const action = plannedAction(plan, "contain-instance");
  if (!action || action.requiresApproval) return [];
  return action.targets ?? [];
}

/**
 * Sends contain-instance to a person when some of its instances got no slot. The whole action
 * waits (one approval covers the incident), and the note says how full the hour is.
 */
export function applyCircuit(plan: Plan, refused: readonly string[], used: number, cap: number): Plan {
  if (!refused.length) return plan;
  return {
    ...plan,
    actions: plan.actions.map((a) =>
      a.name === "contain-instance" || a.name === "revoke-instance-credentials"
        ? { ...a, requiresApproval: true }
        : a,
    ),
    notes: [
      ...plan.notes,
      `circuit open: ${used} containment(s) reserved in the last hour, cap ${cap} (no slot for ${refused.join(", ")}): contain-instance requires approval`,
    ],
  };
}
