import { describe, expect, it } from 'vitest';
import { createStyle } from '../../src/report/style.ts';
import { renderTable } from '../../src/report/table.ts';

const plain = createStyle({ env: { NO_COLOR: '1' } });

describe('renderTable', () => {
  it('renders a compact table with right-aligned numbers (NO_COLOR)', () => {
    const out = renderTable({
      head: ['Constructor', 'Count', 'Self size'],
      rows: [
        ['Connection', 1234, '1.2 MB'],
        ['(closure)', 5, '12 B'],
      ],
      align: ['left', 'right', 'right'],
      style: plain,
    });
    expect(out).toBe(
      [
        'Constructor  Count  Self size',
        '───────────  ─────  ─────────',
        'Connection   1,234     1.2 MB',
        '(closure)        5       12 B',
      ].join('\n'),
    );
  });

  it('right-aligns all-number columns by default and leaves no trailing spaces', () => {
    const out = renderTable({ head: ['Name', 'n'], rows: [['a', 10], ['bbbb', 2000]], style: plain });
    expect(out).toBe(['Name      n', '────  ─────', 'a        10', 'bbbb  2,000'].join('\n'));
    for (const line of out.split('\n')) expect(line).not.toMatch(/ $/);
  });

  it('sanitises every cell, headers included', () => {
    const out = renderTable({
      head: ['Na\x1b[31mme'],
      rows: [['evil\r\x1b]8;;http://x\x1b\\link\u202e'], ['a\nb']],
      style: plain,
    });
    expect(out).not.toContain('\x1b');
    expect(out).not.toContain('\r');
    expect(out).not.toContain('\u202e');
    expect(out.split('\n')).toHaveLength(4);
    expect(out).toContain('a\\nb');
  });

  it('cuts long cells', () => {
    const out = renderTable({ head: ['s'], rows: [['x'.repeat(500)]], style: plain, maxCellWidth: 20 });
    expect(out.split('\n')[2]).toBe('x'.repeat(19) + '…');
  });

  it('colours styled cells after sanitising, so heap text cannot inject escapes', () => {
    const color = createStyle({ stream: { isTTY: true }, env: {} });
    const out = renderTable({ head: ['k'], rows: [[{ value: '\x1b[2Jboom', style: 'red' }]], style: color });
    expect(out).toContain('\x1b[31m\\x1b[2Jboom\x1b[39m');
    expect(out).toContain('\x1b[1mk\x1b[22m');
  });

  it('renders just the header when there are no rows', () => {
    expect(renderTable({ head: ['Name', 'Count'], rows: [], style: plain })).toBe('Name  Count');
  });
});
