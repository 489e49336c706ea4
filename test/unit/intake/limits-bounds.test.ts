/**
 * The size and depth limits at their exact edges: how each kind of value is counted, where the
 * rejection points, and that the walk stops where it should.
 */
import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { checkLimits, MAX_DEPTH, MAX_EVENT_CHARS } from "../../../shared/intake/limits.ts";

/** The InvalidEventError checkLimits throws, or undefined when it accepts the value. */
function limitError(value: unknown): InvalidEventError | undefined {
  try {
    checkLimits(value);
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidEventError);
    return err as InvalidEventError;
  }
}

const TOO_LARGE = `the event is larger than ${MAX_EVENT_CHARS} characters`;

function nestedObjects(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = { a: v };
  return v;
}

function nestedArrays(levels: number): unknown {
  let v: unknown = 1;
  for (let i = 0; i < levels; i++) v = [v];
  return v;
}

describe("checkLimits counts", () => {
  it("a string as its length plus two quotes", () => {
    // Arrange: {"s": "…"} is 2 (braces) + 1 + 4 (key) + L + 2 (string).
    const fits = { s: "x".repeat(MAX_EVENT_CHARS - 9) };
    const over = { s: "x".repeat(MAX_EVENT_CHARS - 8) };

    // Act
    const accepted = limitError(fits);
    const refused = limitError(over);

    // Assert
    expect(accepted).toBeUndefined();
    expect(refused?.message).toBe(`s: ${TOO_LARGE}`);
    expect(refused?.path).toBe("s");
  });

  it("a top-level string on its own, with no path", () => {
    // Arrange
    const fits = "x".repeat(MAX_EVENT_CHARS - 2);
    const over = "x".repeat(MAX_EVENT_CHARS - 1);

    // Act
    const accepted = limitError(fits);
    const refused = limitError(over);

    // Assert
    expect(accepted).toBeUndefined();
    expect(refused?.message).toBe(TOO_LARGE);
    expect(refused?.path).toBe("");
  });

  it.each([
    ["a number", 1, 8],
    ["a bigint", 1n, 8],
    ["null", null, 5],
    ["true", true, 5],
    ["false", false, 5],
  ])("%s as its fixed width", (_name, value, width) => {
    // Arrange: {"v": value, "s": "…"}: 2 + 5 + 5 + width + L + 2.
    const room = MAX_EVENT_CHARS - 14 - width;
    const fits = { v: value, s: "x".repeat(room) };
    const over = { v: value, s: "x".repeat(room + 1) };

    // Act
    const accepted = limitError(fits);
    const refused = limitError(over);

    // Assert
    expect(accepted).toBeUndefined();
    expect(refused?.message).toContain(TOO_LARGE);
  });

  it("each array element as one comma plus its value, and the brackets as two", () => {
    // Arrange: ["…", 1]: 2 + 1 + 1 + (L + 2) + 8; the number, counted last, passes the limit.
    const fits = ["x".repeat(MAX_EVENT_CHARS - 14), 1];
    const over = ["x".repeat(MAX_EVENT_CHARS - 13), 1];

    // Act
    const accepted = limitError(fits);
    const refused = limitError(over);

    // Assert
    expect(accepted).toBeUndefined();
    expect(refused?.path).toBe("[1]");
  });

  it("each key as its length plus four, even for a value that adds nothing", () => {
    // Arrange: {"<key>": undefined, "s": "…"}: 2 + (K + 4) + 5 + (L + 2).
    const key = "k".repeat(100);
    const fits = { [key]: undefined, s: "x".repeat(MAX_EVENT_CHARS - 113) };
    const over = { [key]: undefined, s: "x".repeat(MAX_EVENT_CHARS - 112) };

    // Act
    const accepted = limitError(fits);
    const refused = limitError(over);

    // Assert
    expect(accepted).toBeUndefined();
    expect(refused?.path).toBe("s");
  });
});

describe("checkLimits rejects", () => {
  it("an array at the point where its elements pass the limit, naming the array", () => {
    // Arrange: the string is counted first (MAX − 17 + 14), then the array: 2, and 1 per
    // element; after its second element the total is exactly the limit, after its first one over.
    const event = { a: [null, null], s: "x".repeat(MAX_EVENT_CHARS - 17) };

    // Act
    const err = limitError(event);

    // Assert
    expect(err?.path).toBe("a");
    expect(err?.message).toBe(`a: ${TOO_LARGE}`);
  });

  it("an object at the point where its keys pass the limit, naming the object", () => {
    // Arrange: the string is counted first (12 + MAX − 21 + 2), then the object: 2, key p 5
    // (exactly the limit), key q 5 (over).
    const event = { o: { p: null, q: null }, s: "x".repeat(MAX_EVENT_CHARS - 21) };

    // Act
    const err = limitError(event);

    // Assert
    expect(err?.path).toBe("o");
    expect(err?.message).toBe(`o: ${TOO_LARGE}`);
  });

  it("names a nested element by its keys and indexes", () => {
    // Arrange
    const event = { detail: { findings: [{}, { title: "x".repeat(MAX_EVENT_CHARS) }] } };

    // Act
    const err = limitError(event);

    // Assert
    expect(err?.path).toBe("detail.findings[1].title");
  });

  it("names an element of a top-level array by its index alone", () => {
    // Arrange
    const event = [{ a: "x".repeat(MAX_EVENT_CHARS) }];

    // Act
    const err = limitError(event);

    // Assert
    expect(err?.path).toBe("[0].a");
  });
});

describe("checkLimits depth", () => {
  it("accepts objects nested exactly MAX_DEPTH levels", () => {
    // Arrange
    const event = nestedObjects(MAX_DEPTH);

    // Act
    const err = limitError(event);

    // Assert
    expect(err).toBeUndefined();
  });

  it("rejects objects nested one level deeper, at the deepest object", () => {
    // Arrange
    const event = nestedObjects(MAX_DEPTH + 1);

    // Act
    const err = limitError(event);

    // Assert
    const path = Array.from({ length: MAX_DEPTH }, () => "a").join(".");
    expect(err?.path).toBe(path);
    expect(err?.message).toBe(`${path}: nests deeper than ${MAX_DEPTH} levels`);
  });

  it("accepts arrays nested exactly MAX_DEPTH levels and rejects one more", () => {
    // Arrange
    const fits = nestedArrays(MAX_DEPTH);
    const over = nestedArrays(MAX_DEPTH + 1);

    // Act
    const accepted = limitError(fits);
    const refused = limitError(over);

    // Assert
    expect(accepted).toBeUndefined();
    expect(refused?.path).toBe("[0]".repeat(MAX_DEPTH));
    expect(refused?.message).toBe(`${"[0]".repeat(MAX_DEPTH)}: nests deeper than ${MAX_DEPTH} levels`);
  });

  it("accepts an empty object and an empty array", () => {
    // Act + Assert
    expect(limitError({})).toBeUndefined();
    expect(limitError([])).toBeUndefined();
  });
});
