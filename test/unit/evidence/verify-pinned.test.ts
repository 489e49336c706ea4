/**
 * Verification against what the incident record pins: the sealed manifest's version, SHA-256
 * and signature, and each artifact's version. An attacker with only `s3:PutObject` writes new
 * versions (with consistent metadata and checksums); none of it may pass.
 */

import { KMSClient, VerifyCommand } from "@aws-sdk/client-kms";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  S3Client,
} from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { buildManifest, serializeManifest } from "../../../shared/evidence/manifest.ts";
import type { ArtifactRecord, Manifest } from "../../../shared/evidence/manifest-schema.ts";
import type { EvidencePin } from "../../../shared/evidence/pin.ts";
import { kmsSignatureVerifier } from "../../../shared/evidence/signature-check.ts";
import type { ManifestSignature } from "../../../shared/evidence/signing.ts";
import { type VerifyItem, verifyIncident } from "../../../shared/evidence/verify.ts";
import { aRecord, body, INCIDENT, sdkError, sha256B64, sha256Hex } from "./builders.ts";

const MANIFEST_KEY = `incidents/${INCIDENT}/manifest.json`;
const SIGNING_KEY = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555";
const s3 = new S3Client({ region: "us-east-1" });
const s3Mock = mockClient(s3);
const kms = new KMSClient({ region: "us-east-1" });
const kmsMock = mockClient(kms);

const manifestOf = (records: ArtifactRecord[], createdAt = "2026-01-01T00:00:00Z"): Manifest =>
  buildManifest({ incidentId: INCIDENT, artifacts: records, snapshots: [], createdAt });

function serveManifest(m: Manifest, versionId: string): void {
  s3Mock.on(GetObjectCommand, { Key: MANIFEST_KEY, VersionId: versionId }).callsFake(() => ({
    Body: body(serializeManifest(m)),
    VersionId: versionId,
    ObjectLockMode: "COMPLIANCE",
    ObjectLockRetainUntilDate: new Date("2027-01-01T00:00:00Z"),
    Metadata: { "manifest-sha256": m.manifestSha256 },
  }));
}

/** Serves a version of an artifact with the given bytes, metadata and S3 checksum. */
function serveArtifact(
  record: ArtifactRecord,
  content: string,
  witnesses: { metadata?: string; checksum?: string } = {
    metadata: sha256Hex(content),
    checksum: sha256B64(content),
  },
): void {
  const where = { Key: record.key, VersionId: record.versionId };
  s3Mock
    .on(HeadObjectCommand, where)
    .resolves({ ContentLength: Buffer.byteLength(content), VersionId: record.versionId });
  s3Mock.on(GetObjectCommand, where).callsFake(() => ({
    Body: body(content),
    VersionId: record.versionId,
    ...(witnesses.checksum ? { ChecksumSHA256: witnesses.checksum } : {}),
    Metadata: witnesses.metadata ? { sha256: witnesses.metadata } : {},
  }));
}

/** The current version of each key (`latest`), as ListObjectVersions reports it. */
function versions(latest: Record<string, string>, deleted: string[] = []): void {
  s3Mock.on(ListObjectVersionsCommand).resolves({
    Versions: Object.entries(latest).map(([Key, VersionId]) => ({ Key, VersionId, IsLatest: true })),
    DeleteMarkers: deleted.map((Key) => ({ Key, VersionId: `dm-${Key}`, IsLatest: true })),
  });
}

const signed = (digest: string, keyId = SIGNING_KEY): ManifestSignature => ({
  status: "signed",
  keyId,
  algorithm: "ECDSA_SHA_256",
  signature: Buffer.from(`sig-over-${digest}`).toString("base64"),
  digest,
  signedAt: "2026-01-01T00:01:00.000Z",
});

const item = (items: VerifyItem[], name: string): VerifyItem => {
  const found = items.find((i) => i.name === name);
  if (!found) throw new Error(`no item ${name} in ${items.map((i) => i.name).join(", ")}`);
  return found;
};

