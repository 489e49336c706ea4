/**
 * What reaches the terminal. Incidents carry text that attackers write (tags, names, titles,
 * error messages): printed raw, an escape sequence in it would drive the terminal — an OSC 52
 * sequence writes the clipboard, CSI sequences move the cursor and overwrite lines, a CR
 * rewrites the start of a line. Data fields are cleaned when they are formatted; this module
 * is the last line: a filter on stdout and stderr that lets through only the command line's
 * own colours, LF and tab, and JSON that is pure ASCII.
 */
import { sanitizeBlock } from "../shared/text/sanitize.ts";

// The colours the command line itself writes (see `output.ts`): reset, bold, dim, red,
// green, yellow. Anything else — conceal, cursor moves, OSC — is not the command line's.
// biome-ignore lint/suspicious/noControlCharactersInRegex: matches the command line's own colour codes
const PALETTE = /(\x1b\[(?:0|1|2|31|32|33)m)/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matches the command line's own colour codes
const PALETTE_ONLY = /^\x1b\[(?:0|1|2|31|32|33)m$/;

/**
 * Every escape sequence, 7- and 8-bit: CSI (`ESC [` or U+009B, parameters, final byte), OSC,
 * DCS, SOS, PM, APC (up to BEL or ST, or the end of the line: a missing terminator must not
 * swallow the lines after it), and two-character escapes.
 */
const ESCAPE_SEQUENCE =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matches terminal escape sequences on purpose
  /(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]?|(?:\x1b[\]PX^_]|[\x9d\x90\x98\x9e\x9f])[^\x07\x1b\x9c\n]*(?:\x07|\x1b\\|\x9c)?|\x1b[ -/]*[0-~]?/g;

/**
 * Terminal-safe text: escape sequences other than the palette's are removed whole; then every
 * control but LF and tab (CR, BS, BEL, stray ESC, C1), bidi and invisible characters go.
 */
export function terminalSafe(text: string): string {
  const kept = text.replace(ESCAPE_SEQUENCE, (seq) => (PALETTE_ONLY.test(seq) ? seq : ""));
  return kept
    .split(PALETTE)
    .map((part, i) => (i % 2 === 1 ? part : sanitizeBlock(part)))
    .join("");
}

/** {@link terminalSafe} on one line: for a table cell or a field that must not break its line. */
export function cellSafe(text: string): string {
  return terminalSafe(text).replace(/[\n\t]+/g, " ");
}

/**
 * JSON for `--json`, in pure ASCII: every other character is a `\uXXXX` escape, so that the
 * document is lossless for a parser and inert for a terminal (JSON.stringify alone leaves
 * C1 controls, bidi overrides and invisible characters raw).
 */
export function jsonText(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(
    /[^\x20-\x7e]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

const FILTERED = Symbol.for("incident-responder.terminal-filter");

type Filterable = NodeJS.WritableStream & { [FILTERED]?: true };

/**
 * Puts {@link terminalSafe} in front of a stream's `write` (strings and UTF-8 buffers), once.
 * `console.log` and `console.error` write through it too.
 */
export function installTerminalFilter(stream: Filterable): void {
  if (stream[FILTERED]) return;
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  const filtered = (chunk: unknown, ...rest: unknown[]): boolean => {
    const encoding = typeof rest[0] === "string" ? rest[0] : undefined;
    if (typeof chunk === "string" && (!encoding || /^utf-?8$/i.test(encoding)))
      return write(terminalSafe(chunk), ...rest);
    if (chunk instanceof Uint8Array) return write(terminalSafe(Buffer.from(chunk).toString("utf8")), ...rest);
    return write(chunk, ...rest);
  };
  stream.write = filtered as typeof stream.write;
  stream[FILTERED] = true;
}
