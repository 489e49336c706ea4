/**
 * Schema failures as typed rejections: the path of the offending field inside the whole event,
 * and a short message about the value found there.
 */
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { invalid, joinPath, parseOrThrow } from "../../../shared/intake/validate.ts";
import { rejection } from "./helpers.ts";

describe("joinPath", () => {
  it.each([
    ["", [], ""],
    ["", ["detail"], "detail"],
    ["", ["detail", "findings", 0, "Id"], "detail.findings[0].Id"],
    ["", [0, "a"], "[0].a"],
    ["detail.", [], "detail"],
    ["detail.", ["resource"], "detail.resource"],
    ["detail.event.", ["detail", 2], "detail.event.detail[2]"],
    ["detail", ["x"], "detail.x"],
    [".x", ["y"], ".x.y"],
  ] as const)("joins %j and %j into %j", (prefix, segments, expected) => {
    // Act
    const out = joinPath(prefix, segments);

    // Assert
    expect(out).toBe(expected);
  });

  it("writes a symbol segment as its description", () => {
    // Act
    const out = joinPath("a.", [Symbol("s")]);

    // Assert
    expect(out).toBe("a.Symbol(s)");
  });
});

describe("parseOrThrow", () => {
  const Schema = z.object({
    name: z.string().regex(/^[a-z]+$/, { error: "must be lower-case letters" }),
    tags: z.record(z.string(), z.string()).optional(),
    list: z.array(z.number()).optional(),
    inner: z.object({ id: z.string() }).optional(),
  });

  it("returns the parsed value when it fits", () => {
    // Act
    const out = parseOrThrow(Schema, { name: "abc", extra: 1 }, "detail.");

    // Assert
    expect(out).toStrictEqual({ name: "abc" });
  });

  it("says a missing field is required, at its path under the prefix", () => {
    // Act
    const err = rejection(() => parseOrThrow(Schema, { inner: {} }, "detail."));

    // Assert
    expect(err.path).toBe("detail.name");
    expect(err.message).toBe("detail.name: is required");
  });

  it("says a missing nested field is required, with the whole path", () => {
    // Act
    const err = rejection(() => parseOrThrow(Schema, { name: "a", inner: {} }, ""));

    // Assert
    expect(err.path).toBe("inner.id");
    expect(err.message).toBe("inner.id: is required");
  });

  it.each([
    ["null", null, "must be string, got null"],
    ["an array", ["a"], "must be string, got array"],
    ["a number", 3, "must be string, got number"],
    ["an object", {}, "must be string, got object"],
    ["a boolean", false, "must be string, got boolean"],
  ])("names the type it got for %s", (_name, value, message) => {
    // Act
    const err = rejection(() => parseOrThrow(Schema, { name: value }, ""));

    // Assert
    expect(err.message).toBe(`name: ${message}`);
  });

  it("calls a record an object when the value is not one", () => {
    // Act
    const err = rejection(() => parseOrThrow(Schema, { name: "a", tags: [] }, ""));

    // Assert
    expect(err.message).toBe("tags: must be object, got array");
  });

  it("indexes array elements in the path", () => {
    // Act
    const err = rejection(() => parseOrThrow(Schema, { name: "a", list: [1, "2"] }, "detail."));

    // Assert
    expect(err.path).toBe("detail.list[1]");
    expect(err.message).toBe("detail.list[1]: must be number, got string");
  });

  it("adds the sanitised value to the schema's own wording", () => {
    // Act
    const err = rejection(() => parseOrThrow(Schema, { name: "Ab\u0000c" }, ""));

    // Assert
    expect(err.message).toBe('name: must be lower-case letters (got "Abc")');
  });

  it("adds the value to the messages of sizes, choices and custom checks", () => {
    // Arrange
    const Sized = z.object({
      long: z.string().max(2, { error: "is too long" }).optional(),
      short: z.string().min(2, { error: "is too short" }).optional(),
      pick: z.enum(["a", "b"], { error: "must be a or b" }).optional(),
      even: z
        .number()
        .refine((n) => n % 2 === 0, { error: "must be even" })
        .optional(),
      exact: z.literal("x", { error: "must be x" }).optional(),
    });

    // Act
    const messages = [{ long: "abc" }, { short: "a" }, { pick: "c" }, { even: 3 }, { exact: "y" }].map(
      (v) => rejection(() => parseOrThrow(Sized, v, "")).message,
    );

    // Assert
    expect(messages).toStrictEqual([
      'long: is too long (got "abc")',
      'short: is too short (got "a")',
      'pick: must be a or b (got "c")',
      "even: must be even (got 3)",
      'exact: must be x (got "y")',
    ]);
  });

  it("adds the value to the message of any other issue", () => {
    // Arrange
    const Strict = z.strictObject({ a: z.number() });

    // Act
    const err = rejection(() => parseOrThrow(Strict, { a: 1, b: 2 }, "detail."));

    // Assert
    expect(err.path).toBe("detail");
    expect(err.message).toBe('detail: Unrecognized key: "b" (got an object)');
  });

  it("adds the hint for the issue's path after a semicolon", () => {
    // Arrange
    const seen: (readonly PropertyKey[])[] = [];
    const hint = (path: readonly PropertyKey[]) => {
      seen.push(path);
      return "a likely cause";
    };

    // Act
    const err = rejection(() => parseOrThrow(Schema, { name: "a", list: ["x"] }, "", hint));

    // Assert
    expect(seen).toStrictEqual([["list", 0]]);
    expect(err.message).toBe("list[0]: must be number, got string; a likely cause");
  });

  it("adds nothing when the hint has nothing to say", () => {
    // Act
    const err = rejection(() => parseOrThrow(Schema, {}, "", () => undefined));

    // Assert
    expect(err.message).toBe("name: is required");
  });

  it("keeps zod's error as the cause", () => {
    // Act
    const err = rejection(() => parseOrThrow(Schema, {}, ""));

    // Assert
    expect(err.cause).toBeInstanceOf(z.ZodError);
  });

  it("rejects a value that is not an object at the prefix itself", () => {
    // Act
    const err = rejection(() => parseOrThrow(Schema, "text", "detail."));

    // Assert
    expect(err.path).toBe("detail");
    expect(err.message).toBe("detail: must be object, got string");
  });
});

describe("invalid", () => {
  it("throws an InvalidEventError with the path before the message", () => {
    // Act
    const err = rejection(() => invalid("is wrong", "detail.x"));

    // Assert
    expect(err.path).toBe("detail.x");
    expect(err.message).toBe("detail.x: is wrong");
    expect(err.retryable).toBe(false);
  });
});
