/**
 * Resource ids and tags given values that are not what they look like: a list holding a valid
 * id, and a tag entry that is a function carrying key and value properties.
 */
import { describe, expect, it } from "vitest";
import { idProblem, isValidId, tagsFrom } from "../../../shared/intake/finding.ts";

describe("a resource id that is a list holding a valid id", () => {
  it("is a problem for idProblem, which says what the id must be", () => {
    // Arrange
    const id = ["alice"];

    // Act
    const problem = idProblem("iam-user", id);

    // Assert
    expect(problem).toBe("must be an IAM user name (got an array of 1)");
  });

  it("is not a valid id", () => {
    // Arrange
    const id = ["i-0123456789abcdef0"];

    // Act
    const valid = isValidId("ec2-instance", id);

    // Assert
    expect(valid).toBe(false);
  });
});

describe("tagsFrom", () => {
  it("skips a list entry that is a function, even one carrying key and value properties", () => {
    // Arrange
    const entry = Object.assign(() => undefined, { key: "env", value: "prod" });

    // Act
    const tags = tagsFrom([entry, { key: "team", value: "ops" }]);

    // Assert
    expect(tags).toStrictEqual({ team: "ops" });
  });
});
