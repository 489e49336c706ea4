/**
 * The clean room under attack, its triggers: forged clean-room requests, the request the CLI
 * records, and forged `Evidence Preserved` events.
 */

import {
  CreateStackCommand,
  DeleteStackCommand,
  DescribeStacksCommand,
} from "@aws-sdk/client-cloudformation";
import { beforeEach, describe, expect, it } from "vitest";
import { requestCleanroom } from "../../../cli/commands/cleanroom.ts";
import {
  CLEANROOM_DESTROY_STEP,
  CLEANROOM_STEP,
  handleCleanroomEvent,
} from "../../../shared/workflow/cleanroom.ts";
import type { RecordingAlerter } from "../../support/lane-deps.ts";
import type { MemoryStore } from "../../support/memory-store.ts";
import {
  aStack,
  CONNECT,
  cfnMock,
  createCalls,
  deps,
  GOOD_OUTPUTS,
  missing,
  NOW,
  OWN_ID,
  PREDICTABLE,
  resetState,
} from "./attack-setup.ts";
import { ACCOUNT, anIncident, aSealedIncident, INCIDENT_ID } from "./fakes.ts";

let store: MemoryStore;
let alerter: RecordingAlerter;

beforeEach(async () => {
  ({ store, alerter } = await resetState());
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
    store.seed(
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
    store.seed({ ...plan, plan: { ...plan.plan, actions: [] } });

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
    store.seed(incident);

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
