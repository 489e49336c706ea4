import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import {
  APPROVAL_DETAIL_TYPE,
  APPROVAL_SOURCE,
  isApprovalEvent,
  parseApprovalEvent,
} from "../../../shared/intake/index.ts";

const EVENT_ID = "5b7d3a1e-2c4f-4e8a-9b6d-0f1e2d3c4b5a";

function anApproval(detail: Record<string, unknown> = {}, over: Record<string, unknown> = {}) {
  return {
    version: "0",
    id: EVENT_ID,
    source: APPROVAL_SOURCE,
    "detail-type": APPROVAL_DETAIL_TYPE,
    account: "123456789012",
    region: "us-east-1",
    time: "2026-03-01T10:00:00Z",
    resources: [],
    detail: { incidentId: "ir-20260301-0a1b2c3d", decision: "approved", by: "chatops:alice", ...detail },
    ...over,
  };
}

function invalidAt(event: unknown): string {
  try {
    parseApprovalEvent(event);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidEventError);
    return (err as InvalidEventError).path;
  }
  throw new Error("expected InvalidEventError");
}

describe("approval decisions sent as events", () => {
  it("reads the decision, keeping the sender's claim of who decided and the event id", () => {
    const d = parseApprovalEvent(anApproval({ reason: "confirmed with the owner" }));

    expect(d).toEqual({
      incidentId: "ir-20260301-0a1b2c3d",
      decision: "approved",
      by: "chatops:alice",
      reason: "confirmed with the owner",
      eventId: EVENT_ID,
    });
  });

  it("reads a denial", () => {
    expect(parseApprovalEvent(anApproval({ decision: "denied" })).decision).toBe("denied");
  });

  it.each([
    ["an unknown decision", { decision: "maybe" }, "detail.decision"],
    ["a missing decision", { decision: undefined }, "detail.decision"],
    ["a malformed incident id", { incidentId: "ir-1; rm -rf /" }, "detail.incidentId"],
    ["an empty approver", { by: "" }, "detail.by"],
    ["an approver of control characters only", { by: "\u0000\u200b\u202e" }, "detail.by"],
    ["a non-string reason", { reason: 42 }, "detail.reason"],
    ["an unknown field", { decison: "approved" }, "detail"],
    ["a reason of several pages", { reason: "x".repeat(5000) }, "detail.reason"],
  ])("refuses %s, naming the field", (_what, detail, path) => {
    expect(invalidAt(anApproval(detail))).toBe(path);
  });

  it("refuses another detail-type of the approvals source", () => {
    expect(invalidAt(anApproval({}, { "detail-type": "Incident Approved" }))).toBe("detail-type");
  });

  it("refuses an event without an id", () => {
    expect(invalidAt(anApproval({}, { id: undefined }))).toBe("id");
  });

  it.each([null, "approve ir-20260301-0a1b2c3d", []])("refuses %j", (event) => {
    expect(() => parseApprovalEvent(event)).toThrow(InvalidEventError);
  });

  it("cleans and caps free text", () => {
    const d = parseApprovalEvent(
      anApproval({ by: "alice\u202e\u0007", reason: `ok\u0000${"x".repeat(3000)}` }),
    );

    expect(d.by).toBe("alice");
    expect(d.reason?.length).toBeLessThanOrEqual(1000);
    expect(d.reason).not.toContain("\u0000");
  });

  it("recognises approval events by their source", () => {
    expect(isApprovalEvent(anApproval())).toBe(true);
    expect(isApprovalEvent({ source: "incident-responder" })).toBe(false);
    expect(isApprovalEvent("incident-responder.approvals")).toBe(false);
  });
});
