/**
 * Checking a manifest signature with KMS `Verify` (run by `responder verify` with the
 * operator's credentials). The digest checked is the one recomputed from the manifest read
 * back, never the one the record claims; the key is the deployment's signing key, never the
 * one the record names: a record rewritten to name another key (one the attacker holds) fails.
 */
import { type KMSClient, VerifyCommand } from "@aws-sdk/client-kms";
import { errorCode, isNotImplemented, toAwsError } from "../aws/errors.ts";
import { describeError } from "../errors/index.ts";
import { type ManifestSignature, SIGNING_ALGORITHM } from "./signing.ts";

/** The outcome of checking one signature. */
export type SignatureCheck =
  | { status: "valid"; keyId: string; note?: string }
  | { status: "invalid"; reason: string }
  /** KMS refused the check (access denied, throttled…): not a pass. */
  | { status: "error"; reason: string }
  | { status: "unsupported"; reason: string };

/** Checks a signature over a digest (hex SHA-256). */
export interface SignatureVerifier {
  verify(
    digestHex: string,
    signature: Extract<ManifestSignature, { status: "signed" }>,
  ): Promise<SignatureCheck>;
}

/**
 * Pure: which key to verify with, or why the signature cannot count. With the deployment's key
 * known, the recorded key must be it; without it, the recorded key is used and said to be
 * unconfirmed.
 */
export function chooseVerifyKey(
  signature: Extract<ManifestSignature, { status: "signed" }>,
  expectedKeyArn: string | undefined,
): { keyId: string; note?: string } | { invalid: string } {
  if (signature.algorithm !== SIGNING_ALGORITHM) {
    return { invalid: `signed with ${signature.algorithm}, not ${SIGNING_ALGORITHM}` };
  }
  if (!expectedKeyArn) {
    return {
      keyId: signature.keyId,
      note: `the deployment's signing key is not known here: checked with the recorded key ${signature.keyId}`,
    };
  }
  if (signature.keyId !== expectedKeyArn) {
    return {
      invalid: `signed by key ${signature.keyId}, not the deployment's signing key ${expectedKeyArn}`,
    };
  }
  return { keyId: expectedKeyArn };
}

/** A verifier backed by KMS `Verify` on the deployment's signing key (`expectedKeyArn`). */
export function kmsSignatureVerifier(kms: KMSClient, expectedKeyArn?: string): SignatureVerifier {
  return {
    async verify(digestHex, signature) {
      const key = chooseVerifyKey(signature, expectedKeyArn);
      if ("invalid" in key) return { status: "invalid", reason: key.invalid };
      try {
        const out = await kms.send(
          new VerifyCommand({
            KeyId: key.keyId,
            Message: Buffer.from(digestHex, "hex"),
            MessageType: "DIGEST",
            Signature: Buffer.from(signature.signature, "base64"),
            SigningAlgorithm: SIGNING_ALGORITHM,
          }),
        );
        if (out.SignatureValid !== true) {
          return { status: "invalid", reason: "the signature does not match the manifest's digest" };
        }
        return { status: "valid", keyId: key.keyId, ...(key.note ? { note: key.note } : {}) };
      } catch (err) {
        // KMS answers a signature that does not verify with an error, not SignatureValid=false.
        if (errorCode(err) === "KMSInvalidSignatureException") {
          return { status: "invalid", reason: "the signature does not match the manifest's digest" };
        }
        if (isNotImplemented(err)) {
          return { status: "unsupported", reason: "kms:Verify is not supported by this endpoint" };
        }
        return {
          status: "error",
          reason: `could not check the signature: ${describeError(toAwsError("KMS:Verify", err))}`,
        };
      }
    },
  };
}
