import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  ListStacksCommand,
  type Stack,
} from "@aws-sdk/client-cloudformation";
import {
  DescribeManagedPrefixListsCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  DescribeSubnetsCommand,
  DescribeVolumesCommand,
  DescribeVpcEndpointsCommand,
  DescribeVpcsCommand,
  EC2Client,
} from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { MOTO_QUIRKS } from "../../../cli/local/quirks.ts";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { AWS_BEHAVIOUR } from "../../../shared/runtime/quirks.ts";
import {
  CLEANROOM_DESTROY_STEP,
  CLEANROOM_STEP,
  type CleanroomDeps,
  type CleanroomRecord,
  cleanroomStackRoleFor,
  destroyCleanroom,
  handleCleanroomEvent,
  launchCleanroom,
  sweepCleanrooms,
  workstationBoundaryFor,
} from "../../../shared/workflow/cleanroom.ts";
import { policy, RecordingAlerter, RecordingBus, silentLog } from "../../support/lane-deps.ts";
import { MemoryStore } from "../../support/memory-store.ts";
import { ACCOUNT, aSealedIncident as anIncident, INCIDENT_ID, snapshots } from "./fakes.ts";

const REGION = "us-east-1";
const NOW = new Date("2026-03-01T12:00:00Z");
const STACK_NAME = `incident-responder-cleanroom-${INCIDENT_ID}`;
const STACK_ID = `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/${STACK_NAME}/5b7e0a40-0000-11ef-8000-0a1b2c3d4e5f`;
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const BUCKET = `incident-responder-dev-evidence-${ACCOUNT}-${REGION}`;
const credentials = { accessKeyId: "x", secretAccessKey: "y" };
const cfn = new CloudFormationClient({ region: REGION, credentials });
const ec2 = new EC2Client({ region: REGION, credentials });
const cfnMock = mockClient(cfn);
const ec2Mock = mockClient(ec2);

const OUTPUTS = {
  WorkstationInstanceId: "i-0123456789abcdef0",
  VpcId: "vpc-0123456789abcdef0",
  SecurityGroupId: "sg-0123456789abcdef0",
  EvidenceVolumeIds: "vol-0aaaaaaaaaaaaaaa0,vol-0bbbbbbbbbbbbbbb0,vol-0ccccccccccccccc0",
  SessionManagerCommand: `aws ssm start-session --target i-0123456789abcdef0 --region ${REGION}`,
  NotesPrefix: `s3://${BUCKET}/incidents/${INCIDENT_ID}/notes/`,
};

/** What the lane keeps of OUTPUTS: every checked output, never the SessionManagerCommand text. */
const { SessionManagerCommand: CONNECT, ...KEPT } = OUTPUTS;

function aStack(status: string, outputs: Record<string, string> = OUTPUTS): Stack {
  return {
    StackName: STACK_NAME,
    StackId: STACK_ID,
    StackStatus: status as Stack["StackStatus"],
    CreationTime: NOW,
    Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    Tags: [
      { Key: "incident-responder:managed", Value: "true" },
      { Key: "incident-responder:expires-at", Value: "2026-03-02T12:00:00Z" },
    ],
  };
}

function awsError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: status } });
}
const missing = () => awsError("ValidationError", `Stack with id ${STACK_NAME} does not exist`);

let store: MemoryStore;
let alerter: RecordingAlerter;

function deps(overrides: Partial<CleanroomDeps> = {}): CleanroomDeps {
  return {
    store,
    alerter,
    bus: new RecordingBus(),
    policy,
    log: silentLog,
    dryRun: false,
    now: () => NOW,
    clientsFor: async () => ({ cfn, ec2, region: REGION }),
    template: async () => ({
      body: "AWSTemplateFormatVersion: 2010-09-09\nResources: {}\n",
      source: "cleanroom.yaml",
    }),
    bucket: BUCKET,
    kmsKeyArn: KEY,
    quirks: AWS_BEHAVIOUR,
    ownAccount: async () => ACCOUNT,
    settleWaitMs: 0,
    ...overrides,
  };
}

