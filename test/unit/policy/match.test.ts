import { describe, expect, it } from "vitest";
import { ACTION_NAMES, ACTION_PARAM_SCHEMAS, isActionName } from "../../../shared/actions/index.ts";
import { matches, matchesGlob } from "../../../shared/policy/match.ts";
import { aFinding, anImpact, anInstance } from "../triage/builders.ts";

describe("matchesGlob", () => {
  it.each([
    { pattern: "*:EC2/*", value: "Backdoor:EC2/C&CActivity.B!DNS", result: true },
    { pattern: "*:EC2/*", value: "UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration", result: false },
    { pattern: "cloudtrail:*", value: "cloudtrail:StopLogging", result: true },
    { pattern: "CloudTrail:stop*", value: "cloudtrail:StopLogging", result: true },
    { pattern: "Recon:EC2/Port?robe*", value: "Recon:EC2/PortProbeUnprotectedPort", result: true },
    { pattern: "a.b", value: "axb", result: false },
    { pattern: "(x)+", value: "(x)+", result: true },
  ])("matches $pattern against $value: $result", ({ pattern, value, result }) => {
    // Act / Assert
    expect(matchesGlob(pattern, value)).toBe(result);
  });
});

describe("matches", () => {
  it("holds for an empty match", () => {
    // Act / Assert
    expect(matches({}, { finding: aFinding(), impact: anImpact(), contexts: [] })).toBe(true);
  });

  it("needs every criterion to hold", () => {
    // Arrange
    const input = { finding: aFinding(), impact: anImpact({ tier: "high" }), contexts: [anInstance()] };

    // Act / Assert
    expect(matches({ source: ["guardduty"], tier: ["high"], resourceKind: ["ec2-instance"] }, input)).toBe(
      true,
    );
    expect(matches({ source: ["guardduty"], tier: ["critical"] }, input)).toBe(false);
    expect(matches({ source: ["cloudtrail"], tier: ["high"] }, input)).toBe(false);
    expect(matches({ resourceKind: ["s3-bucket"] }, input)).toBe(false);
  });
});

describe("actions", () => {
  it("knows every action name and gives each a parameter schema with defaults", () => {
    // Act
    const defaults = Object.fromEntries(
      ACTION_NAMES.map((name) => [name, ACTION_PARAM_SCHEMAS[name].parse({})]),
    );

    // Assert
    expect(defaults).toEqual({
      "contain-instance": { stopInstance: false, asgMode: "standby", stopProtection: false },
      "revoke-instance-credentials": {},
      "contain-principal": { keys: "named", deleteLoginProfile: false, rolesRequireApproval: true },
      "contain-bucket": { denyPrincipal: true },
      "capture-snapshots": { lock: { mode: "governance", days: 30 }, archiveTier: false },
      "collect-artifacts": {},
      "collect-user-data": {},
      "image-disks": { storageClass: "DEEP_ARCHIVE", changedBlocks: true },
      "launch-cleanroom": {},
      notify: {},
    });
    expect(isActionName("notify")).toBe(true);
    expect(isActionName("isolate")).toBe(false);
  });
});
