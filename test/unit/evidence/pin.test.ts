/**
 * The decisions of pin.ts on their own: the manifest read back against the incident record's
 * pins, whether a key's current version is still the sealed one, and the signature outcome.
 */
import { describe, expect, it } from "vitest";
import { assessManifestPin, checkSignature, replacedSince } from "../../../shared/evidence/pin.ts";
import type { SignatureCheck, SignatureVerifier } from "../../../shared/evidence/signature-check.ts";
import type { ManifestSignature } from "../../../shared/evidence/signing.ts";

const SHA = "a".repeat(64);
const OTHER = "b".repeat(64);
const NO_VERSION_WARNING =
  "the incident record pins no manifest version (sealed before version pinning): the current " +
  "version was verified, and anyone who can write to the bucket could have replaced it";
const NO_SHA_WARNING =
  "the incident record holds no manifest SHA-256: nothing outside the bucket vouches for it";

describe("assessManifestPin", () => {
  it("finds nothing to say when the read version and SHA-256 are the pinned ones", () => {
    expect(
      assessManifestPin(
        { manifestVersionId: "mv1", manifestSha256: SHA },
        { versionId: "mv1", manifestSha256: SHA },
      ),
    ).toStrictEqual({ problems: [], warnings: [] });
  });

  it("refuses another version than the pinned one", () => {
    expect(
      assessManifestPin(
        { manifestVersionId: "mv1", manifestSha256: SHA },
        { versionId: "mv2", manifestSha256: SHA },
      ),
    ).toStrictEqual({
      problems: ["read manifest version mv2, not the version mv1 the incident record pins"],
      warnings: [],
    });
  });

  it("says '(none)' when the read manifest has no version", () => {
    expect(
      assessManifestPin({ manifestVersionId: "mv1", manifestSha256: SHA }, { manifestSha256: SHA }).problems,
    ).toStrictEqual(["read manifest version (none), not the version mv1 the incident record pins"]);
  });

  it("refuses a SHA-256 other than the one recorded on the incident", () => {
    expect(
      assessManifestPin(
        { manifestVersionId: "mv1", manifestSha256: SHA },
        { versionId: "mv1", manifestSha256: OTHER },
      ),
    ).toStrictEqual({
      problems: [`manifest SHA-256 ${OTHER} is not the ${SHA} recorded on the incident when it was sealed`],
      warnings: [],
    });
  });

  it("only warns when the record pins neither version nor SHA-256", () => {
    expect(assessManifestPin({}, { versionId: "mv9", manifestSha256: OTHER })).toStrictEqual({
      problems: [],
      warnings: [NO_VERSION_WARNING, NO_SHA_WARNING],
    });
  });

  it("reports both problems of a manifest that is neither the pinned version nor the pinned hash", () => {
    expect(
      assessManifestPin(
        { manifestVersionId: "mv1", manifestSha256: SHA },
        { versionId: "mv2", manifestSha256: OTHER },
      ),
    ).toStrictEqual({
      problems: [
        "read manifest version mv2, not the version mv1 the incident record pins",
        `manifest SHA-256 ${OTHER} is not the ${SHA} recorded on the incident when it was sealed`,
      ],
      warnings: [],
    });
  });
});

describe("replacedSince", () => {
  it("is nothing while the pinned version is the current one", () => {
    expect(replacedSince("v1", { versionId: "v1", deleteMarker: false })).toBeUndefined();
  });

  it("says which later version was written over the sealed one", () => {
    expect(replacedSince("v1", { versionId: "v2", deleteMarker: false })).toBe(
      "a later version v2 was written over the sealed version v1",
    );
  });

  it("says a delete marker hides the sealed version", () => {
    expect(replacedSince("v1", { versionId: "dm", deleteMarker: true })).toBe(
      "deleted after sealing: a delete marker hides version v1",
    );
  });

  it("is nothing when no version is pinned, or when the key's current version is unknown", () => {
    expect(replacedSince(undefined, { versionId: "v2", deleteMarker: false })).toBeUndefined();
    expect(replacedSince("", { versionId: "v2", deleteMarker: true })).toBeUndefined();
    expect(replacedSince("v1", undefined)).toBeUndefined();
  });
});

