/**
 * Publishes alerts to the SNS topic: text for e-mail, JSON for SQS/Lambda/HTTP subscribers,
 * with message attributes for subscription filter policies.
 */
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { AlertMessage } from "./message.ts";

/** Port: where alerts go. */
export interface Alerter {
  publish(alert: AlertMessage): Promise<{ messageId?: string }>;
}

export class SnsAlerter implements Alerter {
  constructor(
    private readonly sns: SNSClient,
    private readonly topicArn: string,
  ) {}

  async publish(alert: AlertMessage): Promise<{ messageId?: string }> {
    const json = JSON.stringify(alert.json);
    const out = await this.sns.send(
      new PublishCommand({
        TopicArn: this.topicArn,
        Subject: alert.subject,
        MessageStructure: "json",
        Message: JSON.stringify({
          default: alert.text,
          email: alert.text,
          "email-json": json,
          sqs: json,
          lambda: json,
          http: json,
          https: json,
        }),
        MessageAttributes: Object.fromEntries(
          Object.entries(alert.attributes).map(([k, v]) => [k, { DataType: "String", StringValue: v }]),
        ),
      }),
    );
    return { messageId: out.MessageId };
  }
}
