/**
 * Fault injection at the handler level: 10,000 random and mutated events through the triage
 * function's logic (`triageLogic`, as `functions/triage/handler.ts` wires it), with every SDK
 * client mocked. Whatever comes in:
 * - the logic never throws (invalid input is recorded and alerted, and returns `rejected`);
 * - no call mutates the account: EC2, Auto Scaling, ELB, IAM, S3, CloudFormation, KMS and
 *   CloudTrail see reads only;
 * - an ignored event makes no call at all; a rejected one writes its dead letter to DynamoDB,
 *   counts its kind there and publishes one alert (the first of its kind), nothing else; a finding reads the account and writes only the
 *   responder's own records (DynamoDB), its bus (EventBridge) and its alerts (SNS).
 */

import type { Metrics } from "@aws-lambda-powertools/metrics";
import { AutoScalingClient, DescribeAutoScalingGroupsCommand } from "@aws-sdk/client-auto-scaling";
import { CloudFormationClient } from "@aws-sdk/client-cloudformation";
import { CloudTrailClient } from "@aws-sdk/client-cloudtrail";
import {
  DescribeInstancesCommand,
  type DescribeInstancesCommandInput,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { ElasticLoadBalancingV2Client } from "@aws-sdk/client-elastic-load-balancing-v2";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { IAMClient } from "@aws-sdk/client-iam";
import { KMSClient } from "@aws-sdk/client-kms";
import { S3Client } from "@aws-sdk/client-s3";
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
} from "@aws-sdk/lib-dynamodb";
import { type AwsStub, mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { triageLogic } from "../../../functions/triage/logic.ts";
import { wrapDrill } from "../../../shared/intake/index.ts";
import { createRuntime, type Runtime } from "../../../shared/runtime/base.ts";
import type { Logic } from "../../../shared/runtime/lambda.ts";
import { garbage, type Mutation, mutate as mutateAt, mutations } from "../../support/fuzz.ts";
import { allFixturePaths, clone, cloudTrailCall, fixture } from "../intake/helpers.ts";

// --- the mocked account -------------------------------------------------------------------

// biome-ignore lint/suspicious/noExplicitAny: stubs of different clients in one table
type AnyStub = AwsStub<any, any, any>;

const stubs: Record<string, AnyStub> = {
  EC2: mockClient(EC2Client),
  AutoScaling: mockClient(AutoScalingClient),
  ELBv2: mockClient(ElasticLoadBalancingV2Client),
  IAM: mockClient(IAMClient),
  S3: mockClient(S3Client),
  CloudFormation: mockClient(CloudFormationClient),
  KMS: mockClient(KMSClient),
  CloudTrail: mockClient(CloudTrailClient),
  STS: mockClient(STSClient),
  DynamoDB: mockClient(DynamoDBDocumentClient),
  SNS: mockClient(SNSClient),
  EventBridge: mockClient(EventBridgeClient),
};

/** The account's services: the responder may only read them from triage. */
const ACCOUNT = ["EC2", "AutoScaling", "ELBv2", "IAM", "S3", "CloudFormation", "KMS", "CloudTrail", "STS"];
const READ = /^(Describe|Get|List|Lookup|Head|Search)/;
/** Writes to the responder's own resources that triage may make for a finding. */
const OWN_WRITES = new Set([
  "DynamoDB:TransactWrite",
  "DynamoDB:Put",
  "DynamoDB:Update",
  "DynamoDB:Get",
  "DynamoDB:Query",
  "EventBridge:PutEvents",
  "SNS:Publish",
]);

function answerLikeAnAccount(): void {
  (stubs.STS as AnyStub).on(GetCallerIdentityCommand).resolves({ Account: "123456789012" });
  const ec2 = stubs.EC2 as AnyStub;
  ec2.on(DescribeInstancesCommand).callsFake((input: DescribeInstancesCommandInput) => ({
    Reservations: [
      {
        OwnerId: "123456789012",
        Instances: (input.InstanceIds ?? []).map((InstanceId) => ({
          InstanceId,
          State: { Name: "running" },
          VpcId: "vpc-0aaa",
          PublicIpAddress: "203.0.113.7",
          IamInstanceProfile: { Arn: "arn:aws:iam::123456789012:instance-profile/web" },
          Tags: [
            { Key: "Environment", Value: "prod" },
            { Key: "DataClassification", Value: "restricted" },
            { Key: "incident-responder:drill", Value: "true" },
          ],
          NetworkInterfaces: [{ NetworkInterfaceId: "eni-0aaa" }],
          BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeId: "vol-0aaa" } }],
        })),
      },
    ],
  }));
  ec2
    .on(DescribeVolumesCommand)
    .resolves({ Volumes: [{ VolumeId: "vol-0aaa", Tags: [{ Key: "a", Value: "b" }] }] });
  ec2.on(DescribeNetworkInterfacesCommand).resolves({
    NetworkInterfaces: [{ NetworkInterfaceId: "eni-0aaa", Groups: [{ GroupId: "sg-0aaa" }] }],
  });
  ec2.on(DescribeSecurityGroupsCommand).resolves({
    SecurityGroups: [
      {
        GroupId: "sg-0aaa",
        IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      },
    ],
  });
  (stubs.AutoScaling as AnyStub).on(DescribeAutoScalingGroupsCommand).resolves({ AutoScalingGroups: [] });
  const ddb = stubs.DynamoDB as AnyStub;
  ddb.on(QueryCommand).resolves({ Count: 0, Items: [] });
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(GetCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  // The count of a rejected event's kind: always the first of its window, so it is alerted.
  ddb
    .on(UpdateCommand)
    .callsFake((input: { Key?: { pk?: string } }) =>
      String(input.Key?.pk).startsWith("REJECTIONS#") ? { Attributes: { count: 1 } } : {},
    );
  (stubs.SNS as AnyStub).on(PublishCommand).resolves({ MessageId: "m-1" });
  (stubs.EventBridge as AnyStub)
    .on(PutEventsCommand)
    .resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e-1" }] });
}

