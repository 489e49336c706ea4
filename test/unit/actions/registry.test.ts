/**
 * The action registry holds together: every action's steps are steps of the flow, in its lane;
 * every schema gives its defaults; the functions' permissions come from the actions they run.
 */
import { describe, expect, it } from "vitest";
import {
  ACTION_NAMES,
  ACTIONS,
  actionNamed,
  actionsOfLane,
  actionsOfStep,
  leaseOfStep,
  stepsOf,
} from "../../../shared/actions/index.ts";
import { LANES, STEPS } from "../../../shared/actions/step-names.ts";
import { FUNCTIONS } from "../../../shared/iam/functions.ts";

describe("the action registry", () => {
  it("knows each action once, by its name", () => {
    expect(new Set(ACTION_NAMES).size).toBe(ACTIONS.length);
    for (const a of ACTIONS) expect(actionNamed(a.name)).toBe(a);
    expect(actionNamed("no-such-action")).toBeUndefined();
  });

  it("gives every action's steps a place in the flow, in the action's own lane", () => {
    const flow = new Map(STEPS.map((s) => [s.step, s.lane]));
    for (const a of ACTIONS) {
      for (const step of a.steps) {
        expect(flow.get(step), `${a.name}: ${step}`).toBe(a.lane);
        expect(leaseOfStep(step)).toBe(LANES[a.lane as keyof typeof LANES].leaseMs);
      }
      for (const step of a.reopenOnGrowth) expect(flow.has(step), `${a.name}: ${step}`).toBe(true);
    }
  });

  it("names the actions that record a step, and the actions of a lane", () => {
    expect(stepsOf("contain-instance")).toEqual(["contain"]);
    expect(actionsOfStep("manifest")).toEqual([
      "capture-snapshots",
      "collect-artifacts",
      "collect-user-data",
      "image-disks",
    ]);
    expect(actionsOfLane("evidence")).toEqual([
      "capture-snapshots",
      "collect-artifacts",
      "collect-user-data",
      "image-disks",
    ]);
    expect(stepsOf("notify")).toEqual([]);
  });

  it("fills in every action's defaults from an empty parameter object", () => {
    for (const a of ACTIONS) expect(() => a.params.parse({})).not.toThrow();
    expect(actionNamed("capture-snapshots")?.params.parse({})).toEqual({
      lock: { mode: "governance", days: 30 },
      archiveTier: false,
    });
  });

  it("gives each function the IAM modules of the actions whose lane it runs", () => {
    for (const a of ACTIONS) {
      for (const [fn, modules] of Object.entries(a.permissions)) {
        expect(LANES[a.lane as keyof typeof LANES]?.function, `${a.name} runs in ${fn}`).toBe(fn);
        for (const m of modules ?? []) expect(FUNCTIONS[fn]?.modules, `${fn} runs ${m}`).toContain(m);
      }
    }
    expect(FUNCTIONS.triage?.modules).not.toContain("containment");
    expect(FUNCTIONS.contain?.modules).not.toContain("snapshots");
  });
});
