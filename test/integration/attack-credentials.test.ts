/**
 * Stolen instance credentials, end to end in the local responder: a GuardDuty
 * InstanceCredentialExfiltration finding (an access key, its role session named after the
 * instance) contains that instance, puts the per-instance deny statement on its role and cuts
 * connection tracking on its three interfaces; a sibling instance with the same role is left
 * alone; `responder release` (releaseIncident, as the CLI runs it) deletes exactly that
 * statement. A finding whose session names an instance that does not use the role changes
 * nothing.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { DescribeIamInstanceProfileAssociationsCommand, DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import {
  GetRolePolicyCommand,
  type IAMClient,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
} from "@aws-sdk/client-iam";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { putEvent } from "../../cli/drill/run.ts";
import { launchInstance } from "../../cli/local/account-builder.ts";
import { SnsAlerter } from "../../shared/alerts/publisher.ts";
import { autoScalingClient, ec2Client, elbv2Client, iamClient, snsClient } from "../../shared/aws/clients.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import { releaseIncident } from "../../shared/workflow/release.ts";
import { waitFor } from "../support/findings.ts";
import { alerts, type FaultWorld, interfacesOf, startFaultWorld } from "./faults-harness.ts";

const ROLE = "demo-web-role";

function exfiltration(
  world: FaultWorld,
  instanceId: string,
  roleName = ROLE,
): { event: Record<string, unknown>; id: string } {
  const e = JSON.parse(
    readFileSync(
      new URL(
        "../fixtures/events/guardduty/UnauthorizedAccess_IAMUser_InstanceCredentialExfiltration.OutsideAWS.json",
        import.meta.url,
      ),
      "utf8",
    ),
  );
  const d = e.detail;
  const id = randomBytes(16).toString("hex");
  const now = new Date().toISOString();
  d.id = id;
  d.arn = `arn:aws:guardduty:${world.region}:${world.account}:detector/${d.service.detectorId}/finding/${id}`;
  d.accountId = world.account;
  d.region = world.region;
  d.createdAt = now;
  d.updatedAt = now;
  d.resource.accessKeyDetails.principalId = `AROAQEXAMPLE3SWNDMVZW:${instanceId}`;
  d.resource.accessKeyDetails.userName = roleName;
  return { event: { ...e, id: randomUUID(), account: world.account, region: world.region, time: now }, id };
}

describe("stolen instance credentials (local responder)", () => {
  let world: FaultWorld;
  let iam: IAMClient;
  let contained: string;
  let sibling: string;
  let incident: IncidentRecord;
  let siblingBefore: { interfaces: Record<string, string[]>; association?: string };

  async function association(instanceId: string): Promise<string | undefined> {
    const res = await world.ec2.send(
      new DescribeIamInstanceProfileAssociationsCommand({
        Filters: [{ Name: "instance-id", Values: [instanceId] }],
      }),
    );
    return res.IamInstanceProfileAssociations?.find((a) => a.State === "associated")?.IamInstanceProfile?.Arn;
  }

  async function launch(interfaces: number): Promise<string> {
    const web = world.demo.instances.web;
    const d = await world.ec2.send(new DescribeInstancesCommand({ InstanceIds: [web.instanceId] }));
    const inst = d.Reservations?.[0]?.Instances?.[0];
    const subnet = inst?.SubnetId;
    const groups = (inst?.NetworkInterfaces?.[0]?.Groups ?? []).map((g) => g.GroupId as string);
    const built = await launchInstance(world.ec2, {
      imageId: inst?.ImageId ?? "",
      interfaces: Array.from({ length: interfaces }, () => ({ subnetId: subnet ?? "", groupIds: groups })),
      extraInterfaces: "launch",
      profileArn: inst?.IamInstanceProfile?.Arn ?? "",
      tags: { Environment: "prod" },
    });
    return built.instanceId;
  }

  async function send(event: Record<string, unknown>, findingId: string): Promise<IncidentRecord> {
    await putEvent(world.events, event);
    const id = await waitFor(
      () => world.store.incidentOfFinding(world.account, "guardduty", findingId),
      (v) => v !== undefined,
    );
    await world.session.runner.idle(600, 60_000);
    return world.store.get(id as string);
  }

  beforeAll(async () => {
    world = await startFaultWorld({ maxAttempts: 1 });
    iam = iamClient(world.session.aws);
    contained = await launch(3);
    sibling = await launch(1);
    siblingBefore = {
      interfaces: await interfacesOf(world, sibling),
      association: await association(sibling),
    };
    const f = exfiltration(world, contained);
    incident = await send(f.event, f.id);
  }, 180_000);

  afterAll(async () => {
    await world?.stop();
  });

  it("contains the instance the role session is named after, and verifies it", async () => {
    const step = incident.steps.contain;
    expect(incident.plan.actions.map((a) => a.name)).toEqual(
      expect.arrayContaining(["contain-instance", "revoke-instance-credentials"]),
    );
    expect(step?.status, step?.detail).toBe("verified");
    expect(incident.containment?.verified).toBe(true);
    const groups = Object.values(await interfacesOf(world, contained));
    expect(groups).toHaveLength(3);
    for (const g of groups) expect(g).toHaveLength(1);
  });

  it("puts the per-instance deny statement on the instance's role and records what it wrote", async () => {
    const name = `incident-responder-revoke-${incident.incidentId}-${contained}`;
    const got = await iam.send(new GetRolePolicyCommand({ RoleName: ROLE, PolicyName: name }));
    const doc = JSON.parse(decodeURIComponent(got.PolicyDocument ?? ""));
    expect(doc.Statement).toEqual([
      {
        Sid: "DenySessionsOfContainedInstance",
        Effect: "Deny",
        Action: "*",
        Resource: "*",
        Condition: {
          StringEquals: {
            "ec2:SourceInstanceARN": `arn:aws:ec2:${world.region}:${world.account}:instance/${contained}`,
          },
        },
      },
    ]);
    const access = (
      (incident.containment?.access ?? {}) as Record<
        string,
        { credentials?: { policyName: string; roleName: string } }
      >
    )[contained];
    expect(access?.credentials).toMatchObject({ policyName: name, roleName: ROLE });
  });

  it("cuts connection tracking on every interface, and says the emulator does not report it", async () => {
    const access = (
      (incident.containment?.access ?? {}) as Record<string, { connectionTracking: { applied: boolean }[] }>
    )[contained];
    expect(access?.connectionTracking).toHaveLength(3);
    expect(access?.connectionTracking.every((r) => r.applied)).toBe(true);
    const mods = world.calls.filter(
      (c) =>
        c.scope === "contain" &&
        c.operation === "ModifyNetworkInterfaceAttribute" &&
        c.input?.ConnectionTrackingSpecification,
    );
    expect(mods.map((c) => c.input?.ConnectionTrackingSpecification)).toEqual(
      Array(3).fill({ TcpEstablishedTimeout: 60, UdpStreamTimeout: 60, UdpTimeout: 30 }),
    );
  });

  it("leaves the sibling instance with the same role untouched", async () => {
    expect(await interfacesOf(world, sibling)).toEqual(siblingBefore.interfaces);
    expect(await association(sibling)).toBe(siblingBefore.association);
    const changed = world.calls.filter(
      (c) =>
        c.scope === "contain" &&
        !/^(Describe|Get|List)/.test(c.operation) &&
        JSON.stringify(c.input ?? {}).includes(sibling),
    );
    expect(changed).toEqual([]);
  });

  it("counts the rounds and calls of full containment of an instance with 3 interfaces", async () => {
    const calls = world.calls.filter(
      (c) =>
        c.scope === "contain" &&
        ["ec2", "iam", "autoscaling", "elasticloadbalancing"].some((s) =>
          c.service.toLowerCase().includes(s),
        ),
    );
    const detail = incident.steps.contain?.detail ?? "";
    const m = /(\d+) rounds, (\d+) calls/.exec(detail);
    console.info(
      `full containment, 3 interfaces + credential statement: ${detail}; ${calls.length} calls by the contain function in all`,
    );
    expect(Number(m?.[2])).toBeGreaterThan(0);
    expect(calls.filter((c) => c.operation === "PutRolePolicy")).toHaveLength(1);
    expect(calls.filter((c) => c.operation === "GetRolePolicy")).toHaveLength(1);
  });

  it("release deletes exactly that statement and restores connection tracking", async () => {
    const other = "someone-elses-policy";
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: ROLE,
        PolicyName: other,
        PolicyDocument: JSON.stringify({
          Version: "2012-10-17",
          Statement: [{ Effect: "Allow", Action: "s3:ListBucket", Resource: "*" }],
        }),
      }),
    );
    const aws = world.session.aws;
    const outcomes = await releaseIncident(
      incident.incidentId,
      { force: false, dryRun: false, by: "test" },
      {
        store: world.store,
        alerter: new SnsAlerter(snsClient(aws), world.session.local.resources.alertTopicArn),
        log: {
          info: () => undefined,
          warn: () => undefined,
          error: () => undefined,
          debug: () => undefined,
        } as never,
        evidenceBucket: world.session.local.resources.evidenceBucket,
        clientsFor: async () => ({
          ec2: ec2Client(aws),
          autoScaling: autoScalingClient(aws),
          elbv2: elbv2Client(aws),
        }),
        isolationProfileFor: async () => world.session.local.resources.isolationProfileArn,
        iamFor: async () => iamClient(aws),
      },
    );
    expect(outcomes[0]?.status, JSON.stringify(outcomes[0])).toBe("released");
    const steps = outcomes[0]?.steps ?? [];
    expect(steps.find((s) => s.name === "release:revoke-sessions")?.status).toBe("ok");
    expect(steps.filter((s) => s.name === "release:connection-tracking")).toHaveLength(3);
    const left = await iam.send(new ListRolePoliciesCommand({ RoleName: ROLE }));
    expect(left.PolicyNames).toEqual([other]);
  });

  it("does nothing to an instance whose role is not the one the session names", async () => {
    const batch = world.demo.instances.batch.instanceId;
    const before = await interfacesOf(world, batch);
    const f = exfiltration(world, batch, "demo-batch-role");
    const forged = await send(f.event, f.id);
    // The same access key joins the open incident: the instance comes with its claim to check.
    expect(forged.plan.actions.find((a) => a.name === "contain-instance")?.sessionRoles).toMatchObject({
      [batch]: "demo-batch-role",
    });
    expect(await interfacesOf(world, batch)).toEqual(before);
    const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: ROLE }))).PolicyNames ?? [];
    for (const name of names) {
      const doc = await iam.send(new GetRolePolicyCommand({ RoleName: ROLE, PolicyName: name }));
      expect(decodeURIComponent(doc.PolicyDocument ?? "")).not.toContain(batch);
    }
    const refused = forged.actions.filter((a) => a.name === "observe:role-session" && a.target === batch);
    expect(JSON.stringify(refused)).toMatch(/alert only/);
    const said = (await alerts(world)).filter((a) => a.incidentId === forged.incidentId);
    expect(JSON.stringify(said)).toMatch(/alert only/);
    const changes = world.calls.filter(
      (c) =>
        /ec2|iam|auto ?scaling|elastic/i.test(c.service) &&
        !/^(Describe|Get|List)/.test(c.operation) &&
        JSON.stringify(c.input ?? {}).includes(batch),
    );
    expect(changes).toEqual([]);
  });
});
