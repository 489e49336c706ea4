/**
 * Verifying an incident's evidence against its manifest, and the manifest against what the
 * incident record pins. S3 adapter around pure decisions ({@link assessArtifact}, pin.ts).
 *
 * With a pin (from the incident record): the pinned manifest version is read, its SHA-256
 * compared with the record's and its signature checked with KMS; every artifact is read at the
 * VersionId the manifest records; and a later version (or delete marker) over the manifest or
 * any artifact — a `PutObject` after sealing — is reported as `replaced` and fails the verdict.
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
  type S3Client,
  type Tier,
} from "@aws-sdk/client-s3";
import { errorCode, isNotFound, isNotImplemented, toAwsError } from "../aws/errors.ts";
import { describeError } from "../errors/index.ts";
import { assessArtifact } from "./assess.ts";
import { InvalidEvidenceInputError } from "./errors.ts";
import { type HashResult, hashStream, isChecksumMismatch } from "./hashing.ts";
import { incidentPrefix, manifestKey, validateIncidentId } from "./keys.ts";
import { type KeyVersions, listUnexpected, listVersions } from "./listing.ts";
import { MANIFEST_SHA256_METADATA, manifestDigest, readManifest } from "./manifest.ts";
import { ARCHIVED_STORAGE_CLASSES, type ArtifactRecord } from "./manifest-schema.ts";
import { assessManifestPin, checkSignature, type EvidencePin, replacedSince } from "./pin.ts";
import { archived, parseRestoreHeader } from "./restore.ts";
import type { SignatureVerifier } from "./signature-check.ts";
import { forEachLimit } from "./util.ts";
import {
  errorItem,
  VERIFY_STATUSES,
  type VerifyItem,
  type VerifyReport,
  type VerifyStatus,
} from "./verify-report.ts";

export { assessArtifact, type ObservedArtifact } from "./assess.ts";
export type { EvidencePin } from "./pin.ts";
export { parseRestoreHeader } from "./restore.ts";
export {
  VERIFY_STATUSES,
  type VerifyItem,
  type VerifyReport,
  type VerifyStatus,
} from "./verify-report.ts";

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
  /**
   * What the incident record pins (its `evidence` field). Given, the pinned manifest version is
   * verified (its SHA-256 and signature against the record), artifacts at their recorded
   * versions, and any later version over them fails the verdict. Absent: the current manifest
   * is verified as it stands (nothing outside the bucket vouches for it).
   */
  pin?: EvidencePin;
  /** Checks the pinned signature (KMS Verify); without it a signature is reported unchecked. */
  signatures?: SignatureVerifier;
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

  const pin = input.pin;
  const read = await readManifest(
    s3,
    input.bucket,
    incidentId,
    pin?.manifestVersionId ?? input.manifestVersionId,
  );
  let manifestOk = false;
  let artifacts: ArtifactRecord[] = [];
  let manifestInfo: VerifyReport["manifest"];
  const versions = await listVersions(s3, input.bucket, incidentPrefix(incidentId)).catch((err: unknown) =>
    describeError(toAwsError("S3:ListObjectVersions", err)),
  );

  if (read.kind === "missing") {
    items.push({
      name: MANIFEST_ITEM_NAME,
      key: mKey,
      status: "missing",
      ...(pin?.manifestVersionId ? { versionId: pin.manifestVersionId } : {}),
      detail:
        `no manifest at s3://${input.bucket}/${mKey}` +
        `${pin?.manifestVersionId ? ` (version ${pin.manifestVersionId}, pinned by the incident record)` : ""}: nothing can be verified`,
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
    if (pin) {
      const pinned = assessManifestPin(pin, { manifestSha256: manifestDigest(m), ...read });
      problems.push(...pinned.problems);
      warnings.push(...pinned.warnings);
      manifestInfo.pinned = pin.manifestVersionId ? "pinned" : "unpinned";
      const signature = await checkSignature(pin.signature, manifestDigest(m), input.signatures);
      manifestInfo.signature = { status: signature.status, detail: signature.detail };
      if (signature.failed) problems.push(signature.detail);
      else if (signature.status !== "valid")
        warnings.push(`manifest signature ${signature.status}: ${signature.detail}`);
    }
    manifestOk = problems.length === 0;
    if (!read.retention?.mode) warnings.push(`manifest ${mKey} is not under Object Lock retention`);
    for (const g of m.gaps ?? [])
      warnings.push(`incomplete evidence: ${g.step} ${g.status} when the manifest was written: ${g.detail}`);
    const count = typeof versions === "string" ? versions : (versions.get(mKey)?.versions ?? 0);
    if (typeof count === "string") warnings.push(`could not count the manifest's versions: ${count}`);
    else manifestInfo.versions = count;
    if (typeof count === "number" && count > 1) {
      const which = pin?.manifestVersionId
        ? "the pinned"
        : input.manifestVersionId
          ? "version"
          : "the current one";
      warnings.push(
        `manifest has ${count} versions; verified ${which}${read.versionId ? ` ${read.versionId}` : ""} (earlier ones stay locked; pass manifestVersionId to verify another)`,
      );
    }
    items.push({
      name: MANIFEST_ITEM_NAME,
      key: mKey,
      status: manifestOk ? "ok" : "mismatch",
      expected: pin?.manifestSha256 ?? m.manifestSha256,
      actual: manifestDigest(m),
      ...(read.versionId ? { versionId: read.versionId } : {}),
      detail: manifestOk
        ? `manifest intact${pin?.manifestSha256 ? ", SHA-256 as recorded on the incident" : ""}` +
          `${manifestInfo.signature?.status === "valid" ? ", signature valid" : ""}: ` +
          `${m.artifacts.length} artifact(s), ${m.snapshots.length} snapshot(s)` +
          (read.retention?.mode ? `, ${read.retention.mode} until ${read.retention.retainUntil ?? "?"}` : "")
        : problems.join("; "),
    });
    if (pin && typeof versions !== "string") {
      const why = replacedSince(read.versionId, versions.get(mKey)?.latest);
      if (why)
        items.push({
          name: `${MANIFEST_ITEM_NAME} (current version)`,
          key: mKey,
          status: "replaced",
          detail: why,
        });
    }
  }
  if (pin && typeof versions === "string") {
    items.push({
      name: "(versions)",
      key: incidentPrefix(incidentId),
      status: "error",
      detail: `could not list the versions under the incident prefix, so cannot tell whether anything was written over the sealed evidence: ${versions}`,
    });
  }

  const pinVersions = input.pinVersions || Boolean(pin);
  const artifactItems: VerifyItem[] = new Array(artifacts.length);
  await forEachLimit(
    artifacts.map((a, i) => [a, i] as const),
    concurrency,
    async ([record, i]) => {
      const item = await verifyArtifact(s3, { ...input, pinVersions }, record, restoreDays);
      artifactItems[i] = pin ? overwritten(item, record, versions) : item;
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
  const ok =
    manifestOk &&
    artifactItems.every((i) => i.status === "ok") &&
    counts.error === 0 &&
    counts.replaced === 0;

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

/** An artifact item, `replaced` when a later version (or delete marker) now hides the sealed one. */
function overwritten(
  item: VerifyItem,
  record: ArtifactRecord,
  versions: Map<string, KeyVersions> | string,
): VerifyItem {
  if (typeof versions === "string") return item;
  const why = replacedSince(record.versionId, versions.get(record.key)?.latest);
  if (!why) return item;
  if (item.status !== "ok") return { ...item, detail: `${item.detail}; ${why}` };
  return { ...item, status: "replaced", detail: `${why} (the sealed version itself: ${item.detail})` };
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

  // Uploaded in parts: several, or one part of a multipart upload (a disk image that fits one),
  // whose checksum S3 gives in the composite form `<base64>-1`.
  const multipart =
    record.partSize !== undefined && ((record.partCount ?? 1) > 1 || /-\d+$/.test(record.s3Checksum ?? ""));
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
