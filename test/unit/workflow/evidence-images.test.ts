/**
 * The evidence lane's disk images (`image-disks`), with the AWS clients mocked and the incident
 * store in memory: every completed snapshot imaged once the snapshots have ended; an invocation
 * that reaches its deadline releases the step and asks for a continuation, and the next one
 * goes on at the next part (S3 listing the parts, proven by the recorded digest) without
 * uploading any part twice; snapshots the endpoint cannot read are `unsupported`, not done.
 */
import { createHash } from "node:crypto";
import {
  EBSClient,
  GetSnapshotBlockCommand,
  type GetSnapshotBlockCommandOutput,
  ListChangedBlocksCommand,
  ListSnapshotBlocksCommand,
} from "@aws-sdk/client-ebs";
import { DescribeImagesCommand, EC2Client, type Instance } from "@aws-sdk/client-ec2";
import {
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  ListPartsCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { IMAGE_STEP } from "../../../shared/actions/step-names.ts";
import { EBS_BLOCK_BYTES, RecordedCheckpointSchema } from "../../../shared/evidence/image-plan.ts";
import type { IncidentRecord } from "../../../shared/incident/model.ts";
import { continueEvidence, type EvidenceDeps } from "../../../shared/workflow/evidence.ts";
import { CONTINUE_EVENT, imagesStatus, maybeImage } from "../../../shared/workflow/evidence-images.ts";
import { anIncident } from "../../support/incidents.ts";
import { policy, RecordingAlerter, RecordingBus, silentLog } from "../../support/lane-deps.ts";
import { MemoryStore } from "../../support/memory-store.ts";

const ROOT = "snap-0aaa1111aaaa1111a";
const DATA = "snap-0bbb2222bbbb2222b";
const AMI_ROOT = "snap-0ccc3333cccc3333c";
const ebs = new EBSClient({ region: "us-east-1" });
const ebsMock = mockClient(ebs);
const ec2 = new EC2Client({ region: "us-east-1" });
const ec2Mock = mockClient(ec2);
const s3 = new S3Client({ region: "us-east-1" });
const s3Mock = mockClient(s3);

/** Block i of a snapshot: bytes that differ per snapshot and block. */
const blockOf = (snapshotId: string, index: number): Buffer =>
  Buffer.alloc(EBS_BLOCK_BYTES, `${snapshotId}:${index}`);
const b64 = (data: Uint8Array): string => createHash("sha256").update(data).digest("base64");
const stream = (data: Buffer) =>
  ({
    transformToByteArray: async () => new Uint8Array(data),
  }) as unknown as GetSnapshotBlockCommandOutput["BlockData"];

/** The written blocks of each snapshot the endpoint can read; any other is not implemented. */
function serve(snapshots: Record<string, number[]>): void {
  ebsMock.on(ListSnapshotBlocksCommand).callsFake((input: { SnapshotId: string }) => {
    const blocks = snapshots[input.SnapshotId];
    if (!blocks) throw Object.assign(new Error("not implemented"), { $metadata: { httpStatusCode: 501 } });
    return {
      Blocks: blocks.map((i) => ({ BlockIndex: i, BlockToken: `t${i}` })),
      VolumeSize: 1,
      BlockSize: EBS_BLOCK_BYTES,
    };
  });
  ebsMock.on(GetSnapshotBlockCommand).callsFake((input: { SnapshotId: string; BlockIndex: number }) => {
    const data = blockOf(input.SnapshotId, input.BlockIndex);
    return {
      BlockData: stream(data),
      DataLength: data.length,
      Checksum: b64(data),
      ChecksumAlgorithm: "SHA256",
    };
  });
}

/** The image a snapshot should give: its blocks up to the last written one, zeros between. */
function expectedSha256(snapshotId: string, written: number[]): string {
  const last = Math.max(...written);
  const hash = createHash("sha256");
  for (let i = 0; i <= last; i++)
    hash.update(written.includes(i) ? blockOf(snapshotId, i) : Buffer.alloc(EBS_BLOCK_BYTES));
  return hash.digest("hex");
}

/** S3 as a multipart upload answers, per key: parts with their checksums, listed back on request. */
function serveS3(): void {
  const parts = new Map<string, { PartNumber: number; ETag: string; ChecksumSHA256: string }[]>();
  let uploads = 0;
  s3Mock.on(CreateMultipartUploadCommand).callsFake(() => {
    uploads++;
    parts.set(`up-${uploads}`, []);
    return { UploadId: `up-${uploads}` };
  });
  s3Mock
    .on(UploadPartCommand)
    .callsFake((i: { UploadId: string; PartNumber: number; ChecksumSHA256: string }) => {
      const etag = `"etag-${i.UploadId}-${i.PartNumber}"`;
      parts.get(i.UploadId)?.push({ PartNumber: i.PartNumber, ETag: etag, ChecksumSHA256: i.ChecksumSHA256 });
      return { ETag: etag };
    });
  s3Mock
    .on(ListPartsCommand)
    .callsFake((i: { UploadId: string }) => ({ Parts: parts.get(i.UploadId) ?? [] }));
  s3Mock.on(CompleteMultipartUploadCommand).callsFake((i: { Key: string }) => ({ VersionId: `v-${i.Key}` }));
  s3Mock.on(PutObjectTaggingCommand).resolves({});
  s3Mock.on(HeadObjectCommand).rejects(Object.assign(new Error("NotFound"), { name: "NotFound" }));
  s3Mock.on(PutObjectCommand).callsFake((i: { ChecksumSHA256: string; Key: string }) => ({
    ChecksumSHA256: i.ChecksumSHA256,
    VersionId: `v-${i.Key}`,
  }));
}

const uploadedParts = () =>
  s3Mock
    .commandCalls(UploadPartCommand)
    .map((c) => `${c.args[0].input.Key?.split("/").pop()}#${c.args[0].input.PartNumber}`);

const INSTANCE: Instance = {
  InstanceId: "i-0123456789abcdef0",
  ImageId: "ami-0123456789abcdef0",
  RootDeviceName: "/dev/xvda",
  BlockDeviceMappings: [
    { DeviceName: "/dev/xvda", Ebs: { VolumeId: "vol-0aaa" } },
    { DeviceName: "/dev/sdf", Ebs: { VolumeId: "vol-0bbb" } },
  ],
};

function imagingIncident(overrides: Partial<IncidentRecord> = {}): IncidentRecord {
  const inc = anIncident();
  return {
    ...inc,
    plan: {
      ...inc.plan,
      actions: [
        ...inc.plan.actions,
        {
          name: "image-disks",
          params: { storageClass: "DEEP_ARCHIVE", changedBlocks: true },
          requiresApproval: false,
        },
      ],
    },
    steps: { triage: inc.steps.triage!, snapshots: inc.steps.snapshots! },
    evidence: {
      snapshots: [
        { snapshotId: ROOT, volumeId: "vol-0aaa", deviceName: "/dev/xvda", state: "completed" },
        { snapshotId: DATA, volumeId: "vol-0bbb", deviceName: "/dev/sdf", state: "completed" },
      ],
    },
    ...overrides,
  };
}

describe("the evidence lane's disk images", () => {
  let store: MemoryStore;
  let bus: RecordingBus;
  let alerter: RecordingAlerter;
  let deps: EvidenceDeps;
  const id = anIncident().incidentId;

  beforeEach(() => {
    ebsMock.reset();
    ec2Mock.reset();
    s3Mock.reset();
    serveS3();
    ec2Mock.on(DescribeImagesCommand).resolves({
      Images: [
        {
          ImageId: "ami-0123456789abcdef0",
          RootDeviceName: "/dev/xvda",
          BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { SnapshotId: AMI_ROOT } }],
        },
      ],
    });
    ebsMock.on(ListChangedBlocksCommand).resolves({
      ChangedBlocks: [{ BlockIndex: 2, FirstBlockToken: "a", SecondBlockToken: "b" }],
      VolumeSize: 1,
      BlockSize: EBS_BLOCK_BYTES,
    });
    store = new MemoryStore();
    bus = new RecordingBus();
    alerter = new RecordingAlerter();
    deps = {
      store,
      alerter,
      bus,
      policy,
      log: silentLog,
      dryRun: false,
      s3,
      bucket: "acme-evidence",
      clientsFor: async () => ({ ec2, ebs, instances: { describe: async () => [INSTANCE] } }) as never,
    };
  });

  it("images every completed snapshot once the snapshots have ended, with the root volume's blocks changed since the AMI", async () => {
    store.seed(imagingIncident());
    serve({ [ROOT]: [0, 2, 20], [DATA]: [5] });

    await maybeImage(id, deps);

    const after = await store.get(id);
    expect(after.steps[IMAGE_STEP]?.status).toBe("ok");
    const images = after.evidence?.images ?? [];
    expect(images.map((a) => a.name).sort()).toStrictEqual([
      `disk-images/${ROOT}.changed-blocks.json`,
      `disk-images/${ROOT}.json`,
      `disk-images/${ROOT}.raw`,
      `disk-images/${DATA}.json`,
      `disk-images/${DATA}.raw`,
    ]);
    expect(images.find((a) => a.name === `disk-images/${ROOT}.raw`)).toMatchObject({
      sha256: expectedSha256(ROOT, [0, 2, 20]),
      size: 21 * EBS_BLOCK_BYTES,
      storageClass: "DEEP_ARCHIVE",
    });
    expect(images.find((a) => a.name === `disk-images/${DATA}.raw`)?.sha256).toBe(expectedSha256(DATA, [5]));
    // Only the root volume is compared with the AMI's root snapshot.
    expect(ebsMock.commandCalls(ListChangedBlocksCommand).map((c) => c.args[0].input)).toStrictEqual([
      { FirstSnapshotId: AMI_ROOT, SecondSnapshotId: ROOT, NextToken: undefined, MaxResults: 10_000 },
    ]);
    expect(after.evidence?.imageCheckpoint).toBeNull();
    expect(bus.emitted).toStrictEqual([]);
  });

  it("pauses at its deadline, releasing the step and asking for a continuation; the next invocation goes on at the next part", async () => {
    store.seed(imagingIncident({ evidence: { snapshots: [imagingIncident().evidence!.snapshots![0]!] } }));
    // 40 blocks: three parts of 16, 16 and 8 blocks.
    const written = [0, 17, 39];
    serve({ [ROOT]: written });
    let checks = 0;

    await maybeImage(id, { ...deps, imagePause: () => ++checks >= 2 });

    const paused = await store.get(id);
    expect(uploadedParts()).toStrictEqual([`${ROOT}.raw#1`, `${ROOT}.raw#2`]);
    expect(paused.steps[IMAGE_STEP]).toMatchObject({ status: "running", leaseUntil: 0 });
    const checkpoint = RecordedCheckpointSchema.parse(paused.evidence?.imageCheckpoint);
    expect(checkpoint).toMatchObject({ snapshotId: ROOT, partCount: 2, blocksRead: 2, zeroBlocks: 30 });
    expect(bus.emitted).toStrictEqual([
      { detailType: CONTINUE_EVENT, detail: { incidentId: id, account: paused.account, step: IMAGE_STEP } },
    ]);
    expect(paused.timeline.at(-1)).toMatchObject({
      step: IMAGE_STEP,
      status: "info",
      detail: `image of ${ROOT}: 2 parts (16 MiB) so far; continues in the next invocation`,
    });

    await continueEvidence(id, deps);

    const done = await store.get(id);
    expect(uploadedParts()).toStrictEqual([`${ROOT}.raw#1`, `${ROOT}.raw#2`, `${ROOT}.raw#3`]);
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(1);
    expect(done.steps[IMAGE_STEP]?.status).toBe("ok");
    expect(done.evidence?.images?.find((a) => a.name === `disk-images/${ROOT}.raw`)?.sha256).toBe(
      expectedSha256(ROOT, written),
    );
  });

  it("fails the image, not starts it over, when S3 no longer lists the recorded parts as recorded", async () => {
    store.seed(imagingIncident({ evidence: { snapshots: [imagingIncident().evidence!.snapshots![0]!] } }));
    serve({ [ROOT]: [0, 17, 39] });
    let checks = 0;
    await maybeImage(id, { ...deps, imagePause: () => ++checks >= 2 });
    // Someone replaced part 2 of the upload.
    s3Mock.on(ListPartsCommand).resolves({
      Parts: [
        { PartNumber: 1, ETag: `"etag-up-1-1"`, ChecksumSHA256: "AAAA" },
        { PartNumber: 2, ETag: `"forged"`, ChecksumSHA256: "AAAA" },
      ],
    });

    await continueEvidence(id, deps);

    const after = await store.get(id);
    expect(after.steps[IMAGE_STEP]).toMatchObject({ status: "failed" });
    expect(after.steps[IMAGE_STEP]?.error).toContain("not the ones recorded");
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(1);
    expect(alerter.sent.map((a) => a.stage)).toContain("failed");
  });

  it("says unsupported for a snapshot the endpoint cannot read, and images the others (partial)", async () => {
    store.seed(imagingIncident());
    serve({ [DATA]: [1] });

    await maybeImage(id, deps);

    const after = await store.get(id);
    expect(after.steps[IMAGE_STEP]?.status).toBe("partial");
    const results = after.actions.filter((a) => a.name === "disk-image");
    expect(results.map((r) => [r.target, r.status])).toStrictEqual([
      [ROOT, "unsupported"],
      [DATA, "ok"],
    ]);
    expect(after.evidence?.images?.map((a) => a.name).sort()).toStrictEqual([
      `disk-images/${DATA}.json`,
      `disk-images/${DATA}.raw`,
    ]);
  });

  it("waits for the snapshot step, runs only when planned without approval, and images nothing in a dry run", async () => {
    serve({ [ROOT]: [0], [DATA]: [0] });
    const pending = imagingIncident();
    store.seed({
      ...pending,
      steps: { ...pending.steps, snapshots: { ...pending.steps.snapshots!, status: "waiting" } },
    });
    await maybeImage(id, deps);
    expect((await store.get(id)).steps[IMAGE_STEP]).toBeUndefined();

    const approval = imagingIncident();
    store.seed({
      ...approval,
      plan: {
        ...approval.plan,
        actions: approval.plan.actions.map((a) =>
          a.name === "image-disks" ? { ...a, requiresApproval: true } : a,
        ),
      },
    });
    await maybeImage(id, deps);
    expect((await store.get(id)).steps[IMAGE_STEP]).toBeUndefined();

    store.seed(imagingIncident({ dryRun: true }));
    await maybeImage(id, deps);
    expect((await store.get(id)).steps[IMAGE_STEP]).toMatchObject({
      status: "skipped",
      detail: "dry run: no image",
    });
    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)).toHaveLength(0);
  });

  it("ends skipped when no snapshot will come (capture-snapshots not planned), so the manifest is not held up", async () => {
    const inc = imagingIncident();
    store.seed({
      ...inc,
      plan: { ...inc.plan, actions: inc.plan.actions.filter((a) => a.name !== "capture-snapshots") },
      steps: { triage: inc.steps.triage! },
      evidence: {},
    });

    await maybeImage(id, deps);

    expect((await store.get(id)).steps[IMAGE_STEP]).toMatchObject({
      status: "skipped",
      detail: "no snapshot step to image (capture-snapshots is not planned, or waits for approval)",
    });
  });

  it("judges the step by its snapshots' images", () => {
    const r = (status: "ok" | "failed" | "unsupported" | "skipped") => ({
      name: "disk-image",
      target: "s",
      status,
      detail: "",
    });
    expect(imagesStatus([])).toBe("skipped");
    expect(imagesStatus([r("ok"), r("ok")])).toBe("ok");
    expect(imagesStatus([r("ok"), r("unsupported")])).toBe("partial");
    expect(imagesStatus([r("ok"), r("failed")])).toBe("partial");
    expect(imagesStatus([r("unsupported"), r("failed")])).toBe("failed");
    expect(imagesStatus([r("unsupported"), r("unsupported")])).toBe("unsupported");
  });
});
