import { describe, expect, it } from "vitest";
import type { Impact, Plan, PlannedAction } from "../../../shared/domain/types.ts";
import { escalate } from "../../../shared/triage/escalation.ts";

const impact = (tier: Impact["tier"], score: number): Impact => ({ tier, score, reasons: [], tags: {} });
const action = (name: string, o: Partial<PlannedAction> = {}): PlannedAction => ({
  name,
  params: {},
  requiresApproval: false,
  ...o,
});
const plan = (playbook: string, ...actions: PlannedAction[]): Plan => ({ playbook, actions, notes: [] });

const benign = {
  impact: impact("medium", 40),
  plan: plan("config-noncompliant-instance", action("notify"), action("collect-artifacts")),
  instances: ["i-0aaaaaaaaaaaaaaaa"],
};
const severe = {
  impact: impact("critical", 90),
  plan: plan(
    "guardduty-ec2-critical-high",
    action("contain-instance", { targets: ["i-0aaaaaaaaaaaaaaaa"] }),
    action("capture-snapshots"),
    action("collect-artifacts"),
    action("notify"),
  ),
  instances: ["i-0aaaaaaaaaaaaaaaa"],
};

describe("escalating an incident with a new finding's decision", () => {
  it("adds the actions the new finding asks for and takes the higher impact, saying why", () => {
    const out = escalate(benign, severe);

    expect(out.plan.actions.map((a) => a.name)).toEqual([
      "notify",
      "collect-artifacts",
      "contain-instance",
      "capture-snapshots",
    ]);
    expect(out.impact.tier).toBe("critical");
    expect(out.changed).toEqual(["contain-instance", "capture-snapshots"]);
    expect(out.reasons).toEqual([
      "impact medium → critical (score 90)",
      "contain-instance added",
      "capture-snapshots added",
    ]);
    expect(out.plan.playbook).toBe("config-noncompliant-instance + guardduty-ec2-critical-high");
  });

  it("never takes anything away: a weaker finding leaves the decision as it is", () => {
    const out = escalate(severe, benign);

    expect(out.reasons).toEqual([]);
    expect(out.changed).toEqual([]);
    expect(out.impact.tier).toBe("critical");
    expect(out.plan.actions).toEqual(severe.plan.actions);
  });

  it("adds instances a new finding names to containment", () => {
    const next = {
      ...severe,
      plan: plan("p", action("contain-instance", { targets: ["i-0bbbbbbbbbbbbbbbb"] })),
      instances: ["i-0bbbbbbbbbbbbbbbb"],
    };

    const out = escalate(severe, next);

    expect(out.plan.actions.find((a) => a.name === "contain-instance")?.targets).toEqual([
      "i-0aaaaaaaaaaaaaaaa",
      "i-0bbbbbbbbbbbbbbbb",
    ]);
    expect(out.changed).toEqual(["contain-instance"]);
  });

  it("takes a containment that only waited for approval out of the wait when the new decision contains at once", () => {
    const waiting = {
      ...severe,
      plan: plan(
        "p",
        action("contain-instance", { targets: ["i-0aaaaaaaaaaaaaaaa"], requiresApproval: true }),
      ),
    };

    const out = escalate(waiting, severe);

    expect(out.plan.actions.find((a) => a.name === "contain-instance")?.requiresApproval).toBe(false);
    expect(out.changed).toContain("contain-instance");
  });

  it("does not overrule a person's denial: grown containment waits for a new decision", () => {
    const denied = {
      ...severe,
      plan: plan(
        "p",
        action("contain-instance", { targets: ["i-0aaaaaaaaaaaaaaaa"], requiresApproval: true }),
      ),
      denied: ["contain-instance"],
    };
    const more = {
      ...severe,
      plan: plan("p", action("contain-instance", { targets: ["i-0bbbbbbbbbbbbbbbb"] })),
      instances: ["i-0bbbbbbbbbbbbbbbb"],
    };

    expect(escalate(denied, severe).plan.actions[0]?.requiresApproval).toBe(true);
    const grown = escalate(denied, more);
    expect(grown.plan.actions[0]).toMatchObject({ requiresApproval: true });
    expect(grown.reasons).toContain("contain-instance was denied before: it waits for a new decision");
  });

  it("does not repeat a playbook already in the name", () => {
    const once = escalate(benign, severe);
    const twice = escalate(
      { ...once, instances: benign.instances },
      { ...severe, plan: plan("guardduty-ec2-critical-high", action("launch-cleanroom")) },
    );

    expect(twice.plan.playbook).toBe("config-noncompliant-instance + guardduty-ec2-critical-high");
  });
});
