import { Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  HeadObjectCommand,
  PutObjectCommand,
  PutObjectTaggingCommand,
  S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsCallError } from "../../../shared/errors/index.ts";
import { archiveArtifact, archiveArtifactWithOutcome } from "../../../shared/evidence/archive.ts";
import { EvidenceIntegrityError, InvalidEvidenceInputError } from "../../../shared/evidence/errors.ts";
import { hashBuffer } from "../../../shared/evidence/hashing.ts";
import { INCIDENT, sdkError, sha256B64, sha256Hex } from "./builders.ts";

const MiB = 1024 * 1024;
const s3 = new S3Client({ region: "us-east-1", credentials: { accessKeyId: "x", secretAccessKey: "y" } });
const s3Mock = mockClient(s3);
const now = () => new Date("2026-03-01T12:00:00Z");
const KEY = `incidents/${INCIDENT}/artifacts/instance.json`;

const base = {
  bucket: "ev",
  incidentId: INCIDENT,
  name: "instance.json",
  collector: "capture",
  sourceApiCall: "ec2:DescribeInstances",
};

/** Deterministic bytes. */
function bytes(size: number, seed = 1): Buffer {
  const buf = Buffer.allocUnsafe(size);
  let x = seed;
  for (let i = 0; i < size; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    buf[i] = x >>> 24;
  }
  return buf;
}

/** A stream of `data` in chunks of 64 KiB. */
function streamOf(data: Buffer): Readable {
  return Readable.from(
    (function* () {
      for (let o = 0; o < data.length; o += 64 * 1024) yield data.subarray(o, o + 64 * 1024);
    })(),
  );
}

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(HeadObjectCommand).rejects(sdkError("NotFound", 404));
});

describe("archiveArtifact with a body in memory", () => {
  it("writes it once, hash in metadata and as the checksum S3 must verify", async () => {
    s3Mock.on(PutObjectCommand).resolves({ VersionId: "v1", ChecksumSHA256: sha256B64('{"a":1}') });

    const record = await archiveArtifact(
      s3,
      {
        ...base,
        body: '{"a":1}',
        contentType: "application/json",
        kmsKeyId: "key-1",
        storageClass: "GLACIER_IR",
      },
      { now },
    );

    const put = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Bucket: "ev",
      Key: KEY,
      ChecksumAlgorithm: "SHA256",
      ChecksumSHA256: sha256B64('{"a":1}'),
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: "key-1",
      StorageClass: "GLACIER_IR",
      ContentType: "application/json",
      Metadata: {
        sha256: sha256Hex('{"a":1}'),
        "incident-id": INCIDENT,
        collector: "capture",
        "source-api-call": "ec2:DescribeInstances",
        "collected-at": "2026-03-01T12:00:00.000Z",
      },
    });
    expect(record).toEqual({
      name: "instance.json",
      key: KEY,
      sha256: sha256Hex('{"a":1}'),
      size: 7,
      s3Checksum: sha256B64('{"a":1}'),
      partCount: 1,
      sha256Witness: "metadata",
      versionId: "v1",
      storageClass: "GLACIER_IR",
      contentType: "application/json",
      collectedAt: "2026-03-01T12:00:00.000Z",
      collector: "capture",
      sourceApiCall: "ec2:DescribeInstances",
    });
  });

  it("does not write again when the same bytes are already there, and returns the first record", async () => {
    const content = Buffer.from('{"a":1}');
    s3Mock.on(HeadObjectCommand).resolves({
      ContentLength: content.length,
      VersionId: "v1",
      ChecksumSHA256: sha256B64(content),
      ContentType: "application/json",
      Metadata: {
        sha256: sha256Hex(content),
        collector: "capture",
        "source-api-call": "ec2:DescribeInstances",
        "collected-at": "2026-02-01T00:00:00.000Z",
      },
    });

    const { record, outcome } = await archiveArtifactWithOutcome(s3, { ...base, body: content }, { now });

    expect(outcome).toBe("reused");
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
    expect(record).toMatchObject({
      sha256: sha256Hex(content),
      versionId: "v1",
      collectedAt: "2026-02-01T00:00:00.000Z",
      storageClass: "STANDARD",
      s3Checksum: sha256B64(content),
    });
  });

  it("writes a new version when the object there holds other bytes", async () => {
    s3Mock.on(HeadObjectCommand).resolves({ ContentLength: 7, Metadata: { sha256: sha256Hex("{other}") } });
    s3Mock.on(PutObjectCommand).resolves({ VersionId: "v2" });

    const { record, outcome } = await archiveArtifactWithOutcome(s3, { ...base, body: '{"a":1}' });

    expect(outcome).toBe("written");
    expect(record.versionId).toBe("v2");
  });

  it("uploads a body larger than a part in parts, with the full hash in metadata", async () => {
    const data = bytes(11 * MiB);
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: "u1" });
    s3Mock
      .on(UploadPartCommand)
      .callsFake((input: { PartNumber: number }) => ({ ETag: `"e${input.PartNumber}"` }));
    s3Mock.on(CompleteMultipartUploadCommand).resolves({ VersionId: "v1" });

    const record = await archiveArtifact(s3, { ...base, body: data }, { partSize: 5 * MiB });

    expect(s3Mock.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input.Metadata?.sha256).toBe(
      sha256Hex(data),
    );
    expect(s3Mock.commandCalls(UploadPartCommand)).toHaveLength(3);
    expect(record).toMatchObject({
      sha256: sha256Hex(data),
      size: data.length,
      partCount: 3,
      partSize: 5 * MiB,
    });
  });

  it("refuses an acknowledgement with another checksum", async () => {
    s3Mock.on(PutObjectCommand).resolves({ ChecksumSHA256: sha256B64("something else") });

    await expect(archiveArtifact(s3, { ...base, body: "abc" })).rejects.toBeInstanceOf(
      EvidenceIntegrityError,
    );
  });

  it("maps S3 refusals to typed errors", async () => {
    s3Mock.on(HeadObjectCommand).rejects(sdkError("AccessDenied", 403));

    const err = await archiveArtifact(s3, { ...base, body: "abc" }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(AwsCallError);
    expect(err).toMatchObject({ operation: "S3:HeadObject", retryable: false });
  });
});

