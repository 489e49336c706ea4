/**
 * The AWS reads of preflight: each gathers one observation (./types.ts `Observed`) and never
 * changes anything. The only call that could makes nothing that lasts (a KMS data key,
 * discarded); the CreateSecurityGroup dry run is the CLI's (cli/preflight/dry-run.ts), never a
 * function's. An API the endpoint does not
 * implement is observed as `unsupported`; any other error is kept as the reason.
 */
import {
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
  ListTrailsCommand,
} from "@aws-sdk/client-cloudtrail";
import { DescribeConfigurationRecorderStatusCommand } from "@aws-sdk/client-config-service";
import { DescribeRuleCommand, ListRuleNamesByTargetCommand } from "@aws-sdk/client-eventbridge";
import { GetDetectorCommand, ListDetectorsCommand } from "@aws-sdk/client-guardduty";
import {
  GetInstanceProfileCommand,
  GetPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  SimulatePrincipalPolicyCommand,
} from "@aws-sdk/client-iam";
import { DescribeKeyCommand, GenerateDataKeyCommand } from "@aws-sdk/client-kms";
import {
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
} from "@aws-sdk/client-s3";
import { DescribeHubCommand } from "@aws-sdk/client-securityhub";
import { ListSubscriptionsByTopicCommand } from "@aws-sdk/client-sns";
import {
  type ClientOptions,
  cloudTrailClient,
  configServiceClient,
  eventsClient,
  guardDutyClient,
  iamClient,
  kmsClient,
  s3Client,
  securityHubClient,
  snsClient,
} from "../aws/clients.ts";
import { errorCode, isNotImplemented } from "../aws/errors.ts";
import {
  managementEvents,
  type ObjectLockObservation,
  type PolicyStatement,
  type ProfileObservation,
  type SimulatedDecision,
  type TrailObservation,
} from "./judge.ts";
import type { Observed } from "./types.ts";

/** Runs a read: its value, `unsupported` when the endpoint lacks the API, else the error. */
export async function observe<T>(api: string, read: () => Promise<T>): Promise<Observed<T>> {
  try {
    return { kind: "ok", value: await read() };
  } catch (err) {
    if (isNotImplemented(err))
      return { kind: "unsupported", reason: `${api} is not implemented by this endpoint` };
    const code = errorCode(err);
    return {
      kind: "error",
      reason: `${api}: ${code ? `${code}: ` : ""}${(err as Error).message}`.slice(0, 300),
    };
  }
}

/** IAM's decision for each action, for the principal (SimulatePrincipalPolicy, 100 actions a page). */
export function simulate(
  o: ClientOptions,
  principalArn: string,
  actions: readonly string[],
): Promise<Observed<{ principalArn: string; decisions: SimulatedDecision[] }>> {
  const iam = iamClient(o);
  return observe("iam:SimulatePrincipalPolicy", async () => {
    const decisions: SimulatedDecision[] = [];
    for (let i = 0; i < actions.length; i += 100) {
      let marker: string | undefined;
      do {
        const out = await iam.send(
          new SimulatePrincipalPolicyCommand({
            PolicySourceArn: principalArn,
            ActionNames: actions.slice(i, i + 100),
            ...(marker ? { Marker: marker } : {}),
          }),
        );
        for (const r of out.EvaluationResults ?? [])
          decisions.push({ action: r.EvalActionName ?? "", decision: r.EvalDecision ?? "" });
        marker = out.IsTruncated ? out.Marker : undefined;
      } while (marker);
    }
    return { principalArn, decisions };
  });
}

function statementsOf(document: string | undefined): PolicyStatement[] {
  if (!document) return [];
  const doc = JSON.parse(decodeURIComponent(document)) as { Statement?: PolicyStatement | PolicyStatement[] };
  return Array.isArray(doc.Statement) ? doc.Statement : doc.Statement ? [doc.Statement] : [];
}

/** The instance profile, its roles, and every statement of their inline and attached policies. */
export function readIsolationProfile(
  o: ClientOptions,
  profileName: string,
): Promise<Observed<ProfileObservation>> {
  const iam = iamClient(o);
  return observe("iam:GetInstanceProfile", async () => {
    const profile = await iam.send(new GetInstanceProfileCommand({ InstanceProfileName: profileName }));
    const roles: ProfileObservation["roles"] = [];
    for (const role of profile.InstanceProfile?.Roles ?? []) {
      const roleName = role.RoleName ?? "";
      const statements: PolicyStatement[] = [];
      const inline = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
      for (const name of inline.PolicyNames ?? []) {
        const p = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: name }));
        statements.push(...statementsOf(p.PolicyDocument));
      }
      const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
      for (const a of attached.AttachedPolicies ?? []) {
        const p = await iam.send(new GetPolicyCommand({ PolicyArn: a.PolicyArn }));
        const v = await iam.send(
          new GetPolicyVersionCommand({ PolicyArn: a.PolicyArn, VersionId: p.Policy?.DefaultVersionId }),
        );
        statements.push(...statementsOf(v.PolicyVersion?.Document));
      }
      roles.push({ roleName, statements });
    }
    return { profileName, roles };
  });
}

/** GuardDuty detectors of the region and their status. */
export function readDetectors(o: ClientOptions): Promise<Observed<{ detectorId: string; status: string }[]>> {
  const gd = guardDutyClient(o);
  return observe("guardduty:ListDetectors", async () => {
    const ids = (await gd.send(new ListDetectorsCommand({}))).DetectorIds ?? [];
    const out: { detectorId: string; status: string }[] = [];
    for (const detectorId of ids) {
      const d = await gd.send(new GetDetectorCommand({ DetectorId: detectorId }));
      out.push({ detectorId, status: d.Status ?? "" });
    }
    return out;
  });
}

