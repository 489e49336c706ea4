/**
 * The per-instance deny statement of revoke-instance-credentials, and the guards of the roles
 * that put it, decided by an independent policy simulator: the statement denies the role's
 * session whose credentials were issued to the contained instance (ec2:SourceInstanceARN) and
 * allows the same role's session from a sibling instance; the responder may put it on a
 * workload role and never on its own, a service-linked or a protected role.
 */
import { describe, expect, it } from "vitest";
import { instanceArn, revokeDocument } from "../../../shared/credentials/statement.ts";
import {
  deployments,
  functionPrincipal,
  MEMBER_ACCOUNT,
  memberPrincipal,
} from "../../support/iam/incident-simulation.ts";
import { decide, type IamRequest, type Principal } from "../../support/iam/simulate.ts";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
const CONTAINED = "i-0aaaaaaaaaaaaaaaa";
const SIBLING = "i-0bbbbbbbbbbbbbbbb";

/** The workload role's own permissions, and the statement containment adds. */
function webRoleSession(withRevocation: boolean): Principal {
  const policies = [
    {
      name: "web",
      policy: {
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: ["s3:GetObject", "ec2:DescribeInstances"], Resource: "*" }],
      },
    },
  ];
  if (withRevocation)
    policies.push({
      name: "incident-responder-revoke-ir-20261207-0123abcd",
      policy: revokeDocument(instanceArn("aws", REGION, ACCOUNT, CONTAINED)) as never,
    });
  return { arn: `arn:aws:iam::${ACCOUNT}:role/web-role`, account: ACCOUNT, policies };
}

const fromInstance = (action: string, resource: string, instanceId: string): IamRequest => ({
  action,
  resource,
  context: { "ec2:SourceInstanceARN": instanceArn("aws", REGION, ACCOUNT, instanceId) },
  why: `a session of web-role issued to ${instanceId}`,
});

describe("the per-instance deny statement", () => {
  const requests = [
    ["s3:GetObject", "arn:aws:s3:::customer-data/reports/q3.csv"],
    ["ec2:DescribeInstances", "*"],
  ] as const;

  it.each(requests)("denies %s to a session from the contained instance", async (action, resource) => {
    expect(await decide(webRoleSession(false), fromInstance(action, resource, CONTAINED))).toBe("Allowed");
    expect(await decide(webRoleSession(true), fromInstance(action, resource, CONTAINED))).toBe(
      "ExplicitlyDenied",
    );
  });

  it.each(requests)(
    "allows %s to the same role's session from a sibling instance",
    async (action, resource) => {
      expect(await decide(webRoleSession(true), fromInstance(action, resource, SIBLING))).toBe("Allowed");
    },
  );

  it("allows the role's sessions that no instance was issued (no ec2:SourceInstanceARN)", async () => {
    const request: IamRequest = {
      action: "s3:GetObject",
      resource: "arn:aws:s3:::customer-data/reports/q3.csv",
      context: {},
      why: "an AssumeRole session of web-role",
    };
    expect(await decide(webRoleSession(true), request)).toBe("Allowed");
  });
});

const { responder, member } = deployments(ACCOUNT, REGION);

describe.each([
  ["the contain function's role", functionPrincipal(responder, "contain"), ACCOUNT],
  ["the member act role", memberPrincipal(member, "act"), MEMBER_ACCOUNT],
])("the revocation guards of %s", (_name, principal: Principal, account: string) => {
  const role = (name: string) => `arn:aws:iam::${account}:role/${name}`;
  const put = (resource: string, context: Record<string, string> = {}): IamRequest => ({
    action: "iam:PutRolePolicy",
    resource,
    context,
    why: "revoke-instance-credentials",
  });

  it("reads the instance's role and puts and reads back the statement on a workload role", async () => {
    expect(
      await decide(principal, {
        action: "iam:GetInstanceProfile",
        resource: `arn:aws:iam::${account}:instance-profile/web-profile`,
        context: {},
        why: "the instance's role",
      }),
    ).toBe("Allowed");
    for (const action of ["iam:GetRole", "iam:GetRolePolicy"])
      expect(await decide(principal, { ...put(role("web-role")), action })).toBe("Allowed");
    expect(await decide(principal, put(role("web-role")))).toBe("Allowed");
    expect(
      await decide(
        principal,
        put(role("web-role"), { "aws:ResourceTag/incident-responder:protected": "no" }),
      ),
    ).toBe("Allowed");
  });

  it("never puts a policy on a protected role, in any spelling of true", async () => {
    for (const value of ["true", "TRUE", "True"])
      expect(
        await decide(
          principal,
          put(role("web-role"), { "aws:ResourceTag/incident-responder:protected": value }),
        ),
      ).toBe("ExplicitlyDenied");
  });

  it("never puts a policy on the responder's own or a service-linked role", async () => {
    expect(await decide(principal, put(role("incident-responder-isolation")))).toBe("ExplicitlyDenied");
    expect(await decide(principal, put(role("incident-responder-member")))).toBe("ExplicitlyDenied");
    expect(
      await decide(
        principal,
        put(role("aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling")),
      ),
    ).toBe("ExplicitlyDenied");
  });
});
