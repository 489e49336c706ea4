import { describe, expect, it } from "vitest";
import { parseRate, scheduledEvent } from "../../../cli/local/runner.ts";

describe("local schedules", () => {
  it.each([
    ["rate(15 minutes)", 900_000],
    ["rate(1 minute)", 60_000],
    ["rate(2 hours)", 7_200_000],
    ["rate(1 day)", 86_400_000],
    ["cron(0 12 * * ? *)", undefined],
    ["every 5 minutes", undefined],
  ])("reads %s as %s ms", (expression, ms) => {
    expect(parseRate(expression)).toBe(ms);
  });

  it("delivers an EventBridge Scheduled Event", () => {
    const event = scheduledEvent(
      { functionName: "cleanroom", index: 2, rate: "rate(15 minutes)" },
      { account: "123456789012", region: "us-east-1", stackName: "incident-responder-local" },
      new Date("2026-03-01T12:00:00.123Z"),
    );

    expect(event).toMatchObject({
      version: "0",
      source: "aws.events",
      "detail-type": "Scheduled Event",
      account: "123456789012",
      region: "us-east-1",
      time: "2026-03-01T12:00:00Z",
      resources: ["arn:aws:events:us-east-1:123456789012:rule/incident-responder-local-cleanroom-2"],
      detail: {},
    });
    expect(event.id).toMatch(/^[0-9a-f-]{36}$/);
  });
});
