/**
 * Listings of an incident's prefix during verification: every version of every key (which
 * version is the current one, how many there are) and the objects the manifest does not name.
 */
import {
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  ListObjectVersionsCommand,
  type ListObjectVersionsCommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { byCodePoint } from "./util.ts";
import type { VerifyItem } from "./verify-report.ts";

/** The versions of one key. */
export interface KeyVersions {
  /** Object versions (delete markers not counted). */
  versions: number;
  /** The current version: an object version, or a delete marker hiding every version. */
  latest?: { versionId: string; deleteMarker: boolean };
}

/**
 * Every version and delete marker under `prefix`, by key (ListObjectVersions, one call per
 * 1 000 entries). Throws the SDK's error: the caller decides what a refusal means.
 */
export async function listVersions(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<Map<string, KeyVersions>> {
  const byKey = new Map<string, KeyVersions>();
  const entry = (key: string): KeyVersions => {
    let e = byKey.get(key);
    if (!e) {
      e = { versions: 0 };
      byKey.set(key, e);
    }
    return e;
  };
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  do {
    const page: ListObjectVersionsCommandOutput = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        ...(keyMarker ? { KeyMarker: keyMarker } : {}),
        ...(versionMarker ? { VersionIdMarker: versionMarker } : {}),
      }),
    );
    for (const v of page.Versions ?? []) {
      if (!v.Key) continue;
      const e = entry(v.Key);
      e.versions += 1;
      if (v.IsLatest) e.latest = { versionId: v.VersionId ?? "null", deleteMarker: false };
    }
    for (const d of page.DeleteMarkers ?? []) {
      if (!d.Key) continue;
      const e = entry(d.Key);
      if (d.IsLatest) e.latest = { versionId: d.VersionId ?? "null", deleteMarker: true };
    }
    keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    versionMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (keyMarker);
  return byKey;
}

/** Current objects under `prefix` whose key is not in `known`, as `unexpected` items. */
export async function listUnexpected(
  s3: S3Client,
  bucket: string,
  prefix: string,
  known: Set<string>,
): Promise<VerifyItem[]> {
  const found: VerifyItem[] = [];
  let token: string | undefined;
  do {
    const page: ListObjectsV2CommandOutput = await s3.send(
      new ListObjectsV2Command({
        Bucket: bucket,
        Prefix: prefix,
        ...(token ? { ContinuationToken: token } : {}),
      }),
    );
    for (const o of page.Contents ?? []) {
      if (!o.Key || known.has(o.Key)) continue;
      found.push({
        name: o.Key.slice(prefix.length),
        key: o.Key,
        status: "unexpected",
        ...(o.StorageClass ? { storageClass: o.StorageClass } : {}),
        detail: `not in the manifest (${o.Size ?? "?"} bytes${o.LastModified ? `, modified ${o.LastModified.toISOString()}` : ""})`,
      });
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return found.sort((a, b) => byCodePoint(a.key, b.key));
}
