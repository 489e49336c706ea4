/**
 * Creates the responder's own resources in the local emulator from the `resources` section
 * of serverless.yml — the same CloudFormation definitions the deployment uses. The emulator's
 * own CloudFormation drops properties that matter here (Object Lock, lifecycle, public access
 * block), so each supported resource type is applied with the service APIs, property by
 * property; a property or type this file does not know is an error, never silently dropped.
 * Every step is idempotent: provisioning twice changes nothing.
 */
import { CreateTableCommand, type DynamoDBClient, ResourceInUseException } from "@aws-sdk/client-dynamodb";
import { CreateEventBusCommand, type EventBridgeClient } from "@aws-sdk/client-eventbridge";
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  GetInstanceProfileCommand,
  GetRoleCommand,
  type IAMClient,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  EnableKeyRotationCommand,
  type KMSClient,
} from "@aws-sdk/client-kms";
import {
  CreateBucketCommand,
  GetObjectLockConfigurationCommand,
  HeadBucketCommand,
  PutBucketEncryptionCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
  PutPublicAccessBlockCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { CreateTopicCommand, type SNSClient } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { ConfigError } from "../errors/index.ts";
import type { Json } from "./serverless.ts";

/** Clients the provisioner needs. */
export interface ProvisionClients {
  s3: S3Client;
  kms: KMSClient;
  dynamodb: DynamoDBClient;
  sns: SNSClient;
  sqs: SQSClient;
  events: EventBridgeClient;
  iam: IAMClient;
}

export interface StackContext {
  /** True when the endpoint is plain HTTP (the emulator): TLS-only policy statements cannot hold. */
  plainHttp?: boolean;
  stackName: string;
  accountId: string;
  region: string;
  partition: string;
}

/** What a created resource answers to `Ref` and `Fn::GetAtt`. */
export interface Physical {
  type: string;
  ref: string;
  attrs: Record<string, string>;
}

export interface ProvisionResult {
  physical: Record<string, Physical>;
  outputs: Record<string, string>;
  /** Resources not created locally, with the reason. */
  skipped: { logicalId: string; type: string; reason: string }[];
}

/** Types that exist only for the deployed Lambda functions; the local runner needs none of them. */
const NOT_NEEDED_LOCALLY: Record<string, string> = {
  "AWS::CloudWatch::Alarm": "alarms watch deployed functions and queues",
  "AWS::SQS::QueuePolicy": "the emulator does not enforce queue policies",
  "AWS::SNS::TopicPolicy": "the emulator does not enforce topic policies",
  "AWS::Lambda::EventInvokeConfig": "functions run in-process locally",
  "AWS::Lambda::Permission": "functions run in-process locally",
  "AWS::Events::Rule": "the local runner builds rules from the functions' patterns",
  "AWS::Events::Archive": "event replay is a deployment feature",
  "AWS::Events::EventBusPolicy": "cross-account delivery is a deployment feature",
  "AWS::Logs::LogGroup": "handlers log to the console locally",
};

/**
 * Resources of a type the emulator supports that only the deployed functions use: their
 * execution roles (locally the handlers run in-process, with the local credentials). Other
 * roles are created: the isolation role, and the clean-room stack role (CloudFormation's service
 * role), whose ARN the local cleanroom lane passes as RoleARN like the deployed one (the
 * emulator accepts it and builds the stack with the caller's credentials).
 */
function notNeededLocally(type: string, props: Json): string | undefined {
  if (type !== "AWS::IAM::Role") return undefined;
  const trust = props?.AssumeRolePolicyDocument?.Statement;
  const principals = (Array.isArray(trust) ? trust : [trust]).flatMap((st: Json) =>
    [st?.Principal?.Service ?? []].flat(),
  );
  return principals.length > 0 && principals.every((p: Json) => p === "lambda.amazonaws.com")
    ? "a Lambda execution role: functions run in-process with the local credentials"
    : undefined;
}

/** Evaluates CloudFormation intrinsic functions against what has been created so far. */
export function evaluate(value: Json, ctx: StackContext, physical: Record<string, Physical>): Json {
  if (Array.isArray(value)) return value.map((v) => evaluate(v, ctx, physical));
  if (!value || typeof value !== "object") return value;
  const keys = Object.keys(value);
  if (keys.length === 1) {
    const key = keys[0] as string;
    const arg = value[key];
    switch (key) {
      case "Ref":
        return ref(String(arg), ctx, physical);
      case "Fn::GetAtt": {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(".");
        const p = physical[id];
        const v = p?.attrs[attr];
        if (v === undefined) throw new ConfigError(`Fn::GetAtt ${id}.${attr}: not available`);
        return v;
      }
      case "Fn::Sub": {
        const [template, vars] = Array.isArray(arg) ? arg : [arg, {}];
        const evaluated = evaluate(vars, ctx, physical) as Record<string, string>;
        return String(template).replace(/\$\{([^}]+)\}/g, (_m, name: string) => {
          if (name in evaluated) return String(evaluated[name]);
          if (name.includes(".") && !name.startsWith("AWS::")) {
            const [id, attr] = name.split(/\.(.*)/s) as [string, string];
            return evaluate({ "Fn::GetAtt": [id, attr] }, ctx, physical);
          }
          return ref(name, ctx, physical);
        });
      }
      case "Fn::Join": {
        const [sep, parts] = arg;
        return (evaluate(parts, ctx, physical) as unknown[]).join(sep);
      }
      case "Fn::Select": {
        const [index, list] = arg;
        return (evaluate(list, ctx, physical) as unknown[])[Number(index)];
      }
    }
  }
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, evaluate(v, ctx, physical)]));
}

