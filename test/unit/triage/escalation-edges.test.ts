/**
 * Escalation at its edges: ties of tier and score, actions added with and without a wait,
 * containment's targets and role sessions, denials, notes and the playbook's name.
 */
import { describe, expect, it } from "vitest";
import type { Impact, Plan, PlannedAction } from "../../../shared/domain/types.ts";
import { escalate } from "../../../shared/triage/escalation.ts";

const impact = (tier: Impact["tier"], score: number, why = "x"): Impact => ({
  tier,
  score,
  reasons: [{ factor: "severity", points: score, text: why }],
  tags: {},
});
const action = (name: string, o: Partial<PlannedAction> = {}): PlannedAction => ({
  name,
  params: {},
  requiresApproval: false,
  ...o,
});
const plan = (playbook: string, actions: PlannedAction[], notes: string[] = []): Plan => ({
  playbook,
  actions,
  notes,
});
const A = "i-0aaaaaaaaaaaaaaaa";
const B = "i-0bbbbbbbbbbbbbbbb";
const C = "i-0cccccccccccccccc";

describe("the merged impact", () => {
  it("takes a higher score in the same tier, without saying the tier grew", () => {
    // Arrange
    const current = { impact: impact("high", 65), plan: plan("first", [action("notify")]), instances: [A] };
    const next = { impact: impact("high", 70), plan: plan("second", [action("notify")]), instances: [A] };

    // Act
    const out = escalate(current, next);

    // Assert
    expect(out).toStrictEqual({
      impact: next.impact,
      plan: plan("first", [action("notify")]),
      reasons: [],
      changed: [],
    });
  });

  it("keeps the incident's impact when the new one is as high and scores the same", () => {
    // Arrange
    const current = { impact: impact("high", 70, "first"), plan: plan("p", []), instances: [A] };
    const next = { impact: impact("high", 70, "second"), plan: plan("p", []), instances: [A] };

    // Act
    const out = escalate(current, next);

    // Assert
    expect(out.impact).toBe(current.impact);
  });

  it("takes a higher tier even with a lower score, and says so", () => {
    // Arrange: the two decisions were made under different thresholds
    const current = { impact: impact("high", 79), plan: plan("p", []), instances: [A] };
    const next = { impact: impact("critical", 70), plan: plan("p", []), instances: [A] };

    // Act
    const out = escalate(current, next);

    // Assert
    expect(out.impact).toBe(next.impact);
    expect(out.reasons).toStrictEqual(["impact high → critical (score 70)"]);
  });
});

describe("the merged actions", () => {
  it("adds notify quietly, and says when an added action waits for approval", () => {
    // Arrange
    const current = {
      impact: impact("high", 70),
      plan: plan("first", [action("capture-snapshots")]),
      instances: [A],
    };
    const next = {
      impact: impact("high", 70),
      plan: plan("second", [
        action("notify"),
        action("contain-instance", { targets: [A], requiresApproval: true }),
      ]),
      instances: [A],
    };

    // Act
    const out = escalate(current, next);

    // Assert
    expect(out).toStrictEqual({
      impact: current.impact,
      plan: plan("first + second", [
        action("capture-snapshots"),
        action("notify"),
        action("contain-instance", { targets: [A], requiresApproval: true }),
      ]),
      reasons: ["contain-instance added (waits for approval)"],
      changed: ["contain-instance"],
    });
  });

  it("changes nothing when the same decision comes again", () => {
    // Arrange
    const decision = {
      impact: impact("critical", 90),
      plan: plan(
        "p",
        [action("contain-instance", { targets: [A] }), action("capture-snapshots")],
        ["a note"],
      ),
      instances: [A],
    };

    // Act
    const out = escalate(decision, structuredClone(decision));

    // Assert
    expect(out).toStrictEqual({ impact: decision.impact, plan: decision.plan, reasons: [], changed: [] });
  });

  it("gives no targets to actions other than containment when the new finding names other instances", () => {
    // Arrange
    const current = {
      impact: impact("high", 70),
      plan: plan("p", [action("capture-snapshots")]),
      instances: [A],
    };
    const next = {
      impact: impact("high", 70),
      plan: plan("q", [action("capture-snapshots")]),
      instances: [B],
    };

    // Act
    const out = escalate(current, next);

    // Assert
    expect(out).toStrictEqual({
      impact: current.impact,
      plan: plan("p", [action("capture-snapshots")]),
      reasons: [],
      changed: [],
    });
  });

  it("merges notes, each once, the incident's first", () => {
    // Arrange
    const current = { impact: impact("high", 70), plan: plan("p", [], ["a", "b"]), instances: [A] };
    const next = { impact: impact("high", 70), plan: plan("p", [], ["b", "c"]), instances: [A] };

    // Act
    const out = escalate(current, next);

    // Assert
    expect(out.plan.notes).toStrictEqual(["a", "b", "c"]);
  });
});

