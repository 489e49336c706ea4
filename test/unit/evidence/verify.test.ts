import { Readable } from "node:stream";
import {
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  RestoreObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { hashBuffer } from "../../../shared/evidence/hashing.ts";
import { buildManifest, serializeManifest } from "../../../shared/evidence/manifest.ts";
import type { ArtifactRecord, Manifest } from "../../../shared/evidence/manifest-schema.ts";
import {
  assessArtifact,
  parseRestoreHeader,
  type VerifyItem,
  verifyIncident,
} from "../../../shared/evidence/verify.ts";
import { aRecord, body, INCIDENT, sdkError, sha256B64, sha256Hex } from "./builders.ts";

const MANIFEST_KEY = `incidents/${INCIDENT}/manifest.json`;
const s3 = new S3Client({ region: "us-east-1" });
const s3Mock = mockClient(s3);

function manifestOf(records: ArtifactRecord[]): Manifest {
  return buildManifest({
    incidentId: INCIDENT,
    artifacts: records,
    snapshots: [],
    createdAt: "2026-01-01T00:00:00Z",
  });
}

function serveManifest(m: Manifest | string): void {
  s3Mock.on(GetObjectCommand, { Key: MANIFEST_KEY }).callsFake(() => ({
    Body: body(typeof m === "string" ? m : serializeManifest(m)),
    VersionId: "mv1",
    ObjectLockMode: "COMPLIANCE",
    ObjectLockRetainUntilDate: new Date("2027-01-01T00:00:00Z"),
    Metadata: typeof m === "string" ? {} : { "manifest-sha256": m.manifestSha256 },
  }));
}

/** Serves an artifact as archived: same bytes, metadata witness, S3 checksum. */
function serveArtifact(record: ArtifactRecord, content: string, extra: Record<string, unknown> = {}): void {
  s3Mock.on(HeadObjectCommand, { Key: record.key }).resolves({
    ContentLength: Buffer.byteLength(content),
    VersionId: record.versionId,
    ...extra,
  });
  s3Mock.on(GetObjectCommand, { Key: record.key }).callsFake(() => ({
    Body: body(content),
    VersionId: record.versionId,
    ChecksumSHA256: sha256B64(content),
    Metadata: { sha256: sha256Hex(content) },
    ...extra,
  }));
}

function listing(keys: string[]): void {
  s3Mock
    .on(ListObjectsV2Command)
    .resolves({ Contents: keys.map((Key) => ({ Key, Size: 1 })), IsTruncated: false });
}

function item(items: VerifyItem[], name: string): VerifyItem {
  const found = items.find((i) => i.name === name);
  if (!found) throw new Error(`no item ${name}`);
  return found;
}

describe("verifyIncident", () => {
  const a = aRecord("a.json", "AAA");
  const b = aRecord("b.json", "BBB");

  beforeEach(() => {
    s3Mock.reset();
    s3Mock.on(HeadObjectCommand).rejects(sdkError("NotFound", 404));
    s3Mock.on(GetObjectCommand).rejects(sdkError("NoSuchKey", 404));
    listing([]);
    s3Mock.on(ListObjectVersionsCommand).resolves({ Versions: [{ Key: MANIFEST_KEY, VersionId: "mv1" }] });
  });

  it("is ok when every artifact reads back with the manifest's hash", async () => {
    serveManifest(manifestOf([a, b]));
    serveArtifact(a, "AAA");
    serveArtifact(b, "BBB");
    listing([MANIFEST_KEY, a.key, b.key]);

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(report.ok).toBe(true);
    expect(report.counts).toMatchObject({ ok: 3, mismatch: 0, missing: 0, unexpected: 0, error: 0 });
    expect(item(report.items, "a.json")).toMatchObject({
      status: "ok",
      expected: a.sha256,
      actual: a.sha256,
    });
    expect(item(report.items, "a.json").detail).toContain("manifest, metadata, S3 checksum");
    expect(report.manifest).toMatchObject({
      versionId: "mv1",
      artifacts: 2,
      retention: { mode: "COMPLIANCE" },
    });
    expect(report.warnings).toEqual([]);
  });

  it("reports different content as a mismatch", async () => {
    serveManifest(manifestOf([a]));
    serveArtifact(a, "AAX");

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(report.ok).toBe(false);
    expect(item(report.items, "a.json")).toMatchObject({
      status: "mismatch",
      expected: a.sha256,
      actual: sha256Hex("AAX"),
    });
  });

  it("reports a different size as a mismatch", async () => {
    serveManifest(manifestOf([a]));
    serveArtifact(a, "AAAA");

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(item(report.items, "a.json").status).toBe("mismatch");
    expect(item(report.items, "a.json").detail).toContain("size 4, manifest says 3");
  });

  it("reports a metadata witness that disagrees as a mismatch, even when the bytes match", async () => {
    serveManifest(manifestOf([a]));
    serveArtifact(a, "AAA", { Metadata: { sha256: "0".repeat(64) } });

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(item(report.items, "a.json").status).toBe("mismatch");
    expect(item(report.items, "a.json").detail).toContain("metadata sha256");
  });

  it("reports bytes that fail the SDK's checksum validation as a mismatch", async () => {
    serveManifest(manifestOf([a]));
    serveArtifact(a, "AAA");
    // What the SDK's checksum stream does at the end of a body that does not match.
    s3Mock.on(GetObjectCommand, { Key: a.key }).callsFake(() => {
      let sent = false;
      const failing = new Readable({
        read() {
          if (sent) this.destroy(new Error('Checksum mismatch: expected "x" but received "y"'));
          else this.push(Buffer.from("AAA"));
          sent = true;
        },
      });
      return { Body: failing };
    });

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(item(report.items, "a.json").status).toBe("mismatch");
    expect(item(report.items, "a.json").detail).toContain("S3's stored checksum");
  });

  it("checks a multipart object's composite checksum and its tag witness", async () => {
    const content = "0123456789abcdefghij";
    const hash = hashBuffer(content, { partSize: 8 });
    const big = aRecord("big.bin", content, {
      partCount: 3,
      partSize: 8,
      s3Checksum: undefined,
      sha256Witness: "tag",
    });
    serveManifest(manifestOf([big]));
    serveArtifact(big, content, { ChecksumSHA256: `${hash.compositeSha256}-3`, Metadata: {} });
    s3Mock.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: "sha256", Value: hash.sha256 }] });

    const ok = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });
    s3Mock.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: "sha256", Value: "f".repeat(64) }] });
    const badTag = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(item(ok.items, "big.bin")).toMatchObject({ status: "ok" });
    expect(item(ok.items, "big.bin").detail).toBe("SHA-256 matches manifest, tag, S3 checksum");
    expect(item(badTag.items, "big.bin").status).toBe("mismatch");
  });

  it("checks the composite checksum of an object uploaded as one part of a multipart upload (a small disk image)", async () => {
    const content = "0123456789";
    const hash = hashBuffer(content, { partSize: 16 });
    const image = aRecord("disk-images/snap-0123456789abcdef0.raw", content, {
      partCount: 1,
      partSize: 16,
      s3Checksum: `${hash.compositeSha256}-1`,
      sha256Witness: "tag",
    });
    serveManifest(manifestOf([image]));
    serveArtifact(image, content, { ChecksumSHA256: `${hash.compositeSha256}-1`, Metadata: {} });
    s3Mock.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: "sha256", Value: hash.sha256 }] });

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(item(report.items, image.name)).toMatchObject({
      status: "ok",
      detail: "SHA-256 matches manifest, tag, S3 checksum",
    });
  });

  it("reports a deleted artifact as missing", async () => {
    serveManifest(manifestOf([a, b]));
    serveArtifact(b, "BBB");

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(report.ok).toBe(false);
    expect(item(report.items, "a.json").status).toBe("missing");
    expect(item(report.items, "b.json").status).toBe("ok");
    expect(report.counts).toMatchObject({ ok: 2, missing: 1 });
  });

  it("reports a GLACIER artifact as awaiting restore without reading it", async () => {
    serveManifest(manifestOf([a]));
    serveArtifact(a, "AAA", { StorageClass: "GLACIER" });

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(report.ok).toBe(false);
    expect(item(report.items, "a.json")).toMatchObject({
      status: "awaiting-restore",
      storageClass: "GLACIER",
    });
    expect(s3Mock.commandCalls(GetObjectCommand, { Key: a.key })).toHaveLength(0);
    expect(s3Mock.commandCalls(RestoreObjectCommand)).toHaveLength(0);
  });

  it("requests a restore when asked, and reports it", async () => {
    serveManifest(manifestOf([a]));
    serveArtifact(a, "AAA", { StorageClass: "DEEP_ARCHIVE" });
    s3Mock.on(RestoreObjectCommand).resolves({});

    const report = await verifyIncident(s3, {
      bucket: "ev",
      incidentId: INCIDENT,
      restore: true,
      restoreDays: 3,
    });

    expect(report.ok).toBe(false);
    expect(item(report.items, "a.json").status).toBe("restore-requested");
    expect(s3Mock.commandCalls(RestoreObjectCommand)[0]?.args[0].input).toMatchObject({
      Bucket: "ev",
      Key: a.key,
      RestoreRequest: { Days: 3, GlacierJobParameters: { Tier: "Standard" } },
    });
  });

  it("does not request a restore again while one is in progress", async () => {
    serveManifest(manifestOf([a]));
    serveArtifact(a, "AAA", { StorageClass: "GLACIER", Restore: 'ongoing-request="true"' });

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT, restore: true });

    expect(item(report.items, "a.json")).toMatchObject({
      status: "restore-requested",
      detail: "GLACIER: restore in progress",
    });
    expect(s3Mock.commandCalls(RestoreObjectCommand)).toHaveLength(0);
  });

  it("treats RestoreAlreadyInProgress as a requested restore", async () => {
    serveManifest(manifestOf([a]));
    serveArtifact(a, "AAA", { StorageClass: "GLACIER" });
    s3Mock.on(RestoreObjectCommand).rejects(sdkError("RestoreAlreadyInProgress", 409));

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT, restore: true });

    expect(item(report.items, "a.json").status).toBe("restore-requested");
  });

  it("verifies a restored GLACIER artifact", async () => {
    serveManifest(manifestOf([a]));
    serveArtifact(a, "AAA", {
      StorageClass: "GLACIER",
      Restore: 'ongoing-request="false", expiry-date="Fri, 21 Dec 2029 00:00:00 GMT"',
    });

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(report.ok).toBe(true);
  });

  it("falls back on GetObject's InvalidObjectState when HEAD shows no storage class", async () => {
    serveManifest(manifestOf([a]));
    serveArtifact(a, "AAA");
    s3Mock.on(GetObjectCommand, { Key: a.key }).rejects(sdkError("InvalidObjectState", 403));

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(item(report.items, "a.json").status).toBe("awaiting-restore");
  });

  it("lists objects the manifest does not name as unexpected, without failing the report", async () => {
    serveManifest(manifestOf([a]));
    serveArtifact(a, "AAA");
    listing([MANIFEST_KEY, a.key, `incidents/${INCIDENT}/artifacts/planted.sh`]);

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(report.ok).toBe(true);
    expect(item(report.items, "artifacts/planted.sh").status).toBe("unexpected");
    expect(report.warnings).toEqual(["1 object(s) under the incident prefix are not in the manifest"]);
  });

  it("reports a missing manifest clearly", async () => {
    listing([a.key]);

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(report.ok).toBe(false);
    expect(item(report.items, "manifest.json")).toMatchObject({ status: "missing", key: MANIFEST_KEY });
    expect(item(report.items, "artifacts/a.json").status).toBe("unexpected");
  });

  it("reports a manifest that does not parse, or whose hash does not match, as a mismatch", async () => {
    serveManifest("{ not json");
    const garbled = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });
    serveManifest({ ...manifestOf([a]), manifestSha256: "0".repeat(64) });
    serveArtifact(a, "AAA");
    const forged = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });
    serveManifest(JSON.stringify({ ...manifestOf([a]), unexpectedField: true }));
    const loose = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(garbled.ok).toBe(false);
    expect(item(garbled.items, "manifest.json").detail).toContain("not JSON");
    expect(forged.ok).toBe(false);
    expect(item(forged.items, "manifest.json").status).toBe("mismatch");
    expect(item(forged.items, "a.json").status).toBe("ok");
    expect(item(loose.items, "manifest.json")).toMatchObject({ status: "mismatch" });
  });

  it("turns an S3 refusal on one artifact into an error item and fails the report", async () => {
    serveManifest(manifestOf([a, b]));
    serveArtifact(b, "BBB");
    s3Mock.on(HeadObjectCommand, { Key: a.key }).rejects(sdkError("AccessDenied", 403));

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(report.ok).toBe(false);
    expect(item(report.items, "a.json")).toMatchObject({ status: "error" });
    expect(item(report.items, "a.json").detail).toContain("AccessDenied");
    expect(item(report.items, "b.json").status).toBe("ok");
  });

  it("warns when the manifest is not under Object Lock retention", async () => {
    const m = manifestOf([]);
    s3Mock
      .on(GetObjectCommand, { Key: MANIFEST_KEY })
      .callsFake(() => ({ Body: body(serializeManifest(m)) }));

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(report.ok).toBe(true);
    expect(report.warnings).toEqual([`manifest ${MANIFEST_KEY} is not under Object Lock retention`]);
  });

  it("warns when the manifest has several versions, and verifies the one asked for", async () => {
    serveManifest(manifestOf([a]));
    serveArtifact(a, "AAA");
    s3Mock.on(ListObjectVersionsCommand).resolves({
      Versions: [
        { Key: MANIFEST_KEY, VersionId: "mv2" },
        { Key: MANIFEST_KEY, VersionId: "mv1" },
      ],
    });

    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT, manifestVersionId: "mv1" });

    expect(report.ok).toBe(true);
    expect(report.manifest?.versions).toBe(2);
    expect(report.warnings[0]).toMatch(/manifest has 2 versions/);
    expect(s3Mock.commandCalls(GetObjectCommand, { Key: MANIFEST_KEY })[0]?.args[0].input.VersionId).toBe(
      "mv1",
    );
  });

  it("reads the recorded versions when pinned", async () => {
    serveManifest(manifestOf([a]));
    serveArtifact(a, "AAA");

    await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT, pinVersions: true });

    expect(s3Mock.commandCalls(GetObjectCommand, { Key: a.key })[0]?.args[0].input).toMatchObject({
      VersionId: a.versionId,
      ChecksumMode: "ENABLED",
    });
  });
});

