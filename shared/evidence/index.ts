/**
 * Evidence archive: artifacts hashed while streaming into an Object Lock bucket, a manifest
 * of hashes written last and locked, and verification against it.
 */
export {
  type ArchiveArtifactInput,
  type ArchiveOptions,
  type ArchiveOutcome,
  archiveArtifact,
  archiveArtifactWithOutcome,
  DEFAULT_PART_SIZE,
  DEFAULT_QUEUE_SIZE,
  METADATA_KEYS,
  SHA256_TAG,
} from "./archive.ts";
export { EvidenceIntegrityError, InvalidEvidenceInputError } from "./errors.ts";
export {
  expectedS3Checksum,
  type HashOptions,
  type HashResult,
  hashBuffer,
  hashStream,
  Sha256Transform,
  sameS3Checksum,
  sha256Hex,
} from "./hashing.ts";
export {
  artifactKey,
  incidentPrefix,
  manifestKey,
  validateArtifactName,
  validateIncidentId,
} from "./keys.ts";
export {
  type BuildManifestInput,
  buildManifest,
  canonicalJson,
  DEFAULT_MANIFEST_RETENTION_DAYS,
  isManifestIntact,
  MANIFEST_SHA256_METADATA,
  type ManifestRetention,
  manifestDigest,
  type ReadManifestResult,
  readManifest,
  type SnapshotInput,
  serialiseManifest,
  type WriteManifestInput,
  type WriteManifestResult,
  writeManifest,
} from "./manifest.ts";
export { assessManifestPin, checkSignature, type EvidencePin, replacedSince } from "./pin.ts";
export {
  type ArchiveStorageClass,
  type ArtifactRecord,
  ArtifactRecordSchema,
  type Manifest,
  ManifestSchema,
  type SnapshotEntry,
  SnapshotEntrySchema,
} from "./schema.ts";
export { kmsSignatureVerifier, type SignatureCheck, type SignatureVerifier } from "./signature-check.ts";
export {
  kmsManifestSigner,
  type ManifestSignature,
  type ManifestSigner,
  SIGNING_ALGORITHM,
} from "./signing.ts";
export {
  assessArtifact,
  type ObservedArtifact,
  parseRestoreHeader,
  VERIFY_STATUSES,
  type VerifyIncidentInput,
  type VerifyItem,
  type VerifyReport,
  type VerifyStatus,
  verifyIncident,
} from "./verify.ts";
