import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { normalizeEvent } from "../../../shared/intake/index.ts";
import { clone, envelope, expectFinding, expectIgnored, expectInvalid, fixture } from "./helpers.ts";

const STOP_LOGGING = "cloudtrail/StopLogging.json";

describe("normalizeEvent", () => {
  it.each([
    ["null", null, "got null"],
    ["an array", [fixture(STOP_LOGGING)], "got an array"],
    ["a string", JSON.stringify(fixture(STOP_LOGGING)), "got string"],
    ["a number", 42, "got number"],
    ["undefined", undefined, "got undefined"],
  ])("rejects %s as an event", (_name, value, message) => {
    // Act
    const err = expectInvalid(value);

    // Assert
    expect(err.path).toBe("");
    expect(err.message).toContain(message);
  });

  it("ignores an unknown source with a valid envelope, with its source and detail-type", () => {
    // Arrange
    const event = envelope("com.example.app", "Order Placed", { orderId: 1 });

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result).toEqual({
      kind: "ignored",
      reason: 'no intake for source "com.example.app" with detail-type "Order Placed"',
      source: "com.example.app",
      detailType: "Order Placed",
    });
  });

  it("rejects an unknown source with an invalid envelope", () => {
    // Arrange
    const event = envelope("com.example.app", "Order Placed", {}, { account: "12345" });

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("account");
    expect(err.message).toContain("12-digit");
  });

  it("rejects a detail that is an array", () => {
    // Arrange
    const event = envelope("aws.guardduty", "GuardDuty Finding", []);

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail");
    expect(err.message).toContain("must be object, got array");
  });

  it("sanitises the source echoed in a reason", () => {
    // Arrange
    const event = envelope("evil\u202e\u0000source", "X", {});

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toContain('"evilsource"');
  });

  it("ignores findings below the severity floor", () => {
    // Arrange
    const event = fixture(STOP_LOGGING);

    // Act
    const result = expectIgnored(event, { minSeverity: 9 });

    // Assert
    expect(result.reason).toBe("severity 8 is below the minimum 9");
  });

  it("keeps findings at the severity floor", () => {
    // Arrange
    const event = fixture(STOP_LOGGING);

    // Act
    const finding = expectFinding(event, { minSeverity: 8 });

    // Assert
    expect(finding.severity).toBe(8);
  });

  it("treats a non-numeric severity floor as 0", () => {
    // Arrange
    const event = fixture(STOP_LOGGING);

    // Act
    const finding = expectFinding(event, { minSeverity: Number.NaN });

    // Assert
    expect(finding.type).toBe("cloudtrail:StopLogging");
  });

  it("keeps the original event, unchanged, as raw", () => {
    // Arrange
    const event = fixture(STOP_LOGGING);
    const copy = clone(event);

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.raw).toBe(event);
    expect(event).toEqual(copy);
  });

  it("turns an exception from an exotic value into an InvalidEventError", () => {
    // Arrange
    const event = fixture(STOP_LOGGING);
    Object.defineProperty(event, "detail", {
      enumerable: true,
      get() {
        throw new Error("boom");
      },
    });

    // Act
    const err = (() => {
      try {
        normalizeEvent(event);
      } catch (e) {
        return e;
      }
    })();

    // Assert
    expect(err).toBeInstanceOf(InvalidEventError);
    expect((err as InvalidEventError).message).toContain(
      "internal error while reading the event: Error: boom",
    );
  });
});
