import {
  AttachInstancesCommand,
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  AllocateAddressCommand,
  AssociateAddressCommand,
  AttachNetworkInterfaceCommand,
  CreateLaunchTemplateCommand,
  CreateNetworkInterfaceCommand,
  DescribeAddressesCommand,
  DescribeIamInstanceProfileAssociationsCommand,
  DescribeImagesCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  StopInstancesCommand,
  TerminateInstancesCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeTargetHealthCommand,
  RegisterTargetsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildProfile, buildVpc, launchInstance } from "../../cli/local/account-builder.ts";
import { CallHooks, type CallRecord } from "../../cli/local/instrument.ts";
import { autoScalingClient, ec2Client, elbv2Client, iamClient } from "../../shared/aws/clients.ts";
import { MUTATING_ACTIONS } from "../../shared/containment/calls.ts";
import {
  CallTracker,
  type ContainmentClients,
  type ContainOptions,
  containInstance,
  describeContainmentCalls,
  EarlyGroupCreation,
  ensureIsolationGroups,
  GROUP_NAME,
  observeInstance,
  releaseInstance,
  TAG,
} from "../../shared/containment/index.ts";
import { resetEmulator, testAwsOptions } from "../support/emulator.ts";

const MUTATING = new Set(MUTATING_ACTIONS.map((a) => a.split(":")[1]));

let clients: ContainmentClients;
let ec2: EC2Client;
let calls: CallRecord[] = [];
/** The hooks every client of this file feeds: its recorder fills `calls`. */
const hooks = new CallHooks();
/** The emulator's client options, with the middleware that feeds {@link hooks}. */
const recorded = () => ({ ...testAwsOptions(), middleware: [hooks.middleware()] });

function options(over: Partial<ContainOptions> = {}): ContainOptions {
  return {
    incidentId: "ir-20250101-0000abcd",
    dryRun: false,
    stopInstance: false,
    asgMode: "standby",
    stopProtection: false,
    ...over,
  };
}

interface Net {
  vpcId: string;
  subnetA: string;
  subnetB: string;
  app: string;
  db: string;
}

async function network(cidr = "10.0.0.0/16"): Promise<Net> {
  const prefix = cidr.split(".").slice(0, 2).join(".");
  const built = await buildVpc(ec2, {
    key: "net",
    cidr,
    subnets: [
      { key: "a", cidr: `${prefix}.1.0/24`, az: "us-east-1a" },
      { key: "b", cidr: `${prefix}.2.0/24`, az: "us-east-1b" },
    ],
    groups: ["app", "db"].map((name) => ({ key: name, name, description: name })),
  });
  return {
    vpcId: built.vpcId,
    subnetA: built.subnetIds.a as string,
    subnetB: built.subnetIds.b as string,
    app: built.groupIds.app as string,
    db: built.groupIds.db as string,
  };
}

let ami: string | undefined;
/** The emulator's default images are the same after every reset: look one up once. */
async function image(): Promise<string> {
  ami ??= (await ec2.send(new DescribeImagesCommand({ Owners: ["amazon"], MaxResults: 5 }))).Images?.[0]
    ?.ImageId as string;
  return ami;
}

/** An instance with its groups on its interfaces (see DESIGN: moto mixes launch groups in otherwise). */
async function launch(
  net: Net,
  o: { enis?: number; volumes?: number; profileArn?: string } = {},
): Promise<string> {
  const devices = ["/dev/sda1", "/dev/sdb", "/dev/sdc", "/dev/sdd", "/dev/sde"].slice(0, o.volumes ?? 1);
  const built = await launchInstance(ec2, {
    imageId: await image(),
    interfaces: Array.from({ length: o.enis ?? 1 }, (_, i) => ({
      subnetId: net.subnetA,
      groupIds: i === 0 ? [net.app, net.db] : [net.db],
    })),
    extraInterfaces: "launch",
    volumes: devices.map((device) => ({ device, size: 8 })),
    ...(o.profileArn ? { profileArn: o.profileArn } : {}),
  });
  return built.instanceId;
}

