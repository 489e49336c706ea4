/**
 * The responder's security groups, the pure part: the rules each role wants, the changes that
 * make a group so, its creation, and which groups of which VPCs to prepare.
 */
import type { IpPermission } from "@aws-sdk/client-ec2";
import { describe, expect, it } from "vitest";
import {
  adoptCreated,
  createGroupCall,
  type GroupPreparation,
  managedGroup,
  planGroups,
  planVpcGroups,
  roleRules,
  ruleChanges,
  vpcsOf,
} from "../../../shared/containment/group-rules.ts";
import type { ManagedGroup } from "../../../shared/containment/subject.ts";
import type { PlannedCall } from "../../../shared/containment/vocabulary.ts";
import { eni, failed, managedPair, subject } from "./subjects.ts";

const V4: IpPermission = { IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] };
const V6: IpPermission = { IpProtocol: "-1", Ipv6Ranges: [{ CidrIpv6: "::/0" }] };
const BOTH: IpPermission = { ...V4, ...V6 };
const call = (operation: string, groupId: string, perms: IpPermission[]): PlannedCall => ({
  service: "ec2",
  operation,
  input: { GroupId: groupId, IpPermissions: perms },
});

describe("roleRules", () => {
  it("wants all traffic both ways, IPv4 and IPv6, on an untracking group", () => {
    expect(roleRules("untracking")).toStrictEqual({ ingress: [BOTH], egress: [BOTH] });
  });

  it("wants no rule at all on an isolation group", () => {
    expect(roleRules("isolation")).toStrictEqual({ ingress: [], egress: [] });
  });
});

describe("ruleChanges of an untracking group", () => {
  it("opens a new group both ways, adding to its default egress only IPv6", () => {
    expect(ruleChanges("untracking", "sg-u")).toStrictEqual([
      call("AuthorizeSecurityGroupIngress", "sg-u", [BOTH]),
      call("AuthorizeSecurityGroupEgress", "sg-u", [V6]),
    ]);
  });

  it("changes nothing on a group already open both ways, in one rule or in two", () => {
    expect(ruleChanges("untracking", "sg-u", { ingress: [BOTH], egress: [V4, V6] })).toStrictEqual([]);
  });

  it("adds only the family that is missing, in each direction", () => {
    expect(ruleChanges("untracking", "sg-u", { ingress: [V4], egress: [V6] })).toStrictEqual([
      call("AuthorizeSecurityGroupIngress", "sg-u", [V6]),
      call("AuthorizeSecurityGroupEgress", "sg-u", [V4]),
    ]);
  });

  it("does not count a rule for one protocol, or for a narrower range, as all traffic", () => {
    const tcp: IpPermission = {
      IpProtocol: "tcp",
      FromPort: 0,
      ToPort: 65535,
      IpRanges: [{ CidrIp: "0.0.0.0/0" }],
    };
    const narrow: IpPermission = {
      IpProtocol: "-1",
      IpRanges: [{ CidrIp: "10.0.0.0/8" }],
      Ipv6Ranges: [{ CidrIpv6: "2001:db8::/32" }],
    };

    expect(ruleChanges("untracking", "sg-u", { ingress: [tcp], egress: [narrow] })).toStrictEqual([
      call("AuthorizeSecurityGroupIngress", "sg-u", [BOTH]),
      call("AuthorizeSecurityGroupEgress", "sg-u", [BOTH]),
    ]);
  });

  it("reads a rule without ranges as opening nothing", () => {
    expect(
      ruleChanges("untracking", "sg-u", { ingress: [{ IpProtocol: "-1" }], egress: [BOTH] }),
    ).toStrictEqual([call("AuthorizeSecurityGroupIngress", "sg-u", [BOTH])]);
  });
});

