/**
 * Escaping for the reports. Finding titles, tag values and error messages come from events
 * and from the account: they are untrusted and never reach HTML, SVG or Markdown raw.
 */

// biome-ignore lint/suspicious/noControlCharactersInRegex: removes control characters on purpose
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
// Bidirectional overrides and isolates: they make text read differently from what it is.
const BIDI = /[\u202A-\u202E\u2066-\u2069]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Removes control and bidi-override characters and repairs lone surrogates. */
export function clean(s: unknown): string {
  return String(s ?? "")
    .replace(LONE_SURROGATE, "\uFFFD")
    .replace(CONTROL, "")
    .replace(BIDI, "");
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
 * raw HTML through), Markdown punctuation is backslash-escaped, line breaks become spaces.
 */
export function escapeMarkdown(s: unknown): string {
  return clean(s)
    .replace(/\r?\n|\r/g, " ")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replace(/([\\`*_{}[\]()#+!|~])/g, "\\$1");
}

/** A Markdown code span that cannot be broken out of (backticks inside are replaced). */
export function mdCode(s: unknown): string {
  const text = clean(s)
    .replace(/\r?\n|\r/g, " ")
    .replaceAll("`", "ˋ");
  return text ? `\`${text}\`` : "";
}
