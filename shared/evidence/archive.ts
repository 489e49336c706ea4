/**
 * Archiving one artifact into the evidence bucket. S3 adapter: it receives its client.
 *
 * The SHA-256 of the whole object is computed while the bytes stream to S3 (one pass,
 * bounded memory: at most `queueSize + 2` parts of `partSize` bytes are held at once).
 * Every request carries `ChecksumAlgorithm: SHA256`, so S3 checks each part (or the single
 * object) against a SHA-256 the SDK computed from the same bytes; buckets with Object Lock
 * require a checksum on writes anyway.
 *
 * Where the full-object hash is attached to the object (its "witness"):
 * - bodies given in memory (Buffer, Uint8Array, string) are hashed before the upload starts,
 *   so the hash goes into the immutable user metadata `x-amz-meta-sha256`;
 * - streamed bodies are hashed as they go, and the hash is known only once the last byte is
 *   sent, after the object's metadata is fixed: it is attached as the object tag `sha256` on
 *   the new version (tags can be edited later, so the manifest stays the authority).
 *
 * Idempotency: for in-memory bodies an existing object with the same key, the same metadata
 * `sha256` and the same size is not written again; its record is returned. A streamed body
 * cannot be hashed before it is sent, so it is always written: on a versioned Object Lock
 * bucket the earlier version is kept (and stays locked) and the record names the new version.
 */

