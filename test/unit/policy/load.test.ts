import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { ACTION_NAMES } from "../../../shared/actions/index.ts";
import { PolicyError } from "../../../shared/errors/index.ts";
import { loadPolicy, parsePolicyJson } from "../../../shared/policy/load.ts";
import { isCatchAll } from "../../../shared/policy/policy-schema.ts";
import { parsePolicy } from "../../../shared/policy/yaml.ts";

const defaultPolicyPath = fileURLToPath(new URL("../../../policy/default.yaml", import.meta.url));

/** Runs `fn`, expecting a PolicyError, and returns it. */
function policyErrorOf(fn: () => unknown): PolicyError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return err as PolicyError;
  }
  throw new Error("expected a PolicyError");
}

const VALID = `version: 1
playbooks:
  - name: all
    actions:
      - name: notify
`;

describe("loadPolicy", () => {
  it("loads the default policy", () => {
    // Act
    const policy = loadPolicy(defaultPolicyPath);

    // Assert
    expect(policy.version).toBe(1);
    expect(policy.settings).toMatchObject({
      dryRun: false,
      maxContainmentsPerHour: 10,
      protectedTag: { key: "incident-responder:protected", value: "true" },
      protectedIds: [],
      cleanroom: { tiers: ["critical", "high"], ttlHours: 24 },
    });
    expect(policy.settings.impact.tiers).toEqual({ critical: 80, high: 60, medium: 35 });
    const last = policy.playbooks.at(-1)!;
    expect(last.name).toBe("default-alert-only");
    expect(isCatchAll(last.match)).toBe(true);
    expect(last.actions.map((a) => a.name)).toEqual(["notify"]);
    expect(policy.playbooks[0]).toMatchObject({
      name: "guardduty-ec2-critical-high",
      match: {
        source: ["guardduty"],
        type: ["*:EC2/*"],
        resourceKind: ["ec2-instance"],
        tier: ["critical", "high"],
      },
    });
  });

  it("names the file when it cannot be read", () => {
    // Arrange
    const missing = join(mkdtempSync(join(tmpdir(), "policy-")), "absent.yaml");

    // Act
    const error = policyErrorOf(() => loadPolicy(missing));

    // Assert
    expect(error.message).toMatch(`${missing}: cannot read policy file`);
    expect(error.file).toBe(missing);
  });

  it("reports the file and line of a problem in a file on disk", () => {
    // Arrange
    const path = join(mkdtempSync(join(tmpdir(), "policy-")), "policy.yaml");
    writeFileSync(path, VALID.replace("notify", "isolate"));

    // Act
    const error = policyErrorOf(() => loadPolicy(path));

    // Assert
    expect(error).toMatchObject({ file: path, line: 5, code: "POLICY" });
    expect(error.message).toContain(`${path}:5: playbooks[0].actions[0].name: unknown action "isolate"`);
  });
});

describe("a policy in JSON (what the build ships in the bundles)", () => {
  it("reads the same policy as the YAML it was converted from", () => {
    const yaml = readFileSync(defaultPolicyPath, "utf8");
    const json = JSON.stringify(parseYaml(yaml));
    const path = join(mkdtempSync(join(tmpdir(), "policy-")), "policy.json");
    writeFileSync(path, json);

    expect(loadPolicy(path)).toEqual(loadPolicy(defaultPolicyPath));
  });

  it("names every problem with its path", () => {
    const doc = parseYaml(VALID.replace("notify", "isolate"));
    const error = policyErrorOf(() => parsePolicyJson(JSON.stringify(doc), "policy.json"));
    expect(error.message).toMatch(
      /^policy\.json: playbooks\[0\]\.actions\[0\]\.name: unknown action "isolate"/,
    );
  });

  it("says when it is not JSON", () => {
    const error = policyErrorOf(() => parsePolicyJson("{ version: 1", "policy.json"));
    expect(error.message).toMatch(/^policy\.json: JSON syntax error/);
  });
});

