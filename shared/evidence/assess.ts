/**
 * The pure decision of verification: does what was read back for one artifact match its
 * manifest record? The content hash against the manifest is the check that counts: the other
 * witnesses (object metadata, tag, S3's checksum) are written by whoever wrote the object, and
 * an attacker who writes forged bytes simply leaves them out or makes them agree.
 */
import { hexToBase64, sameS3Checksum, splitS3Checksum } from "./hashing.ts";
import type { ArtifactRecord } from "./manifest-schema.ts";

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
    // The `-N` form is S3's composite checksum of a multipart upload, even of a single part.
    const multipart = parts !== undefined || (record.partCount ?? 1) > 1;
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
