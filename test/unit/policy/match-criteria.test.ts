/**
 * Each criterion of a playbook's match, on its own and at its edges: what the mutation run of
 * shared/policy/match.ts showed no test judged (docs/testing.md).
 */
import { describe, expect, it } from "vitest";
import type { AffectedResource, Finding, ResourceContext } from "../../../shared/domain/types.ts";
import { globToRegExp, matches, matchesGlob, selectPlaybook } from "../../../shared/policy/match.ts";
import type { PlaybookMatch, Policy } from "../../../shared/policy/policy-schema.ts";
import { aFinding, anImpact, anInstance } from "../triage/builders.ts";

const input = (finding: Partial<Finding> = {}, contexts: ResourceContext[] = []) => ({
  finding: aFinding(finding),
  impact: anImpact({ tier: "high" }),
  contexts,
});

describe("matchesGlob: every regular-expression character in a pattern is literal", () => {
  it.each([
    { pattern: "x^a", value: "x^a" },
    { pattern: "a$b", value: "a$b" },
    { pattern: "a|b", value: "a|b" },
    { pattern: "a+", value: "a+" },
    { pattern: "(x)", value: "(x)" },
    { pattern: "[ab]", value: "[ab]" },
    { pattern: "a{2}", value: "a{2}" },
    { pattern: "a\\d", value: "a\\d" },
    { pattern: "a.b", value: "a.b" },
  ])("$pattern matches itself", ({ pattern, value }) => {
    expect(matchesGlob(pattern, value)).toBe(true);
  });

  it.each([
    { pattern: "a|b", value: "axx" },
    { pattern: "a|b", value: "xxb" },
    { pattern: "a+", value: "aa" },
    { pattern: "(x)", value: "x" },
    { pattern: "[ab]", value: "a" },
    { pattern: "a{2}", value: "aa" },
    { pattern: "a\\d", value: "a1" },
    { pattern: "a.b", value: "axb" },
  ])("$pattern does not match $value", ({ pattern, value }) => {
    expect(matchesGlob(pattern, value)).toBe(false);
  });
});

describe("matchesGlob: the wildcards and the whole value", () => {
  it("is anchored at both ends: a pattern without wildcards matches only the whole value", () => {
    expect(matchesGlob("cloudtrail:Stop", "cloudtrail:StopLogging")).toBe(false);
    expect(matchesGlob("Logging", "cloudtrail:StopLogging")).toBe(false);
    expect(matchesGlob("cloudtrail:StopLogging", "cloudtrail:StopLogging")).toBe(true);
  });

  it("reads ? as exactly one character, and * as any text, the empty text included", () => {
    expect(matchesGlob("a?c", "abc")).toBe(true);
    expect(matchesGlob("a?c", "ac")).toBe(false);
    expect(matchesGlob("a?c", "abbc")).toBe(false);
    expect(matchesGlob("a*c", "ac")).toBe(true);
    expect(matchesGlob("a*c", "a/b:c")).toBe(true);
    expect(matchesGlob("*", "")).toBe(true);
  });

  it("lets * and ? match a line break too: a value cannot slip past a pattern by containing one", () => {
    expect(matchesGlob("a*b", "a\nb")).toBe(true);
    expect(matchesGlob("a?b", "a\nb")).toBe(true);
  });

  it("ignores case", () => {
    expect(matchesGlob("BACKDOOR:ec2/*", "Backdoor:EC2/C&CActivity.B!DNS")).toBe(true);
  });

  it("gives the same expression for the same pattern again", () => {
    expect(globToRegExp("Recon:*").source).toBe(globToRegExp("Recon:*").source);
    expect(globToRegExp("Recon:*").test("recon:EC2/PortProbe")).toBe(true);
  });
});

describe("matches: the finding type", () => {
  it("holds when any one of the type patterns matches, and not when none does", () => {
    expect(matches({ type: ["Recon:*", "Backdoor:EC2/*"] }, input())).toBe(true);
    expect(matches({ type: ["Recon:*", "Trojan:*"] }, input())).toBe(false);
  });
});

describe("matches: the lowest severity", () => {
  it("is inclusive: a finding of exactly that severity matches, one just under it does not", () => {
    expect(matches({ minSeverity: 8 }, input({ severity: 8 }))).toBe(true);
    expect(matches({ minSeverity: 8 }, input({ severity: 7.9 }))).toBe(false);
    expect(matches({ minSeverity: 0 }, input({ severity: 0 }))).toBe(true);
  });
});

