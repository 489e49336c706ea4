/**
 * The sharing rules of the risky-call catalogue, field by field: the exact title (rule title,
 * detail, caller) and resources of a quarantine policy attached or put, a snapshot or AMI shared
 * with outside accounts, a role trust opened to outside accounts and user data replaced; who the
 * detail says attached a quarantine policy; and which permission items count as an account.
 */
import { describe, expect, it } from "vitest";
import type { AffectedResource } from "../../../shared/domain/types.ts";
import { cloudTrailCall, expectFinding, expectIgnored } from "./helpers.ts";

const ACCOUNT = "123456789012";
const WHERE = { account: ACCOUNT, region: "eu-west-1" } as const;
const CALLER: AffectedResource[] = [
  { kind: "iam-user", id: "alice", arn: "arn:aws:iam::123456789012:user/alice", account: ACCOUNT },
  { kind: "iam-access-key", id: "AKIAEXAMPLEEXAMPLE01", account: ACCOUNT },
];
const BOB: AffectedResource = { kind: "iam-user", id: "bob", ...WHERE };

/** The title and resources of a finding, the parts these rules decide. */
const titleAndResources = (event: unknown) => {
  const { title, resources } = expectFinding(event);
  return { title, resources };
};

/** AWSCompromisedKeyQuarantineV2 attached to bob, with `overrides` on the record. */
const attachQuarantine = (overrides: Record<string, unknown> = {}) =>
  cloudTrailCall(
    "iam.amazonaws.com",
    "AttachUserPolicy",
    { userName: "bob", policyArn: "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2" },
    overrides,
  );

/** A snapshot's create-volume permission with the given items added. */
const shareSnapshot = (items: unknown[]) =>
  cloudTrailCall("ec2.amazonaws.com", "ModifySnapshotAttribute", {
    snapshotId: "snap-0123456789abcdef0",
    createVolumePermission: { add: { items } },
  });

describe("AWS's quarantine policy for a leaked access key", () => {
  it("names the user and the managed policy, attached by AWS when the agent says AWS Internal", () => {
    // Arrange
    const event = attachQuarantine({ userAgent: "AWS Internal" });

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title:
        "AWS quarantine policy for a leaked access key attached to a user: user bob: AWSCompromisedKeyQuarantineV2 attached by AWS: it found the user's access key exposed (by user alice)",
      resources: [BOB, ...CALLER],
    });
  });

  it("names the caller's identity type when someone other than AWS attached it", () => {
    // Arrange
    const event = attachQuarantine({ userAgent: "aws-cli/2.15.0" });

    // Act
    const { title } = titleAndResources(event);

    // Assert
    expect(title).toBe(
      "AWS quarantine policy for a leaked access key attached to a user: user bob: AWSCompromisedKeyQuarantineV2 attached by IAMUser, not by AWS itself (by user alice)",
    );
  });

  it("does not take an agent that only mentions aws-internal after other text for AWS", () => {
    // Arrange
    const event = attachQuarantine({ userAgent: "curl/8.0 aws-internal/3" });

    // Act
    const { title } = titleAndResources(event);

    // Assert
    expect(title).toBe(
      "AWS quarantine policy for a leaked access key attached to a user: user bob: AWSCompromisedKeyQuarantineV2 attached by IAMUser, not by AWS itself (by user alice)",
    );
  });

  it("does not take an agent that is not a string for AWS, even when it reads AWS Internal", () => {
    // Arrange
    const event = attachQuarantine({ userAgent: ["AWS Internal"] });

    // Act
    const { title } = titleAndResources(event);

    // Assert
    expect(title).toBe(
      "AWS quarantine policy for a leaked access key attached to a user: user bob: AWSCompromisedKeyQuarantineV2 attached by IAMUser, not by AWS itself (by user alice)",
    );
  });

  it("says an unknown principal attached it when the record has no caller identity", () => {
    // Arrange
    const event = attachQuarantine({ userIdentity: undefined, userAgent: "aws-cli/2.15.0" });

    // Act
    const { title } = titleAndResources(event);

    // Assert
    expect(title).toBe(
      "AWS quarantine policy for a leaked access key attached to a user: user bob: AWSCompromisedKeyQuarantineV2 attached by an unknown principal, not by AWS itself (by an unknown principal)",
    );
  });

  it("names the user and the inline policy put on it", () => {
    // Arrange
    const event = cloudTrailCall(
      "iam.amazonaws.com",
      "PutUserPolicy",
      {
        userName: "bob",
        policyName: "AWSCompromisedKeyQuarantineV3",
        policyDocument: JSON.stringify({ Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] }),
      },
      { userAgent: "aws-internal/3 aws-sdk-java/1.12" },
    );

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title:
        "AWS quarantine policy for a leaked access key put on a user: user bob: inline AWSCompromisedKeyQuarantineV3 attached by AWS: it found the user's access key exposed (by user alice)",
      resources: [BOB, ...CALLER],
    });
  });
});

