/**
 * The schemas of the evidence archive at their edges: which names, incident ids, hashes,
 * snapshot ids, metadata texts and dates they accept, and what they say when they refuse.
 */
import { describe, expect, it } from "vitest";
import { buildManifest } from "../../../shared/evidence/manifest.ts";
import {
  ARCHIVED_STORAGE_CLASSES,
  ArchiveStorageClassSchema,
  ArtifactNameSchema,
  ArtifactRecordSchema,
  IncidentIdSchema,
  ManifestSchema,
  Sha256HexSchema,
  Sha256WitnessSchema,
  SnapshotEntrySchema,
} from "../../../shared/evidence/manifest-schema.ts";
import { aRecord, INCIDENT } from "./builders.ts";

/** The messages of a refused value, or [] when it is accepted. */
function messages(
  schema: { safeParse(v: unknown): { error?: { issues: { message: string }[] } } },
  value: unknown,
) {
  return schema.safeParse(value).error?.issues.map((i) => i.message) ?? [];
}

const NAME_RULE =
  "use letters, digits, '.', '_', '-' and at most one '/'; start each segment with a letter or digit";
const ID_RULE = "use letters, digits, '.', '_', ':', '-'; start with a letter or digit";

describe("Sha256HexSchema", () => {
  it("accepts 64 lowercase hex digits", () => {
    expect(messages(Sha256HexSchema, "0123456789abcdef".repeat(4))).toStrictEqual([]);
  });

  it("refuses anything else, saying what it expects", () => {
    for (const value of [
      "a".repeat(63),
      "a".repeat(65),
      "A".repeat(64),
      "g".repeat(64),
      `x${"a".repeat(64)}`,
      `${"a".repeat(64)}x`,
      "",
    ]) {
      expect(messages(Sha256HexSchema, value), value).toStrictEqual(["expected a lowercase hex SHA-256"]);
    }
  });
});

describe("ArtifactNameSchema", () => {
  it("accepts safe names, with at most one sub-level", () => {
    for (const name of ["a", "Z", "0", "9", "a.b_c-d", "Az09", "dir/file", "9/Z.t_x-1", "a/b"]) {
      expect(messages(ArtifactNameSchema, name), name).toStrictEqual([]);
    }
  });

  it("refuses names that start a segment with a symbol, nest deeper, or hold other characters", () => {
    for (const name of [".hidden", "_a", "-a", "/a", "a/", "a/.b", "a/b/c", "a b", "a$", "a\n", "é", ""]) {
      expect(messages(ArtifactNameSchema, name), JSON.stringify(name)).toStrictEqual([NAME_RULE]);
    }
  });

  it("refuses '..' anywhere, saying so", () => {
    expect(messages(ArtifactNameSchema, "a..b")).toStrictEqual(["must not contain '..'"]);
    expect(messages(ArtifactNameSchema, "a/b..")).toStrictEqual(["must not contain '..'"]);
    expect(messages(ArtifactNameSchema, "a.b/c.d")).toStrictEqual([]);
  });
});

describe("IncidentIdSchema", () => {
  it("accepts ids of letters, digits and '.', '_', ':', '-'", () => {
    for (const id of ["inc-42", "I", "0", "a.b_c:d-e", "z9:Z"]) {
      expect(messages(IncidentIdSchema, id), id).toStrictEqual([]);
    }
  });

  it("refuses ids that start with a symbol or hold '/' or other characters", () => {
    for (const id of [":a", "-a", ".a", "_a", "a/b", "a b", "a$", ""]) {
      expect(messages(IncidentIdSchema, id), JSON.stringify(id)).toStrictEqual([ID_RULE]);
    }
  });

  it("refuses '..', saying so", () => {
    expect(messages(IncidentIdSchema, "a..b")).toStrictEqual(["must not contain '..'"]);
  });
});

