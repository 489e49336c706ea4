/**
 * verifyIncident's report, pinned whole: every item, count, warning and the manifest summary,
 * for an intact incident, a pinned one, and each way the manifest, an artifact, a listing or a
 * check can go wrong, with the words a reader sees.
 */
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
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { InvalidEvidenceInputError } from "../../../shared/evidence/errors.ts";
import { hashBuffer } from "../../../shared/evidence/hashing.ts";
import { buildManifest, serializeManifest } from "../../../shared/evidence/manifest.ts";
import type { ArtifactRecord, EvidenceGap, Manifest } from "../../../shared/evidence/manifest-schema.ts";
import type { EvidencePin } from "../../../shared/evidence/pin.ts";
import type { SignatureCheck, SignatureVerifier } from "../../../shared/evidence/signature-check.ts";
import type { ManifestSignature } from "../../../shared/evidence/signing.ts";
import {
  type VerifyIncidentInput,
  type VerifyItem,
  type VerifyReport,
  verifyIncident,
} from "../../../shared/evidence/verify.ts";
import { aRecord, body, INCIDENT, sdkError, sha256B64, sha256Hex } from "./builders.ts";

const MANIFEST_KEY = `incidents/${INCIDENT}/manifest.json`;
const PREFIX = `incidents/${INCIDENT}/`;
const CHECKED_AT = "2026-03-01T00:00:00.000Z";
const RETAIN_UNTIL = "2027-01-01T00:00:00.000Z";
const DENIED = "AccessDenied: AccessDenied (test)";
const s3 = new S3Client({ region: "us-east-1" });
const s3Mock = mockClient(s3);

const a = aRecord("a.json", "AAA");
const b = aRecord("b.json", "BBB");

function manifestOf(records: ArtifactRecord[], gaps?: EvidenceGap[], incidentId = INCIDENT): Manifest {
  return buildManifest({
    incidentId,
    artifacts: records,
    snapshots: [],
    createdAt: "2026-01-01T00:00:00Z",
    ...(gaps ? { gaps } : {}),
  });
}

/** The manifest object as S3 answers it (versioned, locked, with its hash in metadata). */
function serveManifest(m: Manifest | string, answer: Record<string, unknown> = {}): void {
  s3Mock.on(GetObjectCommand, { Key: MANIFEST_KEY }).callsFake(() => ({
    Body: body(typeof m === "string" ? m : serializeManifest(m)),
    VersionId: "mv1",
    ObjectLockMode: "COMPLIANCE",
    ObjectLockRetainUntilDate: new Date(RETAIN_UNTIL),
    ...(typeof m === "string" ? {} : { Metadata: { "manifest-sha256": m.manifestSha256 } }),
    ...answer,
  }));
}

/** An artifact as archived: same bytes, metadata witness, S3 checksum, its version. */
function serveArtifact(record: ArtifactRecord, content: string, answer: Record<string, unknown> = {}): void {
  s3Mock.on(HeadObjectCommand, { Key: record.key }).resolves({
    ContentLength: Buffer.byteLength(content),
    VersionId: record.versionId,
    ...answer,
  });
  s3Mock.on(GetObjectCommand, { Key: record.key }).callsFake(() => ({
    Body: body(content),
    VersionId: record.versionId,
    ChecksumSHA256: sha256B64(content),
    Metadata: { sha256: sha256Hex(content) },
    ...answer,
  }));
}

function listing(keys: string[]): void {
  s3Mock.on(ListObjectsV2Command).resolves({ Contents: keys.map((Key) => ({ Key, Size: 1 })) });
}

/** ListObjectVersions: the current version of each key (and `extra` older ones of the manifest). */
function versions(latest: Record<string, string>, olderManifests = 0): void {
  s3Mock.on(ListObjectVersionsCommand).resolves({
    Versions: [
      ...Object.entries(latest).map(([Key, VersionId]) => ({ Key, VersionId, IsLatest: true })),
      ...Array.from({ length: olderManifests }, (_, i) => ({
        Key: MANIFEST_KEY,
        VersionId: `old${i}`,
        IsLatest: false,
      })),
    ],
  });
}

const verify = (input: Partial<VerifyIncidentInput> = {}) =>
  verifyIncident(s3, { bucket: "ev", incidentId: INCIDENT, now: () => new Date(CHECKED_AT), ...input });

function item(report: VerifyReport, name: string): VerifyItem {
  const found = report.items.find((i) => i.name === name);
  if (!found) throw new Error(`no item ${name} in ${report.items.map((i) => i.name).join(", ")}`);
  return found;
}

function counts(nonZero: Partial<VerifyReport["counts"]>): VerifyReport["counts"] {
  return {
    ok: 0,
    mismatch: 0,
    missing: 0,
    replaced: 0,
    "awaiting-restore": 0,
    "restore-requested": 0,
    unexpected: 0,
    error: 0,
    ...nonZero,
  };
}

/** The item of an artifact read back intact. */
function okItem(record: ArtifactRecord): VerifyItem {
  return {
    name: record.name,
    key: record.key,
    expected: record.sha256,
    storageClass: "STANDARD",
    versionId: record.versionId as string,
    status: "ok",
    actual: record.sha256,
    detail: "SHA-256 matches manifest, metadata, S3 checksum",
  };
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error("it did not reject");
}

