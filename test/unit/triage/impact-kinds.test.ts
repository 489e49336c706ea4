/**
 * Findings that name no workload (an account, a trail, IAM principals) are scored by what those
 * are, not by workload tag defaults such as "Environment tag missing: assumed production".
 */
import { describe, expect, it } from "vitest";
import type { AffectedResource } from "../../../shared/domain/types.ts";
import { assessImpact, DEFAULT_IMPACT_WEIGHTS, ImpactWeightsSchema } from "../../../shared/triage/impact.ts";
import { aFinding } from "./builders.ts";

const TRAIL: AffectedResource = { kind: "cloudtrail-trail", id: "org-trail" };
const ROLE: AffectedResource = { kind: "iam-role", id: "Admin" };
const noContexts = (resources: AffectedResource[]) =>
  resources.map((resource) => ({
    resource,
    exists: true,
    tags: resource.tags ?? {},
    relatedTags: [],
    exposure: { publicIps: [], openIngress: [] },
  }));

describe("impact of findings that name no workload", () => {
  it("scores a stopped trail by the trail, without assuming workload tags", () => {
    // Arrange
    const finding = aFinding({
      source: "cloudtrail",
      type: "cloudtrail:StopLogging",
      resources: [TRAIL, ROLE],
    });

    // Act
    const impact = assessImpact(finding, noContexts(finding.resources), DEFAULT_IMPACT_WEIGHTS);

    // Assert
    expect(impact.reasons.map((r) => r.text).join("\n")).not.toContain("assumed");
    expect(impact.reasons).toContainEqual({
      factor: "resource",
      points: 25,
      text: "cloudtrail-trail org-trail: audit trail: the record investigators rely on (+25)",
    });
    expect(impact.score).toBe(40 + 25);
    expect(impact.tier).toBe("high");
  });

  it("scores an account-wide change by the account", () => {
    // Arrange
    const finding = aFinding({
      source: "cloudtrail",
      severity: 5,
      resources: [{ kind: "aws-account", id: "111122223333" }],
    });

    // Act
    const impact = assessImpact(finding, [], DEFAULT_IMPACT_WEIGHTS);

    // Assert
    expect(impact.score).toBe(25 + 30);
    expect(impact.tier).toBe("medium");
  });

  it("still counts tags the principal carries", () => {
    // Arrange
    const finding = aFinding({
      source: "guardduty",
      resources: [{ ...ROLE, tags: { Environment: "prod" } }],
    });

    // Act
    const impact = assessImpact(finding, [], DEFAULT_IMPACT_WEIGHTS);

    // Assert
    expect(impact.score).toBe(40 + 20 + 20);
  });

  it("keeps the tag defaults when a workload is named beside the caller", () => {
    // Arrange
    const finding = aFinding({
      source: "cloudtrail",
      resources: [{ kind: "security-group", id: "sg-0123456789abcdef0" }, ROLE],
    });

    // Act
    const impact = assessImpact(finding, [], DEFAULT_IMPACT_WEIGHTS);

    // Assert
    expect(impact.reasons.map((r) => r.text)).toContain("Environment tag missing: assumed production (+20)");
    expect(impact.reasons.filter((r) => r.factor === "resource" && r.points > 0)).toEqual([]);
  });

  it("falls back to the tag defaults when a policy removes the kind weights", () => {
    // Arrange
    const weights = ImpactWeightsSchema.parse({ kinds: {} });
    const finding = aFinding({ source: "cloudtrail", resources: [TRAIL] });

    // Act
    const impact = assessImpact(finding, [], weights);

    // Assert
    expect(impact.score).toBe(40 + 20 + 10 + 5);
  });
});

describe("the resource that weighs most", () => {
  it("scores a finding by its heaviest resource, whichever comes first", () => {
    // Arrange: a role (+20) named before the trail (+25), and after it
    const roleFirst = aFinding({ source: "cloudtrail", resources: [ROLE, TRAIL] });
    const trailFirst = aFinding({ source: "cloudtrail", resources: [TRAIL, ROLE] });

    // Act
    const reasonOf = (finding: typeof roleFirst) =>
      assessImpact(finding, noContexts(finding.resources), DEFAULT_IMPACT_WEIGHTS).reasons.filter(
        (r) => r.factor === "resource",
      );

    // Assert
    const trail = {
      factor: "resource",
      points: 25,
      text: "cloudtrail-trail org-trail: audit trail: the record investigators rely on (+25)",
    };
    expect(reasonOf(roleFirst)).toStrictEqual([trail]);
    expect(reasonOf(trailFirst)).toStrictEqual([trail]);
  });
});
