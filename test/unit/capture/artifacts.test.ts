/**
 * The artifact collectors read every page of what they list, up to a stated bound, and an
 * artifact cut short by its bound says so: CloudTrail's recent activity, the target groups
 * that may hold the instance, the instance profile's policies.
 */
import { AutoScalingClient, DescribeAutoScalingInstancesCommand } from "@aws-sdk/client-auto-scaling";
import { CloudTrailClient, LookupEventsCommand } from "@aws-sdk/client-cloudtrail";
import { DescribeIamInstanceProfileAssociationsCommand, EC2Client, type Instance } from "@aws-sdk/client-ec2";
import {
  DescribeTargetGroupsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  type TargetTypeEnum,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  GetInstanceProfileCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
} from "@aws-sdk/client-iam";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { readBounded } from "../../../shared/aws/pages.ts";
import { ARTIFACT_BOUNDS, type Collected, instanceCollectors } from "../../../shared/capture/artifacts.ts";

const INSTANCE = "i-0123456789abcdef0";
const VPC = "vpc-0aaa";
const region = { region: "us-east-1" };
const cloudTrail = mockClient(CloudTrailClient);
const elbv2 = mockClient(ElasticLoadBalancingV2Client);
const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);
const autoScaling = mockClient(AutoScalingClient);

const instance: Instance = {
  InstanceId: INSTANCE,
  VpcId: VPC,
  IamInstanceProfile: { Arn: "arn:aws:iam::123456789012:instance-profile/web" },
  NetworkInterfaces: [
    { NetworkInterfaceId: "eni-1", VpcId: VPC, PrivateIpAddresses: [{ PrivateIpAddress: "10.0.0.5" }] },
  ],
};

async function collect(
  name: string,
): Promise<Extract<Collected, { kind: "content" }> & { json: Record<string, unknown> }> {
  const clients = {
    ec2: new EC2Client(region),
    iam: new IAMClient(region),
    autoScaling: new AutoScalingClient(region),
    elbv2: new ElasticLoadBalancingV2Client(region),
    cloudTrail: new CloudTrailClient(region),
  };
  const collector = instanceCollectors(instance, clients, {
    lookbackHours: 24,
    now: new Date("2026-03-01T10:00:00Z"),
  }).find((c) => c.name === `${INSTANCE}/${name}`);
  const got = await collector?.collect();
  if (got?.kind !== "content") throw new Error(`${name}: no content`);
  return { ...got, json: JSON.parse(String(got.body)) };
}

/** `n` events named after their page. */
const events = (page: number, n = 50) =>
  Array.from({ length: n }, (_, i) => ({ EventId: `p${page}-e${i}`, EventName: "DescribeInstances" }));

beforeEach(() => {
  for (const m of [cloudTrail, elbv2, ec2, iam, autoScaling]) m.reset();
  autoScaling.on(DescribeAutoScalingInstancesCommand).resolves({ AutoScalingInstances: [] });
});

describe("the recent API activity (CloudTrail LookupEvents)", () => {
  it("reads every page of the window, following NextToken", async () => {
    // The SDK's paginator reuses one input object: the tokens are taken as each page is asked for.
    const asked: { NextToken?: string; MaxResults?: number }[] = [];
    const pages = [
      { Events: events(1), NextToken: "t1" },
      { Events: events(2), NextToken: "t2" },
      { Events: events(3, 7) },
    ];
    cloudTrail.on(LookupEventsCommand).callsFake((input) => {
      asked.push({ ...input });
      return pages[asked.length - 1];
    });

    const got = await collect("cloudtrail-recent-activity.json");

    expect(asked.map((c) => c.NextToken)).toEqual([undefined, "t1", "t2"]);
    expect(asked[0]).toMatchObject({
      LookupAttributes: [{ AttributeKey: "ResourceName", AttributeValue: INSTANCE }],
      StartTime: new Date("2026-02-28T10:00:00Z"),
      EndTime: new Date("2026-03-01T10:00:00Z"),
      MaxResults: 50,
    });
    expect(got.json.Events).toHaveLength(107);
    expect(got.json.truncated).toBeUndefined();
    expect(got.truncated).toBeUndefined();
  });

  it(`stops at ${ARTIFACT_BOUNDS.lookupEvents.maxPages} pages and says the activity is truncated`, async () => {
    let page = 0;
    cloudTrail.on(LookupEventsCommand).callsFake(() => {
      page += 1;
      return { Events: events(page), NextToken: `t${page}` };
    });

    const got = await collect("cloudtrail-recent-activity.json");

    expect(cloudTrail.commandCalls(LookupEventsCommand)).toHaveLength(10);
    expect(got.json.Events).toHaveLength(500);
    expect(got.json.NextToken).toBe("t10");
    expect(got.json.truncated).toEqual([
      expect.stringMatching(/^LookupEvents \(24 h\): stopped at the bound/),
    ]);
    expect(got.truncated).toMatch(/more exist and were not read/);
  });
});

