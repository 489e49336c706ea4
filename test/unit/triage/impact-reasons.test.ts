/**
 * The impact's score, tier and every reason's exact text, at the edges: each source's label,
 * severities out of range, whitespace and case in tags, ties, the order of resources, tier
 * floors at their boundaries.
 */
import { describe, expect, it } from "vitest";
import type { AffectedResource, FindingSource, ResourceContext } from "../../../shared/domain/types.ts";
import {
  assessImpact,
  DEFAULT_IMPACT_WEIGHTS,
  type ImpactWeights,
  ImpactWeightsSchema,
  type TierFloor,
} from "../../../shared/triage/impact.ts";
import { aFinding, anInstance } from "./builders.ts";

/** No tag rules and no floors: only severity, kinds, exposure and resource notes count. */
const bare: ImpactWeights = ImpactWeightsSchema.parse({ tags: {}, floors: [] });
const withFloors = (...floors: TierFloor[]): ImpactWeights => ({ ...bare, floors });
const floor = (o: Partial<TierFloor> = {}): TierFloor => ({
  source: ["guardduty"],
  resourceKind: ["ec2-instance"],
  minSeverity: 7,
  tier: "medium",
  ...o,
});
const notRead = (r: AffectedResource) => ({
  factor: "resource",
  points: 0,
  text: `${r.kind} ${r.id} was not read from the account: event tags only`,
});
const NO_RESOURCE = {
  factor: "resource",
  points: 0,
  text: "the finding names no resource: tag defaults assumed",
};

describe("the severity reason", () => {
  it.each<[FindingSource, string]>([
    ["guardduty", "GuardDuty"],
    ["cloudtrail", "CloudTrail"],
    ["config", "AWS Config"],
    ["securityhub", "Security Hub"],
    ["alarm", "CloudWatch alarm"],
  ])("names a %s finding's source as %s", (source, label) => {
    // Act
    const impact = assessImpact(aFinding({ source, severity: 4, resources: [] }), [], bare);

    // Assert
    expect(impact).toStrictEqual({
      score: 20,
      tier: "low",
      reasons: [{ factor: "severity", points: 20, text: `severity 4.0 (${label}): +20` }, NO_RESOURCE],
      tags: {},
    });
  });

  it.each([
    { severity: 12, text: "severity 10.0 (GuardDuty): +50", score: 50 },
    { severity: -3, text: "severity 0.0 (GuardDuty): +0", score: 0 },
    { severity: Number.NaN, text: "severity 0.0 (GuardDuty): +0", score: 0 },
    { severity: 6.5, text: "severity 6.5 (GuardDuty): +33", score: 33 },
  ])("reads a severity of $severity as $text", ({ severity, text, score }) => {
    // Act
    const impact = assessImpact(aFinding({ severity, resources: [] }), [], bare);

    // Assert
    expect(impact.reasons).toStrictEqual([{ factor: "severity", points: score, text }, NO_RESOURCE]);
    expect(impact.score).toBe(score);
  });

  it("scores 0 when the points add up to no finite number", () => {
    // Arrange: weights built by hand (a schema would refuse an infinite multiplier)
    const infinite: ImpactWeights = { ...bare, severityMultiplier: Number.POSITIVE_INFINITY };

    // Act
    const impact = assessImpact(aFinding({ severity: 8, resources: [] }), [], infinite);

    // Assert
    expect(impact.score).toBe(0);
    expect(impact.tier).toBe("low");
    expect(impact.reasons[0]).toStrictEqual({
      factor: "severity",
      points: Number.POSITIVE_INFINITY,
      text: "severity 8.0 (GuardDuty): +Infinity",
    });
  });
});

