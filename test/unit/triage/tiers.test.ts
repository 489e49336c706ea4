import { describe, expect, it } from "vitest";
import type { Tier } from "../../../shared/domain/types.ts";
import { TIERS, tierFor, tiersAtLeast } from "../../../shared/triage/tiers.ts";

const thresholds = { critical: 80, high: 60, medium: 35 };

describe("tierFor", () => {
  it.each<[number, Tier]>([
    [100, "critical"],
    [80, "critical"],
    [79, "high"],
    [60, "high"],
    [59, "medium"],
    [35, "medium"],
    [34, "low"],
    [0, "low"],
  ])("places a score of %d in %s", (score, tier) => {
    expect(tierFor(score, thresholds)).toBe(tier);
  });
});

describe("tiersAtLeast", () => {
  it("lists every tier, highest first", () => {
    expect(TIERS).toStrictEqual(["critical", "high", "medium", "low"]);
  });

  it.each<[Tier, Tier[]]>([
    ["critical", ["critical"]],
    ["high", ["critical", "high"]],
    ["medium", ["critical", "high", "medium"]],
    ["low", ["critical", "high", "medium", "low"]],
  ])("gives the tiers at or above %s", (min, tiers) => {
    expect(tiersAtLeast(min)).toStrictEqual(tiers);
  });
});
