import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { MAX_DEPTH, MAX_EVENT_CHARS } from "../../../shared/intake/index.ts";
import { checkLimits } from "../../../shared/intake/limits.ts";
import { expectInvalid, fixture } from "./helpers.ts";

function nested(depth: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < depth; i++) v = { a: v };
  return v;
}

describe("checkLimits", () => {
  it("accepts the largest fixture (240 KB)", () => {
    // Arrange
    const event = fixture("malformed/constructed_huge_strings.json");

    // Act + Assert
    expect(() => checkLimits(event)).not.toThrow();
  });

  it("rejects an event larger than the EventBridge limit, naming where", () => {
    // Arrange
    const event = { source: "aws.guardduty", detail: { title: "x".repeat(MAX_EVENT_CHARS) } };

    // Act
    const err = (() => {
      try {
        checkLimits(event);
      } catch (e) {
        return e as InvalidEventError;
      }
    })();

    // Assert
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err?.path).toBe("detail.title");
    expect(err?.message).toContain("larger than");
  });

  it("rejects nesting deeper than the limit with the path of the deep node", () => {
    // Arrange
    const event = { detail: nested(MAX_DEPTH + 5) };

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toContain(`deeper than ${MAX_DEPTH}`);
    expect(err.path.startsWith("detail.a.a.a")).toBe(true);
  });

  it("rejects a cyclic object instead of looping", () => {
    // Arrange
    const event: Record<string, unknown> = { source: "aws.guardduty" };
    event.self = event;

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toMatch(/larger than|deeper than/);
  });

  it("rejects an array of a million elements without walking it all", () => {
    // Arrange
    const event = { detail: { findings: new Array(1_000_000).fill(0) } };

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.message).toContain("larger than");
  });
});
