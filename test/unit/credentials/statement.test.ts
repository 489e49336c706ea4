import { describe, expect, it } from "vitest";
import { judgeReadback, MINIMUM_TIMEOUTS, timeoutsOf } from "../../../shared/connection-tracking/cut.ts";
import {
  instanceArn,
  instanceSession,
  parseProfileArn,
  revokeDocument,
  revokePolicyName,
  roleRefusal,
  sameDocument,
} from "../../../shared/credentials/statement.ts";

const guard = {
  protectedTag: { key: "incident-responder:protected", value: "true" },
  protectedIds: ["arn:aws:iam::123456789012:role/payments"],
  ownRolePrefixes: ["incident-responder"],
};
const role = (over: Partial<Parameters<typeof roleRefusal>[0]> = {}) => ({
  roleName: "web-role",
  arn: "arn:aws:iam::123456789012:role/web-role",
  path: "/",
  tags: {},
  ...over,
});

describe("instanceSession", () => {
  it("names the instance of an instance-credential session", () => {
    expect(
      instanceSession({
        principalId: "AROAEXAMPLEEXAMPLE123:i-0123456789abcdef0",
        userName: "web-role",
        userType: "AssumedRole",
      }),
    ).toEqual({ instanceId: "i-0123456789abcdef0", roleName: "web-role" });
  });

  it.each([
    ["a user", { principalId: "AIDAEXAMPLEEXAMPLE123", userName: "alice", userType: "IAMUser" }],
    [
      "a session not named after an instance",
      { principalId: "AROAEXAMPLEEXAMPLE123:alice", userName: "r", userType: "AssumedRole" },
    ],
    [
      "an instance id of the wrong length",
      { principalId: "AROAEXAMPLEEXAMPLE123:i-0123", userName: "r", userType: "AssumedRole" },
    ],
    [
      "upper-case hex",
      { principalId: "AROAEXAMPLEEXAMPLE123:i-0123456789ABCDEF0", userName: "r", userType: "AssumedRole" },
    ],
    [
      "text after the id",
      { principalId: "AROAEXAMPLEEXAMPLE123:i-0123456789abcdef0 x", userName: "r", userType: "AssumedRole" },
    ],
    [
      "a role name IAM refuses",
      {
        principalId: "AROAEXAMPLEEXAMPLE123:i-0123456789abcdef0",
        userName: "web role;",
        userType: "AssumedRole",
      },
    ],
    ["no role name", { principalId: "AROAEXAMPLEEXAMPLE123:i-0123456789abcdef0", userType: "AssumedRole" }],
  ])("names no instance for %s", (_what, details) => {
    expect(instanceSession(details)).toBeUndefined();
  });
});

describe("the deny statement", () => {
  const arn = instanceArn("aws", "eu-west-1", "123456789012", "i-0123456789abcdef0");

  it("is named after the incident, and refuses a name that is not an incident id", () => {
    expect(revokePolicyName("ir-20261207-0123abcd", "i-0123456789abcdef0")).toBe(
      "incident-responder-revoke-ir-20261207-0123abcd-i-0123456789abcdef0",
    );
    expect(revokePolicyName("ir-20261207-0123abcd", "i-0123456789abcdef0").length).toBeLessThanOrEqual(128);
    expect(() => revokePolicyName("ir-1/../x", "i-0123456789abcdef0")).toThrow(/not an incident id/);
    expect(() => revokePolicyName("ir-20261207-0123abcd", "i-1/../x")).toThrow(/not an instance id/);
    // Two instances of one incident that share a role: two policies, never one overwriting the other.
    expect(revokePolicyName("ir-20261207-0123abcd", "i-0123456789abcdef0")).not.toBe(
      revokePolicyName("ir-20261207-0123abcd", "i-0123456789abcdef1"),
    );
  });

  it("reads back as written whatever the encoding and key order", () => {
    const doc = revokeDocument(arn);
    const text = JSON.stringify(doc);
    expect(sameDocument(encodeURIComponent(text), doc)).toBe(true);
    expect(sameDocument(text, doc)).toBe(true);
    const reordered = {
      Statement: doc.Statement.map((s) => ({ ...s, Condition: s.Condition })),
      Version: doc.Version,
    };
    expect(sameDocument(JSON.stringify(reordered, null, 2), doc)).toBe(true);
  });

  it("does not read back as written when any part differs", () => {
    const doc = revokeDocument(arn);
    const other = revokeDocument(instanceArn("aws", "eu-west-1", "123456789012", "i-0fffffffffffffff0"));
    expect(sameDocument(JSON.stringify(other), doc)).toBe(false);
    expect(sameDocument(JSON.stringify({ ...doc, Statement: [] }), doc)).toBe(false);
    expect(sameDocument("not json", doc)).toBe(false);
    expect(sameDocument(undefined, doc)).toBe(false);
  });
});

describe("roleRefusal", () => {
  it("lets the responder put the statement on a workload role", () => {
    expect(roleRefusal(role(), guard)).toBeUndefined();
    expect(roleRefusal(role({ tags: { "incident-responder:protected": "no" } }), guard)).toBeUndefined();
  });

  it.each([
    ["service-linked", role({ path: "/aws-service-role/autoscaling.amazonaws.com/" }), /service-linked/],
    ["the responder's own", role({ roleName: "incident-responder-isolation" }), /responder's own/],
    [
      "listed in protectedIds",
      role({ roleName: "payments", arn: "arn:aws:iam::123456789012:role/payments" }),
      /protectedIds/,
    ],
    [
      "tagged protected (any case)",
      role({ tags: { "Incident-Responder:Protected": "TRUE" } }),
      /protected \(tag/,
    ],
  ])("leaves a %s role alone", (_what, r, why) => {
    expect(roleRefusal(r, guard)).toMatch(why);
  });
});

describe("parseProfileArn", () => {
  it("reads the name and partition of a profile ARN with or without a path", () => {
    expect(parseProfileArn("arn:aws:iam::123456789012:instance-profile/web")).toEqual({
      name: "web",
      partition: "aws",
    });
    expect(parseProfileArn("arn:aws-cn:iam::123456789012:instance-profile/a/b/web")).toEqual({
      name: "web",
      partition: "aws-cn",
    });
    expect(parseProfileArn("arn:aws:iam::123456789012:role/web")).toBeUndefined();
  });
});

describe("connection tracking read-back", () => {
  it("is ok only when the interface reports the timeouts asked for", () => {
    const eni = "eni-0123456789abcdef0";
    expect(judgeReadback(eni, MINIMUM_TIMEOUTS, MINIMUM_TIMEOUTS, "cut").status).toBe("ok");
    expect(judgeReadback(eni, MINIMUM_TIMEOUTS, { ...MINIMUM_TIMEOUTS, udp: 180 }, "cut").status).toBe(
      "failed",
    );
    expect(judgeReadback(eni, MINIMUM_TIMEOUTS, undefined, "cut").status).toBe("unsupported");
  });

  it("counts an interface that reports only part of its configuration as reporting none", () => {
    expect(timeoutsOf({ TcpEstablishedTimeout: 60 })).toBeUndefined();
    expect(timeoutsOf({ TcpEstablishedTimeout: 60, UdpStreamTimeout: 60, UdpTimeout: 30 })).toEqual(
      MINIMUM_TIMEOUTS,
    );
  });
});