/** Forgets every CloudFormation behaviour but CreateStack's. */
function resetCfn(): void {
  cfnMock.reset();
  cfnMock.on(CreateStackCommand).resolves({ StackId: STACK_ID });
}

const params = () =>
  Object.fromEntries(
    (cfnMock.commandCalls(CreateStackCommand)[0]?.args[0].input.Parameters ?? []).map((p) => [
      p.ParameterKey,
      p.ParameterValue,
    ]),
  );
const record = async () => (await store.get(INCIDENT_ID)).cleanroom as unknown as CleanroomRecord;
const step = async (name = CLEANROOM_STEP) => (await store.get(INCIDENT_ID)).steps[name];

beforeEach(async () => {
  cfnMock.reset();
  ec2Mock.reset();
  store = new MemoryStore();
  alerter = new RecordingAlerter();
  store.seed(anIncident());
  cfnMock
    .on(DescribeStacksCommand)
    .rejectsOnce(missing())
    .resolves({ Stacks: [aStack("CREATE_COMPLETE")] });
  cfnMock.on(CreateStackCommand).resolves({ StackId: STACK_ID });
  ec2Mock.on(DescribeManagedPrefixListsCommand).resolves({
    PrefixLists: [{ PrefixListId: "pl-63a5400a", PrefixListName: `com.amazonaws.${REGION}.s3` }],
  });
});