describe("archiveArtifact with a stream", () => {
  it("hashes while uploading in parts, each part with its SHA-256, and tags the version with the hash", async () => {
    const data = bytes(12 * MiB + 123, 7);
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: "u1" });
    s3Mock
      .on(UploadPartCommand)
      .callsFake((input: { PartNumber: number }) => ({ ETag: `"e${input.PartNumber}"` }));
    s3Mock.on(CompleteMultipartUploadCommand).resolves({ VersionId: "v9" });
    s3Mock.on(PutObjectTaggingCommand).resolves({});

    const { record, outcome } = await archiveArtifactWithOutcome(
      s3,
      { ...base, name: "memory.bin", body: streamOf(data), storageClass: "DEEP_ARCHIVE" },
      { partSize: 5 * MiB, queueSize: 2 },
    );

    const expected = hashBuffer(data, { partSize: 5 * MiB });
    expect(outcome).toBe("written");
    expect(record).toMatchObject({
      sha256: sha256Hex(data),
      size: data.length,
      partCount: 3,
      partSize: 5 * MiB,
      sha256Witness: "tag",
      versionId: "v9",
      storageClass: "DEEP_ARCHIVE",
    });
    expect(expected.partCount).toBe(3);
    const create = s3Mock.commandCalls(CreateMultipartUploadCommand)[0]?.args[0].input;
    expect(create).toMatchObject({ ChecksumAlgorithm: "SHA256", StorageClass: "DEEP_ARCHIVE" });
    expect(create?.Metadata?.sha256).toBeUndefined();
    for (const call of s3Mock.commandCalls(UploadPartCommand)) {
      expect(call.args[0].input.ChecksumAlgorithm).toBe("SHA256");
    }
    expect(s3Mock.commandCalls(PutObjectTaggingCommand)[0]?.args[0].input).toMatchObject({
      Key: `incidents/${INCIDENT}/artifacts/memory.bin`,
      VersionId: "v9",
      Tagging: { TagSet: [{ Key: "sha256", Value: sha256Hex(data) }] },
    });
    // No HEAD: a stream cannot be compared before it is read.
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(0);
  });

  it("checks the composite checksum S3 acknowledges for a multipart upload", async () => {
    const data = bytes(6 * MiB);
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: "u1" });
    s3Mock.on(UploadPartCommand).resolves({ ETag: '"e"' });
    s3Mock.on(CompleteMultipartUploadCommand).resolves({ ChecksumSHA256: "bm90IHRoZSByaWdodCBvbmU=-2" });

    await expect(
      archiveArtifact(s3, { ...base, body: streamOf(data) }, { partSize: 5 * MiB }),
    ).rejects.toBeInstanceOf(EvidenceIntegrityError);
  });

  it("records no witness when the endpoint cannot tag objects", async () => {
    s3Mock.on(PutObjectCommand).resolves({ VersionId: "v1" });
    s3Mock.on(PutObjectTaggingCommand).rejects(
      Object.assign(new Error("XML parse error. Deserialization error: …"), {
        $metadata: { httpStatusCode: 500 },
      }),
    );

    const record = await archiveArtifact(s3, { ...base, body: Readable.from(["small ", "stream"]) });

    expect(record).toMatchObject({
      sha256: sha256Hex("small stream"),
      size: 12,
      sha256Witness: "none",
      partCount: 1,
    });
  });

  it("fails with the source's own error when the source stream fails, and aborts the upload", async () => {
    s3Mock.on(CreateMultipartUploadCommand).resolves({ UploadId: "u1" });
    s3Mock.on(UploadPartCommand).resolves({ ETag: '"e"' });
    s3Mock.on(AbortMultipartUploadCommand).resolves({});
    const source = Readable.from(
      (function* () {
        yield bytes(6 * MiB);
        throw new Error("collector crashed");
      })(),
    );

    await expect(archiveArtifact(s3, { ...base, body: source }, { partSize: 5 * MiB })).rejects.toThrow(
      "collector crashed",
    );
    expect(s3Mock.commandCalls(CompleteMultipartUploadCommand)).toHaveLength(0);
    expect(s3Mock.commandCalls(AbortMultipartUploadCommand)).toHaveLength(1);
  });
});

