import { describe, expect, it } from "vitest";
import {
  DEFAULT_PROTECTED_TAG,
  isProtected,
  parseProtectedId,
  tagMatches,
} from "../../../shared/triage/safety.ts";
import { anInstance } from "./builders.ts";

const cfg = { protectedTag: { ...DEFAULT_PROTECTED_TAG }, protectedIds: ["i-0listed"] };

describe("isProtected", () => {
  it("protects a resource whose tags in the account carry the protected tag", () => {
    // Arrange
    const ctx = anInstance({ accountTags: { "incident-responder:protected": "true" } });

    // Act
    const result = isProtected(ctx, cfg);

    // Assert
    expect(result).toEqual({
      protected: true,
      reason: "i-0abc is protected (tag incident-responder:protected=true)",
    });
  });

  // IAM's guard is StringEqualsIgnoreCase on aws:ResourceTag/incident-responder:protected = "true":
  // case does not count, nothing is trimmed. The code must agree with it exactly.
  it.each([
    { key: "incident-responder:protected", value: "true", protects: true },
    { key: "incident-responder:protected", value: "TRUE", protects: true },
    { key: "Incident-Responder:Protected", value: "True", protects: true },
    { key: "incident-responder:protected", value: " true", protects: false },
    { key: "incident-responder:protected", value: "true ", protects: false },
    { key: "incident-responder:protected", value: "true\n", protects: false },
    { key: " incident-responder:protected", value: "true", protects: false },
    { key: "incident-responder:protected", value: "yes", protects: false },
    { key: "incident-responder:protected", value: "false", protects: false },
  ])("reads $key=$value as IAM does: protected=$protects", ({ key, value, protects }) => {
    // Arrange
    const ctx = anInstance({ accountTags: { [key]: value } });

    // Act
    const result = isProtected(ctx, cfg);

    // Assert
    expect(result.protected).toBe(protects);
    expect(tagMatches(key, value, DEFAULT_PROTECTED_TAG)).toBe(protects);
  });

  it("never lets the event's tags protect a resource whose account tags do not", () => {
    // Arrange: the finding (a custom Security Hub import, say) claims the tag
    const claimed = { "incident-responder:protected": "true" };
    const read = anInstance({ resource: { tags: claimed }, tags: claimed, accountTags: {} });
    const unread = anInstance({ resource: { tags: claimed }, tags: claimed, accountTags: undefined });

    // Act
    const a = isProtected(read, cfg);
    const b = isProtected(unread, cfg);

    // Assert
    expect(a.protected).toBe(false);
    expect(a.ignoredClaim).toBe(
      "i-0abc: the event says it is tagged incident-responder:protected=true but the account's tags do not: event tags never protect",
    );
    expect(b.protected).toBe(false);
    expect(b.ignoredClaim).toMatch(/its tags were not read from the account: event tags never protect$/);
  });
});

