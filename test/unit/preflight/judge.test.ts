import { describe, expect, it } from "vitest";
import {
  deniesEverything,
  judgeActions,
  judgeBucketPolicy,
  judgeForwarding,
  judgeGroupDryRuns,
  judgeGuardDuty,
  judgeIsolationProfile,
  judgeKey,
  judgeObjectLock,
  judgeSubscriptions,
  judgeTrails,
  judgeVersioning,
  managementEvents,
} from "../../../shared/preflight/judge.ts";
import type { Observed } from "../../../shared/preflight/types.ts";

const ok = <T>(value: T): Observed<T> => ({ kind: "ok", value });
const unsupported = { kind: "unsupported", reason: "X is not implemented by this endpoint" } as const;
const denied = { kind: "error", reason: "X: AccessDenied: no" } as const;

describe("preflight judgements", () => {
  it("never passes what it could not observe: unsupported stays unsupported, an error fails", () => {
    expect(judgeGuardDuty(unsupported).status).toBe("unsupported");
    expect(judgeGuardDuty(denied)).toEqual({ status: "fail", reason: "X: AccessDenied: no" });
    expect(judgeSubscriptions(unsupported).status).toBe("unsupported");
  });

  it("fails the actions check on any action not allowed, naming it", () => {
    const obs = ok({
      principalArn: "arn:aws:iam::1:role/r",
      decisions: [
        { action: "ec2:A", decision: "allowed" },
        { action: "ec2:B", decision: "implicitDeny" },
      ],
    });

    expect(judgeActions(obs, ["ec2:A"]).status).toBe("pass");
    const v = judgeActions(obs, ["ec2:A", "ec2:B", "ec2:C"]);
    expect(v.status).toBe("fail");
    expect(v.reason).toContain("ec2:B (implicitDeny)");
    expect(v.reason).toContain("ec2:C (not simulated)");
  });

  it("requires an unconditional Deny of * on * in the isolation role", () => {
    const role = (statements: object[]) => ok({ profileName: "p", roles: [{ roleName: "r", statements }] });

    expect(judgeIsolationProfile(role([{ Effect: "Deny", Action: "*", Resource: "*" }])).status).toBe("pass");
    expect(judgeIsolationProfile(role([{ Effect: "Deny", Action: ["*"], Resource: ["*"] }])).status).toBe(
      "pass",
    );
    expect(judgeIsolationProfile(role([{ Effect: "Deny", Action: "s3:*", Resource: "*" }])).status).toBe(
      "fail",
    );
    expect(
      judgeIsolationProfile(role([{ Effect: "Deny", Action: "*", Resource: "*", Condition: { Bool: {} } }]))
        .status,
    ).toBe("fail");
    expect(judgeIsolationProfile(role([{ Effect: "Allow", Action: "*", Resource: "*" }])).status).toBe(
      "fail",
    );
    expect(judgeIsolationProfile(ok({ profileName: "p", roles: [] })).status).toBe("fail");
    expect(deniesEverything({ Effect: "Deny", NotAction: "iam:*", Action: "*", Resource: "*" })).toBe(false);
  });

  it("passes group creation only where every VPC answers DryRunOperation", () => {
    expect(
      judgeGroupDryRuns(ok([{ vpcId: "vpc-1", outcome: "allowed", detail: "DryRunOperation" }])).status,
    ).toBe("pass");
    const v = judgeGroupDryRuns(
      ok([
        { vpcId: "vpc-1", outcome: "allowed", detail: "DryRunOperation" },
        { vpcId: "vpc-2", outcome: "denied", detail: "UnauthorizedOperation" },
      ]),
    );
    expect(v).toEqual({ status: "fail", reason: "vpc-2: UnauthorizedOperation" });
  });

  it("needs an ENABLED detector and an enabled forwarding rule", () => {
    expect(judgeGuardDuty(ok([{ detectorId: "d", status: "DISABLED" }])).status).toBe("fail");
    expect(judgeGuardDuty(ok([])).status).toBe("fail");
    expect(judgeGuardDuty(ok([{ detectorId: "d", status: "ENABLED" }])).status).toBe("pass");
    expect(judgeForwarding(ok({ rules: [], target: "bus" })).status).toBe("fail");
    expect(judgeForwarding(ok({ rules: [{ name: "r", state: "DISABLED" }], target: "bus" })).status).toBe(
      "fail",
    );
    expect(judgeForwarding(ok({ rules: [{ name: "r", state: "ENABLED" }], target: "bus" })).status).toBe(
      "pass",
    );
  });

  it("reads management events from classic and advanced selectors", () => {
    expect(managementEvents({ classic: [{ ReadWriteType: "All", IncludeManagementEvents: true }] })).toBe(
      "all",
    );
    expect(
      managementEvents({ classic: [{ ReadWriteType: "WriteOnly", IncludeManagementEvents: true }] }),
    ).toBe("write");
    expect(managementEvents({ classic: [{ ReadWriteType: "All", IncludeManagementEvents: false }] })).toBe(
      "none",
    );
    expect(managementEvents({ classic: [] })).toBe("none");
    expect(
      managementEvents({
        advanced: [{ FieldSelectors: [{ Field: "eventCategory", Equals: ["Management"] }] }],
      }),
    ).toBe("all");
    expect(
      managementEvents({
        advanced: [
          {
            FieldSelectors: [
              { Field: "eventCategory", Equals: ["Management"] },
              { Field: "readOnly", Equals: ["true"] },
            ],
          },
        ],
      }),
    ).toBe("none");
  });

  it("needs a trail that is logging management events", () => {
    expect(judgeTrails(ok([{ name: "t", isLogging: false, management: "all" }])).status).toBe("fail");
    expect(judgeTrails(ok([{ name: "t", isLogging: true, management: "none" }])).status).toBe("fail");
    expect(judgeTrails(ok([])).status).toBe("fail");
    expect(judgeTrails(ok([{ name: "t", isLogging: true, management: "write" }])).status).toBe("pass");
  });

  it("judges the evidence bucket against the configured retention and statements", () => {
    expect(judgeVersioning(ok({ status: "Suspended" })).status).toBe("fail");
    expect(judgeVersioning(ok({})).status).toBe("fail");
    expect(judgeVersioning(ok({ status: "Enabled" })).status).toBe("pass");
    const lock = (l: object | undefined) => judgeObjectLock(ok(l), { days: 365 });
    expect(lock({ enabled: "Enabled", mode: "COMPLIANCE", days: 365 }).status).toBe("pass");
    expect(lock({ enabled: "Enabled", mode: "GOVERNANCE", days: 365 }).status).toBe("fail");
    expect(lock({ enabled: "Enabled", mode: "COMPLIANCE", days: 30 }).reason).toBe(
      "default retention is 30 days, configured 365 days",
    );
    expect(lock({ enabled: "Enabled", mode: "COMPLIANCE", years: 1 }).status).toBe("fail");
    expect(lock(undefined).status).toBe("fail");
    expect(judgeBucketPolicy(ok({ sids: ["A", "B"] }), ["A", "B"]).status).toBe("pass");
    expect(judgeBucketPolicy(ok({ sids: ["A"] }), ["A", "B"]).reason).toBe("missing statement(s): B");
    expect(judgeBucketPolicy(ok(undefined), ["A"]).status).toBe("fail");
  });

  it("needs an Enabled key that gives a data key", () => {
    const yes = { kind: "ok", value: true } as const;
    expect(judgeKey(ok({ keyId: "k", state: "Enabled", dataKey: yes })).status).toBe("pass");
    expect(judgeKey(ok({ keyId: "k", state: "Disabled", dataKey: yes })).reason).toBe("key k is Disabled");
    expect(judgeKey(ok({ keyId: "k", state: "PendingDeletion", dataKey: yes })).status).toBe("fail");
    expect(judgeKey(ok({ keyId: "k", state: "Enabled", dataKey: denied })).status).toBe("fail");
  });

  it("needs a confirmed subscription: PendingConfirmation does not count", () => {
    expect(judgeSubscriptions(ok([])).status).toBe("fail");
    expect(judgeSubscriptions(ok([{ protocol: "email", arn: "PendingConfirmation" }])).status).toBe("fail");
    expect(judgeSubscriptions(ok([{ protocol: "email", arn: "arn:aws:sns:us-east-1:1:t:abc" }])).status).toBe(
      "pass",
    );
  });
});
