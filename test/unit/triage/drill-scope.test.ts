import { describe, expect, it } from "vitest";
import { defaultPolicyFile } from "../../../shared/config/index.ts";
import { loadPolicy } from "../../../shared/policy/index.ts";
import { applyDrillScope, isDrillTagged, outsideDrillScope } from "../../../shared/triage/safety.ts";
import { decide } from "../../../shared/workflow/triage.ts";
import { aFinding, anInstance } from "./builders.ts";

const policy = loadPolicy(defaultPolicyFile());
const DRILL = { "incident-responder:drill": "true" };
const PROD = { Environment: "prod", DataClassification: "restricted" };

const fullPlan = () => ({
  playbook: "guardduty-ec2-critical-high",
  actions: ["contain-instance", "capture-snapshots", "collect-artifacts", "launch-cleanroom", "notify"].map(
    (name) => ({
      name,
      params: {},
      requiresApproval: false,
    }),
  ),
  notes: [] as string[],
});

describe("the drill scope", () => {
  it("keeps the plan of a drill on an instance tagged for drills", () => {
    // Arrange
    const finding = aFinding({ drill: true });
    const ctx = anInstance({ tags: DRILL, accountTags: DRILL });

    // Act
    const plan = applyDrillScope(fullPlan(), finding, [ctx]);

    // Assert
    expect(plan).toEqual(fullPlan());
  });

  it("drops containment and capture of a drill on an instance not tagged for drills, and says why", () => {
    // Arrange
    const finding = aFinding({ drill: true });
    const ctx = anInstance({ tags: PROD, accountTags: PROD });

    // Act
    const plan = applyDrillScope(fullPlan(), finding, [ctx]);

    // Assert
    expect(plan.actions.map((a) => a.name)).toEqual(["notify"]);
    expect(plan.notes).toEqual([
      "drill event on an instance not tagged incident-responder:drill=true (i-0abc): contain-instance, capture-snapshots, collect-artifacts, launch-cleanroom dropped",
    ]);
  });

  it("does not let the event's own tags put an instance in scope", () => {
    // Arrange: the event claims the tag, the account does not carry it
    const finding = aFinding({
      drill: true,
      resources: [{ kind: "ec2-instance", id: "i-0abc", tags: DRILL }],
    });
    const ctx = anInstance({ tags: { ...DRILL, ...PROD }, accountTags: PROD });

    // Act
    const plan = applyDrillScope(fullPlan(), finding, [ctx]);

    // Assert
    expect(plan.actions.map((a) => a.name)).toEqual(["notify"]);
  });

  it("treats an instance that could not be read as out of scope", () => {
    expect(outsideDrillScope([{ kind: "ec2-instance", id: "i-0gone" }], [])).toEqual(["i-0gone"]);
    expect(
      outsideDrillScope(
        [{ kind: "ec2-instance", id: "i-0abc" }],
        [anInstance({ exists: false, accountTags: DRILL })],
      ),
    ).toEqual(["i-0abc"]);
  });

  it("needs every instance of a drill in scope", () => {
    const finding = aFinding({
      drill: true,
      resources: [
        { kind: "ec2-instance", id: "i-0aaa" },
        { kind: "ec2-instance", id: "i-0bbb" },
      ],
    });
    const contexts = [
      anInstance({ id: "i-0aaa", accountTags: DRILL }),
      anInstance({ id: "i-0bbb", accountTags: {} }),
    ];

    expect(outsideDrillScope(finding.resources, contexts)).toEqual(["i-0bbb"]);
  });

  it("leaves real findings and drills on resources it does not act on alone", () => {
    const real = applyDrillScope(fullPlan(), aFinding({ drill: false }), [anInstance({ accountTags: PROD })]);
    const sg = applyDrillScope(
      {
        playbook: "cloudtrail-risky-call",
        actions: [{ name: "notify", params: {}, requiresApproval: false }],
        notes: [],
      },
      aFinding({ drill: true, resources: [{ kind: "security-group", id: "sg-0abc" }] }),
      [],
    );

    expect(real).toEqual(fullPlan());
    expect(sg.notes).toEqual([]);
  });

  it("reads the tag case-insensitively, as the account may spell it", () => {
    expect(isDrillTagged({ "Incident-Responder:Drill": " TRUE " })).toBe(true);
    expect(isDrillTagged({ "incident-responder:drill": "false" })).toBe(false);
    expect(isDrillTagged(undefined)).toBe(false);
  });

  it("reads only the drill tag: another tag that says true does not count", () => {
    expect(isDrillTagged({ Backup: "true", "incident-responder:protected": "true" })).toBe(false);
  });

  it("is applied by triage's decision for a drill on an untagged production instance", () => {
    // Arrange
    const finding = aFinding({ drill: true, scenario: "c2" });
    const ctx = anInstance({ tags: PROD, accountTags: PROD });

    // Act
    const { plan, impact } = decide(finding, [ctx], policy);

    // Assert
    expect(impact.tier).toBe("critical");
    expect(plan.actions.map((a) => a.name)).toEqual(["notify"]);
    expect(plan.notes.at(-1)).toMatch(/^drill event on an instance not tagged incident-responder:drill=true/);
  });

  it("lets triage contain a drill on a tagged instance", () => {
    const finding = aFinding({ drill: true, scenario: "c2" });
    const tags = { ...PROD, ...DRILL };

    const { plan } = decide(finding, [anInstance({ tags, accountTags: tags })], policy);

    expect(plan.actions.map((a) => a.name)).toContain("contain-instance");
  });
});
