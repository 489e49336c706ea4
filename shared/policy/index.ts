/**
 * Policy: playbooks as code. Schema, loader, action names and parameter schemas, matching.
 */
export * from "./actions.ts";
export { formatPath } from "./issues.ts";
export { loadPolicy, parsePolicyJson } from "./load.ts";
export { globToRegExp, type MatchInput, matches, matchesGlob, selectPlaybook } from "./match.ts";
export * from "./schema.ts";
export { parsePolicy } from "./yaml.ts";