function ref(name: string, ctx: StackContext, physical: Record<string, Physical>): string {
  switch (name) {
    case "AWS::StackName":
      return ctx.stackName;
    case "AWS::AccountId":
      return ctx.accountId;
    case "AWS::Region":
      return ctx.region;
    case "AWS::Partition":
      return ctx.partition;
    case "AWS::URLSuffix":
      return "amazonaws.com";
  }
  const p = physical[name];
  if (!p) throw new ConfigError(`Ref ${name}: no such resource (or not created yet)`);
  return p.ref;
}

/** Logical ids a value refers to (Ref, GetAtt, Sub), for ordering. */
function dependencies(value: Json, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) {
    for (const v of value) dependencies(v, out);
  } else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "Ref" && typeof v === "string" && !v.startsWith("AWS::")) out.add(v);
      else if (k === "Fn::GetAtt") out.add(Array.isArray(v) ? String(v[0]) : (String(v).split(".")[0] ?? ""));
      else if (k === "Fn::Sub") {
        const template = Array.isArray(v) ? v[0] : v;
        for (const m of String(template).matchAll(/\$\{([^}.!]+)[^}]*\}/g)) {
          if (m[1] && !m[1].startsWith("AWS::")) out.add(m[1]);
        }
        if (Array.isArray(v)) dependencies(v[1], out);
      } else dependencies(v, out);
    }
  }
  return out;
}

