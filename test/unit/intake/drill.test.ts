import { describe, expect, it } from "vitest";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { DRILL_DETAIL_TYPE, DRILL_SOURCE, wrapDrill } from "../../../shared/intake/index.ts";
import { expectFinding, expectIgnored, expectInvalid, fixture } from "./helpers.ts";

const SAMPLE_EC2 = "guardduty/UnauthorizedAccess_EC2_SSHBruteForce.json";

describe("wrapDrill", () => {
  it("builds a complete drill event from the inner event's envelope", () => {
    // Arrange
    const inner = fixture(SAMPLE_EC2);

    // Act
    const drill = wrapDrill(inner, "compromised-instance");

    // Assert
    expect(drill).toEqual({
      version: "0",
      id: "drill-0a02eb58-c6de-dbf4-0a08-69c8828f5723",
      source: DRILL_SOURCE,
      "detail-type": DRILL_DETAIL_TYPE,
      account: "785665517223",
      region: "us-east-1",
      time: "2018-11-08T20:25:00Z",
      resources: [],
      detail: { scenario: "compromised-instance", event: inner },
    });
  });

  it("takes the id and time it is given", () => {
    // Act
    const drill = wrapDrill(fixture(SAMPLE_EC2), "s", { id: "drill-1", time: "2024-01-01T00:00:00Z" });

    // Assert
    expect(drill.id).toBe("drill-1");
    expect(drill.time).toBe("2024-01-01T00:00:00Z");
  });

  it.each([
    ["an empty scenario", "", "detail.scenario"],
    ["a scenario with a newline", "a\nb", "detail.scenario"],
  ])("rejects %s", (_name, scenario, path) => {
    // Act
    const err = (() => {
      try {
        wrapDrill(fixture(SAMPLE_EC2), scenario);
      } catch (e) {
        return e;
      }
    })() as InvalidEventError;

    // Assert
    expect(err).toBeInstanceOf(InvalidEventError);
    expect(err.path).toBe(path);
  });
});

describe("drill intake", () => {
  it("runs a sample finding as a drill with its scenario", () => {
    // Arrange
    const event = wrapDrill(fixture(SAMPLE_EC2), "compromised-instance");

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.drill).toBe(true);
    expect(finding.scenario).toBe("compromised-instance");
    expect(finding.raw).toBe(event);
    expect(finding.source).toBe("guardduty");
  });

  it("accepts a hand-made drill with only source, detail-type and detail", () => {
    // Arrange
    const event = {
      source: DRILL_SOURCE,
      "detail-type": DRILL_DETAIL_TYPE,
      detail: { scenario: "manual", event: fixture(SAMPLE_EC2) },
    };

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.scenario).toBe("manual");
  });

  it("rejects a drill inside a drill", () => {
    // Arrange
    const event = wrapDrill(wrapDrill(fixture(SAMPLE_EC2), "inner"), "outer");

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.event.source");
    expect(err.message).toContain("drills cannot be nested");
  });

  it("rejects a drill without an inner event", () => {
    // Arrange
    const event = { source: DRILL_SOURCE, "detail-type": DRILL_DETAIL_TYPE, detail: { scenario: "x" } };

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.event");
  });

  it("ignores other detail-types of the drill source", () => {
    // Arrange
    const event = { source: DRILL_SOURCE, "detail-type": "Drill Report", detail: {} };

    // Act
    const result = expectIgnored(event);

    // Assert
    expect(result.reason).toContain('detail-type "Drill Report"');
  });

  it("applies the severity floor to drills too", () => {
    // Arrange
    const event = wrapDrill(fixture(SAMPLE_EC2), "low");

    // Act
    const result = expectIgnored(event, { minSeverity: 4 });

    // Assert
    expect(result.reason).toBe("severity 2 is below the minimum 4");
  });
});
