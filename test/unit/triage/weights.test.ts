/**
 * The shipped impact weights and what the schema accepts in their place.
 */
import { describe, expect, it } from "vitest";
import {
  assessImpact,
  DEFAULT_IMPACT_WEIGHTS,
  ImpactWeightsSchema,
  TierThresholdsSchema,
} from "../../../shared/triage/impact.ts";
import { aFinding, anInstance } from "./builders.ts";

describe("the tier thresholds", () => {
  it.each([
    { critical: 60, high: 60, medium: 35 },
    { critical: 80, high: 35, medium: 35 },
    { critical: 50, high: 60, medium: 35 },
    { critical: 80, high: 30, medium: 35 },
  ])("refuses $critical / $high / $medium, saying what they must satisfy", (tiers) => {
    // Act
    const parsed = TierThresholdsSchema.safeParse(tiers);

    // Assert
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.message)).toStrictEqual([
      "tier thresholds must satisfy critical > high > medium",
    ]);
  });

  it("accepts thresholds in strictly falling order", () => {
    expect(TierThresholdsSchema.parse({ critical: 81, high: 80, medium: 79 })).toStrictEqual({
      critical: 81,
      high: 80,
      medium: 79,
    });
  });
});

describe("the shipped weights", () => {
  it("score severity by 5, exposure by 10, 10 up to 20 and 5, in tiers 80 / 60 / 35", () => {
    expect(DEFAULT_IMPACT_WEIGHTS.severityMultiplier).toBe(5);
    expect(DEFAULT_IMPACT_WEIGHTS.exposure).toStrictEqual({
      publicIp: 10,
      openIngress: 10,
      openIngressMax: 20,
      instanceProfile: 5,
    });
    expect(DEFAULT_IMPACT_WEIGHTS.tiers).toStrictEqual({ critical: 80, high: 60, medium: 35 });
  });

  it("read the owner and the work queue under their usual keys, in order of preference", () => {
    expect(DEFAULT_IMPACT_WEIGHTS.ownerKeys).toStrictEqual(["Owner", "OwnerEmail", "Contact"]);
    expect(DEFAULT_IMPACT_WEIGHTS.workQueueKeys).toStrictEqual(["WorkQueue", "Work-Queue", "Team"]);
  });

  it("keep a GuardDuty finding of severity 7 or more on an instance at medium at least", () => {
    expect(DEFAULT_IMPACT_WEIGHTS.floors).toStrictEqual([
      { source: ["guardduty"], resourceKind: ["ec2-instance"], minSeverity: 7, tier: "medium" },
    ]);
  });

  it("cannot be changed by a caller, however deep", () => {
    expect(Object.isFrozen(DEFAULT_IMPACT_WEIGHTS)).toBe(true);
    expect(Object.isFrozen(DEFAULT_IMPACT_WEIGHTS.tags.Environment?.values)).toBe(true);
    expect(Object.isFrozen(DEFAULT_IMPACT_WEIGHTS.tags.Environment?.keys)).toBe(true);
    expect(Object.isFrozen(DEFAULT_IMPACT_WEIGHTS.floors[0]?.source)).toBe(true);
    expect(Object.isFrozen(DEFAULT_IMPACT_WEIGHTS.kinds["aws-account"])).toBe(true);
  });

  it.each([
    ["Environment", "staging", 5],
    ["Env", "staging", 5],
    ["Stage", "staging", 5],
    ["DataClassification", "confidential", 30],
    ["Data-Classification", "confidential", 30],
    ["Classification", "confidential", 30],
    ["DataClass", "confidential", 30],
    ["Criticality", "high", 15],
    ["BusinessCriticality", "high", 15],
    ["Business-Criticality", "high", 15],
  ])("read the tag %s=%s as a known value worth %d", (key, value, points) => {
    // Act
    const impact = assessImpact(aFinding(), [anInstance({ tags: { [key]: value } })], DEFAULT_IMPACT_WEIGHTS);

    // Assert
    expect(impact.reasons.filter((r) => r.text.startsWith(`${key}=`))).toStrictEqual([
      { factor: "tag", points, text: `${key}=${value}: +${points}` },
    ]);
  });
});

describe("a policy's own weights", () => {
  it("may give a floor's source and kind as one value or as a list", () => {
    // Act
    const weights = ImpactWeightsSchema.parse({
      floors: [
        { source: ["guardduty", "securityhub"], resourceKind: "ec2-instance", minSeverity: 5, tier: "high" },
        { source: "config", resourceKind: ["ec2-instance", "ec2-volume"], minSeverity: 9, tier: "critical" },
      ],
    });

    // Assert
    expect(weights.floors).toStrictEqual([
      { source: ["guardduty", "securityhub"], resourceKind: ["ec2-instance"], minSeverity: 5, tier: "high" },
      { source: ["config"], resourceKind: ["ec2-instance", "ec2-volume"], minSeverity: 9, tier: "critical" },
    ]);
  });

  it("may weigh kinds of resource, and nothing but points and why", () => {
    // Act
    const weights = ImpactWeightsSchema.parse({ kinds: { "aws-account": { points: 5, what: "a sandbox" } } });
    const extra = ImpactWeightsSchema.safeParse({
      kinds: { "aws-account": { points: 5, what: "a sandbox", silence: true } },
    });

    // Assert
    expect(weights.kinds).toStrictEqual({ "aws-account": { points: 5, what: "a sandbox" } });
    expect(extra.success).toBe(false);
  });

  it("may state a tag rule's default when the tag is missing", () => {
    // Act
    const weights = ImpactWeightsSchema.parse({
      tags: {
        Tier: {
          keys: ["Tier"],
          values: { gold: 10 },
          otherValue: 1,
          missing: { points: 3, assumed: "gold" },
        },
      },
    });

    // Assert
    expect(weights.tags).toStrictEqual({
      Tier: { keys: ["Tier"], values: { gold: 10 }, otherValue: 1, missing: { points: 3, assumed: "gold" } },
    });
  });
});

describe("a policy's own tag keys", () => {
  it("keeps every spelling given for a tag rule, the owner and the work queue", () => {
    const weights = ImpactWeightsSchema.parse({
      tags: { tier: { keys: ["Tier", "ServiceTier"], values: { gold: 10 }, otherValue: 0 } },
      ownerKeys: ["Owner", "TeamEmail"],
      workQueueKeys: ["Queue", "Jira"],
    });

    expect(weights.tags.tier?.keys).toStrictEqual(["Tier", "ServiceTier"]);
    expect(weights.ownerKeys).toStrictEqual(["Owner", "TeamEmail"]);
    expect(weights.workQueueKeys).toStrictEqual(["Queue", "Jira"]);
  });
});
