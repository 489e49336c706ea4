import { KMSClient, SignCommand } from "@aws-sdk/client-kms";
import { mockClient } from "aws-sdk-client-mock";
import { beforeEach, describe, expect, it } from "vitest";
import { AwsCallError } from "../../../shared/errors/index.ts";
import { chooseVerifyKey } from "../../../shared/evidence/signature-check.ts";
import { kmsManifestSigner } from "../../../shared/evidence/signing.ts";
import { sdkError, sha256Hex } from "./builders.ts";

const KEY = "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555";
const kms = new KMSClient({ region: "us-east-1" });
const kmsMock = mockClient(kms);
const digest = sha256Hex("manifest");
const now = () => new Date("2026-01-01T00:00:00Z");

describe("kmsManifestSigner", () => {
  beforeEach(() => kmsMock.reset());

  it("signs the 32-byte digest itself (MessageType DIGEST, ECDSA_SHA_256) and records the key and signature", async () => {
    kmsMock.on(SignCommand).resolves({ KeyId: KEY, Signature: Buffer.from("der-signature") });

    const signature = await kmsManifestSigner(kms, KEY, now).sign(digest);

    expect(signature).toEqual({
      status: "signed",
      keyId: KEY,
      algorithm: "ECDSA_SHA_256",
      signature: Buffer.from("der-signature").toString("base64"),
      digest,
      signedAt: "2026-01-01T00:00:00.000Z",
    });
    const input = kmsMock.commandCalls(SignCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ KeyId: KEY, MessageType: "DIGEST", SigningAlgorithm: "ECDSA_SHA_256" });
    expect(Buffer.from(input?.Message ?? []).toString("hex")).toBe(digest);
  });

  it("says unsupported, and calls nothing, when no signing key is configured", async () => {
    const signature = await kmsManifestSigner(kms, undefined).sign(digest);

    expect(signature).toEqual({ status: "unsupported", reason: "no manifest signing key is configured" });
    expect(kmsMock.commandCalls(SignCommand)).toHaveLength(0);
  });

  it("says unsupported where the endpoint does not implement Sign", async () => {
    kmsMock.on(SignCommand).rejects(sdkError("NotImplemented", 501));

    expect(await kmsManifestSigner(kms, KEY).sign(digest)).toMatchObject({
      status: "unsupported",
      reason: "kms:Sign is not supported by this endpoint",
    });
  });

  it("throws on a refusal, so that the seal fails and is retried instead of going unsigned", async () => {
    kmsMock.on(SignCommand).rejects(sdkError("AccessDeniedException", 400));

    await expect(kmsManifestSigner(kms, KEY).sign(digest)).rejects.toBeInstanceOf(AwsCallError);
  });

  it("refuses to sign anything but a hex SHA-256", async () => {
    await expect(kmsManifestSigner(kms, KEY).sign("not-a-digest")).rejects.toThrow(/not a hex SHA-256/);
  });
});

describe("chooseVerifyKey", () => {
  const sig = {
    status: "signed" as const,
    keyId: KEY,
    algorithm: "ECDSA_SHA_256" as const,
    signature: "c2ln",
    digest,
    signedAt: "2026-01-01T00:00:00.000Z",
  };

  it("verifies with the deployment's key when the record names it", () => {
    expect(chooseVerifyKey(sig, KEY)).toEqual({ keyId: KEY });
  });

  it("refuses a signature by any other key", () => {
    expect(chooseVerifyKey({ ...sig, keyId: "arn:aws:kms:us-east-1:999988887777:key/x" }, KEY)).toMatchObject(
      {
        invalid: expect.stringContaining("not the deployment's signing key"),
      },
    );
  });

  it("says so when the deployment's key is not known", () => {
    expect(chooseVerifyKey(sig, undefined)).toMatchObject({
      keyId: KEY,
      note: expect.stringContaining("not known"),
    });
  });

  it("refuses another algorithm", () => {
    expect(chooseVerifyKey({ ...sig, algorithm: "RSASSA_PSS_SHA_256" as never }, KEY)).toHaveProperty(
      "invalid",
    );
  });
});
