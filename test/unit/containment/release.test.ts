import { afterEach, describe, expect, it } from "vitest";
import {
  type ContainOptions,
  containInstance,
  type PreIsolationState,
  releaseInstance,
} from "../../../shared/containment/index.ts";
import { ISOLATION_PROFILE, type Mocked, MUTATING, mockWorld, sampleWorld, type World } from "./world.ts";

const NOW = new Date("2025-01-02T03:04:05.000Z");
const INCIDENT = "ir-20250102-00000001";

const containOptions: ContainOptions = {
  incidentId: INCIDENT,
  isolationProfileArn: ISOLATION_PROFILE,
  dryRun: false,
  stopInstance: false,
  asgMode: "standby",
  stopProtection: true,
  now: () => NOW,
};
const releaseOptions = {
  incidentId: INCIDENT,
  force: false,
  dryRun: false,
  isolationProfileArn: ISOLATION_PROFILE,
  now: () => NOW,
};

let mocked: Mocked | undefined;
afterEach(() => {
  mocked?.ec2.restore();
  mocked?.autoScaling.restore();
  mocked?.elbv2.restore();
  mocked = undefined;
});

async function isolated(world: World = sampleWorld()): Promise<{ pre: PreIsolationState; original: World }> {
  const original = structuredClone(world);
  mocked = mockWorld(world);
  const out = await containInstance("i-0abc", mocked.clients, containOptions);
  expect(out.status).toBe("verified");
  return { pre: out.preIsolation as PreIsolationState, original };
}

