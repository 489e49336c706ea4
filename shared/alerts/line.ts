/**
 * The two text rules every alert field goes through: one safe line, and a cap at a grapheme
 * boundary.
 */
import { sanitizeText } from "../text/sanitize.ts";

/**
 * One line of untrusted text for a subject: NFC, then the shared sanitiser (no controls,
 * no bidi or invisible characters, line breaks and tabs as single spaces, trimmed). ZWJ and
 * ZWNJ stay between two visible characters, so that names in Persian or Hindi and emoji such
 * as 👩‍💻 read as written; they cannot reorder or break a line.
 */
export function subjectSafe(s: string): string {
  return sanitizeText(s.normalize("NFC"));
}

const segmenter = new Intl.Segmenter("en", { granularity: "grapheme" });

/** Truncates to at most `max` UTF-16 units at a grapheme boundary, ending with "…" when cut. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 0) return "";
  let out = "";
  for (const { segment } of segmenter.segment(s)) {
    if (out.length + segment.length > max - 1) break;
    out += segment;
  }
  return `${out.trimEnd()}…`;
}
