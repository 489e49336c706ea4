/**
 * A tiny PNG decoder for tests: 8-bit RGB or RGBA, not interlaced (what Chromium writes).
 * Enough to check that a screenshot shows what it should.
 */
import { inflateSync } from "node:zlib";

export interface Png {
  width: number;
  height: number;
  /** RGBA, 4 bytes per pixel. */
  rgba: Uint8Array;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

export function decodePng(buf: Buffer): Png {
  if (!buf.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    throw new Error("not a PNG");
  let pos = 8;
  let width = 0;
  let height = 0;
  let colourType = 0;
  const idat: Buffer[] = [];
  while (pos < buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.toString("latin1", pos + 4, pos + 8);
    const data = buf.subarray(pos + 8, pos + 8 + len);
    if (type === "IHDR") {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
      const depth = data[8];
      colourType = data[9] ?? 0;
      if (depth !== 8 || (colourType !== 2 && colourType !== 6) || data[12] !== 0)
        throw new Error(`unsupported PNG: depth ${depth}, colour type ${colourType}, interlace ${data[12]}`);
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") break;
    pos += 12 + len;
  }
  const channels = colourType === 6 ? 4 : 3;
  const stride = width * channels;
  const raw = inflateSync(Buffer.concat(idat));
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const line = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? (out[y * stride + x - channels] ?? 0) : 0;
      const b = y > 0 ? (out[(y - 1) * stride + x] ?? 0) : 0;
      const c = x >= channels && y > 0 ? (out[(y - 1) * stride + x - channels] ?? 0) : 0;
      const v = line[x] ?? 0;
      out[y * stride + x] =
        (filter === 0
          ? v
          : filter === 1
            ? v + a
            : filter === 2
              ? v + b
              : filter === 3
                ? v + ((a + b) >> 1)
                : v + paeth(a, b, c)) & 0xff;
    }
  }
  if (channels === 4) return { width, height, rgba: out };
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = out[i * 3] ?? 0;
    rgba[i * 4 + 1] = out[i * 3 + 1] ?? 0;
    rgba[i * 4 + 2] = out[i * 3 + 2] ?? 0;
    rgba[i * 4 + 3] = 255;
  }
  return { width, height, rgba };
}

/** Pixels close to a colour (`#rrggbb`), in a region (default: all), with their bounding box. */
export function findColour(
  png: Png,
  hex: string,
  opts: { tolerance?: number; region?: { x0: number; y0: number; x1: number; y1: number } } = {},
): { count: number; box?: { x0: number; y0: number; x1: number; y1: number } } {
  const tolerance = opts.tolerance ?? 6;
  const r0 = opts.region ?? { x0: 0, y0: 0, x1: png.width - 1, y1: png.height - 1 };
  const r = Number.parseInt(hex.slice(1, 3), 16);
  const g = Number.parseInt(hex.slice(3, 5), 16);
  const b = Number.parseInt(hex.slice(5, 7), 16);
  let count = 0;
  let box: { x0: number; y0: number; x1: number; y1: number } | undefined;
  for (let y = Math.max(0, r0.y0); y <= Math.min(png.height - 1, r0.y1); y++) {
    for (let x = Math.max(0, r0.x0); x <= Math.min(png.width - 1, r0.x1); x++) {
      const i = (y * png.width + x) * 4;
      if (
        Math.abs((png.rgba[i] ?? 0) - r) <= tolerance &&
        Math.abs((png.rgba[i + 1] ?? 0) - g) <= tolerance &&
        Math.abs((png.rgba[i + 2] ?? 0) - b) <= tolerance
      ) {
        count++;
        box = box
          ? {
              x0: Math.min(box.x0, x),
              y0: Math.min(box.y0, y),
              x1: Math.max(box.x1, x),
              y1: Math.max(box.y1, y),
            }
          : { x0: x, y0: y, x1: x, y1: y };
      }
    }
  }
  return { count, ...(box ? { box } : {}) };
}
