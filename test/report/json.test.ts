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
    expect(renderJson('\x1b[31m\u2028')).toBe('"\\u001b[31m\u2028"\n');
  });
});