/** Every call made since the last look, as `Service:Operation`, with the input; clears the history. */
function takeCalls(): { op: string; input: Record<string, unknown> }[] {
  const out: { op: string; input: Record<string, unknown> }[] = [];
  for (const [service, stub] of Object.entries(stubs)) {
    for (const call of stub.calls()) {
      const command = call.args[0] as { constructor: { name: string }; input: Record<string, unknown> };
      out.push({
        op: `${service}:${command.constructor.name.replace(/Command$/, "")}`,
        input: command.input,
      });
    }
    stub.resetHistory();
  }
  return out;
}

// --- events: valid and malformed starting points, random mutations --------------------------

const BASES: unknown[] = (() => {
  const events = allFixturePaths()
    .filter((f) => !f.includes("huge"))
    .map((f) => fixture(f));
  return [
    ...events,
    // As drills: sample findings become findings, so the handler's whole path runs.
    ...events.map((e, i) => wrapDrill(e, `fuzz-${i}`)),
    cloudTrailCall("ec2.amazonaws.com", "AuthorizeSecurityGroupIngress", {
      groupId: "sg-0aaa",
      ipPermissions: {
        items: [
          { ipProtocol: "tcp", fromPort: 22, toPort: 22, ipRanges: { items: [{ cidrIp: "0.0.0.0/0" }] } },
        ],
      },
    }),
  ];
})();

const GARBAGE = garbage([
  "",
  "i-0123abcd; rm -rf / #",
  "\u202eevil\u0000",
  "arn:aws:iam::aws:policy/AdministratorAccess",
  "__proto__",
  -1,
  1e308,
  8.9,
  true,
  [],
  {},
]);

const MUTATION = mutations({
  ops: ["delete", "null", "stringify", "wrap", "nest"],
  values: GARBAGE,
  hugeSizes: [600, 70_000, 300_000],
});

const mutate = (root: unknown, m: Mutation) => mutateAt(root, m, 300);

// --- the property ----------------------------------------------------------------------------

const seen = { created: 0, ignored: 0, rejected: 0, other: 0, calls: 0 };

const metrics = { addMetric: () => undefined, addDimension: () => undefined } as unknown as Metrics;

let logic: Logic<unknown>;

function show(value: unknown): string {
  try {
    return String(JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? `${v}n` : v))).slice(0, 300);
  } catch {
    return String(value).slice(0, 300);
  }
}

