/**
 * Clean room: a per-incident CloudFormation stack (infra/cleanroom.yaml) built from the
 * evidence snapshots. Pure naming, parameters and decisions in stack.ts; the AWS adapter in
 * cloudformation.ts; the template source in template.ts;
 * what the lane may believe about stacks, outputs and events in trust.ts. The lane is shared/workflow/cleanroom.ts.
 */
export * from "./cloudformation.ts";
export * from "./stack.ts";
export * from "./template.ts";
export * from "./trust.ts";