describe("the fleet (target groups)", () => {
  const group = (i: number, vpc = VPC, type: TargetTypeEnum = "instance") => ({
    TargetGroupArn: `arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/tg-${i}/${i}`,
    TargetGroupName: `tg-${i}`,
    VpcId: vpc,
    TargetType: type,
  });

  it("lists every page of target groups and reads the health of those that can hold the instance", async () => {
    const asked: { Marker?: string; PageSize?: number }[] = [];
    const pages = [
      { TargetGroups: [group(1), group(2, "vpc-other")], NextMarker: "m1" },
      { TargetGroups: [group(3, VPC, "lambda")], NextMarker: "m2" },
      { TargetGroups: [group(4, VPC, "ip")] },
    ];
    elbv2.on(DescribeTargetGroupsCommand).callsFake((input) => {
      asked.push({ ...input });
      return pages[asked.length - 1];
    });
    elbv2.on(DescribeTargetHealthCommand).callsFake((input: { TargetGroupArn: string }) => ({
      TargetHealthDescriptions: input.TargetGroupArn.includes("tg-4")
        ? [{ Target: { Id: "10.0.0.5", Port: 443 }, TargetHealth: { State: "healthy" } }]
        : [{ Target: { Id: "i-someoneelse", Port: 80 }, TargetHealth: { State: "healthy" } }],
    }));

    const got = await collect("fleet.json");

    expect(asked.map((c) => c.Marker)).toEqual([undefined, "m1", "m2"]);
    expect(asked[0]?.PageSize).toBe(400);
    const healthOf = elbv2
      .commandCalls(DescribeTargetHealthCommand)
      .map((c) => c.args[0].input.TargetGroupArn);
    expect(healthOf).toEqual([group(1).TargetGroupArn, group(4).TargetGroupArn]);
    expect(got.json.checked).toEqual({ listed: 4, candidates: 2, healthRead: 2 });
    expect(got.json.targetGroups).toEqual([
      expect.objectContaining({ targetGroup: expect.objectContaining({ TargetGroupName: "tg-4" }) }),
    ]);
    expect(got.truncated).toBeUndefined();
  });

  it(`reads the health of at most ${ARTIFACT_BOUNDS.targetHealthReads} groups, and says how many it left`, async () => {
    elbv2
      .on(DescribeTargetGroupsCommand)
      .resolves({ TargetGroups: Array.from({ length: 150 }, (_, i) => group(i)) });
    elbv2.on(DescribeTargetHealthCommand).resolves({ TargetHealthDescriptions: [] });

    const got = await collect("fleet.json");

    expect(elbv2.commandCalls(DescribeTargetHealthCommand)).toHaveLength(100);
    expect(got.json.truncated).toEqual([
      "DescribeTargetHealth: read for 100 of 150 target groups that can hold the instance (bound 100); 50 not checked",
    ]);
  });

  it(`stops listing after ${ARTIFACT_BOUNDS.targetGroups.maxPages} pages and says the listing is truncated`, async () => {
    let page = 0;
    elbv2.on(DescribeTargetGroupsCommand).callsFake(() => {
      page += 1;
      return { TargetGroups: [group(page, "vpc-other")], NextMarker: `m${page}` };
    });

    const got = await collect("fleet.json");

    expect(elbv2.commandCalls(DescribeTargetGroupsCommand)).toHaveLength(10);
    expect(got.truncated).toMatch(
      /^DescribeTargetGroups: stopped at the bound of 10 page\(s\) after 10 page\(s\)/,
    );
  });
});

