/**
 * What `plan` and `ingest` accept besides an EventBridge event: SNS deliveries (opened as the
 * intake function opens them) and bare records (wrapped, saying so).
 */
import { describe, expect, it } from "vitest";
import { openInput } from "../../../cli/commands/event-input.ts";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { normalizeEvent } from "../../../shared/intake/index.ts";
import { cloudTrailCall } from "../intake/helpers.ts";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:intake";
const EVENT = cloudTrailCall("cloudtrail.amazonaws.com", "StopLogging", { name: "org-trail" });

const lambdaSns = (messages: unknown[], topic = TOPIC) => ({
  Records: messages.map((m, i) => ({
    EventSource: "aws:sns",
    EventVersion: "1.0",
    Sns: { Type: "Notification", MessageId: `m-${i}`, TopicArn: topic, Message: JSON.stringify(m) },
  })),
});

describe("openInput", () => {
  it("unwraps a Lambda SNS event and judges it as sent by the topic's account", () => {
    // Act
    const opened = openInput(lambdaSns([EVENT]));

    // Assert
    expect(opened.event).toEqual(EVENT);
    expect(opened.envelopeAccount).toBe("123456789012");
    expect(opened.notes[0]).toContain("Lambda SNS event");
    const result = normalizeEvent(opened.event, { envelopeAccount: opened.envelopeAccount! });
    expect(result.kind).toBe("finding");
  });

  it("unwraps an SNS notification body", () => {
    // Arrange
    const body = { Type: "Notification", MessageId: "m-1", TopicArn: TOPIC, Message: JSON.stringify(EVENT) };

    // Act
    const opened = openInput(body);

    // Assert
    expect(opened.event).toEqual(EVENT);
    expect(opened.notes[0]).toContain("SNS notification");
  });

  it("lets a topic in another account not make the responder act in the account the message names", () => {
    // Arrange: the message claims account 123456789012; the topic is in 210987654321.
    const opened = openInput(lambdaSns([EVENT], "arn:aws:sns:eu-west-1:210987654321:intake"));

    // Act + Assert
    expect(() => normalizeEvent(opened.event, { envelopeAccount: opened.envelopeAccount! })).toThrow(
      /came from account 210987654321/,
    );
  });

  it("refuses a Lambda event with several SNS records", () => {
    // Act + Assert
    expect(() => openInput(lambdaSns([EVENT, EVENT]))).toThrow(InvalidEventError);
  });

  it("wraps a bare CloudTrail record and says so", () => {
    // Act
    const opened = openInput(EVENT.detail);

    // Assert
    expect(opened.event).toMatchObject({
      source: "aws.cloudtrail",
      account: "123456789012",
      detail: EVENT.detail,
    });
    expect(opened.notes[0]).toContain("wrapped in the EventBridge envelope");
  });

  it("passes an EventBridge event on unchanged", () => {
    // Act
    const opened = openInput(EVENT);

    // Assert
    expect(opened).toEqual({ event: EVENT, notes: [] });
  });
});
