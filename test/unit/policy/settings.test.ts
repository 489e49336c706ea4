/**
 * The policy's settings and schema rules at their edges: each default, each bound, the merge of
 * impact overrides, and the checks across playbooks. What the mutation run of
 * shared/policy/policy-schema.ts showed no test judged (docs/testing.md).
 */
import { describe, expect, it } from "vitest";
import { PolicyError } from "../../../shared/errors/index.ts";
import { deepMerge, isCatchAll, PolicySchema, RESOURCE_KINDS } from "../../../shared/policy/policy-schema.ts";
import { parsePolicy } from "../../../shared/policy/yaml.ts";

const PLAYBOOKS = `playbooks:
  - name: all
    actions: [{ name: notify }]
`;

/** A policy of one catch-all playbook and the given settings (YAML lines under `settings:`). */
const withSettings = (...lines: string[]) =>
  `version: 1\nsettings:\n${lines.map((l) => `  ${l}\n`).join("")}${PLAYBOOKS}`;

/** The problems of a policy that must not load: the first without its `p.yaml:<line>: `, the others with theirs. */
function problemsOf(text: string): string {
  try {
    parsePolicy(text, "p.yaml");
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return (err as PolicyError).message.replace(/^p\.yaml:\d+: /, "");
  }
  throw new Error("the policy loaded");
}

describe("settings: defaults", () => {
  it("gives every setting its documented default when none is written", () => {
    const { settings } = parsePolicy(`version: 1\n${PLAYBOOKS}`, "p.yaml");
    const { impact, ...rest } = settings;

    expect(rest).toEqual({
      dryRun: false,
      maxContainmentsPerHour: 10,
      maxInstancesPerFinding: 5,
      protectedTag: { key: "incident-responder:protected", value: "true" },
      protectedIds: [],
      principals: { breakGlass: [], responderRolePrefixes: [] },
      securityHub: { thirdPartyRequiresApproval: true },
      cleanroom: { tiers: ["critical", "high"], ttlHours: 24 },
    });
    expect(impact.tiers).toEqual({ critical: 80, high: 60, medium: 35 });
  });

  it("reads an empty settings block as all defaults", () => {
    const { settings } = parsePolicy(`version: 1\nsettings:\n${PLAYBOOKS}`, "p.yaml");
    expect(settings.maxContainmentsPerHour).toBe(10);
  });

  it("does not share the default lists between two policies", () => {
    const one = parsePolicy(`version: 1\n${PLAYBOOKS}`, "p.yaml");
    one.settings.protectedIds.push("i-0123456789abcdef0");
    one.settings.protectedTag.key = "changed";
    const two = parsePolicy(`version: 1\n${PLAYBOOKS}`, "p.yaml");
    expect(two.settings.protectedIds).toEqual([]);
    expect(two.settings.protectedTag.key).toBe("incident-responder:protected");
  });
});