async function interfaces(instanceId: string) {
  const out = await ec2.send(
    new DescribeNetworkInterfacesCommand({
      Filters: [{ Name: "attachment.instance-id", Values: [instanceId] }],
    }),
  );
  return (out.NetworkInterfaces ?? []).map((n) => ({
    id: n.NetworkInterfaceId as string,
    groups: (n.Groups ?? []).map((g) => g.GroupId as string).sort(),
  }));
}

async function isolationGroup(vpcId: string): Promise<string> {
  const out = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: "vpc-id", Values: [vpcId] },
        { Name: "group-name", Values: [GROUP_NAME.isolation] },
      ],
    }),
  );
  expect(out.SecurityGroups).toHaveLength(1);
  return out.SecurityGroups?.[0]?.GroupId as string;
}

async function describe1(instanceId: string) {
  const out = await ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }));
  return out.Reservations?.[0]?.Instances?.[0];
}

async function profile(name: string, withRole = true): Promise<string> {
  return buildProfile(iamClient(recorded()), {
    name,
    role: withRole ? { trustPolicy: "{}" } : false,
  });
}

async function profileOf(instanceId: string): Promise<string | undefined> {
  const out = await ec2.send(
    new DescribeIamInstanceProfileAssociationsCommand({
      Filters: [{ Name: "instance-id", Values: [instanceId] }],
    }),
  );
  return out.IamInstanceProfileAssociations?.find(
    (a) => a.State === "associated" || a.State === "associating",
  )?.IamInstanceProfile?.Arn;
}

const mutatingCalls = () => calls.filter((c) => MUTATING.has(c.operation)).map((c) => c.operation);

/** A call of the test's EC2 client, with when it started and when it was answered on one logical clock. */
interface TimedCall {
  operation: string;
  input: Record<string, unknown>;
  started: number;
  ended?: number;
}
let timeline: TimedCall[] = [];

/** Records on `timeline` the start and the answer of every call the client makes (this test's client only). */
function timeCalls(client: EC2Client): void {
  let tick = 0;
  client.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: generic middleware signature
    (next: any, context: any) => async (args: any) => {
      const call: TimedCall = {
        operation: String(context.commandName).replace(/Command$/, ""),
        input: args.input,
        started: ++tick,
      };
      timeline.push(call);
      try {
        return await next(args);
      } finally {
        call.ended = ++tick;
      }
    },
    { step: "initialize", name: "testCallTimeline" },
  );
}

/**
 * The instance's security-group swaps went one step after the other: each interface once to the
 * untracking group, then once to the isolation group, and no isolation swap started before
 * every untracking swap of the instance had been answered.
 */
async function expectUntrackingBeforeIsolation(instanceId: string, vpcId: string, enis: number) {
  const untr = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: "vpc-id", Values: [vpcId] },
        { Name: "group-name", Values: [GROUP_NAME.untracking] },
      ],
    }),
  );
  expect(untr.SecurityGroups).toHaveLength(1);
  const untracking = untr.SecurityGroups?.[0]?.GroupId;
  const isolation = await isolationGroup(vpcId);
  const ids = new Set((await interfaces(instanceId)).map((i) => i.id));
  expect(ids.size).toBe(enis);
  const swapsTo = (group: string | undefined) =>
    timeline.filter(
      (c) =>
        c.operation === "ModifyNetworkInterfaceAttribute" &&
        ids.has(String(c.input.NetworkInterfaceId)) &&
        (c.input.Groups as string[] | undefined)?.join() === group,
    );
  const first = swapsTo(untracking);
  const second = swapsTo(isolation);
  expect(new Set(first.map((c) => c.input.NetworkInterfaceId))).toEqual(ids);
  expect(new Set(second.map((c) => c.input.NetworkInterfaceId))).toEqual(ids);
  expect(first).toHaveLength(enis);
  expect(second).toHaveLength(enis);
  const lastUntracked = Math.max(...first.map((c) => c.ended ?? Number.POSITIVE_INFINITY));
  for (const c of second)
    expect(
      c.started,
      `isolation swap of ${c.input.NetworkInterfaceId} started before the untracking swaps ended`,
    ).toBeGreaterThan(lastUntracked);
}

