/**
 * How values from an event are echoed in errors and reasons: quoted, cleaned and short.
 */
import { describe, expect, it } from "vitest";
import { describeValue, quote } from "../../../shared/intake/text.ts";

describe("describeValue", () => {
  it("cuts a string to 60 characters by default, with an ellipsis", () => {
    // Act
    const out = describeValue("x".repeat(100));

    // Assert
    expect(out).toBe(JSON.stringify(`${"x".repeat(59)}…`));
  });

  it("keeps a string of exactly 60 characters whole", () => {
    // Act
    const out = describeValue("y".repeat(60));

    // Assert
    expect(out).toBe(JSON.stringify("y".repeat(60)));
  });

  it("cuts to the length it is given", () => {
    // Act
    const out = describeValue("abcdef", 3);

    // Assert
    expect(out).toBe('"ab…"');
  });

  it.each([
    ["false", false, "false"],
    ["zero", 0, "0"],
    ["a bigint", 1n, "a bigint"],
    ["a symbol", Symbol("s"), "a symbol"],
    ["a function", () => 1, "a function"],
    ["an array of one", [null], "an array of 1"],
    ["an empty string", "", '""'],
  ])("names %s", (_name, value, expected) => {
    // Act + Assert
    expect(describeValue(value)).toBe(expected);
  });
});

describe("quote", () => {
  it("quotes cleaned text, cut to 80 characters by default", () => {
    // Act
    const short = quote("a\u202eb\nc");
    const long = quote("z".repeat(81));
    const exact = quote("z".repeat(80));

    // Assert
    expect(short).toBe('"ab c"');
    expect(long).toBe(JSON.stringify(`${"z".repeat(79)}…`));
    expect(exact).toBe(JSON.stringify("z".repeat(80)));
  });

  it("cuts to the length it is given", () => {
    // Act + Assert
    expect(quote("abcdef", 4)).toBe('"abc…"');
  });
});