beforeEach(() => {
  s3Mock.reset();
  s3Mock.on(HeadObjectCommand).rejects(sdkError("NotFound", 404));
  s3Mock.on(GetObjectCommand).rejects(sdkError("NoSuchKey", 404));
  listing([]);
  versions({ [MANIFEST_KEY]: "mv1" });
});

afterEach(() => {
  vi.useRealTimers();
});

describe("verifyIncident: the whole report", () => {
  it("reports an intact incident item by item, with the manifest's summary", async () => {
    const m = manifestOf([a, b]);
    serveManifest(m);
    serveArtifact(a, "AAA");
    serveArtifact(b, "BBB");
    listing([MANIFEST_KEY, a.key, b.key, `${PREFIX}artifacts/planted.sh`]);

    const report = await verify();

    expect(report).toStrictEqual({
      incidentId: INCIDENT,
      bucket: "ev",
      ok: true,
      checkedAt: CHECKED_AT,
      manifest: {
        key: MANIFEST_KEY,
        versionId: "mv1",
        manifestSha256: m.manifestSha256,
        createdAt: "2026-01-01T00:00:00.000Z",
        artifacts: 2,
        snapshots: 0,
        retention: { mode: "COMPLIANCE", retainUntil: RETAIN_UNTIL },
        versions: 1,
      },
      items: [
        {
          name: "manifest.json",
          key: MANIFEST_KEY,
          status: "ok",
          expected: m.manifestSha256,
          actual: m.manifestSha256,
          versionId: "mv1",
          detail: `manifest intact: 2 artifact(s), 0 snapshot(s), COMPLIANCE until ${RETAIN_UNTIL}`,
        },
        okItem(a),
        okItem(b),
        {
          name: "artifacts/planted.sh",
          key: `${PREFIX}artifacts/planted.sh`,
          status: "unexpected",
          detail: "not in the manifest (1 bytes)",
        },
      ],
      counts: counts({ ok: 3, unexpected: 1 }),
      warnings: ["1 object(s) under the incident prefix are not in the manifest"],
    });
  });

  it("says when it checked, by the clock, when given none", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(new Date("2031-05-05T05:05:05Z"));
    serveManifest(manifestOf([]));

    const report = await verify({ now: undefined });

    expect(report.checkedAt).toBe("2031-05-05T05:05:05.000Z");
  });

  it("says where the manifest should be when there is none, and verifies nothing", async () => {
    listing([a.key]);

    const report = await verify();

    expect(report).toStrictEqual({
      incidentId: INCIDENT,
      bucket: "ev",
      ok: false,
      checkedAt: CHECKED_AT,
      items: [
        {
          name: "manifest.json",
          key: MANIFEST_KEY,
          status: "missing",
          detail: `no manifest at s3://ev/${MANIFEST_KEY}: nothing can be verified`,
        },
        {
          name: "artifacts/a.json",
          key: a.key,
          status: "unexpected",
          detail: "not in the manifest (1 bytes)",
        },
      ],
      counts: counts({ missing: 1, unexpected: 1 }),
      warnings: ["1 object(s) under the incident prefix are not in the manifest"],
    });
  });

  it("names the pinned version of a manifest that is gone", async () => {
    const report = await verify({ pin: { manifestVersionId: "mv-gone" } });

    expect(report.items).toStrictEqual([
      {
        name: "manifest.json",
        key: MANIFEST_KEY,
        status: "missing",
        versionId: "mv-gone",
        detail: `no manifest at s3://ev/${MANIFEST_KEY} (version mv-gone, pinned by the incident record): nothing can be verified`,
      },
    ]);
    expect(report.ok).toBe(false);
  });

  it("says why a manifest does not validate, and which version it read", async () => {
    serveManifest("[]");

    const report = await verify();

    expect(report.items).toStrictEqual([
      {
        name: "manifest.json",
        key: MANIFEST_KEY,
        status: "mismatch",
        versionId: "mv1",
        detail: "manifest does not validate: (root): Invalid input: expected object, received array",
      },
    ]);
    expect(report.ok).toBe(false);
    expect(report.manifest).toBeUndefined();
  });

  it("leaves the version out of an invalid manifest's item when S3 gave none", async () => {
    serveManifest("nope", { VersionId: undefined });

    const report = await verify();

    expect(Object.keys(item(report, "manifest.json"))).toStrictEqual(["name", "key", "status", "detail"]);
  });
});