describe("assessArtifact", () => {
  const record = aRecord("a.json", "AAA");
  const observed = {
    sha256: sha256Hex("AAA"),
    size: 3,
    s3Checksum: sha256B64("AAA"),
    versionId: record.versionId,
  };

  it("is ok when content and every witness agree", () => {
    expect(assessArtifact(record, { ...observed, metadataSha256: record.sha256 }).status).toBe("ok");
  });

  it("only notes a missing witness or a newer version with the same bytes", () => {
    const result = assessArtifact(record, { ...observed, versionId: "v-new" });

    expect(result.status).toBe("ok");
    expect(result.detail).toContain("metadata sha256 absent");
    expect(result.detail).toContain("current version v-new");
  });

  it("is a mismatch when S3's checksum disagrees with the bytes read", () => {
    const result = assessArtifact(record, { ...observed, s3Checksum: sha256B64("other") });

    expect(result.status).toBe("mismatch");
    expect(result.detail).toContain("S3 ChecksumSHA256 disagrees");
  });

  it("is a mismatch when the composite checksum disagrees with the parts read", () => {
    const multipart = aRecord("m.bin", "AAA", { partCount: 2, partSize: 2, s3Checksum: undefined });

    const result = assessArtifact(multipart, {
      ...observed,
      s3Checksum: "Zm9v-2",
      compositeSha256: "YmFy",
      partCount: 2,
    });

    expect(result.status).toBe("mismatch");
  });
});

describe("parseRestoreHeader", () => {
  it("reads the x-amz-restore header", () => {
    expect(parseRestoreHeader(undefined)).toBe("none");
    expect(parseRestoreHeader('ongoing-request="true"')).toBe("in-progress");
    expect(parseRestoreHeader('ongoing-request="false", expiry-date="Fri, 21 Dec 2029 00:00:00 GMT"')).toBe(
      "restored",
    );
  });
});
