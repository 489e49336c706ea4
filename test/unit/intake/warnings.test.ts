/**
 * Lenient intake: a malformed field the response does not need becomes a warning on the
 * finding; what the response needs (instance ids, account, severity, type) stays strict.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { IntakeWarnings, lenientTime, MAX_WARNINGS } from "../../../shared/intake/warnings.ts";
import { clone, expectFinding, expectInvalid, fixture } from "./helpers.ts";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/conformance");
const load = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(DIR, file), "utf8"));

describe("lenient GuardDuty fields", () => {
  it("uses the envelope's time when the finding's timestamps have no T, with a warning for each", () => {
    // Arrange: Panther stores createdAt/updatedAt as "2025-02-25 20:40:06.721".
    const event = load("panther-analysis/AttackSequence_IAM_CompromisedCredentials.eventbridge.json");

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.time).toBe(event.time);
    expect(finding.severity).toBe(9);
    expect(finding.warnings).toEqual([
      expect.stringMatching(/^detail\.updatedAt: must be an ISO-8601 date-time .*not used$/),
      expect.stringMatching(/^detail\.createdAt: must be an ISO-8601 date-time .*not used$/),
    ]);
  });

  it("accepts a non-EC2 finding without a resource block, with a warning", () => {
    // Arrange
    const event = load(
      "panther-analysis/PrivilegeEscalation_IAMUser_AdministrativePermissions.eventbridge.json",
    );

    // Act
    const finding = expectFinding(event);

    // Assert
    expect(finding.resources).toEqual([]);
    expect(finding.warnings).toEqual(["detail.resource: is missing: the finding names no affected resource"]);
  });

  it("rejects an EC2 finding without a resource block: its instance is what the response acts on", () => {
    // Arrange
    const event = clone(fixture("guardduty/UnauthorizedAccess_EC2_SSHBruteForce.json")) as {
      detail: Record<string, unknown>;
    };
    delete event.detail.resource;

    // Act
    const err = expectInvalid(event);

    // Assert
    expect(err.path).toBe("detail.resource");
  });

  it("still rejects a malformed severity", () => {
    // Arrange
    const event = load("panther-analysis/AttackSequence_IAM_CompromisedCredentials.eventbridge.json") as {
      detail: Record<string, unknown>;
    };
    event.detail.severity = "critical";

    // Act + Assert
    expect(expectInvalid(event).path).toBe("detail.severity");
  });
});

describe("IntakeWarnings", () => {
  it("keeps at most MAX_WARNINGS and says how many more there were", () => {
    // Arrange
    const warnings = new IntakeWarnings();

    // Act
    for (let i = 0; i < MAX_WARNINGS + 3; i++) warnings.add(`f${i}`, "bad");

    // Assert
    const list = warnings.list();
    expect(list).toHaveLength(MAX_WARNINGS + 1);
    expect(list.at(-1)).toBe("… and 3 more warnings");
  });

  it("reads an ISO time and refuses anything else with a warning", () => {
    // Arrange
    const warnings = new IntakeWarnings();

    // Act
    const good = lenientTime("2024-05-01T10:00:00Z", "t", warnings);
    const bad = lenientTime(12345, "u", warnings);

    // Assert
    expect(good).toBe("2024-05-01T10:00:00Z");
    expect(bad).toBeUndefined();
    expect(warnings.list()).toEqual([expect.stringMatching(/^u: must be an ISO-8601 date-time/)]);
  });
});