beforeEach(async () => {
  await resetEmulator();
  const o = recorded();
  ec2 = ec2Client(o);
  timeline = [];
  timeCalls(ec2);
  clients = { ec2, autoScaling: autoScalingClient(o), elbv2: elbv2Client(o) };
  calls = [];
  hooks.recorder = (c) => calls.push(c);
});

afterEach(() => {
  hooks.recorder = undefined;
});

describe("containInstance against the emulator", () => {
  it("isolates every interface of an instance with 3 interfaces and 4 volumes, and protects its evidence", async () => {
    const net = await network();
    const first = await launch(net, { enis: 3, volumes: 4 });
    const second = await launch(net, { enis: 3, volumes: 4 });

    calls = [];
    const t0 = performance.now();
    // The first incident in the VPC: triage found the groups missing, so they are created beside round 1.
    const earlyGroups = new EarlyGroupCreation(ec2, [
      { vpcId: net.vpcId, role: "untracking" },
      { vpcId: net.vpcId, role: "isolation" },
    ]);
    const created = await containInstance(first, clients, options({ earlyGroups }));
    const createdMs = performance.now() - t0;
    calls = [];
    const t1 = performance.now();
    const out = await containInstance(second, clients, options());
    const ms = performance.now() - t1;
    console.log(
      `containment, 3 ENIs + 4 volumes: groups created: ${created.rounds} rounds to isolation (${created.totalRounds} in all), ${created.calls} calls, ${createdMs.toFixed(0)} ms; ` +
        `groups existing: ${out.rounds} rounds to isolation (${out.totalRounds} in all), ${out.calls} calls, ${ms.toFixed(0)} ms`,
    );

    expect(created.status).toBe("verified");
    expect(out.status, JSON.stringify(out.verification)).toBe("verified");
    expect(out.verification).toEqual({ ok: true, open: [] });
    expect(out.rounds).toBe(3);
    expect(created.rounds).toBeLessThanOrEqual(4);
    const iso = await isolationGroup(net.vpcId);
    for (const id of [first, second]) {
      const enis = await interfaces(id);
      expect(enis).toHaveLength(3);
      for (const eni of enis) expect(eni.groups).toEqual([iso]);
    }
    const inst = await describe1(second);
    expect(inst?.BlockDeviceMappings).toHaveLength(4);
    for (const b of inst?.BlockDeviceMappings ?? []) expect(b.Ebs?.DeleteOnTermination).toBe(false);
    const attr = async (Attribute: "disableApiTermination" | "instanceInitiatedShutdownBehavior") =>
      ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: second, Attribute }));
    expect((await attr("disableApiTermination")).DisableApiTermination?.Value).toBe(true);
    expect((await attr("instanceInitiatedShutdownBehavior")).InstanceInitiatedShutdownBehavior?.Value).toBe(
      "stop",
    );
    const tags = Object.fromEntries((inst?.Tags ?? []).map((t) => [t.Key, t.Value]));
    expect(tags[TAG.incidentId]).toBe("ir-20250101-0000abcd");
    expect(tags[TAG.state]).toBe("isolated");
    expect(tags[TAG.isolatedAt]).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    // One untracking and one isolation swap per interface, each reported, one step after the other.
    expect(calls.filter((c) => c.operation === "ModifyNetworkInterfaceAttribute")).toHaveLength(6);
    await expectUntrackingBeforeIsolation(first, net.vpcId, 3);
    await expectUntrackingBeforeIsolation(second, net.vpcId, 3);
    expect(out.steps.filter((s) => s.name === "network:untracking" && s.status === "ok")).toHaveLength(3);
    expect(out.steps.filter((s) => s.name === "network:isolation" && s.status === "ok")).toHaveLength(3);
    expect(
      out.steps.filter((s) => s.name === "protection:delete-on-termination" && s.status === "ok"),
    ).toHaveLength(4);
    expect(out.preIsolation?.interfaces.map((i) => i.groups.sort())).toEqual(
      expect.arrayContaining([[net.app, net.db].sort(), [net.db], [net.db]]),
    );
    expect(out.preIsolation?.volumesDeleteOnTermination.every((v) => v.deleteOnTermination)).toBe(true);
    expect(out.preIsolation?.protection).toEqual({
      disableApiTermination: false,
      disableApiStop: false,
      shutdownBehavior: "stop",
    });
  });

  it("takes an instance out of its Auto Scaling group (standby) and out of every target group", async () => {
    const net = await network();
    const elbv2 = clients.elbv2;
    const lb = await elbv2.send(
      new CreateLoadBalancerCommand({
        Name: "web",
        Subnets: [net.subnetA, net.subnetB],
        SecurityGroups: [net.app],
      }),
    );
    const tg = async (Name: string, Port: number) =>
      (
        await elbv2.send(
          new CreateTargetGroupCommand({
            Name,
            Protocol: "HTTP",
            Port,
            VpcId: net.vpcId,
            TargetType: "instance",
          }),
        )
      ).TargetGroups?.[0]?.TargetGroupArn as string;
    const web = await tg("web", 80);
    const admin = await tg("admin", 8080);
    await elbv2.send(
      new CreateListenerCommand({
        LoadBalancerArn: lb.LoadBalancers?.[0]?.LoadBalancerArn,
        Protocol: "HTTP",
        Port: 80,
        DefaultActions: [{ Type: "forward", TargetGroupArn: web }],
      }),
    );
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "web",
        LaunchTemplateData: {
          ImageId: await image(),
          InstanceType: "t3.micro",
          NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: net.subnetA, Groups: [net.app] }],
        },
      }),
    );
    const asg = clients.autoScaling;
    await asg.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: "web",
        MinSize: 0,
        MaxSize: 4,
        DesiredCapacity: 2,
        LaunchTemplate: { LaunchTemplateName: "web", Version: "$Latest" },
        VPCZoneIdentifier: net.subnetA,
        TargetGroupARNs: [web],
      }),
    );
    const members = (await asg.send(new DescribeAutoScalingInstancesCommand({}))).AutoScalingInstances ?? [];
    const id = members[0]?.InstanceId as string;
    await elbv2.send(
      new RegisterTargetsCommand({ TargetGroupArn: admin, Targets: [{ Id: id, Port: 8080 }] }),
    );
    await ensureIsolationGroups(ec2, net.vpcId);

    const out = await containInstance(id, clients, options());

    expect(out.status, JSON.stringify(out.verification)).toBe("verified");
    expect(out.rounds).toBe(3);
    const now = (await asg.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [id] })))
      .AutoScalingInstances?.[0];
    expect(now?.LifecycleState).toBe("Standby");
    const group = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ["web"] })))
      .AutoScalingGroups?.[0];
    expect(group?.DesiredCapacity).toBe(1);
    for (const arn of [web, admin]) {
      const health = await elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: arn }));
      expect(
        (health.TargetHealthDescriptions ?? []).filter(
          (d) => d.Target?.Id === id && d.TargetHealth?.State !== "draining",
        ),
      ).toEqual([]);
    }
    expect(out.preIsolation?.autoScalingGroup).toEqual({ name: "web", mode: "standby" });
    expect(out.preIsolation?.targetGroups).toEqual(
      expect.arrayContaining([
        { targetGroupArn: web, port: 80 },
        { targetGroupArn: admin, port: 8080 },
      ]),
    );
    expect(out.steps.filter((s) => s.name === "fleet:target-group" && s.status === "ok")).toHaveLength(2);
  });

  it("detaches the instance from its Auto Scaling group in detach mode", async () => {
    const net = await network();
    const id = await launch(net);
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "lt",
        LaunchTemplateData: { ImageId: await image(), InstanceType: "t3.micro" },
      }),
    );
    await clients.autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: "g",
        MinSize: 0,
        MaxSize: 3,
        DesiredCapacity: 0,
        LaunchTemplate: { LaunchTemplateName: "lt" },
        VPCZoneIdentifier: net.subnetA,
      }),
    );
    await clients.autoScaling.send(
      new AttachInstancesCommand({ AutoScalingGroupName: "g", InstanceIds: [id] }),
    );

    const out = await containInstance(id, clients, options({ asgMode: "detach" }));

    expect(out.status, JSON.stringify(out.verification)).toBe("verified");
    expect(
      (await clients.autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [id] })))
        .AutoScalingInstances,
    ).toEqual([]);
    expect(out.preIsolation?.autoScalingGroup).toEqual({ name: "g", mode: "detach" });
  });

  it("replaces the instance profile with the isolation profile, and associates it where there was none", async () => {
    const net = await network();
    const appProfile = await profile("app");
    const isolation = await profile("isolation", false);
    const withProfile = await launch(net, { profileArn: appProfile });
    const without = await launch(net);

    const a = await containInstance(withProfile, clients, options({ isolationProfileArn: isolation }));
    const b = await containInstance(without, clients, options({ isolationProfileArn: isolation }));

    expect(a.status, JSON.stringify(a.verification)).toBe("verified");
    expect(b.status, JSON.stringify(b.verification)).toBe("verified");
    expect(await profileOf(withProfile)).toBe(isolation);
    expect(await profileOf(without)).toBe(isolation);
    expect(a.preIsolation?.instanceProfileArn).toBe(appProfile);
    expect(b.preIsolation?.instanceProfileArn).toBeUndefined();
    expect(calls.map((c) => c.operation)).toEqual(
      expect.arrayContaining(["ReplaceIamInstanceProfileAssociation", "AssociateIamInstanceProfile"]),
    );
  });

  it("leaves identity alone, said so, when no isolation profile is configured", async () => {
    const net = await network();
    const id = await launch(net, { profileArn: await profile("app") });

    const out = await containInstance(id, clients, options());

    expect(out.status).toBe("verified");
    const step = out.steps.find((s) => s.name === "identity:instance-profile");
    expect(step?.status).toBe("skipped");
    expect(step?.detail).toMatch(/no isolation instance profile configured/);
  });

  it("disassociates an Elastic IP from a secondary interface and records it", async () => {
    const net = await network();
    const id = await launch(net, { enis: 2 });
    const eni = (await describe1(id))?.NetworkInterfaces?.find((n) => n.Attachment?.DeviceIndex === 1);
    const alloc = await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
    await ec2.send(
      new AssociateAddressCommand({
        AllocationId: alloc.AllocationId,
        NetworkInterfaceId: eni?.NetworkInterfaceId,
      }),
    );

    const out = await containInstance(id, clients, options());

    expect(out.status, JSON.stringify(out.verification)).toBe("verified");
    const addr = (
      await ec2.send(new DescribeAddressesCommand({ AllocationIds: [alloc.AllocationId as string] }))
    ).Addresses?.[0];
    expect(addr?.AssociationId ?? "").toBe("");
    expect(out.preIsolation?.elasticIps).toEqual([
      expect.objectContaining({
        allocationId: alloc.AllocationId,
        publicIp: alloc.PublicIp,
        networkInterfaceId: eni?.NetworkInterfaceId,
        privateIp: eni?.PrivateIpAddress,
      }),
    ]);
  });

  it("isolates a stopped instance, and stops a running one when asked (stop protection after the stop)", async () => {
    const net = await network();
    const stopped = await launch(net, { enis: 2 });
    await ec2.send(new StopInstancesCommand({ InstanceIds: [stopped] }));
    const running = await launch(net);

    const a = await containInstance(stopped, clients, options());
    const b = await containInstance(running, clients, options({ stopInstance: true, stopProtection: true }));

    expect(a.status, JSON.stringify(a.verification)).toBe("verified");
    expect(a.preIsolation?.state).toBe("stopped");
    expect(b.status, JSON.stringify(b.verification)).toBe("verified");
    expect((await describe1(running))?.State?.Name).toBe("stopped");
    const stop = await ec2.send(
      new DescribeInstanceAttributeCommand({ InstanceId: running, Attribute: "disableApiStop" }),
    );
    expect(stop.DisableApiStop?.Value).toBe(true);
    expect(b.steps.find((s) => s.name === "instance:stop")?.status).toBe("ok");
    expect(b.steps.find((s) => s.name === "protection:stop")?.status).toBe("ok");
  });

  it("uses one pair of groups per VPC for instances in different VPCs", async () => {
    const netA = await network("10.1.0.0/16");
    const netB = await network("10.2.0.0/16");
    const a = await launch(netA);
    const b = await launch(netB);

    const [oa, ob] = await Promise.all([
      containInstance(a, clients, options()),
      containInstance(b, clients, options()),
    ]);

    expect(oa.status).toBe("verified");
    expect(ob.status).toBe("verified");
    const isoA = await isolationGroup(netA.vpcId);
    const isoB = await isolationGroup(netB.vpcId);
    expect(isoA).not.toBe(isoB);
    expect((await interfaces(a))[0]?.groups).toEqual([isoA]);
    expect((await interfaces(b))[0]?.groups).toEqual([isoB]);
  });

  it("creates no duplicate groups when containments of one VPC run concurrently", async () => {
    const net = await network();
    const ids = await Promise.all([launch(net), launch(net), launch(net)]);

    const outs = await Promise.all(ids.map((id) => containInstance(id, clients, options())));

    for (const o of outs) expect(o.status, JSON.stringify(o.verification)).toBe("verified");
    const iso = await isolationGroup(net.vpcId);
    const untracking = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: "group-name", Values: [GROUP_NAME.untracking] }],
      }),
    );
    expect(untracking.SecurityGroups).toHaveLength(1);
    for (const id of ids) expect((await interfaces(id))[0]?.groups).toEqual([iso]);
  });

  it("reports a terminated instance as terminated and a missing one as not found", async () => {
    const net = await network();
    const id = await launch(net);
    await ec2.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    calls = [];

    const gone = await containInstance(id, clients, options());
    const missing = await containInstance("i-0123456789abcdef0", clients, options());

    expect(gone.status).toBe("terminated");
    expect(missing.status).toBe("not-found");
    expect(mutatingCalls()).toEqual([]);
  });

  it("makes no modifying call on a second run over an isolated instance", async () => {
    const net = await network();
    const id = await launch(net, { enis: 3, volumes: 2, profileArn: await profile("app") });
    const isolation = await profile("isolation", false);
    const first = await containInstance(id, clients, options({ isolationProfileArn: isolation }));
    expect(first.status).toBe("verified");

    calls = [];
    const again = await containInstance(
      id,
      clients,
      options({ isolationProfileArn: isolation, previous: first.preIsolation }),
    );

    expect(again.status).toBe("verified");
    expect(calls.filter((c) => c.operation === "ModifyNetworkInterfaceAttribute")).toEqual([]);
    expect(mutatingCalls()).toEqual([]);
    expect(again.rounds).toBe(1);
    expect(again.preIsolation).toEqual(first.preIsolation);
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({
        Filters: [{ Name: "group-name", Values: [GROUP_NAME.isolation] }],
      }),
    );
    expect(groups.SecurityGroups).toHaveLength(1);
  });

  it("does not record the present state as the pre-isolation state of an instance already isolated", async () => {
    const net = await network();
    const id = await launch(net);
    await containInstance(id, clients, options());

    const again = await containInstance(id, clients, options());

    expect(again.status).toBe("verified");
    expect(again.preIsolation).toBeUndefined();
    expect(again.steps.find((s) => s.name === "record:pre-isolation")?.detail).toMatch(
      /already shows containment/,
    );
  });

  it("makes no modifying call in a dry run and lists the calls it would make", async () => {
    const net = await network();
    const id = await launch(net, { enis: 2, volumes: 2 });
    calls = [];

    const out = await containInstance(id, clients, options({ dryRun: true }));

    expect(out.status).toBe("dry-run");
    expect(mutatingCalls()).toEqual([]);
    expect(out.verification.ok).toBe(false);
    expect(out.verification.open.length).toBeGreaterThan(0);
    const planned = out.steps.filter((s) => s.detail.startsWith("dry run:"));
    expect(planned.map((s) => s.name)).toEqual(
      expect.arrayContaining(["network:untracking", "network:isolation", "protection:termination"]),
    );
    expect(out.steps.filter((s) => s.status !== "skipped" && s.name !== "record:pre-isolation")).toEqual([]);

    const tracker = new CallTracker();
    const subject = await observeInstance(id, clients, tracker);
    const lines = describeContainmentCalls(subject, { ...options(), now: "2025-01-01T00:00:00.000Z" });
    expect(lines.filter((l) => l.startsWith("ec2:CreateSecurityGroup"))).toHaveLength(2);
    expect(lines.filter((l) => l.startsWith("ec2:ModifyNetworkInterfaceAttribute"))).toHaveLength(4);
    expect(lines).toContain(
      `ec2:ModifyInstanceAttribute InstanceId=${id} DisableApiTermination={"Value":true}`,
    );
  });
});

