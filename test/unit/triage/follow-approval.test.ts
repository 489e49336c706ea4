import { describe, expect, it } from "vitest";
import type { PlannedAction } from "../../../shared/domain/types.ts";
import { followContainApproval } from "../../../shared/triage/choose-playbook.ts";

const action = (name: string, requiresApproval: boolean): PlannedAction => ({
  name,
  params: {},
  requiresApproval,
});

describe("revoke-instance-credentials follows containment's approval", () => {
  it("waits for a person when containment does (a denial then ends the contain step)", () => {
    const actions = [action("contain-instance", true), action("revoke-instance-credentials", false)];
    followContainApproval(actions);
    expect(actions.map((a) => a.requiresApproval)).toEqual([true, true]);
  });

  it("runs at once when containment does, and touches no other action", () => {
    const actions = [
      action("contain-instance", false),
      action("revoke-instance-credentials", false),
      action("capture-snapshots", false),
    ];
    followContainApproval(actions);
    expect(actions.map((a) => a.requiresApproval)).toEqual([false, false, false]);
    const held = [action("contain-instance", true), action("capture-snapshots", false)];
    followContainApproval(held);
    expect(held.map((a) => a.requiresApproval)).toEqual([true, false]);
  });
});

describe("the containment revocation follows", () => {
  it("is contain-instance's, wherever it stands in the plan, not another action's", () => {
    const waiting = [
      action("notify", false),
      action("contain-instance", true),
      action("revoke-instance-credentials", false),
    ];
    const notWaiting = [
      action("launch-cleanroom", true),
      action("contain-instance", false),
      action("revoke-instance-credentials", false),
    ];

    followContainApproval(waiting);
    followContainApproval(notWaiting);

    expect(waiting.map((a) => a.requiresApproval)).toStrictEqual([false, true, true]);
    expect(notWaiting.map((a) => a.requiresApproval)).toStrictEqual([true, false, false]);
  });
});