describe("ruleChanges of an isolation group", () => {
  it("revokes the default egress, IPv4 and IPv6, of a new group", () => {
    expect(ruleChanges("isolation", "sg-i")).toStrictEqual([
      call("RevokeSecurityGroupEgress", "sg-i", [BOTH]),
    ]);
  });

  it("changes nothing on a group without rules", () => {
    expect(ruleChanges("isolation", "sg-i", { ingress: [], egress: [] })).toStrictEqual([]);
  });

  it("revokes each direction only where there are rules", () => {
    expect(ruleChanges("isolation", "sg-i", { ingress: [V4], egress: [] })).toStrictEqual([
      call("RevokeSecurityGroupIngress", "sg-i", [V4]),
    ]);
    expect(ruleChanges("isolation", "sg-i", { ingress: [], egress: [V6] })).toStrictEqual([
      call("RevokeSecurityGroupEgress", "sg-i", [V6]),
    ]);
  });

  it("revokes each rule as described, keeping what identifies it and dropping descriptions and empty lists", () => {
    const described: IpPermission = {
      IpProtocol: "tcp",
      FromPort: 22,
      ToPort: 22,
      IpRanges: [{ CidrIp: "10.0.0.0/8", Description: "vpn" }],
      Ipv6Ranges: [{ CidrIpv6: "2001:db8::/32", Description: "office" }],
      PrefixListIds: [{ PrefixListId: "pl-1", Description: "s3" }],
      UserIdGroupPairs: [
        { GroupId: "sg-peer", UserId: "123456789012", Description: "peer", VpcId: "vpc-9" },
        { GroupId: "sg-own", Description: "own" },
      ],
    };
    const empty: IpPermission = {
      IpProtocol: "udp",
      IpRanges: [],
      Ipv6Ranges: [],
      PrefixListIds: [],
      UserIdGroupPairs: [],
    };

    expect(
      ruleChanges("isolation", "sg-i", { ingress: [described, empty], egress: [{ IpProtocol: "-1" }] }),
    ).toStrictEqual([
      call("RevokeSecurityGroupIngress", "sg-i", [
        {
          IpProtocol: "tcp",
          FromPort: 22,
          ToPort: 22,
          IpRanges: [{ CidrIp: "10.0.0.0/8" }],
          Ipv6Ranges: [{ CidrIpv6: "2001:db8::/32" }],
          PrefixListIds: [{ PrefixListId: "pl-1" }],
          UserIdGroupPairs: [{ GroupId: "sg-peer", UserId: "123456789012" }, { GroupId: "sg-own" }],
        },
        { IpProtocol: "udp" },
      ]),
      call("RevokeSecurityGroupEgress", "sg-i", [{ IpProtocol: "-1" }]),
    ]);
  });
});

describe("createGroupCall", () => {
  it("creates a group of the role in the VPC, named, described and tagged as the responder's", () => {
    expect(createGroupCall("vpc-1", "isolation")).toStrictEqual({
      service: "ec2",
      operation: "CreateSecurityGroup",
      input: {
        VpcId: "vpc-1",
        GroupName: "incident-responder-isolation",
        Description: "incident-responder: no ingress, no egress; network isolation of contained instances",
        TagSpecifications: [
          {
            ResourceType: "security-group",
            Tags: [
              { Key: "incident-responder:role", Value: "isolation" },
              { Key: "incident-responder:managed", Value: "true" },
              { Key: "Name", Value: "incident-responder-isolation" },
            ],
          },
        ],
      },
    });
  });
});

describe("vpcsOf", () => {
  it("lists the VPCs of the interfaces once each, in order", () => {
    const s = subject({ interfaces: [eni("eni-1"), eni("eni-2", { vpcId: "vpc-2" }), eni("eni-3")] });

    expect(vpcsOf(s)).toStrictEqual(["vpc-1", "vpc-2"]);
  });

  it("does not add the instance's VPC when its interfaces name their own", () => {
    expect(vpcsOf(subject({ vpcId: "vpc-1", interfaces: [eni("eni-1", { vpcId: "vpc-2" })] }))).toStrictEqual(
      ["vpc-2"],
    );
  });

  it("takes the instance's VPC when the interfaces name none, and none when neither does", () => {
    expect(vpcsOf(subject({ interfaces: [eni("eni-1", { vpcId: undefined })] }))).toStrictEqual(["vpc-1"]);
    expect(vpcsOf(subject({ vpcId: undefined, interfaces: [] }))).toStrictEqual([]);
  });
});

describe("managedGroup", () => {
  const g = (groupId: string, vpcId: string, role: ManagedGroup["role"]): ManagedGroup => ({
    groupId,
    vpcId,
    role,
    ingress: [],
    egress: [],
  });

  it("finds the group of the role in the VPC, the lowest id when there are several", () => {
    const groups = [
      g("sg-b", "vpc-1", "isolation"),
      g("sg-0", "vpc-2", "isolation"),
      g("sg-00", "vpc-1", "untracking"),
      g("sg-a", "vpc-1", "isolation"),
    ];

    expect(managedGroup(groups, "vpc-1", "isolation")?.groupId).toBe("sg-a");
    expect(managedGroup(groups, "vpc-1", "untracking")?.groupId).toBe("sg-00");
    expect(managedGroup(groups, "vpc-3", "isolation")).toBeUndefined();
  });
});

