/**
 * Verifying an incident's evidence against its manifest. S3 adapter around a pure
 * decision ({@link assessArtifact}).
 *
 * For each artifact the manifest names: HeadObject (there? size? storage class? restored?),
 * then GetObject with `ChecksumMode: ENABLED`, streamed through SHA-256 in bounded memory,
 * and the hash compared with the manifest, with the object's own witness (metadata or tag
 * `sha256`) and with S3's `ChecksumSHA256` (the full-object hash for a single part, the
 * checksum of part checksums, recomputed, for a multipart object). Objects in GLACIER or
 * DEEP_ARCHIVE cannot be read before a restore: they are reported, never counted as verified.
 * Objects under the incident prefix that the manifest does not name are reported as
 * `unexpected`.
 */

import type { Readable } from "node:stream";
import {
  GetObjectCommand,
  type GetObjectCommandOutput,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  RestoreObjectCommand,
  type S3Client,
  type Tier,
} from "@aws-sdk/client-s3";
import { errorCode, isNotFound, isNotImplemented, toAwsError } from "../aws/errors.ts";
import { describeError } from "../errors/index.ts";
import { InvalidEvidenceInputError } from "./errors.ts";
import {
  type HashResult,
  hashStream,
  hexToBase64,
  isChecksumMismatch,
  sameS3Checksum,
  splitS3Checksum,
} from "./hashing.ts";
import { incidentPrefix, manifestKey, validateIncidentId } from "./keys.ts";
import { MANIFEST_SHA256_METADATA, readManifest } from "./manifest.ts";
import { ARCHIVED_STORAGE_CLASSES, type ArtifactRecord } from "./schema.ts";
import { byCodePoint, forEachLimit } from "./util.ts";

/**
 * - `ok`: read back, hash matches the manifest and every witness;
 * - `mismatch`: hash, size or a witness disagrees (or the manifest itself is not intact);
 * - `missing`: not in the bucket (deleted: a delete marker hides it);
 * - `awaiting-restore`: in GLACIER/DEEP_ARCHIVE, not restored, no restore asked;
 * - `restore-requested`: a restore was requested now or is in progress;
 * - `unexpected`: under the incident prefix but not in the manifest;
 * - `error`: S3 refused a call for this item (access denied, unsupported…).
 */
export type VerifyStatus =
  | "ok"
  | "mismatch"
  | "missing"
  | "awaiting-restore"
  | "restore-requested"
  | "unexpected"
  | "error";

export const VERIFY_STATUSES: readonly VerifyStatus[] = [
  "ok",
  "mismatch",
  "missing",
  "awaiting-restore",
  "restore-requested",
  "unexpected",
  "error",
];

export interface VerifyItem {
  name: string;
  key: string;
  status: VerifyStatus;
  /** SHA-256 (hex) the manifest records (for the manifest item: its `manifestSha256`). */
  expected?: string;
  /** SHA-256 (hex) computed from the bytes read. */
  actual?: string;
  detail: string;
  versionId?: string;
  storageClass?: string;
}

export interface VerifyReport {
  incidentId: string;
  bucket: string;
  /** True only when the manifest is intact and every artifact it names is `ok`. */
  ok: boolean;
  checkedAt: string;
  manifest?: {
    key: string;
    versionId?: string;
    manifestSha256?: string;
    createdAt?: string;
    artifacts: number;
    snapshots: number;
    /** How many versions the manifest key has (a new one is written whenever the evidence changes). */
    versions?: number;
    retention?: { mode?: string; retainUntil?: string };
  };
  items: VerifyItem[];
  counts: Record<VerifyStatus, number>;
  /** Things worth a look that do not make the evidence wrong (unlocked manifest, unexpected objects…). */
  warnings: string[];
}

export interface VerifyIncidentInput {
  bucket: string;
  incidentId: string;
  /** Request a restore of archived (GLACIER/DEEP_ARCHIVE) artifacts. Default false. */
  restore?: boolean;
  /** Days the restored copy stays available. Default 7. */
  restoreDays?: number;
  /** Retrieval tier. Default `Standard` (valid for both GLACIER and DEEP_ARCHIVE). */
  restoreTier?: Tier;
  /**
   * Verify the exact versions the manifest records instead of the current ones. Default false:
   * a newer version written over an artifact is then reported as a mismatch.
   */
  pinVersions?: boolean;
  /** Verify against this version of the manifest instead of the current one. */
  manifestVersionId?: string;
  /** Artifacts verified at once. Default 2. */
  concurrency?: number;
  /** Clock, for tests. */
  now?: () => Date;
}

