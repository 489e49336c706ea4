import { describe, expect, it } from "vitest";
import type { Plan } from "../../../shared/domain/types.ts";
import { groupsToCreate } from "../../../shared/workflow/triage.ts";
import { anInstance } from "./builders.ts";

const plan = (targets?: string[]): Plan =>
  ({
    playbook: "test",
    actions: [
      { name: "contain-instance", requiresApproval: false, params: {}, ...(targets ? { targets } : {}) },
    ],
    notes: [],
  }) as unknown as Plan;

describe("groupsToCreate", () => {
  it("lists each missing group of the VPCs of the instances to contain, once", () => {
    const contexts = [
      anInstance({ id: "i-1", vpcId: "vpc-a", missingIsolationGroups: ["untracking", "isolation"] }),
      anInstance({ id: "i-2", vpcId: "vpc-a", missingIsolationGroups: ["untracking", "isolation"] }),
      anInstance({ id: "i-3", vpcId: "vpc-b", missingIsolationGroups: ["isolation"] }),
      anInstance({ id: "i-4", vpcId: "vpc-c", missingIsolationGroups: [] }),
    ];
    expect(groupsToCreate(plan(), contexts)).toEqual([
      { vpcId: "vpc-a", role: "untracking" },
      { vpcId: "vpc-a", role: "isolation" },
      { vpcId: "vpc-b", role: "isolation" },
    ]);
  });

  it("leaves out instances the plan does not contain, unknown VPCs, and plans without containment", () => {
    const contexts = [
      anInstance({ id: "i-1", vpcId: "vpc-a", missingIsolationGroups: ["isolation"] }),
      anInstance({ id: "i-2", missingIsolationGroups: ["isolation"] }),
    ];
    expect(groupsToCreate(plan(["i-2"]), contexts)).toEqual([]);
    expect(groupsToCreate({ ...plan(), actions: [] }, contexts)).toEqual([]);
  });
});
