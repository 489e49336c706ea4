/**
 * `responder preflight` against the emulator: on a fresh local session (with the monitored
 * account's security baseline and someone subscribed to the alerts) every check passes or is
 * honestly `unsupported`; then one thing at a time is broken, and exactly that check fails.
 */
import { DeleteInstanceProfileCommand, RemoveRoleFromInstanceProfileCommand } from "@aws-sdk/client-iam";
import { DisableKeyCommand, EnableKeyCommand } from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
} from "@aws-sdk/client-s3";
import { ListSubscriptionsByTopicCommand, UnsubscribeCommand } from "@aws-sdk/client-sns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { preflightPlan, preflightTable } from "../../cli/commands/preflight.ts";
import { subscribeAlerts } from "../../cli/drill/run.ts";
import { seedSecurityBaseline } from "../../cli/local/baseline.ts";
import { LOCAL_STAGE } from "../../cli/local/environment.ts";
import { type LocalSession, startLocalSession } from "../../cli/local/session.ts";
import { iamClient, kmsClient, s3Client, snsClient, sqsClient } from "../../shared/aws/clients.ts";
import { type PreflightPlan, runPreflight } from "../../shared/preflight/run.ts";
import type { CheckResult, PreflightReport } from "../../shared/preflight/types.ts";
import { runCli } from "../support/cli.ts";
import { resetEmulator } from "../support/emulator.ts";

let session: LocalSession;
let plan: PreflightPlan;
let baseline: PreflightReport;

/** Each result's status by account/region/check (and, for role checks, the principal). */
function statuses(report: PreflightReport): Record<string, string> {
  const key = (r: CheckResult) =>
    `${r.account}/${r.region}/${r.check}${r.check === "role-actions" ? `/${/role\/[\w+=,.@-]+/.exec(r.reason)?.[0]}` : ""}`;
  return Object.fromEntries(report.results.map((r) => [key(r), r.status]));
}

/** The checks whose status differs from the baseline's. */
function changed(report: PreflightReport): Record<string, string> {
  const before = statuses(baseline);
  return Object.fromEntries(Object.entries(statuses(report)).filter(([k, s]) => before[k] !== s));
}

beforeAll(async () => {
  await resetEmulator();
  session = await startLocalSession({ maxAttempts: 1 });
  const account = session.local.context.accountId;
  await seedSecurityBaseline(session.aws, account);
  await subscribeAlerts(
    { sqs: sqsClient(session.aws), sns: snsClient(session.aws) },
    session.local.resources.alertTopicArn,
    "preflight-alert-listener",
  );
  plan = preflightPlan({
    aws: session.aws,
    resources: session.local.resources,
    account,
    stage: LOCAL_STAGE,
    local: true,
    env: {},
  });
  baseline = await runPreflight(plan);
  console.error(preflightTable(baseline));
});

afterAll(async () => {
  await session?.stop();
});

