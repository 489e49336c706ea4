/**
 * The local provisioner's creators: one per supported resource type, each applying the
 * resource's properties with the service APIs, property by property (a property it does not
 * know is an error). Idempotent: an existing resource is found, not created again.
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
import { ConfigError } from "../../shared/errors/index.ts";
import type { Json } from "./serverless.ts";
import type { Physical, StackContext } from "./template.ts";

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

function known(props: Json, allowed: string[], where: string): void {
  for (const key of Object.keys(props ?? {})) {
    if (!allowed.includes(key)) {
      throw new ConfigError(
        `${where}: property ${key} has no local provisioner; add it to cli/local/creators.ts`,
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

export const creators: Record<string, Creator> = {
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