describe("verifyIncident against the incident record's pins", () => {
  const a = aRecord("a.json", "AAA");
  const sealed = manifestOf([a]);
  const pin = (overrides: Partial<EvidencePin> = {}): EvidencePin => ({
    manifestVersionId: "mv1",
    manifestSha256: sealed.manifestSha256,
    signature: signed(sealed.manifestSha256),
    ...overrides,
  });
  const verify = (p: EvidencePin) =>
    verifyIncident(s3, {
      bucket: "ev",
      incidentId: INCIDENT,
      pin: p,
      signatures: kmsSignatureVerifier(kms, SIGNING_KEY),
    });

  beforeEach(() => {
    s3Mock.reset();
    kmsMock.reset();
    s3Mock.on(HeadObjectCommand).rejects(sdkError("NotFound", 404));
    s3Mock.on(GetObjectCommand).rejects(sdkError("NoSuchVersion", 404));
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [{ Key: MANIFEST_KEY }, { Key: a.key }] });
    // KMS verifies exactly the signature made over the sealed manifest's digest.
    kmsMock.on(VerifyCommand).callsFake((input: { Message: Uint8Array; Signature: Uint8Array }) => {
      const digest = Buffer.from(input.Message).toString("hex");
      if (Buffer.from(input.Signature).toString() !== `sig-over-${digest}`)
        throw Object.assign(new Error("invalid"), { name: "KMSInvalidSignatureException" });
      return { SignatureValid: true, KeyId: SIGNING_KEY };
    });
    serveManifest(sealed, "mv1");
    serveArtifact(a, "AAA");
    versions({ [MANIFEST_KEY]: "mv1", [a.key]: a.versionId ?? "" });
  });

  it("is ok when the pinned manifest, its signature and every pinned artifact are intact and current", async () => {
    const report = await verify(pin());

    expect(report.ok).toBe(true);
    expect(report.manifest).toMatchObject({
      versionId: "mv1",
      pinned: "pinned",
      signature: { status: "valid" },
    });
    expect(item(report.items, "manifest.json").detail).toContain("SHA-256 as recorded on the incident");
    expect(s3Mock.commandCalls(GetObjectCommand, { Key: a.key })[0]?.args[0].input.VersionId).toBe(
      a.versionId,
    );
    expect(kmsMock.commandCalls(VerifyCommand)[0]?.args[0].input).toMatchObject({
      KeyId: SIGNING_KEY,
      MessageType: "DIGEST",
      SigningAlgorithm: "ECDSA_SHA_256",
    });
  });

  it("fails when a new manifest version was written over the sealed one", async () => {
    // The attacker's manifest: internally consistent, naming forged artifacts.
    const forged = manifestOf([aRecord("a.json", "FORGED", { versionId: "v-attacker" })]);
    serveManifest(forged, "mv2");
    versions({ [MANIFEST_KEY]: "mv2", [a.key]: a.versionId ?? "" });

    const report = await verify(pin());

    expect(report.ok).toBe(false);
    expect(item(report.items, "manifest.json (current version)")).toMatchObject({
      status: "replaced",
      detail: expect.stringContaining("a later version mv2 was written over the sealed version mv1"),
    });
    // The sealed version is what was verified, not the attacker's.
    expect(s3Mock.commandCalls(GetObjectCommand, { Key: MANIFEST_KEY })[0]?.args[0].input.VersionId).toBe(
      "mv1",
    );
  });

  it("fails when an artifact has a new version, even with consistent metadata and checksum", async () => {
    versions({ [MANIFEST_KEY]: "mv1", [a.key]: "v-attacker" });

    const report = await verify(pin());

    expect(report.ok).toBe(false);
    expect(item(report.items, "a.json")).toMatchObject({
      status: "replaced",
      detail: expect.stringContaining(
        `a later version v-attacker was written over the sealed version ${a.versionId}`,
      ),
    });
    expect(report.counts.replaced).toBe(1);
  });

  it("fails when every version of a sealed artifact is gone, none left to list", async () => {
    // Versions deleted one by one (s3:DeleteObjectVersion on a bucket without Object Lock):
    // no delete marker is left, and the listing does not name the key at all.
    s3Mock.on(HeadObjectCommand, { Key: a.key }).rejects(sdkError("NoSuchVersion", 404));
    s3Mock.on(GetObjectCommand, { Key: a.key }).rejects(sdkError("NoSuchVersion", 404));
    versions({ [MANIFEST_KEY]: "mv1" });

    const report = await verify(pin());

    expect(report.ok).toBe(false);
    expect(item(report.items, "a.json")).toMatchObject({
      status: "missing",
      detail: "not in the bucket (deleted or never written)",
    });
  });

  it("verifies the pinned manifest when the version listing does not name its key", async () => {
    // A listing that lags behind the read: nothing says the sealed version was replaced.
    versions({ [a.key]: a.versionId ?? "" });

    const report = await verify(pin());

    expect(report.ok).toBe(true);
    expect(report.items.map((i) => [i.name, i.status])).toStrictEqual([
      ["manifest.json", "ok"],
      ["a.json", "ok"],
    ]);
  });

  it("fails when a delete marker hides a sealed artifact", async () => {
    versions({ [MANIFEST_KEY]: "mv1" }, [a.key]);

    const report = await verify(pin());

    expect(report.ok).toBe(false);
    expect(item(report.items, "a.json").detail).toContain("delete marker");
  });

  it("fails when the manifest's SHA-256 is not the one recorded on the incident", async () => {
    // A record sealed before version pinning: the current manifest is read, and a consistent
    // forgery is caught only by the SHA-256 the record holds.
    const forged = manifestOf(
      [aRecord("a.json", "FORGED", { versionId: a.versionId })],
      "2026-02-02T00:00:00Z",
    );
    s3Mock.on(GetObjectCommand, { Key: MANIFEST_KEY }).callsFake(() => ({
      Body: body(serializeManifest(forged)),
      VersionId: "mv2",
      ObjectLockMode: "COMPLIANCE",
    }));

    const report = await verify({ manifestSha256: sealed.manifestSha256 });

    expect(report.ok).toBe(false);
    expect(item(report.items, "manifest.json")).toMatchObject({
      status: "mismatch",
      detail: expect.stringContaining(`is not the ${sealed.manifestSha256} recorded on the incident`),
    });
    expect(report.warnings.join("\n")).toContain("pins no manifest version");
  });

  it("fails when the signature does not verify", async () => {
    const bad = { ...signed(sealed.manifestSha256), signature: Buffer.from("forged").toString("base64") };

    const report = await verify(pin({ signature: bad }));

    expect(report.ok).toBe(false);
    expect(report.manifest?.signature?.status).toBe("invalid");
    expect(item(report.items, "manifest.json").status).toBe("mismatch");
  });

  it("fails when the record names another signing key, without asking KMS", async () => {
    const other = signed(sealed.manifestSha256, "arn:aws:kms:us-east-1:999988887777:key/attacker");

    const report = await verify(pin({ signature: other }));

    expect(report.ok).toBe(false);
    expect(report.manifest?.signature?.detail).toContain("not the deployment's signing key");
    expect(kmsMock.commandCalls(VerifyCommand)).toHaveLength(0);
  });

  it("fails when KMS cannot check the signature", async () => {
    kmsMock.on(VerifyCommand).rejects(sdkError("AccessDeniedException", 400));

    const report = await verify(pin());

    expect(report.ok).toBe(false);
    expect(report.manifest?.signature?.status).toBe("error");
  });

  it("warns, and says unsupported, when the manifest was sealed without a signature", async () => {
    const report = await verify(
      pin({ signature: { status: "unsupported", reason: "kms:Sign is not supported by this endpoint" } }),
    );

    expect(report.ok).toBe(true);
    expect(report.manifest?.signature?.status).toBe("unsupported");
    expect(report.warnings).toContainEqual(
      expect.stringMatching(/^manifest signature unsupported: .*kms:Sign is not supported/),
    );
    expect(item(report.items, "manifest.json").detail).not.toContain("signature valid");
  });

  it("warns when the record holds no signature at all", async () => {
    const { signature: _none, ...unsigned } = pin();

    const report = await verify(unsigned);

    expect(report.manifest?.signature?.status).toBe("absent");
    expect(report.warnings).toContainEqual(expect.stringContaining("holds no manifest signature"));
  });

  it("fails when the versions cannot be listed: a replacement could not be ruled out", async () => {
    s3Mock.on(ListObjectVersionsCommand).rejects(sdkError("AccessDenied", 403));

    const report = await verify(pin());

    expect(report.ok).toBe(false);
    expect(item(report.items, "(versions)").status).toBe("error");
  });

  it("reports the pinned manifest version as missing when it is gone", async () => {
    const report = await verify(pin({ manifestVersionId: "mv-gone" }));

    expect(report.ok).toBe(false);
    expect(item(report.items, "manifest.json")).toMatchObject({
      status: "missing",
      detail: expect.stringContaining("version mv-gone, pinned by the incident record"),
    });
  });
});

