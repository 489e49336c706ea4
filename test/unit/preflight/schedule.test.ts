import { describe, expect, it } from "vitest";
import { buildAlert } from "../../../shared/alerts/message.ts";
import { changedChecks, changeLine, checkIdentity, preflightAlert } from "../../../shared/preflight/diff.ts";
import { isPreflightSchedule } from "../../../shared/preflight/schedule.ts";
import type { CheckResult } from "../../../shared/preflight/types.ts";

const r = (check: CheckResult["check"], status: CheckResult["status"], extra: Partial<CheckResult> = {}) =>
  ({
    account: "111122223333",
    region: "eu-west-1",
    check,
    status,
    reason: `${check} is ${status}`,
    ...extra,
  }) as CheckResult;

describe("changedChecks", () => {
  it("reports only failures on the first run", () => {
    const changes = changedChecks(undefined, [
      r("evidence-key", "pass"),
      r("cloudtrail", "fail"),
      r("config", "unsupported"),
    ]);

    expect(changes.map((c) => [c.check, c.before, c.after])).toEqual([["cloudtrail", undefined, "fail"]]);
  });

  it("reports nothing when no status changed, whatever the reasons say", () => {
    const before = [r("evidence-key", "pass"), r("cloudtrail", "fail")];
    const now = [
      r("evidence-key", "pass", { reason: "other words" }),
      r("cloudtrail", "fail", { reason: "new" }),
    ];

    expect(changedChecks(before, now)).toEqual([]);
  });

  it("reports a check that starts failing, and one that passes again, with both statuses", () => {
    const before = [r("evidence-key", "pass"), r("cloudtrail", "fail"), r("guardduty", "pass")];
    const now = [r("evidence-key", "fail"), r("cloudtrail", "pass"), r("guardduty", "pass")];

    expect(changedChecks(before, now).map((c) => [c.check, c.before, c.after])).toEqual([
      ["evidence-key", "pass", "fail"],
      ["cloudtrail", "fail", "pass"],
    ]);
  });

  it("tells apart the same check made for different roles", () => {
    const a = r("role-actions", "pass", { subject: "arn:aws:iam::111122223333:role/s-triage-eu-west-1" });
    const b = r("role-actions", "pass", { subject: "arn:aws:iam::111122223333:role/s-contain-eu-west-1" });

    expect(checkIdentity(a)).not.toBe(checkIdentity(b));
    expect(changedChecks([a, b], [a, { ...b, status: "fail" }]).map((c) => c.subject)).toEqual([b.subject]);
  });

  it("counts a newly made check as a change only when it fails, and ignores one no longer made", () => {
    const before = [r("guardduty", "pass"), r("config", "fail")];
    const now = [r("guardduty", "pass"), r("securityhub", "pass"), r("cloudtrail", "fail")];

    expect(changedChecks(before, now).map((c) => c.check)).toEqual(["cloudtrail"]);
  });
});

describe("preflightAlert", () => {
  it("names each changed check, where, and its new status", () => {
    const changes = changedChecks(
      [r("evidence-key", "pass")],
      [r("evidence-key", "fail", { reason: "key is Disabled" })],
    );

    const alert = buildAlert(preflightAlert(changes, "2026-12-07T00:00:00.000Z"));

    expect(alert.stage).toBe("failed");
    expect(alert.subject).toContain("evidence-key");
    expect(alert.text).toContain("evidence-key in 111122223333 eu-west-1 FAILS (was pass): key is Disabled");
  });

  it("says a check passes again, and is not a failure alert", () => {
    const changes = changedChecks([r("evidence-key", "fail")], [r("evidence-key", "pass")]);

    const alert = buildAlert(preflightAlert(changes, "2026-12-07T00:00:00.000Z"));

    expect(alert.stage).toBe("preflight");
    expect(changeLine(changes[0] as never)).toContain("passes again (was fail)");
    expect(alert.text).toContain("passes again");
  });
});

describe("isPreflightSchedule", () => {
  const scheduled = (rule: string, extra: Record<string, unknown> = {}) => ({
    source: "aws.events",
    "detail-type": "Scheduled Event",
    account: "111122223333",
    resources: [`arn:aws:events:eu-west-1:111122223333:rule/${rule}`],
    detail: {},
    ...extra,
  });

  it("knows the preflight's rule by its name", () => {
    expect(isPreflightSchedule(scheduled("incident-responder-dev-preflight"))).toBe(true);
  });

  it("leaves the 5-minute schedule and anything not from EventBridge's scheduler alone", () => {
    expect(isPreflightSchedule(scheduled("incident-responder-dev-TriageEventsRuleSchedule1-X"))).toBe(false);
    expect(isPreflightSchedule(scheduled("x-preflight", { source: "custom.events" }))).toBe(false);
    expect(isPreflightSchedule(scheduled("x-preflight", { "detail-type": "Other" }))).toBe(false);
    expect(isPreflightSchedule(scheduled("x-preflight", { account: "not-an-account" }))).toBe(false);
    expect(isPreflightSchedule({ ...scheduled("x-preflight"), resources: "x-preflight" })).toBe(false);
    expect(isPreflightSchedule(null)).toBe(false);
  });
});