describe("ensureIsolationGroups against the emulator", () => {
  it("creates the pair once, with the right rules, and finds it again", async () => {
    const net = await network();

    const first = await ensureIsolationGroups(ec2, net.vpcId);
    const again = await ensureIsolationGroups(ec2, net.vpcId);

    expect(again).toEqual(first);
    const groups = await ec2.send(
      new DescribeSecurityGroupsCommand({ GroupIds: [first.untrackingGroupId, first.isolationGroupId] }),
    );
    const byId = new Map((groups.SecurityGroups ?? []).map((g) => [g.GroupId, g]));
    const iso = byId.get(first.isolationGroupId);
    expect(iso?.GroupName).toBe(GROUP_NAME.isolation);
    expect(iso?.IpPermissions).toEqual([]);
    expect(iso?.IpPermissionsEgress).toEqual([]);
    const untracking = byId.get(first.untrackingGroupId);
    for (const rules of [untracking?.IpPermissions, untracking?.IpPermissionsEgress]) {
      expect(rules).toEqual([
        expect.objectContaining({
          IpProtocol: "-1",
          IpRanges: [{ CidrIp: "0.0.0.0/0" }],
          Ipv6Ranges: [{ CidrIpv6: "::/0" }],
        }),
      ]);
    }
    expect(Object.fromEntries((iso?.Tags ?? []).map((t) => [t.Key, t.Value]))).toMatchObject({
      [TAG.role]: "isolation",
      [TAG.managed]: "true",
    });
  });
});

