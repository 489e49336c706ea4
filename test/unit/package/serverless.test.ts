// biome-ignore-all lint/suspicious/noTemplateCurlyInString: "${…}" here is CloudFormation Fn::Sub syntax.
/**
 * The deployment's reliability and security settings, read from serverless.yml (no packaging):
 * what every function must have, so that adding one without them fails here.
 */

import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { assetsOf, ESBUILD_OPTIONS, layoutProblems, policyJson } from "../../../scripts/build.mjs";
import { LEASE_MS } from "../../../shared/actions/step-names.ts";
import { type Json, serverlessDoc, text } from "../iam/roles.ts";
import { repoRoot } from "../iam/sources.ts";

const doc = serverlessDoc();
const resources: Record<string, Json> = doc.resources.Resources;
const functionNames = Object.keys(doc.functions);
const cap = (s: string) => `${s[0]?.toUpperCase()}${s.slice(1)}`;
const dlqArn = (fn: string) => ({ "Fn::GetAtt": [`${cap(fn)}DeadLetterQueue`, "Arn"] });
const statement = (policy: Json, sid: string) =>
  policy.PolicyDocument.Statement.find((s: Json) => s.Sid === sid);

describe("serverless.yml: every function", () => {
  it.each(functionNames)("%s has the layout scripts/build.mjs produces", (fn) => {
    expect(
      layoutProblems(fn, doc.functions[fn]).filter((p: string) => !p.includes("does not exist")),
    ).toEqual([]);
  });

  it.each(functionNames)(
    "%s retries asynchronous invocations, then sends them to its own dead-letter queue",
    (fn) => {
      const f = doc.functions[fn];

      expect(f.maximumRetryAttempts).toBe(2);
      expect(f.maximumEventAge).toBeGreaterThanOrEqual(3600);
      expect(f.destinations).toEqual({ onFailure: { type: "sqs", arn: dlqArn(fn) } });
    },
  );

  it.each(Object.keys(LEASE_MS))(
    "%s's step claims outlast its timeout, by at most a minute (a live worker keeps its claim; a retry takes it back)",
    (fn) => {
      const timeoutMs = 1000 * Number(doc.functions[fn].timeout ?? doc.provider.timeout);
      const lease = LEASE_MS[fn as keyof typeof LEASE_MS];

      expect(lease).toBeGreaterThan(timeoutMs);
      expect(lease).toBeLessThanOrEqual(timeoutMs + 60_000);
    },
  );

  it.each(functionNames)(
    "%s has reserved concurrency: a flood is throttled at its ceiling, never the account",
    (fn) => {
      const reserved = doc.functions[fn].reservedConcurrency;

      expect(Number.isInteger(reserved), `${fn}: ${reserved}`).toBe(true);
      expect(reserved).toBeGreaterThan(0);
      expect(reserved).toBe(doc.custom.responder.reservedConcurrency[fn]);
    },
  );

  it("keeps containment's reserve the largest, and the sum within an account's default limit", () => {
    const reserved = Object.fromEntries(
      functionNames.map((fn) => [fn, Number(doc.functions[fn].reservedConcurrency)]),
    );
    const total = Object.values(reserved).reduce((n, r) => n + r, 0);

    for (const fn of functionNames.filter((f) => f !== "contain"))
      expect(reserved.contain, fn).toBeGreaterThan(reserved[fn] ?? 0);
    // Lambda keeps 100 unreserved; docs/configuration.md states the limit this needs.
    expect(total).toBeLessThanOrEqual(100);
    expect(readFileSync(join(repoRoot, "docs", "configuration.md"), "utf8")).toContain(
      `at least ${total + 100}`,
    );
  });

  it("re-drives stalled lanes on a schedule, and runs the preflight daily", () => {
    const schedules = (doc.functions.triage.events ?? []).filter((e: Json) => e.schedule);
    // The first is the one the local runner's runScheduled("triage") runs.
    expect(schedules).toEqual([
      { schedule: "rate(5 minutes)" },
      { schedule: { rate: "rate(1 day)", name: `${doc.service}-${doc.provider.stage}-preflight` } },
    ]);
  });

  it.each(functionNames)(
    "%s's EventBridge rules retry delivery, then send to its own dead-letter queue",
    (fn) => {
      const rules = (doc.functions[fn].events ?? []).filter((e: Json) => e.eventBridge);

      for (const { eventBridge } of rules) {
        expect(eventBridge.retryPolicy).toEqual({ maximumRetryAttempts: 24, maximumEventAge: 14400 });
        expect(eventBridge.deadLetterQueueArn).toEqual(dlqArn(fn));
      }
    },
  );

  it.each(functionNames)("%s has an encrypted dead-letter queue, and alarms on it and on errors", (fn) => {
    const queue = resources[`${cap(fn)}DeadLetterQueue`];
    const depth = resources[`${cap(fn)}DeadLetterAlarm`];
    const errors = resources[`${cap(fn)}ErrorsAlarm`];

    expect(queue?.Properties.KmsMasterKeyId).toEqual({ Ref: "ResponderKey" });
    expect(depth?.Properties).toMatchObject({
      Namespace: "AWS/SQS",
      MetricName: "ApproximateNumberOfMessagesVisible",
      Dimensions: [
        { Name: "QueueName", Value: { "Fn::GetAtt": [`${cap(fn)}DeadLetterQueue`, "QueueName"] } },
      ],
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 0,
      AlarmActions: [{ Ref: "AlertTopic" }],
    });
    expect(errors?.Properties).toMatchObject({
      Namespace: "AWS/Lambda",
      MetricName: "Errors",
      Dimensions: [{ Name: "FunctionName", Value: { Ref: `${cap(fn)}LambdaFunction` } }],
      ComparisonOperator: "GreaterThanThreshold",
      Threshold: 0,
      AlarmActions: [{ Ref: "AlertTopic" }],
    });
  });

  it("lets EventBridge rules of this account only, over TLS only, write to the dead-letter queues", () => {
    const policy = resources.DeadLetterQueuePolicy.Properties;
    const allow = statement(policy, "UndeliverableEventsOfThisAccount");

    expect(policy.Queues).toEqual(functionNames.map((fn) => ({ Ref: `${cap(fn)}DeadLetterQueue` })));
    expect(allow.Resource).toEqual(functionNames.map(dlqArn));
    expect(allow.Principal).toEqual({ Service: "events.amazonaws.com" });
    expect(text(allow.Condition.ArnLike["aws:SourceArn"])).toBe(
      "arn:${AWS::Partition}:events:${AWS::Region}:${AWS::AccountId}:rule/*",
    );
    expect(statement(policy, "DenyInsecureTransport").Condition).toEqual({
      Bool: { "aws:SecureTransport": "false" },
    });
  });

  it.each(functionNames)("%s silences only the W3005 warning osls causes", (fn) => {
    expect(doc.resources.extensions[`${cap(fn)}LambdaFunction`]).toEqual({
      Metadata: { "cfn-lint": { config: { ignore_checks: ["W3005"] } } },
    });
  });

  it("ships the clean-room template only in the clean room's bundle", () => {
    expect(assetsOf("triage")).toEqual({ "policy.json": "policy/default.yaml" });
    expect(assetsOf("cleanroom")).toEqual({
      "policy.json": "policy/default.yaml",
      "cleanroom.yaml": "infra/cleanroom.yaml",
    });
    expect(doc.functions.cleanroom?.environment).toEqual({
      CLEANROOM_TEMPLATE_FILE: "/var/task/cleanroom.yaml",
      CLEANROOM_STACK_ROLE_ARN: { "Fn::GetAtt": ["CleanroomStackRole", "Arn"] },
      CLEANROOM_WORKSTATION_BOUNDARY_ARN: { Ref: "CleanroomWorkstationBoundary" },
    });
  });
});

