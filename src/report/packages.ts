// `leakscope top --by package`: bytes by owning npm package or workspace folder
// (analysis/packages.ts), as a table and as JSON. Data in, text out.

import type { PackagesResult } from '../analysis/packages.ts';
import { formatBytes } from './format.ts';
import { PLAIN_STYLE, type Style } from './style.ts';
import { renderTable } from './table.ts';
import { upToLimit } from './limit.ts';

function percentOf(size: number, total: number): string {
  return total > 0 ? `${((100 * size) / total).toFixed(1)}%` : '–';
}

/** The packages largest first, `limit` rows (0 = all), then a note of what was left out; `objects` heads the count column. */
function packagesTableLines(result: PackagesResult, objects: string, limit: number, style: Style): string[] {
  const shown = upToLimit(result.rows, limit);
  const lines = [renderTable({
    head: ['Package', objects, 'Size', 'Share'],
    rows: shown.map((row) => [row.name, row.count, formatBytes(row.size), percentOf(row.size, result.totalSize)]),
    align: ['left', 'right', 'right', 'right'],
    style,
  })];
  if (shown.length < result.rows.length) lines.push(style.dim(`… ${result.rows.length - shown.length} more packages (--limit 0 shows all)`));
  return lines;
}

/** `top --by package`: the table, then what the sizes are. */
export function renderPackagesText(result: PackagesResult, options: { limit: number; style?: Style }): string {
  const style = options.style ?? PLAIN_STYLE;
  const lines = packagesTableLines(result, 'Objects', options.limit, style);
  lines.push(style.dim(`Size: DevTools self sizes of the objects each package's code created or alone keeps alive (nearest located dominator); total ${formatBytes(result.totalSize)}.`));
  return `${lines.join('\n')}\n`;
}

export function packagesToJson(result: PackagesResult, file: string, limit: number): unknown {
  const shown = upToLimit(result.rows, limit);
  return {
    snapshot: { file },
    totalSize: result.totalSize,
    packages: shown.map((row) => ({ name: row.name, count: row.count, size: row.size, percent: result.totalSize > 0 ? Math.round((10000 * row.size) / result.totalSize) / 100 : 0 })),
  };
}

/** `growth --by package`: what each package grew by, largest first, `limit` rows (0 = all). */
export function renderGrownPackagesText(result: PackagesResult, options: { limit: number; style?: Style }): string {
  const style = options.style ?? PLAIN_STYLE;
  const heading = style.bold('Grown by package (new objects held by the program, by the npm package or workspace folder whose code owns them):');
  if (result.rows.length === 0) return `${heading}\n  none`;
  return [heading, ...packagesTableLines(result, 'New objects', options.limit, style)].join('\n');
}

/** growth's `packages` (README: growth --json): every package whose new objects the program holds. */
export function grownPackagesToJson(result: PackagesResult): unknown {
  return result.rows.map((row) => ({ name: row.name, count: row.count, size: row.size }));
}