describe("ArtifactRecordSchema", () => {
  it("accepts a full record, a collection time with an offset, and each hash witness", () => {
    expect(messages(ArtifactRecordSchema, aRecord("a.json"))).toStrictEqual([]);
    expect(
      messages(ArtifactRecordSchema, aRecord("a.json", "x", { collectedAt: "2026-01-01T01:00:00+01:00" })),
    ).toStrictEqual([]);
    for (const witness of ["metadata", "tag", "none"] as const) {
      expect(
        messages(ArtifactRecordSchema, aRecord("a.json", "x", { sha256Witness: witness })),
      ).toStrictEqual([]);
    }
  });

  it("accepts collector and API-call texts of printable ASCII, from space to tilde", () => {
    expect(
      messages(ArtifactRecordSchema, aRecord("a.json", "x", { collector: " ~", sourceApiCall: "s3:Get" })),
    ).toStrictEqual([]);
  });

  it("refuses collector texts with control or non-ASCII characters", () => {
    for (const collector of ["\x1f", "\x7f", "é", "a\n", "\na", "ab\x00"]) {
      expect(
        messages(ArtifactRecordSchema, aRecord("a.json", "x", { collector })),
        JSON.stringify(collector),
      ).toStrictEqual(["printable ASCII only"]);
    }
  });

  it("refuses an unknown hash witness", () => {
    expect(Sha256WitnessSchema.options).toStrictEqual(["metadata", "tag", "none"]);
    expect(ArtifactRecordSchema.safeParse({ ...aRecord("a.json"), sha256Witness: "header" }).success).toBe(
      false,
    );
  });
});

describe("storage classes", () => {
  it("archives to the four classes the archive writes", () => {
    expect(ArchiveStorageClassSchema.options).toStrictEqual([
      "STANDARD",
      "GLACIER",
      "DEEP_ARCHIVE",
      "GLACIER_IR",
    ]);
  });

  it("takes GLACIER and DEEP_ARCHIVE, and only those, for classes read only after a restore", () => {
    expect([...ARCHIVED_STORAGE_CLASSES]).toStrictEqual(["GLACIER", "DEEP_ARCHIVE"]);
  });
});

describe("SnapshotEntrySchema", () => {
  const snapshot = { snapshotId: "snap-0a", volumeId: "vol-1", state: "completed", tags: {} };

  it("accepts snapshot ids of letters and digits after 'snap-'", () => {
    for (const snapshotId of ["snap-0", "snap-0aZ9", "snap-Az"]) {
      expect(messages(SnapshotEntrySchema, { ...snapshot, snapshotId }), snapshotId).toStrictEqual([]);
    }
  });

  it("refuses other snapshot ids", () => {
    for (const snapshotId of ["snap-", "xsnap-1", "snap-1!", "snap-a-b", "vol-1", "snap_1"]) {
      expect(SnapshotEntrySchema.safeParse({ ...snapshot, snapshotId }).success, snapshotId).toBe(false);
    }
  });
});

describe("ManifestSchema", () => {
  const manifest = buildManifest({
    incidentId: INCIDENT,
    artifacts: [aRecord("a.json"), aRecord("b.json")],
    snapshots: [],
    createdAt: "2026-01-02T00:00:00Z",
  });

  it("accepts what buildManifest makes", () => {
    expect(ManifestSchema.parse(manifest)).toStrictEqual(manifest);
  });

  it("refuses another hash algorithm or schema version", () => {
    expect(ManifestSchema.safeParse({ ...manifest, hashAlgorithm: "MD5" }).success).toBe(false);
    expect(ManifestSchema.safeParse({ ...manifest, schemaVersion: 2 }).success).toBe(false);
  });

  it("refuses an artifact named twice, at the second one", () => {
    const [first] = manifest.artifacts;
    const issues = ManifestSchema.safeParse({ ...manifest, artifacts: [first, first] }).error?.issues;

    expect(issues?.map(({ code, path, message }) => ({ code, path, message }))).toStrictEqual([
      { code: "custom", path: ["artifacts", 1, "name"], message: "duplicate artifact a.json" },
    ]);
  });

  it("refuses an artifact whose key is not under the incident, saying the expected key", () => {
    const moved = { ...aRecord("b.json"), key: "incidents/inc-other/artifacts/b.json" };
    const issues = ManifestSchema.safeParse({ ...manifest, artifacts: [manifest.artifacts[0], moved] }).error
      ?.issues;

    expect(issues?.map(({ code, path, message }) => ({ code, path, message }))).toStrictEqual([
      {
        code: "custom",
        path: ["artifacts", 1, "key"],
        message: `expected incidents/${INCIDENT}/artifacts/b.json`,
      },
    ]);
  });
});
