/**
 * The pure decisions of principal and bucket containment: what a finding names (strictly
 * validated), which keys to deactivate, which principals are never touched, and how the bucket
 * policy gains and loses the incident's statement.
 */
import { describe, expect, it } from "vitest";
import { hasSid, withoutStatement, withStatement } from "../../../shared/bucket/policy.ts";
import type { Finding } from "../../../shared/domain/types.ts";
import { RefusedError } from "../../../shared/errors/index.ts";
import { leaveAlone } from "../../../shared/principal/guard.ts";
import {
  keysToDeactivate,
  principalTargets,
  QUARANTINE_FINDING_TYPE,
} from "../../../shared/principal/target.ts";
import { DEFAULT_PROTECTED_TAG } from "../../../shared/triage/safety.ts";

const ACCOUNT = "111122223333";
const KEY = "AKIAIOSFODNN7EXAMPLE";
const OTHER = "AKIAI44QH8DHBEXAMPLE";
const finding = (resources: Finding["resources"], type = "UnauthorizedAccess:IAMUser/TorIPCaller") => ({
  account: ACCOUNT,
  type,
  resources,
});

describe("principalTargets", () => {
  it("names the user and the key the finding names", () => {
    const out = principalTargets(
      finding([
        { kind: "iam-access-key", id: KEY, account: ACCOUNT },
        { kind: "iam-user", id: "alice", account: ACCOUNT },
      ]),
    );

    expect(out.targets).toEqual([{ kind: "user", name: "alice", account: ACCOUNT, accessKeyIds: [KEY] }]);
    expect(out.refused).toEqual([]);
  });

  it.each([
    ["a name outside IAM's grammar", { kind: "iam-user" as const, id: "alice/../admin", account: ACCOUNT }],
    ["a name too long", { kind: "iam-role" as const, id: "r".repeat(65), account: ACCOUNT }],
    ["another account", { kind: "iam-user" as const, id: "alice", account: "999999999999" }],
    ["a key id that is no key id", { kind: "iam-access-key" as const, id: "AKIA;rm -rf", account: ACCOUNT }],
  ])("refuses %s, and acts on nothing for it", (_what, resource) => {
    const out = principalTargets(finding([resource]));

    expect(out.targets).toEqual([]);
    expect(out.refused).toHaveLength(1);
  });

  it("for the quarantine signal, names the user only, never the caller that attached it", () => {
    const out = principalTargets(
      finding(
        [
          { kind: "iam-user", id: "bob", account: ACCOUNT },
          { kind: "iam-role", id: "aws-internal-caller", account: ACCOUNT },
        ],
        QUARANTINE_FINDING_TYPE,
      ),
    );

    expect(out.quarantine).toBe(true);
    expect(out.targets.map((t) => `${t.kind}/${t.name}`)).toEqual(["user/bob"]);
  });
});

describe("keysToDeactivate", () => {
  const keys = [
    { accessKeyId: KEY, status: "Active" as const },
    { accessKeyId: OTHER, status: "Active" as const },
    { accessKeyId: "AKIAOLDOLDOLDOLDOLD1", status: "Inactive" as const },
  ];

  it("deactivates the named active key only", () => {
    expect(keysToDeactivate(keys, [KEY], { scope: "named", quarantine: false }).deactivate).toEqual([KEY]);
  });

  it("deactivates every active key for the quarantine signal, and says why", () => {
    const out = keysToDeactivate(keys, [], { scope: "named", quarantine: true });

    expect(out.deactivate).toEqual([KEY, OTHER]);
    expect(out.notes.join()).toContain("quarantine");
  });

  it("deactivates every active key when the policy says all", () => {
    expect(keysToDeactivate(keys, [KEY], { scope: "all", quarantine: false }).deactivate).toEqual([
      KEY,
      OTHER,
    ]);
  });

  it("reports a named key the user does not have, and touches nothing for it", () => {
    const out = keysToDeactivate(keys, ["AKIANOTHERSNOTHERS12"], { scope: "named", quarantine: false });

    expect(out.deactivate).toEqual([]);
    expect(out.notes).toEqual(["AKIANOTHERSNOTHERS12 is not a key of the user: nothing done for it"]);
  });
});

describe("leaveAlone", () => {
  const cfg = {
    protectedIds: ["arn:aws:iam::111122223333:user/listed"],
    protectedTag: { ...DEFAULT_PROTECTED_TAG },
    breakGlass: ["emergency-admin"],
    responderRolePrefixes: ["incident-responder"],
  };
  const facts = (kind: "user" | "role", name: string, path = "/", tags: Record<string, string> = {}) => ({
    target: { kind, name, account: ACCOUNT, accessKeyIds: [] },
    arn: `arn:aws:iam::${ACCOUNT}:${kind}/${name}`,
    path,
    tags,
  });

  it.each([
    [
      "a service-linked role",
      facts("role", "AWSServiceRoleForSupport", "/aws-service-role/support.amazonaws.com/"),
      "service-linked",
    ],
    [
      "the responder's own role",
      facts("role", "incident-responder-prod-contain-eu-west-1"),
      "responder's own",
    ],
    ["a break-glass role", facts("role", "emergency-admin"), "break-glass"],
    ["a principal listed by ARN", facts("user", "listed"), "protectedIds"],
    [
      "a principal tagged protected (any case of true)",
      facts("user", "carol", "/", { "Incident-Responder:Protected": "TRUE" }),
      "tag",
    ],
  ])("leaves %s alone, and says why", (_what, f, why) => {
    expect(leaveAlone(f, cfg)).toContain(why);
  });

  it("lets containment touch any other principal", () => {
    expect(
      leaveAlone(facts("user", "alice", "/", { "incident-responder:protected": " true" }), cfg),
    ).toBeUndefined();
  });
});

describe("the bucket policy's incident statement", () => {
  const statement = {
    Sid: "IncidentResponderX",
    Effect: "Deny",
    Principal: "*",
    Action: "s3:*",
    Resource: "*",
  };
  const own = JSON.stringify({ Version: "2012-10-17", Statement: { Sid: "Owner", Effect: "Allow" } });

  it("is added beside the owner's statements and removed alone", () => {
    const added = withStatement(own, statement);

    expect(hasSid(added, "IncidentResponderX")).toBe(true);
    expect(JSON.parse(withoutStatement(added, "IncidentResponderX") ?? "{}").Statement).toEqual([
      { Sid: "Owner", Effect: "Allow" },
    ]);
  });

  it("leaves no policy when it was the only statement", () => {
    expect(withoutStatement(withStatement(undefined, statement), "IncidentResponderX")).toBeUndefined();
  });

  it("refuses a policy that is not JSON, changing nothing", () => {
    expect(() => withStatement("{not json", statement)).toThrow(RefusedError);
  });
});