describe("responder preflight against the emulator", () => {
  it("passes every check it can make on a fresh local session, and says which it cannot", () => {
    const byCheck = Object.fromEntries(baseline.results.map((r) => [r.check, r.status]));

    expect(baseline.results.filter((r) => r.status === "fail")).toEqual([]);
    expect(baseline.ok).toBe(true);
    expect(byCheck).toMatchObject({
      "isolation-profile": "pass",
      "isolation-groups": "pass",
      guardduty: "pass",
      cloudtrail: "pass",
      securityhub: "pass",
      config: "pass",
      "evidence-versioning": "pass",
      "evidence-object-lock": "pass",
      "evidence-policy": "pass",
      "evidence-key": "pass",
      "alert-subscription": "pass",
    });
    // moto has no policy simulator: each function role's actions are unsupported, never pass.
    const roles = baseline.results.filter((r) => r.check === "role-actions");
    expect(roles.length).toBe(5);
    expect(new Set(roles.map((r) => r.status))).toEqual(new Set(["unsupported"]));
  });

  it("fails only the alert-subscription check when nobody is subscribed", async () => {
    const sns = snsClient(session.aws);
    const topicArn = session.local.resources.alertTopicArn;
    const subs =
      (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? [];
    for (const s of subs) await sns.send(new UnsubscribeCommand({ SubscriptionArn: s.SubscriptionArn }));

    const report = await runPreflight(plan);

    expect(changed(report)).toEqual({
      [`${plan.ownAccount}/${session.aws.region}/alert-subscription`]: "fail",
    });
    expect(report.ok).toBe(false);
    await subscribeAlerts({ sqs: sqsClient(session.aws), sns }, topicArn, "preflight-alert-listener");
    expect(changed(await runPreflight(plan))).toEqual({});
  });

  it("fails only the evidence-key check when the KMS key is disabled", async () => {
    const kms = kmsClient(session.aws);
    // The emulator finds a key to disable by its id only, not by its ARN.
    const keyId = (plan.responder.keyId ?? "").split("/").pop() ?? "";
    await kms.send(new DisableKeyCommand({ KeyId: keyId }));
    try {
      const report = await runPreflight(plan);

      expect(changed(report)).toEqual({ [`${plan.ownAccount}/${session.aws.region}/evidence-key`]: "fail" });
      expect(report.results.find((r) => r.check === "evidence-key")?.reason).toMatch(/Disabled/);
    } finally {
      await kms.send(new EnableKeyCommand({ KeyId: keyId }));
    }
  });

  it("fails only the object-lock check on an evidence bucket without Object Lock", async () => {
    const s3 = s3Client(session.aws);
    const bucket = "preflight-evidence-nolock";
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
    const policy =
      (await s3.send(new GetBucketPolicyCommand({ Bucket: plan.responder.bucket }))).Policy ?? "";
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: policy.split(plan.responder.bucket).join(bucket),
      }),
    );

    const report = await runPreflight({ ...plan, responder: { ...plan.responder, bucket } });

    expect(changed(report)).toEqual({
      [`${plan.ownAccount}/${session.aws.region}/evidence-object-lock`]: "fail",
    });
  });

  it("fails only the versioning check when the evidence bucket's versioning is suspended", async () => {
    const s3 = s3Client(session.aws);
    const bucket = "preflight-evidence-suspended";
    await s3.send(new CreateBucketCommand({ Bucket: bucket, ObjectLockEnabledForBucket: true }));
    // The lock configuration and policy the stack gives the real bucket, on a bucket whose versioning is then suspended.
    const { PutObjectLockConfigurationCommand } = await import("@aws-sdk/client-s3");
    await s3.send(
      new PutObjectLockConfigurationCommand({
        Bucket: bucket,
        ObjectLockConfiguration: {
          ObjectLockEnabled: "Enabled",
          Rule: { DefaultRetention: { Mode: "COMPLIANCE", ...retention(plan) } },
        },
      }),
    );
    const policy =
      (await s3.send(new GetBucketPolicyCommand({ Bucket: plan.responder.bucket }))).Policy ?? "";
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: policy.split(plan.responder.bucket).join(bucket),
      }),
    );
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }),
    );

    const report = await runPreflight({ ...plan, responder: { ...plan.responder, bucket } });

    expect(changed(report)).toEqual({
      [`${plan.ownAccount}/${session.aws.region}/evidence-versioning`]: "fail",
    });
  });

  it("fails only the isolation-profile check when the isolation profile is deleted", async () => {
    const iam = iamClient(session.aws);
    const name = plan.ownIsolationProfileName;
    const { GetInstanceProfileCommand } = await import("@aws-sdk/client-iam");
    const profile = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }));
    for (const role of profile.InstanceProfile?.Roles ?? [])
      await iam.send(
        new RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: name, RoleName: role.RoleName }),
      );
    await iam.send(new DeleteInstanceProfileCommand({ InstanceProfileName: name }));

    const report = await runPreflight(plan);

    expect(changed(report)).toEqual({
      [`${plan.ownAccount}/${session.aws.region}/isolation-profile`]: "fail",
    });
    expect(report.results.find((r) => r.check === "isolation-profile")?.reason).toMatch(/NoSuchEntity/);
  });

  it("exits 1 from the command line with --json when a check fails, naming it", async () => {
    const sns = snsClient(session.aws);
    const topicArn = session.local.resources.alertTopicArn;
    const subs =
      (await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }))).Subscriptions ?? [];
    for (const s of subs) await sns.send(new UnsubscribeCommand({ SubscriptionArn: s.SubscriptionArn }));

    const res = await runCli(["preflight", "--json"]);

    expect(res.code).toBe(1);
    const report = JSON.parse(res.stdout.trim()) as PreflightReport;
    expect(report.ok).toBe(false);
    expect(report.results.find((r) => r.check === "alert-subscription")?.status).toBe("fail");
  });
});

function retention(p: PreflightPlan): { Days: number } | { Years: number } {
  return p.responder.retention.days !== undefined
    ? { Days: p.responder.retention.days }
    : { Years: p.responder.retention.years ?? 1 };
}