describe("checkSignature", () => {
  const signed = (digest = SHA): Extract<ManifestSignature, { status: "signed" }> => ({
    status: "signed",
    keyId: "arn:aws:kms:us-east-1:111122223333:key/k",
    algorithm: "ECDSA_SHA_256",
    signature: "c2ln",
    digest,
    signedAt: "2026-01-01T00:00:00.000Z",
  });
  /** A verifier that answers `check` and remembers what it was asked. */
  const answering = (check: SignatureCheck) => {
    const asked: unknown[][] = [];
    const verifier: SignatureVerifier = {
      verify: async (...args) => {
        asked.push(args);
        return check;
      },
    };
    return { verifier, asked };
  };

  it("says absent, without failing, when the record holds no signature", async () => {
    expect(
      await checkSignature(undefined, SHA, answering({ status: "valid", keyId: "k" }).verifier),
    ).toStrictEqual({
      status: "absent",
      detail: "the incident record holds no manifest signature (sealed before signing)",
      failed: false,
    });
  });

  it("says unsupported, with the reason, when the manifest was sealed unsigned", async () => {
    expect(await checkSignature({ status: "unsupported", reason: "no key" }, SHA, undefined)).toStrictEqual({
      status: "unsupported",
      detail: "the manifest was not signed when it was sealed: no key",
      failed: false,
    });
  });

  it("fails a signature over another digest, without asking the verifier", async () => {
    const { verifier, asked } = answering({ status: "valid", keyId: "k" });

    expect(await checkSignature(signed(OTHER), SHA, verifier)).toStrictEqual({
      status: "invalid",
      detail: `the signature is over ${OTHER}, not this manifest's digest ${SHA}`,
      failed: true,
    });
    expect(asked).toStrictEqual([]);
  });

  it("says unsupported when there is no verifier to check with", async () => {
    expect(await checkSignature(signed(), SHA, undefined)).toStrictEqual({
      status: "unsupported",
      detail: "no signature verifier: the signature was not checked",
      failed: false,
    });
  });

  it("asks the verifier about the digest and signature, and passes a valid one", async () => {
    const { verifier, asked } = answering({ status: "valid", keyId: "arn:key" });

    expect(await checkSignature(signed(), SHA, verifier)).toStrictEqual({
      status: "valid",
      detail: "signature valid (ECDSA_SHA_256, key arn:key)",
      failed: false,
    });
    expect(asked).toStrictEqual([[SHA, signed()]]);
  });

  it("adds the verifier's note to a valid signature", async () => {
    const { verifier } = answering({ status: "valid", keyId: "arn:key", note: "key unconfirmed" });

    expect((await checkSignature(signed(), SHA, verifier)).detail).toBe(
      "signature valid (ECDSA_SHA_256, key arn:key); key unconfirmed",
    );
  });

  it("does not fail, but says so, when the verifier cannot check", async () => {
    const { verifier } = answering({ status: "unsupported", reason: "kms:Verify is not supported" });

    expect(await checkSignature(signed(), SHA, verifier)).toStrictEqual({
      status: "unsupported",
      detail: "signature not checked: kms:Verify is not supported",
      failed: false,
    });
  });

  it("fails an invalid signature and one the verifier could not check", async () => {
    const invalid = answering({ status: "invalid", reason: "does not match" }).verifier;
    const error = answering({ status: "error", reason: "access denied" }).verifier;

    expect(await checkSignature(signed(), SHA, invalid)).toStrictEqual({
      status: "invalid",
      detail: "signature invalid: does not match",
      failed: true,
    });
    expect(await checkSignature(signed(), SHA, error)).toStrictEqual({
      status: "error",
      detail: "signature error: access denied",
      failed: true,
    });
  });
});
