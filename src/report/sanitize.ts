// Heap strings are attacker-controlled text: a snapshot of a server holds whatever its clients sent.
// Everything the report layer prints goes through here so that a string can never move the cursor,
// rewrite earlier lines (CR, ESC sequences), plant an OSC 8 hyperlink, or reorder what follows it
// (bidi overrides). Offending code points become visible escapes instead of being dropped, so the
// reader still sees that they were there.

/** Default cut for terminal cells: wide enough for a class name or a URL path, narrow enough for a table. */
export const DEFAULT_TERMINAL_MAX = 80;

export const ELLIPSIS = '…';

/** Escape style for one unsafe code point; both styles read the same for the common control characters. */
type EscapeCodePoint = (cp: number) => string;

const SHORT_ESCAPES: Record<number, string> = {
  0x08: '\\b',
  0x09: '\\t',
  0x0a: '\\n',
  0x0c: '\\f',
  0x0d: '\\r',
};

function hex(cp: number, width: number): string {
  return cp.toString(16).padStart(width, '0');
}

/**
 * Code points that JSON.stringify writes raw but a terminal or a viewer may act on: DEL and the C1
 * controls (0x9b is a one-byte CSI), the line/paragraph separators (they break lines in some viewers)
 * with the bidi embeddings/overrides next to them, the bidi isolates, and the invisible direction
 * marks. Inclusive [first, last] ranges; the one table behind both the terminal and the JSON escapes.
 */
const RAW_IN_JSON_UNSAFE_RANGES: readonly (readonly [number, number])[] = [
  [0x7f, 0x9f],
  [0x061c, 0x061c],
  [0x200e, 0x200f],
  [0x2028, 0x202e],
  [0x2066, 0x2069],
];

const RAW_IN_JSON_UNSAFE = new RegExp(
  `[${RAW_IN_JSON_UNSAFE_RANGES.map(([first, last]) => (first === last ? unicodeEscape(first) : `${unicodeEscape(first)}-${unicodeEscape(last)}`)).join('')}]`,
  'g',
);

/** The escape JSON and JavaScript both read back as the same code unit. */
function unicodeEscape(unit: number): string {
  return `\\u${hex(unit, 4)}`;
}

/**
 * Escapes, in text JSON.stringify produced, the code points it leaves raw (RAW_IN_JSON_UNSAFE_RANGES)
 * as `\uXXXX`. They can only occur inside string literals and are never `"` or `\`, so escaping
 * them in the whole text is escaping them in every string, in one linear pass over it.
 */
export function escapeRawControlsInJson(json: string): string {
  return json.replace(RAW_IN_JSON_UNSAFE, (c) => unicodeEscape(c.charCodeAt(0)));
}

/**
 * True for code points a terminal or a renderer may act on rather than print: C0 controls, the
 * RAW_IN_JSON_UNSAFE_RANGES, and lone surrogates (not encodable as UTF-8; they turn into U+FFFD or
 * break strict encoders).
 */
function isUnsafeCodePoint(cp: number): boolean {
  if (cp < 0x7f) return cp < 0x20;
  if (cp >= 0xd800 && cp <= 0xdfff) return true;
  for (const [first, last] of RAW_IN_JSON_UNSAFE_RANGES) if (cp >= first && cp <= last) return true;
  return false;
}

// Terminal style: short C escapes where they exist, \xHH for the rest of the 8-bit range
// (`\x1b` is what people search for when they see a stray escape), \uHHHH above it.
const escapeForTerminal: EscapeCodePoint = (cp) =>
  SHORT_ESCAPES[cp] ?? (cp <= 0xff ? `\\x${hex(cp, 2)}` : unicodeEscape(cp));

// JSON style: what JSON.stringify would write, plus escapes for the characters JSON allows raw.
const escapeForQuoted: EscapeCodePoint = (cp) => {
  if (cp === 0x22) return '\\"';
  if (cp === 0x5c) return '\\\\';
  return SHORT_ESCAPES[cp] ?? unicodeEscape(cp);
};

/**
 * Escapes unsafe code points and cuts the result to at most `maxLen` code points, the ellipsis included.
 * Counts code points (not UTF-16 units, not graphemes) so a surrogate pair is never split and a
 * string of ten thousand combining marks is still bounded. Escapes are never split by the cut.
 * Stops scanning as soon as the cut is certain, so a megabyte string costs O(maxLen).
 */
function escapeAndCut(s: string, maxLen: number, shouldEscape: (cp: number) => boolean, escape: EscapeCodePoint): string {
  const limit = Math.max(1, Math.floor(maxLen));
  const pieces: string[] = [];
  const lengths: number[] = [];
  let total = 0;
  for (let i = 0; i < s.length; ) {
    const cp = s.codePointAt(i)!;
    const width = cp > 0xffff ? 2 : 1;
    const isEscaped = shouldEscape(cp);
    const piece = isEscaped ? escape(cp) : s.slice(i, i + width);
    // An escape is all ASCII, so its UTF-16 length is its code point count.
    const len = isEscaped ? piece.length : 1;
    i += width;
    pieces.push(piece);
    lengths.push(len);
    total += len;
    if (total > limit) {
      // Over the limit: drop whole pieces until the ellipsis fits.
      while (total > limit - 1) {
        pieces.pop();
        total -= lengths.pop()!;
      }
      return pieces.join('') + ELLIPSIS;
    }
  }
  return pieces.join('');
}

/**
 * Makes heap text safe to print on a terminal or in a CI log: control characters, ESC sequences,
 * bidi controls, line separators and lone surrogates become visible escapes (`\n`, `\x1b`, `\u202e`),
 * and text longer than `maxLen` code points is cut with `…`. Backslashes are left alone: this is for
 * reading, not for round-tripping (use quoteHeapString when the exact value matters).
 */
export function sanitizeForTerminal(s: string, maxLen: number = DEFAULT_TERMINAL_MAX): string {
  return escapeAndCut(s, maxLen, isUnsafeCodePoint, escapeForTerminal);
}

/**
 * Renders a heap string as a JSON-like quoted preview: `"say \"hi\"\n"`. `max` bounds the code points
 * between the quotes; a cut preview ends in `…` inside the quotes, so it still reads as a string.
 */
export function quoteHeapString(s: string, max: number = DEFAULT_TERMINAL_MAX): string {
  const needsEscape = (cp: number) => cp === 0x22 || cp === 0x5c || isUnsafeCodePoint(cp);
  return `"${escapeAndCut(s, max, needsEscape, escapeForQuoted)}"`;
}

const HTML_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => HTML_ENTITIES[c]!);
}