describe("tag reasons", () => {
  const envRule = (values: Record<string, number>, missing?: { points: number; assumed: string }) =>
    ImpactWeightsSchema.parse({
      tags: {
        Environment: { keys: ["Environment"], values, otherValue: 7, ...(missing ? { missing } : {}) },
      },
      floors: [],
    });

  it("writes points a tag takes away with their minus sign, and never scores below 0", () => {
    // Arrange
    const weights = envRule({ dev: -60 });
    const ctx = anInstance({ tags: { Environment: "dev" } });

    // Act
    const impact = assessImpact(aFinding({ severity: 1 }), [ctx], weights);

    // Assert
    expect(impact).toStrictEqual({
      score: 0,
      tier: "low",
      reasons: [
        { factor: "severity", points: 5, text: "severity 1.0 (GuardDuty): +5" },
        { factor: "tag", points: -60, text: "Environment=dev: -60" },
      ],
      tags: { Environment: "dev" },
    });
  });

  it("treats a tag whose value is only spaces as missing", () => {
    // Act
    const impact = assessImpact(
      aFinding({ severity: 0 }),
      [anInstance({ tags: { Environment: "   " } })],
      DEFAULT_IMPACT_WEIGHTS,
    );

    // Assert
    expect(impact.reasons[1]).toStrictEqual({
      factor: "tag",
      points: 20,
      text: "Environment tag missing: assumed production (+20)",
    });
  });

  it("trims a value before looking it up and before writing it", () => {
    // Act
    const impact = assessImpact(
      aFinding({ severity: 0 }),
      [anInstance({ tags: { Environment: "  dev " } })],
      DEFAULT_IMPACT_WEIGHTS,
    );

    // Assert
    expect(impact.reasons[1]).toStrictEqual({ factor: "tag", points: 0, text: "Environment=dev: +0" });
  });

  it("compares the policy's own values trimmed and ignoring case", () => {
    // Arrange
    const weights = envRule({ " Core ": 15 });

    // Act
    const impact = assessImpact(
      aFinding({ severity: 0 }),
      [anInstance({ tags: { Environment: "CORE" } })],
      weights,
    );

    // Assert
    expect(impact.reasons[1]).toStrictEqual({ factor: "tag", points: 15, text: "Environment=CORE: +15" });
  });

  it("adds no reason for a missing tag whose rule states no default", () => {
    // Act
    const impact = assessImpact(aFinding({ severity: 2 }), [anInstance()], envRule({ prod: 20 }));

    // Assert
    expect(impact.reasons).toStrictEqual([
      { factor: "severity", points: 10, text: "severity 2.0 (GuardDuty): +10" },
    ]);
  });

  it("keeps the first of two values worth the same points", () => {
    // Arrange
    const ctx = anInstance({
      tags: { Environment: "prod" },
      relatedTags: [{ source: "asg-web", tags: { Environment: "live" } }],
    });

    // Act
    const impact = assessImpact(aFinding(), [ctx], DEFAULT_IMPACT_WEIGHTS);

    // Assert
    expect(impact.reasons[1]).toStrictEqual({ factor: "tag", points: 20, text: "Environment=prod: +20" });
  });

  it("lets the account's tags override what the event claims for the same resource", () => {
    // Arrange: the event says prod, the account says dev
    const finding = aFinding({
      severity: 0,
      resources: [{ kind: "ec2-instance", id: "i-0abc", tags: { Environment: "prod", Owner: "mallory" } }],
    });
    const ctx = anInstance({
      resource: { tags: { Environment: "prod", Owner: "mallory" } },
      tags: { Environment: "dev" },
    });

    // Act
    const impact = assessImpact(finding, [ctx], envRule({ prod: 20, dev: 0 }));

    // Assert
    expect(impact).toStrictEqual({
      score: 0,
      tier: "low",
      reasons: [
        { factor: "severity", points: 0, text: "severity 0.0 (GuardDuty): +0" },
        { factor: "tag", points: 0, text: "Environment=dev: +0" },
      ],
      tags: { Environment: "dev", Owner: "mallory" },
      owner: "mallory",
    });
  });

  it("names a resource that was not read as the source of its event tags", () => {
    // Arrange
    const resources: AffectedResource[] = [
      { kind: "ec2-instance", id: "i-0aaa", tags: { Environment: "dev" } },
      { kind: "ec2-instance", id: "i-0bbb", tags: { Environment: "prod" } },
      { kind: "ec2-instance", id: "i-0ccc" },
    ];

    // Act
    const impact = assessImpact(aFinding({ severity: 0, resources }), [], envRule({ prod: 20, dev: 0 }));

    // Assert
    expect(impact).toStrictEqual({
      score: 20,
      tier: "low",
      reasons: [
        { factor: "severity", points: 0, text: "severity 0.0 (GuardDuty): +0" },
        { factor: "tag", points: 20, text: "Environment=prod (from i-0bbb): +20" },
        ...resources.map(notRead),
      ],
      tags: { Environment: "dev" },
    });
  });

  it("names the finding's first resource as a source when it was not read but another was", () => {
    // Arrange
    const unread: AffectedResource = { kind: "ec2-instance", id: "i-0aaa", tags: { Environment: "prod" } };
    const finding = aFinding({ severity: 0, resources: [unread, { kind: "ec2-instance", id: "i-0bbb" }] });
    const ctx = anInstance({ id: "i-0bbb", tags: { Environment: "dev" } });

    // Act
    const impact = assessImpact(finding, [ctx], envRule({ prod: 20, dev: 0 }));

    // Assert
    expect(impact.reasons).toStrictEqual([
      { factor: "severity", points: 0, text: "severity 0.0 (GuardDuty): +0" },
      { factor: "tag", points: 20, text: "Environment=prod (from i-0aaa): +20" },
      notRead(unread),
    ]);
    expect(impact.tags).toStrictEqual({ Environment: "dev" });
  });
});

