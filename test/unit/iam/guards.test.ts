/**
 * The guards of the packaged policies, decided by an independent policy simulator: what each
 * must refuse, and that the same request without the reason to refuse is allowed (so that a
 * refusal is the guard's doing, not a missing grant).
 */
import { describe, expect, it } from "vitest";
import { FUNCTIONS } from "../../../shared/iam/permissions.ts";
import {
  assumeRequest,
  assumes,
  deployments,
  EXTERNAL_ID,
  functionPrincipal,
  MEMBER_ACCOUNT,
  memberPrincipal,
} from "../../support/iam/incident-simulation.ts";
import { decide, type IamRequest, type Principal } from "../../support/iam/simulate.ts";
import { deployResponder, rolePolicies } from "../../support/iam/template.ts";

const ACCOUNT = "123456789012";
const REGION = "eu-west-1";
const { responder, member } = deployments(ACCOUNT, REGION);
const contain = functionPrincipal(responder, "contain");
const act = memberPrincipal(member, "act");
const read = memberPrincipal(member, "read");

const arn = (account: string, type: string, id: string) => `arn:aws:ec2:${REGION}:${account}:${type}/${id}`;
const asg = (account: string) =>
  `arn:aws:autoscaling:${REGION}:${account}:autoScalingGroup:6d4b3c2a-1f0e-4d5c-8b7a-9e8f7a6b5c4d:autoScalingGroupName/web`;
const targetGroup = (account: string) =>
  `arn:aws:elasticloadbalancing:${REGION}:${account}:targetgroup/web/0a7681e3e874bab3`;

/** Every change containment makes, on each resource of the workload it is authorised on. */
function containmentChanges(account: string): IamRequest[] {
  const i = arn(account, "instance", "i-0123456789abcdef0");
  const v = arn(account, "volume", "vol-0123456789abcdef0");
  const eni = arn(account, "network-interface", "eni-0123456789abcdef0");
  const eip = arn(account, "elastic-ip", "eipalloc-0123456789abcdef0");
  const on = (action: string, resource: string, context: Record<string, string | string[]> = {}) => ({
    action,
    resource,
    context,
    why: "containment",
  });
  return [
    on("ec2:ModifyInstanceAttribute", i, { "ec2:Attribute": "DisableApiTermination" }),
    on("ec2:ModifyInstanceAttribute", v),
    on("ec2:StopInstances", i),
    on("ec2:ReplaceIamInstanceProfileAssociation", i),
    on("ec2:AssociateIamInstanceProfile", i),
    on("ec2:CreateTags", i, {
      "aws:TagKeys": ["incident-responder:state"],
      "aws:RequestTag/incident-responder:state": "isolating",
    }),
    on("ec2:ModifyNetworkInterfaceAttribute", eni),
    on("ec2:DisassociateAddress", eip),
    on("ec2:DisassociateAddress", eni),
    on("autoscaling:EnterStandby", asg(account)),
    on("autoscaling:DetachInstances", asg(account)),
    on("elasticloadbalancing:DeregisterTargets", targetGroup(account)),
  ];
}

const tagged = (r: IamRequest, value: string): IamRequest => ({
  ...r,
  context: { ...r.context, "aws:ResourceTag/incident-responder:protected": value },
});

describe.each([
  ["the contain function's role", contain, ACCOUNT],
  ["the member act role", act, MEMBER_ACCOUNT],
])("the protected deny of %s", (_name, principal: Principal, account: string) => {
  const changes = containmentChanges(account);

  it.each(changes.map((r) => [`${r.action} on ${r.resource.split(":").slice(5).join(":")}`, r] as const))(
    "allows %s on an unprotected resource",
    async (_label, request) => {
      expect(await decide(principal, tagged(request, "false"))).toBe("Allowed");
      expect(await decide(principal, request)).toBe("Allowed");
    },
  );

  it.each(
    changes.flatMap((r) =>
      ["true", "True", "TRUE"].map(
        (spelling) => [`${r.action} on ${r.resource.split(":").slice(5).join(":")}`, spelling, r] as const,
      ),
    ),
  )("denies %s tagged protected=%s", async (_label, spelling, request) => {
    expect(await decide(principal, tagged(request, spelling))).toBe("ExplicitlyDenied");
  });
});

