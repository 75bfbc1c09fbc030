import { describe, expect, it } from 'vitest';
import { renderJson } from '../../src/report/json.ts';
import { lazyJsonArray, renderJsonChunks } from '../../src/report/json-stream.ts';

const joined = (value: unknown) => Array.from(renderJsonChunks(value)).join('');

describe('renderJsonChunks', () => {
  it('writes exactly what renderJson writes', () => {
    const values: unknown[] = [
      1, 'x\u2028y\u202e', null, [], {}, { a: [], b: {} }, [undefined, 1, () => 2],
      { a: [1, { b: [2, 3], c: 'q\x7f' }], skipped: undefined, fn: () => 1 },
      { type: 'T', objects: Array.from({ length: 5 }, (_, i) => ({ id: i, preview: { x: [i] }, distance: null })) },
      { groups: [{ count: 1, chain: [{ node: { id: 1, name: 'a\ud800' }, edge: null }] }] },
    ];
    for (const value of values) expect(joined(value)).toBe(renderJson(value));
  });

  it('iterates lazy arrays while writing, at any depth, empty ones too', () => {
    const items = function* () {
      yield { node: { id: 1 }, edge: null };
      yield { elidedHops: 5 };
    };
    const lazy = { groups: [{ count: 1, chain: lazyJsonArray(items()) }], none: lazyJsonArray([]) };
    expect(joined(lazy)).toBe(renderJson({ groups: [{ count: 1, chain: Array.from(items()) }], none: [] }));
  });

  it('hands out chunks of bounded size for a big array', () => {
    const big = { objects: Array.from({ length: 20_000 }, (_, i) => ({ id: i, preview: 'x'.repeat(20) })) };
    const chunks = Array.from(renderJsonChunks(big));
    expect(chunks.length).toBeGreaterThan(10);
    for (const chunk of chunks) expect(chunk.length).toBeLessThan(128 * 1024);
    expect(chunks.join('')).toBe(renderJson(big));
  });
});
