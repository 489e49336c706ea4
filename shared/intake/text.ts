/**
 * Free-text hygiene for intake: the sanitiser itself lives in `shared/text/sanitize.ts`
 * (one implementation for intake, account reads, alerts, reports and the command line);
 * here are the helpers that quote values in reasons and errors.
 */

import { sanitizeText } from "../text/sanitize.ts";

export {
  MAX_TAG_KEY_LENGTH,
  MAX_TAG_VALUE_LENGTH,
  MAX_TAGS,
  MAX_TITLE_LENGTH,
  sanitizeText,
  truncate,
} from "../text/sanitize.ts";

/** A short, quoted, sanitised rendering of any value, for error messages and reasons. */
export function describeValue(value: unknown, max = 60): string {
  if (typeof value === "string") return JSON.stringify(sanitizeText(value, max));
  if (value === null) return "null";
  if (Array.isArray(value)) return value.length === 0 ? "an empty array" : `an array of ${value.length}`;
  if (typeof value === "object") return "an object";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `a ${typeof value}`;
}

/** Sanitised text for an `ignored` reason, which may echo values from the event. */
export function quote(value: string, max = 80): string {
  return JSON.stringify(sanitizeText(value, max));
}
