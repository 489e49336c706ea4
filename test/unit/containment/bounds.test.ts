/**
 * Containment reads every page of what it lists, up to stated bounds, and never calls an
 * instance verified when a bound left something unchecked: target groups past the listing's
 * 10 pages or past the 100 health reads, a list about the instance that never ends.
 */
import { DescribeIamInstanceProfileAssociationsCommand } from "@aws-sdk/client-ec2";
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterEach, describe, expect, it } from "vitest";
import { type ContainOptions, containInstance } from "../../../shared/containment/index.ts";
import { TARGET_GROUP_BOUNDS } from "../../../shared/containment/subject.ts";
import { ISOLATION_PROFILE, type Mocked, mockWorld, sampleWorld, type World } from "./world.ts";

const options = (over: Partial<ContainOptions> = {}): ContainOptions => ({
  incidentId: "ir-20250102-00000001",
  isolationProfileArn: ISOLATION_PROFILE,
  dryRun: false,
  stopInstance: false,
  asgMode: "standby",
  stopProtection: false,
  now: () => new Date("2025-01-02T03:04:05.000Z"),
  ...over,
});

let mocked: Mocked | undefined;
afterEach(() => {
  mocked?.ec2.restore();
  mocked?.autoScaling.restore();
  mocked?.elbv2.restore();
  mocked = undefined;
});

/** The sample world with `n` more target groups (in `vpcId`), before or after the instance's own. */
function withGroups(n: number, vpcId: string, ownFirst: boolean): World {
  const world = sampleWorld();
  const others = Array.from({ length: n }, (_, i) => ({
    arn: `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/other-${i}/${i}`,
    name: `other-${i}`,
    vpcId,
    type: "instance",
  }));
  world.targetGroups = ownFirst ? [...world.targetGroups, ...others] : [...others, ...world.targetGroups];
  return world;
}

const markers = (m: Mocked) =>
  m.elbv2.commandCalls(DescribeTargetGroupsCommand).map((c) => c.args[0].input.Marker);

describe("containment's bounded reads", () => {
  it("reads every page of target groups, and deregisters the instance from a group on the last", async () => {
    mocked = mockWorld(withGroups(850, "vpc-other", false));

    const out = await containInstance("i-0abc", mocked.clients, options());

    expect(markers(mocked)).toEqual([undefined, "400", "800"]);
    expect(mocked.world.targets[0]?.state).toBe("draining");
    expect(out.status, out.verification.open.join("; ")).toBe("verified");
  });

  it(`stops listing after ${TARGET_GROUP_BOUNDS.listPages} pages, and does not call the instance verified`, async () => {
    mocked = mockWorld(withGroups(4_001, "vpc-other", true));

    const out = await containInstance("i-0abc", mocked.clients, options());

    expect(markers(mocked)).toHaveLength(10);
    expect(mocked.world.targets[0]?.state).toBe("draining");
    expect(out.status).toBe("failed");
    expect(out.verification.open).toEqual([
      "could not verify target groups: more than 4000 target groups: the listing stopped at its bound, the others were not checked",
    ]);
    expect(out.steps.filter((s) => s.name === "fleet:target-group").map((s) => s.status)).toEqual([
      "ok",
      "failed",
    ]);
  });

  it(`reads the health of at most ${TARGET_GROUP_BOUNDS.healthReads} groups that can hold the instance, and says how many it left`, async () => {
    mocked = mockWorld(withGroups(149, "vpc-1", true));

    const out = await containInstance("i-0abc", mocked.clients, options());

    // 100 in the containment round, and the one group holding the instance again in verification.
    expect(mocked.elbv2.commandCalls(DescribeTargetHealthCommand)).toHaveLength(101);
    expect(out.status).toBe("failed");
    expect(out.verification.open).toEqual([
      "could not verify target groups: 150 target groups can hold the instance: the health of 100 was read (bound 100), 50 not checked",
    ]);
  });

  it("says so in a dry run too", async () => {
    mocked = mockWorld(withGroups(149, "vpc-1", true));

    const out = await containInstance("i-0abc", mocked.clients, options({ dryRun: true }));

    expect(out.verification.open).toContain(
      "could not verify target groups: 150 target groups can hold the instance: the health of 100 was read (bound 100), 50 not checked",
    );
  });

  it("takes a list about the instance that never ends for unknown, not for whole", async () => {
    mocked = mockWorld(sampleWorld());
    let asked = 0;
    mocked.ec2.on(DescribeIamInstanceProfileAssociationsCommand).callsFake(async () => {
      asked += 1;
      return { IamInstanceProfileAssociations: [], NextToken: `again-${asked}` };
    });

    const out = await containInstance("i-0abc", mocked.clients, options());

    // 20 pages in the first round, 20 more in verification: then it stops.
    expect(asked).toBe(40);
    expect(out.steps.find((s) => s.name === "identity:instance-profile")?.detail).toMatch(
      /LIST_BOUND: more than 20 pages: not read further/,
    );
    expect(out.status).toBe("failed");
  });
});