describe("launching a clean room", () => {
  it("creates the stack on Evidence Preserved when the plan has launch-cleanroom", async () => {
    const out = await handleCleanroomEvent(
      {
        source: "incident-responder",
        "detail-type": "Evidence Preserved",
        detail: { incidentId: INCIDENT_ID, account: ACCOUNT },
      },
      deps(),
    );

    expect(out).toMatchObject({ action: "launch", outcome: "ready" });
    expect(cfnMock.commandCalls(CreateStackCommand)).toHaveLength(1);
    expect(cfnMock.commandCalls(CreateStackCommand)[0]?.args[0].input).toMatchObject({
      StackName: STACK_NAME,
      Capabilities: ["CAPABILITY_IAM"],
      OnFailure: "DELETE",
    });
    expect(params()).toEqual({
      IncidentId: INCIDENT_ID,
      CreatedBy: "incident-responder/cleanroom",
      ExpiresAt: "2026-03-02T12:00:00Z",
      EvidenceSnapshotIds: "snap-00000000000000000,snap-00000000000000001,snap-00000000000000002",
      EvidenceVolumeSizeGiB: "0",
      EvidenceBucket: BUCKET,
      KmsKeyArn: KEY,
      S3PrefixListId: "pl-63a5400a",
    });
  });

  it("records the stack, its outputs and its expiry on the incident and ends the step ok", async () => {
    await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());

    expect(await step()).toMatchObject({ status: "ok" });
    expect(await record()).toMatchObject({
      stackName: STACK_NAME,
      stackId: STACK_ID,
      status: "CREATE_COMPLETE",
      outputs: KEPT,
      connect: CONNECT,
      expiresAt: "2026-03-02T12:00:00Z",
      snapshotIds: snapshots().map((s) => s.snapshotId),
    });
  });

  it("alerts cleanroom-ready with how to connect", async () => {
    await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());

    expect(alerter.sent.map((a) => a.stage)).toEqual(["cleanroom-ready"]);
    expect(alerter.sent[0]?.text).toContain(OUTPUTS.SessionManagerCommand);
    expect(alerter.sent[0]?.json.facts).toMatchObject({ Connect: OUTPUTS.SessionManagerCommand });
    expect((await store.get(INCIDENT_ID)).alerts.map((a) => a.stage)).toEqual(["cleanroom-ready"]);
  });

  it("does nothing on Evidence Preserved when the plan has no launch-cleanroom", async () => {
    const incident = anIncident();
    incident.plan.actions = incident.plan.actions.filter((a) => a.name !== "launch-cleanroom");
    store.seed(incident);

    const out = await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());

    expect(out.outcome).toBe("not-planned");
    expect(cfnMock.calls()).toHaveLength(0);
    expect(await step()).toBeUndefined();
  });

  it("launches on request whatever the plan says", async () => {
    const incident = anIncident({ impact: { score: 40, tier: "medium", reasons: [], tags: {} } });
    incident.plan.actions = [];
    store.seed(incident);

    const out = await launchCleanroom(
      INCIDENT_ID,
      { kind: "request", requestedBy: "arn:aws:iam::111122223333:user/jane" },
      deps(),
    );

    expect(out.outcome).toBe("ready");
    expect(params().CreatedBy).toBe(
      "incident-responder/cleanroom requested-by arn:aws:iam::111122223333:user/jane",
    );
  });

  it("does not create a second stack for a second request", async () => {
    await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());
    const second = await launchCleanroom(INCIDENT_ID, { kind: "request" }, deps());

    expect(second.outcome).toBe("already");
    expect(cfnMock.commandCalls(CreateStackCommand)).toHaveLength(1);
    expect(alerter.sent.map((a) => a.stage)).toEqual(["cleanroom-ready"]);
  });

  it("adopts the stack the incident records creating instead of creating another", async () => {
    store.seed(
      anIncident({
        cleanroom: { stackName: STACK_NAME, stackId: STACK_ID, status: "CREATE_COMPLETE", outputs: {} },
      }),
    );
    resetCfn();
    cfnMock
      .on(DescribeStacksCommand, { StackName: STACK_ID })
      .resolves({ Stacks: [aStack("CREATE_COMPLETE")] });

    const out = await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());

    expect(out.outcome).toBe("ready");
    expect(cfnMock.commandCalls(CreateStackCommand)).toHaveLength(0);
    expect((await step())?.detail).toMatch(
      /created by the responder earlier \(CREATE_COMPLETE\): none created/,
    );
  });

  it("adopts its own stack when CreateStack answers AlreadyExists (its launch id is on the stack)", async () => {
    const launchTag = () =>
      cfnMock
        .commandCalls(CreateStackCommand)[0]
        ?.args[0].input.Tags?.find((t) => t.Key === "incident-responder:launch-id")?.Value ?? "";
    cfnMock
      .on(CreateStackCommand)
      .rejects(awsError("AlreadyExistsException", `Stack [${STACK_NAME}] already exists`));
    cfnMock
      .on(DescribeStacksCommand)
      .rejectsOnce(missing())
      .callsFake(() => {
        const s = aStack("CREATE_COMPLETE");
        return {
          Stacks: [
            { ...s, Tags: [...(s.Tags ?? []), { Key: "incident-responder:launch-id", Value: launchTag() }] },
          ],
        };
      });

    const out = await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());

    expect(out.outcome).toBe("ready");
    expect(launchTag()).toMatch(/^[0-9a-f]{32}$/);
    expect((await store.get(INCIDENT_ID)).actions).toContainEqual(
      expect.objectContaining({
        name: "cleanroom:create-stack",
        status: "skipped",
        detail: expect.stringMatching(/AlreadyExistsException/),
      }),
    );
  });

  it("fails a request for an incident without evidence snapshots, with the reason and an alert", async () => {
    store.seed(anIncident({ evidence: { snapshots: [] } }));

    const out = await launchCleanroom(INCIDENT_ID, { kind: "request" }, deps());

    expect(out.outcome).toBe("failed");
    expect(cfnMock.commandCalls(CreateStackCommand)).toHaveLength(0);
    expect(await step()).toMatchObject({
      status: "failed",
      error: expect.stringMatching(/no completed evidence snapshots/),
    });
    expect(alerter.sent.map((a) => a.stage)).toEqual(["failed"]);
    expect(alerter.sent[0]?.text).toMatch(/responder cleanroom create/);
  });

  it("takes four of more snapshots and says which were left out", async () => {
    store.seed(anIncident({ evidence: { snapshots: snapshots(6) } }));

    await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());

    expect(params().EvidenceSnapshotIds?.split(",")).toHaveLength(4);
    expect((await step())?.detail).toMatch(
      /takes 4 snapshots: snap-00000000000000004, snap-00000000000000005 left out/,
    );
  });

  it("gives the volumes the snapshot's size explicitly against an emulator", async () => {
    ec2Mock
      .on(DescribeSnapshotsCommand)
      .resolves({ Snapshots: [{ VolumeSize: 8 }, { VolumeSize: 30 }, { VolumeSize: 8 }] });

    await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps({ quirks: MOTO_QUIRKS }));

    expect(ec2Mock.commandCalls(DescribeSnapshotsCommand)[0]?.args[0].input.SnapshotIds).toHaveLength(3);
    expect(params().EvidenceVolumeSizeGiB).toBe("30");
  });

  it("makes no call that changes anything in a dry run, and records the exact call it would make", async () => {
    store.seed(anIncident({ dryRun: true }));

    const out = await launchCleanroom(INCIDENT_ID, { kind: "request" }, deps());

    expect(out.outcome).toBe("dry-run");
    expect(cfnMock.commandCalls(CreateStackCommand)).toHaveLength(0);
    expect(cfnMock.commandCalls(DescribeStacksCommand)).toHaveLength(0);
    const s = await step();
    expect(s?.status).toBe("skipped");
    expect(s?.detail).toMatch(
      new RegExp(
        `^dry run: would call cloudformation:CreateStack StackName=${STACK_NAME} TemplateBody=<cleanroom.yaml, \\d+ bytes>`,
      ),
    );
    expect(s?.detail).toContain("S3PrefixListId=pl-63a5400a");
  });

  it("reports an endpoint that cannot create the stack as unsupported, without throwing", async () => {
    cfnMock
      .on(CreateStackCommand)
      .rejects(
        awsError("Error", "Deserialization error: to see the raw response, inspect the hidden field", 500),
      );

    const out = await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());

    expect(out.outcome).toBe("unsupported");
    expect(await step()).toMatchObject({
      status: "unsupported",
      error: expect.stringMatching(/cloudformation:CreateStack is not supported/),
    });
    expect(alerter.sent.map((a) => a.stage)).toEqual(["failed"]);
  });

  it("has CloudFormation build the stack with the account's clean-room stack role (RoleARN)", async () => {
    const own = `arn:aws:iam::${ACCOUNT}:role/incident-responder-dev-cleanroom-stack-${REGION}`;
    const roles = cleanroomStackRoleFor({ ownAccount: async () => ACCOUNT, ownRoleArn: own });

    await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps({ stackRoleArnFor: roles }));

    expect(cfnMock.commandCalls(CreateStackCommand)[0]?.args[0].input.RoleARN).toBe(own);
    expect((await step())?.status).toBe("ok");
  });

  it("uses the member account's own stack role for an incident in a member account", async () => {
    const member = "444455556666";
    store.seed({ ...anIncident(), account: member });
    const accounts: string[] = [];
    const roles = cleanroomStackRoleFor({
      ownAccount: async () => ACCOUNT,
      ownRoleArn: `arn:aws:iam::${ACCOUNT}:role/incident-responder-dev-cleanroom-stack-${REGION}`,
    });

    await launchCleanroom(
      INCIDENT_ID,
      { kind: "evidence" },
      deps({
        stackRoleArnFor: roles,
        clientsFor: async (account) => {
          accounts.push(account);
          return { cfn, ec2, region: REGION };
        },
      }),
    );

    expect(accounts).toEqual([member]);
    expect(cfnMock.commandCalls(CreateStackCommand)[0]?.args[0].input.RoleARN).toBe(
      `arn:aws:iam::${member}:role/incident-responder-cleanroom-stack`,
    );
  });

  it("bounds the workstation role: the account's own boundary, or the member account's by its name", async () => {
    const own = `arn:aws:iam::${ACCOUNT}:policy/incident-responder-cleanroom/incident-responder-dev-cleanroom-boundary-${REGION}`;
    const boundaries = workstationBoundaryFor({ ownAccount: async () => ACCOUNT, ownBoundaryArn: own });
    const boundaryOf = (i: number) =>
      cfnMock
        .commandCalls(CreateStackCommand)
        [i]?.args[0].input.Parameters?.find((p) => p.ParameterKey === "WorkstationPermissionsBoundary")
        ?.ParameterValue;

    await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps({ workstationBoundaryFor: boundaries }));
    expect(boundaryOf(0)).toBe(own);

    expect(await boundaries("444455556666")).toBe(
      "arn:aws:iam::444455556666:policy/incident-responder-cleanroom/incident-responder-cleanroom-boundary",
    );
    expect(await workstationBoundaryFor({ ownAccount: async () => ACCOUNT })(ACCOUNT)).toBeUndefined();
  });

  it("names the stack role in the call a dry run records", async () => {
    store.seed(anIncident({ dryRun: true }));
    const role = `arn:aws:iam::${ACCOUNT}:role/stack-role`;

    await launchCleanroom(INCIDENT_ID, { kind: "request" }, deps({ stackRoleArnFor: async () => role }));

    expect((await step())?.detail).toContain(`OnFailure=DELETE RoleARN=${role} Parameters=[`);
  });

  it("fails with a clear reason when the evidence key is not configured", async () => {
    const out = await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps({ kmsKeyArn: undefined }));

    expect(out.outcome).toBe("failed");
    expect(cfnMock.commandCalls(CreateStackCommand)).toHaveLength(0);
    expect((await step())?.error).toMatch(/KmsKeyArn \(none\) is not a KMS key ARN/);
  });
});

