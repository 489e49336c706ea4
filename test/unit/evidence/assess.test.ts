/**
 * assessArtifact on its own: each witness (content hash, size, metadata, tag, S3's checksum,
 * single-part or composite, the checksum acknowledged at archive time, the version) agreeing,
 * disagreeing and absent, with the whole verdict and detail a reader sees.
 */
import { describe, expect, it } from "vitest";
import { assessArtifact, type ObservedArtifact } from "../../../shared/evidence/assess.ts";
import { hashBuffer } from "../../../shared/evidence/hashing.ts";
import { aRecord, sha256B64, sha256Hex } from "./builders.ts";

const CONTENT = "AAA";
/** Archived single-part, metadata witness, S3 checksum acknowledged, version v-a.json. */
const record = aRecord("a.json", CONTENT);
/** What reading back the archived object gives when nothing was touched. */
const intact: ObservedArtifact = {
  sha256: sha256Hex(CONTENT),
  size: 3,
  metadataSha256: sha256Hex(CONTENT),
  s3Checksum: sha256B64(CONTENT),
  versionId: "v-a.json",
};
const OTHER_HEX = "0".repeat(64);

describe("assessArtifact: the content and the manifest", () => {
  it("is ok, naming every witness that agreed, when content and witnesses all match", () => {
    expect(assessArtifact(record, intact)).toStrictEqual({
      status: "ok",
      detail: "SHA-256 matches manifest, metadata, S3 checksum",
    });
  });

  it("is a mismatch when the content's SHA-256 differs, whatever the witnesses say", () => {
    const result = assessArtifact(record, { ...intact, sha256: OTHER_HEX, s3Checksum: undefined });

    expect(result).toStrictEqual({
      status: "mismatch",
      detail: "content SHA-256 differs from the manifest; S3 returned no SHA-256 checksum",
    });
  });

  it("is a mismatch when the size differs, and says both sizes", () => {
    expect(assessArtifact(record, { ...intact, size: 4 })).toStrictEqual({
      status: "mismatch",
      detail: "size 4, manifest says 3",
    });
  });

  it("lists every problem, then the notes, in order", () => {
    const result = assessArtifact(record, {
      sha256: OTHER_HEX,
      size: 9,
      metadataSha256: "1".repeat(64),
      versionId: "v-new",
    });

    expect(result).toStrictEqual({
      status: "mismatch",
      detail:
        "content SHA-256 differs from the manifest; size 9, manifest says 3; " +
        `metadata sha256 ${"1".repeat(64)} differs from the manifest; ` +
        "S3 returned no SHA-256 checksum; current version v-new is not the archived version v-a.json",
    });
  });
});

describe("assessArtifact: the metadata and tag witnesses", () => {
  it("is a mismatch when the metadata witness names another hash", () => {
    expect(assessArtifact(record, { ...intact, metadataSha256: OTHER_HEX })).toStrictEqual({
      status: "mismatch",
      detail: `metadata sha256 ${OTHER_HEX} differs from the manifest`,
    });
  });

  it("only notes a metadata witness that the record expects and the object lacks", () => {
    const { metadataSha256: _none, ...withoutMetadata } = intact;

    expect(assessArtifact(record, withoutMetadata)).toStrictEqual({
      status: "ok",
      detail: "SHA-256 matches manifest, S3 checksum; metadata sha256 absent",
    });
  });

  it("says nothing of an absent metadata witness the record does not expect", () => {
    const tagged = aRecord("a.json", CONTENT, { sha256Witness: "tag" });
    const { metadataSha256: _none, ...withoutMetadata } = intact;

    expect(assessArtifact(tagged, { ...withoutMetadata, tagSha256: sha256Hex(CONTENT) })).toStrictEqual({
      status: "ok",
      detail: "SHA-256 matches manifest, tag, S3 checksum",
    });
  });

  it("is a mismatch when the tag witness names another hash", () => {
    const tagged = aRecord("a.json", CONTENT, { sha256Witness: "tag" });

    expect(assessArtifact(tagged, { ...intact, tagSha256: OTHER_HEX })).toStrictEqual({
      status: "mismatch",
      detail: `tag sha256 ${OTHER_HEX} differs from the manifest`,
    });
  });

  it("notes a tag witness that was looked for and is gone", () => {
    const tagged = aRecord("a.json", CONTENT, { sha256Witness: "tag" });

    expect(assessArtifact(tagged, { ...intact, tagSha256: null })).toStrictEqual({
      status: "ok",
      detail: "SHA-256 matches manifest, metadata, S3 checksum; tag sha256 has been removed",
    });
  });

  it("says nothing of a missing tag when the record's witness is not the tag", () => {
    expect(assessArtifact(record, { ...intact, tagSha256: null })).toStrictEqual({
      status: "ok",
      detail: "SHA-256 matches manifest, metadata, S3 checksum",
    });
  });

  it("says nothing of a tag that was not looked for, even when the record's witness is the tag", () => {
    const tagged = aRecord("a.json", CONTENT, { sha256Witness: "tag" });

    expect(assessArtifact(tagged, intact)).toStrictEqual({
      status: "ok",
      detail: "SHA-256 matches manifest, metadata, S3 checksum",
    });
  });
});

