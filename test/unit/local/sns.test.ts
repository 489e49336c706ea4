import { describe, expect, it } from "vitest";
import { snsRoutes } from "../../../cli/local/routes.ts";
import { isSnsNotification, snsLambdaEvent } from "../../../cli/local/runner.ts";
import { snsRecords, unwrapSnsMessage } from "../../../shared/intake/index.ts";

const ctx = {
  stackName: "incident-responder-local",
  accountId: "123456789012",
  region: "us-east-1",
  partition: "aws",
};
const physical = {
  IntakeTopic: {
    type: "AWS::SNS::Topic",
    ref: "arn:aws:sns:us-east-1:123456789012:incident-responder-local-intake",
    attrs: {},
  },
};

/** What SNS puts on an SQS queue subscribed without raw delivery. */
const delivered = {
  Type: "Notification",
  MessageId: "1c2d3e4f-0000-4000-8000-000000000001",
  TopicArn: "arn:aws:sns:us-east-1:123456789012:incident-responder-local-intake",
  Subject: "ALARM: web-cpu-high",
  Message: '{"source":"aws.guardduty","detail-type":"GuardDuty Finding","detail":{}}',
  Timestamp: "2026-03-01T10:00:01.000Z",
  SignatureVersion: "1",
  Signature: "EXAMPLE",
  SigningCertURL: "https://sns.us-east-1.amazonaws.com/cert.pem",
  UnsubscribeURL: "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe",
  MessageAttributes: { kind: { Type: "String", Value: "alarm" } },
};

describe("local SNS subscriptions", () => {
  it("reads each function's sns events from serverless.yml, resolving the topic's Ref", () => {
    const doc = {
      functions: {
        triage: { events: [{ eventBridge: { pattern: {} } }] },
        intake: { events: [{ sns: { arn: { Ref: "IntakeTopic" }, topicName: "x" } }] },
        other: { events: [{ schedule: "rate(1 hour)" }, { sns: "arn:aws:sns:us-east-1:123456789012:ops" }] },
      },
    };

    expect(snsRoutes(doc, ctx, physical)).toEqual([
      { functionName: "intake", index: 0, topicArn: physical.IntakeTopic.ref },
      { functionName: "other", index: 1, topicArn: "arn:aws:sns:us-east-1:123456789012:ops" },
    ]);
  });

  it("refuses a topic that osls would create from its name alone", () => {
    const doc = { functions: { intake: { events: [{ sns: "alarms" }] } } };

    expect(() => snsRoutes(doc, ctx, physical)).toThrow(/only topics given by arn/);
  });

  it("hands a queued notification to the function as Lambda's SNS event", () => {
    expect(isSnsNotification(delivered)).toBe(true);

    const event = snsLambdaEvent(delivered as never);

    expect(event.Records).toHaveLength(1);
    expect(event.Records[0]).toMatchObject({
      EventSource: "aws:sns",
      EventVersion: "1.0",
      Sns: {
        Type: "Notification",
        MessageId: delivered.MessageId,
        TopicArn: delivered.TopicArn,
        Subject: delivered.Subject,
        Message: delivered.Message,
        Timestamp: delivered.Timestamp,
        SigningCertUrl: delivered.SigningCertURL,
        UnsubscribeUrl: delivered.UnsubscribeURL,
        MessageAttributes: delivered.MessageAttributes,
      },
    });
    // What the intake function reads of it.
    const [record] = snsRecords(event);
    expect(unwrapSnsMessage(record?.Sns.Message ?? "")).toMatchObject({ source: "aws.guardduty" });
  });

  it("gives a notification without subject a null Subject, as Lambda does", () => {
    const { Subject: _s, ...rest } = delivered;

    expect(snsLambdaEvent(rest as never).Records[0]?.Sns.Subject).toBeNull();
  });

  it("tells EventBridge events from SNS notifications", () => {
    expect(
      isSnsNotification({ source: "aws.guardduty", "detail-type": "GuardDuty Finding", detail: {} }),
    ).toBe(false);
    expect(isSnsNotification({ Type: "SubscriptionConfirmation", TopicArn: "arn", Message: "" })).toBe(false);
    expect(isSnsNotification(null)).toBe(false);
  });
});