const MANIFEST_ITEM_NAME = "manifest.json";

/**
 * Verifies every artifact of an incident against its manifest. S3 failures on one artifact
 * become `error` items; failures to read the manifest itself throw.
 */
export async function verifyIncident(s3: S3Client, input: VerifyIncidentInput): Promise<VerifyReport> {
  const incidentId = validateIncidentId(input.incidentId);
  if (!input.bucket) throw new InvalidEvidenceInputError("required", "bucket");
  const restoreDays = input.restoreDays ?? 7;
  if (!Number.isInteger(restoreDays) || restoreDays < 1 || restoreDays > 30_000) {
    throw new InvalidEvidenceInputError(`must be an integer ≥ 1, got ${restoreDays}`, "restoreDays");
  }
  const concurrency = input.concurrency ?? 2;
  const checkedAt = (input.now ?? (() => new Date()))().toISOString();
  const items: VerifyItem[] = [];
  const warnings: string[] = [];
  const mKey = manifestKey(incidentId);

  const read = await readManifest(s3, input.bucket, incidentId, input.manifestVersionId);
  let manifestOk = false;
  let artifacts: ArtifactRecord[] = [];
  let manifestInfo: VerifyReport["manifest"];

  if (read.kind === "missing") {
    items.push({
      name: MANIFEST_ITEM_NAME,
      key: mKey,
      status: "missing",
      detail: `no manifest at s3://${input.bucket}/${mKey}: nothing can be verified`,
    });
  } else if (read.kind === "invalid") {
    items.push({
      name: MANIFEST_ITEM_NAME,
      key: mKey,
      status: "mismatch",
      ...(read.versionId ? { versionId: read.versionId } : {}),
      detail: `manifest does not validate: ${read.reason}`,
    });
  } else {
    const m = read.manifest;
    artifacts = m.artifacts;
    manifestInfo = {
      key: read.key,
      ...(read.versionId ? { versionId: read.versionId } : {}),
      manifestSha256: m.manifestSha256,
      createdAt: m.createdAt,
      artifacts: m.artifacts.length,
      snapshots: m.snapshots.length,
      ...(read.retention ? { retention: read.retention } : {}),
    };
    const problems: string[] = [];
    if (m.incidentId !== incidentId) problems.push(`manifest is for incident ${m.incidentId}`);
    if (!read.intact) problems.push("manifestSha256 does not match the manifest's content");
    if (read.metadataSha256 && read.metadataSha256 !== m.manifestSha256) {
      problems.push(`object metadata ${MANIFEST_SHA256_METADATA} is ${read.metadataSha256}`);
    }
    manifestOk = problems.length === 0;
    if (!read.retention?.mode) warnings.push(`manifest ${mKey} is not under Object Lock retention`);
    for (const g of m.gaps ?? [])
      warnings.push(`incomplete evidence: ${g.step} ${g.status} when the manifest was written: ${g.detail}`);
    const versions = await countVersions(s3, input.bucket, mKey);
    if (typeof versions === "string") warnings.push(`could not count the manifest's versions: ${versions}`);
    else manifestInfo.versions = versions;
    if (typeof versions === "number" && versions > 1) {
      warnings.push(
        `manifest has ${versions} versions; verified ${input.manifestVersionId ? "version" : "the current one"} ` +
          `${read.versionId ?? ""} (earlier ones stay locked; pass manifestVersionId to verify another)`.trim(),
      );
    }
    items.push({
      name: MANIFEST_ITEM_NAME,
      key: mKey,
      status: manifestOk ? "ok" : "mismatch",
      expected: m.manifestSha256,
      ...(read.versionId ? { versionId: read.versionId } : {}),
      detail: manifestOk
        ? `manifest intact: ${m.artifacts.length} artifact(s), ${m.snapshots.length} snapshot(s)` +
          (read.retention?.mode ? `, ${read.retention.mode} until ${read.retention.retainUntil ?? "?"}` : "")
        : problems.join("; "),
    });
  }

  const artifactItems: VerifyItem[] = new Array(artifacts.length);
  await forEachLimit(
    artifacts.map((a, i) => [a, i] as const),
    concurrency,
    async ([record, i]) => {
      artifactItems[i] = await verifyArtifact(s3, input, record, restoreDays);
    },
  );
  items.push(...artifactItems);

  const known = new Set([mKey, ...artifacts.map((a) => a.key)]);
  try {
    const unexpected = await listUnexpected(s3, input.bucket, incidentPrefix(incidentId), known);
    items.push(...unexpected);
    if (unexpected.length > 0)
      warnings.push(`${unexpected.length} object(s) under the incident prefix are not in the manifest`);
  } catch (err) {
    items.push({
      name: "(listing)",
      key: incidentPrefix(incidentId),
      status: "error",
      detail: `could not list the incident prefix: ${describeError(toAwsError("S3:ListObjectsV2", err))}`,
    });
  }

  const counts = Object.fromEntries(VERIFY_STATUSES.map((s) => [s, 0])) as Record<VerifyStatus, number>;
  for (const item of items) counts[item.status] += 1;
  const ok = manifestOk && artifactItems.every((i) => i.status === "ok") && counts.error === 0;

  return {
    incidentId,
    bucket: input.bucket,
    ok,
    checkedAt,
    ...(manifestInfo ? { manifest: manifestInfo } : {}),
    items,
    counts,
    warnings,
  };
}

