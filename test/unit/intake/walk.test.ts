/**
 * The bounded readers of loosely shaped JSON that the catalogue's predicates use.
 */
import { describe, expect, it } from "vitest";
import { at, isObject, jsonDocument, listOf, stringsIn } from "../../../shared/intake/walk.ts";

describe("isObject", () => {
  it.each([
    [{}, true],
    [{ a: 1 }, true],
    [[], false],
    [null, false],
    ["x", false],
    [1, false],
    [undefined, false],
  ])("says %j is a plain object: %s", (value, expected) => {
    // Act + Assert
    expect(isObject(value)).toBe(expected);
  });
});

describe("at", () => {
  it.each([
    [{ a: { b: 1 } }, "a.b", 1],
    [{ a: { b: { c: "x" } } }, "a.b.c", "x"],
    [{ a: 1 }, "a", 1],
    [{ a: 1 }, "a.b", undefined],
    [{ a: null }, "a.b", undefined],
    [{ a: [{ b: 1 }] }, "a.0.b", undefined],
    [null, "a", undefined],
    ["a", "a", undefined],
  ])("reads %j at %s as %j", (value, path, expected) => {
    // Act + Assert
    expect(at(value, path)).toStrictEqual(expected);
  });
});

describe("listOf", () => {
  it.each([
    ["undefined", undefined, []],
    ["null", null, []],
    ["a bare array", [1, 2], [1, 2]],
    ["EC2's items", { items: [{ a: 1 }] }, [{ a: 1 }]],
    ["an item list", { item: ["x"] }, ["x"]],
    ["an empty object", {}, []],
    ["a single object", { a: 1 }, [{ a: 1 }]],
    ["items that are not a list", { items: "x" }, [{ items: "x" }]],
    ["item that is not a list", { item: 1 }, [{ item: 1 }]],
    ["a string", "s", ["s"]],
    ["zero", 0, [0]],
  ])("reads %s as a list", (_name, value, expected) => {
    // Act + Assert
    expect(listOf(value)).toStrictEqual(expected);
  });

  it("prefers items over item", () => {
    // Act + Assert
    expect(listOf({ items: [1], item: [2] })).toStrictEqual([1]);
  });
});

describe("stringsIn", () => {
  it("finds strings at every depth, values only, last first", () => {
    // Arrange
    const value = { key: "x", list: ["y", { deep: "z", n: 1, no: null }], t: true };

    // Act
    const out = stringsIn(value);

    // Assert
    expect(out).toStrictEqual(["z", "y", "x"]);
  });

  it("visits at most maxNodes nodes, pushing at most that many children of one", () => {
    // Act
    const out = stringsIn(["a", "b", "c"], 2);
    const fromObject = stringsIn({ a: "a", b: "b", c: "c" }, 2);

    // Assert: the list and then its second string: the third was never pushed.
    expect(out).toStrictEqual(["b"]);
    expect(fromObject).toStrictEqual(["b"]);
  });

  it("stops after maxNodes even when more strings are waiting", () => {
    // Act
    const out = stringsIn(["a", "b", "c", "d"], 3);

    // Assert
    expect(out).toStrictEqual(["c", "b"]);
  });

  it("reads a lone string", () => {
    // Act + Assert
    expect(stringsIn("s")).toStrictEqual(["s"]);
    expect(stringsIn(7)).toStrictEqual([]);
  });
});

describe("jsonDocument", () => {
  it.each([
    ["an object, as is", { a: 1 }, { a: 1 }],
    ["a JSON string", '{"a":1}', { a: 1 }],
    ["a URL-encoded JSON string", "%7B%22a%22%3A1%7D", { a: 1 }],
    ["text that is not JSON", "not json", undefined],
    ["text that is not even URL-encoded", "%E0%A4%A", undefined],
    ["undefined", undefined, undefined],
  ])("reads %s", (_name, value, expected) => {
    // Act + Assert
    expect(jsonDocument(value)).toStrictEqual(expected);
  });

  it("returns the same object, not a copy", () => {
    // Arrange
    const doc = { Statement: [] };

    // Act + Assert
    expect(jsonDocument(doc)).toBe(doc);
  });
});