/** Rules on the default bus whose targets include `targetArn`, with their state. */
export function readForwarding(
  o: ClientOptions,
  targetArn: string,
): Promise<Observed<{ rules: { name: string; state: string }[]; target: string }>> {
  const events = eventsClient(o);
  return observe("events:ListRuleNamesByTarget", async () => {
    const names =
      (await events.send(new ListRuleNamesByTargetCommand({ TargetArn: targetArn }))).RuleNames ?? [];
    const rules: { name: string; state: string }[] = [];
    for (const name of names) {
      const r = await events.send(new DescribeRuleCommand({ Name: name }));
      rules.push({ name, state: r.State ?? "" });
    }
    return { rules, target: targetArn };
  });
}

/** Every trail of the region: logging or not, and its management-event selectors. */
export function readTrails(o: ClientOptions): Promise<Observed<TrailObservation[]>> {
  const ct = cloudTrailClient(o);
  return observe("cloudtrail:ListTrails", async () => {
    const out: TrailObservation[] = [];
    for (const t of (await ct.send(new ListTrailsCommand({}))).Trails ?? []) {
      const name = t.TrailARN ?? t.Name ?? "";
      const status = await ct.send(new GetTrailStatusCommand({ Name: name }));
      const sel = await ct.send(new GetEventSelectorsCommand({ TrailName: name }));
      out.push({
        name: t.Name ?? name,
        isLogging: status.IsLogging === true,
        management: managementEvents({
          classic: sel.EventSelectors ?? [],
          advanced: (sel.AdvancedEventSelectors ?? []) as never,
        }),
      });
    }
    return out;
  });
}

/** Security Hub's hub in the region (ResourceNotFound / InvalidAccess when not enabled). */
export function readHub(o: ClientOptions): Promise<Observed<{ hubArn: string }>> {
  const hub = securityHubClient(o);
  return observe("securityhub:DescribeHub", async () => ({
    hubArn: (await hub.send(new DescribeHubCommand({}))).HubArn ?? "",
  }));
}

/** AWS Config recorders of the region and whether each is recording. */
export function readRecorders(o: ClientOptions): Promise<Observed<{ name: string; recording: boolean }[]>> {
  const cfg = configServiceClient(o);
  return observe("config:DescribeConfigurationRecorderStatus", async () =>
    (
      (await cfg.send(new DescribeConfigurationRecorderStatusCommand({}))).ConfigurationRecordersStatus ?? []
    ).map((r) => ({ name: r.name ?? "", recording: r.recording === true })),
  );
}

/** The evidence bucket's versioning, Object Lock configuration and policy statement ids. */
export async function readBucket(o: ClientOptions, bucket: string) {
  const s3 = s3Client(o);
  const versioning = await observe("s3:GetBucketVersioning", async () => ({
    status: (await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status as string | undefined,
  }));
  const lock = await observe(
    "s3:GetObjectLockConfiguration",
    async (): Promise<ObjectLockObservation | undefined> => {
      try {
        const c = (await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })))
          .ObjectLockConfiguration;
        const r = c?.Rule?.DefaultRetention;
        return {
          ...(c?.ObjectLockEnabled ? { enabled: c.ObjectLockEnabled } : {}),
          ...(r?.Mode ? { mode: r.Mode } : {}),
          ...(r?.Days !== undefined ? { days: r.Days } : {}),
          ...(r?.Years !== undefined ? { years: r.Years } : {}),
        };
      } catch (err) {
        if (errorCode(err) === "ObjectLockConfigurationNotFoundError") return undefined;
        throw err;
      }
    },
  );
  const policy = await observe("s3:GetBucketPolicy", async () => {
    try {
      const text = (await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy;
      return { sids: statementsOf(text).map((s) => (s as { Sid?: string }).Sid ?? "") };
    } catch (err) {
      if (errorCode(err) === "NoSuchBucketPolicy") return undefined;
      throw err;
    }
  });
  return { versioning, lock, policy };
}

/** The key's state (DescribeKey), and whether it gives a data key (discarded at once). */
export function readKey(
  o: ClientOptions,
  keyId: string,
): Promise<Observed<{ keyId: string; state: string; dataKey: Observed<true> }>> {
  const kms = kmsClient(o);
  return observe("kms:DescribeKey", async () => {
    const meta = (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata;
    const dataKey = await observe("kms:GenerateDataKey", async () => {
      await kms.send(new GenerateDataKeyCommand({ KeyId: keyId, KeySpec: "AES_256" }));
      return true as const;
    });
    return { keyId: meta?.KeyId ?? keyId, state: meta?.KeyState ?? "", dataKey };
  });
}

/** The topic's subscriptions (every page). */
export function readSubscriptions(
  o: ClientOptions,
  topicArn: string,
): Promise<Observed<{ protocol: string; arn: string }[]>> {
  const sns = snsClient(o);
  return observe("sns:ListSubscriptionsByTopic", async () => {
    const out: { protocol: string; arn: string }[] = [];
    let token: string | undefined;
    do {
      const page = await sns.send(
        new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, ...(token ? { NextToken: token } : {}) }),
      );
      for (const s of page.Subscriptions ?? [])
        out.push({ protocol: s.Protocol ?? "", arn: s.SubscriptionArn ?? "" });
      token = page.NextToken;
    } while (token);
    return out;
  });
}