/** What was read back for one artifact. */
export interface ObservedArtifact {
  sha256: string;
  size: number;
  /** Composite checksum recomputed over the recorded part size (multipart objects only). */
  compositeSha256?: string;
  partCount?: number;
  /** `x-amz-meta-sha256`, when present. */
  metadataSha256?: string;
  /** Tag `sha256`: a string, `null` when looked for and absent, undefined when not looked for. */
  tagSha256?: string | null;
  /** `ChecksumSHA256` from GetObject, when S3 returned one. */
  s3Checksum?: string;
  versionId?: string;
}

/**
 * Decides whether what was read back matches the record (pure). Any disagreement — content
 * hash, size, metadata or tag witness, S3's checksum — is a mismatch; a missing optional
 * witness is only noted.
 */
export function assessArtifact(
  record: ArtifactRecord,
  observed: ObservedArtifact,
): { status: "ok" | "mismatch"; detail: string } {
  const problems: string[] = [];
  const notes: string[] = [];
  if (observed.sha256 !== record.sha256) problems.push("content SHA-256 differs from the manifest");
  if (observed.size !== record.size) problems.push(`size ${observed.size}, manifest says ${record.size}`);
  if (observed.metadataSha256 !== undefined && observed.metadataSha256 !== record.sha256) {
    problems.push(`metadata sha256 ${observed.metadataSha256} differs from the manifest`);
  }
  if (typeof observed.tagSha256 === "string" && observed.tagSha256 !== record.sha256) {
    problems.push(`tag sha256 ${observed.tagSha256} differs from the manifest`);
  }
  if (observed.tagSha256 === null && record.sha256Witness === "tag")
    notes.push("tag sha256 has been removed");
  if (observed.metadataSha256 === undefined && record.sha256Witness === "metadata") {
    notes.push("metadata sha256 absent");
  }

  if (observed.s3Checksum) {
    const [hash, parts] = splitS3Checksum(observed.s3Checksum);
    const multipart = parts !== undefined ? parts > 1 : (record.partCount ?? 1) > 1;
    if (!multipart) {
      if (hash !== hexToBase64(observed.sha256))
        problems.push("S3 ChecksumSHA256 disagrees with the bytes read");
    } else if (observed.compositeSha256) {
      if (hash !== observed.compositeSha256 || (parts !== undefined && parts !== observed.partCount)) {
        problems.push("S3 composite ChecksumSHA256 disagrees with the parts read");
      }
    } else {
      notes.push("S3 composite checksum not checked (part size unknown)");
    }
    if (record.s3Checksum && !sameS3Checksum(record.s3Checksum, observed.s3Checksum)) {
      problems.push(`S3 checksum ${observed.s3Checksum} is not the one acknowledged at archive time`);
    }
  } else {
    notes.push("S3 returned no SHA-256 checksum");
  }
  if (record.versionId && observed.versionId && record.versionId !== observed.versionId) {
    notes.push(`current version ${observed.versionId} is not the archived version ${record.versionId}`);
  }
  if (problems.length > 0) return { status: "mismatch", detail: [...problems, ...notes].join("; ") };
  const witnesses = ["manifest"];
  if (observed.metadataSha256 !== undefined) witnesses.push("metadata");
  if (typeof observed.tagSha256 === "string") witnesses.push("tag");
  if (observed.s3Checksum) witnesses.push("S3 checksum");
  return {
    status: "ok",
    detail: [`SHA-256 matches ${witnesses.join(", ")}`, ...notes].join("; "),
  };
}