describe.each([
  ["the contain function's role", contain, ACCOUNT],
  ["the member act role", act, MEMBER_ACCOUNT],
])("ec2:Attribute in %s", (_name, principal: Principal, account: string) => {
  const modify = (attribute: string): IamRequest => ({
    action: "ec2:ModifyInstanceAttribute",
    resource: arn(account, "instance", "i-0123456789abcdef0"),
    context: { "ec2:Attribute": attribute },
    why: "ModifyInstanceAttribute",
  });

  it.each([
    "DisableApiTermination",
    "disableApiTermination",
    "DisableApiStop",
    "InstanceInitiatedShutdownBehavior",
    "BlockDeviceMapping",
  ])("allows changing %s", async (attribute) => {
    expect(await decide(principal, modify(attribute))).toBe("Allowed");
  });

  it.each([
    "UserData",
    "userData",
    "InstanceType",
    "Kernel",
    "Ramdisk",
    "GroupId",
    "SourceDestCheck",
    "EnaSupport",
  ])("refuses changing %s", async (attribute) => {
    expect(await decide(principal, modify(attribute))).not.toBe("Allowed");
  });

  it("refuses a change that names no attribute", async () => {
    const { context: _none, ...rest } = modify("x");
    expect(await decide(principal, { ...rest, context: {} })).not.toBe("Allowed");
  });
});

describe("the member read role", () => {
  it("reads what triage, intake and the evidence lane read", async () => {
    const reads: IamRequest[] = [
      { action: "ec2:DescribeInstances", resource: "*", context: {}, why: "triage" },
      { action: "autoscaling:DescribeAutoScalingGroups", resource: "*", context: {}, why: "triage" },
      { action: "cloudtrail:LookupEvents", resource: "*", context: {}, why: "evidence" },
      {
        action: "iam:GetInstanceProfile",
        resource: `arn:aws:iam::${MEMBER_ACCOUNT}:instance-profile/web`,
        context: {},
        why: "evidence",
      },
    ];
    for (const r of reads) expect(await decide(read, r), r.action).toBe("Allowed");
  });

  it("can change nothing the act role changes", async () => {
    const changes = [
      ...containmentChanges(MEMBER_ACCOUNT),
      {
        action: "ec2:CreateSnapshots",
        resource: arn(MEMBER_ACCOUNT, "instance", "i-0123456789abcdef0"),
        context: {},
        why: "evidence",
      },
      {
        action: "cloudformation:CreateStack",
        resource: `arn:aws:cloudformation:${REGION}:${MEMBER_ACCOUNT}:stack/incident-responder-cleanroom-ir-1/00000000-0000-0000-0000-000000000000`,
        context: {
          "aws:RequestTag/incident-responder:managed": "true",
          "aws:TagKeys": ["incident-responder:managed"],
          "cloudformation:RoleArn": member.arn("CleanroomStackRole"),
        },
        why: "cleanroom",
      },
      {
        action: "ec2:GetConsoleOutput",
        resource: arn(MEMBER_ACCOUNT, "instance", "i-0123456789abcdef0"),
        context: {},
        why: "evidence reads it with the act session",
      },
    ];
    for (const r of changes) {
      expect(await decide(act, r), `${r.action} with the act role`).toBe("Allowed");
      expect(await decide(read, r), `${r.action} with the read role`).toBe("ImplicitlyDenied");
    }
  });
});

