import { createHash } from "node:crypto";
import {
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
} from "@aws-sdk/client-ec2";
import { GetObjectCommand, ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runLocalDrills, seedDemo } from "../../cli/drill/local.ts";
import type { DrillOutcome } from "../../cli/drill/run.ts";
import { scenario } from "../../cli/drill/scenarios.ts";
import type { DemoAccount } from "../../cli/local/demo.ts";
import { type LocalSession, startLocalSession } from "../../cli/local/session.ts";
import { ec2Client, s3Client } from "../../shared/aws/clients.ts";
import { resetEmulator } from "../support/emulator.ts";
import { WAIT_MS } from "../support/findings.ts";

describe("a local drill of a GuardDuty C&C finding", () => {
  let session: LocalSession;
  let demo: DemoAccount;
  let outcome: DrillOutcome;

  beforeAll(async () => {
    await resetEmulator();
    process.env.POWERTOOLS_LOG_LEVEL = "SILENT";
    session = await startLocalSession({ maxAttempts: 2 });
    demo = await seedDemo(session);
    [outcome] = (await runLocalDrills(session, demo, [scenario("c2")], {
      queueName: "test-alerts",
      timeoutMs: WAIT_MS,
    })) as [DrillOutcome];
  });

  afterAll(async () => {
    await session?.stop();
  });

  it("passes every expectation of the scenario", () => {
    expect(outcome.checks.filter((c) => !c.pass)).toEqual([]);
    expect(outcome.pass).toBe(true);
  });

  it("scores the production payments server critical with readable reasons", () => {
    expect(outcome.incident?.impact.tier).toBe("critical");
    expect(outcome.incident?.impact.reasons.map((r) => r.text)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/DataClassification=restricted/),
        expect.stringMatching(/Environment=prod/),
      ]),
    );
    expect(outcome.incident?.impact.owner).toBe("payments-team@example.com");
  });

  it("moves every network interface to one isolation group without rules", async () => {
    const ec2 = ec2Client(session.aws);
    const enis = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: "attachment.instance-id", Values: [demo.instances.web.instanceId] }],
      }),
    );
    expect(enis.NetworkInterfaces).toHaveLength(2);
    const groups = new Set(enis.NetworkInterfaces?.flatMap((n) => (n.Groups ?? []).map((g) => g.GroupId)));
    expect(groups.size).toBe(1);
    const sg = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [...groups] as string[] }));
    expect(sg.SecurityGroups?.[0]?.IpPermissions ?? []).toEqual([]);
    expect(sg.SecurityGroups?.[0]?.IpPermissionsEgress ?? []).toEqual([]);
  });

  it("isolates the first instance of the VPC within 4 rounds: triage saw the groups missing", () => {
    const web = demo.instances.web.instanceId;
    expect(outcome.incident?.hints?.groupsToCreate?.map((g) => g.role).sort()).toEqual([
      "isolation",
      "untracking",
    ]);
    const detail = outcome.incident?.steps.contain?.detail ?? "";
    const rounds = Number(new RegExp(`${web}: verified in (\\d+) rounds`).exec(detail)?.[1]);
    expect(rounds, detail).toBeGreaterThan(0);
    expect(rounds, detail).toBeLessThanOrEqual(4);
  });

  it("snapshots all three volumes, tagged with the incident, instance and device", async () => {
    const snaps = await ec2Client(session.aws).send(
      new DescribeSnapshotsCommand({
        Filters: [{ Name: "tag:incident-responder:incident-id", Values: [outcome.incidentId ?? ""] }],
      }),
    );
    expect(snaps.Snapshots).toHaveLength(3);
    for (const s of snaps.Snapshots ?? []) {
      const tags = Object.fromEntries((s.Tags ?? []).map((t) => [t.Key, t.Value]));
      expect(tags["incident-responder:instance-id"]).toBe(demo.instances.web.instanceId);
      expect(tags["incident-responder:device"]).toMatch(/^\/dev\//);
      expect(tags["incident-responder:finding-type"]).toBe("Backdoor:EC2/C&CActivity.B!DNS");
    }
  });

  it("archives the instance description and the triggering event with matching SHA-256 hashes", async () => {
    const s3 = s3Client(session.aws);
    const bucket = session.local.resources.evidenceBucket;
    const listed = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: `incidents/${outcome.incidentId}/` }),
    );
    const keys = (listed.Contents ?? []).map((o) => o.Key);
    expect(keys).toEqual(
      expect.arrayContaining([
        `incidents/${outcome.incidentId}/manifest.json`,
        `incidents/${outcome.incidentId}/artifacts/triggering-event.json`,
        `incidents/${outcome.incidentId}/artifacts/${demo.instances.web.instanceId}/instance-description.json`,
      ]),
    );
    const manifestObj = await s3.send(
      new GetObjectCommand({ Bucket: bucket, Key: `incidents/${outcome.incidentId}/manifest.json` }),
    );
    const manifest = JSON.parse(await manifestObj.Body!.transformToString()) as {
      artifacts: { key: string; sha256: string }[];
    };
    // The triggering event, triage, the timeline and the instance's own artifacts.
    expect(manifest.artifacts.length).toBeGreaterThan(3);
    for (const a of manifest.artifacts) {
      const obj = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: a.key }));
      const bytes = await obj.Body!.transformToByteArray();
      expect(createHash("sha256").update(bytes).digest("hex"), a.key).toBe(a.sha256);
    }
  });

  it("alerts a topic subscriber at each stage, with filterable attributes", () => {
    const stages = outcome.alerts.map((a) => a.stage);
    expect(stages).toEqual(expect.arrayContaining(["opened", "contained", "evidence-preserved"]));
    for (const a of outcome.alerts) {
      expect(a.subject.length).toBeLessThan(100);
      expect(a.attributes.incidentId).toBe(outcome.incidentId);
      expect(a.attributes.tier).toBe("critical");
    }
  });

  it("records every step on the incident's timeline", () => {
    const steps = Object.fromEntries(
      Object.entries(outcome.incident?.steps ?? {}).map(([k, v]) => [k, v.status]),
    );
    expect(steps).toMatchObject({
      triage: "ok",
      contain: "verified",
      snapshots: "ok",
      artifacts: expect.stringMatching(/ok|partial/),
      manifest: "ok",
    });
  });
});
