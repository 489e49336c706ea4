/**
 * Pure: what the responder's security groups must be (untracking: all traffic both ways,
 * IPv4 and IPv6; isolation: no rule at all), and what to do to a VPC's groups — create them,
 * or fix their rules — before interfaces can move to them.
 */
import type { IpPermission } from "@aws-sdk/client-ec2";
import type { InstanceSubject, ManagedGroup } from "./subject.ts";
import {
  GROUP_DESCRIPTION,
  GROUP_NAME,
  type GroupCreation,
  type GroupRole,
  type PlannedCall,
  TAG,
} from "./vocabulary.ts";

/** Preparation of one managed group of one VPC: creation and/or rule changes. */
export interface GroupPreparation {
  vpcId: string;
  role: GroupRole;
  /** The existing group; absent when it has to be created. */
  groupId?: string;
  /** True when this run has just created `groupId` (see {@link adoptCreated}): only its rules remain. */
  created?: boolean;
  create?: PlannedCall;
  /** Rule changes that make the group what its role says. */
  rules: PlannedCall[];
}

const ALL_V4 = "0.0.0.0/0";
const ALL_V6 = "::/0";

function allTraffic(perms: IpPermission[]): { v4: boolean; v6: boolean } {
  const all = perms.filter((p) => p.IpProtocol === "-1");
  return {
    v4: all.some((p) => (p.IpRanges ?? []).some((r) => r.CidrIp === ALL_V4)),
    v6: all.some((p) => (p.Ipv6Ranges ?? []).some((r) => r.CidrIpv6 === ALL_V6)),
  };
}

function allTrafficPermission(v4: boolean, v6: boolean): IpPermission {
  return {
    IpProtocol: "-1",
    ...(v4 ? { IpRanges: [{ CidrIp: ALL_V4 }] } : {}),
    ...(v6 ? { Ipv6Ranges: [{ CidrIpv6: ALL_V6 }] } : {}),
  };
}

/** The rules a managed group of the role must have: those {@link ruleChanges} leaves as they are. */
export function roleRules(role: GroupRole): { ingress: IpPermission[]; egress: IpPermission[] } {
  const all = role === "untracking" ? [allTrafficPermission(true, true)] : [];
  return { ingress: all, egress: [...all] };
}

/** A described rule as a revoke input: empty lists dropped, group pairs by id. */
function revocable(p: IpPermission): IpPermission {
  const out: IpPermission = { IpProtocol: p.IpProtocol };
  if (p.FromPort !== undefined) out.FromPort = p.FromPort;
  if (p.ToPort !== undefined) out.ToPort = p.ToPort;
  if (p.IpRanges?.length) out.IpRanges = p.IpRanges.map((r) => ({ CidrIp: r.CidrIp }));
  if (p.Ipv6Ranges?.length) out.Ipv6Ranges = p.Ipv6Ranges.map((r) => ({ CidrIpv6: r.CidrIpv6 }));
  if (p.PrefixListIds?.length)
    out.PrefixListIds = p.PrefixListIds.map((r) => ({ PrefixListId: r.PrefixListId }));
  if (p.UserIdGroupPairs?.length)
    out.UserIdGroupPairs = p.UserIdGroupPairs.map((g) => ({
      GroupId: g.GroupId,
      ...(g.UserId ? { UserId: g.UserId } : {}),
    }));
  return out;
}

/**
 * Pure: the rule changes that make a group what its role says. `rules` undefined: a group
 * just created, with only the default egress rule (all IPv4, and all IPv6 in an IPv6 VPC).
 * Untracking: all traffic in and out, IPv4 and IPv6. Isolation: no rule at all.
 */
