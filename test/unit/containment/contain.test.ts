import { afterEach, describe, expect, it, vi } from "vitest";
import {
  type ContainmentOutcome,
  type ContainOptions,
  containInstance,
  EarlyGroupCreation,
  type PreIsolationState,
} from "../../../shared/containment/index.ts";
import {
  awsError,
  ISOLATION_PROFILE,
  type Mocked,
  MUTATING,
  mockWorld,
  notImplemented,
  sampleWorld,
  type TimedCall,
} from "./world.ts";

const NOW = new Date("2025-01-02T03:04:05.000Z");

function options(over: Partial<ContainOptions> = {}): ContainOptions {
  return {
    incidentId: "ir-20250102-00000001",
    isolationProfileArn: ISOLATION_PROFILE,
    dryRun: false,
    stopInstance: false,
    asgMode: "standby",
    stopProtection: false,
    now: () => NOW,
    ...over,
  };
}

let mocked: Mocked | undefined;
afterEach(() => {
  mocked?.ec2.restore();
  mocked?.autoScaling.restore();
  mocked?.elbv2.restore();
  mocked = undefined;
});

const stepsNamed = (out: ContainmentOutcome, name: string) => out.steps.filter((s) => s.name === name);

describe("containInstance", () => {
  it("isolates every interface within 3 rounds when the groups exist", async () => {
    mocked = mockWorld(sampleWorld());

    const out = await containInstance("i-0abc", mocked.clients, options());

    expect(out.status).toBe("verified");
    expect(out.verification).toEqual({ ok: true, open: [] });
    expect(out.rounds).toBe(3);
    expect(out.rounds).toBeLessThanOrEqual(4);
    expect(out.totalRounds).toBe(5);
    expect(out.calls).toBe(mocked.operations().length);
    for (const e of mocked.world.instance?.enis ?? []) expect(e.groups).toEqual(["sg-iso"]);
    expect(mocked.world.addresses[0]?.associationId).toBeUndefined();
    expect(mocked.world.profile?.arn).toBe(ISOLATION_PROFILE);
    expect(mocked.world.asg?.state).toBe("Standby");
    expect(mocked.world.targets[0]?.state).toBe("draining");
    expect(mocked.world.instance).toMatchObject({ disableApiTermination: true, shutdownBehavior: "stop" });
    expect(mocked.world.instance?.volumes.every((v) => !v.deleteOnTermination)).toBe(true);
    expect(mocked.world.instance?.tags).toMatchObject({
      "incident-responder:incident-id": "ir-20250102-00000001",
      "incident-responder:state": "isolated",
      "incident-responder:isolated-at": NOW.toISOString(),
    });
  });

  it("swaps each interface to the untracking group before the isolation group", async () => {
    const timeline: TimedCall[] = [];
    mocked = mockWorld(sampleWorld(), {}, { timeline });

    await containInstance("i-0abc", mocked.clients, options());

    const swaps = mocked.ec2
      .calls()
      .map((c) => c.args[0].input as { NetworkInterfaceId?: string; Groups?: string[] })
      .filter((i) => i.Groups);
    for (const eni of ["eni-1", "eni-2"])
      expect(swaps.filter((s) => s.NetworkInterfaceId === eni).map((s) => s.Groups)).toEqual([
        ["sg-untr"],
        ["sg-iso"],
      ]);
    // Sent in that order is not enough: no isolation swap starts before every untracking swap
    // of the instance has been answered (the all-open group must have untracked the flows).
    const swapsTo = (group: string) =>
      timeline.filter(
        (c) =>
          c.operation === "ModifyNetworkInterfaceAttribute" &&
          (c.input.Groups as string[] | undefined)?.[0] === group,
      );
    const untracking = swapsTo("sg-untr");
    const isolation = swapsTo("sg-iso");
    expect(untracking).toHaveLength(2);
    expect(isolation).toHaveLength(2);
    const lastUntrackingAnswer = Math.max(...untracking.map((c) => c.ended ?? Number.POSITIVE_INFINITY));
    for (const c of isolation)
      expect(c.started, `isolation swap of ${c.input.NetworkInterfaceId}`).toBeGreaterThan(
        lastUntrackingAnswer,
      );
  });

  it("starts the isolation swap of an interface only after its untracking swap has been answered", async () => {
    // Arrange: every swap is held open for a few turns of the event loop before it is answered,
    // so a swap sent in the same round as another would start before that one has finished.
    const events: string[] = [];
    const turns = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
    };
    mocked = mockWorld(
      sampleWorld(),
      {},
      {
        beforeAnswer: async (op, input) => {
          if (op !== "ModifyNetworkInterfaceAttribute" || !Array.isArray(input.Groups)) return;
          const swap = `${input.NetworkInterfaceId} ${input.Groups.join(",")}`;
          events.push(`sent ${swap}`);
          await turns(5);
          events.push(`answered ${swap}`);
        },
      },
    );

    // Act
    await containInstance("i-0abc", mocked.clients, options());

    // Assert
    for (const eni of ["eni-1", "eni-2"]) {
      const untrackAnswered = events.indexOf(`answered ${eni} sg-untr`);
      const isolationSent = events.indexOf(`sent ${eni} sg-iso`);
      expect(untrackAnswered).toBeGreaterThanOrEqual(0);
      expect(isolationSent).toBeGreaterThan(untrackAnswered);
    }
    // Every untracking swap is answered before any isolation swap is sent: they are rounds apart.
    const lastUntrack = Math.max(...["eni-1", "eni-2"].map((e) => events.indexOf(`answered ${e} sg-untr`)));
    const firstIsolation = Math.min(...["eni-1", "eni-2"].map((e) => events.indexOf(`sent ${e} sg-iso`)));
    expect(firstIsolation).toBeGreaterThan(lastUntrack);
  });

  it("records the pre-isolation state", async () => {
    mocked = mockWorld(sampleWorld());

    const out = await containInstance("i-0abc", mocked.clients, options());

    expect(out.preIsolation).toEqual({
      instanceId: "i-0abc",
      capturedAt: NOW.toISOString(),
      interfaces: [
        {
          networkInterfaceId: "eni-1",
          groups: ["sg-app", "sg-db"],
          attachmentId: "eni-attach-0",
          deviceIndex: 0,
        },
        { networkInterfaceId: "eni-2", groups: ["sg-db"], attachmentId: "eni-attach-1", deviceIndex: 1 },
      ],
      instanceProfileArn: "arn:aws:iam::123456789012:instance-profile/app",
      iamAssociationId: "iip-assoc-1",
      elasticIps: [
        {
          allocationId: "eipalloc-1",
          publicIp: "54.0.0.1",
          networkInterfaceId: "eni-2",
          privateIp: "10.0.0.11",
          associationId: "eipassoc-1",
        },
      ],
      autoScalingGroup: { name: "web", mode: "standby" },
      targetGroups: [
        { targetGroupArn: "arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1", port: 80 },
      ],
      protection: { disableApiTermination: false, disableApiStop: false, shutdownBehavior: "terminate" },
      volumesDeleteOnTermination: [
        { deviceName: "/dev/xvda", volumeId: "vol-1", deleteOnTermination: true },
        { deviceName: "/dev/xvdb", volumeId: "vol-2", deleteOnTermination: true },
      ],
      state: "running",
    });
  });

  it("runs the other sub-steps when some calls are throttled, and says which failed", async () => {
    mocked = mockWorld(sampleWorld(), {
      ModifyInstanceAttribute: (i) =>
        i.DisableApiTermination ? awsError("RequestLimitExceeded", "Request limit exceeded.") : undefined,
      EnterStandby: () => awsError("Throttling", "Rate exceeded"),
    });

    const out = await containInstance("i-0abc", mocked.clients, options());

    const termination = stepsNamed(out, "protection:termination")[0];
    expect(termination?.status).toBe("failed");
    expect(termination?.detail).toMatch(/RequestLimitExceeded.*throttled/);
    expect(termination?.data).toMatchObject({ throttled: true, operation: "ModifyInstanceAttribute" });
    expect(stepsNamed(out, "fleet:auto-scaling")[0]).toMatchObject({ status: "failed", target: "web" });
    expect(stepsNamed(out, "network:isolation").map((s) => s.status)).toEqual(["ok", "ok"]);
    expect(stepsNamed(out, "protection:shutdown-behavior")[0]?.status).toBe("ok");
    expect(stepsNamed(out, "fleet:target-group")[0]?.status).toBe("ok");
    expect(out.status).toBe("failed");
    expect(out.verification.open).toEqual(["Auto Scaling group web: instance InService"]);
  });

  it("goes on when a sub-step fails for good, and verification has the last word", async () => {
    mocked = mockWorld(sampleWorld(), {
      ModifyInstanceAttribute: () =>
        awsError("UnauthorizedOperation", "You are not authorized to perform this operation."),
    });

    const out = await containInstance("i-0abc", mocked.clients, options());

    const protection = out.steps.filter((s) => s.name.startsWith("protection:") && s.status !== "skipped");
    expect(protection.map((s) => s.status)).toEqual(["failed", "failed", "failed", "failed"]);
    expect(protection[0]?.detail).toMatch(/^ModifyInstanceAttribute failed: UnauthorizedOperation/);
    expect(stepsNamed(out, "network:isolation").every((s) => s.status === "ok")).toBe(true);
    expect(stepsNamed(out, "identity:instance-profile")[0]?.status).toBe("ok");
    expect(out.status).toBe("verified");
  });

  it("fails verification, naming the interface, when an interface keeps an old group", async () => {
    mocked = mockWorld(sampleWorld(), {}, { stickyGroups: ["eni-2"] });

    const out = await containInstance("i-0abc", mocked.clients, options());

    expect(out.status).toBe("failed");
    expect(out.verification.ok).toBe(false);
    expect(out.verification.open).toEqual(["eni-2: security groups sg-db (expected only sg-iso)"]);
    expect(mocked.world.instance?.tags["incident-responder:state"]).toBe("isolation-incomplete");
  });

  it("puts an interface back on its own groups when it cannot leave the all-open untracking group", async () => {
    mocked = mockWorld(sampleWorld(), {
      ModifyNetworkInterfaceAttribute: (i) =>
        i.NetworkInterfaceId === "eni-2" && (i.Groups as string[] | undefined)?.[0] === "sg-iso"
          ? awsError("RequestLimitExceeded", "Request limit exceeded.")
          : undefined,
    });

    const out = await containInstance("i-0abc", mocked.clients, options());

    expect(mocked.world.instance?.enis.map((e) => e.groups)).toEqual([["sg-iso"], ["sg-db"]]);
    const eni2 = stepsNamed(out, "network:isolation").find((s) => s.target === "eni-2");
    expect(eni2?.status).toBe("failed");
    expect(eni2?.detail).toMatch(/failed twice, so the interface was put back on its own groups sg-db$/);
    expect(out.status).toBe("failed");
    expect(out.verification.open).toEqual(["eni-2: security groups sg-db (expected only sg-iso)"]);
    // The repair round: one more isolation attempt, then the revert.
    expect(out.rounds).toBe(5);
  });

  it("makes no modifying call in a dry run and reports the calls it would make", async () => {
    mocked = mockWorld(sampleWorld());

    const out = await containInstance(
      "i-0abc",
      mocked.clients,
      options({ dryRun: true, stopInstance: true }),
    );

    expect(mocked.operations().filter((op) => MUTATING.has(op))).toEqual([]);
    expect(out.status).toBe("dry-run");
    const planned = out.steps.filter((s) => s.detail.startsWith("dry run: "));
    expect(planned.every((s) => s.status === "skipped")).toBe(true);
    expect(planned.map((s) => s.detail)).toEqual(
      expect.arrayContaining([
        "dry run: ec2:ModifyNetworkInterfaceAttribute NetworkInterfaceId=eni-1 Groups=[sg-untr]",
        "dry run: ec2:ModifyNetworkInterfaceAttribute NetworkInterfaceId=eni-1 Groups=[sg-iso]",
        "dry run: ec2:DisassociateAddress AssociationId=eipassoc-1",
        `dry run: ec2:ReplaceIamInstanceProfileAssociation AssociationId=iip-assoc-1 IamInstanceProfile={"Arn":"${ISOLATION_PROFILE}"}`,
        "dry run: autoscaling:EnterStandby AutoScalingGroupName=web InstanceIds=[i-0abc] ShouldDecrementDesiredCapacity=true",
        'dry run: elasticloadbalancing:DeregisterTargets TargetGroupArn=arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/web/1 Targets=[{"Id":"i-0abc","Port":80}]',
        "dry run: ec2:StopInstances InstanceIds=[i-0abc]",
      ]),
    );
    expect(out.verification.ok).toBe(false);
    expect(out.verification.open).toContain("eni-1: security groups sg-app, sg-db (expected only sg-iso)");
  });

  it("makes no modifying call for what is done already", async () => {
    mocked = mockWorld(sampleWorld());
    const first = await containInstance("i-0abc", mocked.clients, options());
    mocked.ec2.resetHistory();
    const before = mocked.operations().length;

    const again = await containInstance("i-0abc", mocked.clients, options({ previous: first.preIsolation }));

    expect(again.status).toBe("verified");
    expect(
      mocked
        .operations()
        .slice(before)
        .filter((op) => MUTATING.has(op)),
    ).toEqual([]);
    expect(again.preIsolation).toEqual(first.preIsolation);
  });

  it("creates the groups of a VPC that has none, and counts the extra rounds", async () => {
    const world = sampleWorld();
    world.groups = [];
    mocked = mockWorld(world);

    const out = await containInstance("i-0abc", mocked.clients, options());

    expect(out.status).toBe("verified");
    expect(out.rounds).toBe(5);
    expect(mocked.world.groups.map((g) => g.name).sort()).toEqual([
      "incident-responder-isolation",
      "incident-responder-untracking",
    ]);
    expect(mocked.world.groups.find((g) => g.role === "isolation")?.egress).toEqual([]);
    expect(stepsNamed(out, "network:untracking-group")[0]?.detail).toMatch(/^created sg-new/);
  });

  it("isolates within 4 rounds when the missing groups are created beside round 1", async () => {
    const world = sampleWorld();
    world.groups = [];
    mocked = mockWorld(world);
    const earlyGroups = new EarlyGroupCreation(mocked.clients.ec2, [
      { vpcId: "vpc-1", role: "untracking" },
      { vpcId: "vpc-1", role: "isolation" },
    ]);

    const out = await containInstance("i-0abc", mocked.clients, options({ earlyGroups }));

    expect(out.status).toBe("verified");
    expect(out.rounds).toBe(4);
    expect(mocked.operations().filter((op) => op === "CreateSecurityGroup")).toHaveLength(2);
    const groups = mocked.world.groups;
    expect(groups.map((g) => g.name).sort()).toEqual([
      "incident-responder-isolation",
      "incident-responder-untracking",
    ]);
    expect(groups.find((g) => g.role === "isolation")?.egress).toEqual([]);
    expect(groups.find((g) => g.role === "untracking")?.ingress).not.toEqual([]);
    expect(stepsNamed(out, "network:isolation-group")[0]?.detail).toMatch(/^created sg-new.*rules fixed/);
  });

  it("falls back to the ordinary preparation when the early creation finds the group made concurrently", async () => {
    const world = sampleWorld();
    world.groups = [];
    mocked = mockWorld(world);
    const early = new EarlyGroupCreation(mocked.clients.ec2, [
      { vpcId: "vpc-1", role: "untracking" },
      { vpcId: "vpc-1", role: "isolation" },
    ]);
    // Another incident's containment created both groups since triage looked.
    await containInstance("i-0abc", mocked.clients, options({ dryRun: false }));
    const before = mocked.operations().length;

    const out = await containInstance("i-0abc", mocked.clients, options({ earlyGroups: early }));

    expect(out.status).toBe("verified");
    expect(mocked.world.groups).toHaveLength(2);
    const creates = mocked
      .operations()
      .slice(before)
      .filter((op) => op === "CreateSecurityGroup");
    expect(creates).toHaveLength(2); // both refused as duplicates, nothing else created
  });

  it("ignores the early creation in a dry run", async () => {
    const world = sampleWorld();
    world.groups = [];
    mocked = mockWorld(world);
    const earlyGroups = new EarlyGroupCreation(mocked.clients.ec2, [{ vpcId: "vpc-1", role: "isolation" }]);

    const out = await containInstance("i-0abc", mocked.clients, options({ dryRun: true, earlyGroups }));

    expect(out.status).toBe("dry-run");
    expect(mocked.operations().filter((op) => MUTATING.has(op))).toEqual([]);
  });

  it("keeps the pre-isolation state before its changes, so that a containment that dies mid-way leaves it", async () => {
    mocked = mockWorld(sampleWorld());
    const real = mocked.clients.ec2;
    let hung = false;
    // The isolation swap never answers: the function dies there (a timeout, a crash).
    const dying = new Proxy(real, {
      get(target, prop) {
        if (prop !== "send") return Reflect.get(target, prop);
        return (command: { constructor: { name: string }; input: { Groups?: string[] } }) => {
          if (
            command.constructor.name === "ModifyNetworkInterfaceAttributeCommand" &&
            command.input.Groups?.[0] === "sg-iso"
          ) {
            hung = true;
            return new Promise(() => {});
          }
          return target.send(command as never);
        };
      },
    });
    const saved: PreIsolationState[] = [];
    const persist = async (state: PreIsolationState) => {
      saved.push(structuredClone(state));
    };
    void containInstance("i-0abc", { ...mocked.clients, ec2: dying }, options({ persist }));
    await vi.waitFor(() => expect(hung).toBe(true));

    const kept = saved.at(-1);
    expect(saved).toHaveLength(2);
    expect(kept?.interfaces.map((i) => i.groups)).toEqual([["sg-app", "sg-db"], ["sg-db"]]);
    expect(kept?.elasticIps.map((e) => e.allocationId)).toEqual(["eipalloc-1"]);
    expect(kept?.instanceProfileArn).toBe("arn:aws:iam::123456789012:instance-profile/app");
    expect(kept?.autoScalingGroup?.name).toBe("web");
    expect(kept?.targetGroups).toHaveLength(1);

    // The retry finds the interfaces on the untracking group, yet keeps the state kept before.
    const retry = await containInstance("i-0abc", mocked.clients, options({ previous: kept, persist }));
    expect(retry.status).toBe("verified");
    expect(retry.preIsolation).toEqual(kept);
    expect(stepsNamed(retry, "record:pre-isolation")[0]?.detail).toMatch(/^kept the state recorded at/);
  });

  it("adopts the group another containment created at the same time", async () => {
    const world = sampleWorld();
    // Created by a concurrent run but not yet tagged or stripped of its default egress rule.
    world.groups = [
      {
        id: "sg-other",
        vpcId: "vpc-1",
        name: "incident-responder-isolation",
        ingress: [],
        egress: [{ IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] }],
      },
    ];
    mocked = mockWorld(world);

    const out = await containInstance("i-0abc", mocked.clients, options());

    expect(out.status, out.verification.open.join("; ")).toBe("verified");
    expect(mocked.world.groups.filter((g) => g.name === "incident-responder-isolation")).toHaveLength(1);
    expect(mocked.world.groups.find((g) => g.id === "sg-other")?.egress).toEqual([]);
    for (const e of mocked.world.instance?.enis ?? []) expect(e.groups).toEqual(["sg-other"]);
    expect(stepsNamed(out, "network:isolation-group")[0]?.detail).toMatch(/adopted/);
  });

  it("reports an API the endpoint does not implement as unsupported", async () => {
    mocked = mockWorld(sampleWorld(), {
      DescribeTargetGroups: () => notImplemented(),
      DescribeAutoScalingInstances: () => notImplemented(),
    });

    const out = await containInstance("i-0abc", mocked.clients, options());

    expect(stepsNamed(out, "fleet:target-group")[0]?.status).toBe("unsupported");
    expect(stepsNamed(out, "fleet:auto-scaling")[0]?.status).toBe("unsupported");
    expect(out.status).toBe("verified");
  });

  it("does not call it verified when the target groups could not be listed", async () => {
    mocked = mockWorld(sampleWorld(), {
      DescribeTargetGroups: () => awsError("AccessDenied", "not allowed"),
    });

    const out = await containInstance("i-0abc", mocked.clients, options());

    expect(out.status).toBe("failed");
    expect(out.verification.open).toEqual(["could not verify target groups: AccessDenied: not allowed"]);
  });

  it("reports a missing instance as not found and a terminated one as terminated, changing nothing", async () => {
    const world = sampleWorld();
    delete world.instance;
    mocked = mockWorld(world);
    expect((await containInstance("i-0abc", mocked.clients, options())).status).toBe("not-found");

    const gone = sampleWorld();
    if (gone.instance) gone.instance.state = "terminated";
    mocked.ec2.restore();
    mocked = mockWorld(gone);
    const out = await containInstance("i-0abc", mocked.clients, options());
    expect(out.status).toBe("terminated");
    expect(mocked.operations().filter((op) => MUTATING.has(op))).toEqual([]);
  });

  it("fails, without throwing, when the instance cannot be described", async () => {
    mocked = mockWorld(sampleWorld(), {
      DescribeInstances: () => awsError("RequestLimitExceeded", "Request limit exceeded."),
    });

    const out = await containInstance("i-0abc", mocked.clients, options());

    expect(out.status).toBe("failed");
    expect(out.verification.open[0]).toMatch(/^instance state unknown: RequestLimitExceeded/);
    expect(mocked.operations().filter((op) => MUTATING.has(op))).toEqual([]);
  });

  it("skips the identity swap, saying why, when no isolation profile is configured", async () => {
    mocked = mockWorld(sampleWorld());

    const out = await containInstance("i-0abc", mocked.clients, options({ isolationProfileArn: undefined }));

    expect(stepsNamed(out, "identity:instance-profile")[0]).toMatchObject({ status: "skipped" });
    expect(mocked.world.profile?.arn).toBe("arn:aws:iam::123456789012:instance-profile/app");
    expect(out.status).toBe("verified");
  });

  it("removes an auto-assigned public address from the primary interface", async () => {
    const world = sampleWorld();
    if (world.instance?.enis[0]) world.instance.enis[0].publicIp = "3.3.3.3";
    mocked = mockWorld(world);

    const out = await containInstance("i-0abc", mocked.clients, options());

    expect(stepsNamed(out, "network:public-ip")[0]).toMatchObject({ status: "ok", target: "eni-1" });
    expect(out.preIsolation?.interfaces[0]?.publicIp).toBe("3.3.3.3");
    expect(out.status).toBe("verified");
  });

  it("stops the instance when asked, and enables stop protection only after the stop", async () => {
    mocked = mockWorld(sampleWorld());

    const out = await containInstance(
      "i-0abc",
      mocked.clients,
      options({ stopInstance: true, stopProtection: true }),
    );

    const ops = mocked.operations();
    const stop = ops.indexOf("StopInstances");
    const inputs = mocked.ec2.calls().map((c) => c.args[0].input as { DisableApiStop?: unknown });
    expect(stop).toBeGreaterThan(-1);
    expect(inputs.some((i) => i.DisableApiStop)).toBe(true);
    expect(ops.lastIndexOf("ModifyInstanceAttribute")).toBeGreaterThan(stop);
    expect(mocked.world.instance?.disableApiStop).toBe(true);
    expect(out.status).toBe("verified");
  });
});
