// Text tables for terminals and CI logs. The look follows DevTools' and objgraph's columns: a header,
// one rule, two spaces between columns, no box. Box borders double the width of a log line and
// wrap badly when a CI viewer is narrow.
//
// Cost: linear in the cells. Each cell is rendered and measured once, then every line is padded
// from the column widths; lines come out one at a time (renderTableLines), so a table of a million
// rows is never one string. (cli-table3, used before, looked for row-span conflicts against every
// earlier row: quadratic, 100 s for 70,000 rows.)

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

/** Text every character of which takes one column: ASCII, Latin, and the marks reports draw (… ─ → × −). */
const ONE_COLUMN_EACH = /^[\u0020-\u007e\u00a0-\u02ff\u0370-\u03ff\u2010-\u2026\u2190-\u2193\u2212\u2500-\u257f]*$/;
/** An emoji as terminals draw it, two columns: a flag, or a pictograph with its modifiers and joined parts. */
const EMOJI = /\p{Regional_Indicator}{2}|(?:\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F)\p{Emoji_Modifier}?(?:\u200D(?:\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F?)\p{Emoji_Modifier}?)*/gu;

/**
 * Columns a terminal gives to `text` (sanitised, not yet coloured): string-width's rule, which
 * cli-table3 applied — an emoji two, combining marks none, East Asian wide and fullwidth
 * characters two, the rest one.
 */
export function displayWidth(text: string): number {
  if (ONE_COLUMN_EACH.test(text)) return text.length;
  let width = 0;
  for (const char of text.replace(EMOJI, '\u3000')) {
    const cp = char.codePointAt(0)!;
    if (cp >= 0x300 && cp <= 0x36f) continue;
    width += isWide(cp) ? 2 : 1;
  }
  return width;
}

/** is-fullwidth-code-point's ranges (East Asian Wide and Fullwidth). */
function isWide(cp: number): boolean {
  return cp >= 0x1100 && (
    cp <= 0x115f || cp === 0x2329 || cp === 0x232a
    || (cp >= 0x2e80 && cp <= 0x3247 && cp !== 0x303f) || (cp >= 0x3250 && cp <= 0x4dbf) || (cp >= 0x4e00 && cp <= 0xa4c6)
    || (cp >= 0xa960 && cp <= 0xa97c) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff)
    || (cp >= 0xfe10 && cp <= 0xfe19) || (cp >= 0xfe30 && cp <= 0xfe6b) || (cp >= 0xff01 && cp <= 0xff60)
    || (cp >= 0xffe0 && cp <= 0xffe6) || (cp >= 0x1b000 && cp <= 0x1b001) || (cp >= 0x1f200 && cp <= 0x1f251)
    || (cp >= 0x20000 && cp <= 0x3fffd));
}

/**
 * Hands a cell's display text and width to `add`: sanitised first, coloured after, so heap text
 * cannot carry escapes; measured before colouring, as escapes take no columns.
 */
function renderCell(cell: TableCell | undefined, style: Style, maxWidth: number, add: (text: string, width: number) => void): void {
  if (cell === undefined) return add('', 0);
  const value = valueOf(cell);
  const text = typeof value === 'number' ? formatCount(value) : sanitizeForTerminal(value, maxWidth);
  if (typeof cell !== 'object' || cell.style === undefined) return add(text, displayWidth(text));
  const names = Array.isArray(cell.style) ? cell.style : [cell.style];
  add(names.reduce((acc, name) => style[name](acc), text), displayWidth(text));
}

/** Renders rows as an aligned text table; lines carry no trailing spaces and no final newline. */
export function renderTable(options: RenderTableOptions): string {
  return Array.from(renderTableLines(options)).join('\n');
}

/** The lines of renderTable, one at a time (no newlines): for tables too big to hold as one string. */
export function* renderTableLines(options: RenderTableOptions): Generator<string> {
  const { head, rows, style = PLAIN_STYLE, maxCellWidth = DEFAULT_TERMINAL_MAX } = options;
  let columns = head.length;
  for (const row of rows) if (row.length > columns) columns = row.length;
  const align: Align[] = [];
  for (let c = 0; c < columns; c++) align.push(options.align?.[c] ?? (isNumericColumn(rows, c) ? 'right' : 'left'));
  // Cells row after row, header first, with their widths: two flat arrays, not an array per cell.
  const texts: string[] = [];
  const cellWidths = new Uint32Array((rows.length + 1) * columns);
  // A column is at least one wide, as cli-table3 drew it.
  const widths = new Array<number>(columns).fill(1);
  const add = (text: string, width: number) => {
    cellWidths[texts.length] = width;
    if (width > widths[texts.length % columns]) widths[texts.length % columns] = width;
    texts.push(text);
  };
  for (let c = 0; c < columns; c++) {
    const text = sanitizeForTerminal(head[c] ?? '', maxCellWidth);
    add(style.bold(text), displayWidth(text));
  }
  for (const row of rows) for (let c = 0; c < columns; c++) renderCell(row[c], style, maxCellWidth, add);
  const line = (r: number) => {
    let text = '';
    for (let c = 0; c < columns; c++) {
      const k = r * columns + c;
      const pad = ' '.repeat(widths[c] - cellWidths[k]);
      text += (c === 0 ? '' : GAP) + (align[c] === 'right' ? pad + texts[k] : texts[k] + pad);
    }
    // Trailing spaces go (a left-aligned last column pads them); a loop, not / +$/, which is quadratic in the padding.
    let end = text.length;
    while (end > 0 && text.charCodeAt(end - 1) === 32) end--;
    return end === text.length ? text : text.slice(0, end);
  };
  yield line(0);
  if (rows.length === 0) return;
  yield widths.map((w) => RULE.repeat(w)).join(GAP);
  for (let r = 1; r <= rows.length; r++) yield line(r);
}
