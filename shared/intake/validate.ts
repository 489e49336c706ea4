/**
 * Schema parsing that fails with {@link InvalidEventError}: the first problem found,
 * with the dotted path of the offending field inside the whole incoming event.
 */
import type * as z from "zod";
import { InvalidEventError } from "../errors/index.ts";
import { describeValue } from "./text.ts";

/** Joins a path prefix (such as `detail.event.`) and zod path segments into `a.b[0].c`. */
export function joinPath(prefix: string, segments: readonly PropertyKey[]): string {
  let out = prefix.endsWith(".") ? prefix.slice(0, -1) : prefix;
  for (const seg of segments) {
    if (typeof seg === "number") out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out;
}

function valueAt(root: unknown, segments: readonly PropertyKey[]): unknown {
  let cur: unknown = root;
  for (const seg of segments) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

/** Turns one zod issue into a short human message about the value at its path. */
function issueMessage(issue: z.core.$ZodIssue, input: unknown): string {
  const value = valueAt(input, issue.path);
  switch (issue.code) {
    case "invalid_type":
      if (value === undefined) return "is required";
      return `must be ${issue.expected === "record" ? "object" : issue.expected}, got ${typeName(value)}`;
    default:
      // Our schemas carry their own wording ("must be an EC2 instance id…"); add the value.
      return `${issue.message} (got ${describeValue(value)})`;
  }
}

/**
 * Parses `input` with `schema`, or throws {@link InvalidEventError} naming the first
 * problem and its path (prefixed with `prefix`, e.g. `detail.`).
 * @param hint optional extra sentence added to the message (e.g. a likely cause).
 */
export function parseOrThrow<S extends z.ZodType>(
  schema: S,
  input: unknown,
  prefix: string,
  hint?: (path: readonly PropertyKey[]) => string | undefined,
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const extra = hint?.(issue.path);
  const message = issueMessage(issue, input) + (extra ? `; ${extra}` : "");
  throw new InvalidEventError(message, joinPath(prefix, issue.path), { cause: result.error });
}

/** Throws {@link InvalidEventError} at `path` with `message`. */
export function invalid(message: string, path: string): never {
  throw new InvalidEventError(message, path);
}