describe("a stack that takes its time", () => {
  beforeEach(() => {
    resetCfn();
    cfnMock
      .on(DescribeStacksCommand)
      .rejectsOnce(missing())
      .resolves({ Stacks: [aStack("CREATE_IN_PROGRESS", {})] });
  });

  const statusEvent = (status: string) => ({
    source: "aws.cloudformation",
    "detail-type": "CloudFormation Stack Status Change",
    account: ACCOUNT,
    detail: { "stack-id": STACK_ID, "status-details": { status, "detailed-status": "" } },
  });

  it("waits for CloudFormation's status event, then records the clean room ready", async () => {
    const first = await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());
    expect(first.outcome).toBe("waiting");
    expect(await step()).toMatchObject({ status: "waiting" });
    expect(alerter.sent).toHaveLength(0);

    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [aStack("CREATE_COMPLETE")] });
    const out = await handleCleanroomEvent(statusEvent("CREATE_COMPLETE"), deps());

    expect(out).toMatchObject({ outcome: "ready" });
    expect(await step()).toMatchObject({ status: "ok" });
    expect((await record()).outputs).toEqual(KEPT);
    expect((await record()).connect).toBe(CONNECT);
    expect(alerter.sent.map((a) => a.stage)).toEqual(["cleanroom-ready"]);
  });

  it("records a failed stack with the resource that failed first and why, and alerts", async () => {
    await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [aStack("CREATE_FAILED", {})] });
    cfnMock.on(DescribeStackEventsCommand).resolves({
      StackEvents: [
        {
          StackId: STACK_ID,
          StackName: STACK_NAME,
          EventId: "3",
          Timestamp: new Date("2026-03-01T12:05:00Z"),
          LogicalResourceId: STACK_NAME,
          ResourceType: "AWS::CloudFormation::Stack",
          ResourceStatus: "CREATE_FAILED",
          ResourceStatusReason: "The following resource(s) failed to create: [Workstation].",
        },
        {
          StackId: STACK_ID,
          StackName: STACK_NAME,
          EventId: "2",
          Timestamp: new Date("2026-03-01T12:04:00Z"),
          LogicalResourceId: "Workstation",
          ResourceType: "AWS::EC2::Instance",
          ResourceStatus: "CREATE_FAILED",
          ResourceStatusReason: "The image id '[ami-0abc]' does not exist",
        },
        {
          StackId: STACK_ID,
          StackName: STACK_NAME,
          EventId: "1",
          Timestamp: new Date("2026-03-01T12:01:00Z"),
          LogicalResourceId: "Vpc",
          ResourceType: "AWS::EC2::VPC",
          ResourceStatus: "CREATE_COMPLETE",
        },
      ],
    });

    const out = await handleCleanroomEvent(statusEvent("CREATE_FAILED"), deps());

    expect(out).toMatchObject({ outcome: "failed" });
    expect(await step()).toMatchObject({
      status: "failed",
      error: "Workstation: The image id '[ami-0abc]' does not exist",
    });
    expect(alerter.sent.map((a) => a.stage)).toEqual(["failed"]);
    expect(alerter.sent[0]?.json.failed).toEqual([
      {
        what: "clean room resource Workstation (CREATE_FAILED)",
        error: "The image id '[ami-0abc]' does not exist",
      },
    ]);
  });

  it("ignores a status event for a step that has already ended", async () => {
    await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [aStack("CREATE_COMPLETE")] });
    await handleCleanroomEvent(statusEvent("CREATE_COMPLETE"), deps());

    const again = await handleCleanroomEvent(statusEvent("CREATE_COMPLETE"), deps());

    expect(again).toMatchObject({ outcome: "ignored" });
    expect(alerter.sent.map((a) => a.stage)).toEqual(["cleanroom-ready"]);
  });

  it("ignores stacks that are not clean rooms", async () => {
    const out = await handleCleanroomEvent(
      {
        ...statusEvent("CREATE_COMPLETE"),
        detail: {
          "stack-id": `arn:aws:cloudformation:${REGION}:${ACCOUNT}:stack/other/x`,
          "status-details": { status: "CREATE_COMPLETE" },
        },
      },
      deps(),
    );
    expect(out).toMatchObject({ outcome: "ignored" });
    expect(cfnMock.calls()).toHaveLength(0);
  });
});

