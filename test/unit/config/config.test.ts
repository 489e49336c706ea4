import { describe, expect, it } from "vitest";
import { loadConfig, loadIsolationProfileName } from "../../../shared/config/index.ts";
import { ConfigError } from "../../../shared/errors/index.ts";

const base = {
  AWS_REGION: "us-east-1",
  INCIDENT_TABLE: "t",
  EVIDENCE_BUCKET: "b",
  ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:alerts",
  EVENT_BUS_NAME: "bus",
};

describe("loadConfig: trust settings", () => {
  it("reads comma-separated account lists, trimming spaces and dropping empty entries", () => {
    const cfg = loadConfig({
      ...base,
      DELEGATED_ADMIN_ACCOUNTS: " 111111111111 ,",
      MEMBER_ACCOUNTS: "222222222222,333333333333",
      ORGANIZATION_ID: "o-abcdefghij",
    });
    expect(cfg.trust).toEqual({
      organizationId: "o-abcdefghij",
      delegatedAdminAccounts: ["111111111111"],
      memberAccounts: ["222222222222", "333333333333"],
      intakeTopicArns: [],
      approverRoleArns: [],
    });
  });

  it("defaults to trusting no other account and no approver role", () => {
    const cfg = loadConfig(base);
    expect(cfg.trust.delegatedAdminAccounts).toEqual([]);
    expect(cfg.trust.memberAccounts).toEqual([]);
    expect(cfg.trust.approverRoleArns).toEqual([]);
    expect(cfg.trust.organizationId).toBeUndefined();
  });

  it("names the variable and the position of a bad list entry", () => {
    expect(() => loadConfig({ ...base, MEMBER_ACCOUNTS: "222222222222,22222" })).toThrow(
      /MEMBER_ACCOUNTS\[1\]: must be a 12-digit account id/,
    );
    expect(() => loadConfig({ ...base, APPROVER_ROLE_ARNS: "arn:aws:iam::123456789012:user/bob" })).toThrow(
      ConfigError,
    );
    expect(() => loadConfig({ ...base, ORGANIZATION_ID: "org-1" })).toThrow(/ORGANIZATION_ID/);
  });
});

describe("loadIsolationProfileName (the CLI's release)", () => {
  it("reads the member accounts' profile name as the functions do, with the same default", () => {
    expect(loadIsolationProfileName({})).toBe("incident-responder-isolation");
    expect(loadIsolationProfileName({ ISOLATION_PROFILE_NAME: "ir-deny-all" })).toBe("ir-deny-all");
    expect(loadIsolationProfileName({ ISOLATION_PROFILE_NAME: "ir-deny-all" })).toBe(
      loadConfig({
        ...base,
        ISOLATION_PROFILE_NAME: "ir-deny-all",
      }).isolationProfileName,
    );
  });

  it("refuses a name that is no instance profile name (it would be put in an ARN)", () => {
    expect(() => loadIsolationProfileName({ ISOLATION_PROFILE_NAME: "x/../../role" })).toThrow(ConfigError);
  });
});