/** Orders resources so that each comes after those it refers to. */
export function creationOrder(resources: Record<string, Json>): string[] {
  const order: string[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (id: string, trail: string[]) => {
    if (state.get(id) === "done") return;
    if (state.get(id) === "visiting") throw new ConfigError(`resources: cycle ${[...trail, id].join(" → ")}`);
    state.set(id, "visiting");
    const res = resources[id];
    const deps = dependencies(res?.Properties ?? {});
    for (const d of [res?.DependsOn ?? []].flat()) deps.add(String(d));
    for (const d of deps) if (d in resources) visit(d, [...trail, id]);
    state.set(id, "done");
    order.push(id);
  };
  for (const id of Object.keys(resources)) visit(id, []);
  return order;
}

function known(props: Json, allowed: string[], where: string): void {
  for (const key of Object.keys(props ?? {})) {
    if (!allowed.includes(key)) {
      throw new ConfigError(
        `${where}: property ${key} has no local provisioner; add it to shared/local/provision.ts`,
      );
    }
  }
}

const tagList = (tags: Json) => (Array.isArray(tags) ? tags : undefined);

async function ignoreExists<T>(p: Promise<T>, names: string[]): Promise<T | undefined> {
  try {
    return await p;
  } catch (err) {
    if (names.includes((err as Error).name)) return undefined;
    throw err;
  }
}

type Creator = (id: string, props: Json, c: ProvisionClients, ctx: StackContext) => Promise<Physical>;

const creators: Record<string, Creator> = {
  "AWS::KMS::Key": async (id, p, c, ctx) => {
    known(p, ["Description", "EnableKeyRotation", "KeyPolicy", "KeySpec", "KeyUsage", "Tags"], id);
    // Keys have no name: an alias per logical id makes re-provisioning find the same key.
    const alias = `alias/${ctx.stackName}/${id}`;
    const existing = await c.kms.send(new DescribeKeyCommand({ KeyId: alias })).catch(() => undefined);
    let meta = existing?.KeyMetadata;
    if (!meta) {
      const out = await c.kms.send(
        new CreateKeyCommand({
          Description: p.Description,
          Policy: p.KeyPolicy ? JSON.stringify(p.KeyPolicy) : undefined,
          ...(p.KeySpec ? { KeySpec: p.KeySpec } : {}),
          ...(p.KeyUsage ? { KeyUsage: p.KeyUsage } : {}),
          Tags: tagList(p.Tags)?.map((t: Json) => ({ TagKey: t.Key, TagValue: t.Value })),
        }),
      );
      meta = out.KeyMetadata;
      await c.kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: meta?.KeyId }));
      if (p.EnableKeyRotation) await c.kms.send(new EnableKeyRotationCommand({ KeyId: meta?.KeyId }));
    }
    return {
      type: "AWS::KMS::Key",
      ref: meta?.KeyId ?? "",
      attrs: { Arn: meta?.Arn ?? "", KeyId: meta?.KeyId ?? "" },
    };
  },
  "AWS::KMS::Alias": async (id, p, c) => {
    known(p, ["AliasName", "TargetKeyId"], id);
    await ignoreExists(
      c.kms.send(new CreateAliasCommand({ AliasName: p.AliasName, TargetKeyId: p.TargetKeyId })),
      ["AlreadyExistsException"],
    );
    return { type: "AWS::KMS::Alias", ref: p.AliasName, attrs: {} };
  },
  "AWS::S3::Bucket": async (id, p, c, ctx) => {
    known(
      p,
      [
        "BucketName",
        "ObjectLockEnabled",
        "ObjectLockConfiguration",
        "VersioningConfiguration",
        "BucketEncryption",
        "PublicAccessBlockConfiguration",
        "OwnershipControls",
        "LifecycleConfiguration",
        "Tags",
      ],
      id,
    );
    const Bucket = String(p.BucketName ?? `${ctx.stackName}-${id}`.toLowerCase());
    // us-east-1 answers 200 to CreateBucket on a bucket one already owns: ask first.
    const existed = await c.s3
      .send(new HeadBucketCommand({ Bucket }))
      .then(() => true)
      .catch(() => false);
    await ignoreExists(
      c.s3.send(
        new CreateBucketCommand({
          Bucket,
          ObjectLockEnabledForBucket: Boolean(p.ObjectLockEnabled),
          ...(ctx.region === "us-east-1"
            ? {}
            : { CreateBucketConfiguration: { LocationConstraint: ctx.region as never } }),
        }),
      ),
      ["BucketAlreadyOwnedByYou"],
    );
    if (p.VersioningConfiguration) {
      await c.s3.send(
        new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: p.VersioningConfiguration }),
      );
    }
    // The emulator refuses to set Object Lock again once the bucket holds objects: an existing
    // bucket keeps the configuration the first provisioning gave it, if it is the same.
    const lockOf = (cfg: Json) => {
      const r = cfg?.Rule?.DefaultRetention ?? {};
      return `${cfg?.ObjectLockEnabled}|${r.Mode}|${r.Days || ""}|${r.Years || ""}`;
    };
    const current = !existed
      ? undefined
      : (await c.s3.send(new GetObjectLockConfigurationCommand({ Bucket })).catch(() => undefined))
          ?.ObjectLockConfiguration;
    const lockUnchanged = current !== undefined && lockOf(current) === lockOf(p.ObjectLockConfiguration);
    if (p.ObjectLockConfiguration && !lockUnchanged) {
      await c.s3.send(
        new PutObjectLockConfigurationCommand({ Bucket, ObjectLockConfiguration: p.ObjectLockConfiguration }),
      );
    }
    if (p.BucketEncryption) {
      const rules = p.BucketEncryption.ServerSideEncryptionConfiguration.map((r: Json) => ({
        ApplyServerSideEncryptionByDefault: r.ServerSideEncryptionByDefault,
        BucketKeyEnabled: r.BucketKeyEnabled,
      }));
      await c.s3.send(
        new PutBucketEncryptionCommand({ Bucket, ServerSideEncryptionConfiguration: { Rules: rules } }),
      );
    }
    if (p.PublicAccessBlockConfiguration) {
      await c.s3.send(
        new PutPublicAccessBlockCommand({
          Bucket,
          PublicAccessBlockConfiguration: p.PublicAccessBlockConfiguration,
        }),
      );
    }
    // OwnershipControls (BucketOwnerEnforced) only disables ACLs, which nothing here uses.
    if (p.LifecycleConfiguration) {
      const Rules = p.LifecycleConfiguration.Rules.map((r: Json) => ({
        ID: r.Id,
        Status: r.Status,
        Filter: { Prefix: r.Prefix ?? "" },
        Transitions: r.Transitions?.map((t: Json) => ({
          StorageClass: t.StorageClass,
          Days: t.TransitionInDays,
        })),
      }));
      await c.s3.send(
        new PutBucketLifecycleConfigurationCommand({ Bucket, LifecycleConfiguration: { Rules } }),
      );
    }
    return {
      type: "AWS::S3::Bucket",
      ref: Bucket,
      attrs: { Arn: `arn:${ctx.partition}:s3:::${Bucket}`, BucketName: Bucket },
    };
  },
  "AWS::S3::BucketPolicy": async (id, p, c) => {
    known(p, ["Bucket", "PolicyDocument"], id);
    const doc = { ...p.PolicyDocument, Statement: localBucketStatements(p.PolicyDocument.Statement) };
    await c.s3.send(new PutBucketPolicyCommand({ Bucket: p.Bucket, Policy: JSON.stringify(doc) }));
    return { type: "AWS::S3::BucketPolicy", ref: p.Bucket, attrs: {} };
  },
  "AWS::DynamoDB::Table": async (id, p, c, ctx) => {
    known(
      p,
      [
        "TableName",
        "BillingMode",
        "AttributeDefinitions",
        "KeySchema",
        "GlobalSecondaryIndexes",
        "PointInTimeRecoverySpecification",
        "SSESpecification",
        "TimeToLiveSpecification",
        "Tags",
      ],
      id,
    );
    const TableName = String(p.TableName ?? `${ctx.stackName}-${id}`);
    try {
      await c.dynamodb.send(
        new CreateTableCommand({
          TableName,
          BillingMode: p.BillingMode,
          AttributeDefinitions: p.AttributeDefinitions,
          KeySchema: p.KeySchema,
          GlobalSecondaryIndexes: p.GlobalSecondaryIndexes,
          SSESpecification: p.SSESpecification
            ? {
                Enabled: p.SSESpecification.SSEEnabled,
                SSEType: p.SSESpecification.SSEType,
                KMSMasterKeyId: p.SSESpecification.KMSMasterKeyId,
              }
            : undefined,
        }),
      );
    } catch (err) {
      if (!(err instanceof ResourceInUseException)) throw err;
    }
    return {
      type: "AWS::DynamoDB::Table",
      ref: TableName,
      attrs: { Arn: `arn:${ctx.partition}:dynamodb:${ctx.region}:${ctx.accountId}:table/${TableName}` },
    };
  },
  "AWS::SNS::Topic": async (id, p, c, ctx) => {
    known(p, ["TopicName", "DisplayName", "KmsMasterKeyId", "Tags"], id);
    const Attributes: Record<string, string> = {};
    if (p.DisplayName) Attributes.DisplayName = p.DisplayName;
    if (p.KmsMasterKeyId) Attributes.KmsMasterKeyId = p.KmsMasterKeyId;
    const out = await c.sns.send(
      new CreateTopicCommand({ Name: p.TopicName ?? `${ctx.stackName}-${id}`, Attributes }),
    );
    return {
      type: "AWS::SNS::Topic",
      ref: out.TopicArn ?? "",
      attrs: { TopicArn: out.TopicArn ?? "", TopicName: p.TopicName },
    };
  },
  "AWS::SQS::Queue": async (id, p, c, ctx) => {
    known(
      p,
      [
        "QueueName",
        "KmsMasterKeyId",
        "MessageRetentionPeriod",
        "VisibilityTimeout",
        "SqsManagedSseEnabled",
        "RedrivePolicy",
      ],
      id,
    );
    const QueueName = String(p.QueueName ?? `${ctx.stackName}-${id}`);
    const Attributes: Record<string, string> = {};
    if (p.KmsMasterKeyId) Attributes.KmsMasterKeyId = p.KmsMasterKeyId;
    if (p.MessageRetentionPeriod) Attributes.MessageRetentionPeriod = String(p.MessageRetentionPeriod);
    if (p.VisibilityTimeout) Attributes.VisibilityTimeout = String(p.VisibilityTimeout);
    if (p.RedrivePolicy) Attributes.RedrivePolicy = JSON.stringify(p.RedrivePolicy);
    const out = await c.sqs.send(new CreateQueueCommand({ QueueName, Attributes }));
    const attrs = await c.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: out.QueueUrl, AttributeNames: ["QueueArn"] }),
    );
    return {
      type: "AWS::SQS::Queue",
      ref: out.QueueUrl ?? "",
      attrs: { Arn: attrs.Attributes?.QueueArn ?? "", QueueName, QueueUrl: out.QueueUrl ?? "" },
    };
  },
  "AWS::Events::EventBus": async (id, p, c, ctx) => {
    known(p, ["Name", "Tags"], id);
    await ignoreExists(c.events.send(new CreateEventBusCommand({ Name: p.Name })), [
      "ResourceAlreadyExistsException",
    ]);
    return {
      type: "AWS::Events::EventBus",
      ref: p.Name,
      attrs: {
        Arn: `arn:${ctx.partition}:events:${ctx.region}:${ctx.accountId}:event-bus/${p.Name}`,
        Name: p.Name,
      },
    };
  },
  "AWS::IAM::Role": async (id, p, c, ctx) => {
    known(
      p,
      [
        "RoleName",
        "Description",
        "AssumeRolePolicyDocument",
        "Policies",
        "ManagedPolicyArns",
        "Tags",
        "Path",
      ],
      id,
    );
    const RoleName = String(p.RoleName ?? `${ctx.stackName}-${id}`).slice(0, 64);
    await ignoreExists(
      c.iam.send(
        new CreateRoleCommand({
          RoleName,
          Path: p.Path,
          Description: p.Description,
          AssumeRolePolicyDocument: JSON.stringify(p.AssumeRolePolicyDocument),
          Tags: tagList(p.Tags),
        }),
      ),
      ["EntityAlreadyExistsException"],
    );
    for (const pol of p.Policies ?? []) {
      await c.iam.send(
        new PutRolePolicyCommand({
          RoleName,
          PolicyName: pol.PolicyName,
          PolicyDocument: JSON.stringify(pol.PolicyDocument),
        }),
      );
    }
    const role = await c.iam.send(new GetRoleCommand({ RoleName }));
    return {
      type: "AWS::IAM::Role",
      ref: RoleName,
      attrs: { Arn: role.Role?.Arn ?? "", RoleId: role.Role?.RoleId ?? "" },
    };
  },
  "AWS::IAM::ManagedPolicy": async (id, p, c, ctx) => {
    known(p, ["ManagedPolicyName", "Path", "Description", "PolicyDocument"], id);
    const PolicyName = String(p.ManagedPolicyName ?? `${ctx.stackName}-${id}`);
    const path = String(p.Path ?? "/");
    const arn = `arn:${ctx.partition}:iam::${ctx.accountId}:policy${path}${PolicyName}`;
    await ignoreExists(
      c.iam.send(
        new CreatePolicyCommand({
          PolicyName,
          Path: path,
          Description: p.Description,
          PolicyDocument: JSON.stringify(p.PolicyDocument),
        }),
      ),
      ["EntityAlreadyExistsException"],
    );
    return { type: "AWS::IAM::ManagedPolicy", ref: arn, attrs: { PolicyArn: arn } };
  },
  "AWS::IAM::InstanceProfile": async (id, p, c, ctx) => {
    known(p, ["InstanceProfileName", "Roles", "Path"], id);
    const InstanceProfileName = String(p.InstanceProfileName ?? `${ctx.stackName}-${id}`);
    await ignoreExists(c.iam.send(new CreateInstanceProfileCommand({ InstanceProfileName, Path: p.Path })), [
      "EntityAlreadyExistsException",
    ]);
    const existing = await c.iam.send(new GetInstanceProfileCommand({ InstanceProfileName }));
    const have = new Set(existing.InstanceProfile?.Roles?.map((r) => r.RoleName));
    for (const RoleName of p.Roles ?? []) {
      if (!have.has(RoleName))
        await c.iam.send(new AddRoleToInstanceProfileCommand({ InstanceProfileName, RoleName }));
    }
    return {
      type: "AWS::IAM::InstanceProfile",
      ref: InstanceProfileName,
      attrs: { Arn: existing.InstanceProfile?.Arn ?? "" },
    };
  },
};