describe("containment's targets", () => {
  it("starts from the incident's instances when containment names none", () => {
    // Arrange
    const current = {
      impact: impact("high", 70),
      plan: plan("p", [action("contain-instance")]),
      instances: [A, B],
    };
    const next = {
      impact: impact("high", 70),
      plan: plan("p", [action("contain-instance", { targets: [B, C] })]),
      instances: [B, C],
    };

    // Act
    const out = escalate(current, next);

    // Assert
    expect(out.plan.actions).toStrictEqual([action("contain-instance", { targets: [A, B, C] })]);
    expect(out.reasons).toStrictEqual([`contain-instance: also ${C}`]);
  });

  it("starts from containment's own targets, not every instance the incident names", () => {
    // Arrange: A was left out of containment (protected, say)
    const current = {
      impact: impact("high", 70),
      plan: plan("p", [action("contain-instance", { targets: [B] })]),
      instances: [A, B],
    };
    const next = {
      impact: impact("high", 70),
      plan: plan("p", [action("contain-instance", { targets: [A] })]),
      instances: [A],
    };

    // Act
    const out = escalate(current, next);

    // Assert
    expect(out.plan.actions).toStrictEqual([action("contain-instance", { targets: [B, A] })]);
    expect(out.changed).toStrictEqual(["contain-instance"]);
  });

  it("keeps the role session of each instance added, and only of those that have one", () => {
    // Arrange
    const current = {
      impact: impact("high", 70),
      plan: plan("p", [action("contain-instance", { targets: [A], sessionRoles: { [A]: "role-a" } })]),
      instances: [A],
    };
    const next = {
      impact: impact("high", 70),
      plan: plan("p", [
        action("contain-instance", { targets: [A, B, C], sessionRoles: { [A]: "role-x", [B]: "role-b" } }),
      ]),
      instances: [A, B, C],
    };

    // Act
    const out = escalate(current, next);

    // Assert
    expect(out.plan.actions).toStrictEqual([
      action("contain-instance", { targets: [A, B, C], sessionRoles: { [A]: "role-a", [B]: "role-b" } }),
    ]);
    expect(out.reasons).toStrictEqual([`contain-instance: also ${B}, ${C}`]);
  });

  it("ends a wait and grows at once, naming the action once among the changes", () => {
    // Arrange
    const current = {
      impact: impact("high", 70),
      plan: plan("p", [action("contain-instance", { targets: [A], requiresApproval: true })]),
      instances: [A],
    };
    const next = {
      impact: impact("high", 70),
      plan: plan("p", [action("contain-instance", { targets: [A, B] })]),
      instances: [A, B],
    };

    // Act
    const out = escalate(current, next);

    // Assert
    expect(out.plan.actions).toStrictEqual([action("contain-instance", { targets: [A, B] })]);
    expect(out.changed).toStrictEqual(["contain-instance"]);
    expect(out.reasons).toStrictEqual([
      `contain-instance: also ${B}`,
      "contain-instance no longer waits for approval: the new finding's decision contains at once",
    ]);
  });

  it("leaves a denied containment as it is when the new finding adds no instance", () => {
    // Arrange
    const current = {
      impact: impact("high", 70),
      plan: plan("p", [action("contain-instance", { targets: [A], requiresApproval: true })]),
      instances: [A],
      denied: ["contain-instance"],
    };
    const next = {
      impact: impact("high", 70),
      plan: plan("p", [action("contain-instance", { targets: [A] })]),
      instances: [A],
    };

    // Act
    const out = escalate(current, next);

    // Assert
    expect(out.plan.actions).toStrictEqual([
      action("contain-instance", { targets: [A], requiresApproval: true }),
    ]);
    expect(out.reasons).toStrictEqual([]);
    expect(out.changed).toStrictEqual([]);
  });

  it("sends a denied containment that grows back to a person, saying why", () => {
    // Arrange
    const current = {
      impact: impact("high", 70),
      plan: plan("p", [action("contain-instance", { targets: [A] })]),
      instances: [A],
      denied: ["contain-instance"],
    };
    const next = {
      impact: impact("high", 70),
      plan: plan("p", [action("contain-instance", { targets: [B] })]),
      instances: [B],
    };

    // Act
    const out = escalate(current, next);

    // Assert
    expect(out.plan.actions).toStrictEqual([
      action("contain-instance", { targets: [A, B], requiresApproval: true }),
    ]);
    expect(out.changed).toStrictEqual(["contain-instance"]);
    expect(out.reasons).toStrictEqual([
      `contain-instance: also ${B}`,
      "contain-instance was denied before: it waits for a new decision",
    ]);
  });
});