describe("destroying a clean room", () => {
  beforeEach(async () => {
    await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());
    alerter.sent.length = 0;
    cfnMock.reset();
    ec2Mock.reset();
  });

  it("deletes the stack, records it on the timeline and alerts", async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [aStack("CREATE_COMPLETE")] })
      .resolves({ Stacks: [aStack("DELETE_COMPLETE")] });
    cfnMock.on(DeleteStackCommand).resolves({});
    const requestId = `crq-${"ab".repeat(16)}`;
    await store.recordCleanroomRequest(INCIDENT_ID, {
      requestId,
      action: "destroy",
      by: "jane",
      at: new Date().toISOString(),
    });

    const out = await handleCleanroomEvent(
      {
        source: "incident-responder",
        "detail-type": "Clean Room Destroy Requested",
        detail: { incidentId: INCIDENT_ID, requestId },
      },
      deps(),
    );

    expect(out).toMatchObject({ action: "destroy", outcome: "ok" });
    expect(cfnMock.commandCalls(DeleteStackCommand)[0]?.args[0].input).toEqual({ StackName: STACK_ID });
    expect(await step(CLEANROOM_DESTROY_STEP)).toMatchObject({
      status: "ok",
      detail: expect.stringMatching(/deleted \(requested by jane\)/),
    });
    expect(await record()).toMatchObject({ status: "DELETE_COMPLETE", destroyedAt: expect.any(String) });
    expect((await store.get(INCIDENT_ID)).timeline.map((t) => t.step)).toContain(CLEANROOM_DESTROY_STEP);
    expect(alerter.sent.map((a) => a.stage)).toEqual(["cleanroom-destroyed"]);
  });

  it("names what the emulator leaves behind when DeleteStack answers DependencyViolation", async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [aStack("CREATE_COMPLETE")] })
      .rejects(missing());
    cfnMock
      .on(DeleteStackCommand)
      .rejects(
        awsError(
          "DependencyViolation",
          "The vpc vpc-0123456789abcdef0 has dependencies and cannot be deleted.",
        ),
      );
    ec2Mock.on(DescribeVpcEndpointsCommand).resolves({ VpcEndpoints: [{ VpcEndpointId: "vpce-01" }] });
    ec2Mock.on(DescribeVolumesCommand).resolves({ Volumes: [{ VolumeId: "vol-0a", State: "available" }] });
    ec2Mock.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [] });
    ec2Mock.on(DescribeSubnetsCommand).resolves({ Subnets: [] });
    ec2Mock.on(DescribeVpcsCommand).resolves({ Vpcs: [{ VpcId: "vpc-0123456789abcdef0" }] });

    const out = await destroyCleanroom(INCIDENT_ID, { kind: "request" }, deps({ quirks: MOTO_QUIRKS }));

    expect(out.outcome).toBe("partial");
    expect(await step(CLEANROOM_DESTROY_STEP)).toMatchObject({
      status: "partial",
      detail: expect.stringMatching(
        /DependencyViolation.*left behind: vpce-01, vol-0a, vpc-0123456789abcdef0/,
      ),
    });
    expect((await record()).leftovers).toEqual(["vpce-01", "vol-0a", "vpc-0123456789abcdef0"]);
    expect(alerter.sent[0]?.json.failed).toEqual([
      { what: "resources left behind after DeleteStack", error: "vpce-01, vol-0a, vpc-0123456789abcdef0" },
    ]);
  });

  it("looks for no leftovers with AWS's behaviour, even if DeleteStack answered DependencyViolation", async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [aStack("CREATE_COMPLETE")] })
      .rejects(missing());
    cfnMock
      .on(DeleteStackCommand)
      .rejects(awsError("DependencyViolation", "The vpc vpc-0123456789abcdef0 has dependencies."));

    const out = await destroyCleanroom(INCIDENT_ID, { kind: "request" }, deps());

    expect(out.outcome).toBe("ok");
    expect(ec2Mock.commandCalls(DescribeVpcEndpointsCommand)).toHaveLength(0);
    expect((await record()).leftovers).toBeUndefined();
  });

  it("waits for the status event while AWS deletes, then ends the step", async () => {
    cfnMock
      .on(DescribeStacksCommand)
      .resolvesOnce({ Stacks: [aStack("CREATE_COMPLETE")] })
      .resolves({ Stacks: [aStack("DELETE_IN_PROGRESS")] });
    cfnMock.on(DeleteStackCommand).resolves({});

    expect((await destroyCleanroom(INCIDENT_ID, { kind: "request" }, deps())).outcome).toBe("waiting");
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [aStack("DELETE_COMPLETE")] });
    const out = await handleCleanroomEvent(
      {
        source: "aws.cloudformation",
        "detail-type": "CloudFormation Stack Status Change",
        account: ACCOUNT,
        detail: { "stack-id": STACK_ID, "status-details": { status: "DELETE_COMPLETE" } },
      },
      deps(),
    );

    expect(out).toMatchObject({ outcome: "ok" });
    expect(await step(CLEANROOM_DESTROY_STEP)).toMatchObject({ status: "ok" });
  });

  it("deletes nothing in a dry run", async () => {
    const incident = await store.get(INCIDENT_ID);
    store.seed({ ...incident, dryRun: true });
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [aStack("CREATE_COMPLETE")] });

    const out = await destroyCleanroom(INCIDENT_ID, { kind: "request" }, deps());

    expect(out.outcome).toBe("dry-run");
    expect(cfnMock.commandCalls(DeleteStackCommand)).toHaveLength(0);
    expect((await step(CLEANROOM_DESTROY_STEP))?.detail).toBe(
      `dry run: would call cloudformation:DeleteStack StackName=${STACK_ID} (requested)`,
    );
  });
});