describe("who may assume the member roles", () => {
  const readers = ["triage", "intake", "evidence"];
  const actors = ["contain", "evidence", "cleanroom"];

  it.each(Object.keys(FUNCTIONS).flatMap((fn) => (["read", "act"] as const).map((p) => [fn, p] as const)))(
    "%s and the %s role: allowed exactly when the function needs it",
    async (fn, purpose) => {
      const expected = (purpose === "read" ? readers : actors).includes(fn) ? "Allowed" : "ImplicitlyDenied";
      expect(await assumes(member, purpose, functionPrincipal(responder, fn))).toBe(expected);
    },
  );

  it("refuses the act role to triage and intake even when their own policy would allow it", async () => {
    for (const fn of ["triage", "intake"]) {
      const anything: Principal = {
        ...functionPrincipal(responder, fn),
        policies: [
          {
            name: "all",
            policy: {
              Version: "2012-10-17",
              Statement: [{ Effect: "Allow", Action: "sts:AssumeRole", Resource: "*" }],
            },
          },
        ],
      };
      expect(await assumes(member, "act", anything), fn).toBe("ImplicitlyDenied");
    }
  });

  it("refuses without the external id, or with another", async () => {
    const evidence = functionPrincipal(responder, "evidence");
    const withId = (id?: string): IamRequest => {
      const r = assumeRequest(member, "read");
      return { ...r, context: id ? { "sts:ExternalId": id } : {} };
    };
    expect(await assumes(member, "read", evidence, withId(EXTERNAL_ID))).toBe("Allowed");
    expect(await assumes(member, "read", evidence, withId("someone-else"))).toBe("ImplicitlyDenied");
    expect(await assumes(member, "read", evidence, withId())).toBe("ImplicitlyDenied");
  });

  it("refuses a role of the same name in another account, or of another stack", async () => {
    const other: Principal = {
      ...functionPrincipal(responder, "contain"),
      arn: `arn:aws:iam::${ACCOUNT}:role/incident-responder-other-contain-${REGION}`,
    };
    expect(await assumes(member, "act", other)).toBe("ImplicitlyDenied");
    const elsewhere: Principal = {
      ...functionPrincipal(responder, "contain"),
      arn: `arn:aws:iam::999999999999:role/x`,
      account: "999999999999",
    };
    expect(await assumes(member, "act", elsewhere)).toBe("ImplicitlyDenied");
  });
});

describe("which accounts the function roles may assume member roles in", () => {
  const allowAll = {
    Version: "2012-10-17",
    Statement: [
      { Effect: "Allow", Principal: { AWS: `arn:aws:iam::${ACCOUNT}:root` }, Action: "sts:AssumeRole" },
    ],
  };
  const assume = (env: NodeJS.ProcessEnv, account: string, context: Record<string, string> = {}) => {
    const d = deployResponder(ACCOUNT, REGION, env);
    const principal: Principal = {
      arn: d.arn("ContainRole"),
      account: ACCOUNT,
      policies: rolePolicies(d, "ContainRole"),
    };
    return decide(
      principal,
      {
        action: "sts:AssumeRole",
        resource: `arn:aws:iam::${account}:role/incident-responder-member`,
        context,
        why: "assume",
      },
      { resourcePolicy: allowAll, resourceAccount: account },
    );
  };

  it("only the listed member accounts", async () => {
    const env = { RESPONDER_MEMBER_ACCOUNTS: "111111111111,222222222222" };
    expect(await assume(env, "111111111111")).toBe("Allowed");
    expect(await assume(env, "222222222222")).toBe("Allowed");
    expect(await assume(env, "333333333333")).toBe("ImplicitlyDenied");
  });

  it("only the listed role name", async () => {
    const d = deployResponder(ACCOUNT, REGION, { RESPONDER_MEMBER_ACCOUNTS: "111111111111" });
    const principal: Principal = {
      arn: d.arn("ContainRole"),
      account: ACCOUNT,
      policies: rolePolicies(d, "ContainRole"),
    };
    const other = await decide(
      principal,
      {
        action: "sts:AssumeRole",
        resource: "arn:aws:iam::111111111111:role/admin",
        context: {},
        why: "assume",
      },
      { resourcePolicy: allowAll, resourceAccount: "111111111111" },
    );
    expect(other).toBe("ImplicitlyDenied");
  });

  it("with an organisation and no list, the organisation's accounts only", async () => {
    const env = { RESPONDER_ORGANIZATION_ID: "o-abcdefghij" };
    expect(await assume(env, "444444444444", { "aws:ResourceOrgID": "o-abcdefghij" })).toBe("Allowed");
    expect(await assume(env, "444444444444", { "aws:ResourceOrgID": "o-zzzzzzzzzz" })).toBe(
      "ImplicitlyDenied",
    );
  });

  it("with neither, no account at all", async () => {
    expect(await assume({}, "111111111111")).toBe("ImplicitlyDenied");
    const d = deployResponder(ACCOUNT, REGION, {});
    for (const fn of Object.keys(FUNCTIONS)) {
      const statements = rolePolicies(d, FUNCTIONS[fn]?.role ?? "").flatMap((p) => p.policy.Statement);
      expect(
        statements.filter((s: { Action: unknown }) => JSON.stringify(s.Action).includes("sts:")),
        fn,
      ).toEqual([]);
    }
  });
});

