/**
 * Policy: playbooks as code. Schema, loader, matching (the actions and their parameter schemas
 * are the action registry's: shared/actions).
 */
export { formatPath } from "./issues.ts";
export { loadPolicy, parsePolicyJson } from "./load.ts";
export { globToRegExp, type MatchInput, matches, matchesGlob, selectPlaybook } from "./match.ts";
export * from "./policy-schema.ts";
export { parsePolicy } from "./yaml.ts";