describe("verifyIncident: what makes the manifest wrong", () => {
  it("refuses a manifest of another incident whose stored hash metadata also differs, saying both", async () => {
    const other = manifestOf([], undefined, "inc-other");
    serveManifest(other, { Metadata: { "manifest-sha256": "f".repeat(64) } });

    const report = await verify();

    expect(item(report, "manifest.json")).toStrictEqual({
      name: "manifest.json",
      key: MANIFEST_KEY,
      status: "mismatch",
      expected: other.manifestSha256,
      actual: other.manifestSha256,
      versionId: "mv1",
      detail: `manifest is for incident inc-other; object metadata manifest-sha256 is ${"f".repeat(64)}`,
    });
    expect(report.ok).toBe(false);
  });

  it("refuses a manifest whose content does not match its hash, giving both hashes", async () => {
    const m = manifestOf([]);
    const tampered = { ...m, createdAt: "2026-01-05T00:00:00.000Z" };
    serveManifest(JSON.stringify(tampered), { Metadata: { "manifest-sha256": m.manifestSha256 } });

    const report = await verify();

    expect(item(report, "manifest.json")).toMatchObject({
      status: "mismatch",
      expected: m.manifestSha256,
      detail: "manifestSha256 does not match the manifest's content",
    });
    expect(item(report, "manifest.json").actual).not.toBe(m.manifestSha256);
    expect(report.ok).toBe(false);
  });

  it("takes a manifest without hash metadata, and one without retention, with a warning", async () => {
    serveManifest(manifestOf([]), {
      Metadata: undefined,
      ObjectLockMode: undefined,
      ObjectLockRetainUntilDate: undefined,
    });

    const report = await verify();

    expect(report.ok).toBe(true);
    expect(item(report, "manifest.json").detail).toBe("manifest intact: 0 artifact(s), 0 snapshot(s)");
    expect(report.manifest?.retention).toBeUndefined();
    expect(report.warnings).toStrictEqual([`manifest ${MANIFEST_KEY} is not under Object Lock retention`]);
  });

  it("warns about a retention date without a mode, and says '?' for a mode without a date", async () => {
    serveManifest(manifestOf([]), { ObjectLockMode: undefined });
    const dateOnly = await verify();
    serveManifest(manifestOf([]), { ObjectLockRetainUntilDate: undefined });
    const modeOnly = await verify();

    expect(dateOnly.warnings).toStrictEqual([`manifest ${MANIFEST_KEY} is not under Object Lock retention`]);
    expect(item(dateOnly, "manifest.json").detail).toBe("manifest intact: 0 artifact(s), 0 snapshot(s)");
    expect(modeOnly.warnings).toStrictEqual([]);
    expect(item(modeOnly, "manifest.json").detail).toBe(
      "manifest intact: 0 artifact(s), 0 snapshot(s), COMPLIANCE until ?",
    );
  });

  it("warns about each gap the manifest records, without failing", async () => {
    serveManifest(
      manifestOf(
        [],
        [
          { step: "snapshots", status: "failed", detail: "UnauthorizedOperation" },
          { step: "artifacts", status: "partial", detail: "console: throttled" },
        ],
      ),
    );

    const report = await verify();

    expect(report.ok).toBe(true);
    expect(report.warnings).toStrictEqual([
      "incomplete evidence: artifacts partial when the manifest was written: console: throttled",
      "incomplete evidence: snapshots failed when the manifest was written: UnauthorizedOperation",
    ]);
  });
});

describe("verifyIncident: the manifest's versions", () => {
  it("counts no version for a manifest key the version listing does not show", async () => {
    serveManifest(manifestOf([]));
    versions({});

    const report = await verify();

    expect(report.manifest?.versions).toBe(0);
    expect(report.warnings).toStrictEqual([]);
  });

  it("warns, and still verifies, when the versions cannot be listed and nothing is pinned", async () => {
    serveManifest(manifestOf([]));
    s3Mock.on(ListObjectVersionsCommand).rejects(sdkError("AccessDenied", 403));

    const report = await verify();

    expect(report.ok).toBe(true);
    expect(report.manifest?.versions).toBeUndefined();
    expect(report.warnings).toStrictEqual([
      `could not count the manifest's versions: AwsCallError: S3:ListObjectVersions: ${DENIED}`,
    ]);
    expect(report.items.map((i) => i.name)).toStrictEqual(["manifest.json"]);
  });

  it("says which of several versions it verified: the current one", async () => {
    serveManifest(manifestOf([]), { VersionId: "mv2" });
    versions({ [MANIFEST_KEY]: "mv2" }, 1);

    const report = await verify();

    expect(report.manifest?.versions).toBe(2);
    expect(report.warnings).toStrictEqual([
      "manifest has 2 versions; verified the current one mv2 (earlier ones stay locked; pass manifestVersionId to verify another)",
    ]);
  });

  it("says which of several versions it verified: the one asked for", async () => {
    serveManifest(manifestOf([]));
    versions({ [MANIFEST_KEY]: "mv2" }, 2);

    const report = await verify({ manifestVersionId: "mv1" });

    expect(report.warnings).toStrictEqual([
      "manifest has 3 versions; verified version mv1 (earlier ones stay locked; pass manifestVersionId to verify another)",
    ]);
    // Nothing pinned: a later version is no replacement of sealed evidence.
    expect(report.items.map((i) => i.name)).toStrictEqual(["manifest.json"]);
    expect(report.ok).toBe(true);
  });

  it("leaves the version out of the warning when S3 gave none", async () => {
    serveManifest(manifestOf([]), { VersionId: undefined });
    versions({ [MANIFEST_KEY]: "mv2" }, 1);

    const report = await verify();

    expect(report.warnings).toStrictEqual([
      "manifest has 2 versions; verified the current one (earlier ones stay locked; pass manifestVersionId to verify another)",
    ]);
    expect(report.manifest).toStrictEqual({
      key: MANIFEST_KEY,
      manifestSha256: manifestOf([]).manifestSha256,
      createdAt: "2026-01-01T00:00:00.000Z",
      artifacts: 0,
      snapshots: 0,
      retention: { mode: "COMPLIANCE", retainUntil: RETAIN_UNTIL },
      versions: 2,
    });
    expect(Object.keys(item(report, "manifest.json"))).toStrictEqual([
      "name",
      "key",
      "status",
      "expected",
      "actual",
      "detail",
    ]);
  });
});

