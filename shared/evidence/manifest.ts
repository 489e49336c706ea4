/**
 * The incident's evidence manifest: every artifact with its SHA-256, every snapshot, and a
 * hash over all of it. Built by a pure function; written last, under Object Lock retention.
 */

import type { Readable } from "node:stream";
import {
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  PutObjectCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { isNotFound, toAwsError } from "../aws/errors.ts";
import { EvidenceIntegrityError, InvalidEvidenceInputError } from "./errors.ts";
import { hexToBase64, isChecksumMismatch, sha256Hex } from "./hashing.ts";
import { manifestKey, validateIncidentId } from "./keys.ts";
import {
  type ArtifactRecord,
  ArtifactRecordSchema,
  type EvidenceGap,
  MANIFEST_SCHEMA_VERSION,
  type Manifest,
  ManifestSchema,
  type SnapshotEntry,
  SnapshotEntrySchema,
} from "./manifest-schema.ts";
import { byCodePoint, forEachLimit, toIso } from "./util.ts";

/** A snapshot as the capture step knows it; tags as a map or as EC2's `[{Key, Value}]`. */
export interface SnapshotInput {
  snapshotId: string;
  volumeId: string;
  deviceName?: string;
  state: string;
  startTime?: Date | string;
  tags?: Record<string, string> | { Key?: string; Value?: string }[];
}

export interface BuildManifestInput {
  incidentId: string;
  artifacts: ArtifactRecord[];
  snapshots: SnapshotInput[];
  createdAt: Date | string;
  /** Planned evidence that is missing, and why (sorted by step in the manifest). */
  gaps?: EvidenceGap[];
}

/**
 * JSON with object keys sorted at every level, no whitespace, `undefined` members dropped.
 * Equal values give equal strings, whatever the order their keys were set in.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === "boolean" || typeof value === "string") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (typeof value === "object") {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new TypeError(`canonicalJson: not a plain object (${proto?.constructor?.name ?? "unknown"})`);
    }
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => byCodePoint(a, b));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  throw new TypeError(`canonicalJson: unsupported ${typeof value}`);
}

/** SHA-256 (hex) of the canonical JSON of a manifest without its `manifestSha256` field. */
export function manifestDigest(
  manifest: Omit<Manifest, "manifestSha256"> & { manifestSha256?: string },
): string {
  const { manifestSha256: _ignored, ...body } = manifest;
  return sha256Hex(canonicalJson(body));
}

/** True when the manifest's `manifestSha256` matches its content. */
export function isManifestIntact(manifest: Manifest): boolean {
  return manifestDigest(manifest) === manifest.manifestSha256;
}

/**
 * Builds the manifest (pure). Artifacts are sorted by name and snapshots by id, tags are
 * normalised to a map, dates to ISO-8601 UTC: the same evidence always gives the same
 * manifest and the same `manifestSha256`.
 *
 * @throws InvalidEvidenceInputError for an invalid record, a duplicate name or snapshot id,
 *   or an artifact whose key belongs to another incident.
 */
export function buildManifest(input: BuildManifestInput): Manifest {
  const incidentId = validateIncidentId(input.incidentId);
  const createdAt = toIso(input.createdAt, "createdAt");

  const artifacts = input.artifacts.map((a, i) => {
    const parsed = ArtifactRecordSchema.safeParse(a);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new InvalidEvidenceInputError(
        issue?.message ?? "invalid",
        `artifacts[${i}].${issue?.path.join(".")}`,
      );
    }
    const expectedKey = `incidents/${incidentId}/artifacts/${parsed.data.name}`;
    if (parsed.data.key !== expectedKey) {
      throw new InvalidEvidenceInputError(
        `key ${parsed.data.key} is not ${expectedKey}`,
        `artifacts[${i}].key`,
      );
    }
    return parsed.data;
  });
  artifacts.sort((a, b) => byCodePoint(a.name, b.name));
  for (let i = 1; i < artifacts.length; i++) {
    if (artifacts[i]?.name === artifacts[i - 1]?.name) {
      throw new InvalidEvidenceInputError(`duplicate artifact ${artifacts[i]?.name}`, "artifacts");
    }
  }

  const snapshots = input.snapshots.map((s, i) => normalizeSnapshot(s, i));
  snapshots.sort((a, b) => byCodePoint(a.snapshotId, b.snapshotId));
  for (let i = 1; i < snapshots.length; i++) {
    if (snapshots[i]?.snapshotId === snapshots[i - 1]?.snapshotId) {
      throw new InvalidEvidenceInputError(`duplicate snapshot ${snapshots[i]?.snapshotId}`, "snapshots");
    }
  }

  const body = {
    schemaVersion: MANIFEST_SCHEMA_VERSION,
    incidentId,
    createdAt,
    hashAlgorithm: "SHA-256" as const,
    artifacts,
    snapshots,
    ...(input.gaps?.length
      ? {
          gaps: [...input.gaps].sort((a, b) => byCodePoint(`${a.step}|${a.detail}`, `${b.step}|${b.detail}`)),
        }
      : {}),
  };
  return { ...body, manifestSha256: manifestDigest(body) };
}

