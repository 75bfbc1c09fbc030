// `leakscope top SNAP`: the most common classes (objgraph's show_most_common_types).

import type { Command } from 'commander';
import type { ClassSummary } from '../../analysis/histogram.ts';
import { computeClassSummaryInParallel, loadWithSummaryWorker } from '../../workers/summary-parallel.ts';
import { renderJsonChunks } from '../../report/json-stream.ts';
import { classesToJson, classTableLines } from '../../report/class-tables.ts';
import { formatBytes, formatCount } from '../../report/format.ts';
import { addClassOptions, commandAction, loadForCli, parseNonNegativeInt, stdoutStyle, writeOut, type ClassOptions } from '../io.ts';
import { Option } from 'commander';
import { joinLines, writeChunks } from '../write-chunks.ts';
import { computePackageSizes } from '../../analysis/packages.ts';
import { createPackageResolver } from '../../sources/packages.ts';
import { packagesToJson, renderPackagesText } from '../../report/packages.ts';
import { renderJson } from '../../report/json.ts';
import { upToLimit } from '../../report/limit.ts';

type SortKey = 'count' | 'size' | 'retained';

interface TopOptions extends ClassOptions {
  limit: number;
  sort: SortKey;
  json?: boolean;
  by: 'class' | 'package';
}

export function registerTopCommand(program: Command): void {
  const command = program
    .command('top')
    .description('most common classes: count, distance, self and retained size per class (objgraph show_most_common_types)')
    .argument('<snapshot>', '.heapsnapshot file (or .heapsnapshot.gz)')
    .option('-n, --limit <n>', 'rows to show; 0 shows all', parseNonNegativeInt, 20)
    .addOption(new Option('--sort <key>', 'order rows by').choices(['count', 'size', 'retained']).default('count'))
    .option('--json', 'print JSON (shape in the README)')
    .addOption(new Option('--by <group>', 'rows per class, or per npm package or workspace folder whose code owns the bytes').choices(['class', 'package']).default('class'));
  addClassOptions(command)
    .addHelpText('after', `
Examples:
  $ leakscope top app.heapsnapshot
  $ leakscope top app.heapsnapshot --sort retained --limit 10
  $ leakscope top app.heapsnapshot --names raw --json
  $ leakscope top app.heapsnapshot --by package`)
    .action(commandAction(async (file: string, options: TopOptions) => {
      if (options.by === 'package') return topByPackage(file, options);
      const { graph, worker } = await loadWithSummaryWorker(file, loadForCli);
      const histogram = await computeClassSummaryInParallel(graph, { names: options.names, rawSizes: options.rawSizes }, worker);
      const sorted = sortClasses(histogram.classes, options.sort);
      const shown = upToLimit(sorted, options.limit);
      // --limit 0 may list tens of thousands of classes: written in chunks, never one string.
      if (options.json) {
        await writeChunks(renderJsonChunks({
          snapshot: { file, nodeCount: graph.nodeCount, edgeCount: graph.edgeCount, totalSize: histogram.totalSize + graph.source.extraNativeBytes },
          classes: classesToJson(shown),
        }));
        return 0;
      }
      const style = stdoutStyle();
      await writeChunks(joinLines(classTableLines(shown, style)));
      const hidden = sorted.length - shown.length;
      writeOut(style.dim(`${formatCount(sorted.length)} classes, ${formatCount(graph.nodeCount)} nodes, ${formatBytes(histogram.totalSize + graph.source.extraNativeBytes)} total${hidden > 0 ? `; ${formatCount(hidden)} more classes (--limit 0 shows all)` : ''}`));
      return 0;
    }));
}

/** `top --by package`: bytes by the npm package or workspace folder whose code owns them. */
async function topByPackage(file: string, options: TopOptions): Promise<number> {
  const graph = await loadForCli(file);
  const result = computePackageSizes(graph, createPackageResolver());
  if (options.json) writeOut(renderJson(packagesToJson(result, file, options.limit)));
  else writeOut(renderPackagesText(result, { limit: options.limit, style: stdoutStyle() }));
  return 0;
}

const SORT_KEYS: Record<SortKey, (c: ClassSummary) => number> = {
  count: (c) => c.count,
  size: (c) => c.selfSize,
  retained: (c) => c.retainedSize,
};

export function sortClasses(classes: ClassSummary[], key: SortKey): ClassSummary[] {
  const primary = SORT_KEYS[key];
  return [...classes].sort((a, b) => primary(b) - primary(a) || b.selfSize - a.selfSize || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