describe("verifyIncident: against the incident record's pins", () => {
  const m = manifestOf([a]);
  const signature: ManifestSignature = {
    status: "signed",
    keyId: "arn:key",
    algorithm: "ECDSA_SHA_256",
    signature: "c2ln",
    digest: m.manifestSha256,
    signedAt: "2026-01-01T00:01:00.000Z",
  };
  const answering = (check: SignatureCheck): SignatureVerifier => ({ verify: async () => check });
  const valid = answering({ status: "valid", keyId: "arn:key" });
  const pin: EvidencePin = { manifestVersionId: "mv1", manifestSha256: m.manifestSha256, signature };

  beforeEach(() => {
    serveManifest(m);
    s3Mock
      .on(HeadObjectCommand, { Key: a.key, VersionId: a.versionId })
      .resolves({ ContentLength: 3, VersionId: a.versionId });
    s3Mock.on(GetObjectCommand, { Key: a.key, VersionId: a.versionId }).callsFake(() => ({
      Body: body("AAA"),
      VersionId: a.versionId,
      ChecksumSHA256: sha256B64("AAA"),
      Metadata: { sha256: a.sha256 },
    }));
    versions({ [MANIFEST_KEY]: "mv1", [a.key]: a.versionId as string });
  });

  it("reports a pinned, signed, untouched incident whole", async () => {
    listing([MANIFEST_KEY, a.key]);

    const report = await verify({ pin, signatures: valid });

    expect(report).toStrictEqual({
      incidentId: INCIDENT,
      bucket: "ev",
      ok: true,
      checkedAt: CHECKED_AT,
      manifest: {
        key: MANIFEST_KEY,
        versionId: "mv1",
        manifestSha256: m.manifestSha256,
        createdAt: "2026-01-01T00:00:00.000Z",
        artifacts: 1,
        snapshots: 0,
        retention: { mode: "COMPLIANCE", retainUntil: RETAIN_UNTIL },
        pinned: "pinned",
        signature: { status: "valid", detail: "signature valid (ECDSA_SHA_256, key arn:key)" },
        versions: 1,
      },
      items: [
        {
          name: "manifest.json",
          key: MANIFEST_KEY,
          status: "ok",
          expected: m.manifestSha256,
          actual: m.manifestSha256,
          versionId: "mv1",
          detail: `manifest intact, SHA-256 as recorded on the incident, signature valid: 1 artifact(s), 0 snapshot(s), COMPLIANCE until ${RETAIN_UNTIL}`,
        },
        okItem(a),
      ],
      counts: counts({ ok: 2 }),
      warnings: [],
    });
  });

  it("reads the pinned manifest version even when asked for another", async () => {
    await verify({ pin, signatures: valid, manifestVersionId: "mv9" });

    expect(s3Mock.commandCalls(GetObjectCommand, { Key: MANIFEST_KEY })[0]?.args[0].input.VersionId).toBe(
      "mv1",
    );
  });

  it("reads the version asked for when the record pins none, and says the manifest is unpinned", async () => {
    const report = await verify({ pin: { manifestSha256: m.manifestSha256 }, manifestVersionId: "mv1" });

    expect(s3Mock.commandCalls(GetObjectCommand, { Key: MANIFEST_KEY })[0]?.args[0].input.VersionId).toBe(
      "mv1",
    );
    expect(report.manifest?.pinned).toBe("unpinned");
    expect(report.ok).toBe(true);
    expect(item(report, "manifest.json").detail).toBe(
      `manifest intact, SHA-256 as recorded on the incident: 1 artifact(s), 0 snapshot(s), COMPLIANCE until ${RETAIN_UNTIL}`,
    );
    expect(report.warnings).toStrictEqual([
      "the incident record pins no manifest version (sealed before version pinning): the current version was verified, and anyone who can write to the bucket could have replaced it",
      "manifest signature absent: the incident record holds no manifest signature (sealed before signing)",
    ]);
  });

  it("expects the SHA-256 the record holds, and says it is not the manifest's", async () => {
    const recorded = "e".repeat(64);

    const report = await verify({ pin: { ...pin, manifestSha256: recorded }, signatures: valid });

    expect(item(report, "manifest.json")).toStrictEqual({
      name: "manifest.json",
      key: MANIFEST_KEY,
      status: "mismatch",
      expected: recorded,
      actual: m.manifestSha256,
      versionId: "mv1",
      detail: `manifest SHA-256 ${m.manifestSha256} is not the ${recorded} recorded on the incident when it was sealed`,
    });
    expect(report.ok).toBe(false);
  });

  it("expects the manifest's own SHA-256 when the record holds none", async () => {
    const { manifestSha256: _none, ...noSha } = pin;

    const report = await verify({ pin: noSha, signatures: valid });

    expect(item(report, "manifest.json")).toMatchObject({
      status: "ok",
      expected: m.manifestSha256,
      detail: `manifest intact, signature valid: 1 artifact(s), 0 snapshot(s), COMPLIANCE until ${RETAIN_UNTIL}`,
    });
  });

  it("fails on a signature that does not verify, saying why", async () => {
    const report = await verify({
      pin,
      signatures: answering({ status: "invalid", reason: "does not match" }),
    });

    expect(report.ok).toBe(false);
    expect(item(report, "manifest.json")).toMatchObject({
      status: "mismatch",
      detail: "signature invalid: does not match",
    });
    expect(report.manifest?.signature).toStrictEqual({
      status: "invalid",
      detail: "signature invalid: does not match",
    });
    expect(report.warnings).toStrictEqual([]);
  });

  it("warns, without failing, when the signature could not be checked", async () => {
    const report = await verify({ pin });

    expect(report.ok).toBe(true);
    expect(report.warnings).toStrictEqual([
      "manifest signature unsupported: no signature verifier: the signature was not checked",
    ]);
    expect(item(report, "manifest.json").detail).toBe(
      `manifest intact, SHA-256 as recorded on the incident: 1 artifact(s), 0 snapshot(s), COMPLIANCE until ${RETAIN_UNTIL}`,
    );
  });

  it("says a later manifest version was written over the sealed one", async () => {
    versions({ [MANIFEST_KEY]: "mv2", [a.key]: a.versionId as string }, 1);

    const report = await verify({ pin, signatures: valid });

    expect(report.warnings).toStrictEqual([
      "manifest has 2 versions; verified the pinned mv1 (earlier ones stay locked; pass manifestVersionId to verify another)",
    ]);
    expect(report.items.slice(0, 2)).toStrictEqual([
      expect.objectContaining({ name: "manifest.json", status: "ok" }),
      {
        name: "manifest.json (current version)",
        key: MANIFEST_KEY,
        status: "replaced",
        detail: "a later version mv2 was written over the sealed version mv1",
      },
    ]);
    expect(report.ok).toBe(false);
  });

  it("says an intact sealed artifact was replaced since, keeping what was found of the sealed version", async () => {
    versions({ [MANIFEST_KEY]: "mv1", [a.key]: "v-attacker" });

    const report = await verify({ pin, signatures: valid });

    expect(item(report, "a.json")).toStrictEqual({
      ...okItem(a),
      status: "replaced",
      detail: `a later version v-attacker was written over the sealed version ${a.versionId} (the sealed version itself: SHA-256 matches manifest, metadata, S3 checksum)`,
    });
    expect(report.counts).toStrictEqual(counts({ ok: 1, replaced: 1 }));
    expect(report.ok).toBe(false);
  });

  it("adds the replacement to what is already wrong with an artifact", async () => {
    versions({ [MANIFEST_KEY]: "mv1", [a.key]: "v-attacker" });
    s3Mock
      .on(HeadObjectCommand, { Key: a.key, VersionId: a.versionId })
      .rejects(sdkError("NoSuchVersion", 404));

    const report = await verify({ pin, signatures: valid });

    expect(item(report, "a.json")).toStrictEqual({
      name: "a.json",
      key: a.key,
      expected: a.sha256,
      status: "missing",
      detail: `not in the bucket (deleted or never written); a later version v-attacker was written over the sealed version ${a.versionId}`,
    });
  });

  it("fails with an error item when the versions cannot be listed", async () => {
    s3Mock.on(ListObjectVersionsCommand).rejects(sdkError("AccessDenied", 403));

    const report = await verify({ pin, signatures: valid });

    expect(report.items).toStrictEqual([
      expect.objectContaining({ name: "manifest.json", status: "ok" }),
      {
        name: "(versions)",
        key: PREFIX,
        status: "error",
        detail: `could not list the versions under the incident prefix, so cannot tell whether anything was written over the sealed evidence: AwsCallError: S3:ListObjectVersions: ${DENIED}`,
      },
      okItem(a),
    ]);
    expect(report.ok).toBe(false);
  });

  it("fails with an error item when the versions cannot be listed and the pinned manifest is gone", async () => {
    s3Mock.on(ListObjectVersionsCommand).rejects(sdkError("AccessDenied", 403));
    s3Mock.on(GetObjectCommand, { Key: MANIFEST_KEY }).rejects(sdkError("NoSuchVersion", 404));

    const report = await verify({ pin: { ...pin, manifestVersionId: "mv-gone" }, signatures: valid });

    expect(report.items.map((i) => [i.name, i.status])).toStrictEqual([
      ["manifest.json", "missing"],
      ["(versions)", "error"],
    ]);
  });

  it("does not look for replacements when nothing is pinned", async () => {
    versions({ [MANIFEST_KEY]: "mv1", [a.key]: "v-attacker" });
    serveArtifact(a, "AAA");

    const report = await verify({ pinVersions: true });

    expect(item(report, "a.json")).toStrictEqual(okItem(a));
    expect(report.ok).toBe(true);
  });
});

