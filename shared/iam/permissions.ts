/**
 * The IAM permissions of the responder, declared once: per module of the code (./modules.ts),
 * per function from the actions it runs (./functions.ts), for the clean-room stacks
 * (./cleanroom-stack.ts), and how SDK commands map to IAM actions (./sdk-actions.ts).
 */
export * from "./cleanroom-stack.ts";
export * from "./functions.ts";
export * from "./modules.ts";
export * from "./sdk-actions.ts";
