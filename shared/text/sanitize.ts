/**
 * Untrusted text, made safe to show: the one implementation behind event intake, tags read
 * from the account, alert subjects and bodies, reports and the command line.
 *
 * Every tag, name and title may have been written by the attacker. Such text must not be
 * able to break a line (and forge one: `Contain: NOT NEEDED`), drive a terminal (CSI, OSC 52
 * clipboard writes), read differently from what it is (bidi overrides), or hide text
 * (zero-width, filler, tag and variation characters that smuggle bytes past a reader).
 *
 * What is removed:
 * - C0 and C1 controls and DEL (ESC included: an escape sequence loses its ESC and shows as text);
 * - bidi controls: U+061C, U+200E/U+200F, U+202A–U+202E, U+2066–U+2069;
 * - invisible and filler characters: U+00AD, U+034F, U+115F/U+1160, U+17B4/U+17B5,
 *   U+180B–U+180F, U+200B, U+2060–U+206F, U+3164, U+FEFF, U+FFA0, U+FFF0–U+FFFB,
 *   U+1BCA0–U+1BCA3, U+1D173–U+1D17A, and U+E0000–U+E0FFF (tag characters, variation
 *   selectors 17–256), which are astral: surrogate pairs are decoded first;
 * - noncharacters (U+FDD0–U+FDEF, U+xFFFE/U+xFFFF); lone surrogates become U+FFFD;
 * - variation selectors U+FE00–U+FE0D; U+FE0E/U+FE0F only where they do not follow a
 *   visible character (see below).
 *
 * What is kept, and why:
 * - ZWJ/ZWNJ (U+200D/U+200C) join or separate letters in Arabic, Persian and Indic scripts
 *   and build emoji (👩‍💻): removing them changes words. They can neither reorder text nor
 *   break a line, so they stay — but only one, between two visible characters: runs of
 *   them, or one at an edge or next to a space, are the stuff of zero-width steganography
 *   and are dropped.
 * - U+FE0E/U+FE0F choose text or emoji presentation (❤️, 1️⃣, 🏳️‍🌈) and are kept right
 *   after a visible character, once. U+FE00–U+FE0D only pick a glyph variant of a maths
 *   or CJK character (the character stays the same when they go), and a run of selectors
 *   after one character is how bytes are hidden in "emoji smuggling".
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
const ZWNJ = 0x200c;
const ZWJ = 0x200d;

/** Line breaks, for some reader or other: LF, VT, FF, CR, the C0 separators Python splits lines on, NEL, LS, PS. */
export function isLineBreak(cp: number): boolean {
  return (
    (cp >= 0x0a && cp <= 0x0d) || (cp >= 0x1c && cp <= 0x1e) || cp === 0x85 || cp === 0x2028 || cp === 0x2029
  );
}

/** C0 and C1 controls and DEL. */
export function isControl(cp: number): boolean {
  return cp <= 0x1f || (cp >= 0x7f && cp <= 0x9f);
}

/** Space separators other than U+0020 (no-break, en/em, ideographic…): shown as one plain space. */
function isOtherSpace(cp: number): boolean {
  return (
    cp === 0xa0 ||
    cp === 0x1680 ||
    (cp >= 0x2000 && cp <= 0x200a) ||
    cp === 0x202f ||
    cp === 0x205f ||
    cp === 0x3000
  );
}

/** Bidi controls and invisible characters that are always removed (see the module comment). */
export function isInvisible(cp: number): boolean {
  if (cp < 0xad) return false;
  return (
    cp === 0xad ||
    cp === 0x34f ||
    cp === 0x61c ||
    cp === 0x115f ||
    cp === 0x1160 ||
    cp === 0x17b4 ||
    cp === 0x17b5 ||
    (cp >= 0x180b && cp <= 0x180f) ||
    cp === 0x200b ||
    cp === 0x200e ||
    cp === 0x200f ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2060 && cp <= 0x206f) ||
    cp === 0x3164 ||
    (cp >= 0xfdd0 && cp <= 0xfdef) ||
    (cp >= 0xfe00 && cp <= 0xfe0d) ||
    cp === 0xfeff ||
    cp === 0xffa0 ||
    (cp >= 0xfff0 && cp <= 0xfffb) ||
    (cp & 0xfffe) === 0xfffe ||
    (cp >= 0x1bca0 && cp <= 0x1bca3) ||
    (cp >= 0x1d173 && cp <= 0x1d17a) ||
    (cp >= 0xe0000 && cp <= 0xe0fff)
  );
}

const isJoiner = (cp: number) => cp === ZWJ || cp === ZWNJ;
const isPresentationSelector = (cp: number) => cp === 0xfe0e || cp === 0xfe0f;

/** Cuts `value` to at most `max` code units without splitting a surrogate pair; marks the cut with `…`. */
export function truncate(value: string, max: number): string {
  if (value.length <= max) return value;
  let end = Math.max(0, max - ELLIPSIS.length);
  const last = value.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return value.slice(0, end) + ELLIPSIS;
}

type Mode = "line" | "block";

// Text that needs no work: printable ASCII, single inner spaces (line mode) or any spaces
// and line feeds (block mode). Most ids, names and messages are; they skip the scanner.
const PLAIN_LINE = /[^\x20-\x7e]|^ | $| {2}/;
const PLAIN_BLOCK = /[^\x20-\x7e\n]/;