describe("verifyIncident: one artifact", () => {
  beforeEach(() => {
    serveManifest(manifestOf([a]));
  });

  it("says an artifact that is gone may still be retained at its archived version", async () => {
    const report = await verify();

    expect(item(report, "a.json")).toStrictEqual({
      name: "a.json",
      key: a.key,
      expected: a.sha256,
      status: "missing",
      detail: `not in the bucket (deleted or never written); the archived version ${a.versionId} may still be retained (verify with pinVersions)`,
    });
  });

  it("says only that it is gone when its version was looked for, or none was recorded", async () => {
    const pinned = await verify({ pinVersions: true });
    const { versionId: _none, ...unversioned } = a;
    serveManifest(manifestOf([unversioned]));
    const unrecorded = await verify();

    expect(item(pinned, "a.json").detail).toBe("not in the bucket (deleted or never written)");
    expect(item(unrecorded, "a.json").detail).toBe("not in the bucket (deleted or never written)");
  });

  it("reads an artifact as it stands, not at its recorded version, when versions are not pinned", async () => {
    serveArtifact(a, "AAA");

    await verify();

    expect(s3Mock.commandCalls(HeadObjectCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: "ev", Key: a.key },
    ]);
    expect(s3Mock.commandCalls(GetObjectCommand, { Key: a.key }).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: "ev", Key: a.key, ChecksumMode: "ENABLED" },
    ]);
  });

  it("asks for an artifact as it stands when no version was recorded, even with pinVersions", async () => {
    const { versionId: _none, ...unversioned } = a;
    serveManifest(manifestOf([unversioned]));
    serveArtifact(unversioned, "AAA", { VersionId: undefined });

    const report = await verify({ pinVersions: true });

    expect(s3Mock.commandCalls(HeadObjectCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: "ev", Key: a.key },
    ]);
    expect(s3Mock.commandCalls(GetObjectCommand, { Key: a.key }).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: "ev", Key: a.key, ChecksumMode: "ENABLED" },
    ]);
    expect(item(report, "a.json")).toStrictEqual({
      name: "a.json",
      key: a.key,
      expected: a.sha256,
      storageClass: "STANDARD",
      status: "ok",
      actual: a.sha256,
      detail: "SHA-256 matches manifest, metadata, S3 checksum",
    });
  });

  it("turns a refused HeadObject into an error item", async () => {
    s3Mock.on(HeadObjectCommand, { Key: a.key }).rejects(sdkError("AccessDenied", 403));

    const report = await verify();

    expect(item(report, "a.json")).toStrictEqual({
      name: "a.json",
      key: a.key,
      expected: a.sha256,
      status: "error",
      detail: `AwsCallError: S3:HeadObject: ${DENIED}`,
    });
    expect(report.ok).toBe(false);
  });

  it("says the version GetObject read, over the one HeadObject saw", async () => {
    serveArtifact(a, "AAA");
    s3Mock.on(HeadObjectCommand, { Key: a.key }).resolves({ ContentLength: 3, VersionId: "v-head" });

    const report = await verify();

    expect(item(report, "a.json").versionId).toBe(a.versionId);
  });

  it("takes the artifact with only its bytes, noting every witness S3 did not give", async () => {
    s3Mock.on(HeadObjectCommand, { Key: a.key }).resolves({});
    s3Mock.on(GetObjectCommand, { Key: a.key }).callsFake(() => ({ Body: body("AAA") }));

    const report = await verify();

    expect(item(report, "a.json")).toStrictEqual({
      name: "a.json",
      key: a.key,
      expected: a.sha256,
      storageClass: "STANDARD",
      status: "ok",
      actual: a.sha256,
      detail: "SHA-256 matches manifest; metadata sha256 absent; S3 returned no SHA-256 checksum",
    });
  });

  it("reports a GLACIER artifact of another size as a mismatch without reading it", async () => {
    serveArtifact(a, "AAAA", { StorageClass: "GLACIER" });

    const report = await verify();

    expect(item(report, "a.json")).toStrictEqual({
      name: "a.json",
      key: a.key,
      expected: a.sha256,
      storageClass: "GLACIER",
      versionId: a.versionId,
      status: "mismatch",
      detail: "size 4, manifest says 3",
    });
    expect(s3Mock.commandCalls(GetObjectCommand, { Key: a.key })).toHaveLength(0);
  });

  it("reports a GLACIER artifact whose size S3 does not say as awaiting restore", async () => {
    s3Mock.on(HeadObjectCommand, { Key: a.key }).resolves({ StorageClass: "DEEP_ARCHIVE" });

    const report = await verify();

    expect(item(report, "a.json")).toStrictEqual({
      name: "a.json",
      key: a.key,
      expected: a.sha256,
      storageClass: "DEEP_ARCHIVE",
      status: "awaiting-restore",
      detail: "DEEP_ARCHIVE: unreadable until restored; verify again with restore requested",
    });
  });

  it("reads a GLACIER_IR artifact: it needs no restore", async () => {
    serveArtifact(a, "AAA", { StorageClass: "GLACIER_IR" });

    const report = await verify();

    expect(item(report, "a.json")).toStrictEqual({ ...okItem(a), storageClass: "GLACIER_IR" });
  });

  it("restores for seven days unless told otherwise", async () => {
    serveArtifact(a, "AAA", { StorageClass: "GLACIER" });
    s3Mock.on(RestoreObjectCommand).resolves({});

    const report = await verify({ restore: true });

    expect(s3Mock.commandCalls(RestoreObjectCommand)[0]?.args[0].input.RestoreRequest?.Days).toBe(7);
    expect(item(report, "a.json").detail).toBe(
      "GLACIER: restore requested (Standard, 7 days); verify again once restored",
    );
  });

  it("restores for 1 to 30 000 days", async () => {
    serveArtifact(a, "AAA", { StorageClass: "GLACIER" });
    s3Mock.on(RestoreObjectCommand).resolves({});

    await verify({ restore: true, restoreDays: 1 });
    await verify({ restore: true, restoreDays: 30_000 });

    expect(
      s3Mock.commandCalls(RestoreObjectCommand).map((c) => c.args[0].input.RestoreRequest?.Days),
    ).toStrictEqual([1, 30_000]);
  });

  it("refuses any other number of restore days, saying what it got, before any call", async () => {
    for (const restoreDays of [0, 30_001, 2.5]) {
      const err = await rejection(verify({ restoreDays }));
      expect(err).toBeInstanceOf(InvalidEvidenceInputError);
      expect(err.message).toBe(`restoreDays: must be an integer ≥ 1, got ${restoreDays}`);
    }
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("refuses an empty bucket name", async () => {
    const err = await rejection(verify({ bucket: "" }));

    expect(err).toBeInstanceOf(InvalidEvidenceInputError);
    expect(err.message).toBe("bucket: required");
  });

  it("takes an object GetObject finds archived for one awaiting restore", async () => {
    serveArtifact(a, "AAA");
    s3Mock.on(GetObjectCommand, { Key: a.key }).rejects(sdkError("InvalidObjectState", 403));

    const report = await verify();

    expect(item(report, "a.json")).toStrictEqual({
      name: "a.json",
      key: a.key,
      expected: a.sha256,
      storageClass: "STANDARD",
      versionId: a.versionId,
      status: "awaiting-restore",
      detail: "STANDARD: unreadable until restored; verify again with restore requested",
    });
  });

  it("says an object that disappears between HeadObject and GetObject is missing", async () => {
    serveArtifact(a, "AAA");
    s3Mock.on(GetObjectCommand, { Key: a.key }).rejects(sdkError("NoSuchKey", 404));

    const report = await verify({ pinVersions: true });

    expect(item(report, "a.json")).toStrictEqual({
      name: "a.json",
      key: a.key,
      expected: a.sha256,
      status: "missing",
      detail: "disappeared while being verified",
    });
  });

  it("turns a refused GetObject into an error item", async () => {
    serveArtifact(a, "AAA");
    s3Mock.on(GetObjectCommand, { Key: a.key }).rejects(sdkError("AccessDenied", 403));

    const report = await verify();

    expect(item(report, "a.json")).toStrictEqual({
      name: "a.json",
      key: a.key,
      expected: a.sha256,
      storageClass: "STANDARD",
      versionId: a.versionId,
      status: "error",
      detail: `AwsCallError: S3:GetObject: ${DENIED}`,
    });
  });

  it("says bytes that fail S3's checksum do not match it", async () => {
    serveArtifact(a, "AAA");
    s3Mock
      .on(GetObjectCommand, { Key: a.key })
      .callsFake(() => ({ Body: failingAfter("AAA", "Checksum mismatch: x") }));

    const report = await verify();

    expect(item(report, "a.json")).toStrictEqual({
      name: "a.json",
      key: a.key,
      expected: a.sha256,
      storageClass: "STANDARD",
      versionId: a.versionId,
      status: "mismatch",
      detail: "bytes read do not match S3's stored checksum: Checksum mismatch: x",
    });
  });

  it("turns a body that fails otherwise into an error item", async () => {
    serveArtifact(a, "AAA");
    s3Mock
      .on(GetObjectCommand, { Key: a.key })
      .callsFake(() => ({ Body: failingAfter("AAA", "socket hang up") }));

    const report = await verify();

    expect(item(report, "a.json")).toMatchObject({
      status: "error",
      detail: "AwsCallError: S3:GetObject: socket hang up",
    });
  });

  it("notes a multipart artifact whose part size it does not know", async () => {
    const content = "0123456789abcdefghij";
    const hash = hashBuffer(content, { partSize: 8 });
    const big = aRecord("big.bin", content, { partCount: 3, s3Checksum: undefined });
    serveManifest(manifestOf([big]));
    serveArtifact(big, content, { ChecksumSHA256: `${hash.compositeSha256}-3` });

    const report = await verify();

    expect(item(report, "big.bin")).toMatchObject({
      status: "ok",
      detail:
        "SHA-256 matches manifest, metadata, S3 checksum; S3 composite checksum not checked (part size unknown)",
    });
  });
});