export function ruleChanges(
  role: GroupRole,
  groupId: string,
  rules?: { ingress: IpPermission[]; egress: IpPermission[] },
): PlannedCall[] {
  const calls: PlannedCall[] = [];
  const call = (operation: string, perms: IpPermission[]): PlannedCall => ({
    service: "ec2",
    operation,
    input: { GroupId: groupId, IpPermissions: perms },
  });
  if (role === "untracking") {
    const inn = rules ? allTraffic(rules.ingress) : { v4: false, v6: false };
    const out = rules ? allTraffic(rules.egress) : { v4: true, v6: false };
    if (!inn.v4 || !inn.v6)
      calls.push(call("AuthorizeSecurityGroupIngress", [allTrafficPermission(!inn.v4, !inn.v6)]));
    if (!out.v4 || !out.v6)
      calls.push(call("AuthorizeSecurityGroupEgress", [allTrafficPermission(!out.v4, !out.v6)]));
    return calls;
  }
  if (!rules) return [call("RevokeSecurityGroupEgress", [allTrafficPermission(true, true)])];
  if (rules.ingress.length) calls.push(call("RevokeSecurityGroupIngress", rules.ingress.map(revocable)));
  if (rules.egress.length) calls.push(call("RevokeSecurityGroupEgress", rules.egress.map(revocable)));
  return calls;
}

/** Pure: the CreateSecurityGroup call of a managed group. */
export function createGroupCall(vpcId: string, role: GroupRole): PlannedCall {
  return {
    service: "ec2",
    operation: "CreateSecurityGroup",
    input: {
      VpcId: vpcId,
      GroupName: GROUP_NAME[role],
      Description: GROUP_DESCRIPTION[role],
      TagSpecifications: [
        {
          ResourceType: "security-group",
          Tags: [
            { Key: TAG.role, Value: role },
            { Key: TAG.managed, Value: "true" },
            { Key: "Name", Value: GROUP_NAME[role] },
          ],
        },
      ],
    },
  };
}

/** The VPCs of the instance's interfaces (the instance's own VPC when they say none). */
export function vpcsOf(subject: InstanceSubject): string[] {
  const vpcs = new Set<string>();
  for (const i of subject.interfaces) if (i.vpcId) vpcs.add(i.vpcId);
  if (vpcs.size === 0 && subject.vpcId) vpcs.add(subject.vpcId);
  return [...vpcs];
}

/** The managed group of a role in a VPC, when it exists (the first found, oldest name wins ties). */
export function managedGroup(
  groups: ManagedGroup[],
  vpcId: string,
  role: GroupRole,
): ManagedGroup | undefined {
  return groups
    .filter((g) => g.vpcId === vpcId && g.role === role)
    .sort((a, b) => a.groupId.localeCompare(b.groupId))[0];
}

/** Pure: what must happen to the managed groups of these VPCs before interfaces can move to them. */
export function planVpcGroups(vpcIds: string[], found: ManagedGroup[]): GroupPreparation[] {
  const out: GroupPreparation[] = [];
  for (const vpcId of vpcIds) {
    for (const role of ["untracking", "isolation"] as const) {
      const g = managedGroup(found, vpcId, role);
      if (g) {
        const rules = ruleChanges(role, g.groupId, g);
        if (rules.length) out.push({ vpcId, role, groupId: g.groupId, rules });
      } else {
        // Not found (or the lookup failed): create it; a duplicate is then found by name.
        out.push({
          vpcId,
          role,
          create: createGroupCall(vpcId, role),
          rules: ruleChanges(role, `<new ${role} group>`),
        });
      }
    }
  }
  return out;
}

/**
 * Pure: the preparations with the groups created beforehand (in the first round) filled in:
 * such a group needs only the rules of a new group. A creation that did not succeed leaves
 * the preparation as it was (create, or adopt the group a concurrent run made).
 */
export function adoptCreated(preps: GroupPreparation[], created: GroupCreation[]): GroupPreparation[] {
  return preps.map((p) => {
    const c = created.find((x) => x.vpcId === p.vpcId && x.role === p.role && x.groupId);
    if (!p.create || !c?.groupId) return p;
    return {
      vpcId: p.vpcId,
      role: p.role,
      groupId: c.groupId,
      created: true,
      rules: ruleChanges(p.role, c.groupId),
    };
  });
}

/** Pure: what must happen to the managed groups of the instance's VPCs before the swaps. */
export function planGroups(subject: InstanceSubject): GroupPreparation[] {
  return planVpcGroups(vpcsOf(subject), subject.groups.ok ? subject.groups.value : []);
}
