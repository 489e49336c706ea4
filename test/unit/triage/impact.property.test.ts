import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Finding, ResourceContext } from "../../../shared/domain/types.ts";
import {
  assessImpact,
  DEFAULT_IMPACT_WEIGHTS,
  type ImpactWeights,
  ImpactWeightsSchema,
  tierFor,
} from "../../../shared/triage/impact.ts";
import { aFinding } from "./builders.ts";

const tagKey = fc.constantFrom(
  "Environment",
  "env",
  "DataClassification",
  "CRITICALITY",
  "Owner",
  "Team",
  "Name",
);
const tagValue = fc.constantFrom("prod", "PROD", "dev", "restricted", "public", "high", "", " x ", "weird");
const tags = fc.dictionary(tagKey, tagValue, { maxKeys: 5 });

const context: fc.Arbitrary<ResourceContext> = fc.record({
  resource: fc.record({
    kind: fc.constantFrom("ec2-instance" as const, "ec2-volume" as const, "s3-bucket" as const),
    id: fc.constantFrom("i-1", "i-2", "vol-1", "bucket"),
  }),
  exists: fc.boolean(),
  state: fc.option(fc.constantFrom("running", "stopped", "terminated"), { nil: undefined }),
  tags,
  relatedTags: fc.array(fc.record({ source: fc.constantFrom("vol-1", "eni-1", "asg-1"), tags }), {
    maxLength: 3,
  }),
  exposure: fc.record({
    publicIps: fc.array(fc.ipV4(), { maxLength: 3 }),
    openIngress: fc.array(
      fc.record({
        groupId: fc.constantFrom("sg-1", "sg-2", "sg-3"),
        ports: fc.constantFrom("22", "all", "1024-2048"),
        cidr: fc.constantFrom("0.0.0.0/0", "::/0"),
      }),
      { maxLength: 4 },
    ),
    instanceProfileArn: fc.option(fc.constant("arn:aws:iam::1:instance-profile/p"), { nil: undefined }),
  }),
});

const finding: fc.Arbitrary<Finding> = fc
  .record({
    severity: fc.oneof(
      fc.double({ min: -5, max: 15 }),
      fc.constant(Number.NaN),
      fc.integer({ min: 0, max: 10 }),
    ),
    source: fc.constantFrom("guardduty" as const, "cloudtrail" as const, "config" as const),
    ids: fc.array(fc.constantFrom("i-1", "i-2", "vol-1"), { maxLength: 2 }),
  })
  .map(({ severity, source, ids }) =>
    aFinding({ severity, source, resources: ids.map((id) => ({ kind: "ec2-instance", id })) }),
  );

const weights: fc.Arbitrary<ImpactWeights> = fc.oneof(
  fc.constant(DEFAULT_IMPACT_WEIGHTS),
  fc
    .record({
      severityMultiplier: fc.double({ min: 0, max: 30, noNaN: true }),
      tiers: fc
        .uniqueArray(fc.integer({ min: 0, max: 100 }), { minLength: 3, maxLength: 3 })
        .map((t) => t.sort((a, b) => b - a))
        .map(([critical, high, medium]) => ({ critical: critical!, high: high!, medium: medium! })),
      exposure: fc.record({
        publicIp: fc.integer({ min: -50, max: 50 }),
        openIngress: fc.integer({ min: -50, max: 50 }),
        openIngressMax: fc.integer({ min: 0, max: 100 }),
        instanceProfile: fc.integer({ min: -50, max: 50 }),
      }),
    })
    .map((w) => ImpactWeightsSchema.parse(w)),
);

describe("assessImpact (property)", () => {
  it("always scores 0–100 with the tier its thresholds give", () => {
    fc.assert(
      fc.property(finding, fc.array(context, { maxLength: 3 }), weights, (f, contexts, w) => {
        // Act
        const impact = assessImpact(f, contexts, w);

        // Assert
        expect(Number.isInteger(impact.score)).toBe(true);
        expect(impact.score).toBeGreaterThanOrEqual(0);
        expect(impact.score).toBeLessThanOrEqual(100);
        expect(impact.tier).toBe(tierFor(impact.score, w.tiers));
        expect(impact.reasons.length).toBeGreaterThan(0);
        for (const reason of impact.reasons) expect(reason.text.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
  });

  it("is deterministic", () => {
    fc.assert(
      fc.property(finding, fc.array(context, { maxLength: 3 }), (f, contexts) => {
        // Act
        const a = assessImpact(f, contexts, DEFAULT_IMPACT_WEIGHTS);
        const b = assessImpact(structuredClone(f), structuredClone(contexts), DEFAULT_IMPACT_WEIGHTS);

        // Assert
        expect(b).toEqual(a);
      }),
    );
  });
});
