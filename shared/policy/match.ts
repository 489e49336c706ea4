/**
 * Playbook matching: which playbook answers a finding. Pure; first match wins.
 */
import type { Finding, Impact, ResourceContext } from "../domain/types.ts";
import type { Playbook, PlaybookMatch, Policy } from "./policy-schema.ts";

const regexCache = new Map<string, RegExp>();

/** A glob as a regular expression: `*` any text (`/` and `:` included), `?` one character. */
export function globToRegExp(pattern: string): RegExp {
  let re = regexCache.get(pattern);
  if (!re) {
    const body = pattern
      .split("")
      .map((ch) => (ch === "*" ? ".*" : ch === "?" ? "." : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&")))
      .join("");
    re = new RegExp(`^${body}$`, "is");
    regexCache.set(pattern, re);
  }
  return re;
}

/** True when `value` matches the glob `pattern`, case-insensitively. */
export function matchesGlob(pattern: string, value: string): boolean {
  return globToRegExp(pattern).test(value);
}

/** What a match is evaluated against. */
export interface MatchInput {
  finding: Finding;
  impact: Impact;
  contexts: ResourceContext[];
}

/** The tags of every affected resource: read from the account, over those the event carried. */
function resourceTagSets(finding: Finding, contexts: ResourceContext[]): Record<string, string>[] {
  const sets = contexts.map((c) => ({ ...(c.resource.tags ?? {}), ...c.tags }));
  const read = new Set(contexts.map((c) => c.resource.id));
  for (const r of finding.resources) if (!read.has(r.id) && r.tags) sets.push(r.tags);
  return sets;
}

function tagsMatch(wanted: Record<string, string[]>, sets: Record<string, string>[]): boolean {
  // Every wanted key must be satisfied, each by any one affected resource.
  return Object.entries(wanted).every(([key, patterns]) =>
    sets.some((tags) =>
      Object.entries(tags).some(
        ([k, v]) => k.toLowerCase() === key.toLowerCase() && patterns.some((p) => matchesGlob(p, v.trim())),
      ),
    ),
  );
}

/** True when every criterion of `match` holds for the input. An empty match always holds. */
export function matches(match: PlaybookMatch, input: MatchInput): boolean {
  const { finding, impact, contexts } = input;
  if (match.source && !match.source.includes(finding.source)) return false;
  if (match.type && !match.type.some((p) => matchesGlob(p, finding.type))) return false;
  if (match.tier && !match.tier.includes(impact.tier)) return false;
  if (match.minSeverity !== undefined && !(finding.severity >= match.minSeverity)) return false;
  if (match.resourceKind) {
    const kinds = new Set([...finding.resources, ...contexts.map((c) => c.resource)].map((r) => r.kind));
    if (!match.resourceKind.some((k) => kinds.has(k))) return false;
  }
  if (match.tags && !tagsMatch(match.tags, resourceTagSets(finding, contexts))) return false;
  return true;
}

/** The first playbook of the policy whose match holds, or undefined. */
export function selectPlaybook(policy: Policy, input: MatchInput): Playbook | undefined {
  return policy.playbooks.find((p) => matches(p.match, input));
}
