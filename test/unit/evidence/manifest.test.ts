import { HeadObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { EvidenceIntegrityError, InvalidEvidenceInputError } from "../../../shared/evidence/errors.ts";
import {
  buildManifest,
  canonicalJson,
  isManifestIntact,
  manifestDigest,
  serializeManifest,
  writeManifest,
} from "../../../shared/evidence/manifest.ts";
import { ManifestSchema } from "../../../shared/evidence/manifest-schema.ts";
import { aRecord, INCIDENT, sdkError, sha256B64 } from "./builders.ts";

const snapshots = [
  {
    snapshotId: "snap-0b",
    volumeId: "vol-2",
    state: "completed",
    tags: { IncidentId: INCIDENT, B: "2", A: "1" },
  },
  {
    snapshotId: "snap-0a",
    volumeId: "vol-1",
    deviceName: "/dev/xvda",
    state: "completed",
    startTime: new Date("2026-01-01T00:00:00Z"),
    tags: [
      { Key: "IncidentId", Value: INCIDENT },
      { Key: "Name", Value: "root" },
    ],
  },
];
const artifacts = [aRecord("b.json"), aRecord("a.json"), aRecord("net/eni.json"), aRecord("console.txt")];

describe("canonicalJson", () => {
  it("sorts keys at every level and drops undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 0, y: undefined }], c: "x" } })).toBe(
      '{"a":{"c":"x","d":[1,{"z":0}]},"b":1}',
    );
  });

  it("gives the same string whatever the order keys were set in", () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
      }),
    );
  });

  it("refuses values JSON cannot carry faithfully", () => {
    expect(() => canonicalJson({ at: new Date(0) })).toThrow(TypeError);
    expect(() => canonicalJson(Number.NaN)).toThrow(TypeError);
  });
});

