/**
 * The tier floor: tags (set by the owner, or by an attacker on the instance) may raise a
 * GuardDuty EC2 finding's tier, never lower one of severity 7 or more below containment.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parsePolicy } from "../../../shared/policy/yaml.ts";
import { choosePlan } from "../../../shared/triage/choose-playbook.ts";
import { assessImpact, ImpactWeightsSchema } from "../../../shared/triage/impact.ts";
import { aFinding, anInstance } from "./builders.ts";

const defaultYaml = readFileSync(
  fileURLToPath(new URL("../../../policy/default.yaml", import.meta.url)),
  "utf8",
);

/** The default policy with stricter tier thresholds: severity 8 and low-impact tags alone give `low`. */
const strict = parsePolicy(
  defaultYaml.replace(/tierThresholds:\n(\s+)critical: 80\n\s+high: 60\n\s+medium: 35/, (_m, pad) =>
    ["tierThresholds:", `${pad}critical: 90`, `${pad}high: 70`, `${pad}medium: 50`].join("\n"),
  ),
  "strict.yaml",
);

const LOWERING_TAGS = { Environment: "dev", DataClassification: "public", Criticality: "low" };

describe("the tier floor", () => {
  it("keeps a severity-8 GuardDuty EC2 finding at medium whatever the tags say, and says why", () => {
    // Arrange
    const finding = aFinding({ severity: 8 });
    const ctx = anInstance({ tags: LOWERING_TAGS });

    // Act
    const impact = assessImpact(finding, [ctx], strict.settings.impact);

    // Assert
    expect(strict.settings.impact.tiers.medium).toBe(50);
    expect(impact.tier).toBe("medium");
    expect(impact.score).toBe(50);
    expect(impact.reasons.at(-1)).toEqual({
      factor: "floor",
      points: 10,
      text: "severity 8.0 ≥ 7 (GuardDuty, ec2-instance): tier at least medium whatever the tags say: +10",
    });
  });

  it("still contains the instance (the medium playbook contains)", () => {
    // Arrange
    const finding = aFinding({ severity: 8 });
    const contexts = [anInstance({ tags: LOWERING_TAGS })];
    const impact = assessImpact(finding, contexts, strict.settings.impact);

    // Act
    const plan = choosePlan({ finding, impact, contexts, policy: strict });

    // Assert
    expect(plan.playbook).toBe("guardduty-ec2-medium");
    expect(plan.actions.find((a) => a.name === "contain-instance")).toMatchObject({
      requiresApproval: false,
      targets: ["i-0abc"],
    });
  });

  it("holds against tag weights that subtract points", () => {
    // Arrange: a policy where dev counts against the score
    const weights = ImpactWeightsSchema.parse({
      tags: { Environment: { keys: ["Environment"], values: { dev: -60 }, otherValue: 0 } },
    });

    // Act
    const impact = assessImpact(
      aFinding({ severity: 7 }),
      [anInstance({ tags: { Environment: "dev" } })],
      weights,
    );

    // Assert
    expect(impact.tier).toBe("medium");
    expect(impact.reasons.map((r) => r.factor)).toContain("floor");
  });

  it.each([
    { what: "severity below 7", finding: aFinding({ severity: 6.9 }) },
    { what: "a CloudTrail finding", finding: aFinding({ severity: 8, source: "cloudtrail" }) },
    {
      what: "a GuardDuty finding on no instance",
      finding: aFinding({ severity: 8, resources: [{ kind: "iam-user", id: "alice" }] }),
    },
  ])("does not apply to $what", ({ finding }) => {
    // Act
    // (without kind weights: an IAM principal's own points are not what this case is about)
    const weights = { ...strict.settings.impact, kinds: {} };
    const impact = assessImpact(finding, [anInstance({ tags: LOWERING_TAGS })], weights);

    // Assert
    expect(impact.tier).toBe("low");
    expect(impact.reasons.map((r) => r.factor)).not.toContain("floor");
  });

  it("adds nothing when the tier is already at or above the floor", () => {
    // Act
    const impact = assessImpact(aFinding({ severity: 8 }), [anInstance()], strict.settings.impact);

    // Assert
    expect(impact.tier).toBe("high"); // 40 + 20 + 10 + 5 = 75
    expect(impact.reasons.map((r) => r.factor)).not.toContain("floor");
  });

  it("can be changed or removed by the policy, and refuses an unknown tier", () => {
    // Arrange
    const withFloors = (floors: string) =>
      `version: 1\nsettings:\n  tierThresholds: { medium: 50 }\n  impact:\n    floors: ${floors}\nplaybooks: [{ name: all, actions: [{ name: notify }] }]\n`;
    const none = parsePolicy(withFloors("[]"), "none.yaml");
    const high = parsePolicy(
      withFloors("[{ source: guardduty, resourceKind: ec2-instance, minSeverity: 5, tier: high }]"),
      "high.yaml",
    );

    // Act
    const unfloored = assessImpact(
      aFinding({ severity: 8 }),
      [anInstance({ tags: LOWERING_TAGS })],
      none.settings.impact,
    );
    const raised = assessImpact(
      aFinding({ severity: 5 }),
      [anInstance({ tags: LOWERING_TAGS })],
      high.settings.impact,
    );

    // Assert
    expect(unfloored.tier).toBe("low");
    expect(raised.tier).toBe("high");
    expect(() =>
      parsePolicy(
        withFloors("[{ source: guardduty, resourceKind: ec2-instance, minSeverity: 7, tier: severe }]"),
        "bad.yaml",
      ),
    ).toThrow(/bad\.yaml:5: settings\.impact\.floors\[0\]\.tier/);
  });
});