describe("assessArtifact: S3's checksum of a single-part object", () => {
  it("only notes that S3 returned no checksum", () => {
    const { s3Checksum: _none, ...withoutChecksum } = intact;

    expect(assessArtifact(record, withoutChecksum)).toStrictEqual({
      status: "ok",
      detail: "SHA-256 matches manifest, metadata; S3 returned no SHA-256 checksum",
    });
  });

  it("is a mismatch when S3's checksum is not the hash of the bytes read", () => {
    const unrecorded = aRecord("a.json", CONTENT, { s3Checksum: undefined });

    expect(assessArtifact(unrecorded, { ...intact, s3Checksum: sha256B64("other") })).toStrictEqual({
      status: "mismatch",
      detail: "S3 ChecksumSHA256 disagrees with the bytes read",
    });
  });

  it("is a mismatch when S3's checksum is not the one acknowledged at archive time", () => {
    // The bytes and S3's checksum agree with each other, not with what was archived.
    const acknowledged = aRecord("a.json", CONTENT, { s3Checksum: sha256B64("archived") });

    expect(assessArtifact(acknowledged, intact)).toStrictEqual({
      status: "mismatch",
      detail: `S3 checksum ${sha256B64(CONTENT)} is not the one acknowledged at archive time`,
    });
  });

  it("accepts S3's checksum when the record holds none from archive time", () => {
    const unrecorded = aRecord("a.json", CONTENT, { s3Checksum: undefined });

    expect(assessArtifact(unrecorded, intact).status).toBe("ok");
  });

  it("reads a '-1' suffix as S3's composite of one part (a multipart upload of one part), never as the object's hash", () => {
    const onePart = hashBuffer(CONTENT, { partSize: 64 });
    const image = aRecord("a.json", CONTENT, { partCount: 1, partSize: 64, s3Checksum: undefined });
    const read = { ...intact, compositeSha256: onePart.compositeSha256 ?? "", partCount: 1 };

    expect(assessArtifact(image, { ...read, s3Checksum: `${onePart.compositeSha256}-1` })).toStrictEqual({
      status: "ok",
      detail: "SHA-256 matches manifest, metadata, S3 checksum",
    });
    // The object's own SHA-256 with a `-1` is not what S3 computes for it.
    expect(assessArtifact(image, { ...read, s3Checksum: `${sha256B64(CONTENT)}-1` })).toStrictEqual({
      status: "mismatch",
      detail: "S3 composite ChecksumSHA256 disagrees with the parts read",
    });
  });

  it("takes a record without a part count for a single part", () => {
    const noParts = aRecord("a.json", CONTENT, { partCount: undefined });

    expect(assessArtifact(noParts, intact)).toStrictEqual({
      status: "ok",
      detail: "SHA-256 matches manifest, metadata, S3 checksum",
    });
  });
});

