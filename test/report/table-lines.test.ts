import { describe, expect, it } from 'vitest';
import { displayWidth, renderTable, renderTableLines } from '../../src/report/table.ts';

describe('renderTableLines', () => {
  it('gives renderTable line by line', () => {
    const options = { head: ['Class', 'Count'], rows: [['(string)', 21_065], ['Link', 300_000]] };
    expect(Array.from(renderTableLines(options))).toEqual(renderTable(options).split('\n'));
  });

  it('pads by display width: wide characters take two columns, marks none, emoji two', () => {
    expect(displayWidth('abc')).toBe(3);
    expect(displayWidth('日本')).toBe(4);
    expect(displayWidth('e\u0301')).toBe(1);
    expect(displayWidth('ok 😀')).toBe(5);
    expect(displayWidth('… ─ → × −')).toBe(9);
    const lines = renderTable({ head: ['Name', 'n'], rows: [['日本', 1], ['abcd', 2]] }).split('\n');
    expect(lines.slice(2)).toEqual(['日本  1', 'abcd  2']);
  });

  it('renders a table of 100,000 rows with long padding', () => {
    // Left-aligned cells padded by up to 200 spaces: trimming them must not rescan the padding.
    const rows = Array.from({ length: 100_000 }, (_, i) => [i % 1000 === 0 ? 'x'.repeat(200) : `r${i}`, i]);
    const lines = Array.from(renderTableLines({ head: ['Name', 'Count'], rows, maxCellWidth: 300 }));
    expect(lines).toHaveLength(100_002);
    expect(lines[3]).toMatch(/^r1 +1$/);
  });
});