describe("settings: values written in the file", () => {
  it("keeps every value given within its bounds", () => {
    const { settings } = parsePolicy(
      withSettings(
        "dryRun: true",
        "maxContainmentsPerHour: 3",
        "maxInstancesPerFinding: 2",
        "protectedTag: { key: keep, value: 'yes' }",
        "protectedIds: [i-0123456789abcdef0, arn:aws:ec2:eu-west-1:111122223333:volume/vol-0123456789abcdef0]",
        "principals: { breakGlass: [admin], responderRolePrefixes: [ir-] }",
        "securityHub: { thirdPartyRequiresApproval: false }",
        "cleanroom: { tiers: [critical], ttlHours: 48 }",
        "tierThresholds: { critical: 95, high: 70, medium: 40 }",
      ),
      "p.yaml",
    );
    const { impact, ...rest } = settings;

    expect(rest).toEqual({
      dryRun: true,
      maxContainmentsPerHour: 3,
      maxInstancesPerFinding: 2,
      protectedTag: { key: "keep", value: "yes" },
      protectedIds: [
        "i-0123456789abcdef0",
        "arn:aws:ec2:eu-west-1:111122223333:volume/vol-0123456789abcdef0",
      ],
      principals: { breakGlass: ["admin"], responderRolePrefixes: ["ir-"] },
      securityHub: { thirdPartyRequiresApproval: false },
      cleanroom: { tiers: ["critical"], ttlHours: 48 },
    });
    expect(impact.tiers).toEqual({ critical: 95, high: 70, medium: 40 });
  });

  it("accepts the bounds themselves: no containment per hour, and a clean room of 90 days", () => {
    const { settings } = parsePolicy(
      withSettings("maxContainmentsPerHour: 0", "maxInstancesPerFinding: 0", "cleanroom: { ttlHours: 2160 }"),
      "p.yaml",
    );
    expect(settings).toMatchObject({
      maxContainmentsPerHour: 0,
      maxInstancesPerFinding: 0,
      cleanroom: { ttlHours: 2160 },
    });
  });

  it.each([
    ["maxContainmentsPerHour: -1", "settings.maxContainmentsPerHour"],
    ["maxContainmentsPerHour: 2.5", "settings.maxContainmentsPerHour"],
    ["maxInstancesPerFinding: -1", "settings.maxInstancesPerFinding"],
    ["cleanroom: { ttlHours: 0 }", "settings.cleanroom.ttlHours"],
    ["cleanroom: { ttlHours: 2161 }", "settings.cleanroom.ttlHours"],
    ["cleanroom: { tiers: [urgent] }", "settings.cleanroom.tiers[0]"],
    ["tierThresholds: { critical: 101 }", "settings.tierThresholds.critical"],
    ["tierThresholds: { medium: -1 }", "settings.tierThresholds.medium"],
    ["principals: { breakGlass: [''] }", "settings.principals.breakGlass[0]"],
    ["principals: { responderRolePrefixes: [''] }", "settings.principals.responderRolePrefixes[0]"],
    ["securityHub: { partners: true }", "settings.securityHub.partners"],
  ])("refuses %s, at %s", (line, path) => {
    expect(problemsOf(withSettings(line)).split(": ")[0]).toBe(path);
  });
});

describe("settings: the protected tag is compared as IAM does, never trimmed", () => {
  it.each([
    ["key: ' keep'", "settings.protectedTag.key"],
    ["key: 'keep '", "settings.protectedTag.key"],
    ["value: ' true'", "settings.protectedTag.value"],
  ])("refuses %s", (entry, path) => {
    const other = entry.startsWith("key") ? "value: 'true'" : "key: keep";
    expect(problemsOf(withSettings(`protectedTag: { ${entry}, ${other} }`))).toBe(
      `${path}: must not start or end with whitespace (IAM compares tags exactly, ignoring only case)`,
    );
  });

  it("refuses an empty key", () => {
    expect(problemsOf(withSettings("protectedTag: { key: '', value: 'true' }")).split(": ")[0]).toBe(
      "settings.protectedTag.key",
    );
  });
});

describe("settings: protected ids must fit their grammar", () => {
  it("refuses an instance id that is not one, with the grammar", () => {
    expect(problemsOf(withSettings("protectedIds: [i-xyz]"))).toBe(
      'settings.protectedIds[0]: "i-xyz" is not an instance id (i- and 8 or 17 lower-case hex digits)',
    );
  });

  it("keeps another resource's id or ARN as written", () => {
    const { settings } = parsePolicy(withSettings("protectedIds: [my-bucket]"), "p.yaml");
    expect(settings.protectedIds).toEqual(["my-bucket"]);
  });
});

describe("settings: impact overrides and tier thresholds", () => {
  it("reports an out-of-order threshold given under impact as impact's, not as tierThresholds'", () => {
    const text = withSettings("impact: { tiers: { high: 85 } }");
    expect(problemsOf(text)).toBe(
      "settings.impact.tiers: tier thresholds must satisfy critical > high > medium",
    );
  });

  it("reports a wrong impact weight under impact even when tier thresholds are given too", () => {
    const text = withSettings("tierThresholds: { critical: 90 }", "impact: { severityMultiplier: -1 }");
    expect(problemsOf(text).split(": ")[0]).toBe("settings.impact.severityMultiplier");
  });

  it("names an unknown impact key without a list of known parameters", () => {
    expect(problemsOf(withSettings("impact: { severityMultiplyer: 4 }"))).toBe(
      'settings.impact.severityMultiplyer: unknown key "severityMultiplyer"',
    );
  });

  it("lets tier thresholds win over the same tiers written under impact", () => {
    const text = withSettings(
      "tierThresholds: { critical: 90 }",
      "impact: { tiers: { critical: 85, high: 50 } }",
    );
    expect(parsePolicy(text, "p.yaml").settings.impact.tiers).toEqual({ critical: 90, high: 50, medium: 35 });
  });
});

