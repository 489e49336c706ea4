/**
 * Small, bounded helpers to read loosely shaped JSON (CloudTrail request parameters).
 */
import type { JsonObject } from "./schemas/common.ts";

/** True for a plain JSON object. */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at a dotted path, or undefined. */
export function at(value: unknown, path: string): unknown {
  let cur = value;
  for (const key of path.split(".")) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

/**
 * CloudTrail writes lists three ways: `{items: [...]}` (EC2), a bare array, or a single
 * object when there is one element. Returns the elements in every case.
 */
export function listOf(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value;
  if (isObject(value)) {
    if (Array.isArray(value.items)) return value.items;
    if (Array.isArray(value.item)) return value.item;
    if (Object.keys(value).length === 0) return [];
  }
  return [value];
}

/** Strings found anywhere inside `value` (keys excluded), visiting at most `maxNodes` nodes. */
export function stringsIn(value: unknown, maxNodes = 5000): string[] {
  const out: string[] = [];
  const stack: unknown[] = [value];
  let visited = 0;
  while (stack.length && visited < maxNodes) {
    const cur = stack.pop();
    visited++;
    if (typeof cur === "string") out.push(cur);
    else if (Array.isArray(cur)) stack.push(...cur.slice(0, maxNodes));
    else if (isObject(cur)) stack.push(...Object.values(cur).slice(0, maxNodes));
  }
  return out;
}

/** A JSON document given as an object or as a (possibly URL-encoded) JSON string; undefined if unreadable. */
export function jsonDocument(value: unknown): unknown {
  if (typeof value !== "string") return value;
  for (const text of [value, safeDecode(value)]) {
    if (text === undefined) continue;
    try {
      return JSON.parse(text);
    } catch {
      // try the next form
    }
  }
  return undefined;
}

function safeDecode(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}
