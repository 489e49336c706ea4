import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  CreateSecurityGroupCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  ModifyNetworkInterfaceAttributeCommand,
} from "@aws-sdk/client-ec2";
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainAlerts, type ReceivedAlert, subscribeAlerts } from "../../cli/drill/run.ts";
import { type DemoAccount, seedDemoAccount } from "../../cli/local/demo.ts";
import { ec2Client, iamClient, s3Client, snsClient, sqsClient } from "../../shared/aws/clients.ts";
import { runCli, startCli, stopCli } from "../support/cli.ts";
import { resetEmulator, testAwsOptions } from "../support/emulator.ts";
import { WAIT_MS, waitFor } from "../support/findings.ts";

const fixture = (p: string) =>
  JSON.parse(readFileSync(new URL(`../fixtures/events/${p}`, import.meta.url), "utf8"));

/** A real (non-sample) GuardDuty finding aimed at an instance of the demo account. */
function realFinding(instanceId: string, account: string) {
  const e = fixture("guardduty/UnauthorizedAccess_EC2_SSHBruteForce.json");
  e.account = account;
  e.detail.accountId = account;
  e.detail.id = `cli${Date.now().toString(16)}`;
  e.detail.severity = 8;
  e.detail.service.additionalInfo = {};
  e.detail.resource.instanceDetails.instanceId = instanceId;
  e.detail.updatedAt = new Date().toISOString();
  return e;
}

