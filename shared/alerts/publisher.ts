/**
 * Publishes alerts to the SNS topic: text for e-mail, JSON for SQS/Lambda/HTTP subscribers,
 * the subject alone for SMS, with message attributes for subscription filter policies.
 */
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import { type AlertMessage, NUMBER_ATTRIBUTES } from "./message.ts";

/** Port: where alerts go. */
export interface Alerter {
  publish(alert: AlertMessage): Promise<{ messageId?: string }>;
}

/** SNS's limit on a whole message (every protocol's copy together), with room to spare. */
const MAX_MESSAGE_BYTES = 240 * 1024;

/**
 * The `Message` of a `MessageStructure: json` publish: one copy per protocol. When it would
 * exceed SNS's size limit, the JSON form drops its long lists and the text is cut: the alert
 * still goes out, and says so.
 */
export function snsMessage(alert: AlertMessage): string {
  const build = (text: string, json: Record<string, unknown>) => {
    const j = JSON.stringify(json);
    return JSON.stringify({
      default: text,
      email: text,
      "email-json": j,
      sqs: j,
      lambda: j,
      http: j,
      https: j,
      sms: alert.subject,
    });
  };
  const full = build(alert.text, alert.json);
  if (Buffer.byteLength(full) <= MAX_MESSAGE_BYTES) return full;
  const note = "\n… (cut: too long for one alert; see responder status)\n";
  const json = { ...alert.json, done: undefined, leftToDo: undefined, steps: undefined, truncated: true };
  return build(`${alert.text.slice(0, 60_000)}${note}`, json);
}

/** The SNS message attributes of an alert (`severity` as a Number, the rest as Strings). */
export function snsAttributes(alert: AlertMessage) {
  return Object.fromEntries(
    Object.entries(alert.attributes)
      .filter(([, v]) => v.length > 0)
      .map(([k, v]) => [k, { DataType: NUMBER_ATTRIBUTES.has(k) ? "Number" : "String", StringValue: v }]),
  );
}

export class SnsAlerter implements Alerter {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(alert: AlertMessage): Promise<{ messageId?: string }> {
    const out = await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: alert.subject,
        MessageStructure: "json",
        Message: snsMessage(alert),
        MessageAttributes: snsAttributes(alert),
      }),
    );
    return { messageId: out.MessageId };
  }
}
