import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  base64ToHex,
  expectedS3Checksum,
  hashBuffer,
  hashStream,
  hexToBase64,
  Sha256Transform,
  sameS3Checksum,
} from "../../../shared/evidence/hashing.ts";

const sha256 = (data: Uint8Array | string): string => createHash("sha256").update(data).digest("hex");

/** The S3 composite checksum computed the slow, obvious way. */
function compositeOf(data: Uint8Array, partSize: number): { b64: string; parts: number } {
  const digests: Buffer[] = [];
  for (let o = 0; o < data.byteLength || digests.length === 0; o += partSize) {
    digests.push(
      createHash("sha256")
        .update(data.subarray(o, o + partSize))
        .digest(),
    );
  }
  return { b64: createHash("sha256").update(Buffer.concat(digests)).digest("base64"), parts: digests.length };
}

/** Splits `data` at the given cut points (any order, any value). */
function chunked(data: Uint8Array, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => c % (data.byteLength + 1)))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const p of [...points, data.byteLength]) {
    if (p > from) chunks.push(Buffer.from(data.subarray(from, p)));
    from = Math.max(from, p);
  }
  return chunks;
}

describe("Sha256Transform", () => {
  it("hashes any byte sequence, however it is chunked, as crypto does in one go", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 40_000 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.integer({ min: 1, max: 5_000 }),
        async (data, cuts, partSize) => {
          const hasher = new Sha256Transform({ partSize });
          const out: Buffer[] = [];
          hasher.on("data", (c: Buffer) => out.push(c));
          await pipeline(Readable.from(chunked(data, cuts)), hasher);

          const result = hasher.result();
          const composite = compositeOf(data, partSize);
          expect(result.sha256).toBe(sha256(data));
          expect(result.size).toBe(data.byteLength);
          expect(result.partCount).toBe(composite.parts);
          expect(result.compositeSha256).toBe(composite.b64);
          // Pass-through: the bytes come out unchanged.
          expect(Buffer.concat(out).equals(Buffer.from(data))).toBe(true);
        },
      ),
      { numRuns: 150 },
    );
  });

  it("gives the same result as hashBuffer", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 10_000 }),
        fc.integer({ min: 1, max: 3_000 }),
        (data, partSize) => {
          const fromBuffer = hashBuffer(data, { partSize });
          expect(fromBuffer.sha256).toBe(sha256(data));
          expect(fromBuffer.compositeSha256).toBe(compositeOf(data, partSize).b64);
        },
      ),
    );
  });

  it("hashes strings as UTF-8", async () => {
    const result = await hashStream(Readable.from(["héllo ", "wörld"]));

    expect(result.sha256).toBe(sha256("héllo wörld"));
    expect(result.size).toBe(Buffer.byteLength("héllo wörld"));
  });

  it("counts an empty object as one empty part", () => {
    const result = hashBuffer(new Uint8Array(0), { partSize: 8 });

    expect(result).toMatchObject({ sha256: sha256(""), size: 0, partCount: 1 });
    expect(result.compositeSha256).toBe(compositeOf(new Uint8Array(0), 8).b64);
  });

  it("refuses to give a result before the stream has ended", () => {
    const hasher = new Sha256Transform();
    hasher.write(Buffer.from("abc"));

    expect(() => hasher.result()).toThrow(/before the stream ended/);
  });

  it("fails once more than maxBytes went through", async () => {
    await expect(
      hashStream(Readable.from([Buffer.alloc(10), Buffer.alloc(10)]), { maxBytes: 15 }),
    ).rejects.toThrow(RangeError);
  });

  it("rejects with the source's error when the source fails", async () => {
    const source = new Readable({
      read() {
        this.destroy(new Error("disk on fire"));
      },
    });

    await expect(hashStream(source)).rejects.toThrow("disk on fire");
  });

  it("hashes megabytes streamed in small chunks in bounded memory", async () => {
    const chunk = Buffer.alloc(64 * 1024, 7);
    const count = 256; // 16 MiB
    const source = Readable.from(
      (function* () {
        for (let i = 0; i < count; i++) yield chunk;
      })(),
    );
    const whole = createHash("sha256");
    for (let i = 0; i < count; i++) whole.update(chunk);

    const result = await hashStream(source, { partSize: 5 * 1024 * 1024 });

    expect(result.sha256).toBe(whole.digest("hex"));
    expect(result.partCount).toBe(4);
  });
});

describe("expectedS3Checksum", () => {
  it("is the full-object hash in base64 for a single part", () => {
    const result = hashBuffer("abc", { partSize: 10 });

    expect(expectedS3Checksum(result)).toBe(createHash("sha256").update("abc").digest("base64"));
  });

  it("is the composite with its part count for several parts", () => {
    const data = Buffer.from("abcdefghij");
    const result = hashBuffer(data, { partSize: 4 });

    expect(expectedS3Checksum(result)).toBe(`${compositeOf(data, 4).b64}-3`);
  });

  it("converts hex and base64 both ways", () => {
    const hex = sha256("x");

    expect(base64ToHex(hexToBase64(hex))).toBe(hex);
  });
});

describe("sameS3Checksum", () => {
  it("tolerates a missing part-count suffix but not a different one", () => {
    expect(sameS3Checksum("abc=-3", "abc=")).toBe(true);
    expect(sameS3Checksum("abc=-3", "abc=-3")).toBe(true);
    expect(sameS3Checksum("abc=-3", "abc=-2")).toBe(false);
    expect(sameS3Checksum("abc=", "abd=")).toBe(false);
  });
});
