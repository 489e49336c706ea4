/**
 * serverless.yml's EventBridge patterns against the intake: the rules let through exactly what
 * intake can turn into findings (the filtering EventBridge can do), and nothing is lost between
 * the two. The emulator's routing of real fixtures: test/integration/routing.test.ts.
 */
import { describe, expect, it } from "vitest";
import {
  APPROVAL_DETAIL_TYPE,
  APPROVAL_SOURCE,
  CLOUDTRAIL_DETAIL_TYPES,
  DRILL_DETAIL_TYPE,
  DRILL_SOURCE,
  GUARDDUTY_FINDING,
  riskyEventNamesBySource,
} from "../../../shared/intake/index.ts";
import { type Json, serverlessDoc } from "../iam/roles.ts";

const doc = serverlessDoc();

interface Rule {
  fn: string;
  bus: "default" | "responder";
  pattern: Json;
}

/** Every EventBridge rule of every function, with the bus it listens on. */
const rules: Rule[] = Object.entries<Json>(doc.functions).flatMap(([fn, f]) =>
  (f.events ?? [])
    .filter((e: Json) => e.eventBridge)
    .map((e: Json) => ({
      fn,
      bus: e.eventBridge.eventBus === undefined ? "default" : "responder",
      pattern: e.eventBridge.pattern,
    })),
);
const triage = rules.filter((r) => r.fn === "triage");
const cloudTrail = triage.filter((r) =>
  (r.pattern["detail-type"] as string[]).some((d) =>
    (CLOUDTRAIL_DETAIL_TYPES as readonly string[]).includes(d),
  ),
);

describe("serverless.yml: the triage function's EventBridge patterns", () => {
  it("name, per source, exactly the catalogue's risky CloudTrail calls", () => {
    const inPatterns: Record<string, string[]> = {};
    for (const r of cloudTrail) {
      for (const source of r.pattern.source as string[]) {
        inPatterns[source] = [...(inPatterns[source] ?? []), ...(r.pattern.detail?.eventName ?? ["(any)"])];
      }
    }
    const sorted = Object.fromEntries(
      Object.entries(inPatterns).map(([s, names]) => [s, [...new Set(names)].sort()]),
    );

    // When this fails: update the CloudTrail rules of triage in serverless.yml (one per source)
    // to match shared/intake/cloudtrail-rules.ts, or the catalogue to match them.
    expect(sorted).toEqual(riskyEventNamesBySource());
  });

  it("give every CloudTrail rule one source, so that no name of one service matches another's", () => {
    for (const r of cloudTrail) {
      expect(r.pattern.source).toHaveLength(1);
      expect(r.bus).toBe("default");
      expect(Object.keys(r.pattern.detail)).toEqual(["eventName"]);
    }
  });

  it("take console sign-ins only for ConsoleLogin", () => {
    const signin = cloudTrail.filter((r) => r.pattern.source.includes("aws.signin"));

    expect(signin.map((r) => r.pattern)).toEqual([
      {
        source: ["aws.signin"],
        "detail-type": ["AWS Console Sign In via CloudTrail"],
        detail: { eventName: ["ConsoleLogin"] },
      },
    ]);
  });

  it("filter GuardDuty findings at custom.responder.minSeverity, and take no other GuardDuty detail-type", () => {
    const guardDuty = triage.filter(
      (r) => r.pattern.source.includes("aws.guardduty") && !cloudTrail.includes(r),
    );

    expect(guardDuty.map((r) => r.pattern)).toEqual([
      {
        source: ["aws.guardduty"],
        "detail-type": [GUARDDUTY_FINDING],
        detail: { severity: [{ numeric: [">=", doc.custom.responder.minSeverity] }] },
      },
    ]);
    expect(typeof doc.custom.responder.minSeverity).toBe("number");
  });

  it("take AWS Config compliance changes only when NON_COMPLIANT", () => {
    const config = triage.filter((r) => r.pattern["detail-type"].includes("Config Rules Compliance Change"));

    expect(config.map((r) => r.pattern)).toEqual([
      {
        source: ["aws.config"],
        "detail-type": ["Config Rules Compliance Change"],
        detail: { newEvaluationResult: { complianceType: ["NON_COMPLIANT"] } },
      },
    ]);
  });

  it("take imported Security Hub findings and drills", () => {
    const of = (source: string) =>
      triage
        .filter((r) => r.pattern.source.includes(source) && !cloudTrail.includes(r))
        .map((r) => r.pattern);

    expect(of("aws.securityhub")).toEqual([
      { source: ["aws.securityhub"], "detail-type": ["Security Hub Findings - Imported"] },
    ]);
    expect(of(DRILL_SOURCE)).toEqual([{ source: [DRILL_SOURCE], "detail-type": [DRILL_DETAIL_TYPE] }]);
  });

  it("take approval decisions from the responder's own bus only", () => {
    const approvals = rules.filter((r) => r.pattern.source.includes(APPROVAL_SOURCE));

    expect(approvals).toEqual([
      {
        fn: "triage",
        bus: "responder",
        pattern: { source: [APPROVAL_SOURCE], "detail-type": [APPROVAL_DETAIL_TYPE] },
      },
    ]);
  });

  it("listen on the default bus for nothing the responder emits itself", () => {
    const own = rules.filter(
      (r) =>
        r.bus === "default" &&
        (r.pattern.source as string[]).some((s) => s === "incident-responder" || s === APPROVAL_SOURCE),
    );

    expect(own).toEqual([]);
  });
});