describe("responder local up + ingest, from another process", () => {
  const aws = testAwsOptions();
  const dir = mkdtempSync(join(tmpdir(), "responder-cli-"));
  let up: ChildProcess;
  let ready: { endpoint: string; region: string; resources: Record<string, string> };
  let demo: DemoAccount;
  let alertQueue: string;
  let ingested: { code: number | null; json: Record<string, unknown> };

  beforeAll(async () => {
    await resetEmulator();
    const started = await startCli(["local", "up", "--json"]);
    up = started.child;
    ready = JSON.parse(started.firstLine);
    demo = await seedDemoAccount(ec2Client(aws), iamClient(aws));
    alertQueue = await subscribeAlerts(
      { sqs: sqsClient(aws), sns: snsClient(aws) },
      ready.resources.alertTopicArn ?? "",
      "cli-test-alerts",
    );
    const file = join(dir, "finding.json");
    writeFileSync(file, JSON.stringify(realFinding(demo.instances.batch.instanceId, "123456789012")));
    const res = await runCli(["ingest", file, "--json", "--timeout", String(WAIT_MS / 1000)]);
    ingested = { code: res.code, json: JSON.parse(res.stdout.trim().split("\n").pop() ?? "{}") };
  });

  afterAll(async () => {
    if (up) expect(await stopCli(up)).toBe(0);
  });

  it("prints one JSON line naming the endpoint and the responder's resources when ready", () => {
    expect(ready.endpoint).toBe(process.env.AWS_ENDPOINT_URL);
    expect(Object.keys(ready.resources).sort()).toEqual([
      "alertTopicArn",
      "eventBusName",
      "evidenceBucket",
      "incidentTable",
    ]);
  });

  it("handles a GuardDuty finding end to end and exits 0 with the incident as JSON", () => {
    expect(ingested.code).toBe(0);
    const j = ingested.json as {
      incidentId: string;
      finding: { source: string; type: string; severity: number; resources: { id: string }[] };
      impact: { score: number; tier: string; reasons: string[] };
      actions: { name: string; target: string; status: string }[];
      alerts: { stage: string }[];
    };
    expect(j.incidentId).toMatch(/^ir-\d{8}-[0-9a-f]{8}$/);
    expect(j.finding).toMatchObject({
      source: "guardduty",
      type: "UnauthorizedAccess:EC2/SSHBruteForce",
      severity: 8,
    });
    expect(j.finding.resources[0]?.id).toBe(demo.instances.batch.instanceId);
    expect(j.impact.reasons.length).toBeGreaterThan(2);
    expect(j.actions.some((a) => a.name === "network:isolation" && a.status === "ok")).toBe(true);
    expect(j.alerts.map((a) => a.stage)).toEqual(expect.arrayContaining(["opened", "contained"]));
  });

  it("leaves the account isolated, snapshotted and archived, and the topic alerted", async () => {
    const ec2 = ec2Client(aws);
    const id = String(ingested.json.incidentId);
    const enis = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: "attachment.instance-id", Values: [demo.instances.batch.instanceId] }],
      }),
    );
    const groupIds = [
      ...new Set(enis.NetworkInterfaces?.flatMap((n) => (n.Groups ?? []).map((g) => g.GroupId ?? ""))),
    ];
    expect(groupIds).toHaveLength(1);
    const sg = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: groupIds }));
    expect(sg.SecurityGroups?.[0]?.GroupName).toBe("incident-responder-isolation");
    const snaps = await ec2.send(
      new DescribeSnapshotsCommand({
        Filters: [{ Name: "tag:incident-responder:incident-id", Values: [id] }],
      }),
    );
    expect(snaps.Snapshots).toHaveLength(demo.instances.batch.volumes);
    // The responder runs in the other process: its last alerts may still be on their way.
    const alerts: ReceivedAlert[] = [];
    const expected = ["opened", "contained", "evidence-preserved"];
    const stages = await waitFor(
      async () => {
        alerts.push(...(await drainAlerts(sqsClient(aws), alertQueue)));
        return alerts.filter((a) => a.incidentId === id).map((a) => a.stage);
      },
      (seen) => expected.every((s) => seen.includes(s)),
      WAIT_MS,
      `the ${expected.join(", ")} alerts of ${id}`,
    );
    expect(stages).toEqual(expect.arrayContaining(expected));
  });

  it("verifies the archived evidence, and detects a tampered artifact", async () => {
    const id = String(ingested.json.incidentId);
    const good = await runCli(["verify", id, "--json"]);
    expect(good.code, good.stderr + good.stdout).toBe(0);
    expect(JSON.parse(good.stdout)).toMatchObject({ ok: true, manifest: { signature: { status: "valid" } } });
    await s3Client(aws).send(
      new PutObjectCommand({
        Bucket: ready.resources.evidenceBucket,
        Key: `incidents/${id}/artifacts/triggering-event.json`,
        Body: "{}",
        ChecksumAlgorithm: "SHA256",
      }),
    );
    const bad = await runCli(["verify", id, "--json"]);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout) as { ok: boolean; items: { name: string; status: string }[] };
    expect(report.ok).toBe(false);
    // The sealed version is intact; a later version written over it fails the verdict.
    expect(report.items.find((i) => i.name === "triggering-event.json")?.status).toBe("replaced");
  });

  it("shows the incident's timeline with status --json", async () => {
    const res = await runCli(["status", String(ingested.json.incidentId), "--json"]);
    expect(res.code, res.stderr + res.stdout).toBe(0);
    const status = JSON.parse(res.stdout) as { timeline: { step: string }[] };
    expect(status.timeline.map((t) => t.step)).toEqual(
      expect.arrayContaining(["detection", "triage", "contain", "snapshots", "manifest"]),
    );
  });

  it("refuses to release an instance changed since isolation, and releases it with --force", async () => {
    const ec2 = ec2Client(aws);
    const id = String(ingested.json.incidentId);
    const instanceId = demo.instances.batch.instanceId;
    const enis = await ec2.send(
      new DescribeNetworkInterfacesCommand({
        Filters: [{ Name: "attachment.instance-id", Values: [instanceId] }],
      }),
    );
    const eni = enis.NetworkInterfaces?.[0];
    const isolation = eni?.Groups?.[0]?.GroupId ?? "";
    const other = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: "someone-else",
        Description: "changed by hand",
        VpcId: eni?.VpcId,
      }),
    );
    await ec2.send(
      new ModifyNetworkInterfaceAttributeCommand({
        NetworkInterfaceId: eni?.NetworkInterfaceId,
        Groups: [isolation, other.GroupId ?? ""],
      }),
    );

    const refused = await runCli(["release", id, "--json"]);
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout).outcomes[0]).toMatchObject({ status: "refused" });

    const forced = await runCli(["release", id, "--force", "--json"]);
    expect(forced.code, forced.stderr + forced.stdout).toBe(0);
    const after = await ec2.send(
      new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [eni?.NetworkInterfaceId ?? ""] }),
    );
    expect(after.NetworkInterfaces?.[0]?.Groups?.map((g) => g.GroupName)).toEqual(["demo-app"]);
    const alerts = await drainAlerts(sqsClient(aws), alertQueue);
    expect(alerts.filter((a) => a.incidentId === id).map((a) => a.stage)).toContain("released");
  });

  it("ignores a GuardDuty sample finding with its reason and exits 0", async () => {
    const res = await runCli(
      ["ingest", "-", "--json"],
      process.env,
      readFileSync(
        new URL("../fixtures/events/guardduty/Backdoor_EC2_C_CActivity.B_DNS.json", import.meta.url),
        "utf8",
      ),
    );
    expect(res.code, res.stderr + res.stdout).toBe(0);
    expect(JSON.parse(res.stdout)).toMatchObject({
      status: "ignored",
      reason: expect.stringMatching(/sample/i),
    });
  });

  it("rejects a malformed event with exit 2 and changes nothing", async () => {
    const before = await ec2Client(aws).send(new DescribeSecurityGroupsCommand({}));
    const res = await runCli(
      ["ingest", "-", "--json"],
      process.env,
      readFileSync(
        new URL("../fixtures/events/malformed/constructed_instanceId_injection_string.json", import.meta.url),
        "utf8",
      ),
    );
    expect(res.code).toBe(2);
    expect(JSON.parse(res.stdout)).toMatchObject({
      status: "invalid",
      path: "detail.resource.instanceDetails.instanceId",
    });
    const after = await ec2Client(aws).send(new DescribeSecurityGroupsCommand({}));
    expect(after.SecurityGroups?.length).toBe(before.SecurityGroups?.length);
  });
});