/** Bundles one line of source as the build does, into a new directory: the bundle's path. */
async function bundleInto(prefix: string, contents: string): Promise<{ dir: string; out: string }> {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const out = join(dir, "index.mjs");
  await build({
    ...ESBUILD_OPTIONS,
    stdin: { contents, resolveDir: repoRoot, loader: "ts" },
    outfile: out,
    sourcemap: false,
    metafile: false,
  });
  return { dir, out };
}

describe("the policy shipped in the bundles", () => {
  it("is the YAML policy as JSON, checked by the project's loader", async () => {
    const json = JSON.parse(await policyJson(join(repoRoot, "policy", "default.yaml")));
    expect(json).toEqual(parseYaml(readFileSync(join(repoRoot, "policy", "default.yaml"), "utf8")));
  });

  it("is all a bundle reads: the YAML parser is left out, and a YAML policy refused clearly", async () => {
    const { dir, out } = await bundleInto(
      "policy-bundle-",
      'export { loadPolicy } from "./shared/policy/load.ts";',
    );
    expect(readFileSync(out, "utf8")).not.toContain("LineCounter");
    const { loadPolicy } = (await import(out)) as typeof import("../../../shared/policy/load.ts");
    const json = join(dir, "policy.json");
    writeFileSync(json, await policyJson(join(repoRoot, "policy", "default.yaml")));

    expect(loadPolicy(json).playbooks.length).toBeGreaterThan(0);
    expect(() => loadPolicy(join(repoRoot, "policy", "default.yaml"))).toThrow(/reads its policy as JSON/);
  });

  it("is found by a bundle without POLICY_FILE: the policy.json next to it", async () => {
    const { dir, out } = await bundleInto(
      "policy-default-",
      'export { defaultPolicyFile } from "./shared/config/index.ts";',
    );
    writeFileSync(join(dir, "policy.json"), "{}");
    const { defaultPolicyFile } = (await import(out)) as typeof import("../../../shared/config/index.ts");

    expect(defaultPolicyFile()).toBe(join(dir, "policy.json"));
  });

  it("is refused at build time, with its line, when the YAML is wrong", async () => {
    const bad = join(mkdtempSync(join(tmpdir(), "policy-")), "policy.yaml");
    writeFileSync(
      bad,
      readFileSync(join(repoRoot, "policy", "default.yaml"), "utf8").replace(
        "- name: contain-instance",
        "- name: isolate-instance",
      ),
    );
    await expect(policyJson(bad)).rejects.toThrow(/policy\.yaml:\d+: .*unknown action "isolate-instance"/);
  });
});

