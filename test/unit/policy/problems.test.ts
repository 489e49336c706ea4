/**
 * How the problems of a policy are told: each path as it reads in the file, each line where it
 * is (through YAML anchors too), in the order of the file, at most ten of them. What the
 * mutation run of shared/policy/{issues,yaml}.ts showed no test judged (docs/testing.md).
 */

import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PolicyError } from "../../../shared/errors/index.ts";
import { formatPath, type Located, listProblems, MAX_LISTED } from "../../../shared/policy/issues.ts";
import { loadPolicy, parsePolicyJson } from "../../../shared/policy/load.ts";
import { parsePolicy } from "../../../shared/policy/yaml.ts";

function errorOf(fn: () => unknown): PolicyError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return err as PolicyError;
  }
  throw new Error("the policy loaded");
}

describe("formatPath", () => {
  it("writes names with dots, indexes in brackets, and nothing before the first", () => {
    expect(formatPath(["playbooks", 1, "actions", 0, "name"])).toBe("playbooks[1].actions[0].name");
    expect(formatPath([0, "a"])).toBe("[0].a");
    expect(formatPath(["a"])).toBe("a");
  });

  it("keeps names of letters, digits, _ and - bare when they start with a letter or _", () => {
    expect(formatPath(["Env", "work-queue", "_x", "abc", "a1"])).toBe("Env.work-queue._x.abc.a1");
  });

  it("quotes any other name, so that a key cannot pass for a path", () => {
    expect(formatPath(["tags", "a b", "9a", "a.b", "", "x]"])).toBe('tags["a b"]["9a"]["a.b"][""]["x]"]');
  });

  it("calls the empty path (root)", () => {
    expect(formatPath([])).toBe("(root)");
  });
});

describe("listProblems", () => {
  const problems = (n: number): Located[] =>
    Array.from({ length: n }, (_, i) => ({ line: i + 1, path: `p${i}`, message: `m${i}` }));

  it("lists ten problems in full", () => {
    const lines = listProblems(problems(MAX_LISTED), "f.yaml", true).split("\n");
    expect(lines).toHaveLength(10);
    expect(lines[0]).toBe("p0: m0");
    expect(lines[9]).toBe("f.yaml:10: p9: m9");
  });

  it("lists ten of eleven problems, and says one more is not shown", () => {
    const lines = listProblems(problems(MAX_LISTED + 1), "f.yaml", true).split("\n");
    expect(lines).toHaveLength(11);
    expect(lines[9]).toBe("f.yaml:10: p9: m9");
    expect(lines[10]).toBe("(1 more problems not shown)");
  });

  it("says how many more there are beyond ten", () => {
    const lines = listProblems(problems(13), "f.yaml", true).split("\n");
    expect(lines).toHaveLength(11);
    expect(lines[10]).toBe("(3 more problems not shown)");
  });

  it("leaves lines out when they are not known", () => {
    expect(listProblems(problems(2), "f.json", false)).toBe("p0: m0\np1: m1");
  });
});

describe("a policy in JSON with several problems", () => {
  it("lists each with its path and no line", () => {
    const doc = { version: 1, playbooks: [{ name: "a", actions: [{ name: "isolate" }, { name: "stop" }] }] };
    const error = errorOf(() => parsePolicyJson(JSON.stringify(doc), "policy.json"));
    expect(error.message.split("\n")).toEqual([
      expect.stringMatching(/^policy\.json: playbooks\[0\]\.actions\[0\]\.name: unknown action "isolate"/),
      expect.stringMatching(/^playbooks\[0\]\.actions\[1\]\.name: unknown action "stop"/),
    ]);
    expect(error.line).toBeUndefined();
  });
});

describe("a policy file named .json", () => {
  it("is read as JSON only: YAML in it is a JSON syntax error, not a policy", () => {
    const path = join(mkdtempSync(join(tmpdir(), "policy-")), "policy.json");
    writeFileSync(path, "version: 1\nplaybooks:\n  - name: all\n    actions: [{ name: notify }]\n");
    expect(errorOf(() => loadPolicy(path)).message).toMatch(/: JSON syntax error: /);
  });
});

