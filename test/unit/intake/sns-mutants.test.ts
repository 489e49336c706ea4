/**
 * SNS message bodies: only a real SNS envelope is opened, and only once; a notification
 * naming an alarm is read as one even without a new state.
 */
import { describe, expect, it } from "vitest";
import { unwrapSnsMessage } from "../../../shared/intake/sns.ts";
import { rejection } from "./helpers.ts";

describe("unwrapSnsMessage", () => {
  it("returns an event that carries a Message field as it is, without opening that field", () => {
    // Arrange
    const event = {
      source: "aws.guardduty",
      "detail-type": "GuardDuty Finding",
      detail: {},
      Message: "hello",
    };

    // Act
    const result = unwrapSnsMessage(JSON.stringify(event));

    // Assert
    expect(result).toStrictEqual(event);
  });

  it("opens an SNS envelope only once: an envelope inside it is refused", () => {
    // Arrange
    const inner = { Type: "Notification", Message: JSON.stringify({ source: "aws.guardduty", detail: {} }) };
    const outer = { Type: "Notification", Message: JSON.stringify(inner) };

    // Act
    const err = rejection(() => unwrapSnsMessage(JSON.stringify(outer)));

    // Assert
    expect(err.path).toBe("Message");
    expect(err.message).toBe("Message: is neither an EventBridge event nor a CloudWatch alarm notification");
  });

  it("reads a message naming an alarm as a notification, refused at its missing new state", () => {
    // Arrange
    const notification = {
      AlarmName: "cpu-high",
      AWSAccountId: "123456789012",
      StateChangeTime: "2024-05-01T10:00:00.000+0000",
    };

    // Act
    const err = rejection(() => unwrapSnsMessage(JSON.stringify(notification), { region: "eu-west-1" }));

    // Assert
    expect(err.path).toBe("Message.NewStateValue");
    expect(err.message).toBe("Message.NewStateValue: is required");
  });
});
