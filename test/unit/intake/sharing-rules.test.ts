/**
 * Catalogue entries for access handed to someone else, on the real events of Panther's and
 * Stratus Red Team's tests (test/fixtures/conformance), and what counts as an outside account.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { cloudTrailCall, expectFinding, expectIgnored, expectInvalid } from "./helpers.ts";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/conformance");
const load = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(DIR, file), "utf8"));

const share = (userId: string) =>
  cloudTrailCall("ec2.amazonaws.com", "ModifySnapshotAttribute", {
    snapshotId: "snap-0123456789abcdef0",
    createVolumePermission: { add: { items: [{ userId }] } },
  });

describe("AWS's quarantine of a leaked access key", () => {
  it("alerts on AWSCompromisedKeyQuarantineV2 attached by AWS, naming the user", () => {
    // Arrange
    const event = load("panther-analysis/AttachUserPolicy_AWSCompromisedKeyQuarantineV2.eventbridge.json");

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.type).toBe("cloudtrail:AttachUserPolicy/CompromisedKeyQuarantine");
    expect(finding.severity).toBe(8);
    expect(finding.resources[0]).toMatchObject({ kind: "iam-user", id: "test-user" });
    expect(finding.title).toContain("attached by AWS");
  });

  it("alerts on the inline AWSCompromisedKeyQuarantineV3, whose masked caller key is left out", () => {
    // Arrange
    const event = load("panther-analysis/PutUserPolicy_AWSCompromisedKeyQuarantineV3.eventbridge.json");

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.type).toBe("cloudtrail:PutUserPolicy/CompromisedKeyQuarantine");
    expect(finding.resources.map((r) => [r.kind, r.id])).toEqual([["iam-user", "compromised_user"]]);
  });

  it("says when the quarantine policy was not attached by AWS itself", () => {
    // Arrange
    const event = cloudTrailCall("iam.amazonaws.com", "AttachUserPolicy", {
      userName: "bob",
      policyArn: "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV3",
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.title).toContain("not by AWS itself");
  });
});

describe("snapshots and AMIs shared with another account", () => {
  it("alerts on Stratus Red Team's snapshot shared with an outside account", () => {
    // Arrange
    const event = load("stratus-red-team/ModifySnapshotAttribute_share_external_account.eventbridge.json");

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.type).toBe("cloudtrail:ModifySnapshotAttribute/SharedWithAccount");
    expect(finding.resources[0]).toMatchObject({ kind: "ec2-snapshot", id: "snap-041993b54a9b3af6f" });
    expect(finding.title).toContain("098797384747");
  });

  it("does not count a configured member account or delegated administrator as outside", () => {
    // Act + Assert
    expect(
      expectIgnored(share("111122223333"), { trust: { memberAccounts: ["111122223333"] } }).reason,
    ).toContain("not risky");
    expect(
      expectIgnored(share("444455556666"), {
        trust: { memberAccounts: [], delegatedAdminAccounts: ["444455556666"] },
      }).reason,
    ).toContain("not risky");
    expect(expectFinding(share("777788889999"), { trust: { memberAccounts: ["111122223333"] } }).type).toBe(
      "cloudtrail:ModifySnapshotAttribute/SharedWithAccount",
    );
  });

  it("alerts on an AMI shared with an outside account, leaving its anonymised id out with a warning", () => {
    // Arrange: Stratus anonymised the AMI id to mixed case, which no AMI id has.
    const event = load("stratus-red-team/ModifyImageAttribute_share_external_account.eventbridge.json");

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.type).toBe("cloudtrail:ModifyImageAttribute/SharedWithAccount");
    expect(finding.resources.map((r) => r.kind)).not.toContain("ec2-image");
    expect(finding.warnings).toEqual([
      expect.stringContaining("detail.requestParameters.imageId: must be an AMI id"),
    ]);
  });

  it("keeps the public-sharing rule first when the same call also names an account", () => {
    // Arrange
    const event = cloudTrailCall("ec2.amazonaws.com", "ModifySnapshotAttribute", {
      snapshotId: "snap-0123456789abcdef0",
      createVolumePermission: { add: { items: [{ group: "all" }, { userId: "111122223333" }] } },
    });

    // Act + Assert
    expect(expectFinding(event).type).toBe("cloudtrail:ModifySnapshotAttribute/Public");
  });

  it("alerts on Panther's public snapshot although its snapshot id is a placeholder", () => {
    // Arrange
    const event = load("panther-analysis/ModifySnapshotAttribute_public_group_all.eventbridge.json");

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.type).toBe("cloudtrail:ModifySnapshotAttribute/Public");
    expect(finding.warnings).toEqual([
      expect.stringContaining("detail.requestParameters.snapshotId: must be an EBS snapshot id"),
    ]);
  });
});

describe("role trust opened to another account", () => {
  it("alerts on Stratus Red Team's backdoored role, naming the outside account", () => {
    // Arrange
    const event = load("stratus-red-team/UpdateAssumeRolePolicy_backdoor.eventbridge.json");

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.type).toBe("cloudtrail:UpdateAssumeRolePolicy/OutsideAccount");
    expect(finding.resources[0]).toMatchObject({ kind: "iam-role", id: "stratus-red-team-backdoor-r-role" });
    expect(finding.title).toContain("193672423079");
  });

  it("reads bare account ids and role ARNs as principals, and ignores Deny statements", () => {
    // Arrange
    const doc = (statements: unknown[]) =>
      cloudTrailCall("iam.amazonaws.com", "UpdateAssumeRolePolicy", {
        roleName: "app",
        policyDocument: JSON.stringify({ Statement: statements }),
      });

    // Act + Assert
    expect(
      expectFinding(
        doc([{ Effect: "Allow", Principal: { AWS: ["111122223333"] }, Action: "sts:AssumeRole" }]),
      ).title,
    ).toContain("111122223333");
    expect(
      expectFinding(
        doc([
          {
            Effect: "Allow",
            Principal: { AWS: "arn:aws:iam::111122223333:role/x" },
            Action: "sts:AssumeRole",
          },
        ]),
      ).title,
    ).toContain("111122223333");
    expectIgnored(doc([{ Effect: "Deny", Principal: { AWS: "111122223333" }, Action: "sts:AssumeRole" }]));
  });
});

describe("instance user data replaced", () => {
  it("names the instance, which evidence collection acts on", () => {
    // Arrange
    const event = cloudTrailCall("ec2.amazonaws.com", "ModifyInstanceAttribute", {
      instanceId: "i-0123456789abcdef0",
      userData: "<sensitiveDataRemoved>",
    });

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.type).toBe("cloudtrail:ModifyInstanceAttribute/UserData");
    expect(finding.resources[0]).toMatchObject({ kind: "ec2-instance", id: "i-0123456789abcdef0" });
  });

  it("rejects Stratus Red Team's anonymised instance id: an id the response acts on stays strict", () => {
    // Arrange
    const event = load("stratus-red-team/ModifyInstanceAttribute_userData.eventbridge.json");

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.requestParameters.instanceId");
    expect(err.message).toContain("EC2 instance id");
  });
});
