// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here is CloudFormation Fn::Sub syntax.
import { describe, expect, it } from "vitest";
import {
  FUNCTIONS,
  functionActions,
  functionKmsVia,
  isUnscopedAction,
  MEMBER_SESSIONS,
} from "../../../shared/iam/permissions.ts";
import { allowedActions, type Json, roleStatements, serverlessDoc, text } from "./roles.ts";

const doc = serverlessDoc();
const resources: Record<string, Json> = doc.resources.Resources;
const functionNames = Object.keys(doc.functions);
const roleOf = (fn: string) => resources[String(doc.functions[fn].role)];

/** The statements of every function role, with the function's name. */
const everyStatement = () =>
  functionNames.flatMap((fn) => roleStatements(roleOf(fn)).map((s) => ({ fn, ...s })));

describe("function roles in serverless.yml", () => {
  it("declares permissions for every function in serverless.yml, and for no other", () => {
    expect(Object.keys(FUNCTIONS).sort()).toEqual([...functionNames].sort());
  });

  it.each(functionNames)("gives %s a role of its own that only Lambda can assume", (fn) => {
    const roleId = doc.functions[fn].role;
    const role = resources[roleId];

    expect(roleId).toBe(FUNCTIONS[fn]?.role);
    expect(role?.Type).toBe("AWS::IAM::Role");
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      { Effect: "Allow", Principal: { Service: "lambda.amazonaws.com" }, Action: "sts:AssumeRole" },
    ]);
    expect(functionNames.filter((other) => doc.functions[other].role === roleId)).toEqual([fn]);
    // The member roles trust exactly these role names (infra/member-account-role.yaml).
    expect(text(role.Properties.RoleName)).toBe(`\${AWS::StackName}-${fn}-\${AWS::Region}`);
    expect(role.Properties.ManagedPolicyArns).toBeUndefined();
  });

  it.each(functionNames)("grants %s exactly the actions shared/iam/permissions.ts declares", (fn) => {
    const granted = allowedActions(roleOf(fn));
    const declared = functionActions(fn);

    expect({
      missing: declared.filter((a) => !granted.includes(a)),
      surplus: granted.filter((a) => !declared.includes(a)),
    }).toEqual({
      missing: [],
      surplus: [],
    });
  });

  it("grants no wildcard action", () => {
    const wild = everyStatement().filter(
      (s) => s.effect === "Allow" && s.actions.some((a) => a.includes("*")),
    );

    expect(wild.map((s) => `${s.fn}/${s.sid}`)).toEqual([]);
  });

  it("uses Resource * only for actions that take no resource", () => {
    const broad = everyStatement()
      .filter((s) => s.effect === "Allow" && s.resources.some((r) => r === "*"))
      .flatMap((s) => s.actions.filter((a) => !isUnscopedAction(a)).map((a) => `${s.fn}/${s.sid}: ${a}`));

    expect(broad).toEqual([]);
  });

  it("gives every statement a resource and a Sid", () => {
    const bad = everyStatement().filter((s) => s.resources.length === 0 || !s.sid);

    expect(bad.map((s) => `${s.fn}/${s.sid}`)).toEqual([]);
  });

  it.each(functionNames)(
    "lets %s use the responder's key only through the services that hold its data",
    (fn) => {
      // The preflight's statement (the key's state and a data key) is checked on its own below.
      const kms = roleStatements(roleOf(fn)).filter(
        (s) =>
          s.actions.some((a) => a.startsWith("kms:")) &&
          !s.actions.includes("kms:Sign") &&
          s.sid !== "PreflightResponderKey",
      );

      expect(kms).toHaveLength(1);
      expect(kms[0]?.resources).toEqual([{ "Fn::GetAtt": ["ResponderKey", "Arn"] }]);
      const via = (kms[0]?.condition?.StringEquals?.["kms:ViaService"] ?? []).map(text);
      expect(via).toEqual(functionKmsVia(fn).map((s) => `${s}.\${AWS::Region}.amazonaws.com`));
    },
  );

  it("signs manifests only from the evidence function, and only with the evidence signing key", () => {
    const signing = everyStatement().filter((s) => s.actions.includes("kms:Sign"));

    expect(signing.map((s) => ({ fn: s.fn, actions: s.actions, resources: s.resources }))).toEqual([
      { fn: "evidence", actions: ["kms:Sign"], resources: [{ "Fn::GetAtt": ["EvidenceSigningKey", "Arn"] }] },
    ]);
    expect(doc.functions.evidence.environment.EVIDENCE_SIGNING_KEY_ARN).toEqual({
      "Fn::GetAtt": ["EvidenceSigningKey", "Arn"],
    });
  });

  it.each(functionNames)("logs %s only to its own log group", (fn) => {
    const logs = roleStatements(roleOf(fn)).filter((s) => s.actions.some((a) => a.startsWith("logs:")));

    expect(logs.flatMap((s) => s.resources).map(text)).toEqual([
      `arn:\${AWS::Partition}:logs:\${AWS::Region}:\${AWS::AccountId}:log-group:/aws/lambda/\${AWS::StackName}-${fn}:*`,
    ]);
  });

  it.each(functionNames)("sends %s's failures only to its own dead-letter queue", (fn) => {
    const sqs = roleStatements(roleOf(fn)).filter((s) => s.actions.some((a) => a.startsWith("sqs:")));
    const queue = `${fn[0]?.toUpperCase()}${fn.slice(1)}DeadLetterQueue`;

    expect(sqs.flatMap((s) => s.resources)).toEqual([{ "Fn::GetAtt": [queue, "Arn"] }]);
  });

  it("reaches only the responder's own table, topic and bus", () => {
    const targets = (prefix: string) =>
      [
        ...new Set(
          everyStatement()
            .filter((s) => s.actions.some((a) => a.startsWith(prefix)) && !s.sid?.startsWith("Preflight"))
            .flatMap((s) => s.resources.map(text)),
        ),
      ].sort();

    expect(targets("dynamodb:")).toEqual(
      ['{"Fn::GetAtt":["IncidentTable","Arn"]}', "${IncidentTable.Arn}/index/byList"].sort(),
    );
    expect(targets("sns:")).toEqual(['{"Ref":"AlertTopic"}']);
    expect(targets("events:")).toEqual(['{"Fn::GetAtt":["ResponderBus","Arn"]}']);
  });

  it("writes evidence only under incidents/ of the evidence bucket, and can never delete it", () => {
    // contain-bucket's statement (customers' buckets) is checked on its own below.
    const s3 = everyStatement().filter(
      (s) =>
        s.effect === "Allow" &&
        s.actions.some((a) => a.startsWith("s3:")) &&
        s.sid !== "ContainBuckets" &&
        s.sid !== "PreflightEvidenceBucket",
    );
    const forbidden = /^s3:(Delete|PutBucket|PutLifecycle|BypassGovernance|PutObjectLegalHold|PutObjectAcl)/;

    expect(s3.flatMap((s) => s.resources.map(text)).sort()).toEqual(
      ['{"Fn::GetAtt":["EvidenceBucket","Arn"]}', "${EvidenceBucket.Arn}/incidents/*"].sort(),
    );
    expect(s3.flatMap((s) => s.actions).filter((a) => forbidden.test(a))).toEqual([]);
    // Listing the bucket is what turns a missing object's 403 into a 404: nothing else on the bucket.
    expect(
      s3.filter((s) => s.resources.some((r) => text(r).includes("GetAtt"))).flatMap((s) => s.actions),
    ).toEqual(["s3:ListBucket"]);
  });

  it("lets only triage's daily preflight read the stack's settings, and change nothing", () => {
    const preflight = everyStatement().filter((s) => s.sid?.startsWith("Preflight"));
    const reads = /^[a-z0-9]+:(Get|List|Describe|SimulatePrincipalPolicy$)/;

    expect(new Set(preflight.map((s) => s.fn))).toEqual(new Set(["triage"]));
    expect(preflight.every((s) => s.effect === "Allow")).toBe(true);
    // A data key proves the key works; it is discarded, and decrypts nothing already stored.
    expect(preflight.flatMap((s) => s.actions).filter((a) => !reads.test(a))).toEqual([
      "kms:GenerateDataKey",
    ]);
    const bySid = Object.fromEntries(preflight.map((s) => [s.sid, s.resources.map(text)]));
    expect(bySid.PreflightEvidenceBucket).toEqual(['{"Fn::GetAtt":["EvidenceBucket","Arn"]}']);
    expect(bySid.PreflightResponderKey).toEqual(['{"Fn::GetAtt":["ResponderKey","Arn"]}']);
    expect(bySid.PreflightAlertTopic).toEqual(['{"Ref":"AlertTopic"}']);
    expect(bySid.PreflightOwnRoles).toEqual([
      "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/${AWS::StackName}-*",
    ]);
  });

  it("changes buckets only from contain, only in its own account, and never deletes anything", () => {
    const buckets = everyStatement().filter((s) => s.sid === "ContainBuckets");

    expect(buckets.map((s) => s.fn)).toEqual(["contain"]);
    expect(buckets[0]?.condition).toEqual({
      StringEquals: { "aws:ResourceAccount": { Ref: "AWS::AccountId" } },
    });
    expect(buckets[0]?.actions.filter((a) => /^s3:(Delete|PutObject|PutLifecycle|Bypass)/.test(a))).toEqual(
      [],
    );
  });

  it("passes only the isolation role to EC2, and the clean-room stack role to CloudFormation", () => {
    const passing = (fn: string) =>
      roleStatements(roleOf(fn))
        .filter((s) => s.actions.includes("iam:PassRole"))
        .map((s) => ({ actions: s.actions, resources: s.resources, condition: s.condition }));
    const passes = (role: string, service: string) => [
      {
        actions: ["iam:PassRole"],
        resources: [{ "Fn::GetAtt": [role, "Arn"] }],
        condition: { StringEquals: { "iam:PassedToService": service } },
      },
    ];

    expect(passing("contain")).toEqual(passes("IsolationRole", "ec2.amazonaws.com"));
    expect(passing("cleanroom")).toEqual(passes("CleanroomStackRole", "cloudformation.amazonaws.com"));
    expect(functionNames.filter((fn) => !["contain", "cleanroom"].includes(fn)).flatMap(passing)).toEqual([]);
  });

  it("creates clean-room stacks only tagged, and only built by the clean-room stack role", () => {
    const create = roleStatements(roleOf("cleanroom")).filter((s) =>
      s.actions.includes("cloudformation:CreateStack"),
    );

    expect(create).toHaveLength(1);
    expect(create[0]?.condition).toEqual({
      StringEquals: {
        "aws:RequestTag/incident-responder:managed": "true",
        "cloudformation:RoleArn": { "Fn::GetAtt": ["CleanroomStackRole", "Arn"] },
      },
    });
  });

  it.each(functionNames)("lets %s assume only the member roles its sessions use", (fn) => {
    const assume = roleStatements(roleOf(fn)).filter((s) => s.actions.includes("sts:AssumeRole"));
    const roles = [...new Set(Object.values(MEMBER_SESSIONS[fn] ?? {}))]
      .map((p) => (p === "read" ? "incident-responder-member-read" : "incident-responder-member"))
      .sort();

    for (const s of assume) {
      expect(s.actions).toEqual(["sts:AssumeRole"]);
      // One branch per listed account (Fn::Split of the list), the other the organisation's.
      const arn = s.resources.length === 1 ? text(s.resources[0]) : JSON.stringify(s.resources);
      expect(arn).toMatch(/role\/incident-responder-member(-read)?\b/);
    }
    const named = assume.map((s) =>
      JSON.stringify(s).includes("member-read")
        ? "incident-responder-member-read"
        : "incident-responder-member",
    );
    expect([...new Set(named)].sort()).toEqual(roles);
    // Each role: the listed accounts, or the organisation (aws:ResourceOrgID).
    expect(assume.filter((s) => s.condition?.StringEquals?.["aws:ResourceOrgID"])).toHaveLength(roles.length);
  });

  it("moves interfaces onto the responder's own security groups only", () => {
    const modify = everyStatement().filter(
      (s) => s.effect === "Allow" && s.actions.includes("ec2:ModifyNetworkInterfaceAttribute"),
    );
    const onGroups = modify.filter((s) => s.resources.some((r) => /security-group|^"\*"$/.test(text(r))));

    expect(onGroups.length).toBeGreaterThan(0);
    for (const s of onGroups) {
      expect(s.resources.map(text)).toEqual([
        "arn:${AWS::Partition}:ec2:${AWS::Region}:${AWS::AccountId}:security-group/*",
      ]);
      expect(s.condition).toEqual({ StringEquals: { "aws:ResourceTag/incident-responder:managed": "true" } });
    }
  });

  it("changes the rules of the responder's own security groups only", () => {
    const rules = everyStatement().filter((s) =>
      s.actions.some((a) => /^ec2:(Authorize|Revoke)SecurityGroup(Ingress|Egress)$/.test(a)),
    );

    expect(rules.length).toBeGreaterThan(0);
    for (const s of rules) {
      expect(s.condition).toEqual({ StringEquals: { "aws:ResourceTag/incident-responder:managed": "true" } });
    }
  });

  it("never changes a resource tagged as protected, in any spelling of true", () => {
    // (NeverOwnOrServiceLinkedRoles, the other Deny, has no condition: it names roles by ARN.)
    const deny = roleStatements(roleOf("contain")).filter((s) => s.effect === "Deny" && s.condition);
    const mutating = functionActions("contain").filter((a) =>
      /^(ec2:(Modify|Stop|Associate|Disassociate|Replace|CreateTags)|autoscaling:(EnterStandby|DetachInstances)|elasticloadbalancing:DeregisterTargets)/.test(
        a,
      ),
    );

    expect(deny).toHaveLength(1);
    expect(deny[0]?.condition).toEqual({
      StringEqualsIgnoreCase: { "aws:ResourceTag/incident-responder:protected": "true" },
    });
    expect(mutating.filter((a) => !deny[0]?.actions.includes(a))).toEqual([]);
  });

  it("changes only the instance attributes containment protects (ec2:Attribute)", () => {
    const onInstances = roleStatements(roleOf("contain")).filter(
      (s) =>
        s.effect === "Allow" &&
        s.actions.includes("ec2:ModifyInstanceAttribute") &&
        s.resources.some((r) => text(r).includes(":instance/")),
    );

    expect(onInstances).toHaveLength(1);
    expect(onInstances[0]?.actions).toEqual(["ec2:ModifyInstanceAttribute"]);
    expect(onInstances[0]?.condition?.StringEqualsIgnoreCase?.["ec2:Attribute"]).toEqual([
      "BlockDeviceMapping",
      "BlockDeviceMappings",
      "DisableApiStop",
      "DisableApiTermination",
      "InstanceInitiatedShutdownBehavior",
    ]);
  });
});