describe("the expiry schedule", () => {
  const scheduled = { source: "aws.events", "detail-type": "Scheduled Event", account: ACCOUNT, detail: {} };
  const other = "incident-responder-cleanroom-ir-20260301-0000beef";

  it("deletes the clean rooms whose expires-at has passed and leaves the others", async () => {
    await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());
    cfnMock.reset();
    cfnMock.on(ListStacksCommand).resolves({
      StackSummaries: [
        { StackName: STACK_NAME, StackId: STACK_ID, StackStatus: "CREATE_COMPLETE", CreationTime: NOW },
        { StackName: other, StackId: `${STACK_ID}-other`, StackStatus: "CREATE_COMPLETE", CreationTime: NOW },
        {
          StackName: "incident-responder-dev",
          StackId: "x",
          StackStatus: "CREATE_COMPLETE",
          CreationTime: NOW,
        },
      ],
    });
    const later = { ...aStack("CREATE_COMPLETE"), StackName: other, StackId: `${STACK_ID}-other` };
    later.Tags = [
      { Key: "incident-responder:managed", Value: "true" },
      { Key: "incident-responder:expires-at", Value: "2026-03-09T00:00:00Z" },
    ];
    cfnMock.on(DescribeStacksCommand, { StackName: `${STACK_ID}-other` }).resolves({ Stacks: [later] });
    cfnMock
      .on(DescribeStacksCommand, { StackName: STACK_ID })
      .resolvesOnce({ Stacks: [aStack("CREATE_COMPLETE")] })
      .resolves({ Stacks: [aStack("DELETE_COMPLETE")] });
    cfnMock
      .on(DescribeStacksCommand, { StackName: STACK_NAME })
      .resolves({ Stacks: [aStack("CREATE_COMPLETE")] });
    cfnMock.on(DeleteStackCommand).resolves({});

    const out = await handleCleanroomEvent(scheduled, deps({ now: () => new Date("2026-03-02T12:00:01Z") }));

    expect(out).toEqual([
      expect.objectContaining({ action: "destroy", incidentId: INCIDENT_ID, outcome: "ok" }),
    ]);
    expect(cfnMock.commandCalls(DeleteStackCommand).map((c) => c.args[0].input.StackName)).toEqual([
      STACK_ID,
    ]);
    expect(await step(CLEANROOM_DESTROY_STEP)).toMatchObject({
      status: "ok",
      detail: expect.stringMatching(/expired at 2026-03-02T12:00:00Z/),
    });
  });

  it("finishes a launch whose status event was missed", async () => {
    resetCfn();
    cfnMock
      .on(DescribeStacksCommand)
      .rejectsOnce(missing())
      .resolves({ Stacks: [aStack("CREATE_IN_PROGRESS", {})] });
    await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());
    cfnMock.on(DescribeStacksCommand).resolves({ Stacks: [aStack("CREATE_COMPLETE")] });
    cfnMock.on(ListStacksCommand).resolves({ StackSummaries: [] });

    const out = await sweepCleanrooms(deps());

    expect(out).toContainEqual(expect.objectContaining({ action: "launch", outcome: "ready" }));
    expect(await step()).toMatchObject({ status: "ok" });
  });
});

