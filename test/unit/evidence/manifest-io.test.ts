/**
 * writeManifest and readManifest against a mocked S3: the exact calls made, every result they
 * give, and what they refuse or report, with the text a reader sees.
 */
import { Readable } from "node:stream";
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AwsCallError } from "../../../shared/errors/index.ts";
import { EvidenceIntegrityError, InvalidEvidenceInputError } from "../../../shared/evidence/errors.ts";
import {
  buildManifest,
  MAX_MANIFEST_BYTES,
  readManifest,
  serializeManifest,
  type WriteManifestInput,
  writeManifest,
} from "../../../shared/evidence/manifest.ts";
import { aRecord, body, INCIDENT, sdkError, sha256B64 } from "./builders.ts";

const MANIFEST_KEY = `incidents/${INCIDENT}/manifest.json`;
const s3 = new S3Client({ region: "us-east-1" });
const s3Mock = mockClient(s3);

const a = aRecord("a.json", "AAA");
const { versionId: _unversioned, ...b } = aRecord("b.json", "BBBB");
const manifest = buildManifest({
  incidentId: INCIDENT,
  artifacts: [a, b],
  snapshots: [],
  createdAt: "2026-01-02T00:00:00Z",
});
const now = () => new Date("2026-02-01T00:00:00Z");

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("it did not reject");
}

