import { describe, expect, it } from "vitest";
import { principalStateName, recordedBefore } from "../../../shared/capture/principal-state.ts";
import { validateArtifactName } from "../../../shared/evidence/keys.ts";
import type { PrincipalTarget } from "../../../shared/principal/target.ts";

const alice: PrincipalTarget = { kind: "user", name: "alice", account: "123456789012", accessKeyIds: [] };
const state = {
  arn: "arn:aws:iam::123456789012:user/alice",
  path: "/",
  tags: {},
  keys: [{ accessKeyId: "AKIAAAAAAAAAAAAAAAAA", status: "Active" }],
  attachedPolicies: [],
  inlinePolicies: [],
  groups: [],
};

describe("principalStateName", () => {
  it("names the artifact after the principal's kind and name", () => {
    expect(principalStateName(alice)).toBe("principal-state-user-alice.json");
    expect(principalStateName({ kind: "role", name: "alice" })).toBe("principal-state-role-alice.json");
  });

  it("encodes IAM characters the archive does not take, without two names meeting", () => {
    const plus = principalStateName({ kind: "user", name: "a+b@example.com" });
    const under = principalStateName({ kind: "user", name: "a_b_example.com" });
    const comma = principalStateName({ kind: "user", name: "a,b@example.com" });

    for (const n of [plus, under, comma]) expect(validateArtifactName(n)).toBe(n);
    expect(new Set([plus, under, comma]).size).toBe(3);
    expect(validateArtifactName(principalStateName({ kind: "user", name: "=leading" }))).toMatch(
      /^principal-state-user-x/,
    );
  });
});

describe("recordedBefore", () => {
  it("takes contain-principal's recorded state before its first change", () => {
    const incident = { principalContainment: { principals: { "user/alice": { before: state } } } };

    expect(recordedBefore(incident, alice)?.keys).toEqual(state.keys);
  });

  it("finds nothing when the contain lane has recorded nothing, or only another principal, or garbage", () => {
    expect(recordedBefore({}, alice)).toBeUndefined();
    expect(
      recordedBefore({ principalContainment: { principals: { "role/alice": { before: state } } } }, alice),
    ).toBeUndefined();
    expect(
      recordedBefore(
        { principalContainment: { principals: { "user/alice": { before: { keys: 1 } } } } },
        alice,
      ),
    ).toBeUndefined();
  });
});
