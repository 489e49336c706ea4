import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import type { GetObjectCommandOutput } from "@aws-sdk/client-s3";
import type { ArtifactRecord } from "../../../shared/evidence/manifest-schema.ts";

export const INCIDENT = "inc-42";

export const sha256Hex = (data: string | Uint8Array): string =>
  createHash("sha256").update(data).digest("hex");
export const sha256B64 = (data: string | Uint8Array): string =>
  createHash("sha256").update(data).digest("base64");

/** A valid artifact record for `content`, with overrides. */
export function aRecord(
  name: string,
  content = `content of ${name}`,
  overrides: Partial<ArtifactRecord> = {},
): ArtifactRecord {
  return {
    name,
    key: `incidents/${INCIDENT}/artifacts/${name}`,
    sha256: sha256Hex(content),
    size: Buffer.byteLength(content),
    s3Checksum: sha256B64(content),
    partCount: 1,
    sha256Witness: "metadata",
    versionId: `v-${name}`,
    storageClass: "STANDARD",
    contentType: "application/json",
    collectedAt: "2026-01-01T00:00:00.000Z",
    collector: "capture",
    sourceApiCall: "ec2:DescribeInstances",
    ...overrides,
  };
}

/** A GetObject Body as the SDK hands it over: a Node Readable. */
export function body(content: string | Buffer): GetObjectCommandOutput["Body"] {
  return Readable.from([Buffer.from(content)]) as unknown as GetObjectCommandOutput["Body"];
}

/** An SDK-shaped service error. */
export function sdkError(name: string, status: number, extra: Record<string, unknown> = {}): Error {
  return Object.assign(new Error(`${name} (test)`), {
    name,
    $fault: status >= 500 ? "server" : "client",
    $metadata: { httpStatusCode: status },
    ...extra,
  });
}
