/**
 * Free-text hygiene: strips control and invisible formatting characters, repairs lone
 * surrogates and caps lengths, so that titles and tags are safe to log, store and show.
 */

/** Longest finding title kept, in UTF-16 code units. */
export const MAX_TITLE_LENGTH = 512;
/** AWS limits for tag keys and values. */
export const MAX_TAG_KEY_LENGTH = 128;
export const MAX_TAG_VALUE_LENGTH = 256;
/** AWS allows 50 user tags per resource; more than that in an event is noise. */
export const MAX_TAGS = 50;

const ELLIPSIS = "…";
const REPLACEMENT = "\uFFFD";

/** Characters turned into a plain space: tabs, line breaks, Unicode line/paragraph separators. */
function isWhitespaceControl(code: number): boolean {
  return (code >= 0x09 && code <= 0x0d) || code === 0x85 || code === 0x2028 || code === 0x2029;
}

/** C0/C1 controls, bidi overrides and isolates, zero-width and other invisible format characters. */
function isInvisibleControl(code: number): boolean {
  return (
    code <= 0x1f ||
    (code >= 0x7f && code <= 0x9f) ||
    code === 0x200b ||
    code === 0x200e ||
    code === 0x200f ||
    (code >= 0x202a && code <= 0x202e) ||
    (code >= 0x2060 && code <= 0x2064) ||
    (code >= 0x2066 && code <= 0x2069) ||
    code === 0xfeff ||
    (code >= 0xfff9 && code <= 0xfffb)
  );
}

/** Cuts `value` to at most `max` code units without splitting a surrogate pair; marks the cut with `…`. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = Math.max(0, max - ELLIPSIS.length);
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return value.slice(0, end) + ELLIPSIS;
}

/**
 * Makes attacker-controllable free text safe to show: removes control characters and
 * invisible formatting characters (bidi overrides such as U+202E, zero-width spaces),
 * turns line breaks and tabs into spaces, replaces lone surrogates with U+FFFD,
 * collapses runs of spaces, trims, and caps the length at `maxLength`.
 * Work is bounded: at most `4 × maxLength` input characters are examined.
 */
export function sanitizeText(value: string, maxLength: number): string {
  const input = value.length > maxLength * 4 ? value.slice(0, maxLength * 4) : value;
  let out = "";
  let lastWasSpace = true; // drops leading spaces
  for (let i = 0; i < input.length; i++) {
    const code = input.charCodeAt(i);
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = input.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        out += input[i]! + input[i + 1]!;
        i++;
      } else {
        out += REPLACEMENT;
      }
      lastWasSpace = false;
      continue;
    }
    if (code >= 0xdc00 && code <= 0xdfff) {
      out += REPLACEMENT;
      lastWasSpace = false;
      continue;
    }
    if (code === 0x20 || isWhitespaceControl(code)) {
      if (!lastWasSpace) out += " ";
      lastWasSpace = true;
      continue;
    }
    if (isInvisibleControl(code)) continue;
    out += input[i]!;
    lastWasSpace = false;
  }
  return truncate(out.trimEnd(), maxLength);
}

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