describe("parsePolicy", () => {
  it("applies defaults to a minimal policy", () => {
    // Act
    const policy = parsePolicy(VALID, "policy.yaml");

    // Assert
    expect(policy.settings.dryRun).toBe(false);
    expect(policy.settings.maxContainmentsPerHour).toBe(10);
    expect(policy.playbooks[0]).toEqual({
      name: "all",
      match: {},
      actions: [{ name: "notify", params: {}, requiresApproval: false }],
    });
  });

  it("applies action parameter defaults", () => {
    // Arrange
    const text = `version: 1
playbooks:
  - name: all
    actions:
      - name: contain-instance
        requiresApproval: true
      - name: capture-snapshots
        params: { lock: { mode: governance, days: 7 } }
`;

    // Act
    const policy = parsePolicy(text, "policy.yaml");

    // Assert
    expect(policy.playbooks[0]!.actions).toEqual([
      {
        name: "contain-instance",
        params: { stopInstance: false, asgMode: "standby", stopProtection: false },
        requiresApproval: true,
      },
      {
        name: "capture-snapshots",
        params: { lock: { mode: "governance", days: 7 }, archiveTier: false },
        requiresApproval: false,
      },
    ]);
  });

  it("merges impact overrides and tier thresholds into the default weights", () => {
    // Arrange
    const text = `version: 1
settings:
  tierThresholds: { critical: 90 }
  impact:
    severityMultiplier: 4
    tags:
      Environment: { values: { qa: 20 } }
      Criticality: null
playbooks:
  - name: all
    actions: [{ name: notify }]
`;

    // Act
    const { impact } = parsePolicy(text, "policy.yaml").settings;

    // Assert
    expect(impact.tiers).toEqual({ critical: 90, high: 60, medium: 35 });
    expect(impact.severityMultiplier).toBe(4);
    expect(impact.tags.Environment?.values.qa).toBe(20);
    expect(impact.tags.Environment?.values.prod).toBe(20);
    expect(Object.keys(impact.tags)).toEqual(["Environment", "DataClassification"]);
  });

  it("accepts a tier shorthand, single values and lists in a match", () => {
    // Arrange
    const text = `version: 1
playbooks:
  - name: a
    match: { tier: medium+, source: [guardduty, securityhub], resourceKind: ec2-instance, tags: { Env: prod } }
    actions: [{ name: notify }]
`;

    // Act
    const { match } = parsePolicy(text, "policy.yaml").playbooks[0]!;

    // Assert
    expect(match).toEqual({
      tier: ["critical", "high", "medium"],
      source: ["guardduty", "securityhub"],
      resourceKind: ["ec2-instance"],
      tags: { Env: ["prod"] },
    });
  });

  describe("rejects a broken policy with the file, line and problem", () => {
    const cases: { name: string; text: string; message: string }[] = [
      {
        name: "an unknown action",
        text: `version: 1
playbooks:
  - name: first
    actions:
      - name: notify
  - name: second
    match:
      source: guardduty
    actions:
      - name: isolate
`,
        message: `policy.yaml:10: playbooks[1].actions[0].name: unknown action "isolate"; known: ${ACTION_NAMES.join(", ")}`,
      },
      {
        name: "a YAML syntax error",
        text: `version: 1
playbooks:
  - name: first
    actions: [{ name: notify }
  - name: second
`,
        message: "policy.yaml:5: YAML syntax error:",
      },
      {
        name: "a duplicate YAML key",
        text: `version: 1
playbooks: []
playbooks: []
`,
        message: "policy.yaml:3: YAML syntax error: Map keys must be unique",
      },
      {
        name: "a wrong version",
        text: VALID.replace("version: 1", "version: 2"),
        message: "policy.yaml:1: version: version must be 1",
      },
      {
        name: "an unknown parameter",
        text: `version: 1
playbooks:
  - name: all
    actions:
      - name: contain-instance
        params:
          stopInstance: true
          isolateHarder: yes
`,
        message:
          'policy.yaml:8: playbooks[0].actions[0].params.isolateHarder: unknown key "isolateHarder"; known: stopInstance, asgMode, stopProtection',
      },
      {
        name: "a parameter of the wrong type",
        text: `version: 1
playbooks:
  - name: all
    actions:
      - name: capture-snapshots
        params:
          lock:
            mode: forever
            days: 30
`,
        message:
          'policy.yaml:8: playbooks[0].actions[0].params.lock.mode: Invalid option: expected one of "compliance"|"governance"',
      },
      {
        name: "an unknown tier",
        text: `version: 1
playbooks:
  - name: all
    match:
      tier: hihg+
    actions: [{ name: notify }]
`,
        message:
          'policy.yaml:5: playbooks[0].match.tier: unknown tier "hihg+"; known: critical, high, medium, low',
      },
      {
        name: "an unknown source in a list",
        text: `version: 1
playbooks:
  - name: all
    match:
      source:
        - guardduty
        - gaurdduty
    actions: [{ name: notify }]
`,
        message: 'policy.yaml:7: playbooks[0].match.source[1]: unknown source "gaurdduty"',
      },
      {
        name: "a misspelt top-level key",
        text: `version: 1
playbook:
  - name: all
playbooks:
  - name: all
    actions: [{ name: notify }]
`,
        message: 'policy.yaml:2: playbook: unknown key "playbook"',
      },
      {
        name: "a playbook without a name",
        text: `version: 1
playbooks:
  - name: all
    actions: [{ name: notify }]
  - actions: [{ name: notify }]
    match: { source: config }
`,
        message: "policy.yaml:5: playbooks[1].name: Invalid input: expected string, received undefined",
      },
      {
        name: "a duplicate playbook name",
        text: `version: 1
playbooks:
  - name: same
    match: { source: config }
    actions: [{ name: notify }]
  - name: same
    actions: [{ name: notify }]
`,
        message: 'policy.yaml:6: playbooks[1].name: playbook name "same" is already used by playbooks[0]',
      },
      {
        name: "a playbook after the catch-all",
        text: `version: 1
playbooks:
  - name: everything
    actions: [{ name: notify }]
  - name: never
    match: { source: guardduty }
    actions: [{ name: contain-instance }]
`,
        message:
          'policy.yaml:5: playbooks[1]: playbook "never" is never reached: playbooks[0] matches every finding',
      },
      {
        name: "tier thresholds out of order",
        text: `version: 1
settings:
  tierThresholds:
    high: 85
playbooks:
  - name: all
    actions: [{ name: notify }]
`,
        message:
          "policy.yaml:3: settings.tierThresholds: tier thresholds must satisfy critical > high > medium",
      },
      {
        name: "a wrong impact weight",
        text: `version: 1
settings:
  impact:
    tags:
      Environment:
        values:
          qa: high
playbooks:
  - name: all
    actions: [{ name: notify }]
`,
        message:
          "policy.yaml:7: settings.impact.tags.Environment.values.qa: Invalid input: expected number, received string",
      },
      {
        name: "an empty file",
        text: "",
        message: "policy.yaml:1: (root): Invalid input: expected object, received null",
      },
    ];

    it.each(cases)("reports $name", ({ text, message }) => {
      // Act
      const error = policyErrorOf(() => parsePolicy(text, "policy.yaml"));

      // Assert
      expect(error.message.startsWith(message)).toBe(true);
      expect(error.file).toBe("policy.yaml");
      expect(error.line).toBe(Number(/^policy\.yaml:(\d+):/.exec(message)![1]));
    });
  });

  it("lists every problem, each with its line", () => {
    // Arrange
    const text = `version: 1
playbooks:
  - name: a
    match: { source: guardduty }
    actions:
      - name: isolate
      - name: notify
        params: { channel: slack }
`;

    // Act
    const error = policyErrorOf(() => parsePolicy(text, "policy.yaml"));

    // Assert
    expect(error.line).toBe(6);
    expect(error.message.split("\n")).toEqual([
      `policy.yaml:6: playbooks[0].actions[0].name: unknown action "isolate"; known: ${ACTION_NAMES.join(", ")}`,
      'policy.yaml:8: playbooks[0].actions[1].params.channel: unknown key "channel"; known: none',
    ]);
  });
});
