/**
 * Escaping for the reports. Finding titles, tag values and error messages come from events
 * and from the account: they are untrusted and never reach HTML, SVG or Markdown raw.
 */
import { sanitizeText } from "../../shared/text/sanitize.ts";

/**
 * Untrusted text on one line: the shared sanitiser (controls, bidi and invisible characters
 * removed, line breaks folded to spaces, lone surrogates repaired). Every report cell and
 * line is built from it, so that no value starts a line or a row of its own.
 */
export function clean(s: unknown): string {
  return sanitizeText(String(s ?? ""));
}

/** Escapes text for HTML and SVG (element content and quoted attribute values). */
export function escapeHtml(s: unknown): string {
  return clean(s)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&#39;");
}

/**
 * Escapes text for Markdown, inline or in a table cell: HTML is neutralised (renderers pass
 * raw HTML through, and `<` would open an autolink), Markdown punctuation is
 * backslash-escaped (`|` cannot end a cell, `` ` `` open code, `[`/`]` make a link, `$` start
 * maths), and a value that would open a block where it lands (after `> ` or `- `: a list
 * item `- `, `1.`) is escaped at its start. Line breaks are already spaces.
 */
export function escapeMarkdown(s: unknown): string {
  return clean(s)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replace(/([\\`*_{}[\]()#+!|~$])/g, "\\$1")
    .replace(/^-/, "\\-")
    .replace(/^(\d+)([.)])(?=\s|$)/, "$1\\$2");
}

/**
 * A Markdown code span for an id or a name. Text a code span cannot carry safely — a
 * backtick (it would close the span), a pipe (GFM splits table cells on it even inside a
 * span), `<` or `>` (left raw by the span, and by some renderers taken as HTML) — is given
 * as escaped text instead, unchanged but not in code format.
 */
export function mdCode(s: unknown): string {
  const text = clean(s);
  if (!text) return "";
  return /[`|<>]/.test(text) ? escapeMarkdown(text) : `\`${text}\``;
}
