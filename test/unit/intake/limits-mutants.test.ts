/**
 * checkLimits stops reading a container as soon as the size budget is spent: elements and
 * values past that point are never read.
 */
import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { checkLimits, MAX_EVENT_CHARS } from "../../../shared/intake/limits.ts";

const TOO_LARGE = `the event is larger than ${MAX_EVENT_CHARS} characters`;

function limitError(event: unknown): InvalidEventError | undefined {
  try {
    checkLimits(event);
    return undefined;
  } catch (err) {
    if (err instanceof InvalidEventError) return err;
    throw err;
  }
}

describe("checkLimits on a container past the size limit", () => {
  it("stops reading an array's elements once the limit is passed (the first element is read last)", () => {
    // Arrange: elements are read from the end; each counts 1, so the budget runs out long
    // before index 0, whose getter records that it was read.
    const reads: number[] = [];
    const list: unknown[] = new Array(MAX_EVENT_CHARS + 1000);
    Object.defineProperty(list, 0, {
      get() {
        reads.push(0);
        return null;
      },
      enumerable: true,
    });

    // Act
    const err = limitError({ list });

    // Assert
    expect(err?.message).toBe(`list: ${TOO_LARGE}`);
    expect(reads).toStrictEqual([]);
  });

  it("stops reading an object's values once its keys pass the limit", () => {
    // Arrange: 100 keys of 3000 characters pass the limit; the value of the key after them
    // is a getter that records that it was read.
    const reads: string[] = [];
    const big: Record<string, unknown> = {};
    for (let i = 0; i < 100; i++) big[`${i}`.padStart(3000, "k")] = null;
    Object.defineProperty(big, "late", {
      get() {
        reads.push("late");
        return null;
      },
      enumerable: true,
    });

    // Act
    const err = limitError({ big });

    // Assert
    expect(err?.message).toBe(`big: ${TOO_LARGE}`);
    expect(reads).toStrictEqual([]);
  });
});