/** `x-amz-restore` → whether a restored copy is readable. */
export function parseRestoreHeader(restore: string | undefined): "none" | "in-progress" | "restored" {
  if (!restore) return "none";
  if (/ongoing-request="true"/.test(restore)) return "in-progress";
  if (/ongoing-request="false"/.test(restore)) return "restored";
  return "none";
}

async function verifyArtifact(
  s3: S3Client,
  input: VerifyIncidentInput,
  record: ArtifactRecord,
  restoreDays: number,
): Promise<VerifyItem> {
  const base = { name: record.name, key: record.key, expected: record.sha256 };
  const version = input.pinVersions && record.versionId ? { VersionId: record.versionId } : {};
  const where = { Bucket: input.bucket, Key: record.key, ...version };
  const missing = (how: string): VerifyItem => ({
    ...base,
    status: "missing",
    detail:
      `${how}` +
      (record.versionId && !input.pinVersions
        ? `; the archived version ${record.versionId} may still be retained (verify with pinVersions)`
        : ""),
  });

  let head: HeadObjectCommandOutput;
  try {
    head = await s3.send(new HeadObjectCommand(where));
  } catch (err) {
    if (isNotFound(err)) return missing("not in the bucket (deleted or never written)");
    return errorItem(base, "S3:HeadObject", err);
  }
  const storageClass = head.StorageClass ?? "STANDARD";
  const described = { ...base, storageClass, ...(head.VersionId ? { versionId: head.VersionId } : {}) };
  const sizeDiffers = head.ContentLength !== undefined && head.ContentLength !== record.size;
  const restoreState = parseRestoreHeader(head.Restore);
  if (ARCHIVED_STORAGE_CLASSES.has(storageClass) && restoreState !== "restored") {
    // Unreadable; a wrong size is already enough to tell.
    if (sizeDiffers) {
      return {
        ...described,
        status: "mismatch",
        detail: `size ${head.ContentLength}, manifest says ${record.size}`,
      };
    }
    return archived(s3, input, described, where, storageClass, restoreState, restoreDays);
  }

  let got: GetObjectCommandOutput;
  try {
    got = await s3.send(new GetObjectCommand({ ...where, ChecksumMode: "ENABLED" }));
  } catch (err) {
    if (errorCode(err) === "InvalidObjectState") {
      return archived(s3, input, described, where, storageClass, restoreState, restoreDays);
    }
    if (isNotFound(err)) return missing("disappeared while being verified");
    return errorItem(described, "S3:GetObject", err);
  }

  const multipart = (record.partCount ?? 1) > 1 && record.partSize !== undefined;
  let hash: HashResult;
  try {
    hash = await hashStream(
      (got.Body ?? []) as Readable,
      multipart && record.partSize ? { partSize: record.partSize } : {},
    );
  } catch (err) {
    if (isChecksumMismatch(err)) {
      return {
        ...described,
        status: "mismatch",
        detail: `bytes read do not match S3's stored checksum: ${(err as Error).message}`,
      };
    }
    return errorItem(described, "S3:GetObject", err);
  }

  let tagSha256: string | null | undefined;
  if (record.sha256Witness === "tag") {
    try {
      const tags = await s3.send(
        new GetObjectTaggingCommand({ ...where, ...(got.VersionId ? { VersionId: got.VersionId } : {}) }),
      );
      tagSha256 = tags.TagSet?.find((t) => t.Key === "sha256")?.Value ?? null;
    } catch (err) {
      if (!isNotImplemented(err)) return errorItem(described, "S3:GetObjectTagging", err);
    }
  }

  const metadataSha256 = got.Metadata?.sha256;
  const assessed = assessArtifact(record, {
    sha256: hash.sha256,
    size: hash.size,
    ...(hash.compositeSha256 ? { compositeSha256: hash.compositeSha256, partCount: hash.partCount } : {}),
    ...(metadataSha256 !== undefined ? { metadataSha256 } : {}),
    ...(tagSha256 !== undefined ? { tagSha256 } : {}),
    ...(got.ChecksumSHA256 ? { s3Checksum: got.ChecksumSHA256 } : {}),
    ...(got.VersionId ? { versionId: got.VersionId } : {}),
  });
  return {
    ...described,
    ...(got.VersionId ? { versionId: got.VersionId } : {}),
    status: assessed.status,
    actual: hash.sha256,
    detail: assessed.detail,
  };
}

