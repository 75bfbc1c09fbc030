import { describe, expect, it } from 'vitest';
import { renderJson } from '../../src/report/json.ts';

describe('renderJson', () => {
  it('indents by two and ends with a newline', () => {
    expect(renderJson({ a: [1, 2] })).toBe('{\n  "a": [\n    1,\n    2\n  ]\n}\n');
  });

  it('escapes lone surrogates from heap strings (well-formed JSON.stringify)', () => {
    const out = renderJson({ name: 'x\ud800y\udfff', pair: '😀' });
    expect(out).toContain('"x\\ud800y\\udfff"');
    expect(out).toContain('"😀"');
    // Round-trips through UTF-8 without U+FFFD replacement.
    const bytes = Buffer.from(out, 'utf8');
    expect(JSON.parse(bytes.toString('utf8'))).toEqual({ name: 'x\ud800y\udfff', pair: '😀' });
  });

  it('escapes control characters, so terminal escapes stay inert', () => {
    expect(renderJson('\x1b[31m\u2028')).toBe('"\\u001b[31m\\u2028"\n');
  });

  // Every class JSON.stringify writes raw: DEL, C1, bidi embeddings/overrides, isolates, marks, separators.
  const RAW_UNSAFE: [string, string[]][] = [
    ['DEL', ['\u007f']],
    ['C1 controls', ['\u0080', '\u009b', '\u009f']],
    ['bidi embeddings and overrides', ['\u202a', '\u202b', '\u202c', '\u202d', '\u202e']],
    ['bidi isolates', ['\u2066', '\u2067', '\u2068', '\u2069']],
    ['direction marks', ['\u200e', '\u200f', '\u061c']],
    ['line and paragraph separators', ['\u2028', '\u2029']],
  ];
  it.each(RAW_UNSAFE)('escapes %s as \\uXXXX in keys and values, and round-trips', (_label, chars) => {
    for (const c of chars) {
      const escaped = `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;
      const value = { [`k${c}`]: [`a${c}b`, { deep: c }] };
      const out = renderJson(value);
      expect(out).not.toContain(c);
      expect(out).toBe(JSON.stringify(value, null, 2).split(c).join(escaped) + '\n');
      expect(JSON.parse(out)).toEqual(value);
    }
  });

  it('leaves neighbouring printable text alone', () => {
    const text = '~ \u00a0é \u200d\u2027\u202f\u2065\u206a 😀 "\\';
    expect(renderJson(text)).toBe(JSON.stringify(text) + '\n');
  });
});