/**
 * The statements of a bucket policy the emulator is given. The emulator applies a bucket
 * policy's Deny statements without their conditions, so a conditional Deny (writes except by
 * the evidence role…, deny-unless-TLS over its plain HTTP) would refuse everyone, the responder
 * included. Those are left out locally; test/unit/evidence/bucket-policy.test.ts proves them
 * with a policy simulator.
 */
export function localBucketStatements(statements: Json[]): Json[] {
  return statements.filter((st: Json) => !(st.Effect === "Deny" && st.Condition));
}

/**
 * Creates (or finds) every resource of a CloudFormation `Resources` block in the emulator,
 * in dependency order, and evaluates its `Outputs`.
 */
export async function provision(
  template: { Resources: Record<string, Json>; Outputs?: Record<string, Json> },
  clients: ProvisionClients,
  ctx: StackContext,
): Promise<ProvisionResult> {
  const physical: Record<string, Physical> = {};
  const skipped: ProvisionResult["skipped"] = [];
  for (const id of creationOrder(template.Resources)) {
    const res = template.Resources[id];
    const type = String(res.Type);
    const create = creators[type];
    const deploymentOnly = notNeededLocally(type, res.Properties);
    if (deploymentOnly) {
      skipped.push({ logicalId: id, type, reason: deploymentOnly });
      continue;
    }
    if (!create) {
      const reason = NOT_NEEDED_LOCALLY[type];
      if (!reason) throw new ConfigError(`resource ${id}: type ${type} has no local provisioner`);
      skipped.push({ logicalId: id, type, reason });
      continue;
    }
    try {
      physical[id] = await create(id, evaluate(res.Properties ?? {}, ctx, physical), clients, ctx);
    } catch (err) {
      if (err instanceof ConfigError) throw err;
      throw new ConfigError(
        `resource ${id} (${type}) could not be created locally: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
  }
  const outputs: Record<string, string> = {};
  for (const [name, out] of Object.entries(template.Outputs ?? {})) {
    outputs[name] = String(evaluate(out.Value, ctx, physical));
  }
  return { physical, outputs, skipped };
}