describe("assessArtifact: S3's composite checksum of a multipart object", () => {
  const content = "0123456789abcdefghij";
  const hash = hashBuffer(content, { partSize: 8 });
  const composite = hash.compositeSha256 ?? "";
  const multipart = aRecord("big.bin", content, { partCount: 3, partSize: 8, s3Checksum: undefined });
  const read: ObservedArtifact = {
    sha256: hash.sha256,
    size: hash.size,
    compositeSha256: composite,
    partCount: 3,
    metadataSha256: hash.sha256,
    s3Checksum: `${composite}-3`,
    versionId: "v-big.bin",
  };

  it("is ok when the composite and its part count match the parts read", () => {
    expect(assessArtifact(multipart, read)).toStrictEqual({
      status: "ok",
      detail: "SHA-256 matches manifest, metadata, S3 checksum",
    });
  });

  it("is ok when S3 leaves out the part count and the record says multipart", () => {
    expect(assessArtifact(multipart, { ...read, s3Checksum: composite })).toStrictEqual({
      status: "ok",
      detail: "SHA-256 matches manifest, metadata, S3 checksum",
    });
  });

  it("is a mismatch when the composite differs", () => {
    expect(assessArtifact(multipart, { ...read, s3Checksum: `${sha256B64("x")}-3` })).toStrictEqual({
      status: "mismatch",
      detail: "S3 composite ChecksumSHA256 disagrees with the parts read",
    });
  });

  it("is a mismatch when the part count differs", () => {
    expect(assessArtifact(multipart, { ...read, s3Checksum: `${composite}-4` })).toStrictEqual({
      status: "mismatch",
      detail: "S3 composite ChecksumSHA256 disagrees with the parts read",
    });
  });

  it("takes the suffix's part count over the record's", () => {
    const recordedAsSingle = aRecord("big.bin", content, { partCount: 1, s3Checksum: undefined });

    expect(assessArtifact(recordedAsSingle, read)).toStrictEqual({
      status: "ok",
      detail: "SHA-256 matches manifest, metadata, S3 checksum",
    });
  });

  it("only notes a composite it cannot recompute (part size unknown)", () => {
    const { compositeSha256: _none, ...withoutComposite } = read;

    expect(assessArtifact(multipart, withoutComposite)).toStrictEqual({
      status: "ok",
      detail:
        "SHA-256 matches manifest, metadata, S3 checksum; S3 composite checksum not checked (part size unknown)",
    });
  });

  it("compares with the checksum acknowledged at archive time, tolerating a missing suffix", () => {
    const acknowledged = aRecord("big.bin", content, { partCount: 3, partSize: 8, s3Checksum: composite });

    expect(assessArtifact(acknowledged, read).status).toBe("ok");
    expect(
      assessArtifact({ ...acknowledged, s3Checksum: `${composite}-2` }, { ...read, s3Checksum: composite }),
    ).toStrictEqual({
      status: "ok",
      detail: "SHA-256 matches manifest, metadata, S3 checksum",
    });
    expect(assessArtifact({ ...acknowledged, s3Checksum: `${composite}-2` }, read)).toStrictEqual({
      status: "mismatch",
      detail: `S3 checksum ${composite}-3 is not the one acknowledged at archive time`,
    });
  });
});

describe("assessArtifact: the version read", () => {
  it("notes a current version other than the archived one", () => {
    expect(assessArtifact(record, { ...intact, versionId: "v-new" })).toStrictEqual({
      status: "ok",
      detail:
        "SHA-256 matches manifest, metadata, S3 checksum; current version v-new is not the archived version v-a.json",
    });
  });

  it("notes nothing when either side has no version", () => {
    const { versionId: _none, ...unversioned } = intact;

    expect(assessArtifact(record, unversioned).detail).toBe(
      "SHA-256 matches manifest, metadata, S3 checksum",
    );
    expect(assessArtifact(aRecord("a.json", CONTENT, { versionId: undefined }), intact).detail).toBe(
      "SHA-256 matches manifest, metadata, S3 checksum",
    );
  });
});