describe("the primary resource", () => {
  it("is the finding's first resource, wherever its context is in the list", () => {
    // Arrange
    const volume: ResourceContext = {
      ...anInstance({ id: "vol-0abc", tags: { Environment: "prod" } }),
      state: undefined,
    };
    volume.resource.kind = "ec2-volume";
    const instance = anInstance({ tags: { Environment: "dev", Team: "web" } });

    // Act
    const impact = assessImpact(
      aFinding({ severity: 0 }),
      [volume, instance],
      ImpactWeightsSchema.parse({
        tags: { Environment: { keys: ["Environment"], values: { prod: 20, dev: 0 }, otherValue: 7 } },
        floors: [],
      }),
    );

    // Assert
    expect(impact).toStrictEqual({
      score: 20,
      tier: "low",
      reasons: [
        { factor: "severity", points: 0, text: "severity 0.0 (GuardDuty): +0" },
        { factor: "tag", points: 20, text: "Environment=prod (from vol-0abc): +20" },
      ],
      tags: { Environment: "dev", Team: "web" },
      workQueue: "web",
    });
  });

  it("comes first, the other contexts keeping their order, in the notes on what is gone", () => {
    // Arrange
    const contexts = [
      anInstance({ id: "i-0aaa", exists: false, state: undefined }),
      anInstance({ id: "i-0abc", state: "shutting-down" }),
      anInstance({ id: "i-0bbb", state: "terminated" }),
    ];

    // Act
    const impact = assessImpact(aFinding({ severity: 0 }), contexts, bare);

    // Assert
    expect(impact.reasons).toStrictEqual([
      { factor: "severity", points: 0, text: "severity 0.0 (GuardDuty): +0" },
      { factor: "resource", points: 0, text: "i-0abc is shutting-down" },
      {
        factor: "resource",
        points: 0,
        text: "i-0aaa not found (terminated or in another account): its tags and exposure are unknown",
      },
      { factor: "resource", points: 0, text: "i-0bbb is terminated" },
    ]);
  });

  it("is the first context read when the finding names no resource, with no note about it", () => {
    // Act
    const impact = assessImpact(
      aFinding({ severity: 8, resources: [] }),
      [anInstance({ tags: { Name: "web" } })],
      DEFAULT_IMPACT_WEIGHTS,
    );

    // Assert
    expect(impact).toStrictEqual({
      score: 75,
      tier: "high",
      reasons: [
        { factor: "severity", points: 40, text: "severity 8.0 (GuardDuty): +40" },
        { factor: "tag", points: 20, text: "Environment tag missing: assumed production (+20)" },
        { factor: "tag", points: 10, text: "DataClassification tag missing: assumed internal (+10)" },
        { factor: "tag", points: 5, text: "Criticality tag missing: assumed medium (+5)" },
      ],
      tags: { Name: "web" },
    });
  });
});