describe("archiveArtifact input checks", () => {
  it.each([
    "../etc/passwd",
    "a/../b",
    "a/b/c.json",
    "/abs.json",
    ".hidden",
    "a b.json",
    "",
    "x".repeat(201),
    "naïve.json",
  ])("refuses the name %j before any call", async (name) => {
    await expect(archiveArtifact(s3, { ...base, name, body: "x" })).rejects.toBeInstanceOf(
      InvalidEvidenceInputError,
    );
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it.each(["a.json", "network/eni-0a1b.json", "console_output.2026-01-01.txt"])(
    "accepts the name %j",
    async (name) => {
      s3Mock.on(PutObjectCommand).resolves({});

      const record = await archiveArtifact(s3, { ...base, name, body: "x" });

      expect(record.key).toBe(`incidents/${INCIDENT}/artifacts/${name}`);
    },
  );

  it("refuses a bad incident id, storage class, part size or collector", async () => {
    await expect(archiveArtifact(s3, { ...base, incidentId: "a/b", body: "x" })).rejects.toThrow(
      /incidentId/,
    );
    await expect(
      archiveArtifact(s3, { ...base, body: "x", storageClass: "REDUCED_REDUNDANCY" as "STANDARD" }),
    ).rejects.toThrow(/storageClass/);
    await expect(archiveArtifact(s3, { ...base, body: "x" }, { partSize: MiB })).rejects.toThrow(/partSize/);
    await expect(archiveArtifact(s3, { ...base, collector: "", body: "x" })).rejects.toThrow(/collector/);
    expect(s3Mock.calls()).toHaveLength(0);
  });
});
