/**
 * Signing the sealed manifest: its digest (`manifestSha256`, the SHA-256 of its canonical JSON)
 * is signed with an asymmetric KMS key (ECC_NIST_P256, ECDSA_SHA_256, `MessageType: DIGEST`).
 * The private key never leaves KMS and only the evidence role may use it (the key policy denies
 * `kms:Sign` to every other principal), so a writer to the bucket or to the incident table
 * cannot produce a signature for a manifest of their own.
 *
 * Where no signing key is configured, or the endpoint does not implement `Sign`, the result
 * says `unsupported` with the reason: never a signature that is not one.
 */
import { type KMSClient, SignCommand } from "@aws-sdk/client-kms";
import { isNotImplemented, toAwsError } from "../aws/errors.ts";
import { InvalidEvidenceInputError } from "./errors.ts";
import { Sha256HexSchema } from "./manifest-schema.ts";

/** The only algorithm the responder signs with (and accepts). */
export const SIGNING_ALGORITHM = "ECDSA_SHA_256" as const;

/** A manifest signature as recorded on the incident, or why there is none. */
export type ManifestSignature =
  | {
      status: "signed";
      /** ARN of the KMS key that signed (as KMS answered it). */
      keyId: string;
      algorithm: typeof SIGNING_ALGORITHM;
      /** The signature (DER-encoded ECDSA), base64. */
      signature: string;
      /** What was signed: the manifest's `manifestSha256` (hex). */
      digest: string;
      signedAt: string;
    }
  | { status: "unsupported"; reason: string };

/** Signs a manifest digest (hex SHA-256). */
export interface ManifestSigner {
  sign(digestHex: string): Promise<ManifestSignature>;
}

/**
 * A signer backed by KMS `Sign`. `keyId` undefined: every signature is `unsupported` (no signing
 * key deployed). A refusal other than "not implemented" throws (AwsCallError): the seal fails
 * and is retried rather than recording an unsigned manifest as if signing did not exist.
 */
export function kmsManifestSigner(
  kms: KMSClient | undefined,
  keyId: string | undefined,
  now: () => Date = () => new Date(),
): ManifestSigner {
  return {
    async sign(digestHex) {
      if (!Sha256HexSchema.safeParse(digestHex).success) {
        throw new InvalidEvidenceInputError(`not a hex SHA-256: ${digestHex}`, "digest");
      }
      if (!kms || !keyId) {
        return { status: "unsupported", reason: "no manifest signing key is configured" };
      }
      try {
        const out = await kms.send(
          new SignCommand({
            KeyId: keyId,
            Message: Buffer.from(digestHex, "hex"),
            MessageType: "DIGEST",
            SigningAlgorithm: SIGNING_ALGORITHM,
          }),
        );
        if (!out.Signature?.length) throw new Error("KMS answered Sign without a signature");
        return {
          status: "signed",
          keyId: out.KeyId ?? keyId,
          algorithm: SIGNING_ALGORITHM,
          signature: Buffer.from(out.Signature).toString("base64"),
          digest: digestHex,
          signedAt: now().toISOString(),
        };
      } catch (err) {
        if (isNotImplemented(err)) {
          return { status: "unsupported", reason: "kms:Sign is not supported by this endpoint" };
        }
        throw toAwsError("KMS:Sign", err);
      }
    },
  };
}