describe("serverless.yml: the responder's own security", () => {
  it("reads the policy shipped in the bundle and keeps secrets out of the environment", () => {
    const env: Record<string, unknown> = doc.provider.environment;

    expect(env.POLICY_FILE).toBe("/var/task/policy.json");
    expect(Object.keys(env).filter((k) => /SECRET|PASSWORD|TOKEN|ACCESS_KEY|PRIVATE/.test(k))).toEqual([]);
    expect(env.MEMBER_ROLE_NAME).toBe("incident-responder-member");
    expect(env.MEMBER_EXTERNAL_ID).toBe("");
    expect(env.ISOLATION_PROFILE_NAME).toBe("incident-responder-isolation");
    expect(env.DRY_RUN).toBe("false");
    expect(env.POWERTOOLS_LOGGER_LOG_EVENT).toBe("false");
  });

  it("takes the organisation, member role and external id from the deployer's environment", () => {
    const custom = serverlessDoc({
      RESPONDER_ORGANIZATION_ID: "o-abcdefghij",
      RESPONDER_MEMBER_ROLE_NAME: "ir-member",
      RESPONDER_MEMBER_EXTERNAL_ID: "ir-prod-7f3a9c",
      RESPONDER_DRY_RUN: "true",
      RESPONDER_ISOLATION_PROFILE_NAME: "ir-deny-all",
    });

    expect(custom.resources.Parameters.OrganizationId.Default).toBe("o-abcdefghij");
    expect(custom.provider.environment).toMatchObject({
      MEMBER_ROLE_NAME: "ir-member",
      MEMBER_EXTERNAL_ID: "ir-prod-7f3a9c",
      DRY_RUN: "true",
      ISOLATION_PROFILE_NAME: "ir-deny-all",
    });
    expect(new RegExp(doc.resources.Parameters.OrganizationId.AllowedPattern).test("o-abcdefghij")).toBe(
      true,
    );
    expect(new RegExp(doc.resources.Parameters.OrganizationId.AllowedPattern).test("")).toBe(true);
  });

  it("lets the organisation's accounts put events on the default bus, only when an organisation is set", () => {
    const policy = resources.OrganizationEventBusPolicy;

    expect(policy.Condition).toBe("HasOrganization");
    expect(doc.resources.Conditions.HasOrganization).toEqual({
      "Fn::Not": [{ "Fn::Equals": [{ Ref: "OrganizationId" }, ""] }],
    });
    expect(policy.Properties.EventBusName).toBe("default");
    expect(policy.Properties.Statement).toMatchObject({
      Effect: "Allow",
      Action: "events:PutEvents",
      Condition: { StringEquals: { "aws:PrincipalOrgID": { Ref: "OrganizationId" } } },
    });
  });

  it("encrypts the alert topic and the queues with the responder's key, which lets the publishing services in", () => {
    const key = resources.ResponderKey.Properties.KeyPolicy;

    expect(resources.AlertTopic.Properties.KmsMasterKeyId).toEqual({ Ref: "ResponderKey" });
    // Each service only on behalf of this account (aws:SourceAccount): test/unit/iam/guards.test.ts
    // decides it with the policy simulator.
    expect(statement({ PolicyDocument: key }, "EventBridgeRulesOfThisAccount")).toMatchObject({
      Principal: { Service: "events.amazonaws.com" },
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
    });
    expect(statement({ PolicyDocument: key }, "CloudWatchAlarmsOfThisAccount")).toMatchObject({
      Principal: { Service: "cloudwatch.amazonaws.com" },
      Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
      Condition: { StringEquals: { "aws:SourceAccount": { Ref: "AWS::AccountId" } } },
    });
  });

  it("lets only this account's alarms publish to the alert topic from outside the account's roles", () => {
    const policy = resources.AlertTopicPolicy.Properties;

    expect(policy.PolicyDocument.Statement).toHaveLength(1);
    expect(statement(policy, "AlarmsOfThisAccount").Principal).toEqual({
      Service: "cloudwatch.amazonaws.com",
    });
  });

  it("denies insecure transport, evidence deletion, early unlocking and bucket deletion on the evidence bucket", () => {
    const policy = resources.EvidenceBucketPolicy.Properties;
    const denied = (sid: string) => [statement(policy, sid)?.Action].flat();

    expect(statement(policy, "DenyInsecureTransport").Condition).toEqual({
      Bool: { "aws:SecureTransport": "false" },
    });
    expect(denied("DenyEvidenceDeletion")).toEqual(
      expect.arrayContaining(["s3:DeleteObject", "s3:DeleteObjectVersion", "s3:BypassGovernanceRetention"]),
    );
    expect(denied("DenyBucketDeletion")).toEqual(["s3:DeleteBucket"]);
    expect(statement(policy, "DenyBucketDeletion").Condition).toBeUndefined();
    expect(denied("DenyRetentionChangesExceptByTheEvidenceFunction")).toEqual(["s3:PutObjectRetention"]);
    expect(denied("DenyProtectionChangesOutsideTheDeployment")).toEqual(
      expect.arrayContaining(["s3:PutBucketObjectLockConfiguration", "s3:PutBucketVersioning"]),
    );
    for (const s of policy.PolicyDocument.Statement) expect(s.Effect).toBe("Deny");
  });

  it("keeps the evidence bucket, the incident table and the key that encrypts them when the stack is removed", () => {
    for (const id of ["EvidenceBucket", "IncidentTable", "ResponderKey"]) {
      expect(resources[id]).toMatchObject({ DeletionPolicy: "Retain", UpdateReplacePolicy: "Retain" });
    }
  });

  it("traces every function", () => {
    expect(doc.provider.tracing).toEqual({ lambda: true });
    expect(doc.provider.runtime).toBe("nodejs22.x");
  });
});