describe("verifyIncident: the tag witness", () => {
  const tagged = aRecord("t.bin", "TTT", { sha256Witness: "tag" });

  beforeEach(() => {
    serveManifest(manifestOf([tagged]));
    serveArtifact(tagged, "TTT", { Metadata: {} });
  });

  it("reads the tag of the version it read", async () => {
    s3Mock.on(GetObjectTaggingCommand).resolves({
      TagSet: [
        { Key: "other", Value: "x" },
        { Key: "sha256", Value: tagged.sha256 },
      ],
    });

    const report = await verify();

    expect(s3Mock.commandCalls(GetObjectTaggingCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: "ev", Key: tagged.key, VersionId: tagged.versionId },
    ]);
    expect(item(report, "t.bin").detail).toBe("SHA-256 matches manifest, tag, S3 checksum");
  });

  it("reads the tag of the object as it stands when S3 gave no version", async () => {
    serveArtifact(tagged, "TTT", { Metadata: {}, VersionId: undefined });
    s3Mock.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: "sha256", Value: tagged.sha256 }] });

    await verify();

    expect(s3Mock.commandCalls(GetObjectTaggingCommand).map((c) => c.args[0].input)).toStrictEqual([
      { Bucket: "ev", Key: tagged.key },
    ]);
  });

  it("notes a tag that is gone, whether the object has no tags or not that one", async () => {
    s3Mock.on(GetObjectTaggingCommand).resolves({});
    const noTags = await verify();
    s3Mock.on(GetObjectTaggingCommand).resolves({ TagSet: [{ Key: "other", Value: tagged.sha256 }] });
    const otherTag = await verify();

    for (const report of [noTags, otherTag]) {
      expect(item(report, "t.bin")).toMatchObject({
        status: "ok",
        detail: "SHA-256 matches manifest, S3 checksum; tag sha256 has been removed",
      });
    }
  });

  it("does without the tag where tagging is not implemented", async () => {
    s3Mock.on(GetObjectTaggingCommand).rejects(sdkError("NotImplemented", 501));

    const report = await verify();

    expect(item(report, "t.bin")).toMatchObject({
      status: "ok",
      detail: "SHA-256 matches manifest, S3 checksum",
    });
  });

  it("turns a refused tag read into an error item", async () => {
    s3Mock.on(GetObjectTaggingCommand).rejects(sdkError("AccessDenied", 403));

    const report = await verify();

    expect(item(report, "t.bin")).toStrictEqual({
      name: "t.bin",
      key: tagged.key,
      expected: tagged.sha256,
      storageClass: "STANDARD",
      versionId: tagged.versionId,
      status: "error",
      detail: `AwsCallError: S3:GetObjectTagging: ${DENIED}`,
    });
  });
});