/** Runs one event through the logic and checks what it did. */
async function holds(event: unknown): Promise<void> {
  takeCalls();
  let out: { outcome?: string } | undefined;
  try {
    out = (await logic(event, { metrics })) as { outcome?: string };
  } catch (err) {
    throw new Error(`triage threw ${String(err)} for ${show(event)}`);
  }
  const calls = takeCalls();
  seen.calls += calls.length;
  const ops = calls.map((c) => c.op);
  for (const op of ops) {
    const [service, operation] = op.split(":") as [string, string];
    if (ACCOUNT.includes(service)) expect(operation, op).toMatch(READ);
    else expect(OWN_WRITES.has(op), op).toBe(true);
  }
  switch (out?.outcome) {
    case "ignored":
      seen.ignored++;
      expect(ops).toEqual([]);
      break;
    case "rejected": {
      seen.rejected++;
      expect([...ops].sort()).toEqual(["DynamoDB:Put", "DynamoDB:Update", "SNS:Publish"]);
      expect(calls.find((c) => c.op === "DynamoDB:Put")?.input.Item).toMatchObject({ pk: "DEADLETTER" });
      expect(calls.find((c) => c.op === "DynamoDB:Update")?.input.Key).toMatchObject({
        pk: expect.stringMatching(/^REJECTIONS#/),
      });
      break;
    }
    case "created":
    case "duplicate":
    case "joined":
      seen.created++;
      expect(ops).toContain("DynamoDB:TransactWrite");
      break;
    default:
      seen.other++;
      throw new Error(`unexpected outcome ${JSON.stringify(out)}`);
  }
}

/**
 * The fuzz runs are CPU-bound (about 55 s for the 7,000 on an idle 2-core machine): the deadline
 * only stops a hang, and leaves room for a machine busy with other work (no test may depend on
 * the machine being idle).
 */
const FUZZ_TIMEOUT_MS = 900_000;

describe("the triage function under 10,000 random and mutated events", () => {
  let runtime: Runtime;

  beforeAll(async () => {
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
    answerLikeAnAccount();
    runtime = await createRuntime("triage", {
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "fuzz",
      AWS_SECRET_ACCESS_KEY: "fuzz",
      INCIDENT_TABLE: "incidents",
      EVIDENCE_BUCKET: "evidence",
      ALERT_TOPIC_ARN: "arn:aws:sns:us-east-1:123456789012:alerts",
      EVENT_BUS_NAME: "responder",
      // Any account of the organisation may be read (the fixtures name many): AccountSessions
      // lets every 12-digit account through, read here with the function's own (mocked) clients.
      ORGANIZATION_ID: "o-fuzz000000",
    });
    logic = triageLogic(runtime) as Logic<unknown>;
    // The function's own account (GetCallerIdentity, asked once per container).
    await runtime.sessions.ownAccount();
  });

  afterAll(() => {
    for (const stub of Object.values(stubs)) stub.restore();
  });

  it(
    "handles 7,000 mutated fixtures and drills without throwing or mutating the account",
    async () => {
      const arb = fc.record({
        base: fc.nat({ max: BASES.length - 1 }),
        mutations: fc.array(MUTATION, { minLength: 0, maxLength: 3 }),
      });
      await fc.assert(
        fc.asyncProperty(arb, async ({ base, mutations }) => {
          let event = clone(BASES[base]);
          for (const m of mutations) event = mutate(event, m);
          await holds(event);
        }),
        { numRuns: 7_000, seed: 20_260_302 },
      );
      // Enough of each kind that every path of the handler ran, not only the validators.
      expect(seen.created).toBeGreaterThan(300);
      expect(seen.ignored).toBeGreaterThan(300);
      expect(seen.rejected).toBeGreaterThan(300);
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    "handles 2,000 random envelopes",
    async () => {
      const arb = fc.record(
        {
          source: fc.constantFrom(
            "aws.guardduty",
            "aws.ec2",
            "aws.config",
            "aws.securityhub",
            "incident-responder.drill",
            "custom.app",
          ),
          "detail-type": fc.constantFrom(
            "GuardDuty Finding",
            "AWS API Call via CloudTrail",
            "Config Rules Compliance Change",
            "Security Hub Findings - Imported",
            "Incident Responder Drill",
            "Something Else",
          ),
          detail: fc.oneof(fc.dictionary(fc.string({ maxLength: 10 }), GARBAGE, { maxKeys: 8 }), GARBAGE),
          id: fc.oneof(fc.uuid(), fc.string()),
          account: fc.oneof(fc.constant("123456789012"), fc.string({ maxLength: 14 })),
          region: fc.oneof(fc.constant("us-east-1"), fc.string({ maxLength: 12 })),
          time: fc.oneof(fc.constant("2024-01-01T00:00:00Z"), fc.string({ maxLength: 25 })),
        },
        { requiredKeys: ["source", "detail-type"] },
      );
      await fc.assert(
        fc.asyncProperty(arb, (event) => holds(event)),
        { numRuns: 2_000, seed: 20_260_303 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it(
    "handles 1,000 arbitrary values",
    async () => {
      const arb = fc.anything({
        maxDepth: 4,
        withBigInt: true,
        withDate: true,
        withMap: true,
        withNullPrototype: true,
      });
      await fc.assert(
        fc.asyncProperty(arb, (value) => holds(value)),
        { numRuns: 1_000, seed: 20_260_304 },
      );
    },
    FUZZ_TIMEOUT_MS,
  );

  it("ran 10,000 events in all", () => {
    expect(seen.created + seen.ignored + seen.rejected, JSON.stringify(seen)).toBe(10_000);
    expect(seen.other).toBe(0);
  });
});
