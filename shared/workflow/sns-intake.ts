/**
 * SNS intake: events published to the intake topic (CloudWatch alarm notifications, EventBridge
 * events forwarded by a rule, drills) go through the same triage as events from EventBridge.
 * A record that is not a valid event is set aside (dead letter + alert), never retried.
 */
import { InvalidEventError } from "../errors/index.ts";
import { type SnsRecord, snsRecords, topicRegion, unwrapSnsMessage } from "../intake/index.ts";
import { rejectEvent } from "./reject.ts";
import { type TriageDeps, type TriageOutcome, triageEvent } from "./triage.ts";

/** What became of one SNS record. */
export type SnsIntakeOutcome = TriageOutcome | { outcome: "rejected"; error: string };

/** What a rejected record is recorded as: the SNS message, under its message id. */
function letterOf(record: SnsRecord): Record<string, unknown> {
  return { id: record.Sns.MessageId, Sns: record.Sns };
}

/**
 * Triages every record of a Lambda SNS event, in order. Invalid input (the event itself, or a
 * record's message) is rejected with {@link rejectEvent}; any other error is thrown, so that
 * Lambda retries the delivery (triage is idempotent: records already handled are duplicates).
 */
export async function intakeSnsEvent(event: unknown, deps: TriageDeps): Promise<SnsIntakeOutcome[]> {
  let records: SnsRecord[];
  try {
    records = snsRecords(event);
  } catch (err) {
    if (!(err instanceof InvalidEventError)) throw err;
    await rejectEvent(event, err, deps);
    return [{ outcome: "rejected", error: err.message }];
  }
  const outcomes: SnsIntakeOutcome[] = [];
  for (const record of records) {
    let unwrapped: unknown;
    try {
      const region = topicRegion(record.Sns.TopicArn);
      unwrapped = unwrapSnsMessage(record.Sns.Message, {
        ...(record.Sns.MessageId ? { messageId: record.Sns.MessageId } : {}),
        ...(region ? { region } : {}),
      });
      outcomes.push(await triageEvent(unwrapped, deps));
    } catch (err) {
      if (!(err instanceof InvalidEventError)) throw err;
      // The event as far as it could be read: its source and detail-type name the dead letter.
      await rejectEvent(unwrapped ?? letterOf(record), err, deps);
      outcomes.push({ outcome: "rejected", error: err.message });
    }
  }
  return outcomes;
}