describe("resources that carry no workload", () => {
  it.each([
    ["aws-account", "111122223333", 30, "account-wide: every workload in the account"],
    ["cloudtrail-trail", "org-trail", 25, "audit trail: the record investigators rely on"],
    ["iam-user", "alice", 20, "IAM principal: reaches whatever its permissions allow"],
    ["iam-role", "Admin", 20, "IAM principal: reaches whatever its permissions allow"],
    ["iam-access-key", "AKIAIOSFODNN7EXAMPLE", 20, "IAM credentials: act as their principal from anywhere"],
  ] as const)("scores a %s by what it is", (kind, id, points, what) => {
    // Arrange
    const resource: AffectedResource = { kind, id };

    // Act
    const impact = assessImpact(
      aFinding({ source: "cloudtrail", severity: 0, resources: [resource] }),
      [],
      DEFAULT_IMPACT_WEIGHTS,
    );

    // Assert
    expect(impact).toStrictEqual({
      score: points,
      tier: "low",
      reasons: [
        { factor: "severity", points: 0, text: "severity 0.0 (CloudTrail): +0" },
        { factor: "resource", points, text: `${kind} ${id}: ${what} (+${points})` },
        notRead(resource),
      ],
      tags: {},
    });
  });

  it("keeps the first of two resources worth the same points", () => {
    // Arrange
    const resources: AffectedResource[] = [
      { kind: "iam-role", id: "Admin" },
      { kind: "iam-user", id: "alice" },
    ];

    // Act
    const impact = assessImpact(aFinding({ source: "cloudtrail", resources }), [], DEFAULT_IMPACT_WEIGHTS);

    // Assert
    expect(impact.reasons[1]).toStrictEqual({
      factor: "resource",
      points: 20,
      text: "iam-role Admin: IAM principal: reaches whatever its permissions allow (+20)",
    });
  });
});

describe("exposure reasons", () => {
  const exposed = (id: string, exposure: Partial<ResourceContext["exposure"]>) =>
    anInstance({ id, exposure: { publicIps: [], openIngress: [], ...exposure } });

  it("counts public IPs once across resources, and names them all", () => {
    // Arrange
    const contexts = [
      exposed("i-0abc", { publicIps: ["1.1.1.1", "2.2.2.2"] }),
      exposed("i-0def", { publicIps: ["2.2.2.2"] }),
    ];

    // Act
    const impact = assessImpact(aFinding({ severity: 0 }), contexts, bare);

    // Assert
    expect(impact.reasons.slice(1)).toStrictEqual([
      { factor: "exposure", points: 10, text: "public IPs 1.1.1.1, 2.2.2.2: +10" },
    ]);
  });

  it("counts an open rule once when two resources share it, and says when the cap cuts a rule short", () => {
    // Arrange
    const weights = { ...bare, exposure: { ...bare.exposure, openIngressMax: 15 } };
    const rule = { groupId: "sg-1", ports: "22", cidr: "0.0.0.0/0" };
    const contexts = [
      exposed("i-0abc", { openIngress: [rule, { ...rule, ports: "443" }] }),
      exposed("i-0def", { openIngress: [rule, { ...rule, cidr: "::/0" }] }),
    ];

    // Act
    const impact = assessImpact(aFinding({ severity: 0 }), contexts, weights);

    // Assert
    expect(impact.reasons.slice(1)).toStrictEqual([
      { factor: "exposure", points: 10, text: "sg-1 open to 0.0.0.0/0 on 22: +10" },
      {
        factor: "exposure",
        points: 5,
        text: "sg-1 open to 0.0.0.0/0 on 443: +5 (cap of 15 for open rules reached)",
      },
      {
        factor: "exposure",
        points: 0,
        text: "sg-1 open to ::/0 on 22: +0 (cap of 15 for open rules reached)",
      },
    ]);
    expect(impact.score).toBe(15);
  });

  it("takes points away for every open rule when the policy weighs them below zero, without a cap", () => {
    // Arrange
    const weights = { ...bare, exposure: { ...bare.exposure, openIngress: -5, openIngressMax: 5 } };
    const ctx = exposed("i-0abc", {
      openIngress: [
        { groupId: "sg-1", ports: "22", cidr: "0.0.0.0/0" },
        { groupId: "sg-1", ports: "all", cidr: "0.0.0.0/0" },
      ],
    });

    // Act
    const impact = assessImpact(aFinding({ severity: 4 }), [ctx], weights);

    // Assert
    expect(impact.reasons.slice(1)).toStrictEqual([
      { factor: "exposure", points: -5, text: "sg-1 open to 0.0.0.0/0 on 22: -5" },
      { factor: "exposure", points: -5, text: "sg-1 open to 0.0.0.0/0 on all ports: -5" },
    ]);
    expect(impact.score).toBe(10);
  });

  it("names each instance profile by its name, once", () => {
    // Arrange
    const web = "arn:aws:iam::111122223333:instance-profile/web";
    const contexts = [
      exposed("i-0abc", { instanceProfileArn: web }),
      exposed("i-0def", { instanceProfileArn: "arn:aws:iam::111122223333:instance-profile/team/db" }),
      exposed("i-0fed", { instanceProfileArn: web }),
    ];

    // Act
    const impact = assessImpact(aFinding({ severity: 0 }), contexts, bare);

    // Assert
    expect(impact.reasons.slice(1)).toStrictEqual([
      { factor: "exposure", points: 5, text: "instance profiles web, db attached: +5" },
    ]);
  });

  it("names one instance profile in the singular", () => {
    // Act
    const impact = assessImpact(
      aFinding({ severity: 0 }),
      [exposed("i-0abc", { instanceProfileArn: "arn:aws:iam::111122223333:instance-profile/web" })],
      bare,
    );

    // Assert
    expect(impact.reasons.slice(1)).toStrictEqual([
      { factor: "exposure", points: 5, text: "instance profile web attached: +5" },
    ]);
  });
});