describe("protectedIds, however the finding names the resource", () => {
  const ID = "i-0123456789abcdef0";
  const ARN = `arn:aws:ec2:eu-west-1:111122223333:instance/${ID}`;
  const listing = (...protectedIds: string[]) => ({
    protectedTag: { ...DEFAULT_PROTECTED_TAG },
    protectedIds,
  });

  it.each([
    { entry: ID, resource: { id: ID }, where: {}, protects: true, why: "bare entry, bare id" },
    { entry: ID, resource: { id: ID, arn: ARN }, where: {}, protects: true, why: "bare entry, ARN" },
    {
      entry: ARN,
      resource: { id: ID },
      where: {},
      protects: true,
      why: "ARN entry, bare id, no account known",
    },
    {
      entry: ARN,
      resource: { id: ID, account: "111122223333", region: "eu-west-1" },
      where: {},
      protects: true,
      why: "ARN entry, bare id in its account",
    },
    {
      entry: ARN,
      resource: { id: ID },
      where: { account: "111122223333", region: "eu-west-1" },
      protects: true,
      why: "ARN entry, bare id in the finding's account",
    },
    {
      entry: `arn:aws-us-gov:ec2:eu-west-1:111122223333:instance/${ID}`,
      resource: { id: ID, arn: ARN },
      where: {},
      protects: true,
      why: "ARN entry of another partition",
    },
    {
      entry: ARN,
      resource: { id: ID, account: "444455556666" },
      where: {},
      protects: false,
      why: "ARN entry of account A, id in account B",
    },
    {
      entry: ARN,
      resource: { id: ID },
      where: { account: "444455556666" },
      protects: false,
      why: "ARN entry of account A, finding in account B",
    },
    {
      entry: ARN,
      resource: { id: ID, arn: `arn:aws:ec2:eu-west-1:444455556666:instance/${ID}` },
      where: {},
      protects: false,
      why: "ARN entry of account A, ARN of account B",
    },
    {
      entry: ARN,
      resource: { id: ID, region: "us-east-1" },
      where: {},
      protects: false,
      why: "ARN entry of eu-west-1, id in us-east-1",
    },
    {
      entry: "i-0123456789abcdef1",
      resource: { id: ID, arn: ARN },
      where: {},
      protects: false,
      why: "another id",
    },
  ])("$why: protected=$protects", ({ entry, resource, where, protects }) => {
    // Arrange
    const ctx = anInstance({ id: resource.id, resource });

    // Act
    const result = isProtected(ctx, listing(entry), where);

    // Assert
    expect(result.protected).toBe(protects);
    if (protects) expect(result.reason).toBe(`${ID} is protected (listed in protectedIds)`);
  });

  it("protects volumes the same way, and never a volume for an instance entry", () => {
    // Arrange
    const vol = "vol-0123456789abcdef0";
    const volume = anInstance({ id: vol, resource: { kind: "ec2-volume", account: "111122223333" } });

    // Act
    const byArn = isProtected(volume, listing(`arn:aws:ec2:eu-west-1:111122223333:volume/${vol}`));
    const byId = isProtected(volume, listing(vol));
    const otherAccount = isProtected(volume, listing(`arn:aws:ec2:eu-west-1:444455556666:volume/${vol}`));
    const asInstance = isProtected(volume, listing(`arn:aws:ec2:eu-west-1:111122223333:instance/${vol}`));

    // Assert
    expect([byArn.protected, byId.protected, otherAccount.protected, asInstance.protected]).toEqual([
      true,
      true,
      false,
      false,
    ]);
  });

  it("compares other resources' ids and ARNs as written", () => {
    // Arrange
    const bucket = anInstance({
      id: "logs-bucket",
      resource: { kind: "s3-bucket", arn: "arn:aws:s3:::logs-bucket" },
    });

    // Act
    const byName = isProtected(bucket, listing("logs-bucket"));
    const byArn = isProtected(bucket, listing("arn:aws:s3:::logs-bucket"));
    const other = isProtected(bucket, listing("arn:aws:s3:::logs"));

    // Assert
    expect([byName.protected, byArn.protected, other.protected]).toEqual([true, true, false]);
  });

  it.each([
    { entry: ID, ref: { ref: { kind: "ec2-instance", id: ID } } },
    {
      entry: ARN,
      ref: { ref: { kind: "ec2-instance", id: ID, account: "111122223333", region: "eu-west-1" } },
    },
    {
      entry: `arn:aws-cn:ec2:cn-north-1::volume/vol-0123456789abcdef0`,
      ref: { ref: { kind: "ec2-volume", id: "vol-0123456789abcdef0", region: "cn-north-1" } },
    },
    { entry: "arn:aws:s3:::bucket", ref: { other: "arn:aws:s3:::bucket" } },
    {
      entry: "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1",
      ref: { other: "arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1" },
    },
  ])("reads the entry $entry", ({ entry, ref }) => {
    expect(parseProtectedId(entry)).toEqual(ref);
  });

  it.each([
    ["i-0ABC", /is not an instance id/],
    ["i-0123", /is not an instance id/],
    ["vol-xyz", /is not a volume id/],
    [`arn:aws:ec2:eu-west-1:12345:instance/${ID}`, /bad account/],
    [`arn:aws:ec2:EU:111122223333:instance/${ID}`, /bad region/],
    [`arn:evil:ec2:eu-west-1:111122223333:instance/${ID}`, /bad partition/],
    ["arn:aws:ec2:eu-west-1:111122223333:instance/i-0123 ", /bad instance id/],
  ])("refuses the malformed entry %s", (entry, message) => {
    const parsed = parseProtectedId(entry);

    expect("error" in parsed && parsed.error).toMatch(message);
  });
});