describe("deepMerge", () => {
  it("merges objects key by key, at every depth", () => {
    expect(deepMerge({ a: { b: 1, c: 2 }, d: 3 }, { a: { b: 4 }, e: 5 })).toEqual({
      a: { b: 4, c: 2 },
      d: 3,
      e: 5,
    });
  });

  it("replaces a list whole, and anything that is not an object on either side", () => {
    expect(deepMerge({ a: [1, 2] }, { a: [3] })).toEqual({ a: [3] });
    expect(deepMerge({ a: 1 }, { a: { b: 2 } })).toEqual({ a: { b: 2 } });
    expect(deepMerge({ a: { b: 2 } }, { a: 1 })).toEqual({ a: 1 });
    expect(deepMerge({ a: 1 }, [2])).toEqual([2]);
    expect(deepMerge({ a: 1 }, null)).toBeNull();
  });

  it("removes a key whose override is null", () => {
    const merged = deepMerge({ a: 1, b: 2 }, { a: null }) as Record<string, unknown>;
    expect(merged).toEqual({ b: 2 });
    expect("a" in merged).toBe(false);
  });

  it("does not change its base", () => {
    const base = { a: { b: 1 } };
    deepMerge(base, { a: { b: 2 } });
    expect(base).toEqual({ a: { b: 1 } });
  });

  it.each(["__proto__", "constructor", "prototype"])(
    "ignores the key %s, so that an override cannot reach a prototype",
    (key) => {
      const override = JSON.parse(
        `{"${key}": {"polluted": true, "prototype": {"polluted": true}}, "kept": 1}`,
      );
      const merged = deepMerge({ a: 1 }, override) as Record<string, unknown>;

      expect(merged).toEqual({ a: 1, kept: 1 });
      expect(Object.hasOwn(merged, key)).toBe(false);
      expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
      expect("polluted" in merged).toBe(false);
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    },
  );
});

describe("isCatchAll", () => {
  it("holds for a match whose criteria are all absent, even when written as undefined", () => {
    expect(isCatchAll({})).toBe(true);
    expect(isCatchAll({ source: undefined, type: undefined })).toBe(true);
    expect(isCatchAll({ source: undefined, minSeverity: 0 })).toBe(false);
  });
});

describe("playbooks and their actions", () => {
  const policy = (playbooks: string) => `version: 1\nplaybooks:\n${playbooks}`;

  it("needs at least one playbook", () => {
    expect(problemsOf("version: 1\nplaybooks: []\n")).toBe("playbooks: at least one playbook is needed");
  });

  it("needs at least one action in a playbook", () => {
    expect(problemsOf(policy("  - name: a\n    actions: []\n"))).toBe(
      "playbooks[0].actions: a playbook needs at least one action (notify alone: alert only)",
    );
  });

  it("refuses an action listed twice in a playbook, at its second place", () => {
    expect(
      problemsOf(
        policy(
          "  - name: a\n    actions: [{ name: notify }, { name: contain-instance }, { name: notify }]\n",
        ),
      ),
    ).toBe('playbooks[0].actions[2].name: action "notify" is listed twice');
  });

  it("reads params: null as no parameters, and keeps requiresApproval as written", () => {
    const { actions } = parsePolicy(
      policy("  - name: a\n    actions: [{ name: contain-bucket, params: null, requiresApproval: true }]\n"),
      "p.yaml",
    ).playbooks[0]!;
    expect(actions).toEqual([
      { name: "contain-bucket", params: { denyPrincipal: true }, requiresApproval: true },
    ]);
  });

  it("reads match: null as matching everything", () => {
    expect(
      parsePolicy(policy("  - name: a\n    match: null\n    actions: [{ name: notify }]\n"), "p.yaml")
        .playbooks[0]!.match,
    ).toEqual({});
  });

  it("names the first user of a playbook name, for every later one", () => {
    const text = policy(
      ["a", "a", "a"]
        .map((n, i) => `  - name: ${n}\n    match: { minSeverity: ${i} }\n    actions: [{ name: notify }]\n`)
        .join(""),
    );
    expect(problemsOf(text).split("\n")).toEqual([
      'playbooks[1].name: playbook name "a" is already used by playbooks[0]',
      'p.yaml:9: playbooks[2].name: playbook name "a" is already used by playbooks[0]',
    ]);
  });

  it("names every playbook after the first catch-all as never reached", () => {
    const text = policy(
      ["a", "b", "c"]
        .map(
          (n, i) =>
            `  - name: ${n}\n${i === 0 ? "" : "    match: { source: guardduty }\n"}    actions: [{ name: notify }]\n`,
        )
        .join(""),
    );
    expect(problemsOf(text).split("\n")).toEqual([
      'playbooks[1]: playbook "b" is never reached: playbooks[0] matches every finding',
      'p.yaml:8: playbooks[2]: playbook "c" is never reached: playbooks[0] matches every finding',
    ]);
  });

  it("accepts playbooks in order, the catch-all last", () => {
    const text = policy(
      "  - name: a\n    match: { source: guardduty }\n    actions: [{ name: notify }]\n  - name: b\n    actions: [{ name: notify }]\n",
    );
    expect(parsePolicy(text, "p.yaml").playbooks.map((p) => p.name)).toEqual(["a", "b"]);
  });

  it("refuses any version but 1, and anything beside version, settings and playbooks", () => {
    expect(PolicySchema.safeParse({ version: 2, playbooks: [] }).success).toBe(false);
    expect(problemsOf(`version: 1\nextra: 1\n${PLAYBOOKS}`)).toBe('extra: unknown key "extra"');
  });
});

