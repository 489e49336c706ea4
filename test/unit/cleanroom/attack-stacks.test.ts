/**
 * The clean room under attack, its stacks: outputs that carry a command, a squatted stack name,
 * expiry tags, and status events for stacks the incident did not create.
 */
import {
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
  ListStacksCommand,
} from "@aws-sdk/client-cloudformation";
import { beforeEach, describe, expect, it } from "vitest";
import {
  CLEANROOM_STEP,
  destroyCleanroom,
  handleCleanroomEvent,
  launchCleanroom,
  sweepCleanrooms,
} from "../../../shared/workflow/cleanroom.ts";
import type { RecordingAlerter } from "../../support/lane-deps.ts";
import type { MemoryStore } from "../../support/memory-store.ts";
import {
  allAlerts,
  arn,
  aStack,
  awsError,
  CONNECT,
  cfnMock,
  createCalls,
  deps,
  FRESH,
  FRESH_ID,
  GOOD_OUTPUTS,
  LAUNCH_ID,
  missing,
  NOW,
  OWN_ID,
  POISONED,
  PREDICTABLE,
  record,
  resetState,
  SQUAT_ID,
  squatter,
  step,
} from "./attack-setup.ts";
import { ACCOUNT, aSealedIncident, INCIDENT_ID } from "./fakes.ts";

let store: MemoryStore;
let alerter: RecordingAlerter;

beforeEach(async () => {
  ({ store, alerter } = await resetState());
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
    store.seed(
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
    store.seed(incident);
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
