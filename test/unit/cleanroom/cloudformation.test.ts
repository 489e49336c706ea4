import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStacksCommand,
} from "@aws-sdk/client-cloudformation";
import { DescribeManagedPrefixListsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import {
  CLEANROOM_LIST_BOUNDS,
  createStack,
  createStackRequest,
  deleteStack,
  describeStack,
  listCleanroomStacks,
  s3PrefixListId,
  stackFailure,
} from "../../../shared/cleanroom/index.ts";
import { AwsCallError } from "../../../shared/errors/index.ts";

const credentials = { accessKeyId: "x", secretAccessKey: "y" };
const cfn = new CloudFormationClient({ region: "us-east-1", credentials });
const ec2 = new EC2Client({ region: "us-east-1", credentials });
const cfnMock = mockClient(cfn);
const ec2Mock = mockClient(ec2);
const NAME = "incident-responder-cleanroom-ir-20260301-0a1b2c3d";

function awsError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

beforeEach(() => {
  cfnMock.reset();
  ec2Mock.reset();
});

describe("the CloudFormation adapter", () => {
  it("answers undefined for a stack that does not exist, and throws anything else", async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .rejectsOnce(awsError("ValidationError", `Stack with id ${NAME} does not exist`));
    expect(await describeStack(cfn, NAME)).toBeUndefined();

    cfnMock.on(DescribeStacksCommand).rejects(awsError("AccessDenied", "not allowed", 403));
    await expect(describeStack(cfn, NAME)).rejects.toBeInstanceOf(AwsCallError);
  });

  it("reports an existing stack as such instead of failing CreateStack", async () => {
    cfnMock
      .on(CreateStackCommand)
      .rejects(awsError("AlreadyExistsException", `Stack [${NAME}] already exists`));
    const req = createStackRequest(
      {
        incidentId: "ir-20260301-0a1b2c3d",
        snapshotIds: ["snap-0123456789abcdef0"],
        evidenceBucket: "bucket-1",
        kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/k",
        createdBy: "me",
        expiresAt: "2026-03-02T00:00:00Z",
        s3PrefixListId: "pl-12345678",
        evidenceVolumeSizeGiB: 0,
      },
      { body: "{}", source: "t" },
    );

    expect(await createStack(cfn, req)).toEqual({ alreadyExisted: true });
  });

  it("returns DependencyViolation from DeleteStack instead of throwing it", async () => {
    cfnMock
      .on(DeleteStackCommand)
      .rejects(awsError("DependencyViolation", "The vpc vpc-1 has dependencies and cannot be deleted."));
    expect(await deleteStack(cfn, NAME)).toEqual({
      dependencyViolation: "The vpc vpc-1 has dependencies and cannot be deleted.",
    });
  });

  it("reads stack events page by page to find the first failure", async () => {
    cfnMock
      .on(DescribeStackEventsCommand)
      .resolvesOnce({
        StackEvents: [
          {
            StackId: "s",
            StackName: NAME,
            EventId: "2",
            Timestamp: new Date(2),
            LogicalResourceId: NAME,
            ResourceType: "AWS::CloudFormation::Stack",
            ResourceStatus: "ROLLBACK_IN_PROGRESS",
          },
        ],
        NextToken: "t1",
      })
      .resolvesOnce({
        StackEvents: [
          {
            StackId: "s",
            StackName: NAME,
            EventId: "1",
            Timestamp: new Date(1),
            LogicalResourceId: "WorkstationRole",
            ResourceType: "AWS::IAM::Role",
            ResourceStatus: "CREATE_FAILED",
            ResourceStatusReason: "Requires capabilities : [CAPABILITY_IAM]",
          },
        ],
      });

    expect(await stackFailure(cfn, NAME)).toEqual({
      resource: "WorkstationRole",
      reason: "Requires capabilities : [CAPABILITY_IAM]",
      status: "CREATE_FAILED",
    });
    expect(cfnMock.commandCalls(DescribeStackEventsCommand)[1]?.args[0].input.NextToken).toBe("t1");
  });

  it("lists clean rooms only, with their tags, and reports a stack it cannot read without hiding the others", async () => {
    cfnMock.on(ListStacksCommand).resolves({
      StackSummaries: [
        { StackName: `${NAME}`, StackId: "id-1", StackStatus: "CREATE_COMPLETE", CreationTime: new Date() },
        {
          StackName: "incident-responder-cleanroom-ir-20260301-00000002",
          StackId: "id-2",
          StackStatus: "CREATE_IN_PROGRESS",
          CreationTime: new Date(),
        },
        {
          StackName: "incident-responder-dev",
          StackId: "id-3",
          StackStatus: "CREATE_COMPLETE",
          CreationTime: new Date(),
        },
      ],
    });
    cfnMock.on(DescribeStacksCommand, { StackName: "id-1" }).resolves({
      Stacks: [
        {
          StackName: NAME,
          StackId: "id-1",
          StackStatus: "CREATE_COMPLETE",
          CreationTime: new Date(),
          Tags: [{ Key: "incident-responder:managed", Value: "true" }],
        },
      ],
    });
    cfnMock
      .on(DescribeStacksCommand, { StackName: "id-2" })
      .rejects(awsError("InternalFailure", "boom", 500));

    const out = await listCleanroomStacks(cfn);

    expect(out.stacks).toEqual([
      {
        stackName: NAME,
        stackId: "id-1",
        status: "CREATE_COMPLETE",
        tags: { "incident-responder:managed": "true" },
      },
    ]);
    expect(out.errors).toEqual([
      expect.stringMatching(/^incident-responder-cleanroom-ir-20260301-00000002: /),
    ]);
    expect(cfnMock.commandCalls(DescribeStacksCommand)).toHaveLength(2);
  });

  it("follows ListStacks' NextToken up to its bound, and says when it stopped", async () => {
    const tokens: (string | undefined)[] = [];
    cfnMock.on(ListStacksCommand).callsFake(async (input: { NextToken?: string }) => {
      tokens.push(input.NextToken);
      return {
        StackSummaries: [
          {
            StackName: `other-stack-${tokens.length}`,
            StackStatus: "CREATE_COMPLETE",
            CreationTime: new Date(),
          },
        ],
        NextToken: `t${tokens.length}`,
      };
    });

    const out = await listCleanroomStacks(cfn);

    expect(tokens).toHaveLength(CLEANROOM_LIST_BOUNDS.listPages);
    expect(tokens.slice(0, 3)).toEqual([undefined, "t1", "t2"]);
    expect(out.stacks).toEqual([]);
    expect(out.truncated).toMatch(/^ListStacks: stopped at the bound of 50 page\(s\)/);
  });

  it(`describes at most ${CLEANROOM_LIST_BOUNDS.describe} clean rooms in one run, and says how many it left`, async () => {
    cfnMock.on(ListStacksCommand).resolves({
      StackSummaries: Array.from({ length: 60 }, (_, i) => ({
        StackName: `incident-responder-cleanroom-ir-20260301-${String(i).padStart(8, "0")}`,
        StackId: `id-${i}`,
        StackStatus: "CREATE_COMPLETE",
        CreationTime: new Date(),
      })),
    });
    cfnMock.on(DescribeStacksCommand).callsFake(async (input: { StackName: string }) => ({
      Stacks: [
        {
          StackName: input.StackName,
          StackId: input.StackName,
          StackStatus: "CREATE_COMPLETE",
          CreationTime: new Date(),
        },
      ],
    }));

    const out = await listCleanroomStacks(cfn);

    expect(cfnMock.commandCalls(DescribeStacksCommand)).toHaveLength(50);
    expect(out.stacks).toHaveLength(50);
    expect(out.truncated).toBe(
      "DescribeStacks: 50 of 60 clean-room stacks read (bound 50), 10 left for a later run",
    );
  });

  it("looks up the region's S3 prefix list by name", async () => {
    ec2Mock.on(DescribeManagedPrefixListsCommand).resolves({
      PrefixLists: [{ PrefixListId: "pl-63a5400a", PrefixListName: "com.amazonaws.eu-west-1.s3" }],
    });

    expect(await s3PrefixListId(ec2, "eu-west-1")).toBe("pl-63a5400a");
    expect(ec2Mock.commandCalls(DescribeManagedPrefixListsCommand)[0]?.args[0].input.Filters).toEqual([
      { Name: "prefix-list-name", Values: ["com.amazonaws.eu-west-1.s3"] },
    ]);
  });
});
