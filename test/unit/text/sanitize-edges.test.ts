/**
 * The edges of every range the sanitiser names: the first and last code point of each range it
 * removes or folds, and the neighbour just outside, which must stay. Also the cut that
 * truncation makes next to a surrogate pair, and how block mode keeps a text's own spacing.
 */
import { describe, expect, it } from "vitest";
import {
  isControl,
  isInvisible,
  sanitizeBlock,
  sanitizeTagValue,
  sanitizeText,
  truncate,
} from "../../../shared/text/sanitize.ts";

const cps = (...points: number[]) => String.fromCodePoint(...points);
const hex = (cp: number) => `U+${cp.toString(16).toUpperCase()}`;

describe("the ranges the sanitiser removes, at their edges", () => {
  it.each([
    // [first or last removed, neighbour that is not removed (it may be folded to a space)]
    [0x180b, 0x180a],
    [0x180f, 0x1810],
    [0x202a, 0x2029],
    [0x202e, 0x202f],
    [0x2060, 0x205f],
    [0x206f, 0x2070],
    [0xfdd0, 0xfdcf],
    [0xfdef, 0xfdf0],
    [0xfe00, 0xfdff],
    [0xfe0d, 0xfe0e],
    [0xfff0, 0xffef],
    [0xfffb, 0xfffc],
    [0x1bca0, 0x1bc9f],
    [0x1bca3, 0x1bca4],
    [0x1d173, 0x1d172],
    [0x1d17a, 0x1d17b],
    [0xe0000, 0xdfffd],
    [0xe0fff, 0xe1000],
  ])("removes %s and keeps the code point just outside the range", (removed, kept) => {
    expect(isInvisible(removed), hex(removed)).toBe(true);
    expect(isInvisible(kept), hex(kept)).toBe(false);
    expect(sanitizeText(`a${cps(removed)}b`, 20), hex(removed)).toBe("ab");
    expect(sanitizeText(`a${cps(kept)}b`, 20), hex(kept)).not.toBe("ab");
  });

  it("removes the last C0 control U+001F, and DEL through U+009F, and keeps U+00A1", () => {
    expect(isControl(0x1f)).toBe(true);
    expect(isControl(0x20)).toBe(false);
    expect(isControl(0x7e)).toBe(false);
    expect(isControl(0xa0)).toBe(false);
    expect(sanitizeText("a\u001Fb\u007Fc\u009Fd\u00A1", 20)).toBe("abcd\u00A1");
  });

  it("folds the Ogham space mark, U+2000 to U+200A and the mathematical space to one plain space", () => {
    expect(sanitizeText("a\u1680b\u2000c\u200Ad\u205Fe\u00A0\u3000f", 40)).toBe("a b c d e f");
  });
});

describe("surrogates", () => {
  it("keeps pairs at both ends of the low-surrogate range, and decodes them as one character", () => {
    // U+10000 is D800 DC00, U+103FF is D800 DFFF, U+10FC00 is DBFF DC00
    const text = `a${cps(0x10000)}b${cps(0x103ff)}c${cps(0x10fc00)}d`;

    expect(sanitizeText(text, 40)).toBe(text);
  });

  it("replaces a high surrogate followed by a letter, and lone low surrogates at both ends of their range", () => {
    expect(sanitizeText("a\uD800b", 20)).toBe("a\uFFFDb");
    expect(sanitizeText("a\uD800\uE000b", 20)).toBe("a\uFFFD\uE000b");
    expect(sanitizeText("a\uDBFFb", 20)).toBe("a\uFFFDb");
    expect(sanitizeText("a\uDC00b\uDFFFc", 20)).toBe("a\uFFFDb\uFFFDc");
  });
});

describe("truncate", () => {
  it("keeps a value of exactly the maximum length", () => {
    expect(truncate("abcd", 4)).toBe("abcd");
    expect(truncate("abcde", 4)).toBe("abc…");
  });

  it("never splits a surrogate pair, whichever high surrogate starts it", () => {
    // The cut falls between the two halves of the pair: the whole pair goes.
    expect(truncate(`ab${cps(0x10000)}cd`, 4)).toBe("ab…");
    expect(truncate(`ab${cps(0x10fc00)}cd`, 4)).toBe("ab…");
    // A cut after a whole pair keeps it.
    expect(truncate(`a${cps(0x10000)}bcd`, 4)).toBe(`a${cps(0x10000)}…`);
  });
});

describe("bounded work", () => {
  it("examines at most four times the maximum length: text hidden behind padding is not reached", () => {
    const padded = `${"\u200B".repeat(40)}visible`;

    expect(sanitizeText(padded, 10)).toBe("");
    expect(sanitizeText(padded, 20)).toBe("visible");
  });
});

describe("sanitizeBlock keeps a text's own spacing", () => {
  it("keeps leading, repeated and trailing spaces and line feeds", () => {
    // The CR makes the text need cleaning; everything else stays as it was.
    expect(sanitizeBlock("  a  b\r\n\n  c \n")).toBe("  a  b\n\n  c \n");
  });

  it("turns the paragraph separator into a space, like the line separator", () => {
    expect(sanitizeBlock("a\u2029b\u2028c")).toBe("a b c");
  });

  it("cleans text that has no printable character at all", () => {
    expect(sanitizeBlock("\r\u001B\u0085")).toBe("");
  });
});

describe("sanitizeTagValue", () => {
  it("makes a value that is not a string empty", () => {
    expect(sanitizeTagValue(42)).toBe("");
    expect(sanitizeTagValue({ toString: () => "evil" })).toBe("");
    expect(sanitizeTagValue("ok\nfine")).toBe("ok fine");
  });
});
