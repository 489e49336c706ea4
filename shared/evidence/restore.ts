/**
 * Archived artifacts (GLACIER, DEEP_ARCHIVE) during verification: unreadable until restored,
 * reported as such and, when asked, restored. Never counted as verified.
 */
import { RestoreObjectCommand, type S3Client, type Tier } from "@aws-sdk/client-s3";
import { errorCode, isNotImplemented } from "../aws/errors.ts";
import { errorItem, type VerifyItem } from "./verify-report.ts";

/** `x-amz-restore` → whether a restored copy is readable. */
export function parseRestoreHeader(restore: string | undefined): "none" | "in-progress" | "restored" {
  if (!restore) return "none";
  if (/ongoing-request="true"/.test(restore)) return "in-progress";
  if (/ongoing-request="false"/.test(restore)) return "restored";
  return "none";
}

/** What to do about an archived artifact. */
export interface RestoreRequest {
  /** Request a restore (default false: only report). */
  restore?: boolean;
  /** Retrieval tier. Default `Standard` (valid for both GLACIER and DEEP_ARCHIVE). */
  restoreTier?: Tier;
}

/** The item of an archived, unrestored artifact; requests its restore when asked. */
export async function archived(
  s3: S3Client,
  input: RestoreRequest,
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