describe("buildManifest", () => {
  it("gives the same manifest and hash whatever the order of its inputs", () => {
    fc.assert(
      fc.property(
        fc.shuffledSubarray(artifacts, { minLength: artifacts.length }),
        fc.shuffledSubarray(snapshots, { minLength: snapshots.length }),
        (shuffledArtifacts, shuffledSnapshots) => {
          const a = buildManifest({
            incidentId: INCIDENT,
            artifacts,
            snapshots,
            createdAt: "2026-01-02T00:00:00Z",
          });
          const b = buildManifest({
            incidentId: INCIDENT,
            artifacts: shuffledArtifacts,
            snapshots: shuffledSnapshots,
            createdAt: new Date("2026-01-02T00:00:00Z"),
          });
          expect(b).toEqual(a);
          expect(serializeManifest(b)).toBe(serializeManifest(a));
        },
      ),
    );
  });

  it("sorts artifacts by name and snapshots by id, and normalises tags and dates", () => {
    const m = buildManifest({
      incidentId: INCIDENT,
      artifacts,
      snapshots,
      createdAt: "2026-01-02T01:00:00+01:00",
    });

    expect(m.artifacts.map((a) => a.name)).toEqual(["a.json", "b.json", "console.txt", "net/eni.json"]);
    expect(m.snapshots.map((s) => s.snapshotId)).toEqual(["snap-0a", "snap-0b"]);
    expect(m.snapshots[0]).toMatchObject({
      startTime: "2026-01-01T00:00:00.000Z",
      tags: { IncidentId: INCIDENT, Name: "root" },
    });
    expect(Object.keys(m.snapshots[1]?.tags ?? {})).toEqual(["A", "B", "IncidentId"]);
    expect(m.createdAt).toBe("2026-01-02T00:00:00.000Z");
  });

  it("hashes the canonical JSON of everything but the hash itself", () => {
    const m = buildManifest({
      incidentId: INCIDENT,
      artifacts,
      snapshots,
      createdAt: "2026-01-02T00:00:00Z",
    });

    expect(m.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(isManifestIntact(m)).toBe(true);
    expect(manifestDigest({ ...m, createdAt: "2026-01-03T00:00:00.000Z" })).not.toBe(m.manifestSha256);
    expect(isManifestIntact({ ...m, artifacts: m.artifacts.slice(1) })).toBe(false);
  });

  it("records the planned evidence that is missing, sorted, under the hash; none means no field", () => {
    const gaps = [
      { step: "snapshots", status: "failed", detail: "UnauthorizedOperation" },
      { step: "artifacts", status: "partial", detail: "console: throttled" },
    ];
    const m = buildManifest({
      incidentId: INCIDENT,
      artifacts,
      snapshots: [],
      createdAt: "2026-01-02T00:00:00Z",
      gaps,
    });

    expect(m.gaps?.map((g) => g.step)).toEqual(["artifacts", "snapshots"]);
    expect(ManifestSchema.parse(JSON.parse(serializeManifest(m)))).toEqual(m);
    expect(isManifestIntact({ ...m, gaps: [] })).toBe(false);
    const complete = buildManifest({
      incidentId: INCIDENT,
      artifacts,
      snapshots,
      createdAt: "2026-01-02T00:00:00Z",
      gaps: [],
    });
    expect("gaps" in complete).toBe(false);
  });

  it("produces a manifest the strict schema accepts, and the schema refuses unknown keys", () => {
    const m = buildManifest({
      incidentId: INCIDENT,
      artifacts,
      snapshots,
      createdAt: "2026-01-02T00:00:00Z",
    });

    expect(ManifestSchema.parse(JSON.parse(serializeManifest(m)))).toEqual(m);
    expect(ManifestSchema.safeParse({ ...m, extra: 1 }).success).toBe(false);
    expect(ManifestSchema.safeParse({ ...m, artifacts: [{ ...artifacts[0], extra: 1 }] }).success).toBe(
      false,
    );
  });

  it("refuses duplicate names, keys of another incident and invalid records", () => {
    const build = (a: typeof artifacts) =>
      buildManifest({ incidentId: INCIDENT, artifacts: a, snapshots: [], createdAt: "2026-01-02T00:00:00Z" });

    expect(() => build([aRecord("a.json"), aRecord("a.json", "other")])).toThrow(/duplicate artifact/);
    expect(() => build([aRecord("a.json", "x", { key: "incidents/inc-other/artifacts/a.json" })])).toThrow(
      InvalidEvidenceInputError,
    );
    expect(() => build([aRecord("a.json", "x", { sha256: "NOT-HEX" })])).toThrow(/artifacts\[0\]\.sha256/);
    expect(() =>
      buildManifest({ incidentId: "../etc", artifacts: [], snapshots: [], createdAt: new Date() }),
    ).toThrow(InvalidEvidenceInputError);
  });
});

describe("writeManifest", () => {
  const s3 = new S3Client({ region: "us-east-1" });
  const s3Mock = mockClient(s3);
  const manifest = buildManifest({
    incidentId: INCIDENT,
    artifacts,
    snapshots,
    createdAt: "2026-01-02T00:00:00Z",
  });
  const now = () => new Date("2026-02-01T00:00:00Z");

  beforeEach(() => {
    s3Mock.reset();
  });

  function artifactsPresent(): void {
    for (const a of artifacts) {
      s3Mock
        .on(HeadObjectCommand, { Key: a.key })
        .resolves({ ContentLength: a.size, VersionId: a.versionId });
    }
  }

  it("writes manifest.json locked in COMPLIANCE mode, with a checksum S3 verifies, once the artifacts are there", async () => {
    s3Mock
      .on(HeadObjectCommand, { Key: `incidents/${INCIDENT}/manifest.json` })
      .rejects(sdkError("NotFound", 404));
    artifactsPresent();
    s3Mock.on(PutObjectCommand).resolves({ VersionId: "mv1" });

    const result = await writeManifest(s3, {
      bucket: "ev",
      incidentId: INCIDENT,
      manifest,
      kmsKeyId: "alias/evidence",
      retention: { days: 30 },
      now,
    });

    const put = s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(put).toMatchObject({
      Bucket: "ev",
      Key: `incidents/${INCIDENT}/manifest.json`,
      ContentType: "application/json",
      ChecksumAlgorithm: "SHA256",
      ChecksumSHA256: sha256B64(serializeManifest(manifest)),
      ObjectLockMode: "COMPLIANCE",
      ObjectLockRetainUntilDate: new Date("2026-03-03T00:00:00Z"),
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: "alias/evidence",
      Metadata: { "manifest-sha256": manifest.manifestSha256 },
    });
    expect(result).toMatchObject({
      outcome: "written",
      versionId: "mv1",
      retention: { mode: "COMPLIANCE", retainUntil: "2026-03-03T00:00:00.000Z" },
    });
  });

  it("does not write the same manifest twice", async () => {
    s3Mock
      .on(HeadObjectCommand, { Key: `incidents/${INCIDENT}/manifest.json` })
      .resolves({ VersionId: "mv1", Metadata: { "manifest-sha256": manifest.manifestSha256 } });

    const result = await writeManifest(s3, { bucket: "ev", incidentId: INCIDENT, manifest, now });

    expect(result).toMatchObject({ outcome: "reused", versionId: "mv1" });
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it("refuses to write over evidence that is not there", async () => {
    s3Mock.on(HeadObjectCommand).rejects(sdkError("NotFound", 404));

    await expect(
      writeManifest(s3, { bucket: "ev", incidentId: INCIDENT, manifest, now }),
    ).rejects.toBeInstanceOf(EvidenceIntegrityError);
    expect(s3Mock.commandCalls(PutObjectCommand)).toHaveLength(0);
  });

  it("refuses a manifest whose hash does not match its content, or that belongs to another incident", async () => {
    const tampered = { ...manifest, artifacts: manifest.artifacts.slice(1) };

    await expect(
      writeManifest(s3, { bucket: "ev", incidentId: INCIDENT, manifest: tampered }),
    ).rejects.toThrow(/manifestSha256/);
    await expect(writeManifest(s3, { bucket: "ev", incidentId: "inc-other", manifest })).rejects.toThrow(
      InvalidEvidenceInputError,
    );
    expect(s3Mock.calls()).toHaveLength(0);
  });

  it("honours GOVERNANCE mode and refuses a nonsensical retention", async () => {
    s3Mock
      .on(HeadObjectCommand, { Key: `incidents/${INCIDENT}/manifest.json` })
      .rejects(sdkError("NotFound", 404));
    artifactsPresent();
    s3Mock.on(PutObjectCommand).resolves({});

    await writeManifest(s3, {
      bucket: "ev",
      incidentId: INCIDENT,
      manifest,
      retention: { mode: "GOVERNANCE" },
      now,
    });

    expect(s3Mock.commandCalls(PutObjectCommand)[0]?.args[0].input).toMatchObject({
      ObjectLockMode: "GOVERNANCE",
      ObjectLockRetainUntilDate: new Date("2027-02-01T00:00:00Z"),
    });
    await expect(
      writeManifest(s3, { bucket: "ev", incidentId: INCIDENT, manifest, retention: { days: 0 } }),
    ).rejects.toThrow(/retention.days/);
  });
});
