import { describe, expect, it } from "vitest";
import type { Plan, PlannedAction } from "../../../shared/domain/types.ts";
import { applyCircuit, instancesToReserve } from "../../../shared/triage/circuit.ts";

const action = (name: string, o: Partial<PlannedAction> = {}): PlannedAction => ({
  name,
  params: {},
  requiresApproval: false,
  ...o,
});
const plan = (...actions: PlannedAction[]): Plan => ({ playbook: "p", actions, notes: ["earlier note"] });

describe("instancesToReserve", () => {
  it("reserves nothing for a plan that does not contain", () => {
    expect(instancesToReserve(plan(action("notify")))).toStrictEqual([]);
  });

  it("reserves nothing when containment names no instance", () => {
    expect(instancesToReserve(plan(action("contain-instance")))).toStrictEqual([]);
  });
});

describe("applyCircuit", () => {
  it("holds credential revocation with containment, lists every refused instance, and keeps earlier notes", () => {
    // Arrange
    const before = plan(
      action("contain-instance", { targets: ["i-01", "i-02", "i-03"] }),
      action("revoke-instance-credentials"),
      action("capture-snapshots"),
    );

    // Act
    const out = applyCircuit(before, ["i-02", "i-03"], 9, 10);

    // Assert
    expect(out).toStrictEqual({
      playbook: "p",
      actions: [
        action("contain-instance", { targets: ["i-01", "i-02", "i-03"], requiresApproval: true }),
        action("revoke-instance-credentials", { requiresApproval: true }),
        action("capture-snapshots"),
      ],
      notes: [
        "earlier note",
        "circuit open: 9 containment(s) reserved in the last hour, cap 10 (no slot for i-02, i-03): contain-instance requires approval",
      ],
    });
    expect(before.actions.map((a) => a.requiresApproval)).toStrictEqual([false, false, false]);
  });
});