describe("snapshots and AMIs shared with outside accounts", () => {
  it("lists the outside accounts once each, sorted and quoted, and leaves the call's own account out", () => {
    // Arrange
    const event = shareSnapshot([
      { userId: "444455556666" },
      { userId: ACCOUNT },
      { userId: "111122223333" },
      { userId: "444455556666" },
    ]);

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title:
        'EBS snapshot shared with another account: snap-0123456789abcdef0 createVolumePermission for "111122223333", "444455556666" (by user alice)',
      resources: [{ kind: "ec2-snapshot", id: "snap-0123456789abcdef0", ...WHERE }, ...CALLER],
    });
  });

  it("skips permission items that are not an object with a string userId", () => {
    // Arrange
    const event = shareSnapshot([
      null,
      "999999999999",
      { userId: 111122223333 },
      {},
      { userId: "444455556666" },
    ]);

    // Act
    const { title } = titleAndResources(event);

    // Assert
    expect(title).toBe(
      'EBS snapshot shared with another account: snap-0123456789abcdef0 createVolumePermission for "444455556666" (by user alice)',
    );
  });

  it("ignores a permission whose items name no account", () => {
    // Arrange
    const event = shareSnapshot([{ userId: 111122223333 }, {}]);

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(
      'not risky: ModifySnapshotAttribute (ec2.amazonaws.com) matches none of "EBS snapshot shared publicly", "EBS snapshot shared with another account"',
    );
  });
});

describe("role trust opened to outside accounts", () => {
  it("names the role and lists the outside accounts", () => {
    // Arrange
    const event = cloudTrailCall("iam.amazonaws.com", "UpdateAssumeRolePolicy", {
      roleName: "app",
      policyDocument: JSON.stringify({
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: ["arn:aws:iam::111122223333:root", "444455556666"] },
            Action: "sts:AssumeRole",
          },
        ],
      }),
    });

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title:
        'Role trust policy opened to another account: role app assumable from "111122223333", "444455556666" (by user alice)',
      resources: [{ kind: "iam-role", id: "app", ...WHERE }, ...CALLER],
    });
  });
});

describe("instance user data replaced", () => {
  it("titles the finding with the instance", () => {
    // Arrange
    const event = cloudTrailCall("ec2.amazonaws.com", "ModifyInstanceAttribute", {
      instanceId: "i-0123456789abcdef0",
      userData: "<sensitiveDataRemoved>",
    });

    // Act
    const result = titleAndResources(event);

    // Assert
    expect(result).toStrictEqual({
      title:
        "Instance user data replaced: it runs at the next boot: instance i-0123456789abcdef0 (by user alice)",
      resources: [{ kind: "ec2-instance", id: "i-0123456789abcdef0", ...WHERE }, ...CALLER],
    });
  });
});

describe("which policies are AWS's quarantine policies", () => {
  const QUARANTINE_TITLE = "AWS quarantine policy for a leaked access key";
  const BY_AWS = "attached by AWS: it found the user's access key exposed (by user alice)";
  const DENY_ALL = JSON.stringify({ Statement: [{ Effect: "Deny", Action: "*", Resource: "*" }] });

  /** `policyArn` attached to bob by AWS itself. */
  const attachPolicy = (policyArn: string) =>
    cloudTrailCall(
      "iam.amazonaws.com",
      "AttachUserPolicy",
      { userName: "bob", policyArn },
      { userAgent: "AWS Internal" },
    );

  /** An inline policy named `policyName` that denies everything, put on bob by AWS itself. */
  const putPolicy = (policyName: string) =>
    cloudTrailCall(
      "iam.amazonaws.com",
      "PutUserPolicy",
      { userName: "bob", policyName, policyDocument: DENY_ALL },
      { userAgent: "AWS Internal" },
    );

  it.each([
    ["the first, unversioned managed policy", "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantine"],
    ["a managed policy of a two-digit version", "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV10"],
    ["the managed policy in GovCloud", "arn:aws-us-gov:iam::aws:policy/AWSCompromisedKeyQuarantineV2"],
  ])("recognises %s", (_name, policyArn) => {
    // Arrange
    const event = attachPolicy(policyArn);

    // Act
    const { title } = titleAndResources(event);

    // Assert
    expect(title).toBe(
      `${QUARANTINE_TITLE} attached to a user: user bob: ${policyArn.split("/").pop()} ${BY_AWS}`,
    );
  });

  it.each([
    [
      "a customer-managed policy whose path makes its ARN end like AWS's",
      "arn:aws:iam::123456789012:policy/x/arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2",
    ],
    ["an ARN that only begins like AWS's", "arn:aws:iam::aws:policy/AWSCompromisedKeyQuarantineV2Copy"],
  ])("does not take %s for AWS's managed policy", (_name, policyArn) => {
    // Arrange
    const event = attachPolicy(policyArn);

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(
      `not risky: AttachUserPolicy (iam.amazonaws.com) matches none of "AdministratorAccess attached to a user", "${QUARANTINE_TITLE} attached to a user"`,
    );
  });

  it.each([
    ["the first, unversioned inline policy", "AWSCompromisedKeyQuarantine"],
    ["an inline policy of a two-digit version", "AWSCompromisedKeyQuarantineV10"],
  ])("recognises %s", (_name, policyName) => {
    // Arrange
    const event = putPolicy(policyName);

    // Act
    const { title } = titleAndResources(event);

    // Assert
    expect(title).toBe(`${QUARANTINE_TITLE} put on a user: user bob: inline ${policyName} ${BY_AWS}`);
  });

  it("does not take an inline policy whose name only ends like AWS's for AWS's", () => {
    // Arrange
    const event = putPolicy("xAWSCompromisedKeyQuarantineV2");

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toBe(
      `not risky: PutUserPolicy (iam.amazonaws.com) matches none of "Inline full-admin policy put on a user", "${QUARANTINE_TITLE} put on a user"`,
    );
  });
});
