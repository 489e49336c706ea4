/**
 * Approval decisions sent as events (by a chat-ops bot, say): the equivalent of
 * `responder approve|deny <incidentId>`. They are accepted on the responder's own bus only
 * (serverless.yml), never through the default bus, SNS intake or a drill.
 */
import * as z from "zod";
import { INCIDENT_ID_PATTERN } from "../incident/model.ts";
import { checkLimits } from "./limits.ts";
import { EnvelopeSchema } from "./schemas/envelope.ts";
import { quote, sanitizeText } from "./text.ts";
import { invalid, parseOrThrow } from "./validate.ts";
import { isObject } from "./walk.ts";

/** EventBridge source of approval decisions. */
export const APPROVAL_SOURCE = "incident-responder.approvals";
/** Detail-type of approval decisions. */
export const APPROVAL_DETAIL_TYPE = "Incident Approval Decision";

/** Longest `by` kept (an e-mail address, a chat user id, an ARN). */
export const MAX_APPROVER_LENGTH = 256;
/** Longest `reason` kept. */
export const MAX_REASON_LENGTH = 1000;

/** The `detail` of an approval decision. Unknown fields are refused: a typo must not pass silently. */
export const ApprovalDetailSchema = z.strictObject({
  incidentId: z
    .string()
    .max(64, { error: "must be an incident id like ir-20260101-0123abcd" })
    .regex(INCIDENT_ID_PATTERN, { error: "must be an incident id like ir-20260101-0123abcd" }),
  decision: z.enum(["approved", "denied"], { error: 'must be "approved" or "denied"' }),
  by: z
    .string()
    .min(1, { error: "must name who decided" })
    .max(MAX_APPROVER_LENGTH * 4, { error: "is too long" }),
  reason: z
    .string()
    .max(MAX_REASON_LENGTH * 4, { error: "is too long" })
    .optional(),
});

/** A validated decision, ready for `decide()` (shared/workflow/approval.ts). */
export interface ApprovalDecision {
  incidentId: string;
  decision: "approved" | "denied";
  /** Who decided, as the sender says: a claim (the recorded decider is the role AWS authenticated). */
  by: string;
  reason?: string;
  /** The id of the event that carried the decision. */
  eventId: string;
}

/** True when the event claims to be an approval decision (by its source alone). */
export function isApprovalEvent(event: unknown): boolean {
  return isObject(event) && event.source === APPROVAL_SOURCE;
}

/**
 * Reads an `Incident Approval Decision` event. Free text (`by`, `reason`) loses control and
 * invisible characters and is capped. `by` is what the sender says: a claim, never the
 * recorded decider (see decideFromEvent).
 * @throws InvalidEventError naming the offending field (`detail.decision`…) for anything else.
 */
export function parseApprovalEvent(event: unknown): ApprovalDecision {
  checkLimits(event);
  if (!isObject(event)) invalid("must be an EventBridge event object", "");
  const envelope = parseOrThrow(EnvelopeSchema, event, "");
  if (envelope.source !== APPROVAL_SOURCE)
    invalid(`must be ${quote(APPROVAL_SOURCE)} (got ${quote(envelope.source)})`, "source");
  if (envelope["detail-type"] !== APPROVAL_DETAIL_TYPE) {
    invalid(`must be ${quote(APPROVAL_DETAIL_TYPE)} (got ${quote(envelope["detail-type"])})`, "detail-type");
  }
  const detail = parseOrThrow(ApprovalDetailSchema, envelope.detail, "detail.");
  const by = sanitizeText(detail.by, MAX_APPROVER_LENGTH);
  if (!by) invalid("must name who decided (it is empty once control characters are removed)", "detail.by");
  const reason = detail.reason === undefined ? "" : sanitizeText(detail.reason, MAX_REASON_LENGTH);
  return {
    incidentId: detail.incidentId,
    decision: detail.decision,
    by,
    ...(reason ? { reason } : {}),
    eventId: envelope.id,
  };
}
