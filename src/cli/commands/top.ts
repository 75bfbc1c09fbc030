// `leakscope top SNAP`: the most common types (objgraph's show_most_common_types).

import type { Command } from 'commander';
import { computeHistogram, type ClassStats } from '../../analysis/histogram.ts';
import { renderJson } from '../../report/json.ts';
import { renderTable } from '../../report/table.ts';
import { formatBytes, formatCount } from '../../report/format.ts';
import { addClassOptions, commandAction, loadForCli, parseNonNegativeInt, stdoutStyle, writeOut, type ClassOptions } from '../io.ts';
import { Option } from 'commander';

interface TopOptions extends ClassOptions {
  limit: number;
  sort: 'count' | 'size';
  json?: boolean;
}

export function registerTopCommand(program: Command): void {
  const command = program
    .command('top')
    .description('most common types: count and self size per class (objgraph show_most_common_types)')
    .argument('<snapshot>', '.heapsnapshot file (or .heapsnapshot.gz)')
    .option('-n, --limit <n>', 'rows to show; 0 shows all', parseNonNegativeInt, 20)
    .addOption(new Option('--sort <key>', 'order rows by').choices(['count', 'size']).default('count'))
    .option('--json', 'print JSON (shape in the README)');
  addClassOptions(command)
    .addHelpText('after', `
Examples:
  $ leakscope top app.heapsnapshot
  $ leakscope top app.heapsnapshot --sort size --limit 10
  $ leakscope top app.heapsnapshot --names raw --json`)
    .action(commandAction(async (file: string, options: TopOptions) => {
      const graph = await loadForCli(file);
      const histogram = computeHistogram(graph, { names: options.names, rawSizes: options.rawSizes });
      const sorted = sortClasses(histogram.classes, options.sort);
      const shown = options.limit === 0 ? sorted : sorted.slice(0, options.limit);
      if (options.json) {
        writeOut(renderJson({
          snapshot: { file, nodeCount: graph.nodeCount, edgeCount: graph.edgeCount, totalSize: histogram.totalSize + graph.source.extraNativeBytes },
          classes: shown.map((c) => ({ name: c.name, count: c.count, selfSize: c.selfSize })),
        }));
        return 0;
      }
      const style = stdoutStyle();
      writeOut(renderTable({
        head: ['Class', 'Count', 'Self size'],
        rows: shown.map((c) => [c.name, c.count, formatBytes(c.selfSize)]),
        align: ['left', 'right', 'right'],
        style,
      }));
      const hidden = sorted.length - shown.length;
      writeOut(style.dim(`${formatCount(sorted.length)} classes, ${formatCount(graph.nodeCount)} nodes, ${formatBytes(histogram.totalSize + graph.source.extraNativeBytes)} total${hidden > 0 ? `; ${formatCount(hidden)} more classes (--limit 0 shows all)` : ''}`));
      return 0;
    }));
}

export function sortClasses(classes: ClassStats[], key: 'count' | 'size'): ClassStats[] {
  const primary = key === 'count' ? (c: ClassStats) => c.count : (c: ClassStats) => c.selfSize;
  return [...classes].sort((a, b) => primary(b) - primary(a) || b.selfSize - a.selfSize || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
