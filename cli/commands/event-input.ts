/**
 * What `plan` and `ingest` accept besides an EventBridge event, opened the way the responder's
 * own intake opens it: a Lambda SNS event and an SNS notification body (through
 * `unwrapSnsMessage`, as the intake function does), and a bare CloudTrail record, GuardDuty
 * finding or ASFF finding (wrapped as EventBridge would deliver it, saying so). Anything else is
 * passed on unchanged, for intake to judge.
 */
import { InvalidEventError } from "../../shared/errors/index.ts";
import { wrapBareRecord } from "../../shared/intake/bare.ts";
import { snsRecords, topicRegion, unwrapSnsMessage } from "../../shared/intake/index.ts";
import { isObject } from "../../shared/intake/walk.ts";

/** The event to judge, with what was done to reach it. */
export interface OpenedInput {
  event: unknown;
  /** One line per step taken (an SNS message unwrapped, a bare record wrapped). */
  notes: string[];
  /** The account that delivered an SNS message (its topic's), as the intake function judges it. */
  envelopeAccount?: string;
}

function topicAccount(topicArn: unknown): string | undefined {
  const account = typeof topicArn === "string" ? topicArn.split(":")[4] : undefined;
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

function isSnsLambdaEvent(value: unknown): boolean {
  return (
    isObject(value) &&
    Array.isArray(value.Records) &&
    value.Records.some((r) => isObject(r) && r.EventSource === "aws:sns")
  );
}

function isSnsNotification(value: unknown): value is Record<string, unknown> & { Message: string } {
  return isObject(value) && value.Type === "Notification" && typeof value.Message === "string";
}

/** Opens SNS deliveries, then wraps a bare record. */
function openSns(value: unknown): OpenedInput | undefined {
  if (isSnsLambdaEvent(value)) {
    const records = snsRecords(value);
    if (records.length > 1) {
      throw new InvalidEventError(
        `holds ${records.length} SNS records; SNS delivers one per event: give them one at a time`,
        "Records",
      );
    }
    const sns = records[0]!.Sns;
    const region = topicRegion(sns.TopicArn);
    const event = unwrapSnsMessage(sns.Message, {
      ...(sns.MessageId ? { messageId: sns.MessageId } : {}),
      ...(region ? { region } : {}),
    });
    const account = topicAccount(sns.TopicArn);
    return {
      event,
      notes: [
        `received a Lambda SNS event (topic ${sns.TopicArn ?? "not named"}): its message was unwrapped as the intake function does${account ? `, and judged as sent by the topic's account ${account}` : ""}`,
      ],
      ...(account ? { envelopeAccount: account } : {}),
    };
  }
  if (isSnsNotification(value)) {
    const event = unwrapSnsMessage(JSON.stringify(value));
    const account = topicAccount(value.TopicArn);
    return {
      event,
      notes: [
        `received an SNS notification (topic ${typeof value.TopicArn === "string" ? value.TopicArn : "not named"}): its message was unwrapped as the intake function does`,
      ],
      ...(account ? { envelopeAccount: account } : {}),
    };
  }
  return undefined;
}

/**
 * Opens what a person handed to `plan` or `ingest`.
 * @throws InvalidEventError when an SNS delivery cannot be opened, or a bare record cannot be
 * wrapped (the message names what it is and the EventBridge envelope expected).
 */
export function openInput(value: unknown): OpenedInput {
  const sns = openSns(value);
  if (sns) return sns;
  const wrapped = wrapBareRecord(value);
  if (wrapped === undefined) return { event: value, notes: [] };
  if ("error" in wrapped) throw new InvalidEventError(wrapped.error);
  return { event: wrapped.event, notes: [wrapped.note] };
}