describe("events", () => {
  it("refuses a responder event without a valid incident id", async () => {
    await expect(
      handleCleanroomEvent(
        {
          source: "incident-responder",
          "detail-type": "Clean Room Requested",
          detail: { incidentId: "../x" },
        },
        deps(),
      ),
    ).rejects.toBeInstanceOf(InvalidEventError);
  });
});

describe("the clean-room stack role of an account", () => {
  const MEMBER = "444455556666";
  const own = `arn:aws:iam::${ACCOUNT}:role/incident-responder-prod-cleanroom-stack-${REGION}`;

  it("is the configured role in the function's own account, and the member's own role elsewhere", async () => {
    const roleFor = cleanroomStackRoleFor({ ownAccount: async () => ACCOUNT, ownRoleArn: own });

    expect(await roleFor(ACCOUNT)).toBe(own);
    expect(await roleFor(MEMBER)).toBe(`arn:aws:iam::${MEMBER}:role/incident-responder-cleanroom-stack`);
  });

  it("is none in its own account when none is configured (CloudFormation then uses the caller's credentials)", async () => {
    const roleFor = cleanroomStackRoleFor({ ownAccount: async () => ACCOUNT });

    expect(await roleFor(ACCOUNT)).toBeUndefined();
    expect(await roleFor(MEMBER)).toBe(`arn:aws:iam::${MEMBER}:role/incident-responder-cleanroom-stack`);
  });

  it("keeps the partition of the configured role", async () => {
    const roleFor = cleanroomStackRoleFor({
      ownAccount: async () => ACCOUNT,
      ownRoleArn: `arn:aws-us-gov:iam::${ACCOUNT}:role/r`,
    });

    expect(await roleFor(MEMBER)).toBe(
      `arn:aws-us-gov:iam::${MEMBER}:role/incident-responder-cleanroom-stack`,
    );
  });
});
