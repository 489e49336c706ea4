/**
 * The pure half of manifest.ts: the canonical JSON the manifest hash is over, the manifest
 * buildManifest makes (whole), what it refuses and how it says so, and the stored form.
 */
import { describe, expect, it } from "vitest";
import { InvalidEvidenceInputError } from "../../../shared/evidence/errors.ts";
import {
  buildManifest,
  canonicalJson,
  isManifestIntact,
  manifestDigest,
  serializeManifest,
} from "../../../shared/evidence/manifest.ts";
import { aRecord, INCIDENT, sha256Hex } from "./builders.ts";

/** What `fn` throws. */
function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error("nothing was thrown");
}

describe("canonicalJson", () => {
  it("writes the scalars as JSON does", () => {
    expect(canonicalJson(null)).toBe("null");
    expect(canonicalJson(true)).toBe("true");
    expect(canonicalJson(false)).toBe("false");
    expect(canonicalJson('a"b')).toBe('"a\\"b"');
    expect(canonicalJson(1.5)).toBe("1.5");
    expect(canonicalJson(-0)).toBe("0");
  });

  it("writes arrays in order, with undefined as null, without spaces", () => {
    expect(canonicalJson([])).toBe("[]");
    expect(canonicalJson([2, "a", undefined, [null]])).toBe('[2,"a",null,[null]]');
  });

  it("writes objects with sorted keys, without spaces, without undefined members", () => {
    expect(canonicalJson({})).toBe("{}");
    expect(canonicalJson({ b: [1], a: "x", "a b": undefined, B: false })).toBe('{"B":false,"a":"x","b":[1]}');
  });

  it("sorts keys by code unit, not by locale", () => {
    expect(canonicalJson({ b: 1, a: 2, Z: 3, é: 4, _: 5 })).toBe('{"Z":3,"_":5,"a":2,"b":1,"é":4}');
  });

  it("accepts objects without a prototype", () => {
    const bare = Object.assign(Object.create(null) as Record<string, unknown>, { b: 1, a: 2 });

    expect(canonicalJson(bare)).toBe('{"a":2,"b":1}');
  });

  it("refuses a non-finite number, naming it", () => {
    const err = thrown(() => canonicalJson(Number.POSITIVE_INFINITY));

    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe("canonicalJson: non-finite number Infinity");
  });

  it("refuses an object that is not plain, naming its class", () => {
    const err = thrown(() => canonicalJson({ at: new Date(0) }));

    expect(err).toBeInstanceOf(TypeError);
    expect(err.message).toBe("canonicalJson: not a plain object (Date)");
    expect(thrown(() => canonicalJson(Object.create(Object.create(null)))).message).toBe(
      "canonicalJson: not a plain object (unknown)",
    );
  });

  it("refuses values JSON has no form for, naming their type", () => {
    expect(thrown(() => canonicalJson(undefined)).message).toBe("canonicalJson: unsupported undefined");
    expect(thrown(() => canonicalJson(1n)).message).toBe("canonicalJson: unsupported bigint");
    expect(thrown(() => canonicalJson(() => 1)).message).toBe("canonicalJson: unsupported function");
  });
});

