/**
 * A drill against a deployed responder: refused, before any call that could change anything,
 * unless the target instance carries incident-responder:drill=true.
 */
import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { DescribeInstancesCommand, DescribeNetworkInterfacesCommand, EC2Client } from "@aws-sdk/client-ec2";
import { EventBridgeClient, PutEventsCommand } from "@aws-sdk/client-eventbridge";
import { S3Client } from "@aws-sdk/client-s3";
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { DynamoDBDocumentClient, GetCommand } from "@aws-sdk/lib-dynamodb";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { drillCommand } from "../../../cli/commands/drill.ts";
import { RefusedError } from "../../../shared/errors/index.ts";

const ec2 = mockClient(EC2Client);
const events = mockClient(EventBridgeClient);
const cfn = mockClient(CloudFormationClient);
const ddb = mockClient(DynamoDBDocumentClient);
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);
const s3 = mockClient(S3Client);

const TARGET = "i-0123456789abcdef0";
const saved = { ...process.env };

function instance(tags: Record<string, string>) {
  return {
    Reservations: [
      {
        OwnerId: "123456789012",
        Instances: [
          {
            InstanceId: TARGET,
            Tags: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })),
            NetworkInterfaces: [{ NetworkInterfaceId: "eni-0aaa", Attachment: { DeviceIndex: 0 } }],
            BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeId: "vol-0aaa" } }],
          },
        ],
      },
    ],
  };
}

/** Every call made to a service that can change something. */
function changingCalls(): string[] {
  const names = (m: { calls(): { args: [{ constructor: { name: string } }] }[] }) =>
    m.calls().map((c) => c.args[0].constructor.name);
  return [
    ...names(ec2 as never).filter((n) => !n.startsWith("Describe")),
    ...names(events as never),
    ...names(sns as never),
    ...names(sqs as never),
    ...names(s3 as never),
    ...names(ddb as never).filter((n) => n !== "GetCommand" && n !== "QueryCommand"),
  ];
}

describe("a drill against a deployed responder", () => {
  beforeEach(() => {
    for (const m of [ec2, events, cfn, ddb, sns, sqs, s3]) m.reset();
    delete process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ACCESS_KEY_ID = "test";
    process.env.AWS_SECRET_ACCESS_KEY = "test";
    ec2.on(DescribeNetworkInterfacesCommand).resolves({
      NetworkInterfaces: [
        { NetworkInterfaceId: "eni-0aaa", Groups: [{ GroupId: "sg-0web" }], Attachment: { DeviceIndex: 0 } },
      ],
    });
    vi.spyOn(console, "log").mockImplementation(() => undefined);
    vi.spyOn(process.stderr, "write").mockImplementation(() => true);
  });

  afterEach(() => {
    process.env = { ...saved };
    vi.restoreAllMocks();
  });

  it("refuses a target not tagged incident-responder:drill=true, and sends nothing", async () => {
    // Arrange
    ec2.on(DescribeInstancesCommand).resolves(instance({ Name: "payments-web-1", Environment: "prod" }));

    // Act
    const run = drillCommand({
      scenario: "c2",
      all: false,
      json: false,
      target: TARGET,
      region: "eu-west-1",
    });

    // Assert
    await expect(run).rejects.toThrow(RefusedError);
    await expect(run).rejects.toThrow(/not tagged incident-responder:drill=true: refusing/);
    expect(ec2.commandCalls(DescribeInstancesCommand)[0]?.args[0].input).toEqual({ InstanceIds: [TARGET] });
    expect(changingCalls()).toEqual([]);
    expect(cfn.calls()).toHaveLength(0);
  });

  it("refuses a target tagged drill=false, or one that does not exist", async () => {
    ec2
      .on(DescribeInstancesCommand)
      .resolvesOnce(instance({ "incident-responder:drill": "false" }))
      .resolvesOnce({ Reservations: [] });

    await expect(
      drillCommand({ scenario: "c2", all: false, json: false, target: TARGET, region: "eu-west-1" }),
    ).rejects.toThrow(/not tagged/);
    await expect(
      drillCommand({ scenario: "c2", all: false, json: false, target: TARGET, region: "eu-west-1" }),
    ).rejects.toThrow(/not found: nothing was sent/);
    expect(changingCalls()).toEqual([]);
  });

  it("refuses a target that is not an instance id before any call", async () => {
    await expect(
      drillCommand({ scenario: "c2", all: false, json: false, target: "sg-0abc", region: "eu-west-1" }),
    ).rejects.toThrow(/--target must be an instance id/);
    expect(ec2.calls()).toHaveLength(0);
  });

  it("puts the drill event on the default bus for a tagged target, then follows the incident", async () => {
    // Arrange
    ec2
      .on(DescribeInstancesCommand)
      .resolves(instance({ Name: "drill-box", "incident-responder:drill": "true" }));
    cfn.on(DescribeStacksCommand).resolves({
      Stacks: [
        {
          StackName: "incident-responder-dev",
          StackId: "arn:aws:cloudformation:eu-west-1:123456789012:stack/incident-responder-dev/x",
          CreationTime: new Date(),
          StackStatus: "CREATE_COMPLETE",
          Outputs: [
            ["EvidenceBucketName", "ev"],
            ["IncidentTableName", "incidents"],
            ["AlertTopicArn", "arn:aws:sns:eu-west-1:123456789012:alerts"],
            ["EventBusName", "responder"],
            ["ResponderKeyArn", "arn:aws:kms:eu-west-1:123456789012:key/k"],
            ["IsolationInstanceProfileArn", "arn:aws:iam::123456789012:instance-profile/iso"],
          ].map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
        },
      ],
    });
    events.on(PutEventsCommand).resolves({ FailedEntryCount: 0, Entries: [{ EventId: "e-1" }] });
    ddb.on(GetCommand).resolves({});

    // Act
    const code = await drillCommand({
      scenario: "c2",
      all: false,
      json: true,
      target: TARGET,
      region: "eu-west-1",
      timeoutSeconds: 0.3,
    });

    // Assert: the event went to the default bus as a drill aimed at the target; nothing else changed
    expect(code).toBe(1); // no responder answered in this test
    const entry = events.commandCalls(PutEventsCommand)[0]?.args[0].input.Entries?.[0];
    expect(entry).toMatchObject({
      EventBusName: "default",
      Source: "incident-responder.drill",
      DetailType: "Incident Responder Drill",
    });
    const detail = JSON.parse(entry?.Detail ?? "{}");
    expect(detail.scenario).toBe("c2");
    expect(detail.event.detail.resource.instanceDetails.instanceId).toBe(TARGET);
    expect(detail.event.account).toBe("123456789012");
    expect(changingCalls()).toEqual(["PutEventsCommand"]);
  });
});