describe("matches: the resource kind", () => {
  it("holds when any one of the kinds is among the finding's resources", () => {
    expect(matches({ resourceKind: ["s3-bucket", "ec2-instance"] }, input())).toBe(true);
  });

  it("counts the resources of the contexts read from the account as well as the finding's", () => {
    const volume = anInstance({ id: "vol-1", resource: { kind: "ec2-volume" } });
    expect(matches({ resourceKind: ["ec2-volume"] }, input({}, [volume]))).toBe(true);
    expect(matches({ resourceKind: ["ec2-volume"] }, input())).toBe(false);
  });
});

describe("matches: the tags", () => {
  const tagged = (id: string, tags: Record<string, string>) => anInstance({ id, tags });

  it("needs every wanted key, each satisfied by any one affected resource", () => {
    const contexts = [tagged("i-1", { env: "prod" }), tagged("i-2", { team: "payments" })];
    const match: PlaybookMatch = { tags: { env: ["prod"], team: ["pay*"] } };

    expect(matches(match, input({}, contexts))).toBe(true);
    expect(matches({ tags: { env: ["prod"], team: ["search"] } }, input({}, contexts))).toBe(false);
  });

  it("holds when one resource of several carries the tag, and one tag of several matches", () => {
    const contexts = [tagged("i-1", {}), tagged("i-2", { owner: "alice", env: "prod" })];
    expect(matches({ tags: { env: ["prod"] } }, input({}, contexts))).toBe(true);
  });

  it("holds when any one of the value patterns matches", () => {
    const contexts = [tagged("i-1", { env: "staging" })];
    expect(matches({ tags: { env: ["prod", "stag*"] } }, input({}, contexts))).toBe(true);
  });

  it("compares keys ignoring case, and needs the key and the value to be of the same tag", () => {
    const contexts = [tagged("i-1", { Environment: "dev", owner: "prod" })];
    expect(matches({ tags: { ENVIRONMENT: ["dev"] } }, input({}, contexts))).toBe(true);
    expect(matches({ tags: { environment: ["prod"] } }, input({}, contexts))).toBe(false);
  });

  it("trims the value before matching it", () => {
    expect(matches({ tags: { env: ["prod"] } }, input({}, [tagged("i-1", { env: " prod " })]))).toBe(true);
  });

  it("reads a context's tags over the tags its resource carried in the event, keeping the others", () => {
    const ctx = anInstance({
      id: "i-1",
      tags: { env: "dev" },
      resource: { tags: { env: "prod", team: "x" } },
    });
    expect(matches({ tags: { env: ["dev"] } }, input({}, [ctx]))).toBe(true);
    expect(matches({ tags: { env: ["prod"] } }, input({}, [ctx]))).toBe(false);
    expect(matches({ tags: { team: ["x"] } }, input({}, [ctx]))).toBe(true);
  });

  it("ignores the event's tags of a resource read from the account, and uses those of one not read", () => {
    const resources: AffectedResource[] = [
      { kind: "ec2-instance", id: "i-read", tags: { owner: "attacker" } },
      { kind: "ec2-instance", id: "i-unread", tags: { team: "blue" } },
      { kind: "ec2-instance", id: "i-untagged" },
    ];
    const contexts = [tagged("i-read", {})];
    expect(matches({ tags: { owner: ["attacker"] } }, input({ resources }, contexts))).toBe(false);
    expect(matches({ tags: { team: ["blue"] } }, input({ resources }, contexts))).toBe(true);
  });
});

describe("selectPlaybook", () => {
  const playbook = (name: string, match: PlaybookMatch) => ({
    name,
    match,
    actions: [{ name: "notify" as const, params: {}, requiresApproval: false }],
  });
  const policy = (...playbooks: ReturnType<typeof playbook>[]) => ({ playbooks }) as unknown as Policy;

  it("takes the first playbook whose match holds, in the policy's order", () => {
    const chosen = selectPlaybook(
      policy(playbook("s3", { resourceKind: ["s3-bucket"] }), playbook("ec2", {}), playbook("later", {})),
      input(),
    );
    expect(chosen?.name).toBe("ec2");
  });

  it("gives none when no playbook matches", () => {
    expect(selectPlaybook(policy(playbook("s3", { resourceKind: ["s3-bucket"] })), input())).toBeUndefined();
  });
});
