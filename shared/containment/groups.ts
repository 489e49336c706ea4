/**
 * The responder's two security groups per VPC: `incident-responder-untracking` (all traffic
 * both ways: turns tracked connections into untracked ones) and `incident-responder-isolation`
 * (no rule at all). Created once per VPC and reused; found by tag; a concurrent creation
 * (InvalidGroup.Duplicate) makes the loser adopt the winner's group.
 */
import {
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type IpPermission,
} from "@aws-sdk/client-ec2";
import { errorCode, toAwsError } from "../aws/errors.ts";
import type { ActionResult } from "../domain/types.ts";
import { alreadyDone, send } from "./calls.ts";
import { createGroupCall, type GroupPreparation, planVpcGroups, ruleChanges } from "./group-rules.ts";
import { readManagedGroups } from "./read.ts";
import type { EarlyGroups } from "./record-schema.ts";
import { toManagedGroup } from "./subject.ts";
import { CallTracker, failure, type Lane, type Task } from "./tracker.ts";
import { GROUP_NAME, type GroupCreation, type GroupRole, type PlannedCall, TAG } from "./vocabulary.ts";

/** Makes one rule change; a revoke of rules that partly do not exist is retried range by range. */
async function applyRule(lane: Lane, ec2: EC2Client, call: PlannedCall): Promise<void> {
  try {
    await lane.call(() => send({ ec2 }, call));
    return;
  } catch (err) {
    if (!alreadyDone(call.operation, err)) throw err;
    // An authorize of a rule that is there already: done.
    if (!call.operation.startsWith("Revoke")) return;
  }
  // Some endpoints refuse a whole revoke when one of its ranges is absent: revoke each alone.
  const perms = (call.input.IpPermissions ?? []) as IpPermission[];
  const single = perms.flatMap((p) => [
    ...(p.IpRanges ?? []).map((r) => ({ ...p, IpRanges: [r], Ipv6Ranges: undefined })),
    ...(p.Ipv6Ranges ?? []).map((r) => ({ ...p, IpRanges: undefined, Ipv6Ranges: [r] })),
  ]);
  if (single.length <= 1) return;
  await lane.all(
    single.map((perm) => async (sub: Lane) => {
      try {
        await sub.call(() => send({ ec2 }, { ...call, input: { ...call.input, IpPermissions: [perm] } }));
      } catch (err) {
        if (!alreadyDone(call.operation, err)) throw err;
      }
    }),
  );
}

/** What preparing one group did. */
interface PreparedGroup {
  vpcId: string;
  role: GroupRole;
  groupId: string;
  how: "existing" | "created" | "adopted";
  ruleChanges: string[];
}

/**
 * Prepares one group in a lane: creates it (or adopts the one a concurrent run created),
 * then makes its rules right, the rule changes in parallel. An adopted group that does not
 * carry the responder's tags is tagged first, in a call of its own: IAM allows rule changes
 * only on groups tagged `incident-responder:managed=true`, so a rule change made before (or
 * beside) the tagging would be refused and the group left for the next run to finish.
 * Throws the AWS error on failure.
 */
async function prepareGroup(lane: Lane, ec2: EC2Client, prep: GroupPreparation): Promise<PreparedGroup> {
  let groupId = prep.groupId;
  let rules = prep.rules;
  let tagging: PlannedCall | undefined;
  let how: PreparedGroup["how"] = prep.created ? "created" : "existing";
  if (!groupId) {
    const create = prep.create;
    if (!create)
      throw new Error(`group preparation of ${prep.role} in ${prep.vpcId} has neither id nor creation`);
    try {
      const out = await lane.call(() => ec2.send(new CreateSecurityGroupCommand(create.input as never)));
      if (!out.GroupId) throw new Error("CreateSecurityGroup returned no GroupId");
      groupId = out.GroupId;
      how = "created";
      rules = ruleChanges(prep.role, groupId);
    } catch (err) {
      if (errorCode(err) !== "InvalidGroup.Duplicate") throw err;
      const found = await lane.call(() =>
        ec2.send(
          new DescribeSecurityGroupsCommand({
            Filters: [
              { Name: "vpc-id", Values: [prep.vpcId] },
              { Name: "group-name", Values: [GROUP_NAME[prep.role]] },
            ],
          }),
        ),
      );
      const g = found.SecurityGroups?.find((x) => x.GroupId);
      if (!g?.GroupId) throw err;
      groupId = g.GroupId;
      how = "adopted";
      rules = ruleChanges(prep.role, groupId, {
        ingress: g.IpPermissions ?? [],
        egress: g.IpPermissionsEgress ?? [],
      });
      if (!toManagedGroup(g)) {
        // A group of that name not tagged as ours: tag it, so that IAM lets its rules be
        // changed and the next lookup finds it.
        tagging = {
          service: "ec2",
          operation: "CreateTags",
          input: {
            Resources: [groupId],
            Tags: [
              { Key: TAG.role, Value: prep.role },
              { Key: TAG.managed, Value: "true" },
            ],
          },
        };
      }
    }
  }
  const id = groupId;
  if (tagging) {
    const call = tagging;
    await lane.call(() => send({ ec2 }, call));
  }
  const resolved = rules.map((r) => ({
    ...r,
    input: { ...r.input, ...("GroupId" in r.input ? { GroupId: id } : {}) },
  }));
  await lane.all(resolved.map((r) => (sub: Lane) => applyRule(sub, ec2, r)));
  return {
    vpcId: prep.vpcId,
    role: prep.role,
    groupId: id,
    how,
    ruleChanges: [...(tagging ? [tagging.operation] : []), ...resolved.map((r) => r.operation)],
  };
}

