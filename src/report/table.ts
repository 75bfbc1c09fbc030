// Text tables for terminals and CI logs. The look follows DevTools' and objgraph's columns: a header,
// one rule, two spaces between columns, no box. Box borders double the width of a log line and
// wrap badly when a CI viewer is narrow.

import Table from 'cli-table3';
import { formatCount } from './format.ts';
import { DEFAULT_TERMINAL_MAX, sanitizeForTerminal } from './sanitize.ts';
import { PLAIN_STYLE, type Style, type StyleName } from './style.ts';

export type Align = 'left' | 'right';

/** A cell: numbers are counts (formatted with separators); `{ value, style }` colours a cell safely. */
export type TableCell = string | number | { value: string | number; style?: StyleName | StyleName[] };

export interface RenderTableOptions {
  head: string[];
  rows: TableCell[][];
  /** Per column; a column whose cells are all numbers defaults to right, anything else to left. */
  align?: Align[];
  style?: Style;
  /** Cut for each cell, in code points. */
  maxCellWidth?: number;
}

const RULE = '─';
const GAP = '  ';

// Only the rule between the header and the body is drawn (cli-table3 draws `mid` under the head
// when `compact` is on); every other border character is empty.
const CHARS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: RULE,
  'mid-mid': GAP,
  right: '',
  'right-mid': '',
  middle: GAP,
};

function valueOf(cell: TableCell): string | number {
  return typeof cell === 'object' ? cell.value : cell;
}

function isNumericColumn(rows: TableCell[][], column: number): boolean {
  let hasNumber = false;
  for (const row of rows) {
    const cell = row[column];
    if (cell === undefined || valueOf(cell) === '') continue;
    if (typeof valueOf(cell) !== 'number') return false;
    hasNumber = true;
  }
  return hasNumber;
}

/** Turns a cell into display text: sanitised first, coloured after, so heap text cannot carry escapes. */
function renderCell(cell: TableCell | undefined, style: Style, maxWidth: number): string {
  if (cell === undefined) return '';
  const value = valueOf(cell);
  const text = typeof value === 'number' ? formatCount(value) : sanitizeForTerminal(value, maxWidth);
  if (typeof cell !== 'object' || cell.style === undefined) return text;
  const names = Array.isArray(cell.style) ? cell.style : [cell.style];
  return names.reduce((acc, name) => style[name](acc), text);
}

/** Renders rows as an aligned text table; lines carry no trailing spaces and no final newline. */
export function renderTable(options: RenderTableOptions): string {
  const { head, rows, style = PLAIN_STYLE, maxCellWidth = DEFAULT_TERMINAL_MAX } = options;
  const columns = Math.max(head.length, ...rows.map((row) => row.length));
  const align: Align[] = [];
  for (let c = 0; c < columns; c++) {
    align.push(options.align?.[c] ?? (isNumericColumn(rows, c) ? 'right' : 'left'));
  }
  const table = new Table({
    head: Array.from({ length: columns }, (_, c) => style.bold(sanitizeForTerminal(head[c] ?? '', maxCellWidth))),
    colAligns: align,
    chars: CHARS,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0, compact: true },
  });
  for (const row of rows) {
    table.push(Array.from({ length: columns }, (_, c) => renderCell(row[c], style, maxCellWidth)));
  }
  return table
    .toString()
    .split('\n')
    .map((line) => line.replace(/ +$/, ''))
    .join('\n');
}
