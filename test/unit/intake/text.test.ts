import { describe, expect, it } from "vitest";
import { describeValue, sanitizeText, truncate } from "../../../shared/intake/text.ts";

describe("sanitizeText", () => {
  it("removes control characters and bidi overrides", () => {
    // Arrange
    const input = "\u202eevil\u202c \u0000x\u0007y\u200b\u2066z\u2069\u009b";

    // Act
    const out = sanitizeText(input, 100);

    // Assert
    expect(out).toBe("evil xyz");
  });

  it("turns line breaks and tabs into single spaces and trims", () => {
    // Arrange
    const input = "  line1\r\n\tline2\u2028line3  ";

    // Act
    const out = sanitizeText(input, 100);

    // Assert
    expect(out).toBe("line1 line2 line3");
  });

  it("keeps emoji and other valid surrogate pairs", () => {
    // Arrange
    const input = "fire 🔥 and 𝔘";

    // Act
    const out = sanitizeText(input, 100);

    // Assert
    expect(out).toBe(input);
  });

  it("replaces lone surrogates with U+FFFD", () => {
    // Arrange
    const input = "a\ud83d b\udd25";

    // Act
    const out = sanitizeText(input, 100);

    // Assert
    expect(out).toBe("a\uFFFD b\uFFFD");
  });

  it("caps the length with an ellipsis", () => {
    // Arrange
    const input = "x".repeat(1000);

    // Act
    const out = sanitizeText(input, 512);

    // Assert
    expect(out).toHaveLength(512);
    expect(out.endsWith("…")).toBe(true);
  });

  it("cuts a 50 MB string to the limit", () => {
    // Arrange
    const input = "y".repeat(50_000_000);

    // Act
    const out = sanitizeText(input, 512);

    // Assert
    expect(out).toHaveLength(512);
  });
});

describe("truncate", () => {
  it("never splits a surrogate pair", () => {
    // Arrange
    const input = `ab${"🔥".repeat(10)}`;

    // Act
    const out = truncate(input, 4);

    // Assert
    expect(out).toBe("ab…");
  });
});

describe("describeValue", () => {
  it("quotes and sanitises strings and names other types", () => {
    // Arrange
    const values: unknown[] = ["i-1\u0000; rm", null, [], [1, 2], {}, 3, true, undefined];

    // Act
    const out = values.map((v) => describeValue(v));

    // Assert
    expect(out).toEqual([
      '"i-1; rm"',
      "null",
      "an empty array",
      "an array of 2",
      "an object",
      "3",
      "true",
      "a undefined",
    ]);
  });
});
