import { describe, expect, it } from "vitest";
import type { ResourceContext, Tier } from "../../../shared/domain/types.ts";
import { assessImpact, DEFAULT_IMPACT_WEIGHTS, ImpactWeightsSchema } from "../../../shared/triage/impact.ts";
import { aFinding, anInstance } from "./builders.ts";

const weights = DEFAULT_IMPACT_WEIGHTS;

describe("assessImpact", () => {
  describe("scores typical instances", () => {
    const cases: { name: string; severity: number; ctx: ResourceContext; score: number; tier: Tier }[] = [
      {
        name: "prod + restricted + public IP (demo web server)",
        severity: 8,
        ctx: anInstance({
          tags: { Environment: "prod", DataClassification: "restricted", Owner: "alice" },
          exposure: { publicIps: ["54.1.2.3"], openIngress: [] },
        }),
        score: 100, // 40 + 20 + 30 + 5 (Criticality missing) + 10 = 105, clamped
        tier: "critical",
      },
      {
        name: "dev instance with an untagged volume",
        severity: 5,
        ctx: anInstance({
          tags: { Environment: "dev" },
          relatedTags: [{ source: "vol-0def", tags: {} }],
        }),
        score: 40, // 25 + 0 + 10 (DataClassification missing) + 5 (Criticality missing)
        tier: "medium",
      },
      {
        name: "dev instance with a restricted volume",
        severity: 5,
        ctx: anInstance({
          tags: { Environment: "dev", DataClassification: "public" },
          relatedTags: [{ source: "vol-0def", tags: { DataClassification: "restricted" } }],
        }),
        score: 60, // 25 + 0 + 30 (from the volume) + 5
        tier: "high",
      },
      {
        name: "untagged instance",
        severity: 8,
        ctx: anInstance(),
        score: 75, // 40 + 20 + 10 + 5
        tier: "high",
      },
      {
        name: "staging internal instance, low severity",
        severity: 2,
        ctx: anInstance({ tags: { Environment: "staging", DataClassification: "internal" } }),
        score: 30, // 10 + 5 + 10 + 5
        tier: "low",
      },
      {
        name: "prod public low-criticality instance exactly at the medium threshold",
        severity: 3,
        ctx: anInstance({ tags: { Environment: "prod", DataClassification: "public", Criticality: "low" } }),
        score: 35, // 15 + 20 + 0 + 0
        tier: "medium",
      },
      {
        name: "dev public instance open to the world with an instance profile",
        severity: 5,
        ctx: anInstance({
          tags: { Environment: "dev", DataClassification: "public", Criticality: "low" },
          exposure: {
            publicIps: ["3.3.3.3"],
            openIngress: [{ groupId: "sg-123", ports: "22", cidr: "0.0.0.0/0" }],
            instanceProfileArn: "arn:aws:iam::111122223333:instance-profile/web",
          },
        }),
        score: 50, // 25 + 0 + 0 + 0 + 10 + 10 + 5
        tier: "medium",
      },
      {
        name: "tags in other cases (environment=PROD, dataclassification=Confidential)",
        severity: 4,
        ctx: anInstance({ tags: { environment: "PROD", dataclassification: "Confidential" } }),
        score: 75, // 20 + 20 + 30 + 5
        tier: "high",
      },
    ];

    it.each(cases)("scores $name as $score ($tier)", ({ severity, ctx, score, tier }) => {
      // Arrange
      const finding = aFinding({ severity });

      // Act
      const impact = assessImpact(finding, [ctx], weights);

      // Assert
      expect(impact.score).toBe(score);
      expect(impact.tier).toBe(tier);
    });
  });

  it("explains every point with a readable reason", () => {
    // Arrange
    const finding = aFinding({ severity: 8 });
    const ctx = anInstance({
      tags: { Environment: "prod", DataClassification: "restricted", Criticality: "high" },
      exposure: {
        publicIps: ["54.1.2.3"],
        openIngress: [{ groupId: "sg-123", ports: "22", cidr: "0.0.0.0/0" }],
      },
    });

    // Act
    const impact = assessImpact(finding, [ctx], weights);

    // Assert
    expect(impact.reasons).toEqual([
      { factor: "severity", points: 40, text: "severity 8.0 (GuardDuty): +40" },
      { factor: "tag", points: 20, text: "Environment=prod: +20" },
      { factor: "tag", points: 30, text: "DataClassification=restricted: +30" },
      { factor: "tag", points: 15, text: "Criticality=high: +15" },
      { factor: "exposure", points: 10, text: "public IP 54.1.2.3: +10" },
      { factor: "exposure", points: 10, text: "sg-123 open to 0.0.0.0/0 on 22: +10" },
    ]);
  });

  it("states the conservative default for every missing tag", () => {
    // Arrange
    const finding = aFinding({ severity: 0 });

    // Act
    const impact = assessImpact(finding, [anInstance()], weights);

    // Assert
    expect(impact.reasons.map((r) => r.text)).toEqual([
      "severity 0.0 (GuardDuty): +0",
      "Environment tag missing: assumed production (+20)",
      "DataClassification tag missing: assumed internal (+10)",
      "Criticality tag missing: assumed medium (+5)",
    ]);
    expect(impact.score).toBe(35);
  });

  it("counts the strongest value across related resources and names its source", () => {
    // Arrange
    const ctx = anInstance({
      tags: { Environment: "dev" },
      relatedTags: [
        { source: "eni-0aaa", tags: { Environment: "staging" } },
        { source: "asg-web", tags: { Environment: "Production" } },
      ],
    });

    // Act
    const impact = assessImpact(aFinding(), [ctx], weights);

    // Assert
    expect(impact.reasons).toContainEqual({
      factor: "tag",
      points: 20,
      text: "Environment=Production (from asg-web): +20",
    });
  });

  it("treats an unknown tag value by the rule's conservative points", () => {
    // Arrange
    const ctx = anInstance({ tags: { Environment: "perf-lab" } });

    // Act
    const impact = assessImpact(aFinding(), [ctx], weights);

    // Assert
    expect(impact.reasons).toContainEqual({
      factor: "tag",
      points: 20,
      text: "Environment=perf-lab (not a known value): +20",
    });
  });

  it("says when the resource is not found and ignores its exposure", () => {
    // Arrange
    const ctx = anInstance({
      exists: false,
      state: undefined,
      exposure: { publicIps: ["54.1.2.3"], openIngress: [] },
    });

    // Act
    const impact = assessImpact(aFinding({ severity: 8 }), [ctx], weights);

    // Assert
    expect(impact.reasons.map((r) => r.text)).toContain(
      "i-0abc not found (terminated or in another account): its tags and exposure are unknown",
    );
    expect(impact.reasons.some((r) => r.factor === "exposure")).toBe(false);
    expect(impact.score).toBe(75);
  });

  it("uses the event's tags for a resource that was not read", () => {
    // Arrange
    const finding = aFinding({
      severity: 2,
      resources: [{ kind: "ec2-instance", id: "i-0abc", tags: { Environment: "dev", Team: "payments" } }],
    });

    // Act
    const impact = assessImpact(finding, [], weights);

    // Assert
    expect(impact.reasons.map((r) => r.text)).toContain("Environment=dev: +0");
    expect(impact.reasons.map((r) => r.text)).toContain(
      "ec2-instance i-0abc was not read from the account: event tags only",
    );
    expect(impact.tags).toEqual({ Environment: "dev", Team: "payments" });
    expect(impact.workQueue).toBe("payments");
  });

  it("caps the points of rules open to the world", () => {
    // Arrange
    const ctx = anInstance({
      exposure: {
        publicIps: [],
        openIngress: [
          { groupId: "sg-1", ports: "22", cidr: "0.0.0.0/0" },
          { groupId: "sg-1", ports: "3389", cidr: "0.0.0.0/0" },
          { groupId: "sg-2", ports: "all", cidr: "::/0" },
        ],
      },
    });

    // Act
    const impact = assessImpact(aFinding(), [ctx], weights);

    // Assert
    expect(impact.reasons.filter((r) => r.factor === "exposure")).toEqual([
      { factor: "exposure", points: 10, text: "sg-1 open to 0.0.0.0/0 on 22: +10" },
      { factor: "exposure", points: 10, text: "sg-1 open to 0.0.0.0/0 on 3389: +10" },
      {
        factor: "exposure",
        points: 0,
        text: "sg-2 open to ::/0 on all ports: +0 (cap of 20 for open rules reached)",
      },
    ]);
  });

  it("carries owner and work queue from the resource, then from related resources", () => {
    // Arrange
    const ctx = anInstance({
      tags: { owner: "alice@example.com" },
      relatedTags: [{ source: "asg-web", tags: { Team: "web-platform", Owner: "bob@example.com" } }],
    });

    // Act
    const impact = assessImpact(aFinding(), [ctx], weights);

    // Assert
    expect(impact.owner).toBe("alice@example.com");
    expect(impact.workQueue).toBe("web-platform");
    expect(impact.tags).toEqual({ owner: "alice@example.com" });
  });

  it("uses configured tier thresholds and tag weights", () => {
    // Arrange
    const custom = ImpactWeightsSchema.parse({
      severityMultiplier: 10,
      tags: { CostCenter: { keys: ["CostCenter"], values: { core: 15 }, otherValue: 0 } },
      tiers: { critical: 95, high: 90, medium: 50 },
    });
    const ctx = anInstance({ tags: { costcenter: "Core" } });

    // Act
    const impact = assessImpact(aFinding({ severity: 6 }), [ctx], custom);

    // Assert
    expect(impact.score).toBe(75); // 60 + 15
    expect(impact.tier).toBe("medium");
    expect(impact.reasons.map((r) => r.text)).toEqual([
      "severity 6.0 (GuardDuty): +60",
      "costcenter=Core: +15",
    ]);
  });

  it("says so when the finding names no resource", () => {
    // Arrange
    const finding = aFinding({ resources: [], source: "cloudtrail", severity: 5 });

    // Act
    const impact = assessImpact(finding, [], weights);

    // Assert
    expect(impact.reasons[0]?.text).toBe("severity 5.0 (CloudTrail): +25");
    expect(impact.reasons.at(-1)?.text).toBe("the finding names no resource: tag defaults assumed");
    expect(impact.tags).toEqual({});
  });

  it("gives the same result for the same input", () => {
    // Arrange
    const ctx = anInstance({
      tags: { Environment: "prod" },
      relatedTags: [{ source: "vol-1", tags: { DataClassification: "internal" } }],
    });

    // Act
    const first = assessImpact(aFinding(), [ctx], weights);
    const second = assessImpact(aFinding(), [structuredClone(ctx)], weights);

    // Assert
    expect(second).toEqual(first);
  });
});
