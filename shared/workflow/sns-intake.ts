/**
 * SNS intake: events published to the intake topic (CloudWatch alarm notifications, EventBridge
 * events forwarded by a rule, drills) go through the same triage as events from EventBridge.
 * Only the topics the configuration names count, and a message is judged as coming from its
 * topic's account. A record that is not a valid event is set aside (dead letter + alert),
 * never retried.
 */
import { InvalidEventError } from "../errors/index.ts";
import { type SnsRecord, snsRecords, topicRegion, unwrapSnsMessage } from "../intake/index.ts";
import { rejectEvent } from "./reject.ts";
import { type TriageDeps, type TriageOutcome, triageEvent } from "./triage.ts";

/** The intake's dependencies: triage's, and the topics whose messages count. */
export interface SnsIntakeDeps extends TriageDeps {
  /**
   * The topics the configuration names (the stack's intake topic and `trust.intakeTopicArns`):
   * a message from any other topic is rejected, whatever it says.
   */
  intakeTopics: readonly string[];
}

/** The account of a topic ARN (`arn:aws:sns:REGION:ACCOUNT:name`). */
function topicAccount(topicArn: string): string | undefined {
  const account = topicArn.split(":")[4];
  return account && /^\d{12}$/.test(account) ? account : undefined;
}

/**
 * Checks that a record came from a topic the configuration names. SNS (not the message) says
 * which topic delivered it; the topic's policy says who may publish (docs/security.md).
 * @throws InvalidEventError otherwise (path `Records[].Sns.TopicArn`).
 */
function checkTopic(record: SnsRecord, topics: readonly string[]): string {
  const arn = record.Sns.TopicArn;
  if (!arn || !topics.includes(arn)) {
    throw new InvalidEventError(
      `${arn ? `topic ${arn}` : "a message without a topic"} is not an intake topic of the configuration (INTAKE_TOPIC_ARN, INTAKE_TOPIC_ARNS): nothing from it is triaged`,
      "Records.Sns.TopicArn",
    );
  }
  return arn;
}

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
export async function intakeSnsEvent(event: unknown, deps: SnsIntakeDeps): Promise<SnsIntakeOutcome[]> {
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
      const topic = checkTopic(record, deps.intakeTopics);
      const region = topicRegion(topic);
      unwrapped = unwrapSnsMessage(record.Sns.Message, {
        ...(record.Sns.MessageId ? { messageId: record.Sns.MessageId } : {}),
        ...(region ? { region } : {}),
      });
      // The topic's account delivered the message: the account any claim inside it is judged against.
      const envelopeAccount = topicAccount(topic);
      outcomes.push(await triageEvent(unwrapped, deps, envelopeAccount ? { envelopeAccount } : {}));
    } catch (err) {
      if (!(err instanceof InvalidEventError)) throw err;
      // The event as far as it could be read: its source and detail-type name the dead letter.
      await rejectEvent(unwrapped ?? letterOf(record), err, deps);
      outcomes.push({ outcome: "rejected", error: err.message });
    }
  }
  return outcomes;
}
