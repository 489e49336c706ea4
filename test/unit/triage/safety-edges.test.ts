/**
 * The protection rules at their edges: every way a protectedIds entry can be malformed, where
 * a resource is (its own account and region, its ARN's, the finding's), entries that only look
 * like EC2 ARNs, and the drill scope's notes.
 */
import { describe, expect, it } from "vitest";
import type { AffectedResource, ResourceContext } from "../../../shared/domain/types.ts";
import {
  applyDrillScope,
  DEFAULT_PROTECTED_TAG,
  isProtected,
  outsideDrillScope,
  parseProtectedId,
  resourceRef,
} from "../../../shared/triage/safety.ts";
import { aFinding, anInstance } from "./builders.ts";

const ID = "i-0123456789abcdef0";
const VOL = "vol-0123456789abcdef0";
const listing = (...protectedIds: string[]) => ({ protectedTag: { ...DEFAULT_PROTECTED_TAG }, protectedIds });

describe("parseProtectedId", () => {
  it.each([
    ["i-0ABC", `"i-0ABC" is not an instance id (i- and 8 or 17 lower-case hex digits)`],
    ["vol-xyz", `"vol-xyz" is not a volume id (vol- and 8 or 17 lower-case hex digits)`],
    [
      `arn:evil:ec2:eu-west-1:111122223333:instance/${ID}`,
      `"arn:evil:ec2:eu-west-1:111122223333:instance/${ID}" is not an EC2 instance ARN (bad partition): arn:aws:ec2:<region>:<account>:instance/i-…`,
    ],
    [
      `arn:aws:ec2:EU:111122223333:instance/${ID}`,
      `"arn:aws:ec2:EU:111122223333:instance/${ID}" is not an EC2 instance ARN (bad region): arn:aws:ec2:<region>:<account>:instance/i-…`,
    ],
    [
      `arn:aws:ec2:eu-west-1:12345:instance/${ID}`,
      `"arn:aws:ec2:eu-west-1:12345:instance/${ID}" is not an EC2 instance ARN (bad account): arn:aws:ec2:<region>:<account>:instance/i-…`,
    ],
    [
      "arn:aws:ec2:eu-west-1:111122223333:volume/vol-XYZ",
      `"arn:aws:ec2:eu-west-1:111122223333:volume/vol-XYZ" is not an EC2 volume ARN (bad volume id): arn:aws:ec2:<region>:<account>:volume/vol-…`,
    ],
  ])("refuses %s, saying what is wrong", (entry, error) => {
    expect(parseProtectedId(entry)).toStrictEqual({ error });
  });

  it("reads an ARN without a region as the id in every region of its account", () => {
    expect(parseProtectedId(`arn:aws:ec2::111122223333:instance/${ID}`)).toStrictEqual({
      ref: { kind: "ec2-instance", id: ID, account: "111122223333" },
    });
  });

  it("reads an ARN without account and region as the id anywhere in its partition", () => {
    expect(parseProtectedId(`arn:aws:ec2:::volume/${VOL}`)).toStrictEqual({
      ref: { kind: "ec2-volume", id: VOL },
    });
  });

  it.each([
    `xrn:aws:ec2:eu-west-1:111122223333:instance/${ID}`,
    `arn:aws:s3:eu-west-1:111122223333:instance/${ID}`,
    `arn:aws:ec2:eu-west-1:111122223333:instance:/${ID}`,
    "logs-bucket",
  ])("compares %s as written: it is no EC2 instance ARN", (entry) => {
    expect(parseProtectedId(entry)).toStrictEqual({ other: entry });
  });
});

describe("resourceRef", () => {
  const instance = (o: Partial<AffectedResource> = {}): AffectedResource => ({
    kind: "ec2-instance",
    id: ID,
    ...o,
  });
  const ARN_B = `arn:aws:ec2:us-east-1:444455556666:instance/${ID}`;
  const WHERE = { account: "777788889999", region: "ap-south-1" };

  it("has nothing to say about resources other than instances and volumes", () => {
    expect(resourceRef({ kind: "s3-bucket", id: "logs" }, WHERE)).toBeUndefined();
    expect(resourceRef({ kind: "security-group", id: "sg-0123456789abcdef0" }, WHERE)).toBeUndefined();
  });

  it("says nothing of account and region when nobody does", () => {
    expect(resourceRef(instance())).toStrictEqual({ kind: "ec2-instance", id: ID });
    expect(resourceRef({ kind: "ec2-volume", id: VOL })).toStrictEqual({ kind: "ec2-volume", id: VOL });
  });

  it("takes the resource's own account and region first", () => {
    expect(
      resourceRef(instance({ account: "111122223333", region: "eu-west-1", arn: ARN_B }), WHERE),
    ).toStrictEqual({ kind: "ec2-instance", id: ID, account: "111122223333", region: "eu-west-1" });
  });

  it("takes the ARN's account and region before the finding's", () => {
    expect(resourceRef(instance({ arn: ARN_B }), WHERE)).toStrictEqual({
      kind: "ec2-instance",
      id: ID,
      account: "444455556666",
      region: "us-east-1",
    });
  });

  it("takes the finding's when the ARN leaves them empty, or is no ARN", () => {
    expect(resourceRef(instance({ arn: `arn:aws:ec2:::instance/${ID}` }), WHERE)).toStrictEqual({
      kind: "ec2-instance",
      id: ID,
      ...WHERE,
    });
    expect(
      resourceRef(instance({ arn: `xrn:aws:ec2:us-east-1:444455556666:instance/${ID}` }), WHERE),
    ).toStrictEqual({ kind: "ec2-instance", id: ID, ...WHERE });
  });
});

