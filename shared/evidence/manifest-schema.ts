/**
 * Schemas of the evidence archive: artifact records, snapshot entries and the manifest.
 * Types come from `z.infer`. The manifest schema is strict (unknown keys are refused), so a
 * manifest read back from S3 is either exactly what this code wrote or rejected.
 */
import * as z from "zod";

/** Storage classes an artifact may be written with. */
export const ArchiveStorageClassSchema = z.enum(["STANDARD", "GLACIER", "DEEP_ARCHIVE", "GLACIER_IR"]);
export type ArchiveStorageClass = z.infer<typeof ArchiveStorageClassSchema>;

/** Storage classes whose objects must be restored before they can be read. */
export const ARCHIVED_STORAGE_CLASSES: ReadonlySet<string> = new Set(["GLACIER", "DEEP_ARCHIVE"]);

export const Sha256HexSchema = z.string().regex(/^[0-9a-f]{64}$/, "expected a lowercase hex SHA-256");

/** Safe chars only, no `..`, at most one sub-level (`dir/file`). */
export const ArtifactNameSchema = z
  .string()
  .max(200)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/,
    "use letters, digits, '.', '_', '-' and at most one '/'; start each segment with a letter or digit",
  )
  .refine((name) => !name.includes(".."), "must not contain '..'");

/** Incident ids become one S3 key segment: safe chars, no `/`, no `..`. */
export const IncidentIdSchema = z
  .string()
  .max(128)
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9._:-]*$/,
    "use letters, digits, '.', '_', ':', '-'; start with a letter or digit",
  )
  .refine((id) => !id.includes(".."), "must not contain '..'");

/** Printable ASCII, short: stored as S3 user metadata. */
const MetadataTextSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[\x20-\x7E]+$/, "printable ASCII only");

const IsoDateSchema = z.iso.datetime({ offset: true });

/** How the full-object SHA-256 is attached to the object itself, besides the manifest. */
export const Sha256WitnessSchema = z.enum(["metadata", "tag", "none"]);

/** One archived artifact, as recorded in the manifest. */
export const ArtifactRecordSchema = z.strictObject({
  name: ArtifactNameSchema,
  key: z.string().min(1),
  /** SHA-256 of the whole object, lowercase hex, computed while streaming. */
  sha256: Sha256HexSchema,
  size: z.number().int().nonnegative(),
  /**
   * `ChecksumSHA256` as S3 acknowledged it: the full-object hash (base64) for a single-part
   * object, `<base64>-<parts>` (checksum of part checksums) for a multipart one. Absent when
   * the endpoint returned none.
   */
  s3Checksum: z.string().optional(),
  /** Number of parts uploaded (1 for a single PutObject). */
  partCount: z.number().int().positive().optional(),
  /** Part size of a multipart upload, needed to recompute its composite checksum. */
  partSize: z.number().int().positive().optional(),
  /** `metadata` (x-amz-meta-sha256, immutable), `tag` (object tag `sha256`, streamed bodies) or `none`. */
  sha256Witness: Sha256WitnessSchema.optional(),
  versionId: z.string().optional(),
  storageClass: z.string().min(1),
  contentType: z.string().optional(),
  collectedAt: IsoDateSchema,
  collector: MetadataTextSchema,
  sourceApiCall: MetadataTextSchema,
});
export type ArtifactRecord = z.infer<typeof ArtifactRecordSchema>;

/** One EBS snapshot taken as evidence. */
export const SnapshotEntrySchema = z.strictObject({
  snapshotId: z.string().regex(/^snap-[0-9A-Za-z]+$/),
  volumeId: z.string().min(1),
  deviceName: z.string().optional(),
  state: z.string().min(1),
  startTime: IsoDateSchema.optional(),
  tags: z.record(z.string(), z.string()),
});
export type SnapshotEntry = z.infer<typeof SnapshotEntrySchema>;

/**
 * Evidence the incident planned that the manifest does not hold, and why (snapshots refused,
 * a collector failed): so that the sealed manifest says itself what is missing.
 */
export const EvidenceGapSchema = z.strictObject({
  /** The evidence step: `snapshots`, `artifacts`. */
  step: z.string().min(1).max(64),
  /** The step's end state (`failed`, `partial`, `unsupported`). */
  status: z.string().min(1).max(32),
  detail: z.string().max(2000),
});
export type EvidenceGap = z.infer<typeof EvidenceGapSchema>;

export const MANIFEST_SCHEMA_VERSION = 1 as const;

/** The incident's evidence manifest (`incidents/<id>/manifest.json`). */
export const ManifestSchema = z
  .strictObject({
    schemaVersion: z.literal(MANIFEST_SCHEMA_VERSION),
    incidentId: IncidentIdSchema,
    createdAt: IsoDateSchema,
    hashAlgorithm: z.literal("SHA-256"),
    artifacts: z.array(ArtifactRecordSchema),
    snapshots: z.array(SnapshotEntrySchema),
    /** Planned evidence that is missing, and why; absent when nothing is. */
    gaps: z.array(EvidenceGapSchema).optional(),
    /** SHA-256 (hex) of the canonical JSON of every other field: see `manifestDigest`. */
    manifestSha256: Sha256HexSchema,
  })
  .superRefine((m, ctx) => {
    const seen = new Set<string>();
    m.artifacts.forEach((a, i) => {
      if (seen.has(a.name)) {
        ctx.addIssue({
          code: "custom",
          path: ["artifacts", i, "name"],
          message: `duplicate artifact ${a.name}`,
        });
      }
      seen.add(a.name);
      const expectedKey = `incidents/${m.incidentId}/artifacts/${a.name}`;
      if (a.key !== expectedKey) {
        ctx.addIssue({ code: "custom", path: ["artifacts", i, "key"], message: `expected ${expectedKey}` });
      }
    });
  });
export type Manifest = z.infer<typeof ManifestSchema>;