describe("planVpcGroups", () => {
  it("prepares nothing for a VPC whose groups are as their roles want", () => {
    expect(planVpcGroups(["vpc-1"], managedPair())).toStrictEqual([]);
  });

  it("creates both groups of a VPC that has none, untracking first, with the rules of a new group", () => {
    expect(planVpcGroups(["vpc-2"], managedPair("vpc-1"))).toStrictEqual([
      {
        vpcId: "vpc-2",
        role: "untracking",
        create: createGroupCall("vpc-2", "untracking"),
        rules: ruleChanges("untracking", "<new untracking group>"),
      },
      {
        vpcId: "vpc-2",
        role: "isolation",
        create: createGroupCall("vpc-2", "isolation"),
        rules: [call("RevokeSecurityGroupEgress", "<new isolation group>", [BOTH])],
      },
    ]);
  });

  it("puts right the rules of an existing group that were altered", () => {
    const [untracking, isolation] = managedPair("vpc-1") as [ManagedGroup, ManagedGroup];
    const found = [
      { ...untracking, ingress: [] },
      { ...isolation, egress: [V4] },
    ];

    expect(planVpcGroups(["vpc-1"], found)).toStrictEqual([
      {
        vpcId: "vpc-1",
        role: "untracking",
        groupId: "sg-u",
        rules: [call("AuthorizeSecurityGroupIngress", "sg-u", [BOTH])],
      },
      {
        vpcId: "vpc-1",
        role: "isolation",
        groupId: "sg-i",
        rules: [call("RevokeSecurityGroupEgress", "sg-i", [V4])],
      },
    ]);
  });
});

describe("planGroups", () => {
  it("prepares the groups of each of the instance's VPCs", () => {
    const s = subject({ interfaces: [eni("eni-1"), eni("eni-2", { vpcId: "vpc-2" })] });

    expect(planGroups(s).map((p) => `${p.vpcId} ${p.role} ${p.create ? "create" : p.groupId}`)).toStrictEqual(
      ["vpc-2 untracking create", "vpc-2 isolation create"],
    );
  });

  it("creates every group when the responder's groups could not be listed", () => {
    expect(
      planGroups(subject({ groups: failed("AccessDenied") })).map(
        (p) => `${p.vpcId} ${p.role} ${p.create?.operation}`,
      ),
    ).toStrictEqual(["vpc-1 untracking CreateSecurityGroup", "vpc-1 isolation CreateSecurityGroup"]);
  });
});

describe("adoptCreated", () => {
  const preps = (): GroupPreparation[] => [
    ...planVpcGroups(["vpc-2"], []),
    {
      vpcId: "vpc-1",
      role: "isolation",
      groupId: "sg-i",
      rules: [call("RevokeSecurityGroupEgress", "sg-i", [V4])],
    },
  ];

  it("fills in a group created beforehand: only the rules of a new group remain", () => {
    const out = adoptCreated(preps(), [{ vpcId: "vpc-2", role: "isolation", groupId: "sg-new" }]);

    expect(out).toStrictEqual([
      preps()[0] as GroupPreparation,
      {
        vpcId: "vpc-2",
        role: "isolation",
        groupId: "sg-new",
        created: true,
        rules: [call("RevokeSecurityGroupEgress", "sg-new", [BOTH])],
      },
      preps()[2],
    ]);
  });

  it("takes the creation that succeeded when an earlier one for the same group did not", () => {
    const out = adoptCreated(preps(), [
      { vpcId: "vpc-2", role: "untracking" },
      { vpcId: "vpc-2", role: "untracking", groupId: "sg-new-u" },
    ]);

    expect(out[0]).toStrictEqual({
      vpcId: "vpc-2",
      role: "untracking",
      groupId: "sg-new-u",
      created: true,
      rules: ruleChanges("untracking", "sg-new-u"),
    });
  });

  it("leaves a preparation as it was when its creation failed, or when it has nothing to create", () => {
    const out = adoptCreated(preps(), [
      { vpcId: "vpc-2", role: "isolation" },
      { vpcId: "vpc-1", role: "isolation", groupId: "sg-other" },
    ]);

    expect(out).toStrictEqual(preps());
  });

  it("matches a creation by VPC and role both", () => {
    const out = adoptCreated(preps(), [
      { vpcId: "vpc-1", role: "untracking", groupId: "sg-x" },
      { vpcId: "vpc-3", role: "isolation", groupId: "sg-y" },
    ]);

    expect(out).toStrictEqual(preps());
  });
});
