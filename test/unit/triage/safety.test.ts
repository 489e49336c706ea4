import { describe, expect, it } from "vitest";
import { blastRadius, DEFAULT_PROTECTED_TAG, isProtected } from "../../../shared/triage/safety.ts";
import { anInstance } from "./builders.ts";

const cfg = { protectedTag: { ...DEFAULT_PROTECTED_TAG }, protectedIds: ["i-0listed"] };

describe("isProtected", () => {
  it("protects a resource carrying the protected tag", () => {
    // Arrange
    const ctx = anInstance({ tags: { "incident-responder:protected": "true" } });

    // Act
    const result = isProtected(ctx, cfg);

    // Assert
    expect(result).toEqual({
      protected: true,
      reason: "i-0abc is protected (tag incident-responder:protected=true)",
    });
  });

  it("matches the tag key and value case-insensitively", () => {
    // Arrange
    const ctx = anInstance({ tags: { "Incident-Responder:Protected": " TRUE " } });

    // Act
    const result = isProtected(ctx, cfg);

    // Assert
    expect(result.protected).toBe(true);
  });

  it("protects a resource whose event tags carry the protected tag", () => {
    // Arrange
    const ctx = anInstance({ resource: { tags: { "incident-responder:protected": "true" } } });

    // Act
    const result = isProtected(ctx, cfg);

    // Assert
    expect(result.protected).toBe(true);
  });

  it("protects a resource listed by id or ARN", () => {
    // Arrange
    const byId = anInstance({ id: "i-0listed" });
    const byArn = anInstance({
      id: "i-0other",
      resource: { arn: "arn:aws:ec2:eu-west-1:1:instance/i-0other" },
    });

    // Act
    const a = isProtected(byId, cfg);
    const b = isProtected(byArn, { ...cfg, protectedIds: ["arn:aws:ec2:eu-west-1:1:instance/i-0other"] });

    // Assert
    expect(a).toEqual({ protected: true, reason: "i-0listed is protected (listed in protectedIds)" });
    expect(b.protected).toBe(true);
  });

  it("does not protect a resource with another value of the tag", () => {
    // Arrange
    const ctx = anInstance({ tags: { "incident-responder:protected": "false" } });

    // Act
    const result = isProtected(ctx, cfg);

    // Assert
    expect(result).toEqual({ protected: false });
  });
});

describe("blastRadius", () => {
  it.each([
    { count: 0, cap: 10, open: false },
    { count: 9, cap: 10, open: false },
    { count: 10, cap: 10, open: true },
    { count: 25, cap: 10, open: true },
    { count: 0, cap: 0, open: true },
  ])("is open=$open with $count containments and cap $cap", ({ count, cap, open }) => {
    // Act
    const result = blastRadius(count, cap);

    // Assert
    expect(result.open).toBe(open);
    if (open)
      expect(result.reason).toBe(`circuit open: ${count} containment(s) in the last hour, cap ${cap}`);
  });
});
