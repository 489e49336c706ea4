/**
 * SHA-256 while streaming: a pass-through Transform that hashes bytes as they go by, so an
 * artifact of any size is hashed in bounded memory, in the same pass that uploads it.
 *
 * Besides the full-object hash it can compute the S3 multipart "checksum of checksums"
 * (SHA-256 over the concatenated SHA-256 digests of each part), which is what S3 stores as
 * `ChecksumSHA256` for an object uploaded in parts (`<base64>-<partCount>`, type COMPOSITE).
 */
import { createHash, type Hash } from "node:crypto";
import { Transform, type TransformCallback, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";

/** The hash of a whole byte sequence, and of its parts when a part size was given. */
export interface HashResult {
  /** SHA-256 of the whole object, lowercase hex. */
  sha256: string;
  /** Number of bytes hashed. */
  size: number;
  /** Part size used for the composite checksum, when one was asked for. */
  partSize?: number;
  /** Number of parts of `partSize` bytes (the last may be shorter); 1 for an object that fits one part. */
  partCount?: number;
  /** SHA-256 over the concatenated part digests, base64, without the `-N` suffix. */
  compositeSha256?: string;
}

export interface HashOptions {
  /** Also compute the multipart composite checksum for parts of this many bytes. */
  partSize?: number;
  /** Fail (with a {@link RangeError}) once more than this many bytes went through. */
  maxBytes?: number;
}

/** Lowercase hex → base64 (S3 checksum headers are base64). */
export function hexToBase64(hex: string): string {
  return Buffer.from(hex, "hex").toString("base64");
}

/** base64 → lowercase hex. */
export function base64ToHex(b64: string): string {
  return Buffer.from(b64, "base64").toString("hex");
}

/** SHA-256 of a string (UTF-8) or bytes, lowercase hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Incremental hasher shared by the Transform and {@link hashBuffer}. */
class Sha256Accumulator {
  private readonly full: Hash = createHash("sha256");
  private readonly composite: Hash | undefined;
  private part: Hash | undefined;
  private partFill = 0;
  private parts = 0;
  private total = 0;
  private finished: HashResult | undefined;

  constructor(private readonly opts: HashOptions = {}) {
    const { partSize, maxBytes } = opts;
    if (partSize !== undefined && (!Number.isSafeInteger(partSize) || partSize < 1)) {
      throw new RangeError(`partSize must be a positive integer, got ${partSize}`);
    }
    if (maxBytes !== undefined && (!Number.isSafeInteger(maxBytes) || maxBytes < 0)) {
      throw new RangeError(`maxBytes must be a non-negative integer, got ${maxBytes}`);
    }
    if (partSize !== undefined) {
      this.composite = createHash("sha256");
      this.part = createHash("sha256");
    }
  }

  get bytes(): number {
    return this.total;
  }

  update(chunk: Uint8Array): void {
    if (this.finished) throw new Error("hash already finished");
    this.total += chunk.byteLength;
    if (this.opts.maxBytes !== undefined && this.total > this.opts.maxBytes) {
      throw new RangeError(`more than ${this.opts.maxBytes} bytes`);
    }
    this.full.update(chunk);
    const partSize = this.opts.partSize;
    if (partSize === undefined || !this.part || !this.composite) return;
    let offset = 0;
    while (offset < chunk.byteLength) {
      const take = Math.min(chunk.byteLength - offset, partSize - this.partFill);
      this.part.update(chunk.subarray(offset, offset + take));
      this.partFill += take;
      offset += take;
      if (this.partFill === partSize) this.closePart();
    }
  }

  private closePart(): void {
    if (!this.part || !this.composite) return;
    this.composite.update(this.part.digest());
    this.parts += 1;
    this.part = createHash("sha256");
    this.partFill = 0;
  }

  finish(): HashResult {
    if (this.finished) return this.finished;
    const result: HashResult = { sha256: this.full.digest("hex"), size: this.total };
    if (this.opts.partSize !== undefined && this.composite) {
      // The last, shorter part; an empty object is still one (empty) part.
      if (this.partFill > 0 || this.parts === 0) this.closePart();
      result.partSize = this.opts.partSize;
      result.partCount = this.parts;
      result.compositeSha256 = this.composite.digest("base64");
    }
    this.finished = result;
    return result;
  }
}

/**
 * A pass-through stream that computes the SHA-256 of everything written to it. Memory use
 * does not depend on the size of the data. Strings written to it are hashed as UTF-8.
 * Call {@link Sha256Transform.result} once the stream has ended.
 */
export class Sha256Transform extends Transform {
  private readonly acc: Sha256Accumulator;
  private ended = false;

  constructor(opts: HashOptions = {}) {
    super();
    this.acc = new Sha256Accumulator(opts);
  }

  /** Bytes seen so far. */
  get bytes(): number {
    return this.acc.bytes;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.acc.update(chunk);
      callback(null, chunk);
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    this.acc.finish();
    this.ended = true;
    callback();
  }

  /** The hash of all bytes that went through. Throws before the stream has ended. */
  result(): HashResult {
    if (!this.ended) throw new Error("Sha256Transform.result() called before the stream ended");
    return this.acc.finish();
  }
}

/** Hashes bytes already in memory (same result as streaming them through {@link Sha256Transform}). */
export function hashBuffer(data: Uint8Array | string, opts: HashOptions = {}): HashResult {
  const acc = new Sha256Accumulator(opts);
  acc.update(typeof data === "string" ? Buffer.from(data, "utf8") : data);
  return acc.finish();
}

/**
 * Reads a stream to its end and hashes it, keeping nothing: memory stays bounded whatever
 * the size. Rejects with the stream's own error if it fails.
 */
export async function hashStream(
  source: NodeJS.ReadableStream | AsyncIterable<Uint8Array | string>,
  opts: HashOptions = {},
): Promise<HashResult> {
  const hasher = new Sha256Transform(opts);
  const sink = new Writable({
    write(_chunk, _encoding, callback) {
      callback();
    },
  });
  await pipeline(source, hasher, sink);
  return hasher.result();
}

/**
 * The `ChecksumSHA256` S3 reports for an object with this hash when it was uploaded in
 * parts of `result.partSize`: the full-object hash (base64) for a single part, otherwise
 * the composite `<base64>-<partCount>`.
 */
export function expectedS3Checksum(result: HashResult): string {
  if (result.partCount !== undefined && result.partCount > 1 && result.compositeSha256) {
    return `${result.compositeSha256}-${result.partCount}`;
  }
  return hexToBase64(result.sha256);
}

/** True for the SDK's error when a downloaded body does not match S3's stored checksum. */
export function isChecksumMismatch(err: unknown): boolean {
  return err instanceof Error && err.message.startsWith("Checksum mismatch");
}

/**
 * Compares two S3 SHA-256 checksums, tolerating a missing `-N` part-count suffix on one side
 * (the emulator omits it in some answers).
 */
export function sameS3Checksum(a: string, b: string): boolean {
  const [aHash, aParts] = splitS3Checksum(a);
  const [bHash, bParts] = splitS3Checksum(b);
  if (aHash !== bHash) return false;
  return aParts === undefined || bParts === undefined || aParts === bParts;
}

/** `abc=-3` → [`abc=`, 3]; `abc=` → [`abc=`, undefined]. */
export function splitS3Checksum(checksum: string): [string, number | undefined] {
  const match = /^(.*)-(\d{1,5})$/.exec(checksum);
  if (match?.[1] && match[2]) return [match[1], Number(match[2])];
  return [checksum, undefined];
}