/** {@link prepareGroup} reported as a sub-step (`network:isolation-group` on the VPC). */
export async function prepareGroupStep(
  lane: Lane,
  ec2: EC2Client,
  prep: GroupPreparation,
): Promise<{ result: ActionResult; groupId?: string }> {
  const name = `network:${prep.role}-group`;
  try {
    const g = await prepareGroup(lane, ec2, prep);
    const verb =
      g.how === "created" ? "created" : g.how === "adopted" ? "adopted (created concurrently)" : "reused";
    const rules = g.ruleChanges.length ? `; rules fixed: ${g.ruleChanges.join(", ")}` : "";
    return {
      result: {
        name,
        target: prep.vpcId,
        status: "ok",
        detail: `${verb} ${g.groupId} (${GROUP_NAME[prep.role]})${rules}`,
        data: { groupId: g.groupId, how: g.how },
      },
      groupId: g.groupId,
    };
  } catch (err) {
    return {
      result: failure(
        name,
        prep.vpcId,
        prep.create && !prep.groupId ? "CreateSecurityGroup" : "security group rules",
        err,
      ),
    };
  }
}

/**
 * Makes sure the VPC has its two managed groups with the right rules, creating them when
 * missing (concurrent callers end up with the same pair). Throws a typed error on failure.
 */
export async function ensureIsolationGroups(
  ec2: EC2Client,
  vpcId: string,
): Promise<{ untrackingGroupId: string; isolationGroupId: string }> {
  const tracker = new CallTracker();
  const ids: Partial<Record<GroupRole, string>> = {};
  let found: ReturnType<typeof toManagedGroup>[] = [];
  try {
    await tracker.round([
      async (lane) => {
        found = (await readManagedGroups(lane, ec2, [vpcId])).map(toManagedGroup);
      },
    ]);
  } catch (err) {
    throw toAwsError("DescribeSecurityGroups", err);
  }
  const managed = found.filter((g) => g !== undefined);
  for (const g of managed) if (g.vpcId === vpcId) ids[g.role] ??= g.groupId;
  const preps = planVpcGroups([vpcId], managed);
  try {
    await tracker.round(
      preps.map((p) => async (lane) => {
        ids[p.role] = (await prepareGroup(lane, ec2, p)).groupId;
      }),
    );
  } catch (err) {
    throw toAwsError("CreateSecurityGroup", err);
  }
  return { untrackingGroupId: ids.untracking as string, isolationGroupId: ids.isolation as string };
}

/**
 * The managed groups that triage found missing, created in containment's first round beside
 * the observation instead of after it: the first incident in a VPC is then isolated in 4
 * rounds, not 5. One instance per incident makes the calls; the others of the same incident
 * wait for them. Only the creation happens here: the rules follow in the next round, and
 * whatever does not succeed (a group a concurrent run created, an error) is left to the
 * ordinary preparation, which creates or adopts it.
 */
export class EarlyGroupCreation implements EarlyGroups {
  private started: Promise<GroupCreation[]> | undefined;

  constructor(
    private readonly ec2: EC2Client,
    readonly wanted: { vpcId: string; role: GroupRole }[],
  ) {}

  /** A task of the first round: makes the creations, or waits for those already under way. */
  task(): Task {
    return async (lane) => {
      if (this.started) return lane.wait(this.started);
      this.started = lane.all(
        this.wanted.map((w) => async (sub: Lane): Promise<GroupCreation> => {
          const call = createGroupCall(w.vpcId, w.role);
          try {
            const out = await sub.call(() =>
              this.ec2.send(new CreateSecurityGroupCommand(call.input as never)),
            );
            return { ...w, ...(out.GroupId ? { groupId: out.GroupId } : {}) };
          } catch {
            return { ...w };
          }
        }),
      );
      return this.started;
    };
  }

  /** What the creations gave (nothing before the first round). */
  async results(): Promise<GroupCreation[]> {
    return this.started ?? [];
  }
}
