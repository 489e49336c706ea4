/**
 * Approval decisions sent as events, each refusal with its whole message, and the exact
 * decision read (free text cleaned and cut).
 */
import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { parseApprovalEvent } from "../../../shared/intake/approval.ts";
import { MAX_EVENT_CHARS } from "../../../shared/intake/limits.ts";
import { anApproval, APPROVAL_EVENT_ID as EVENT_ID } from "./helpers.ts";

function refusal(event: unknown): string {
  try {
    parseApprovalEvent(event);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidEventError);
    return (err as InvalidEventError).message;
  }
  throw new Error("expected InvalidEventError");
}

describe("an approval decision event", () => {
  it.each([
    [
      "another source",
      {},
      { source: "incident-responder.drill" },
      'source: must be "incident-responder.approvals" (got "incident-responder.drill")',
    ],
    [
      "another detail-type",
      {},
      { "detail-type": "Incident\u0000 Approved" },
      'detail-type: must be "Incident Approval Decision" (got "Incident Approved")',
    ],
    [
      "a malformed incident id",
      { incidentId: "ir-1" },
      {},
      'detail.incidentId: must be an incident id like ir-20260101-0123abcd (got "ir-1")',
    ],
    [
      "a too long incident id",
      { incidentId: "i".repeat(65) },
      {},
      `detail.incidentId: must be an incident id like ir-20260101-0123abcd (got "${"i".repeat(59)}…")`,
    ],
    [
      "an unknown decision",
      { decision: "maybe" },
      {},
      'detail.decision: must be "approved" or "denied" (got "maybe")',
    ],
    ["an empty approver", { by: "" }, {}, 'detail.by: must name who decided (got "")'],
    [
      "a too long approver",
      { by: "b".repeat(1025) },
      {},
      `detail.by: is too long (got "${"b".repeat(59)}…")`,
    ],
    [
      "an approver of invisible characters only",
      { by: "\u200b\u0000" },
      {},
      "detail.by: must name who decided (it is empty once control characters are removed)",
    ],
    [
      "a too long reason",
      { reason: "r".repeat(4001) },
      {},
      `detail.reason: is too long (got "${"r".repeat(59)}…")`,
    ],
    ["an unknown field", { note: "x" }, {}, 'detail: Unrecognized key: "note" (got an object)'],
  ])("is refused with %s", (_name, detail, over, message) => {
    // Act + Assert
    expect(refusal(anApproval(detail, over))).toBe(message);
  });

  it.each([
    ["null", null],
    ["a list", []],
  ])("is refused when it is %s", (_name, event) => {
    // Act + Assert
    expect(refusal(event)).toBe("must be an EventBridge event object");
  });

  it("is refused when too large, before anything else is read", () => {
    // Act + Assert
    expect(refusal({ detail: { by: "x".repeat(MAX_EVENT_CHARS) } })).toBe(
      `detail.by: the event is larger than ${MAX_EVENT_CHARS} characters`,
    );
  });

  it("keeps the longest approver and reason it allows, cut to 256 and 1000 characters", () => {
    // Act
    const decision = parseApprovalEvent(anApproval({ by: "b".repeat(1024), reason: "r".repeat(4000) }));

    // Assert
    expect(decision).toStrictEqual({
      incidentId: "ir-20260301-0a1b2c3d",
      decision: "approved",
      by: `${"b".repeat(255)}…`,
      reason: `${"r".repeat(999)}…`,
      eventId: EVENT_ID,
    });
  });

  it.each([
    ["no reason", undefined],
    ["an empty reason", ""],
    ["a reason of control characters only", "\u0000\u0007"],
  ])("has no reason with %s", (_name, reason) => {
    // Act
    const decision = parseApprovalEvent(anApproval({ decision: "denied", reason }));

    // Assert
    expect(decision).toStrictEqual({
      incidentId: "ir-20260301-0a1b2c3d",
      decision: "denied",
      by: "chatops:alice",
      eventId: EVENT_ID,
    });
  });
});
