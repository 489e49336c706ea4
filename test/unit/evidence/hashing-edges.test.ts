/**
 * The edges of hashing.ts: option checks and their messages, part boundaries, the byte limit,
 * the whole result of a hash, and S3 checksum strings (expected, split, compared).
 */
import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { describe, expect, it } from "vitest";
import {
  base64ToHex,
  expectedS3Checksum,
  hashBuffer,
  hashStream,
  hexToBase64,
  isChecksumMismatch,
  Sha256Transform,
  sameS3Checksum,
  sha256Hex,
  splitS3Checksum,
} from "../../../shared/evidence/hashing.ts";

const hex = (data: string | Uint8Array): string => createHash("sha256").update(data).digest("hex");
const digest = (data: string | Uint8Array): Buffer => createHash("sha256").update(data).digest();
/** The composite of the given parts, base64, computed the obvious way. */
const compositeOf = (...parts: string[]): string =>
  createHash("sha256")
    .update(Buffer.concat(parts.map((p) => digest(p))))
    .digest("base64");
/** The message of what `fn` throws. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error("nothing was thrown");
}

describe("hex and base64", () => {
  it("converts a known digest both ways", () => {
    const abcHex = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    const abcB64 = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";

    expect(sha256Hex("abc")).toBe(abcHex);
    expect(hexToBase64(abcHex)).toBe(abcB64);
    expect(base64ToHex(abcB64)).toBe(abcHex);
  });
});

describe("hash options", () => {
  it("refuses a part size that is not a positive integer, saying which", () => {
    for (const partSize of [0, -1, 1.5, Number.NaN]) {
      const err = thrown(() => hashBuffer("x", { partSize }));
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).message).toBe(`partSize must be a positive integer, got ${partSize}`);
    }
  });

  it("refuses a byte limit that is not a non-negative integer, saying which", () => {
    for (const maxBytes of [-1, 0.5]) {
      const err = thrown(() => hashBuffer("x", { maxBytes }));
      expect(err).toBeInstanceOf(RangeError);
      expect((err as Error).message).toBe(`maxBytes must be a non-negative integer, got ${maxBytes}`);
    }
  });

  it("accepts parts of one byte", () => {
    expect(hashBuffer("ab", { partSize: 1 })).toStrictEqual({
      sha256: hex("ab"),
      size: 2,
      partSize: 1,
      partCount: 2,
      compositeSha256: compositeOf("a", "b"),
    });
  });

  it("gives only the whole hash and size when no part size is asked for", () => {
    expect(hashBuffer("héllo")).toStrictEqual({ sha256: hex("héllo"), size: 6 });
  });
});

describe("the byte limit", () => {
  it("lets exactly maxBytes through, and an empty object under a limit of zero", () => {
    expect(hashBuffer("12345", { maxBytes: 5 })).toStrictEqual({ sha256: hex("12345"), size: 5 });
    expect(hashBuffer("", { maxBytes: 0 })).toStrictEqual({ sha256: hex(""), size: 0 });
  });

  it("fails at the first byte over, saying the limit", () => {
    const err = thrown(() => hashBuffer("123456", { maxBytes: 5 }));

    expect(err).toBeInstanceOf(RangeError);
    expect((err as Error).message).toBe("more than 5 bytes");
  });

  it("fails a stream once the chunks add up to more than the limit", async () => {
    await expect(
      hashStream(Readable.from([Buffer.alloc(3), Buffer.alloc(3)]), { maxBytes: 5 }),
    ).rejects.toThrow(new RangeError("more than 5 bytes"));
    await expect(
      hashStream(Readable.from([Buffer.alloc(3), Buffer.alloc(2)]), { maxBytes: 5 }),
    ).resolves.toStrictEqual({
      sha256: hex(Buffer.alloc(5)),
      size: 5,
    });
  });
});

describe("parts", () => {
  it("closes a part exactly at its size: two full parts are two parts", () => {
    expect(hashBuffer("abcdefgh", { partSize: 4 })).toStrictEqual({
      sha256: hex("abcdefgh"),
      size: 8,
      partSize: 4,
      partCount: 2,
      compositeSha256: compositeOf("abcd", "efgh"),
    });
  });

  it("counts the shorter last part", () => {
    expect(hashBuffer("abcdefghi", { partSize: 4 })).toStrictEqual({
      sha256: hex("abcdefghi"),
      size: 9,
      partSize: 4,
      partCount: 3,
      compositeSha256: compositeOf("abcd", "efgh", "i"),
    });
  });

  it("counts an empty object as one empty part", () => {
    expect(hashBuffer("", { partSize: 4 })).toStrictEqual({
      sha256: hex(""),
      size: 0,
      partSize: 4,
      partCount: 1,
      compositeSha256: compositeOf(""),
    });
  });

  it("splits parts across chunks the same as in one piece", async () => {
    const hasher = new Sha256Transform({ partSize: 4 });

    await pipeline(
      Readable.from([Buffer.from("abc"), Buffer.from("defgh"), Buffer.from("i")]),
      hasher,
      async (s) => {
        for await (const _ of s);
      },
    );

    expect(hasher.result()).toStrictEqual(hashBuffer("abcdefghi", { partSize: 4 }));
    expect(hasher.bytes).toBe(9);
  });
});

describe("Sha256Transform", () => {
  it("counts the bytes seen so far", () => {
    const hasher = new Sha256Transform();
    hasher.write(Buffer.from("abc"));
    hasher.write(Buffer.from("de"));

    expect(hasher.bytes).toBe(5);
  });

  it("gives the same result each time it is asked", async () => {
    const hasher = new Sha256Transform({ partSize: 2 });
    await pipeline(Readable.from([Buffer.from("abc")]), hasher, async (s) => {
      for await (const _ of s);
    });

    const first = hasher.result();

    expect(hasher.result()).toStrictEqual(first);
    expect(first).toStrictEqual({
      sha256: hex("abc"),
      size: 3,
      partSize: 2,
      partCount: 2,
      compositeSha256: compositeOf("ab", "c"),
    });
  });

  it("says why it refuses a result before the stream has ended", () => {
    const hasher = new Sha256Transform();

    expect(() => hasher.result()).toThrow(
      new Error("Sha256Transform.result() called before the stream ended"),
    );
  });

  it("refuses bytes after its hash was finished, so the result cannot change", async () => {
    const hasher = new Sha256Transform();
    await pipeline(Readable.from([Buffer.from("abc")]), hasher, async (s) => {
      for await (const _ of s);
    });
    let failure: Error | null | undefined;

    hasher._transform(Buffer.from("more"), "utf8", (err) => {
      failure = err;
    });

    expect(failure).toStrictEqual(new Error("hash already finished"));
    expect(hasher.result()).toStrictEqual({ sha256: hex("abc"), size: 3 });
  });
});

describe("expectedS3Checksum", () => {
  const sha = hex("abc");

  it("is the composite with its part count for more than one part", () => {
    expect(expectedS3Checksum({ sha256: sha, size: 3, partCount: 2, compositeSha256: "Y29t" })).toBe(
      "Y29t-2",
    );
  });

  it("is the full-object hash for one part, or when no composite was computed", () => {
    expect(expectedS3Checksum({ sha256: sha, size: 3, partCount: 1, compositeSha256: "Y29t" })).toBe(
      hexToBase64(sha),
    );
    expect(expectedS3Checksum({ sha256: sha, size: 3, partCount: 2 })).toBe(hexToBase64(sha));
    expect(expectedS3Checksum({ sha256: sha, size: 3 })).toBe(hexToBase64(sha));
  });
});

describe("isChecksumMismatch", () => {
  it("recognises the SDK's checksum error by the start of its message", () => {
    expect(isChecksumMismatch(new Error('Checksum mismatch: expected "x" but received "y"'))).toBe(true);
  });

  it("does not take other errors, or a bare string, for it", () => {
    expect(isChecksumMismatch(new Error("expected a Checksum mismatch"))).toBe(false);
    expect(isChecksumMismatch(new Error("AccessDenied"))).toBe(false);
    expect(isChecksumMismatch("Checksum mismatch")).toBe(false);
  });
});

describe("splitS3Checksum", () => {
  it("splits off a part count of one to five digits", () => {
    expect(splitS3Checksum("abc=-3")).toStrictEqual(["abc=", 3]);
    expect(splitS3Checksum("abc=-10000")).toStrictEqual(["abc=", 10000]);
    expect(splitS3Checksum("a-b=-12")).toStrictEqual(["a-b=", 12]);
  });

  it("leaves whole a checksum without a valid suffix", () => {
    expect(splitS3Checksum("abc=")).toStrictEqual(["abc=", undefined]);
    expect(splitS3Checksum("abc=-")).toStrictEqual(["abc=-", undefined]);
    expect(splitS3Checksum("abc=-123456")).toStrictEqual(["abc=-123456", undefined]);
    expect(splitS3Checksum("abc=-3x")).toStrictEqual(["abc=-3x", undefined]);
    expect(splitS3Checksum("abc=-x")).toStrictEqual(["abc=-x", undefined]);
  });

  it("leaves whole a suffix with nothing before it", () => {
    expect(splitS3Checksum("-3")).toStrictEqual(["-3", undefined]);
  });
});

describe("sameS3Checksum", () => {
  it("tolerates a part count missing on either side, or on both", () => {
    expect(sameS3Checksum("abc=", "abc=-3")).toBe(true);
    expect(sameS3Checksum("abc=-3", "abc=")).toBe(true);
    expect(sameS3Checksum("abc=", "abc=")).toBe(true);
  });

  it("refuses different hashes whatever their part counts", () => {
    expect(sameS3Checksum("abc=-3", "abd=-3")).toBe(false);
    expect(sameS3Checksum("abc=", "abd=-3")).toBe(false);
  });
});
