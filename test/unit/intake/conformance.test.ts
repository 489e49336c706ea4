/**
 * The conformance events written by other projects (test/fixtures/conformance): each gets the
 * outcome an incident responder expected, through what `responder plan` does before planning
 * (open SNS deliveries, wrap bare records, then intake). The same rules as the workspace's
 * check.mjs: a finding counts as alert/act/accept, ignored as ignore, a typed rejection as
 * reject; a rejected bare record must name the EventBridge envelope it expected.
 */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { openInput } from "../../../cli/commands/event-input.ts";
import { InvalidEventError } from "../../../shared/errors/index.ts";
import { normalizeEvent } from "../../../shared/intake/index.ts";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "../../fixtures/conformance");

interface Expectation {
  kind: string;
  expect: [string, string];
  alt: [string, string] | null;
}

const EXPECTATIONS = JSON.parse(readFileSync(join(DIR, "expectations.json"), "utf8")) as Record<
  string,
  Expectation
>;

const WANTED: Record<string, string> = {
  alert: "planned",
  act: "planned",
  accept: "planned",
  ignore: "ignored",
  reject: "invalid",
};

/** What `plan --offline` would answer, as status and the text it would show. */
function outcomeOf(file: string): { status: string; said: string } {
  const input: unknown = JSON.parse(readFileSync(join(DIR, file), "utf8"));
  try {
    const { event, envelopeAccount } = openInput(input);
    const result = normalizeEvent(event, envelopeAccount ? { envelopeAccount } : {});
    return result.kind === "finding"
      ? { status: "planned", said: result.finding.type }
      : { status: "ignored", said: result.reason };
  } catch (err) {
    if (err instanceof InvalidEventError) return { status: "invalid", said: err.message };
    throw err;
  }
}

describe("conformance events of other projects", () => {
  it("holds the copied events", () => {
    expect(Object.keys(EXPECTATIONS).length).toBeGreaterThanOrEqual(50);
  });

  it.each(Object.entries(EXPECTATIONS))("%s gets the expected outcome", (file, exp) => {
    // Act
    const { status, said } = outcomeOf(file);

    // Assert
    const allowed = [WANTED[exp.expect[0]], ...(exp.alt ? [WANTED[exp.alt[0]]] : [])];
    expect(allowed, `${status}: ${said}`).toContain(status);
    if (status === "invalid" && /raw-as-given/.test(exp.kind)) expect(said).toMatch(/eventbridge|envelope/i);
  });
});
