import { describe, expect, it } from 'vitest';
import { escapeHtml, quoteHeapString, sanitizeForTerminal } from '../../src/report/sanitize.ts';

const ESC = '\x1b';

describe('sanitizeForTerminal', () => {
  it('leaves ordinary text, unicode and emoji alone', () => {
    expect(sanitizeForTerminal('Connection')).toBe('Connection');
    expect(sanitizeForTerminal('Ünïcödé – 日本語')).toBe('Ünïcödé – 日本語');
    expect(sanitizeForTerminal('👩‍👩‍👧 🇫🇷')).toBe('👩‍👩‍👧 🇫🇷');
  });

  it('makes ANSI colour and cursor sequences visible', () => {
    expect(sanitizeForTerminal(`${ESC}[31mred${ESC}[0m`)).toBe('\\x1b[31mred\\x1b[0m');
    expect(sanitizeForTerminal(`${ESC}[2J${ESC}[H`)).toBe('\\x1b[2J\\x1b[H');
  });

  it('defuses OSC 8 hyperlinks and OSC title changes', () => {
    const link = `${ESC}]8;;https://evil.example${ESC}\\click${ESC}]8;;${ESC}\\`;
    const out = sanitizeForTerminal(link, 200);
    expect(out).not.toContain(ESC);
    expect(out).toBe('\\x1b]8;;https://evil.example\\x1b\\click\\x1b]8;;\\x1b\\');
    expect(sanitizeForTerminal(`${ESC}]0;pwned\x07`)).toBe('\\x1b]0;pwned\\x07');
  });

  it('escapes CR, LF, tab and backspace tricks that overwrite what was printed', () => {
    expect(sanitizeForTerminal('safe\rEVIL')).toBe('safe\\rEVIL');
    expect(sanitizeForTerminal('line1\nline2\tx')).toBe('line1\\nline2\\tx');
    expect(sanitizeForTerminal('abc\b\b\bxyz')).toBe('abc\\b\\b\\bxyz');
  });

  it('escapes DEL and C1 controls, including the one-byte CSI', () => {
    expect(sanitizeForTerminal('a\x7fb\x9b31mc\x85d')).toBe('a\\x7fb\\x9b31mc\\x85d');
  });

  it('escapes bidi overrides, isolates, marks and line separators', () => {
    expect(sanitizeForTerminal('admin\u202Etxt.exe')).toBe('admin\\u202etxt.exe');
    expect(sanitizeForTerminal('\u2066x\u2069\u200e\u200f\u061c')).toBe('\\u2066x\\u2069\\u200e\\u200f\\u061c');
    expect(sanitizeForTerminal('a\u2028b\u2029c')).toBe('a\\u2028b\\u2029c');
  });

  it('escapes lone surrogates but keeps pairs', () => {
    expect(sanitizeForTerminal('x\ud800y\udfffz')).toBe('x\\ud800y\\udfffz');
    expect(sanitizeForTerminal('\ud83d\ude00')).toBe('😀');
  });

  it('cuts long strings to maxLen code points including the ellipsis', () => {
    const long = 'x'.repeat(10_000);
    const out = sanitizeForTerminal(long);
    expect(out).toBe('x'.repeat(79) + '…');
    expect(sanitizeForTerminal('x'.repeat(80))).toBe('x'.repeat(80));
    expect(sanitizeForTerminal('abcdef', 4)).toBe('abc…');
    expect(sanitizeForTerminal(long, Infinity)).toBe(long);
  });

  it('never splits a surrogate pair or an escape when cutting', () => {
    expect(sanitizeForTerminal('😀😀😀😀', 3)).toBe('😀😀…');
    // "ab" + "\x1b" (4 code points) would exceed 5 with the ellipsis, so the escape goes whole.
    expect(sanitizeForTerminal(`ab${ESC}cdef`, 5)).toBe('ab…');
  });

  it('stays bounded for huge runs of combining marks', () => {
    const zalgo = 'Z' + '\u0301'.repeat(100_000);
    expect([...sanitizeForTerminal(zalgo, 10)]).toHaveLength(10);
  });
});

describe('quoteHeapString', () => {
  it('quotes JSON-style, escaping quotes, backslashes and controls', () => {
    expect(quoteHeapString('say "hi"\n')).toBe('"say \\"hi\\"\\n"');
    expect(quoteHeapString('C:\\tmp')).toBe('"C:\\\\tmp"');
    expect(quoteHeapString(`${ESC}[31m`)).toBe('"\\u001b[31m"');
    expect(quoteHeapString('\u202e\ud800')).toBe('"\\u202e\\ud800"');
  });

  it('parses back as JSON when nothing was cut', () => {
    const nasty = 'a"b\\c\nd\te\x00f\u2028';
    expect(JSON.parse(quoteHeapString(nasty, 100))).toBe(nasty);
  });

  it('puts the ellipsis inside the quotes', () => {
    expect(quoteHeapString('abcdefgh', 5)).toBe('"abcd…"');
    expect(quoteHeapString('')).toBe('""');
  });
});

describe('escapeHtml', () => {
  it('escapes the five HTML-significant characters', () => {
    expect(escapeHtml(`<script>alert('x') && "y"</script>`)).toBe(
      '&lt;script&gt;alert(&#39;x&#39;) &amp;&amp; &quot;y&quot;&lt;/script&gt;',
    );
  });
});