describe("the instance profile", () => {
  it("follows the Marker of the role's policy lists, up to their bound", async () => {
    ec2.on(DescribeIamInstanceProfileAssociationsCommand).resolves({
      IamInstanceProfileAssociations: [
        {
          State: "associated",
          IamInstanceProfile: { Arn: "arn:aws:iam::123456789012:instance-profile/web" },
        },
      ],
    });
    iam.on(GetInstanceProfileCommand).resolves({
      InstanceProfile: {
        InstanceProfileName: "web",
        InstanceProfileId: "AIPA",
        Arn: "arn:aws:iam::123456789012:instance-profile/web",
        Path: "/",
        CreateDate: new Date(0),
        Roles: [{ RoleName: "web-role", RoleId: "AROA", Arn: "arn", Path: "/", CreateDate: new Date(0) }],
      },
    });
    let page = 0;
    const markers: (string | undefined)[] = [];
    iam.on(ListRolePoliciesCommand).callsFake((input) => {
      markers.push(input.Marker);
      page += 1;
      return {
        PolicyNames: Array.from({ length: 20 }, (_, i) => `p${page}-${i}`),
        IsTruncated: true,
        Marker: `m${page}`,
      };
    });
    iam
      .on(ListAttachedRolePoliciesCommand)
      .resolvesOnce({ AttachedPolicies: [{ PolicyName: "a1" }], IsTruncated: true, Marker: "x1" })
      .resolvesOnce({ AttachedPolicies: [{ PolicyName: "a2" }], IsTruncated: false });
    iam.on(GetRolePolicyCommand).resolves({ PolicyDocument: "%7B%7D" });

    const got = await collect("instance-profile.json");

    // Three pages of 20 reach the bound of 50 names: no fourth page is asked for.
    expect(markers).toEqual([undefined, "m1", "m2"]);
    expect(iam.commandCalls(GetRolePolicyCommand)).toHaveLength(ARTIFACT_BOUNDS.rolePolicies.maxItems);
    const roles = got.json.roles as { attachedPolicies: unknown[]; inlinePolicies: unknown[] }[];
    expect(roles[0]?.attachedPolicies).toEqual([{ PolicyName: "a1" }, { PolicyName: "a2" }]);
    expect(got.truncated).toMatch(
      /^ListRolePolicies web-role: stopped at the bound of 5 page\(s\) \/ 50 item\(s\)/,
    );
  });
});

describe("readBounded", () => {
  async function* pages(n: number) {
    for (let i = 1; i <= n; i++) yield { items: [i * 10, i * 10 + 1], next: i < n ? `t${i}` : undefined };
  }
  const pick = (p: { items: number[]; next: string | undefined }) => p;

  it("reads to the last page when the bound allows", async () => {
    expect(await readBounded(pages(3), pick, { maxPages: 3 })).toEqual({
      items: [10, 11, 20, 21, 30, 31],
      pages: 3,
      truncated: false,
    });
  });

  it("stops at the page bound with the token to go on from", async () => {
    expect(await readBounded(pages(5), pick, { maxPages: 2 })).toEqual({
      items: [10, 11, 20, 21],
      pages: 2,
      truncated: true,
      nextToken: "t2",
    });
  });

  it("cuts at the item bound, and says so only when something was left", async () => {
    expect(await readBounded(pages(5), pick, { maxPages: 10, maxItems: 3 })).toMatchObject({
      items: [10, 11, 20],
      truncated: true,
    });
    expect(await readBounded(pages(1), pick, { maxPages: 10, maxItems: 2 })).toEqual({
      items: [10, 11],
      pages: 1,
      truncated: false,
    });
  });
});