describe("parsePolicy: where a problem is", () => {
  it("points at a playbook itself for a problem of the whole playbook, whatever keys it holds", () => {
    const text = `version: 1
playbooks:
  - name: all
    actions: [{ name: notify }]
  - name: b
    match: { source: guardduty }
    actions: [{ name: notify }]
    undefined: 1
`;
    expect(errorOf(() => parsePolicy(text, "p.yaml")).message.split("\n")).toEqual([
      'p.yaml:5: playbooks[1]: playbook "b" is never reached: playbooks[0] matches every finding',
      'p.yaml:8: playbooks[1].undefined: unknown key "undefined"',
    ]);
  });

  it("tells a YAML syntax error in one line, without the parser's own position", () => {
    const error = errorOf(() => parsePolicy("version: 1\nplaybooks: []\nplaybooks: []\n", "p.yaml"));
    expect(error.message).toBe("p.yaml:3: YAML syntax error: Map keys must be unique");
    expect(error.line).toBe(3);
  });

  it("drops the parser's position however many digits its line and column have", () => {
    const text = `version: 1${"\n".repeat(9)}
playbooks:
  - name: a
    match: { source: guardduty, source: config }
    actions: [{ name: notify }]
`;
    const error = errorOf(() => parsePolicy(text, "p.yaml"));
    expect(error.message).toBe("p.yaml:13: YAML syntax error: Map keys must be unique");
  });

  it("tells a YAML error found while reading the document (an alias bomb) at line 1", () => {
    const text = `version: 1
a: &a [x, x, x, x, x, x, x, x, x, x]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]
d: [*c, *c]
playbooks: []
`;
    const error = errorOf(() => parsePolicy(text, "p.yaml"));
    expect(error.message).toMatch(/^p\.yaml:1: YAML error: .*Excessive alias count/);
    expect(error.line).toBe(1);
  });

  it("follows an alias to the line of the anchored node the problem is in", () => {
    const text = `version: 1
playbooks:
  - name: a
    match: &m { source: gaurdduty }
    actions: [{ name: notify }]
  - name: b
    match: *m
    actions: [{ name: notify }]
`;
    const lines = errorOf(() => parsePolicy(text, "p.yaml")).message.split("\n");
    expect(lines[0]).toMatch(/^p\.yaml:4: playbooks\[0\]\.match\.source: unknown source "gaurdduty"/);
    expect(lines[1]).toMatch(/^p\.yaml:4: playbooks\[1\]\.match\.source: unknown source "gaurdduty"/);
  });

  it("points at the key of a mapping entry, not at its value on a later line", () => {
    const text = `version: 1
playbooks:
  - name: a
    match:
      source:
        gaurdduty
    actions: [{ name: notify }]
`;
    expect(errorOf(() => parsePolicy(text, "p.yaml")).line).toBe(5);
  });

  it("lists the problems in the order of the file, whatever order the schema finds them in", () => {
    const text = `version: 1
playbooks:
  - name: a
    actions: [{ name: isolate }]
settings:
  dryRun: maybe
  maxContainmentsPerHour: many
`;
    const error = errorOf(() => parsePolicy(text, "p.yaml"));
    const lines = error.message.split("\n");
    expect(error.line).toBe(4);
    expect(lines.map((l) => /^(?:p\.yaml:(\d+): )?(\S+):/.exec(l)?.slice(1))).toEqual([
      ["4", "playbooks[0].actions[0].name"],
      ["6", "settings.dryRun"],
      ["7", "settings.maxContainmentsPerHour"],
    ]);
    expect(lines[0]).toMatch(/^p\.yaml:4: playbooks\[0\]\.actions\[0\]\.name: unknown action "isolate"/);
  });
});