describe("buildManifest: the manifest made", () => {
  const record = aRecord("a.json", "AAA");

  it("holds exactly the normalised evidence and the hash of its canonical form", () => {
    const m = buildManifest({
      incidentId: INCIDENT,
      artifacts: [record],
      snapshots: [
        {
          snapshotId: "snap-1",
          volumeId: "vol-1",
          deviceName: "/dev/xvda",
          state: "completed",
          startTime: "2026-01-01T01:00:00+01:00",
          tags: [{ Key: "b", Value: "2" }, { Key: "a" }, { Value: "keyless" }],
        },
      ],
      createdAt: new Date("2026-01-02T00:00:00Z"),
    });

    const body = {
      schemaVersion: 1,
      incidentId: INCIDENT,
      createdAt: "2026-01-02T00:00:00.000Z",
      hashAlgorithm: "SHA-256",
      artifacts: [record],
      snapshots: [
        {
          snapshotId: "snap-1",
          volumeId: "vol-1",
          deviceName: "/dev/xvda",
          state: "completed",
          startTime: "2026-01-01T00:00:00.000Z",
          tags: { a: "", b: "2" },
        },
      ],
    };
    expect(m).toStrictEqual({ ...body, manifestSha256: sha256Hex(canonicalJson(body)) });
    expect(Object.keys(m.snapshots[0]?.tags ?? {})).toStrictEqual(["a", "b"]);
  });

  it("lists several snapshots by id, and refuses one listed twice", () => {
    const snap = (snapshotId: string) => ({ snapshotId, volumeId: "vol-1", state: "completed" as const });
    const build = (ids: string[]) =>
      buildManifest({
        incidentId: INCIDENT,
        artifacts: [],
        snapshots: ids.map(snap),
        createdAt: "2026-01-02T00:00:00Z",
      });

    expect(build(["snap-3", "snap-1", "snap-2"]).snapshots.map((s) => s.snapshotId)).toStrictEqual([
      "snap-1",
      "snap-2",
      "snap-3",
    ]);
    expect(() => build(["snap-2", "snap-1", "snap-2"])).toThrow("duplicate snapshot snap-2");
  });

  it("keeps a snapshot's optional fields out when they are not given", () => {
    const m = buildManifest({
      incidentId: INCIDENT,
      artifacts: [],
      snapshots: [{ snapshotId: "snap-1", volumeId: "vol-1", state: "pending" }],
      createdAt: "2026-01-02T00:00:00Z",
    });

    expect(m.snapshots).toStrictEqual([
      { snapshotId: "snap-1", volumeId: "vol-1", state: "pending", tags: {} },
    ]);
  });

  it("takes tags given as a map, sorted", () => {
    const m = buildManifest({
      incidentId: INCIDENT,
      artifacts: [],
      snapshots: [{ snapshotId: "snap-1", volumeId: "vol-1", state: "completed", tags: { z: "1", a: "2" } }],
      createdAt: "2026-01-02T00:00:00Z",
    });

    expect(Object.entries(m.snapshots[0]?.tags ?? {})).toStrictEqual([
      ["a", "2"],
      ["z", "1"],
    ]);
  });

  it("sorts gaps by step, then by detail, and leaves the caller's list as it was", () => {
    const gaps = [
      { step: "artifacts", status: "partial", detail: "z" },
      { step: "snapshots", status: "failed", detail: "a" },
      { step: "artifacts", status: "failed", detail: "b" },
    ];

    const m = buildManifest({
      incidentId: INCIDENT,
      artifacts: [],
      snapshots: [],
      createdAt: "2026-01-02T00:00:00Z",
      gaps,
    });

    expect(m.gaps).toStrictEqual([
      { step: "artifacts", status: "failed", detail: "b" },
      { step: "artifacts", status: "partial", detail: "z" },
      { step: "snapshots", status: "failed", detail: "a" },
    ]);
    expect(gaps.map((g) => g.detail)).toStrictEqual(["z", "a", "b"]);
    expect(isManifestIntact(m)).toBe(true);
  });

  it("has a canonical form and hash that do not change between releases", () => {
    const m = buildManifest({
      incidentId: "inc-1",
      artifacts: [],
      snapshots: [{ snapshotId: "snap-1", volumeId: "vol-1", state: "completed", tags: { b: "2", a: "1" } }],
      createdAt: "2026-01-02T00:00:00Z",
      gaps: [{ step: "artifacts", status: "failed", detail: "x" }],
    });
    const canonical =
      '{"artifacts":[],"createdAt":"2026-01-02T00:00:00.000Z","gaps":[{"detail":"x","status":"failed","step":"artifacts"}],' +
      '"hashAlgorithm":"SHA-256","incidentId":"inc-1","schemaVersion":1,' +
      '"snapshots":[{"snapshotId":"snap-1","state":"completed","tags":{"a":"1","b":"2"},"volumeId":"vol-1"}]}';

    expect(canonicalJson({ ...m, manifestSha256: undefined })).toBe(canonical);
    expect(m.manifestSha256).toBe(sha256Hex(canonical));
    expect(manifestDigest(m)).toBe(m.manifestSha256);
  });
});