describe("isProtected", () => {
  it("never protects a resource of another kind by an instance entry", () => {
    // Arrange
    const bucket = anInstance({ id: ID, resource: { kind: "s3-bucket" } });

    // Act
    const result = isProtected(bucket, listing(ID));

    // Assert
    expect(result).toStrictEqual({ protected: false });
  });

  it("never protects anything by a malformed entry", () => {
    // Arrange: neither the instance nor the entry has an ARN to compare
    const ctx = anInstance({ id: "i-0ABC" });

    // Act
    const result = isProtected(ctx, listing("i-0ABC", "vol-xyz", `arn:aws:ec2:EU::instance/${ID}`));

    // Assert
    expect(result).toStrictEqual({ protected: false });
  });

  it("protects an id listed by an ARN without a region in any region of its account", () => {
    // Arrange
    const ctx = anInstance({ id: ID, resource: { account: "111122223333", region: "sa-east-1" } });

    // Act
    const result = isProtected(ctx, listing(`arn:aws:ec2::111122223333:instance/${ID}`));

    // Assert
    expect(result).toStrictEqual({ protected: true, reason: `${ID} is protected (listed in protectedIds)` });
  });

  it("finds the protected tag among the resource's other tags", () => {
    // Arrange
    const tags = { Name: "web", "incident-responder:protected": "true", Owner: "alice" };

    // Act
    const result = isProtected(anInstance({ tags, accountTags: tags }), listing());

    // Assert
    expect(result).toStrictEqual({
      protected: true,
      reason: "i-0abc is protected (tag incident-responder:protected=true)",
    });
  });

  it("says nothing more than 'not protected' for an ordinary resource", () => {
    expect(isProtected(anInstance({ tags: { Name: "web" } }), listing(ID))).toStrictEqual({
      protected: false,
    });
  });

  it("names the policy's own tag in its reasons", () => {
    // Arrange
    const cfg = { protectedTag: { key: "Freeze", value: "Yes" }, protectedIds: [] };

    // Act
    const tagged = isProtected(anInstance({ accountTags: { freeze: "YES" } }), cfg);
    const claimed = isProtected(
      anInstance({ resource: { tags: { FREEZE: "yes" } }, accountTags: undefined }),
      cfg,
    );

    // Assert
    expect(tagged).toStrictEqual({ protected: true, reason: "i-0abc is protected (tag Freeze=Yes)" });
    expect(claimed).toStrictEqual({
      protected: false,
      ignoredClaim:
        "i-0abc: the event says it is tagged Freeze=Yes but its tags were not read from the account: event tags never protect",
    });
  });
});

describe("the drill scope's notes", () => {
  const DRILL = { "incident-responder:drill": "true" };
  const plan = (...names: string[]) => ({
    playbook: "p",
    actions: names.map((name) => ({ name, params: {}, requiresApproval: false })),
    notes: ["earlier note"],
  });
  /** A volume's context as the resolver builds it: not read from the account, its tags the event's. */
  const volumeAsResolved = (tags: Record<string, string>): ResourceContext => ({
    resource: { kind: "ec2-volume", id: VOL, tags },
    exists: true,
    tags,
    relatedTags: [],
    exposure: { publicIps: [], openIngress: [] },
  });

  it("says 'a volume' for a drill on a volume outside the scope", () => {
    // Arrange
    const finding = aFinding({ drill: true, resources: [{ kind: "ec2-volume", id: VOL }] });
    const ctx = { ...volumeAsResolved({}), accountTags: {} };

    // Act
    const out = applyDrillScope(plan("capture-snapshots", "notify"), finding, [ctx]);

    // Assert
    expect(out).toStrictEqual({
      playbook: "p",
      actions: [{ name: "notify", params: {}, requiresApproval: false }],
      notes: [
        "earlier note",
        `drill event on a volume not tagged incident-responder:drill=true (${VOL}): capture-snapshots dropped`,
      ],
    });
  });

  it("does not let the event's tags put a volume the account was not asked about in scope", () => {
    // Arrange: the event claims the drill tag on the volume; nothing was read from the account
    const finding = aFinding({ drill: true, resources: [{ kind: "ec2-volume", id: VOL, tags: DRILL }] });

    // Act
    const outside = outsideDrillScope(finding.resources, [volumeAsResolved(DRILL)]);

    // Assert
    expect(outside).toStrictEqual([VOL]);
  });

  it("says 'an instance', and lists every resource outside the scope, for instances nobody read", () => {
    // Arrange
    const finding = aFinding({
      drill: true,
      resources: [
        { kind: "ec2-instance", id: "i-0aaa" },
        { kind: "ec2-instance", id: "i-0bbb" },
      ],
    });

    // Act
    const out = applyDrillScope(plan("contain-instance", "collect-artifacts", "notify"), finding, []);

    // Assert
    expect(out.notes).toStrictEqual([
      "earlier note",
      "drill event on an instance not tagged incident-responder:drill=true (i-0aaa, i-0bbb): contain-instance, collect-artifacts dropped",
    ]);
  });

  it("says there is nothing to drop when the plan only notifies", () => {
    // Act
    const out = applyDrillScope(plan("notify"), aFinding({ drill: true }), [anInstance({ accountTags: {} })]);

    // Assert
    expect(out.notes).toStrictEqual([
      "earlier note",
      "drill event on an instance not tagged incident-responder:drill=true (i-0abc): nothing to drop",
    ]);
  });
});
