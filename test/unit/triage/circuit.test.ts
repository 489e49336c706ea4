import { describe, expect, it } from "vitest";
import type { Plan } from "../../../shared/domain/types.ts";
import { capWindows } from "../../../shared/incident/store.ts";
import { applyCircuit, instancesToReserve } from "../../../shared/triage/circuit.ts";

const plan = (requiresApproval = false): Plan => ({
  playbook: "p",
  actions: [
    { name: "contain-instance", params: {}, requiresApproval, targets: ["i-01", "i-02"] },
    { name: "notify", params: {}, requiresApproval: false },
  ],
  notes: [],
});

describe("the blast-radius circuit", () => {
  it("reserves slots only for instances contained at once", () => {
    expect(instancesToReserve(plan())).toEqual(["i-01", "i-02"]);
    expect(instancesToReserve(plan(true))).toEqual([]);
  });

  it("sends containment to a person when an instance got no slot, and says how full the hour is", () => {
    const out = applyCircuit(plan(), ["i-02"], 10, 10);

    expect(out.actions[0]?.requiresApproval).toBe(true);
    expect(out.actions[1]?.requiresApproval).toBe(false);
    expect(out.notes).toEqual([
      "circuit open: 10 containment(s) reserved in the last hour, cap 10 (no slot for i-02): contain-instance requires approval",
    ]);
  });

  it("leaves the plan alone when every instance got its slot", () => {
    const p = plan();
    expect(applyCircuit(p, [], 2, 10)).toBe(p);
  });
});

describe("the sliding hour of the containment cap", () => {
  it("counts the whole previous hour at the start of an hour, and none of it at its end", () => {
    expect(capWindows("2026-12-07T10:00:00.000Z")).toEqual({
      current: "2026-12-07T10",
      previous: "2026-12-07T09",
      previousWeight: 1,
    });
    expect(capWindows("2026-12-07T10:45:00.000Z").previousWeight).toBeCloseTo(0.25);
    expect(capWindows("2026-12-07T00:30:00.000Z").previous).toBe("2026-12-06T23");
  });

  it("is an hour wide, not a minute: a containment 59 minutes ago still weighs in", () => {
    // One minute into the hour, 59 of the previous hour's 60 minutes are within the last hour.
    expect(capWindows("2026-12-07T10:01:00.000Z")).toEqual({
      current: "2026-12-07T10",
      previous: "2026-12-07T09",
      previousWeight: expect.closeTo(59 / 60, 10),
    });
    // 59 minutes into it, one minute of the previous hour is left.
    expect(capWindows("2026-12-07T10:59:00.000Z").previousWeight).toBeCloseTo(1 / 60, 10);
    expect(capWindows("2026-12-07T10:59:59.999Z").current).toBe("2026-12-07T10");
  });
});
