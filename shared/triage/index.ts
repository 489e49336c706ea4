/**
 * The pure decision core of triage: impact, safety rails, and the response plan.
 */

export { describeAwsCalls } from "../actions/describe.ts";
export { type ChoosePlanInput, choosePlan, NO_PLAYBOOK } from "./choose-playbook.ts";
export * from "./impact.ts";
export { DEFAULT_PROTECTED_TAG, isProtected, type ProtectionConfig } from "./safety.ts";