function normalizeSnapshot(s: SnapshotInput, i: number): SnapshotEntry {
  const tags: Record<string, string> = {};
  if (Array.isArray(s.tags)) {
    for (const t of s.tags) if (t.Key !== undefined) tags[t.Key] = t.Value ?? "";
  } else if (s.tags) {
    Object.assign(tags, s.tags);
  }
  const sortedTags = Object.fromEntries(Object.entries(tags).sort(([a], [b]) => byCodePoint(a, b)));
  const candidate = {
    snapshotId: s.snapshotId,
    volumeId: s.volumeId,
    ...(s.deviceName !== undefined ? { deviceName: s.deviceName } : {}),
    state: s.state,
    ...(s.startTime !== undefined ? { startTime: toIso(s.startTime, `snapshots[${i}].startTime`) } : {}),
    tags: sortedTags,
  };
  const parsed = SnapshotEntrySchema.safeParse(candidate);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidEvidenceInputError(
      issue?.message ?? "invalid",
      `snapshots[${i}].${issue?.path.join(".")}`,
    );
  }
  return parsed.data;
}

/** The manifest as stored: pretty JSON (its hash is over the canonical form, not these bytes). */
export function serializeManifest(manifest: Manifest): string {
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

export interface ManifestRetention {
  /** Default `COMPLIANCE`: nobody, root included, can shorten it or delete the version. */
  mode?: "COMPLIANCE" | "GOVERNANCE";
  /** Days from now. Default {@link DEFAULT_MANIFEST_RETENTION_DAYS}. */
  days?: number;
}

export const DEFAULT_MANIFEST_RETENTION_DAYS = 365;

export interface WriteManifestInput {
  bucket: string;
  incidentId: string;
  manifest: Manifest;
  kmsKeyId?: string;
  retention?: ManifestRetention;
  /**
   * Before writing, check (HeadObject) that every artifact the manifest names is there with
   * its recorded size and version. Default true: the manifest is written last, over evidence
   * that exists.
   */
  checkArtifacts?: boolean;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface WriteManifestResult {
  key: string;
  versionId?: string;
  manifestSha256: string;
  /** `reused` when the same manifest (same `manifestSha256`) was already stored. */
  outcome: "written" | "reused";
  /** The retention asked for (or read back, when reused). */
  retention?: { mode: string; retainUntil: string };
  s3Checksum?: string;
}

/** User-metadata key holding the manifest's own hash. */
export const MANIFEST_SHA256_METADATA = "manifest-sha256";

/**
 * Writes `incidents/<incidentId>/manifest.json` with a SHA-256 checksum S3 verifies and an
 * explicit Object Lock retention (COMPLIANCE, 365 days unless told otherwise). Call it after
 * every artifact is archived. Writing the same manifest again is a no-op; a different one
 * becomes a new version (the earlier one stays locked).
 *
 * @throws InvalidEvidenceInputError when the manifest does not validate or is not intact.
 * @throws EvidenceIntegrityError when an artifact it names is missing or has another size.
 */
export async function writeManifest(s3: S3Client, input: WriteManifestInput): Promise<WriteManifestResult> {
  const incidentId = validateIncidentId(input.incidentId);
  if (!input.bucket) throw new InvalidEvidenceInputError("required", "bucket");
  const parsed = ManifestSchema.safeParse(input.manifest);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InvalidEvidenceInputError(issue?.message ?? "invalid", `manifest.${issue?.path.join(".")}`);
  }
  const manifest = parsed.data;
  if (manifest.incidentId !== incidentId) {
    throw new InvalidEvidenceInputError(`manifest is for ${manifest.incidentId}`, "manifest.incidentId");
  }
  if (!isManifestIntact(manifest)) {
    throw new InvalidEvidenceInputError(
      "manifestSha256 does not match the content",
      "manifest.manifestSha256",
    );
  }
  const mode = input.retention?.mode ?? "COMPLIANCE";
  const days = input.retention?.days ?? DEFAULT_MANIFEST_RETENTION_DAYS;
  if (!Number.isInteger(days) || days < 1 || days > 36_500) {
    throw new InvalidEvidenceInputError(`must be an integer 1-36500, got ${days}`, "retention.days");
  }
  const key = manifestKey(incidentId);

  const existing = await head(s3, input.bucket, key);
  if (existing?.Metadata?.[MANIFEST_SHA256_METADATA] === manifest.manifestSha256) {
    return {
      key,
      ...(existing.VersionId ? { versionId: existing.VersionId } : {}),
      manifestSha256: manifest.manifestSha256,
      outcome: "reused",
      ...(existing.ObjectLockMode && existing.ObjectLockRetainUntilDate
        ? {
            retention: {
              mode: existing.ObjectLockMode,
              retainUntil: existing.ObjectLockRetainUntilDate.toISOString(),
            },
          }
        : {}),
    };
  }

  if (input.checkArtifacts ?? true) await checkArtifactsPresent(s3, input.bucket, manifest.artifacts);

  const body = serializeManifest(manifest);
  const now = (input.now ?? (() => new Date()))();
  const retainUntil = new Date(now.getTime() + days * 86_400_000);
  try {
    const answer = await s3.send(
      new PutObjectCommand({
        Bucket: input.bucket,
        Key: key,
        Body: body,
        ContentType: "application/json",
        ChecksumAlgorithm: "SHA256",
        ChecksumSHA256: hexToBase64(sha256Hex(body)),
        ObjectLockMode: mode,
        ObjectLockRetainUntilDate: retainUntil,
        Metadata: { [MANIFEST_SHA256_METADATA]: manifest.manifestSha256, "incident-id": incidentId },
        ...(input.kmsKeyId ? { ServerSideEncryption: "aws:kms", SSEKMSKeyId: input.kmsKeyId } : {}),
      }),
    );
    return {
      key,
      ...(answer.VersionId ? { versionId: answer.VersionId } : {}),
      manifestSha256: manifest.manifestSha256,
      outcome: "written",
      retention: { mode, retainUntil: retainUntil.toISOString() },
      ...(answer.ChecksumSHA256 ? { s3Checksum: answer.ChecksumSHA256 } : {}),
    };
  } catch (err) {
    throw toAwsError("S3:PutObject", err);
  }
}

async function checkArtifactsPresent(
  s3: S3Client,
  bucket: string,
  artifacts: ArtifactRecord[],
): Promise<void> {
  await forEachLimit(artifacts, 4, async (a) => {
    let found: HeadObjectCommandOutput | undefined;
    try {
      found = await s3.send(
        new HeadObjectCommand({
          Bucket: bucket,
          Key: a.key,
          ...(a.versionId ? { VersionId: a.versionId } : {}),
        }),
      );
    } catch (err) {
      if (!isNotFound(err)) throw toAwsError("S3:HeadObject", err);
    }
    if (!found) {
      throw new EvidenceIntegrityError(`artifact ${a.name} is not in the bucket`, a.key, false);
    }
    if (found.ContentLength !== undefined && found.ContentLength !== a.size) {
      throw new EvidenceIntegrityError(
        `artifact ${a.name} has ${found.ContentLength} bytes, recorded ${a.size}`,
        a.key,
        false,
      );
    }
  });
}

/** What reading the manifest found. */
export type ReadManifestResult =
  | { kind: "missing"; key: string }
  | { kind: "invalid"; key: string; versionId?: string; reason: string; raw?: unknown }
  | {
      kind: "found";
      key: string;
      versionId?: string;
      manifest: Manifest;
      /** False when `manifestSha256` does not match the content. */
      intact: boolean;
      /** Metadata `manifest-sha256` as stored on the object, if any. */
      metadataSha256?: string;
      retention?: { mode?: string; retainUntil?: string };
    };

/** Largest manifest read back (a manifest of 10 000 artifacts is about 6 MiB). */
export const MAX_MANIFEST_BYTES = 32 * 1024 * 1024;

/**
 * Reads and strictly parses the manifest (the current version, or `versionId`). A missing
 * manifest and one that does not parse are results, not errors; S3 failures throw
 * (AwsCallError / UnsupportedError).
 */
export async function readManifest(
  s3: S3Client,
  bucket: string,
  incidentId: string,
  versionId?: string,
): Promise<ReadManifestResult> {
  const key = manifestKey(incidentId);
  let text: string;
  let answer: Awaited<ReturnType<typeof getObject>>;
  try {
    answer = await getObject(s3, bucket, key, versionId);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of (answer.Body ?? []) as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > MAX_MANIFEST_BYTES) {
        (answer.Body as Readable).destroy();
        return { kind: "invalid", key, reason: `larger than ${MAX_MANIFEST_BYTES} bytes` };
      }
      chunks.push(Buffer.from(chunk));
    }
    text = Buffer.concat(chunks).toString("utf8");
  } catch (err) {
    if (isNotFound(err)) return { kind: "missing", key };
    // The SDK checks the body against S3's stored checksum while it streams.
    if (isChecksumMismatch(err)) return { kind: "invalid", key, reason: (err as Error).message };
    throw toAwsError("S3:GetObject", err);
  }
  const readVersion = answer.VersionId;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return {
      kind: "invalid",
      key,
      ...(readVersion ? { versionId: readVersion } : {}),
      reason: `not JSON: ${(err as Error).message}`,
    };
  }
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    const reason = parsed.error.issues
      .slice(0, 5)
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
    return { kind: "invalid", key, ...(readVersion ? { versionId: readVersion } : {}), reason, raw };
  }
  const metadataSha256 = answer.Metadata?.[MANIFEST_SHA256_METADATA];
  return {
    kind: "found",
    key,
    ...(readVersion ? { versionId: readVersion } : {}),
    manifest: parsed.data,
    intact: isManifestIntact(parsed.data),
    ...(metadataSha256 ? { metadataSha256 } : {}),
    ...(answer.ObjectLockMode || answer.ObjectLockRetainUntilDate
      ? {
          retention: {
            ...(answer.ObjectLockMode ? { mode: answer.ObjectLockMode } : {}),
            ...(answer.ObjectLockRetainUntilDate
              ? { retainUntil: answer.ObjectLockRetainUntilDate.toISOString() }
              : {}),
          },
        }
      : {}),
  };
}

function getObject(s3: S3Client, bucket: string, key: string, versionId?: string) {
  return s3.send(
    new GetObjectCommand({
      Bucket: bucket,
      Key: key,
      ChecksumMode: "ENABLED",
      ...(versionId ? { VersionId: versionId } : {}),
    }),
  );
}

async function head(s3: S3Client, bucket: string, key: string): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw toAwsError("S3:HeadObject", err);
  }
}
