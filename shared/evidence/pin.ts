/**
 * What the incident record pins (the sealed manifest's VersionId, its SHA-256 and signature;
 * each artifact's VersionId in the manifest) checked against what the bucket holds. The record
 * is written by the responder when it seals; the bucket may have been written since by anyone
 * with `s3:PutObject`. Decisions only: the S3 and KMS calls are made by the callers.
 */
import type { KeyVersions } from "./listing.ts";
import type { SignatureCheck, SignatureVerifier } from "./signature-check.ts";
import type { ManifestSignature } from "./signing.ts";

/** The incident record's pins (its `evidence` field). */
export interface EvidencePin {
  /** The sealed manifest's `manifestSha256`. */
  manifestSha256?: string;
  /** The sealed manifest's S3 VersionId. */
  manifestVersionId?: string;
  signature?: ManifestSignature;
}

/** Problems (verdict: not verified) and warnings of a manifest read back against the pin. */
export function assessManifestPin(
  pin: EvidencePin,
  read: { versionId?: string; manifestSha256: string },
): { problems: string[]; warnings: string[] } {
  const problems: string[] = [];
  const warnings: string[] = [];
  if (!pin.manifestVersionId) {
    warnings.push(
      "the incident record pins no manifest version (sealed before version pinning): the current " +
        "version was verified, and anyone who can write to the bucket could have replaced it",
    );
  } else if (read.versionId !== pin.manifestVersionId) {
    problems.push(
      `read manifest version ${read.versionId ?? "(none)"}, not the version ${pin.manifestVersionId} the incident record pins`,
    );
  }
  if (!pin.manifestSha256) {
    warnings.push("the incident record holds no manifest SHA-256: nothing outside the bucket vouches for it");
  } else if (read.manifestSha256 !== pin.manifestSha256) {
    problems.push(
      `manifest SHA-256 ${read.manifestSha256} is not the ${pin.manifestSha256} recorded on the incident when it was sealed`,
    );
  }
  return { problems, warnings };
}

/**
 * Why the current version of a key is not its pinned version, or undefined when it is (or when
 * nothing is pinned to compare with).
 */
export function replacedSince(
  pinnedVersionId: string | undefined,
  latest: KeyVersions["latest"] | undefined,
): string | undefined {
  if (!pinnedVersionId || !latest) return undefined;
  if (latest.deleteMarker) return `deleted after sealing: a delete marker hides version ${pinnedVersionId}`;
  if (latest.versionId !== pinnedVersionId) {
    return `a later version ${latest.versionId} was written over the sealed version ${pinnedVersionId}`;
  }
  return undefined;
}

/** The signature outcome as the report shows it; `failed` makes the verdict fail. */
export interface SignatureOutcome {
  status: SignatureCheck["status"] | "absent";
  detail: string;
  failed: boolean;
}

/**
 * Checks the pinned signature over `digestHex` (recomputed from the manifest read back). No
 * signature, or signing unsupported when it was sealed, is a warning, never a pass: `failed`
 * stays false but the status says so.
 */
export async function checkSignature(
  signature: ManifestSignature | undefined,
  digestHex: string,
  verifier: SignatureVerifier | undefined,
): Promise<SignatureOutcome> {
  if (!signature) {
    return {
      status: "absent",
      detail: "the incident record holds no manifest signature (sealed before signing)",
      failed: false,
    };
  }
  if (signature.status === "unsupported") {
    return {
      status: "unsupported",
      detail: `the manifest was not signed when it was sealed: ${signature.reason}`,
      failed: false,
    };
  }
  if (signature.digest !== digestHex) {
    return {
      status: "invalid",
      detail: `the signature is over ${signature.digest}, not this manifest's digest ${digestHex}`,
      failed: true,
    };
  }
  if (!verifier) {
    return {
      status: "unsupported",
      detail: "no signature verifier: the signature was not checked",
      failed: false,
    };
  }
  const check = await verifier.verify(digestHex, signature);
  switch (check.status) {
    case "valid":
      return {
        status: "valid",
        detail: `signature valid (${signature.algorithm}, key ${check.keyId})${check.note ? `; ${check.note}` : ""}`,
        failed: false,
      };
    case "unsupported":
      return { status: "unsupported", detail: `signature not checked: ${check.reason}`, failed: false };
    default:
      return { status: check.status, detail: `signature ${check.status}: ${check.reason}`, failed: true };
  }
}