describe("a playbook's match", () => {
  const matchOf = (match: string) =>
    parsePolicy(
      `version: 1\nplaybooks:\n  - name: a\n    match: ${match}\n    actions: [{ name: notify }]\n`,
      "p.yaml",
    ).playbooks[0]!.match;
  const matchProblem = (match: string) =>
    problemsOf(`version: 1\nplaybooks:\n  - name: a\n    match: ${match}\n    actions: [{ name: notify }]\n`);

  it("reads a tier as written, a list of tiers, and a tier with + from any case and spacing", () => {
    expect(matchOf("{ tier: high }").tier).toEqual(["high"]);
    expect(matchOf("{ tier: [critical, low] }").tier).toEqual(["critical", "low"]);
    expect(matchOf("{ tier: ' High+ ' }").tier).toEqual(["critical", "high"]);
    expect(matchOf("{ tier: 'high +' }").tier).toEqual(["critical", "high"]);
    expect(matchOf("{ tier: low+ }").tier).toEqual(["critical", "high", "medium", "low"]);
  });

  it("refuses a tier with + after a line break: the whole value must be one tier", () => {
    expect(matchProblem('{ tier: "x\\nhigh+" }')).toBe(
      'playbooks[0].match.tier: unknown tier "x\\nhigh+"; known: critical, high, medium, low',
    );
  });

  it.each([
    ["{ tier: high+x }", 'playbooks[0].match.tier: unknown tier "high+x"'],
    ["{ tier: + }", 'playbooks[0].match.tier: unknown tier "+"'],
    ["{ tier: [] }", "playbooks[0].match.tier: "],
    ["{ source: [] }", "playbooks[0].match.source: "],
    ["{ type: '' }", "playbooks[0].match.type: "],
    [
      "{ resourceKind: ec2-instances }",
      `playbooks[0].match.resourceKind: unknown resource kind "ec2-instances"; known: ${RESOURCE_KINDS.join(", ")}`,
    ],
    [
      "{ source: gaurdduty }",
      'playbooks[0].match.source: unknown source "gaurdduty"; known: guardduty, cloudtrail, config, securityhub, alarm',
    ],
    ["{ minSeverity: -1 }", "playbooks[0].match.minSeverity: "],
    ["{ minSeverity: 10.5 }", "playbooks[0].match.minSeverity: "],
    ["{ tags: { '': prod } }", "playbooks[0].match.tags"],
  ])("refuses %s", (match, message) => {
    const problem = matchProblem(match);
    if (message.includes("; known: ")) expect(problem).toBe(message);
    else expect(problem.startsWith(message)).toBe(true);
  });

  it("accepts the severity bounds 0 and 10", () => {
    expect(matchOf("{ minSeverity: 0 }").minSeverity).toBe(0);
    expect(matchOf("{ minSeverity: 10 }").minSeverity).toBe(10);
  });
});
