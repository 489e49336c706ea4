/**
 * Preparing the responder's security groups of a VPC, against an EC2 mock that enforces what the
 * roles enforce in AWS: rule changes only on groups tagged `incident-responder:managed=true`.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateTagsCommand,
  DescribeSecurityGroupsCommand,
  type Filter,
  type IpPermission,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
} from "@aws-sdk/client-ec2";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { afterEach, describe, expect, it } from "vitest";
import { ec2Client } from "../../../shared/aws/clients.ts";
import { ensureIsolationGroups } from "../../../shared/containment/index.ts";
import { awsError } from "./world.ts";

const VPC = "vpc-1";
const OPEN: IpPermission = { IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] };

type Group = SecurityGroup & { GroupId: string };

let stub: AwsClientStub<ReturnType<typeof ec2Client>> | undefined;
afterEach(() => {
  stub?.restore();
  stub = undefined;
});

/** An EC2 mock holding `groups`, logging every call as `Operation groupId`. */
function mockEc2(groups: Group[], opts: { createdAfterLookup?: boolean } = {}) {
  const ec2 = ec2Client({ region: "eu-west-1", maxAttempts: 1 });
  stub = mockClient(ec2);
  const log: string[] = [];
  const tagsOf = (g: Group) => Object.fromEntries((g.Tags ?? []).map((t) => [t.Key, t.Value]));
  const find = (id: string) => {
    const g = groups.find((x) => x.GroupId === id);
    if (!g) throw awsError("InvalidGroup.NotFound");
    return g;
  };
  /** What the function and member roles allow: rules change only on the responder's groups. */
  const managed = (id: string) => {
    const g = find(id);
    if (tagsOf(g)["incident-responder:managed"] !== "true")
      throw awsError("UnauthorizedOperation", `not authorized to change the rules of ${id}`);
    return g;
  };
  const matches = (g: Group, filters: Filter[]) =>
    filters.every((f) => {
      const values = f.Values ?? [];
      if (f.Name === "vpc-id") return values.includes(g.VpcId ?? "");
      if (f.Name === "group-name") return values.includes(g.GroupName ?? "");
      if (f.Name?.startsWith("tag:")) return values.includes(tagsOf(g)[f.Name.slice(4)] ?? "");
      return true;
    });
  let lookups = 0;
  stub.on(DescribeSecurityGroupsCommand).callsFake(async (input: { Filters?: Filter[] }) => {
    lookups += 1;
    if (opts.createdAfterLookup && lookups === 1) return { SecurityGroups: [] };
    return {
      SecurityGroups: groups.filter((g) => matches(g, input.Filters ?? [])).map((g) => structuredClone(g)),
    };
  });
  stub
    .on(CreateSecurityGroupCommand)
    .callsFake(
      async (input: { VpcId: string; GroupName: string; TagSpecifications?: { Tags?: Group["Tags"] }[] }) => {
        log.push(`CreateSecurityGroup ${input.GroupName}`);
        if (groups.some((g) => g.VpcId === input.VpcId && g.GroupName === input.GroupName))
          throw awsError("InvalidGroup.Duplicate");
        const g: Group = {
          GroupId: `sg-new-${groups.length}`,
          GroupName: input.GroupName,
          VpcId: input.VpcId,
          Tags: input.TagSpecifications?.[0]?.Tags ?? [],
          IpPermissions: [],
          IpPermissionsEgress: [OPEN],
        };
        groups.push(g);
        return { GroupId: g.GroupId };
      },
    );
  stub.on(CreateTagsCommand).callsFake(async (input: { Resources: string[]; Tags: Group["Tags"] }) => {
    for (const id of input.Resources) {
      log.push(`CreateTags ${id}`);
      const g = find(id);
      g.Tags = [
        ...(g.Tags ?? []).filter((t) => !input.Tags?.some((n) => n.Key === t.Key)),
        ...(input.Tags ?? []),
      ];
    }
    return {};
  });
  stub
    .on(AuthorizeSecurityGroupIngressCommand)
    .callsFake(async (input: { GroupId: string; IpPermissions: IpPermission[] }) => {
      log.push(`AuthorizeSecurityGroupIngress ${input.GroupId}`);
      managed(input.GroupId).IpPermissions?.push(...input.IpPermissions);
      return {};
    });
  stub
    .on(AuthorizeSecurityGroupEgressCommand)
    .callsFake(async (input: { GroupId: string; IpPermissions: IpPermission[] }) => {
      log.push(`AuthorizeSecurityGroupEgress ${input.GroupId}`);
      managed(input.GroupId).IpPermissionsEgress?.push(...input.IpPermissions);
      return {};
    });
  stub.on(RevokeSecurityGroupIngressCommand).callsFake(async (input: { GroupId: string }) => {
    log.push(`RevokeSecurityGroupIngress ${input.GroupId}`);
    managed(input.GroupId).IpPermissions = [];
    return {};
  });
  stub.on(RevokeSecurityGroupEgressCommand).callsFake(async (input: { GroupId: string }) => {
    log.push(`RevokeSecurityGroupEgress ${input.GroupId}`);
    managed(input.GroupId).IpPermissionsEgress = [];
    return {};
  });
  return { ec2, log, groups };
}

