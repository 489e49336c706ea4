/**
 * `image-disks` through the real lanes on the emulator (moto). The emulator reads blocks only of
 * snapshots made through the EBS direct APIs, so the test seeds two such snapshots (an "AMI"
 * root snapshot, and the incident's root volume's snapshot that changed two of its blocks) and
 * answers the evidence lane's `CreateSnapshots` with the seeded one for the root volume, and
 * `DescribeImages` with the seeded AMI root snapshot (test-only answer rewriting, the session's
 * hooks). Everything else is the responder's own path: the lane images the snapshots once they
 * have completed, the image lands in the Object Lock bucket byte for byte, the manifest lists
 * it with its SHA-256 and `verify` passes; the data volumes' snapshots, which the emulator
 * cannot read, are `unsupported` and the manifest records that gap.
 */
import { createHash } from "node:crypto";
import { EBSClient } from "@aws-sdk/client-ebs";
import { DescribeInstancesCommand } from "@aws-sdk/client-ec2";
import { GetObjectCommand, RestoreObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { IMAGE_STEP } from "../../shared/actions/step-names.ts";
import { s3Client } from "../../shared/aws/clients.ts";
import { EBS_BLOCK_BYTES } from "../../shared/evidence/image-plan.ts";
import { verifyIncident } from "../../shared/evidence/verify.ts";
import type { IncidentRecord } from "../../shared/incident/model.ts";
import { seedSnapshot } from "../support/ebs.ts";
import { testAwsOptions } from "../support/emulator.ts";
import { drillEvent, type FaultWorld, quiet, runToSettled, startFaultWorld } from "./faults-harness.ts";

/** The demo instances' root volume (cli/local/demo.ts). */
const ROOT_DEVICE = "/dev/xvda";

/** Block `index` written with `seed`: bytes that differ per block and seed. */
const blockBytes = (index: number, seed: number): Buffer =>
  Buffer.alloc(EBS_BLOCK_BYTES, `block ${index} seed ${seed};`);

/** The playbook of the drill's finding, with `image-disks` after `collect-user-data`. */
const withImages = (yaml: string) => {
  const at = yaml.indexOf(
    "      - name: collect-user-data\n",
    yaml.indexOf("- name: guardduty-ec2-critical-high"),
  );
  if (at < 0) throw new Error("the default policy's critical playbook has no collect-user-data");
  return `${yaml.slice(0, at)}      - name: image-disks\n${yaml.slice(at)}`;
};

describe("image-disks through the evidence lane, against the emulator", () => {
  let world: FaultWorld;
  let incident: IncidentRecord;
  let seeded = "";
  let ami = "";
  const amiBlocks = new Map([0, 1, 2, 5, 12].map((i) => [i, blockBytes(i, 1)]));
  const changed = [1, 12];
  const rootBlocks = new Map([...amiBlocks].map(([i, b]) => [i, changed.includes(i) ? blockBytes(i, 2) : b]));

  beforeAll(async () => {
    world = await startFaultWorld({}, withImages);
    const ebs = new EBSClient(testAwsOptions());
    ami = await seedSnapshot(ebs, amiBlocks);
    seeded = await seedSnapshot(ebs, rootBlocks);
    const drill = drillEvent(world, "c2", "web");
    const web = (
      await world.ec2.send(
        new DescribeInstancesCommand({ InstanceIds: [world.demo.instances.web.instanceId] }),
      )
    ).Reservations?.[0]?.Instances?.[0];
    const rootVolume = web?.BlockDeviceMappings?.find((b) => b.DeviceName === ROOT_DEVICE)?.Ebs?.VolumeId;
    expect(rootVolume, JSON.stringify(web?.BlockDeviceMappings)).toMatch(/^vol-/);
    world.hooks.answer = (service, operation, scope, output) => {
      if (scope !== "evidence" || service !== "EC2") return output;
      if (operation === "CreateSnapshots") {
        const snapshots = (output.Snapshots ?? []) as { SnapshotId?: string; VolumeId?: string }[];
        return {
          ...output,
          Snapshots: snapshots.map((s) => (s.VolumeId === rootVolume ? { ...s, SnapshotId: seeded } : s)),
        };
      }
      // The emulator keeps the AMI's root device name (/dev/sda1) on an instance launched with
      // its root volume at /dev/xvda; AWS names the device the root volume is attached at.
      if (operation === "DescribeInstances") {
        const reservations = (output.Reservations ?? []) as { Instances?: Record<string, unknown>[] }[];
        return {
          ...output,
          Reservations: reservations.map((r) => ({
            ...r,
            Instances: (r.Instances ?? []).map((i) => ({ ...i, RootDeviceName: ROOT_DEVICE })),
          })),
        };
      }
      if (operation === "DescribeImages") {
        const images = (output.Images ?? []) as Record<string, unknown>[];
        return {
          ...output,
          Images: images.map((image) => ({
            ...image,
            RootDeviceName: ROOT_DEVICE,
            BlockDeviceMappings: [{ DeviceName: ROOT_DEVICE, Ebs: { SnapshotId: ami } }],
          })),
        };
      }
      return output;
    };
    const { incidentId } = await runToSettled(world, drill);
    incident = await quiet(world, incidentId);
    // Deep Archive: the images are read after a restore (docs/evidence.md).
    const s3 = s3Client(world.session.aws);
    for (const a of incident.evidence?.images ?? [])
      if (a.storageClass === "DEEP_ARCHIVE")
        await s3.send(
          new RestoreObjectCommand({
            Bucket: world.session.local.resources.evidenceBucket,
            Key: a.key,
            VersionId: a.versionId,
            RestoreRequest: { Days: 1, GlacierJobParameters: { Tier: "Bulk" } },
          }),
        );
  });

  afterAll(async () => {
    if (world) world.hooks.answer = undefined;
    await world?.stop();
  });

  it("images the root volume's snapshot byte for byte into the evidence bucket", async () => {
    const record = incident.evidence?.images?.find((a) => a.name === `disk-images/${seeded}.raw`);
    const expected = Buffer.concat(
      Array.from({ length: 13 }, (_, i) => rootBlocks.get(i) ?? Buffer.alloc(EBS_BLOCK_BYTES)),
    );
    expect(record, JSON.stringify(incident.steps[IMAGE_STEP])).toMatchObject({
      sha256: createHash("sha256").update(expected).digest("hex"),
      size: expected.length,
      storageClass: "DEEP_ARCHIVE",
    });
    const object = await s3Client(world.session.aws).send(
      new GetObjectCommand({
        Bucket: world.session.local.resources.evidenceBucket,
        Key: record?.key,
        VersionId: record?.versionId,
      }),
    );
    const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
    expect(bytes.equals(expected)).toBe(true);
  });

  it("lists exactly the blocks the incident changed since the AMI's root snapshot", async () => {
    const record = incident.evidence?.images?.find(
      (a) => a.name === `disk-images/${seeded}.changed-blocks.json`,
    );
    expect(record, JSON.stringify(incident.actions.filter((a) => a.name === "disk-image"))).toBeDefined();
    const object = await s3Client(world.session.aws).send(
      new GetObjectCommand({
        Bucket: world.session.local.resources.evidenceBucket,
        Key: record?.key,
        VersionId: record?.versionId,
      }),
    );
    const body = JSON.parse((await object.Body?.transformToString()) ?? "{}");
    expect(body).toMatchObject({ snapshotId: seeded, parentSnapshotId: ami, changed });
  });

  it("says unsupported for the snapshots the emulator cannot read, and seals the images in a manifest that verifies", async () => {
    const results = incident.actions.filter((a) => a.name === "disk-image");
    const others = (incident.evidence?.snapshots ?? []).filter((s) => s.snapshotId !== seeded);
    expect(others.length).toBe(world.demo.instances.web.volumes - 1);
    expect(Object.fromEntries(results.map((r) => [r.target, r.status]))).toStrictEqual(
      Object.fromEntries([[seeded, "ok"], ...others.map((s) => [s.snapshotId, "unsupported"])]),
    );
    expect(incident.steps[IMAGE_STEP]?.status).toBe("partial");
    expect(incident.steps.manifest?.status).toBe("ok");

    const report = await verifyIncident(s3Client(world.session.aws), {
      bucket: world.session.local.resources.evidenceBucket,
      incidentId: incident.incidentId,
    });
    const status = Object.fromEntries(report.items.map((i) => [i.name, i.status]));
    expect(status[`disk-images/${seeded}.raw`], JSON.stringify(report.items)).toBe("ok");
    expect(status[`disk-images/${seeded}.json`]).toBe("ok");
    expect(status[`disk-images/${seeded}.changed-blocks.json`]).toBe("ok");
    expect(report.ok).toBe(true);
  });
});
