// `leakscope info SNAP`: what wrote the snapshot, its format, its size and how long reading took.

import type { Command } from 'commander';
import { computeStatistics, detectRuntime } from '../../analysis/statistics.ts';
import { renderJson } from '../../report/json.ts';
import { formatBytes, formatCount, formatDuration } from '../../report/format.ts';
import { sanitizeForTerminal } from '../../report/sanitize.ts';
import { commandAction, loadForCli, stdoutStyle, writeOut } from '../io.ts';

export function registerInfoCommand(program: Command): void {
  program
    .command('info')
    .description('runtime and format facts: node/edge/string counts, total size, parse time')
    .argument('<snapshot>', '.heapsnapshot file (or .heapsnapshot.gz)')
    .option('--json', 'print JSON (shape in the README)')
    .addHelpText('after', `
Examples:
  $ leakscope info app.heapsnapshot
  $ leakscope info app.heapsnapshot --json`)
    .action(commandAction(async (file: string, options: { json?: boolean }) => {
      const graph = await loadForCli(file);
      const runtime = detectRuntime(graph);
      const statistics = computeStatistics(graph);
      const { source } = graph;
      const info = {
        file,
        fileSize: source.fileSize,
        runtime: runtime.runtime,
        runtimeVersion: runtime.version,
        globals: runtime.globals,
        nodeFields: source.meta.node_fields,
        nodeTypes: graph.nodeTypeNames,
        edgeTypes: graph.edgeTypeNames,
        sections: source.sections,
        nodeCount: graph.nodeCount,
        edgeCount: graph.edgeCount,
        stringCount: graph.strings.count,
        locationCount: source.locationCount,
        traceFunctionCount: source.traceFunctionCount,
        extraNativeBytes: source.extraNativeBytes,
        totalSize: statistics.total,
        statistics,
        parseMs: Math.round(source.parseMs),
      };
      if (options.json) {
        writeOut(renderJson(info));
        return 0;
      }
      const style = stdoutStyle();
      const s = statistics;
      const rows: [string, string][] = [
        ['file', `${sanitizeForTerminal(file, 200)} (${formatBytes(source.fileSize)})`],
        ['runtime', `${runtime.runtime}${runtime.version ? ` ${runtime.version}` : ''}${runtime.globals.length ? `; globals: ${runtime.globals.map((g) => sanitizeForTerminal(g, 60)).join(', ')}` : ''}`],
        ['format', `${source.meta.node_fields.length} node fields (${source.meta.node_fields.join(', ')}); ${graph.nodeTypeNames.length} node types; sections: ${source.sections.join(', ')}`],
        ['nodes', formatCount(graph.nodeCount)],
        ['edges', formatCount(graph.edgeCount)],
        ['strings', formatCount(graph.strings.count)],
        ['locations', formatCount(source.locationCount)],
        ['allocation traces', source.traceFunctionCount > 0 ? `${formatCount(source.traceFunctionCount)} functions` : 'none'],
        ['total size', `${formatBytes(s.total)}${source.extraNativeBytes ? ` (incl. ${formatBytes(source.extraNativeBytes)} extra native)` : ''}`],
        ['  V8 heap', `${formatBytes(s.v8heap.total)}: code ${formatBytes(s.v8heap.code)}, strings ${formatBytes(s.v8heap.strings)}, JS arrays ${formatBytes(s.v8heap.jsArrays)}, system ${formatBytes(s.v8heap.system)}`],
        ['  native', `${formatBytes(s.native.total)}: typed arrays ${formatBytes(s.native.typedArrays)}`],
        ['parse time', formatDuration(source.parseMs)],
      ];
      const width = Math.max(...rows.map(([k]) => k.length));
      writeOut(rows.map(([k, v]) => `${style.bold(k.padEnd(width))}  ${v}`).join('\n'));
      return 0;
    }));
}