/**
 * The scanner behind {@link sanitizeText} and {@link sanitizeBlock}. In `line` mode every
 * space, tab and line break becomes one space (runs collapsed, ends trimmed); in `block`
 * mode LF and tab are kept, CR and the other controls go, LS/PS become spaces.
 */
function scan(input: string, mode: Mode): string {
  if (!(mode === "line" ? PLAIN_LINE : PLAIN_BLOCK).test(input)) return input;
  let out = "";
  // What was last written: nothing, a space (or line break), a visible character, or a
  // presentation selector after one. A joiner waits for the next visible character.
  let last: "none" | "space" | "visible" | "selector" = "none";
  let joiner = "";
  const space = (s: string) => {
    joiner = "";
    if (mode === "line" && (last === "space" || last === "none")) return;
    out += s;
    last = "space";
  };
  for (let i = 0; i < input.length; i++) {
    let cp = input.charCodeAt(i);
    let ch = input[i] as string;
    if (cp >= 0xd800 && cp <= 0xdbff) {
      const next = input.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) {
        cp = ((cp - 0xd800) << 10) + (next - 0xdc00) + 0x10000;
        ch = input.slice(i, i + 2);
        i++;
      } else {
        cp = 0xfffd;
        ch = REPLACEMENT;
      }
    } else if (cp >= 0xdc00 && cp <= 0xdfff) {
      cp = 0xfffd;
      ch = REPLACEMENT;
    }
    if (cp === 0x20 || cp === 0x09 || isOtherSpace(cp)) {
      space(mode === "block" ? ch : " ");
      continue;
    }
    if (isLineBreak(cp)) {
      if (mode === "line") space(" ");
      else if (cp === 0x0a) space("\n");
      else if (cp === 0x2028 || cp === 0x2029) space(" ");
      continue;
    }
    if (isControl(cp) || isInvisible(cp)) continue;
    if (isJoiner(cp)) {
      if ((last === "visible" || last === "selector") && !joiner) joiner = ch;
      continue;
    }
    if (isPresentationSelector(cp)) {
      if (last === "visible" && !joiner) {
        out += ch;
        last = "selector";
      }
      continue;
    }
    out += joiner + ch;
    joiner = "";
    last = "visible";
  }
  return mode === "line" ? out.trimEnd() : out;
}

/**
 * Makes attacker-controllable text safe to show on one line: removes controls, bidi
 * controls and invisible characters, turns every line break and tab into a space (so a
 * field can never start a line of its own), folds other space characters to U+0020,
 * collapses runs of spaces, trims, repairs lone surrogates and caps the length at
 * `maxLength` (no cap when omitted). Work is bounded: at most `4 × maxLength` input
 * characters are examined.
 */
export function sanitizeText(value: string, maxLength = Number.POSITIVE_INFINITY): string {
  const input = value.length > maxLength * 4 ? value.slice(0, maxLength * 4) : value;
  return truncate(scan(input, "line"), maxLength);
}

/**
 * Like {@link sanitizeText}, for text whose own line structure counts (a terminal's whole
 * output): LF and tab stay, CR and every other control go, nothing is trimmed or capped.
 */
export function sanitizeBlock(value: string): string {
  return scan(value, "block");
}

/**
 * A tag key, cleaned like any text; a key that was not already clean comes back with a
 * U+FFFD in front. A key is a name that decisions compare (`incident-responder:protected`,
 * `Owner`, `aws:…`): one written with a hidden character or a stray space, so that tag
 * policies and IAM conditions on the real key do not see it, must never pass for the key
 * it looks like once cleaned — and people see that something was hidden in it. Empty
 * when nothing visible is left.
 */
export function sanitizeTagKey(key: string): string {
  const clean = sanitizeText(key, MAX_TAG_KEY_LENGTH);
  if (clean === key || clean === "") return clean;
  return truncate(REPLACEMENT + clean, MAX_TAG_KEY_LENGTH);
}

/** A tag value: one line, no hidden characters, at most AWS's 256 characters. */
export function sanitizeTagValue(value: unknown): string {
  return typeof value === "string" ? sanitizeText(value, MAX_TAG_VALUE_LENGTH) : "";
}

/**
 * Tags as a record of clean keys and values, from `[key, value]` pairs (an EC2 `Tag[]`, an
 * event's tag list, an object's entries). Pairs without a string key, or whose key has
 * nothing visible, are dropped; of two pairs whose keys clean to the same text the first
 * wins. At most `limit` tags are kept. A `__proto__` key stays a plain tag.
 */
export function sanitizeTags(
  pairs: Iterable<readonly [unknown, unknown]>,
  limit = Number.POSITIVE_INFINITY,
): Record<string, string> {
  const out: [string, string][] = [];
  const seen = new Set<string>();
  for (const [k, v] of pairs) {
    if (out.length >= limit) break;
    if (typeof k !== "string") continue;
    const key = sanitizeTagKey(k);
    if (!key || seen.has(key)) continue;
    seen.add(key);
    out.push([key, sanitizeTagValue(v)]);
  }
  return Object.fromEntries(out);
}

/** Clean tags from an AWS `Tag[]` (`{Key, Value}`), as read from the account. */
export function tagsOf(
  tags: readonly { Key?: string; Value?: string }[] | undefined,
): Record<string, string> {
  return sanitizeTags((tags ?? []).map((t) => [t.Key, t.Value ?? ""] as const));
}
