/**
 * What `verifyIncident` reports: one item per manifest, artifact or stray object, each with a
 * status, and the verdict. Types and small helpers shared by the verification modules.
 */
import { toAwsError } from "../aws/errors.ts";
import { describeError } from "../errors/index.ts";

/**
 * - `ok`: read back, hash matches the manifest and every witness;
 * - `mismatch`: hash, size, a witness or the signature disagrees (or the manifest is not the
 *   one the incident record pins);
 * - `missing`: not in the bucket (deleted: a delete marker hides it);
 * - `replaced`: the pinned version is there, but a later write made another version (or a
 *   delete marker) the current one: someone wrote over the evidence after it was sealed;
 * - `awaiting-restore`: in GLACIER/DEEP_ARCHIVE, not restored, no restore asked;
 * - `restore-requested`: a restore was requested now or is in progress;
 * - `unexpected`: under the incident prefix but not in the manifest;
 * - `error`: S3 or KMS refused a call for this item (access denied, unsupported…).
 */
export type VerifyStatus =
  | "ok"
  | "mismatch"
  | "missing"
  | "replaced"
  | "awaiting-restore"
  | "restore-requested"
  | "unexpected"
  | "error";

export const VERIFY_STATUSES: readonly VerifyStatus[] = [
  "ok",
  "mismatch",
  "missing",
  "replaced",
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
  /**
   * True only when the manifest is intact (and, when the incident record pins it, is the pinned
   * version with the pinned SHA-256 and a valid signature), every artifact it names is `ok`,
   * and nothing was written over any of them since.
   */
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
    /** Whether the read version is the one the incident record pins (`unpinned`: the record pins none). */
    pinned?: "pinned" | "unpinned";
    /** The signature check: `valid`, `invalid`, `error`, `unsupported` or `absent`. */
    signature?: { status: string; detail: string };
  };
  items: VerifyItem[];
  counts: Record<VerifyStatus, number>;
  /** Things worth a look that do not make the evidence wrong (unlocked manifest, unexpected objects…). */
  warnings: string[];
}

/** An `error` item for an AWS call that failed. */
export function errorItem(
  described: Omit<VerifyItem, "status" | "detail">,
  operation: string,
  err: unknown,
): VerifyItem {
  return { ...described, status: "error", detail: describeError(toAwsError(operation, err)) };
}
