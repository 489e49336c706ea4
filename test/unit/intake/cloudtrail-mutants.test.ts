/**
 * The CloudTrail handler on its own (the verdict before the router adds drill flags and the raw
 * event), and callers whose identity is unusual: malformed names rejected at their path,
 * assumed roles without a session, and principal types that are neither users nor roles.
 */
import { describe, expect, it } from "vitest";
import { normalizeCloudTrail } from "../../../shared/intake/cloudtrail.ts";
import type { IntakeContext } from "../../../shared/intake/context.ts";
import { EnvelopeSchema } from "../../../shared/intake/schemas/envelope.ts";
import { IntakeWarnings } from "../../../shared/intake/warnings.ts";
import { cloudTrailCall, expectFinding, expectInvalid } from "./helpers.ts";

const ACCOUNT = "123456789012";
const TRAIL = { kind: "cloudtrail-trail", id: "org-trail", account: ACCOUNT, region: "eu-west-1" } as const;

const stopLogging = (overrides: Record<string, unknown> = {}) =>
  cloudTrailCall("cloudtrail.amazonaws.com", "StopLogging", { name: "org-trail" }, overrides);

describe("normalizeCloudTrail", () => {
  it("returns a finding verdict with the finding's core fields", () => {
    // Arrange
    const ctx: IntakeContext = {
      envelope: EnvelopeSchema.parse(stopLogging({ userIdentity: { type: "AWSService" } })),
      prefix: "",
      drill: false,
      options: { minSeverity: 0, includeFailedCalls: false, trust: { memberAccounts: [] } },
      warnings: new IntakeWarnings(),
    };

    // Act
    const result = normalizeCloudTrail(ctx);

    // Assert
    expect(result).toStrictEqual({
      kind: "finding",
      finding: {
        id: "6f1f0f4e-aaaa-bbbb-cccc-dddddddddddd",
        source: "cloudtrail",
        type: "cloudtrail:StopLogging",
        title: "CloudTrail logging stopped: trail org-trail (by AWSService)",
        severity: 8,
        time: "2024-05-01T10:00:00Z",
        account: ACCOUNT,
        region: "eu-west-1",
        resources: [TRAIL],
      },
    });
  });
});

describe("a caller with a malformed name", () => {
  it("is rejected at the IAM user's name", () => {
    // Arrange
    const event = stopLogging({ userIdentity: { type: "IAMUser", userName: "alice smith" } });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.userIdentity.userName");
    expect(err.message).toBe('detail.userIdentity.userName: must be an IAM user name (got "alice smith")');
  });

  it("is rejected at the name of the role behind an assumed role", () => {
    // Arrange
    const event = stopLogging({
      userIdentity: { type: "AssumedRole", sessionContext: { sessionIssuer: { userName: "Deploy role" } } },
    });

    // Act
    const err = expectInvalid(event);

    // Assert
    const path = "detail.userIdentity.sessionContext.sessionIssuer.userName";
    expect(err.path).toBe(path);
    expect(err.message).toBe(`${path}: must be an IAM role name (got "Deploy role")`);
  });
});

describe("a caller that is neither a named IAM user nor a role with an issuer", () => {
  it("is an assumed role without a session context, named by its type", () => {
    // Arrange
    const event = stopLogging({ userIdentity: { type: "AssumedRole", principalId: "AROAX:s" } });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources).toStrictEqual([TRAIL]);
    expect(finding.title).toBe("CloudTrail logging stopped: trail org-trail (by AssumedRole)");
  });

  it.each([
    [
      "a federated user, by its type rather than its issuer's name",
      {
        type: "FederatedUser",
        principalId: "123456789012:bob",
        sessionContext: { sessionIssuer: { type: "IAMUser", userName: "bob" } },
      },
      "FederatedUser",
    ],
    [
      "an Identity Center user, by its type rather than its user name",
      { type: "IdentityCenterUser", userName: "carol" },
      "IdentityCenterUser",
    ],
  ])("names %s and adds no resource for it", (_name, userIdentity, who) => {
    // Arrange
    const event = stopLogging({ userIdentity });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources).toStrictEqual([TRAIL]);
    expect(finding.title).toBe(`CloudTrail logging stopped: trail org-trail (by ${who})`);
  });
});
