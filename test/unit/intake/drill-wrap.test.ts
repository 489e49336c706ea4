/**
 * wrapDrill's envelope exactly: the id it derives, and which parts of the inner envelope it
 * copies (only those that fit their grammar).
 */
import { describe, expect, it } from "vitest";
import { DRILL_DETAIL_TYPE, DRILL_SOURCE, wrapDrill } from "../../../shared/intake/drill.ts";

describe("wrapDrill", () => {
  it("builds only source, detail-type, id and detail from an inner event that has nothing valid, slashes of the scenario made dashes in the id", () => {
    // Arrange
    const inner = { id: "not an id!", account: "12345", region: "Europe", time: "yesterday" };

    // Act
    const drill = wrapDrill(inner, "a/b/c");

    // Assert
    expect(drill).toStrictEqual({
      version: "0",
      id: "drill-a-b-c",
      source: DRILL_SOURCE,
      "detail-type": DRILL_DETAIL_TYPE,
      resources: [],
      detail: { scenario: "a/b/c", event: inner },
    });
  });

  it.each([
    ["the inner event's id", { id: "abc-1" }, "drill-abc-1"],
    ["its scenario when the inner id is not text", { id: 5 }, "drill-s:1.x_y"],
    ["its scenario when there is no inner id", {}, "drill-s:1.x_y"],
  ])("is named after %s", (_name, inner, id) => {
    // Act + Assert
    expect(wrapDrill(inner, "s:1.x_y").id).toBe(id);
  });

  it("cuts a derived id to 128 characters", () => {
    // Act
    const fromInner = wrapDrill({ id: "i".repeat(128) }, "s").id;
    const fromScenario = wrapDrill({}, "s".repeat(128)).id;

    // Assert
    expect(fromInner).toBe(`drill-${"i".repeat(122)}`);
    expect(fromScenario).toBe(`drill-${"s".repeat(122)}`);
  });

  it("copies a valid account, region and time, and prefers the time it is given", () => {
    // Arrange
    const inner = { account: "123456789012", region: "eu-west-1", time: "2024-05-01T10:00:00+02:00" };

    // Act
    const copied = wrapDrill(inner, "s");
    const given = wrapDrill(inner, "s", { time: "2025-01-01T00:00:00Z", id: "mine" });

    // Assert
    expect([copied.account, copied.region, copied.time]).toStrictEqual([
      "123456789012",
      "eu-west-1",
      "2024-05-01T10:00:00+02:00",
    ]);
    expect(given.time).toBe("2025-01-01T00:00:00Z");
    expect(given.id).toBe("mine");
  });

  it("copies no account or region that is not text", () => {
    // Act
    const drill = wrapDrill({ account: 123456789012, region: ["eu-west-1"] }, "s");

    // Assert
    expect("account" in drill).toBe(false);
    expect("region" in drill).toBe(false);
  });
});
