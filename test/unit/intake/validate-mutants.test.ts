/**
 * The value named in a schema message is read from the input as given: when a schema reshapes
 * its input first (preprocess), a path that does not exist in the input reads as nothing.
 */
import { describe, expect, it } from "vitest";
import * as z from "zod";
import { parseOrThrow } from "../../../shared/intake/validate.ts";
import { rejection } from "./helpers.ts";

describe("parseOrThrow on a schema that reshapes its input", () => {
  it.each([
    ["null", null],
    ["undefined", undefined],
  ])("says a field is required when the input was %s", (_name, input) => {
    // Arrange
    const Schema = z.preprocess((v) => v ?? {}, z.object({ name: z.string() }));

    // Act
    const err = rejection(() => parseOrThrow(Schema, input, "detail."));

    // Assert
    expect(err.path).toBe("detail.name");
    expect(err.message).toBe("detail.name: is required");
  });

  it("does not read a property of a text input as the field's value", () => {
    // Arrange
    const Schema = z.preprocess(() => ({}), z.object({ length: z.string() }));

    // Act
    const err = rejection(() => parseOrThrow(Schema, "abc", ""));

    // Assert
    expect(err.message).toBe("length: is required");
  });
});