describe("a forged artifact with no other tripwire", () => {
  // Same size, metadata copied from the manifest, an S3 checksum that matches the forged bytes,
  // and a record whose archive-time checksum the endpoint did not return: only the comparison
  // of the content's SHA-256 with the manifest can catch it.
  const a = aRecord("a.json", "AAA", { s3Checksum: undefined });
  const forged = "AAX";

  beforeEach(() => {
    s3Mock.reset();
    kmsMock.reset();
    s3Mock.on(ListObjectsV2Command).resolves({ Contents: [] });
    const m = manifestOf([a]);
    serveManifest(m, "mv1");
    s3Mock.on(GetObjectCommand, { Key: MANIFEST_KEY }).callsFake(() => ({
      Body: body(serializeManifest(m)),
      VersionId: "mv1",
      ObjectLockMode: "COMPLIANCE",
    }));
    serveArtifact(a, forged, { metadata: a.sha256, checksum: sha256B64(forged) });
    s3Mock.on(HeadObjectCommand, { Key: a.key }).resolves({ ContentLength: 3, VersionId: a.versionId });
    s3Mock.on(GetObjectCommand, { Key: a.key }).callsFake(() => ({
      Body: body(forged),
      VersionId: a.versionId,
      ChecksumSHA256: sha256B64(forged),
      Metadata: { sha256: a.sha256 },
    }));
    versions({ [MANIFEST_KEY]: "mv1", [a.key]: a.versionId ?? "" });
  });

  it("is a mismatch when verified unpinned", async () => {
    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    expect(report.ok).toBe(false);
    expect(item(report.items, "a.json")).toMatchObject({
      status: "mismatch",
      actual: sha256Hex(forged),
      detail: "content SHA-256 differs from the manifest",
    });
  });

  it("is a mismatch with consistent metadata and no S3 checksum at all (the manifest hash alone decides)", async () => {
    // Arrange: the endpoint returns no ChecksumSHA256; size and metadata agree with the manifest.
    s3Mock.on(GetObjectCommand, { Key: a.key }).callsFake(() => ({
      Body: body(forged),
      VersionId: a.versionId,
      Metadata: { sha256: a.sha256 },
    }));

    // Act
    const report = await verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT });

    // Assert
    expect(report.ok).toBe(false);
    expect(item(report.items, "a.json")).toMatchObject({
      status: "mismatch",
      actual: sha256Hex(forged),
      detail: "content SHA-256 differs from the manifest; S3 returned no SHA-256 checksum",
    });
  });

  it("is a mismatch at its pinned version", async () => {
    const m = manifestOf([a]);

    const report = await verifyIncident(s3, {
      bucket: "ev",
      incidentId: INCIDENT,
      pin: { manifestVersionId: "mv1", manifestSha256: m.manifestSha256 },
    });

    expect(report.ok).toBe(false);
    expect(item(report.items, "a.json").status).toBe("mismatch");
  });
});