import { pipeline, Readable } from "node:stream";
import {
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  PutObjectCommand,
  type PutObjectCommandInput,
  PutObjectTaggingCommand,
  type S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { isNotFound, toAwsError } from "../aws/errors.ts";
import { UnsupportedError } from "../errors/index.ts";
import { EvidenceIntegrityError, InvalidEvidenceInputError } from "./errors.ts";
import {
  expectedS3Checksum,
  type HashResult,
  hashBuffer,
  hexToBase64,
  Sha256Transform,
  sameS3Checksum,
} from "./hashing.ts";
import { artifactKey, validateIncidentId } from "./keys.ts";
import {
  type ArchiveStorageClass,
  ArchiveStorageClassSchema,
  type ArtifactRecord,
  ArtifactRecordSchema,
} from "./manifest-schema.ts";
import { toIso } from "./util.ts";

const MiB = 1024 * 1024;
/** Default multipart part size: 8 MiB. */
export const DEFAULT_PART_SIZE = 8 * MiB;
/** Default number of parts uploaded concurrently. */
export const DEFAULT_QUEUE_SIZE = 2;
/** S3 limits: parts of at least 5 MiB, at most 10 000 parts. */
export const MIN_PART_SIZE = 5 * MiB;
export const MAX_PARTS = 10_000;

/** User-metadata keys written on each artifact (`x-amz-meta-…`). */
export const METADATA_KEYS = {
  sha256: "sha256",
  incidentId: "incident-id",
  collector: "collector",
  sourceApiCall: "source-api-call",
  collectedAt: "collected-at",
} as const;

/** The object tag that carries the SHA-256 of a streamed artifact. */
export const SHA256_TAG = "sha256";

export interface ArchiveArtifactInput {
  bucket: string;
  incidentId: string;
  /** File name under `incidents/<id>/artifacts/`, e.g. `instance-description.json` (one `/` allowed). */
  name: string;
  /** A stream is read once, in bounded memory; a Buffer or string is hashed before upload. */
  body: Readable | Uint8Array | string;
  contentType?: string;
  /** Default `STANDARD`. */
  storageClass?: ArchiveStorageClass;
  /** Who collected it, e.g. the step or function name. */
  collector: string;
  /** The API call the content came from, e.g. `ec2:DescribeInstances`. */
  sourceApiCall: string;
  /** SSE-KMS key (id, ARN or alias); without it the bucket's default encryption applies. */
  kmsKeyId?: string;
  /** When the artifact was collected; default: now. */
  collectedAt?: Date | string;
  /** Explicit Object Lock retention for this object (otherwise the bucket default applies). */
  objectLock?: { mode: "COMPLIANCE" | "GOVERNANCE"; retainUntil: Date };
}

export interface ArchiveOptions {
  /** Multipart part size in bytes (≥ 5 MiB). Default 8 MiB, or larger when `expectedSize` needs it. */
  partSize?: number;
  /** Parts uploaded concurrently (1–8). Default 2. */
  queueSize?: number;
  /**
   * Expected size of a streamed body, if known: the part size grows so that the upload stays
   * within S3's 10 000 parts (with 8 MiB parts a stream may hold at most 78 GiB).
   */
  expectedSize?: number;
  /** Clock, for tests. */
  now?: () => Date;
}

export interface ArchiveOutcome {
  record: ArtifactRecord;
  /** `reused` when an identical object was already there and nothing was written. */
  outcome: "written" | "reused";
}

/**
 * Archives one artifact at `incidents/<incidentId>/artifacts/<name>` and returns its record
 * for the manifest. See the module comment for hashing, witnesses and idempotency.
 *
 * @throws InvalidEvidenceInputError for a bad name, id or option.
 * @throws EvidenceIntegrityError when S3 acknowledges a checksum other than the one computed.
 * @throws AwsCallError / UnsupportedError when S3 refuses; the source stream's own error if it fails.
 */
export async function archiveArtifact(
  s3: S3Client,
  input: ArchiveArtifactInput,
  options: ArchiveOptions = {},
): Promise<ArtifactRecord> {
  return (await archiveArtifactWithOutcome(s3, input, options)).record;
}

/** {@link archiveArtifact}, also saying whether anything was written. */
export async function archiveArtifactWithOutcome(
  s3: S3Client,
  input: ArchiveArtifactInput,
  options: ArchiveOptions = {},
): Promise<ArchiveOutcome> {
  const plan = planArchive(input, options);
  const { body } = input;
  if (body instanceof Readable) return { record: await archiveStream(s3, plan, body), outcome: "written" };
  if (typeof body === "string" || body instanceof Uint8Array) return archiveBytes(s3, plan, toBuffer(body));
  throw new InvalidEvidenceInputError("expected a Readable, a Buffer/Uint8Array or a string", "body");
}

interface ArchivePlan {
  input: ArchiveArtifactInput;
  key: string;
  storageClass: ArchiveStorageClass;
  collectedAt: string;
  partSize: number;
  queueSize: number;
  /** Request fields shared by PutObject and CreateMultipartUpload (no Body, no checksum value). */
  params: Omit<PutObjectCommandInput, "Body">;
}

function planArchive(input: ArchiveArtifactInput, options: ArchiveOptions): ArchivePlan {
  if (!input.bucket) throw new InvalidEvidenceInputError("required", "bucket");
  validateIncidentId(input.incidentId);
  const key = artifactKey(input.incidentId, input.name);
  const storageClassParsed = ArchiveStorageClassSchema.safeParse(input.storageClass ?? "STANDARD");
  if (!storageClassParsed.success) {
    throw new InvalidEvidenceInputError(
      `unknown storage class ${String(input.storageClass)}`,
      "storageClass",
    );
  }
  const storageClass = storageClassParsed.data;
  const collectedAt = toIso(input.collectedAt ?? (options.now ?? (() => new Date()))(), "collectedAt");
  const partSize = choosePartSize(options);
  const queueSize = options.queueSize ?? DEFAULT_QUEUE_SIZE;
  if (!Number.isInteger(queueSize) || queueSize < 1 || queueSize > 8) {
    throw new InvalidEvidenceInputError(`must be 1-8, got ${queueSize}`, "queueSize");
  }
  // Checked now, so that a bad collector fails before any byte is sent.
  const probe = ArtifactRecordSchema.pick({ collector: true, sourceApiCall: true }).safeParse({
    collector: input.collector,
    sourceApiCall: input.sourceApiCall,
  });
  if (!probe.success) {
    const issue = probe.error.issues[0];
    throw new InvalidEvidenceInputError(issue?.message ?? "invalid", String(issue?.path[0] ?? "collector"));
  }
  const params: Omit<PutObjectCommandInput, "Body"> = {
    Bucket: input.bucket,
    Key: key,
    ContentType: input.contentType ?? "application/octet-stream",
    StorageClass: storageClass,
    ChecksumAlgorithm: "SHA256",
    Metadata: {
      [METADATA_KEYS.incidentId]: input.incidentId,
      [METADATA_KEYS.collector]: input.collector,
      [METADATA_KEYS.sourceApiCall]: input.sourceApiCall,
      [METADATA_KEYS.collectedAt]: collectedAt,
    },
    ...(input.kmsKeyId ? { ServerSideEncryption: "aws:kms", SSEKMSKeyId: input.kmsKeyId } : {}),
    ...(input.objectLock
      ? { ObjectLockMode: input.objectLock.mode, ObjectLockRetainUntilDate: input.objectLock.retainUntil }
      : {}),
  };
  return { input, key, storageClass, collectedAt, partSize, queueSize, params };
}

function choosePartSize(options: ArchiveOptions): number {
  if (options.partSize !== undefined) {
    if (!Number.isSafeInteger(options.partSize) || options.partSize < MIN_PART_SIZE) {
      throw new InvalidEvidenceInputError(`must be an integer ≥ ${MIN_PART_SIZE}`, "partSize");
    }
    return options.partSize;
  }
  const needed = options.expectedSize ? Math.ceil(options.expectedSize / MAX_PARTS) : 0;
  // Round up to whole MiB so parts stay aligned and readable in logs.
  return Math.max(DEFAULT_PART_SIZE, Math.ceil(needed / MiB) * MiB);
}

async function archiveBytes(s3: S3Client, plan: ArchivePlan, bytes: Buffer): Promise<ArchiveOutcome> {
  const hash = hashBuffer(bytes, { partSize: plan.partSize });
  const existing = await headExisting(s3, plan.input.bucket, plan.key);
  const reused = existing && recordFromExisting(plan, hash, existing);
  if (reused) return { record: reused, outcome: "reused" };

  const params = {
    ...plan.params,
    Metadata: { ...plan.params.Metadata, [METADATA_KEYS.sha256]: hash.sha256 },
  };
  let answer: { ChecksumSHA256?: string; VersionId?: string };
  if (hash.size <= plan.partSize) {
    // One request; S3 checks the body against the hash computed above.
    answer = await callS3("S3:PutObject", () =>
      s3.send(new PutObjectCommand({ ...params, Body: bytes, ChecksumSHA256: hexToBase64(hash.sha256) })),
    );
  } else {
    answer = await upload(s3, plan, { ...params, Body: bytes });
  }
  checkAcknowledged(plan.key, hash, answer.ChecksumSHA256);
  return { record: buildRecord(plan, hash, answer, "metadata"), outcome: "written" };
}

async function archiveStream(s3: S3Client, plan: ArchivePlan, body: Readable): Promise<ArtifactRecord> {
  const hasher = new Sha256Transform({ partSize: plan.partSize });
  let sourceError: unknown;
  body.once("error", (err) => {
    sourceError ??= err;
  });
  // pipeline destroys the source when the upload stops reading (failure), and the hasher
  // when the source fails, so the upload sees the error instead of waiting forever.
  pipeline(body, hasher, () => {});
  let answer: { ChecksumSHA256?: string; VersionId?: string };
  try {
    answer = await upload(s3, plan, { ...plan.params, Body: hasher });
  } catch (err) {
    hasher.destroy();
    if (sourceError !== undefined) throw sourceError;
    throw err;
  }
  const hash = hasher.result();
  checkAcknowledged(plan.key, hash, answer.ChecksumSHA256);
  const witness = await tagSha256(s3, plan, hash.sha256, answer.VersionId);
  return buildRecord(plan, hash, answer, witness);
}

async function upload(
  s3: S3Client,
  plan: ArchivePlan,
  params: PutObjectCommandInput,
): Promise<{ ChecksumSHA256?: string; VersionId?: string }> {
  const up = new Upload({
    client: s3,
    params,
    partSize: plan.partSize,
    queueSize: plan.queueSize,
    leavePartsOnError: false,
  });
  return callS3("S3:Upload", () => up.done());
}

/** Attaches the hash of a streamed artifact as the tag `sha256` of the version just written. */
async function tagSha256(
  s3: S3Client,
  plan: ArchivePlan,
  sha256: string,
  versionId: string | undefined,
): Promise<"tag" | "none"> {
  try {
    await callS3("S3:PutObjectTagging", () =>
      s3.send(
        new PutObjectTaggingCommand({
          Bucket: plan.input.bucket,
          Key: plan.key,
          ...(versionId ? { VersionId: versionId } : {}),
          Tagging: { TagSet: [{ Key: SHA256_TAG, Value: sha256 }] },
        }),
      ),
    );
    return "tag";
  } catch (err) {
    // An endpoint without object tagging: the manifest still carries the hash.
    if (err instanceof UnsupportedError) return "none";
    throw err;
  }
}

/** Refuses an acknowledgement whose checksum differs from the one computed while streaming. */
function checkAcknowledged(key: string, hash: HashResult, acknowledged: string | undefined): void {
  if (!acknowledged) return;
  const expected = expectedS3Checksum(hash);
  if (!sameS3Checksum(acknowledged, expected)) {
    throw new EvidenceIntegrityError(
      `S3 acknowledged ChecksumSHA256 ${acknowledged}, computed ${expected} while streaming`,
      key,
      true,
    );
  }
}

function buildRecord(
  plan: ArchivePlan,
  hash: HashResult,
  answer: { ChecksumSHA256?: string; VersionId?: string },
  witness: "metadata" | "tag" | "none",
): ArtifactRecord {
  const partCount = hash.partCount ?? 1;
  return {
    name: plan.input.name,
    key: plan.key,
    sha256: hash.sha256,
    size: hash.size,
    ...(answer.ChecksumSHA256 ? { s3Checksum: answer.ChecksumSHA256 } : {}),
    partCount,
    ...(partCount > 1 ? { partSize: plan.partSize } : {}),
    sha256Witness: witness,
    ...(answer.VersionId ? { versionId: answer.VersionId } : {}),
    storageClass: plan.storageClass,
    contentType: plan.params.ContentType,
    collectedAt: plan.collectedAt,
    collector: plan.input.collector,
    sourceApiCall: plan.input.sourceApiCall,
  };
}

/**
 * The record of an existing object that holds exactly these bytes (same metadata sha256, same
 * size, no contradicting S3 checksum), or undefined when it must be written again.
 */
function recordFromExisting(
  plan: ArchivePlan,
  hash: HashResult,
  head: HeadObjectCommandOutput,
): ArtifactRecord | undefined {
  const meta = head.Metadata ?? {};
  if (meta[METADATA_KEYS.sha256] !== hash.sha256 || head.ContentLength !== hash.size) return undefined;
  const expected = expectedS3Checksum(hash);
  if (head.ChecksumSHA256 && !sameS3Checksum(head.ChecksumSHA256, expected)) return undefined;
  const partCount = hash.partCount ?? 1;
  const candidate: ArtifactRecord = {
    name: plan.input.name,
    key: plan.key,
    sha256: hash.sha256,
    size: hash.size,
    ...(head.ChecksumSHA256 ? { s3Checksum: expected } : {}),
    partCount,
    ...(partCount > 1 ? { partSize: plan.partSize } : {}),
    sha256Witness: "metadata",
    ...(head.VersionId ? { versionId: head.VersionId } : {}),
    storageClass: head.StorageClass ?? "STANDARD",
    contentType: head.ContentType ?? plan.params.ContentType,
    // The first collection's provenance, so that a replay yields the same record.
    collectedAt: meta[METADATA_KEYS.collectedAt] ?? plan.collectedAt,
    collector: meta[METADATA_KEYS.collector] ?? plan.input.collector,
    sourceApiCall: meta[METADATA_KEYS.sourceApiCall] ?? plan.input.sourceApiCall,
  };
  const parsed = ArtifactRecordSchema.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

async function headExisting(
  s3: S3Client,
  bucket: string,
  key: string,
): Promise<HeadObjectCommandOutput | undefined> {
  try {
    return await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: "ENABLED" }));
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw toAwsError("S3:HeadObject", err);
  }
}

async function callS3<T>(operation: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toAwsError(operation, err);
  }
}

function toBuffer(body: Uint8Array | string): Buffer {
  if (typeof body === "string") return Buffer.from(body, "utf8");
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}