describe("buildManifest: what it refuses", () => {
  const build = (input: Partial<Parameters<typeof buildManifest>[0]>) =>
    thrown(() =>
      buildManifest({
        incidentId: INCIDENT,
        artifacts: [],
        snapshots: [],
        createdAt: "2026-01-02T00:00:00Z",
        ...input,
      }),
    );

  it("refuses an invalid record, naming its index and field", () => {
    const err = build({ artifacts: [aRecord("a.json"), aRecord("b.json", "x", { sha256: "NOT-HEX" })] });

    expect(err).toBeInstanceOf(InvalidEvidenceInputError);
    expect(err.message).toBe("artifacts[1].sha256: expected a lowercase hex SHA-256");
    expect((err as InvalidEvidenceInputError).field).toBe("artifacts[1].sha256");
  });

  it("refuses an artifact whose key is not its name under the incident", () => {
    const err = build({
      artifacts: [aRecord("a.json", "x", { key: `incidents/${INCIDENT}/artifacts/b.json` })],
    });

    expect(err.message).toBe(
      `artifacts[0].key: key incidents/${INCIDENT}/artifacts/b.json is not incidents/${INCIDENT}/artifacts/a.json`,
    );
  });

  it("refuses an artifact named twice, wherever the two are", () => {
    const err = build({ artifacts: [aRecord("a.json"), aRecord("c.json"), aRecord("a.json", "other")] });

    expect(err).toBeInstanceOf(InvalidEvidenceInputError);
    expect(err.message).toBe("artifacts: duplicate artifact a.json");
  });

  it("refuses a snapshot taken twice", () => {
    const snap = { snapshotId: "snap-1", volumeId: "vol-1", state: "completed" };

    const err = build({
      snapshots: [snap, { ...snap, snapshotId: "snap-2" }, { ...snap, volumeId: "vol-2" }],
    });

    expect(err).toBeInstanceOf(InvalidEvidenceInputError);
    expect(err.message).toBe("snapshots: duplicate snapshot snap-1");
  });

  it("refuses an invalid snapshot, naming its index and the field, tags included", () => {
    const ok = { snapshotId: "snap-1", volumeId: "vol-1", state: "completed" };
    const badTag = { ...ok, snapshotId: "snap-2", tags: { A: 1 as unknown as string } };

    expect(build({ snapshots: [ok, badTag] }).message).toBe(
      "snapshots[1].tags.A: Invalid input: expected string, received number",
    );
    expect(build({ snapshots: [{ ...ok, state: "" }] }).message).toBe(
      "snapshots[0].state: Too small: expected string to have >=1 characters",
    );
  });

  it("refuses a snapshot start time that is not a date, naming the snapshot", () => {
    const err = build({
      snapshots: [
        { snapshotId: "snap-1", volumeId: "vol-1", state: "completed" },
        { snapshotId: "snap-2", volumeId: "vol-1", state: "completed", startTime: "soon" },
      ],
    });

    expect(err.message).toBe("snapshots[1].startTime: not a date: soon");
  });

  it("refuses a creation time that is not a date, naming the field", () => {
    const err = build({ createdAt: "yesterday-ish" });

    expect(err).toMatchObject({ code: "INVALID_EVIDENCE_INPUT", field: "createdAt" });
    expect(err.message).toBe("createdAt: not a date: yesterday-ish");
  });
});

describe("serializeManifest", () => {
  it("stores the manifest as JSON indented by two spaces, ending with a newline", () => {
    const m = buildManifest({
      incidentId: INCIDENT,
      artifacts: [],
      snapshots: [],
      createdAt: "2026-01-02T00:00:00Z",
    });

    expect(serializeManifest(m)).toBe(
      [
        "{",
        '  "schemaVersion": 1,',
        `  "incidentId": "${INCIDENT}",`,
        '  "createdAt": "2026-01-02T00:00:00.000Z",',
        '  "hashAlgorithm": "SHA-256",',
        '  "artifacts": [],',
        '  "snapshots": [],',
        `  "manifestSha256": "${m.manifestSha256}"`,
        "}",
        "",
      ].join("\n"),
    );
  });
});