describe("releaseInstance against the emulator", () => {
  async function isolatedFleetInstance() {
    const net = await network();
    const appProfile = await profile("app");
    const isolation = await profile("isolation", false);
    const elbv2 = clients.elbv2;
    const tg = (
      await elbv2.send(
        new CreateTargetGroupCommand({
          Name: "web",
          Protocol: "HTTP",
          Port: 80,
          VpcId: net.vpcId,
          TargetType: "instance",
        }),
      )
    ).TargetGroups?.[0]?.TargetGroupArn as string;
    await ec2.send(
      new CreateLaunchTemplateCommand({
        LaunchTemplateName: "lt",
        LaunchTemplateData: { ImageId: await image(), InstanceType: "t3.micro" },
      }),
    );
    await clients.autoScaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: "g",
        MinSize: 0,
        MaxSize: 3,
        DesiredCapacity: 0,
        LaunchTemplate: { LaunchTemplateName: "lt" },
        VPCZoneIdentifier: net.subnetA,
      }),
    );
    const id = await launch(net, { enis: 2, volumes: 2, profileArn: appProfile });
    await clients.autoScaling.send(
      new AttachInstancesCommand({ AutoScalingGroupName: "g", InstanceIds: [id] }),
    );
    await elbv2.send(new RegisterTargetsCommand({ TargetGroupArn: tg, Targets: [{ Id: id, Port: 80 }] }));
    const eni = (await describe1(id))?.NetworkInterfaces?.find((n) => n.Attachment?.DeviceIndex === 0);
    const alloc = await ec2.send(new AllocateAddressCommand({ Domain: "vpc" }));
    await ec2.send(
      new AssociateAddressCommand({
        AllocationId: alloc.AllocationId,
        NetworkInterfaceId: eni?.NetworkInterfaceId,
      }),
    );
    const before = await interfaces(id);
    const contained = await containInstance(
      id,
      clients,
      options({ isolationProfileArn: isolation, stopProtection: true }),
    );
    expect(contained.status, JSON.stringify(contained.verification)).toBe("verified");
    return {
      net,
      id,
      tg,
      appProfile,
      isolation,
      alloc,
      eniId: eni?.NetworkInterfaceId,
      before,
      pre: contained.preIsolation!,
    };
  }

  it("restores groups, profile, Elastic IP, Auto Scaling, targets and protection", async () => {
    const s = await isolatedFleetInstance();

    const out = await releaseInstance(s.id, s.pre, clients, {
      incidentId: "ir-20250101-0000abcd",
      force: false,
      dryRun: false,
      isolationProfileArn: s.isolation,
    });

    expect(out.differences).toEqual([]);
    expect(out.status, JSON.stringify(out)).toBe("released");
    expect(await interfaces(s.id)).toEqual(expect.arrayContaining(s.before));
    expect(await profileOf(s.id)).toBe(s.appProfile);
    const addr = (
      await ec2.send(new DescribeAddressesCommand({ AllocationIds: [s.alloc.AllocationId as string] }))
    ).Addresses?.[0];
    expect(s.pre.elasticIps).toEqual([
      expect.objectContaining({ allocationId: s.alloc.AllocationId, networkInterfaceId: s.eniId }),
    ]);
    expect(addr?.NetworkInterfaceId).toBe(s.eniId);
    const member = (
      await clients.autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [s.id] }))
    ).AutoScalingInstances?.[0];
    expect(member?.LifecycleState).toBe("InService");
    const health = await clients.elbv2.send(new DescribeTargetHealthCommand({ TargetGroupArn: s.tg }));
    expect(health.TargetHealthDescriptions?.map((d) => d.Target?.Id)).toContain(s.id);
    const attr = async (Attribute: "disableApiTermination" | "disableApiStop") =>
      ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: s.id, Attribute }));
    expect((await attr("disableApiTermination")).DisableApiTermination?.Value).toBe(false);
    expect((await attr("disableApiStop")).DisableApiStop?.Value).toBe(false);
    const inst = await describe1(s.id);
    expect(inst?.BlockDeviceMappings).toHaveLength(2);
    for (const b of inst?.BlockDeviceMappings ?? []) expect(b.Ebs?.DeleteOnTermination).toBe(true);
    expect(Object.fromEntries((inst?.Tags ?? []).map((t) => [t.Key, t.Value]))[TAG.state]).toBe("released");
  });

  it("refuses to release an instance that changed since isolation, unless forced", async () => {
    const s = await isolatedFleetInstance();
    const extra = await ec2.send(
      new CreateNetworkInterfaceCommand({ SubnetId: s.net.subnetA, Groups: [s.net.app] }),
    );
    await ec2.send(
      new AttachNetworkInterfaceCommand({
        InstanceId: s.id,
        NetworkInterfaceId: extra.NetworkInterface?.NetworkInterfaceId,
        DeviceIndex: 2,
      }),
    );
    calls = [];

    const refused = await releaseInstance(s.id, s.pre, clients, {
      incidentId: "ir-20250101-0000abcd",
      force: false,
      dryRun: false,
    });

    expect(refused.status).toBe("refused");
    expect(refused.differences.join("\n")).toMatch(/new network interface eni-/);
    expect(mutatingCalls()).toEqual([]);

    const forced = await releaseInstance(s.id, s.pre, clients, {
      incidentId: "ir-20250101-0000abcd",
      force: true,
      dryRun: false,
    });

    expect(forced.status, JSON.stringify(forced)).toBe("released");
    expect(forced.steps.find((x) => x.target === extra.NetworkInterface?.NetworkInterfaceId)?.detail).toMatch(
      /not recorded/,
    );
    expect(await interfaces(s.id)).toEqual(expect.arrayContaining(s.before));
  });

  it("refuses to release an instance held by another incident", async () => {
    const s = await isolatedFleetInstance();

    const out = await releaseInstance(s.id, s.pre, clients, {
      incidentId: "ir-20250101-ffffffff",
      force: false,
      dryRun: false,
    });

    expect(out.status).toBe("refused");
    expect(out.differences).toEqual([
      "instance is held by incident ir-20250101-0000abcd, not ir-20250101-ffffffff",
    ]);
  });
});