describe("the responder key's grants to AWS services", () => {
  const keyPolicy = responder.properties("ResponderKey").KeyPolicy;
  const key = responder.arn("ResponderKey");
  const service = (principal: string, context: Record<string, string>) =>
    decide(
      { arn: principal, account: ACCOUNT, policies: [] },
      { action: "kms:GenerateDataKey", resource: key, context, why: "service" },
      { resourcePolicy: keyPolicy, resourceAccount: ACCOUNT },
    );

  it("lets EventBridge use it for this account's rules only", async () => {
    const rule = `arn:aws:events:${REGION}:${ACCOUNT}:rule/r`;
    expect(
      await service("events.amazonaws.com", { "aws:SourceAccount": ACCOUNT, "aws:SourceArn": rule }),
    ).toBe("Allowed");
    expect(
      await service("events.amazonaws.com", {
        "aws:SourceAccount": "999999999999",
        "aws:SourceArn": `arn:aws:events:${REGION}:999999999999:rule/r`,
      }),
    ).toBe("ImplicitlyDenied");
    expect(await service("events.amazonaws.com", { "aws:SourceArn": rule })).toBe("ImplicitlyDenied");
  });

  it("lets CloudWatch use it for this account's alarms only", async () => {
    expect(await service("cloudwatch.amazonaws.com", { "aws:SourceAccount": ACCOUNT })).toBe("Allowed");
    expect(await service("cloudwatch.amazonaws.com", { "aws:SourceAccount": "999999999999" })).toBe(
      "ImplicitlyDenied",
    );
    expect(await service("cloudwatch.amazonaws.com", {})).toBe("ImplicitlyDenied");
  });
});

describe.each([
  ["the evidence function's role", () => functionPrincipal(responder, "evidence"), ACCOUNT],
  ["the member read role", () => read, MEMBER_ACCOUNT],
])("disk images (image-disks): %s", (_name, principal: () => Principal, account: string) => {
  const snapshot = `arn:aws:ec2:${REGION}::snapshot/snap-0123456789abcdef0`;
  const blocks = (action: string, context: Record<string, string> = {}): IamRequest => ({
    action,
    resource: snapshot,
    context,
    why: "disk image",
  });
  const ofIncident = { "aws:ResourceTag/incident-responder:incident-id": "ir-20261207-0a1b2c3d" };

  it("reads the blocks of a snapshot the responder tagged with an incident, and of no other", async () => {
    for (const action of ["ebs:ListSnapshotBlocks", "ebs:GetSnapshotBlock"]) {
      expect(await decide(principal(), blocks(action, ofIncident), { resourceAccount: account })).toBe(
        "Allowed",
      );
      expect(await decide(principal(), blocks(action), { resourceAccount: account })).toBe(
        "ImplicitlyDenied",
      );
    }
  });

  it("lists the blocks changed since an untagged snapshot (the AMI's): indexes, never contents", async () => {
    expect(await decide(principal(), blocks("ebs:ListChangedBlocks"), { resourceAccount: account })).toBe(
      "Allowed",
    );
    expect(await decide(principal(), blocks("ebs:PutSnapshotBlock"), { resourceAccount: account })).toBe(
      "ImplicitlyDenied",
    );
  });
});
