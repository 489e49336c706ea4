import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { isApprovalEvent, parseApprovalEvent } from "../../../shared/intake/index.ts";
import { anApproval, APPROVAL_EVENT_ID as EVENT_ID } from "./helpers.ts";

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
