// The `info` report: what wrote a snapshot, its format, counts, DevTools' statistics and how long
// reading took, as aligned text or JSON, from facts the caller gathered.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import type { HeapStatistics, RuntimeInfo } from '../analysis/statistics.ts';
import { formatBytes, formatCount, formatDuration } from './format.ts';
import { sanitizeForTerminal } from './sanitize.ts';
import type { Style } from './style.ts';

/** The `info --json` shape (README "info"). */
export function infoToJson(graph: HeapGraph, file: string, runtime: RuntimeInfo, statistics: HeapStatistics) {
  const { source } = graph;
  return {
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
}

/** One fact per line, names aligned. */
export function renderInfoText(graph: HeapGraph, file: string, runtime: RuntimeInfo, statistics: HeapStatistics, style: Style): string {
  const { source } = graph;
  const s = statistics;
  const rows: [string, string][] = [
    ['file', `${sanitizeForTerminal(file, 200)} (${formatBytes(source.fileSize)})`],
    ['runtime', `${runtime.runtime}${runtime.version ? ` ${runtime.version}` : ''}${runtime.globals.length ? `; globals: ${runtime.globals.map((g) => sanitizeForTerminal(g, 60)).join(', ')}` : ''}`],
    // Field and section names come from the file: a crafted one could carry terminal escapes.
    ['format', `${source.meta.node_fields.length} node fields (${source.meta.node_fields.map((f) => sanitizeForTerminal(f, 60)).join(', ')}); ${graph.nodeTypeNames.length} node types; sections: ${source.sections.map((name) => sanitizeForTerminal(name, 60)).join(', ')}`],
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
  return rows.map(([k, v]) => `${style.bold(k.padEnd(width))}  ${v}`).join('\n');
}