describe("verifyIncident: the verdict and the listing", () => {
  it("fails with an error item when the incident prefix cannot be listed", async () => {
    serveManifest(manifestOf([]));
    s3Mock.on(ListObjectsV2Command).rejects(sdkError("AccessDenied", 403));

    const report = await verify();

    expect(report.items.slice(1)).toStrictEqual([
      {
        name: "(listing)",
        key: PREFIX,
        status: "error",
        detail: `could not list the incident prefix: AwsCallError: S3:ListObjectsV2: ${DENIED}`,
      },
    ]);
    expect(report.counts).toStrictEqual(counts({ ok: 1, error: 1 }));
    expect(report.ok).toBe(false);
  });

  it("fails when one artifact of several is not ok", async () => {
    serveManifest(manifestOf([a, b]));
    serveArtifact(a, "AAA");
    serveArtifact(b, "BBB", { StorageClass: "GLACIER" });

    const report = await verify();

    expect(report.counts).toStrictEqual(counts({ ok: 2, "awaiting-restore": 1 }));
    expect(report.ok).toBe(false);
  });

  it("verifies one artifact after the other when asked to, and two at a time by default", async () => {
    serveManifest(manifestOf([a, b]));
    serveArtifact(a, "AAA");
    serveArtifact(b, "BBB");
    const artifactCalls = () =>
      s3Mock
        .calls()
        .map((c) => c.args[0])
        .filter((cmd) => cmd instanceof HeadObjectCommand || cmd instanceof GetObjectCommand)
        .map((cmd) => `${cmd.constructor.name.replace("Command", "")} ${(cmd.input as { Key: string }).Key}`)
        .filter((call) => !call.endsWith("manifest.json"));

    await verify({ concurrency: 1 });
    const oneAtATime = artifactCalls();
    s3Mock.resetHistory();
    await verify();
    const twoAtATime = artifactCalls();

    expect(oneAtATime).toStrictEqual([
      `HeadObject ${a.key}`,
      `GetObject ${a.key}`,
      `HeadObject ${b.key}`,
      `GetObject ${b.key}`,
    ]);
    expect(twoAtATime.slice(0, 2)).toStrictEqual([`HeadObject ${a.key}`, `HeadObject ${b.key}`]);
  });
});

/** A body that gives `content`, then fails with `message`. */
function failingAfter(content: string, message: string): Readable {
  let sent = false;
  return new Readable({
    read() {
      if (sent) this.destroy(new Error(message));
      else this.push(Buffer.from(content));
      sent = true;
    },
  });
}