describe("writeManifest", () => {
  const write = (input: Partial<WriteManifestInput> = {}) =>
    writeManifest(s3, { bucket: "ev", incidentId: INCIDENT, manifest, now, ...input });
  const put = () => s3Mock.commandCalls(PutObjectCommand).map((c) => c.args[0].input);

  beforeEach(() => {
    s3Mock.reset();
    s3Mock.on(HeadObjectCommand, { Key: MANIFEST_KEY }).rejects(sdkError("NotFound", 404));
    s3Mock.on(HeadObjectCommand, { Key: a.key }).resolves({ ContentLength: a.size });
    s3Mock.on(HeadObjectCommand, { Key: b.key }).resolves({ ContentLength: b.size });
    s3Mock.on(PutObjectCommand).resolves({ VersionId: "mv1", ChecksumSHA256: "c3Vt" });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it("writes exactly this object, locked for 365 days in COMPLIANCE mode by default", async () => {
    const result = await write();

    const stored = serializeManifest(manifest);
    expect(put()).toStrictEqual([
      {
        Bucket: "ev",
        Key: MANIFEST_KEY,
        Body: stored,
        ContentType: "application/json",
        ChecksumAlgorithm: "SHA256",
        ChecksumSHA256: sha256B64(stored),
        ObjectLockMode: "COMPLIANCE",
        ObjectLockRetainUntilDate: new Date("2027-02-01T00:00:00Z"),
        Metadata: { "manifest-sha256": manifest.manifestSha256, "incident-id": INCIDENT },
      },
    ]);
    expect(result).toStrictEqual({
      key: MANIFEST_KEY,
      versionId: "mv1",
      manifestSha256: manifest.manifestSha256,
      outcome: "written",
      retention: { mode: "COMPLIANCE", retainUntil: "2027-02-01T00:00:00.000Z" },
      s3Checksum: "c3Vt",
    });
  });

  it("encrypts with the KMS key when given one", async () => {
    await write({ kmsKeyId: "alias/evidence" });

    expect(put()[0]).toMatchObject({ ServerSideEncryption: "aws:kms", SSEKMSKeyId: "alias/evidence" });
  });

  it("leaves out the version and checksum S3 did not return", async () => {
    s3Mock.on(PutObjectCommand).resolves({});

    expect(await write({ retention: { mode: "GOVERNANCE", days: 2 } })).toStrictEqual({
      key: MANIFEST_KEY,
      manifestSha256: manifest.manifestSha256,
      outcome: "written",
      retention: { mode: "GOVERNANCE", retainUntil: "2026-02-03T00:00:00.000Z" },
    });
  });

  it("counts the retention from the present time when given no clock", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2030-06-01T12:00:00Z"));

    const result = await write({ now: undefined, retention: { days: 1 } });

    expect(result.retention).toStrictEqual({ mode: "COMPLIANCE", retainUntil: "2030-06-02T12:00:00.000Z" });
  });

  it("accepts a retention of 1 to 36 500 days", async () => {
    await write({ retention: { days: 1 } });
    await write({ retention: { days: 36_500 } });

    expect(put().map((p) => p.ObjectLockRetainUntilDate)).toStrictEqual([
      new Date("2026-02-02T00:00:00Z"),
      new Date(now().getTime() + 36_500 * 86_400_000),
    ]);
  });

  it("refuses any other retention, saying what it got, before any call", async () => {
    for (const days of [0, 36_501, 1.5]) {
      const err = await rejection(write({ retention: { days } }));
      expect(err).toBeInstanceOf(InvalidEvidenceInputError);
      expect(err.message).toBe(`retention.days: must be an integer 1-36500, got ${days}`);
    }
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("refuses an empty bucket name", async () => {
    const err = await rejection(write({ bucket: "" }));

    expect(err).toBeInstanceOf(InvalidEvidenceInputError);
    expect(err.message).toBe("bucket: required");
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("refuses a manifest that does not validate, naming the field's path", async () => {
    const invalid = { ...manifest, artifacts: [{ ...a, sha256: "NOT-HEX" }, b] };

    const err = await rejection(write({ manifest: invalid }));

    expect(err).toBeInstanceOf(InvalidEvidenceInputError);
    expect(err.message).toBe("manifest.artifacts.0.sha256: expected a lowercase hex SHA-256");
  });

  it("refuses a manifest of another incident, and one whose hash does not match", async () => {
    const other = buildManifest({
      incidentId: "inc-other",
      artifacts: [],
      snapshots: [],
      createdAt: "2026-01-02T00:00:00Z",
    });
    const tampered = { ...manifest, createdAt: "2026-01-03T00:00:00.000Z" };

    expect((await rejection(write({ manifest: other }))).message).toBe(
      "manifest.incidentId: manifest is for inc-other",
    );
    expect((await rejection(write({ manifest: tampered }))).message).toBe(
      "manifest.manifestSha256: manifestSha256 does not match the content",
    );
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("checks each artifact at its recorded version, and one without a version as it stands", async () => {
    await write();

    const heads = s3Mock.commandCalls(HeadObjectCommand).map((c) => c.args[0].input);
    expect(heads).toStrictEqual([
      { Bucket: "ev", Key: MANIFEST_KEY },
      { Bucket: "ev", Key: a.key, VersionId: a.versionId },
      { Bucket: "ev", Key: b.key },
    ]);
  });

  it("writes when S3 does not say an artifact's size", async () => {
    s3Mock.on(HeadObjectCommand, { Key: a.key }).resolves({});

    expect((await write()).outcome).toBe("written");
  });

  it("writes without checking the artifacts when told not to", async () => {
    s3Mock.on(HeadObjectCommand, { Key: a.key }).rejects(sdkError("NotFound", 404));

    expect((await write({ checkArtifacts: false })).outcome).toBe("written");
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(1);
  });

  it("refuses, for good, a manifest naming an artifact that is not there", async () => {
    s3Mock.on(HeadObjectCommand, { Key: b.key }).rejects(sdkError("NotFound", 404));

    const err = await rejection(write());

    expect(err).toBeInstanceOf(EvidenceIntegrityError);
    expect(err.message).toBe(`${b.key}: artifact b.json is not in the bucket`);
    expect((err as EvidenceIntegrityError).retryable).toBe(false);
    expect(put()).toStrictEqual([]);
  });

  it("refuses, for good, a manifest naming an artifact of another size", async () => {
    s3Mock.on(HeadObjectCommand, { Key: a.key }).resolves({ ContentLength: 5 });

    const err = await rejection(write());

    expect(err).toBeInstanceOf(EvidenceIntegrityError);
    expect(err.message).toBe(`${a.key}: artifact a.json has 5 bytes, recorded 3`);
    expect((err as EvidenceIntegrityError).retryable).toBe(false);
    expect(put()).toStrictEqual([]);
  });

  it("passes on an S3 refusal to say whether an artifact is there", async () => {
    s3Mock.on(HeadObjectCommand, { Key: a.key }).rejects(sdkError("AccessDenied", 403));

    const err = await rejection(write());

    expect(err).toBeInstanceOf(AwsCallError);
    expect(err.message).toBe("S3:HeadObject: AccessDenied: AccessDenied (test)");
  });

  it("passes on an S3 refusal to say whether the manifest is there", async () => {
    s3Mock.on(HeadObjectCommand, { Key: MANIFEST_KEY }).rejects(sdkError("AccessDenied", 403));

    const err = await rejection(write());

    expect(err).toBeInstanceOf(AwsCallError);
    expect(err.message).toBe("S3:HeadObject: AccessDenied: AccessDenied (test)");
    expect(put()).toStrictEqual([]);
  });

  it("passes on a refused write", async () => {
    s3Mock.on(PutObjectCommand).rejects(sdkError("AccessDenied", 403));

    const err = await rejection(write());

    expect(err).toBeInstanceOf(AwsCallError);
    expect(err.message).toBe("S3:PutObject: AccessDenied: AccessDenied (test)");
  });

  it("writes a new version over a stored manifest without a hash, or with another", async () => {
    s3Mock.on(HeadObjectCommand, { Key: MANIFEST_KEY }).resolves({ VersionId: "mv0" });
    expect((await write()).outcome).toBe("written");

    s3Mock
      .on(HeadObjectCommand, { Key: MANIFEST_KEY })
      .resolves({ VersionId: "mv0", Metadata: { "manifest-sha256": "0".repeat(64) } });
    expect((await write()).outcome).toBe("written");
    expect(put()).toHaveLength(2);
  });

  it("reuses the same manifest, with the retention it was stored under", async () => {
    s3Mock.on(HeadObjectCommand, { Key: MANIFEST_KEY }).resolves({
      VersionId: "mv1",
      Metadata: { "manifest-sha256": manifest.manifestSha256 },
      ObjectLockMode: "COMPLIANCE",
      ObjectLockRetainUntilDate: new Date("2027-01-01T00:00:00Z"),
    });

    expect(await write()).toStrictEqual({
      key: MANIFEST_KEY,
      versionId: "mv1",
      manifestSha256: manifest.manifestSha256,
      outcome: "reused",
      retention: { mode: "COMPLIANCE", retainUntil: "2027-01-01T00:00:00.000Z" },
    });
    expect(s3Mock.commandCalls(HeadObjectCommand)).toHaveLength(1);
  });

  it("reuses the same manifest without a retention when S3 says only part of it, or no version", async () => {
    const stored = { Metadata: { "manifest-sha256": manifest.manifestSha256 } };
    const reused = { key: MANIFEST_KEY, manifestSha256: manifest.manifestSha256, outcome: "reused" };

    s3Mock.on(HeadObjectCommand, { Key: MANIFEST_KEY }).resolves({ ...stored, ObjectLockMode: "COMPLIANCE" });
    expect(await write()).toStrictEqual(reused);
    s3Mock
      .on(HeadObjectCommand, { Key: MANIFEST_KEY })
      .resolves({ ...stored, ObjectLockRetainUntilDate: new Date("2027-01-01T00:00:00Z") });
    expect(await write()).toStrictEqual(reused);
    expect(put()).toStrictEqual([]);
  });
});

describe("readManifest", () => {
  const gets = () => s3Mock.commandCalls(GetObjectCommand).map((c) => c.args[0].input);
  const serve = (answer: Record<string, unknown>) => s3Mock.on(GetObjectCommand).callsFake(() => answer);

  beforeEach(() => {
    s3Mock.reset();
  });

  it("reads the current version, asking S3 to check its checksum", async () => {
    serve({ Body: body(serializeManifest(manifest)) });

    const read = await readManifest(s3, "ev", INCIDENT);

    expect(gets()).toStrictEqual([{ Bucket: "ev", Key: MANIFEST_KEY, ChecksumMode: "ENABLED" }]);
    expect(read).toStrictEqual({ kind: "found", key: MANIFEST_KEY, manifest, intact: true });
  });

  it("reads the version asked for, and says everything S3 said of it", async () => {
    serve({
      Body: body(serializeManifest(manifest)),
      VersionId: "mv2",
      Metadata: { "manifest-sha256": "f".repeat(64) },
      ObjectLockMode: "GOVERNANCE",
      ObjectLockRetainUntilDate: new Date("2027-01-01T00:00:00Z"),
    });

    const read = await readManifest(s3, "ev", INCIDENT, "mv2");

    expect(gets()).toStrictEqual([
      { Bucket: "ev", Key: MANIFEST_KEY, ChecksumMode: "ENABLED", VersionId: "mv2" },
    ]);
    expect(read).toStrictEqual({
      kind: "found",
      key: MANIFEST_KEY,
      versionId: "mv2",
      manifest,
      intact: true,
      metadataSha256: "f".repeat(64),
      retention: { mode: "GOVERNANCE", retainUntil: "2027-01-01T00:00:00.000Z" },
    });
  });

  it("says the retention S3 gave, when it gave only the mode or only the date", async () => {
    serve({ Body: body(serializeManifest(manifest)), ObjectLockMode: "COMPLIANCE" });
    const modeOnly = await readManifest(s3, "ev", INCIDENT);
    serve({
      Body: body(serializeManifest(manifest)),
      ObjectLockRetainUntilDate: new Date("2027-01-01T00:00:00Z"),
    });
    const dateOnly = await readManifest(s3, "ev", INCIDENT);

    expect(modeOnly).toStrictEqual({
      kind: "found",
      key: MANIFEST_KEY,
      manifest,
      intact: true,
      retention: { mode: "COMPLIANCE" },
    });
    expect(dateOnly).toStrictEqual({
      kind: "found",
      key: MANIFEST_KEY,
      manifest,
      intact: true,
      retention: { retainUntil: "2027-01-01T00:00:00.000Z" },
    });
  });

  it("says a manifest whose hash does not match is not intact", async () => {
    const tampered = { ...manifest, createdAt: "2026-01-03T00:00:00.000Z" };
    serve({ Body: body(JSON.stringify(tampered)), Metadata: {} });

    expect(await readManifest(s3, "ev", INCIDENT)).toStrictEqual({
      kind: "found",
      key: MANIFEST_KEY,
      manifest: tampered,
      intact: false,
    });
  });

  it("reads a manifest that came in several chunks", async () => {
    const text = serializeManifest(manifest);
    serve({ Body: Readable.from([Buffer.from(text.slice(0, 10)), Buffer.from(text.slice(10))]) });

    expect(await readManifest(s3, "ev", INCIDENT)).toMatchObject({ kind: "found", intact: true });
  });

  it("says missing when there is no manifest, or not the version asked for", async () => {
    s3Mock.on(GetObjectCommand).rejects(sdkError("NoSuchKey", 404));
    expect(await readManifest(s3, "ev", INCIDENT)).toStrictEqual({ kind: "missing", key: MANIFEST_KEY });

    s3Mock.on(GetObjectCommand).rejects(sdkError("NoSuchVersion", 400));
    expect(await readManifest(s3, "ev", INCIDENT, "mv9")).toStrictEqual({
      kind: "missing",
      key: MANIFEST_KEY,
    });
  });

  it("says invalid, with the SDK's words, when the bytes fail S3's checksum", async () => {
    s3Mock.on(GetObjectCommand).rejects(new Error('Checksum mismatch: expected "x" but received "y"'));

    expect(await readManifest(s3, "ev", INCIDENT)).toStrictEqual({
      kind: "invalid",
      key: MANIFEST_KEY,
      reason: 'Checksum mismatch: expected "x" but received "y"',
    });
  });

  it("passes on any other S3 failure", async () => {
    s3Mock.on(GetObjectCommand).rejects(sdkError("AccessDenied", 403));

    const err = await rejection(readManifest(s3, "ev", INCIDENT));

    expect(err).toBeInstanceOf(AwsCallError);
    expect(err.message).toBe("S3:GetObject: AccessDenied: AccessDenied (test)");
  });

  it("says invalid when the body is not JSON, with the parser's words and the version", async () => {
    serve({ Body: body("{ not json"), VersionId: "mv3" });
    let parserSays = "";
    try {
      JSON.parse("{ not json");
    } catch (err) {
      parserSays = (err as Error).message;
    }

    expect(await readManifest(s3, "ev", INCIDENT)).toStrictEqual({
      kind: "invalid",
      key: MANIFEST_KEY,
      versionId: "mv3",
      reason: `not JSON: ${parserSays}`,
    });
  });

  it("reads an answer without a body as an empty document", async () => {
    serve({});
    let parserSays = "";
    try {
      JSON.parse("");
    } catch (err) {
      parserSays = (err as Error).message;
    }

    expect(await readManifest(s3, "ev", INCIDENT)).toStrictEqual({
      kind: "invalid",
      key: MANIFEST_KEY,
      reason: `not JSON: ${parserSays}`,
    });
  });

  it("says invalid when the JSON is not a manifest, at the root", async () => {
    serve({ Body: body("[]") });

    expect(await readManifest(s3, "ev", INCIDENT)).toStrictEqual({
      kind: "invalid",
      key: MANIFEST_KEY,
      reason: "(root): Invalid input: expected object, received array",
      raw: [],
    });
  });

  it("names the first five problems of a manifest that does not validate, with their paths", async () => {
    const raw = {
      ...JSON.parse(serializeManifest(manifest)),
      schemaVersion: 2,
      hashAlgorithm: "MD5",
      createdAt: "yesterday",
      manifestSha256: "x",
      snapshots: "none",
    };
    raw.artifacts[0].sha256 = "NOT-HEX";
    serve({ Body: body(JSON.stringify(raw)), VersionId: "mv4" });

    expect(await readManifest(s3, "ev", INCIDENT)).toStrictEqual({
      kind: "invalid",
      key: MANIFEST_KEY,
      versionId: "mv4",
      reason: [
        "schemaVersion: Invalid input: expected 1",
        "createdAt: Invalid ISO datetime",
        'hashAlgorithm: Invalid input: expected "SHA-256"',
        "artifacts.0.sha256: expected a lowercase hex SHA-256",
        "snapshots: Invalid input: expected array, received string",
      ].join("; "),
      raw,
    });
  });

  it("reads a manifest of exactly the largest size, and gives up on one byte more", async () => {
    // Spaces only: as large as allowed, and still not a manifest.
    const largest = Readable.from([Buffer.alloc(MAX_MANIFEST_BYTES, 0x20)]);
    serve({ Body: largest });
    const atLimit = await readManifest(s3, "ev", INCIDENT);
    const over = Readable.from([Buffer.alloc(MAX_MANIFEST_BYTES, 0x20), Buffer.from(" ")]);
    serve({ Body: over, VersionId: "mv5" });
    const beyond = await readManifest(s3, "ev", INCIDENT);

    expect(atLimit).toMatchObject({ kind: "invalid", reason: expect.stringMatching(/^not JSON: /) });
    expect(beyond).toStrictEqual({
      kind: "invalid",
      key: MANIFEST_KEY,
      reason: "larger than 33554432 bytes",
    });
    expect(over.destroyed).toBe(true);
  });
});