async function archived(
  s3: S3Client,
  input: VerifyIncidentInput,
  described: Omit<VerifyItem, "status" | "detail">,
  where: { Bucket: string; Key: string; VersionId?: string },
  storageClass: string,
  restoreState: "none" | "in-progress" | "restored",
  restoreDays: number,
): Promise<VerifyItem> {
  if (restoreState === "in-progress") {
    return { ...described, status: "restore-requested", detail: `${storageClass}: restore in progress` };
  }
  if (!input.restore) {
    return {
      ...described,
      status: "awaiting-restore",
      detail: `${storageClass}: unreadable until restored; verify again with restore requested`,
    };
  }
  const tier = input.restoreTier ?? "Standard";
  try {
    await s3.send(
      new RestoreObjectCommand({
        ...where,
        RestoreRequest: { Days: restoreDays, GlacierJobParameters: { Tier: tier } },
      }),
    );
    return {
      ...described,
      status: "restore-requested",
      detail: `${storageClass}: restore requested (${tier}, ${restoreDays} days); verify again once restored`,
    };
  } catch (err) {
    if (errorCode(err) === "RestoreAlreadyInProgress") {
      return {
        ...described,
        status: "restore-requested",
        detail: `${storageClass}: restore already in progress`,
      };
    }
    if (isNotImplemented(err)) {
      return {
        ...described,
        status: "awaiting-restore",
        detail: `${storageClass}: unreadable until restored; RestoreObject is not supported by this endpoint`,
      };
    }
    return errorItem(described, "S3:RestoreObject", err);
  }
}

function errorItem(
  described: Omit<VerifyItem, "status" | "detail">,
  operation: string,
  err: unknown,
): VerifyItem {
  return { ...described, status: "error", detail: describeError(toAwsError(operation, err)) };
}

/** Number of versions (delete markers excluded) of one key, or why they could not be listed. */
async function countVersions(s3: S3Client, bucket: string, key: string): Promise<number | string> {
  try {
    let count = 0;
    let keyMarker: string | undefined;
    let versionMarker: string | undefined;
    do {
      const page: ListObjectVersionsCommandOutput = await s3.send(
        new ListObjectVersionsCommand({
          Bucket: bucket,
          Prefix: key,
          ...(keyMarker ? { KeyMarker: keyMarker } : {}),
          ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
        }),
      );
      count += (page.Versions ?? []).filter((v) => v.Key === key).length;
      keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
      versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
    } while (keyMarker);
    return count;
  } catch (err) {
    // Informational (needs s3:ListBucketVersions): reported as a warning, not in the verdict.
    return describeError(toAwsError("S3:ListObjectVersions", err));
  }
}

async function listUnexpected(
  s3: S3Client,
  bucket: string,
  prefix: string,
  known: Set<string>,
): Promise<VerifyItem[]> {
  const found: VerifyItem[] = [];
  let token: string | undefined;
  do {
    const page: ListObjectsV2CommandOutput = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const o of page.Contents ?? []) {
      if (!o.Key || known.has(o.Key)) continue;
      found.push({
        name: o.Key.slice(prefix.length),
        key: o.Key,
        status: "unexpected",
        ...(o.StorageClass ? { storageClass: o.StorageClass } : {}),
        detail: `not in the manifest (${o.Size ?? "?"} bytes${o.LastModified ? `, modified ${o.LastModified.toISOString()}` : ""})`,
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found.sort((a, b) => byCodePoint(a.key, b.key));
}