describe("owner and work queue", () => {
  it.each([
    [{ OwnerEmail: "alice@example.com" }, "alice@example.com", undefined],
    [{ Contact: "ops@example.com" }, "ops@example.com", undefined],
    [{ WorkQueue: "SEC-1" }, undefined, "SEC-1"],
    [{ "Work-Queue": "SEC-2" }, undefined, "SEC-2"],
    [{ team: "payments" }, undefined, "payments"],
  ])("reads %o by the default keys", (tags, owner, workQueue) => {
    // Act
    const impact = assessImpact(aFinding(), [anInstance({ tags })], bare);

    // Assert
    expect([impact.owner, impact.workQueue]).toStrictEqual([owner, workQueue]);
  });

  it("trims the value, and skips a blank one for the next resource's", () => {
    // Arrange
    const ctx = anInstance({
      tags: { Owner: "  ", Team: " web " },
      relatedTags: [{ source: "asg-web", tags: { Owner: "bob@example.com" } }],
    });

    // Act
    const impact = assessImpact(aFinding(), [ctx], bare);

    // Assert
    expect(impact.owner).toBe("bob@example.com");
    expect(impact.workQueue).toBe("web");
  });
});

describe("tier floors", () => {
  const LOWERING = { Environment: "dev", DataClassification: "public", Criticality: "low" };

  it("adds nothing to a score exactly at the floor's tier", () => {
    // Act
    const impact = assessImpact(
      aFinding({ severity: 7 }),
      [anInstance({ tags: LOWERING })],
      DEFAULT_IMPACT_WEIGHTS,
    );

    // Assert
    expect(impact).toStrictEqual({
      score: 35,
      tier: "medium",
      reasons: [
        { factor: "severity", points: 35, text: "severity 7.0 (GuardDuty): +35" },
        { factor: "tag", points: 0, text: "Environment=dev: +0" },
        { factor: "tag", points: 0, text: "DataClassification=public: +0" },
        { factor: "tag", points: 0, text: "Criticality=low: +0" },
      ],
      tags: LOWERING,
    });
  });

  it("reads a severity that is not a number as 0 and a severity above 10 as 10", () => {
    // Arrange
    const weights = withFloors(floor({ minSeverity: 0 }));
    const resources: AffectedResource[] = [{ kind: "ec2-instance", id: "i-0abc" }];

    // Act
    const nan = assessImpact(aFinding({ severity: Number.NaN, resources }), [], weights);
    const over = assessImpact(aFinding({ severity: 12 }), [], withFloors(floor({ tier: "critical" })));

    // Assert
    expect(nan).toStrictEqual({
      score: 35,
      tier: "medium",
      reasons: [
        { factor: "severity", points: 0, text: "severity 0.0 (GuardDuty): +0" },
        notRead(resources[0]!),
        {
          factor: "floor",
          points: 35,
          text: "severity 0.0 ≥ 0 (GuardDuty, ec2-instance): tier at least medium whatever the tags say: +35",
        },
      ],
      tags: {},
    });
    expect(over.reasons.at(-1)).toStrictEqual({
      factor: "floor",
      points: 30,
      text: "severity 10.0 ≥ 7 (GuardDuty, ec2-instance): tier at least critical whatever the tags say: +30",
    });
    expect(over.score).toBe(80);
  });

  it("never adds points for a floor at the lowest tier", () => {
    // Act
    const impact = assessImpact(
      aFinding({ severity: 0 }),
      [anInstance()],
      withFloors(floor({ minSeverity: 0, tier: "low" })),
    );

    // Assert
    expect(impact).toStrictEqual({
      score: 0,
      tier: "low",
      reasons: [{ factor: "severity", points: 0, text: "severity 0.0 (GuardDuty): +0" }],
      tags: {},
    });
  });

  it("lifts to a threshold that is not a whole number by rounding it up", () => {
    // Arrange
    const weights = {
      ...withFloors(floor()),
      severityMultiplier: 4,
      tiers: { critical: 80, high: 60, medium: 34.5 },
    };

    // Act
    const impact = assessImpact(aFinding({ severity: 7 }), [anInstance()], weights);

    // Assert
    expect(impact.score).toBe(35);
    expect(impact.reasons.at(-1)?.points).toBe(7);
  });

  it.each([
    {
      order: "the lower first",
      floors: [floor({ minSeverity: 6 }), floor({ minSeverity: 5, tier: "high" })],
    },
    {
      order: "the higher first",
      floors: [floor({ minSeverity: 5, tier: "high" }), floor({ minSeverity: 6 })],
    },
  ])("applies the highest tier among the floors that hold, $order", ({ floors }) => {
    // Act
    const impact = assessImpact(aFinding({ severity: 8 }), [anInstance()], withFloors(...floors));

    // Assert
    expect(impact.reasons.at(-1)).toStrictEqual({
      factor: "floor",
      points: 20,
      text: "severity 8.0 ≥ 5 (GuardDuty, ec2-instance): tier at least high whatever the tags say: +20",
    });
    expect(impact.tier).toBe("high");
  });

  it("keeps the first of two floors of the same tier", () => {
    // Act
    const impact = assessImpact(
      aFinding({ severity: 8 }),
      [anInstance()],
      withFloors(floor({ minSeverity: 5, tier: "high" }), floor({ minSeverity: 6, tier: "high" })),
    );

    // Assert
    expect(impact.reasons.at(-1)?.text).toBe(
      "severity 8.0 ≥ 5 (GuardDuty, ec2-instance): tier at least high whatever the tags say: +20",
    );
  });

  it("holds when any resource of the finding is of its kinds, and names the kinds the finding has", () => {
    // Arrange
    const resources: AffectedResource[] = [
      { kind: "iam-user", id: "alice" },
      { kind: "ec2-instance", id: "i-0abc" },
      { kind: "ec2-volume", id: "vol-0abc" },
    ];
    const weights = withFloors(
      floor({ resourceKind: ["ec2-volume", "ec2-instance", "iam-role"], tier: "high" }),
    );

    // Act
    const impact = assessImpact(aFinding({ severity: 8, resources }), [], weights);

    // Assert
    expect(impact.reasons.at(-1)).toStrictEqual({
      factor: "floor",
      points: 20,
      text: "severity 8.0 ≥ 7 (GuardDuty, ec2-volume, ec2-instance): tier at least high whatever the tags say: +20",
    });
    expect(impact.score).toBe(60);
  });

  it("does not hold for a finding from another source, nor below its severity", () => {
    // Arrange
    const weights = withFloors(floor({ source: ["guardduty", "securityhub"], tier: "high" }));

    // Act
    const fromConfig = assessImpact(aFinding({ source: "config", severity: 8 }), [anInstance()], weights);
    const fromHub = assessImpact(aFinding({ source: "securityhub", severity: 7 }), [anInstance()], weights);
    const mild = assessImpact(aFinding({ severity: 6.9 }), [anInstance()], weights);

    // Assert
    expect([fromConfig.score, fromHub.score, mild.score]).toStrictEqual([40, 60, 35]);
    expect(fromHub.reasons.at(-1)?.text).toBe(
      "severity 7.0 ≥ 7 (Security Hub, ec2-instance): tier at least high whatever the tags say: +25",
    );
  });
});