/** A group named like the responder's isolation group that nobody tagged (created by hand, or by an old version). */
const untaggedIsolationGroup = (): Group => ({
  GroupId: "sg-0old",
  GroupName: "incident-responder-isolation",
  VpcId: VPC,
  Tags: [{ Key: "Name", Value: "made by hand" }],
  IpPermissions: [{ IpProtocol: "tcp", FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: "10.0.0.0/8" }] }],
  IpPermissionsEgress: [OPEN],
});

describe("ensureIsolationGroups", () => {
  it("adopts an untagged group of the same name in one run: tags it first, then fixes its rules", async () => {
    const { ec2, log, groups } = mockEc2([untaggedIsolationGroup()]);

    const out = await ensureIsolationGroups(ec2, VPC);

    expect(out.isolationGroupId).toBe("sg-0old");
    const onAdopted = log.filter((l) => l.endsWith(" sg-0old"));
    expect(onAdopted[0]).toBe("CreateTags sg-0old");
    expect(onAdopted.slice(1).sort()).toEqual([
      "RevokeSecurityGroupEgress sg-0old",
      "RevokeSecurityGroupIngress sg-0old",
    ]);
    const adopted = groups.find((g) => g.GroupId === "sg-0old");
    expect(adopted?.IpPermissions).toEqual([]);
    expect(adopted?.IpPermissionsEgress).toEqual([]);
    expect(adopted?.Tags).toEqual(
      expect.arrayContaining([
        { Key: "incident-responder:role", Value: "isolation" },
        { Key: "incident-responder:managed", Value: "true" },
      ]),
    );
  });

  it("finds the adopted group by its tags on the next run, and changes nothing", async () => {
    const { ec2, log } = mockEc2([untaggedIsolationGroup()]);
    const first = await ensureIsolationGroups(ec2, VPC);
    log.length = 0;

    const again = await ensureIsolationGroups(ec2, VPC);

    expect(again).toEqual(first);
    expect(log).toEqual([]);
  });

  it("does not tag a group that a concurrent run created with the responder's tags", async () => {
    const concurrent: Group = {
      ...untaggedIsolationGroup(),
      GroupId: "sg-0conc",
      Tags: [
        { Key: "incident-responder:role", Value: "isolation" },
        { Key: "incident-responder:managed", Value: "true" },
      ],
    };
    // Created after this run looked its VPC's groups up by tag: found by name on InvalidGroup.Duplicate.
    const { ec2, log } = mockEc2([concurrent], { createdAfterLookup: true });

    const out = await ensureIsolationGroups(ec2, VPC);

    expect(out.isolationGroupId).toBe("sg-0conc");
    expect(log.filter((l) => l.startsWith("CreateTags"))).toEqual([]);
    expect(log.filter((l) => l.endsWith(" sg-0conc")).sort()).toEqual([
      "RevokeSecurityGroupEgress sg-0conc",
      "RevokeSecurityGroupIngress sg-0conc",
    ]);
  });
});
