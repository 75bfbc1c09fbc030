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
 * True for code points a terminal or a renderer may act on rather than print:
 * C0 controls, DEL, C1 controls (0x9b is a one-byte CSI), bidi embeddings/overrides/isolates and the
 * invisible direction marks, line/paragraph separators (they break lines in some viewers), and lone
 * surrogates (not encodable as UTF-8; they turn into U+FFFD or break strict encoders).
 */
function isUnsafeCodePoint(cp: number): boolean {
  return (
    cp < 0x20 ||
    (cp >= 0x7f && cp <= 0x9f) ||
    (cp >= 0x202a && cp <= 0x202e) ||
    (cp >= 0x2066 && cp <= 0x2069) ||
    cp === 0x200e ||
    cp === 0x200f ||
    cp === 0x061c ||
    cp === 0x2028 ||
    cp === 0x2029 ||
    (cp >= 0xd800 && cp <= 0xdfff)
  );
}

// Terminal style: short C escapes where they exist, \xHH for the rest of the 8-bit range
// (`\x1b` is what people search for when they see a stray escape), \uHHHH above it.
const escapeForTerminal: EscapeCodePoint = (cp) =>
  SHORT_ESCAPES[cp] ?? (cp <= 0xff ? `\\x${hex(cp, 2)}` : `\\u${hex(cp, 4)}`);

// JSON style: what JSON.stringify would write, plus escapes for the characters JSON allows raw.
const escapeForQuoted: EscapeCodePoint = (cp) => {
  if (cp === 0x22) return '\\"';
  if (cp === 0x5c) return '\\\\';
  return SHORT_ESCAPES[cp] ?? `\\u${hex(cp, 4)}`;
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