describe("releaseInstance", () => {
  it("puts back groups, Elastic IP, profile, Auto Scaling, targets and protection", async () => {
    const { pre, original } = await isolated();
    const m = mocked as Mocked;

    const out = await releaseInstance("i-0abc", pre, m.clients, releaseOptions);

    expect(out.status, JSON.stringify(out.verification)).toBe("released");
    expect(out.differences).toEqual([]);
    expect(m.world.instance?.enis).toEqual(original.instance?.enis);
    expect(m.world.addresses[0]).toMatchObject({ eni: "eni-2", privateIp: "10.0.0.11" });
    expect(m.world.profile?.arn).toBe(original.profile?.arn);
    expect(m.world.asg).toEqual({ name: "web", state: "InService" });
    expect(m.world.targets.filter((t) => t.state !== "draining")).toEqual([
      { tgArn: original.targetGroups[0]?.arn, id: "i-0abc", port: 80, state: "initial" },
    ]);
    expect(m.world.instance).toMatchObject({
      disableApiTermination: false,
      disableApiStop: false,
      shutdownBehavior: "terminate",
      volumes: original.instance?.volumes,
    });
    expect(m.world.instance?.tags["incident-responder:state"]).toBe("released");
  });

  it("refuses, changing nothing, when an interface was added since isolation", async () => {
    const { pre } = await isolated();
    const m = mocked as Mocked;
    m.world.instance?.enis.push({ id: "eni-3", vpcId: "vpc-1", groups: ["sg-app"], privateIp: "10.0.0.12" });
    const before = m.operations().length;

    const out = await releaseInstance("i-0abc", pre, m.clients, releaseOptions);

    expect(out.status).toBe("refused");
    expect(out.differences).toEqual(["new network interface eni-3 (not there at isolation)"]);
    expect(
      m
        .operations()
        .slice(before)
        .filter((op) => MUTATING.has(op)),
    ).toEqual([]);
  });

  it("refuses when an interface is on groups that are neither the isolation group nor the recorded ones", async () => {
    const { pre } = await isolated();
    const m = mocked as Mocked;
    const eni = m.world.instance?.enis[0];
    if (eni) eni.groups = ["sg-app"];

    const out = await releaseInstance("i-0abc", pre, m.clients, releaseOptions);

    expect(out.status).toBe("refused");
    expect(out.differences).toEqual([
      "eni-1: security groups sg-app are neither the isolation group nor the recorded sg-app, sg-db",
    ]);
  });

  it("refuses when the profile changed, and when another incident holds the instance", async () => {
    const { pre } = await isolated();
    const m = mocked as Mocked;
    if (m.world.profile) m.world.profile.arn = "arn:aws:iam::123456789012:instance-profile/other";
    if (m.world.instance) m.world.instance.tags["incident-responder:incident-id"] = "ir-20250102-00000002";

    const out = await releaseInstance("i-0abc", pre, m.clients, releaseOptions);

    expect(out.status).toBe("refused");
    expect(out.differences).toEqual([
      `instance is held by incident ir-20250102-00000002, not ${INCIDENT}`,
      `instance profile is arn:aws:iam::123456789012:instance-profile/other: neither the isolation profile nor the recorded arn:aws:iam::123456789012:instance-profile/app`,
    ]);
  });

  it("releases anyway when forced, leaving what was not recorded as it is", async () => {
    const { pre } = await isolated();
    const m = mocked as Mocked;
    m.world.instance?.enis.push({ id: "eni-3", vpcId: "vpc-1", groups: ["sg-app"], privateIp: "10.0.0.12" });

    const out = await releaseInstance("i-0abc", pre, m.clients, { ...releaseOptions, force: true });

    expect(out.status).toBe("released");
    expect(out.differences).toHaveLength(1);
    expect(out.steps.find((s) => s.target === "eni-3")).toMatchObject({
      status: "skipped",
      detail: "not recorded at isolation: left as it is",
    });
    expect(m.world.instance?.enis.map((e) => e.groups)).toEqual([["sg-app", "sg-db"], ["sg-db"], ["sg-app"]]);
  });

  it("makes no modifying call in a dry run", async () => {
    const { pre } = await isolated();
    const m = mocked as Mocked;
    const before = m.operations().length;

    const out = await releaseInstance("i-0abc", pre, m.clients, { ...releaseOptions, dryRun: true });

    expect(out.status).toBe("dry-run");
    expect(
      m
        .operations()
        .slice(before)
        .filter((op) => MUTATING.has(op)),
    ).toEqual([]);
    expect(out.steps.find((s) => s.target === "eni-1")?.detail).toBe(
      "dry run: ec2:ModifyNetworkInterfaceAttribute NetworkInterfaceId=eni-1 Groups=[sg-app,sg-db]",
    );
  });

  it("refuses a record of another instance, or one that does not validate", async () => {
    const { pre } = await isolated();
    const m = mocked as Mocked;

    expect((await releaseInstance("i-0other", pre, m.clients, releaseOptions)).status).toBe("refused");
    const broken = { ...pre, interfaces: "eni-1" } as unknown as PreIsolationState;
    const out = await releaseInstance("i-0abc", broken, m.clients, releaseOptions);
    expect(out.status).toBe("refused");
    expect(out.differences[0]).toMatch(/^invalid pre-isolation record/);
  });

  it("contains a released instance again for a new incident, records it, and releases it again", async () => {
    const { pre, original } = await isolated();
    const m = mocked as Mocked;
    await releaseInstance("i-0abc", pre, m.clients, releaseOptions);
    const next = "ir-20250109-00000002";

    const again = await containInstance("i-0abc", m.clients, { ...containOptions, incidentId: next });

    expect(again.status).toBe("verified");
    expect(again.preIsolation?.interfaces).toEqual(pre.interfaces);
    expect(m.world.instance?.tags).toMatchObject({
      "incident-responder:incident-id": next,
      "incident-responder:state": "isolated",
      "incident-responder:isolated-at": NOW.toISOString(),
    });
    const out = await releaseInstance("i-0abc", again.preIsolation as PreIsolationState, m.clients, {
      ...releaseOptions,
      incidentId: next,
    });
    expect(out.status, JSON.stringify(out.differences)).toBe("released");
    expect(m.world.instance?.enis).toEqual(original.instance?.enis);
  });

  it("is idempotent: a second release changes nothing", async () => {
    const { pre } = await isolated();
    const m = mocked as Mocked;
    await releaseInstance("i-0abc", pre, m.clients, releaseOptions);
    const before = m.operations().length;

    const again = await releaseInstance("i-0abc", pre, m.clients, releaseOptions);

    expect(again.status).toBe("released");
    const changes = m
      .operations()
      .slice(before)
      .filter((op) => MUTATING.has(op));
    // Registration is repeated (harmless); nothing else.
    expect(changes).toEqual(["RegisterTargets"]);
  });
});
