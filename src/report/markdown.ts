// Markdown reports, written for a GitHub Actions step summary ($GITHUB_STEP_SUMMARY) or a PR comment.
// Everything that comes from the heap is escaped twice over: control characters as in the terminal
// (sanitize.ts), then the characters Markdown or the HTML it allows would act on (`| * _ ` [ ] < >`…),
// so a class named `<img src=x onerror=…>` or `a|b` renders as text and cannot break a table.

import { formatBytes, formatCount, formatDelta } from './format.ts';
import { sanitizeForTerminal } from './sanitize.ts';
import { describeViolation, formatChain, formatExamples, formatHeldBy, formatSeries, growingRows, isGateFailed, renderVerdictLine, type GrowthReport } from './growth-report.ts';
import { formatAccumulationPoint } from './accumulation.ts';
import { NEW_OBJECTS_BY_SITE_TITLE, newObjectsBySiteRows } from './allocation-sites.ts';

// `( ) # + -` only act after `]` or at the start of a line, which escaped `[ ]` and our own line
// starts rule out; leaving them keeps the raw Markdown readable in a log.
const MARKDOWN_SPECIAL = /[\\`*_[\]|~<>&"]/g;
const HTML_ENTITIES: Record<string, string> = { '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' };

/** Text safe inside a Markdown paragraph or table cell. */
export function escapeMarkdown(text: string, maxLen = 200): string {
  return sanitizeForTerminal(text, maxLen).replace(MARKDOWN_SPECIAL, (c) => HTML_ENTITIES[c] ?? `\\${c}`);
}

/** A GitHub-flavoured table; cells are escaped here, so pass raw text. */
export function renderMarkdownTable(head: string[], rows: string[][], align: ('left' | 'right')[] = []): string {
  const cell = (s: string) => escapeMarkdown(s);
  const lines = [
    `| ${head.map(cell).join(' | ')} |`,
    `|${head.map((_, i) => (align[i] === 'right' ? ' ---: ' : ' --- ')).join('|')}|`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ];
  return lines.join('\n');
}

export function renderGrowthMarkdown(report: GrowthReport): string {
  const { result } = report;
  const out: string[] = [];
  const failed = isGateFailed(report);
  const icon = report.gate.violations.length === 0 ? '✅' : failed ? '❌' : '⚠️';
  out.push(`### ${icon} leakscope growth`);
  out.push('');
  out.push(escapeMarkdown(renderVerdictLine(report), 400));
  out.push('');
  for (const warning of report.warnings ?? []) out.push(`> ⚠️ ${escapeMarkdown(warning, 400)}`, '');
  if (report.gate.violations.length > 0) {
    for (const v of report.gate.violations) out.push(`- **${escapeMarkdown(v.name, 80)}**: ${escapeMarkdown(describeViolation(v, report.minDelta), 200)}`);
    out.push('');
  }
  const points = report.accumulation ?? [];
  if (points.length > 0) {
    out.push('**Growing collections** (alive in every snapshot, more members at every step):', '');
    for (const point of points) out.push(`- ${escapeMarkdown(formatAccumulationPoint(point, formatSeries), 400)}`);
    out.push('');
  }

  const { shown, total: growingCount } = growingRows(report);
  if (shown.length > 0) {
    const hasRetained = result.classes.some((c) => c.retainedSizeDelta !== null);
    const head = ['Class', 'Counts', 'Δ count', 'Δ self size'];
    const align: ('left' | 'right')[] = ['left', 'right', 'right', 'right'];
    if (hasRetained) { head.push('Δ retained'); align.push('right'); }
    if (!result.countsOnly) { head.push('New alive', 'Held by', 'Examples'); align.push('right', 'left', 'left'); }
    if (result.snapshots.length > 2) { head.push('Every step'); align.push('left'); }
    const rows = shown.map((c) => {
      const row = [c.name, formatSeries(c.counts), formatDelta(c.delta), formatDelta(c.sizeDelta, formatBytes)];
      if (hasRetained) row.push(c.retainedSizeDelta === null ? '' : formatDelta(c.retainedSizeDelta, formatBytes));
      if (!result.countsOnly) row.push(formatCount(c.newAlive ?? 0), formatHeldBy(c), formatExamples(c.examples));
      if (result.snapshots.length > 2) row.push(c.monotonic ? 'yes' : 'no');
      return row;
    });
    out.push(renderMarkdownTable(head, rows, align));
    if (growingCount > shown.length) out.push('', `${formatCount(growingCount - shown.length)} more growing classes not shown.`);
    out.push('');
  } else {
    out.push('No class grew.', '');
  }

  const chains: string[] = [];
  for (const c of shown) {
    const groups = report.retainers.get(c.key);
    if (!groups || groups.length === 0) continue;
    chains.push(`**${escapeMarkdown(c.name, 80)}** (${formatCount(c.newAlive ?? 0)} new):`, '');
    for (const g of groups) {
      const size = g.retainedSize === null ? '' : `, ${formatBytes(g.retainedSize)}`;
      chains.push(`- ${formatCount(g.count)}×${size}: ${escapeMarkdown(formatChain(g.steps), 400)}${g.isTransient ? ' *(transient root)*' : ''}`);
    }
    chains.push('');
  }
  if (chains.length > 0) out.push('#### What holds the new objects', '', ...chains);

  if (report.allocationSites !== undefined && report.allocationSites.length > 0) {
    const rows = newObjectsBySiteRows(report.allocationSites, { baseDir: report.baseDir })
      .map((row) => [row.className, row.count === null ? '' : formatCount(row.count), row.selfSize === null ? '' : formatBytes(row.selfSize), row.where]);
    out.push(`#### ${NEW_OBJECTS_BY_SITE_TITLE}`, '', renderMarkdownTable(['Class', 'New alive', 'Self size', 'Allocated in'], rows, ['left', 'right', 'right', 'left']), '');
  }

  out.push('<details><summary>Snapshots</summary>', '');
  out.push(renderMarkdownTable(['#', 'Snapshot', 'Nodes', 'Total size'],
    result.snapshots.map((s, i) => [String(i + 1), s.file, formatCount(s.nodeCount), formatBytes(s.totalSize)]), ['right', 'left', 'right', 'right']));
  out.push('', `Total size ${escapeMarkdown(formatDelta(result.totalSizeDelta, formatBytes))}. ${result.countsOnly ? 'Class counts only (ids not compared).' : 'All snapshots come from one process (object ids agree).'}`);
  out.push('', '</details>', '');
  return out.join('\n');
}
