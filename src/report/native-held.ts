// `leakscope suspects --native-only`: the objects only native code keeps (analysis/native-held.ts),
// as a class table in text and as JSON. Data in, text out.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import type { NativeHeldResult } from '../analysis/native-held.ts';
import { formatBytes, formatCount } from './format.ts';
import { sanitizeForTerminal } from './sanitize.ts';
import { PLAIN_STYLE, type Style } from './style.ts';
import { renderTable } from './table.ts';

export interface NativeHeldTextOptions {
  file: string;
  style?: Style;
  /** Classes shown (0 = all). */
  limit?: number;
}

/** A class table, heaviest first: count, self and retained size, what holds them, examples. */
export function renderNativeHeldText(graph: HeapGraph, result: NativeHeldResult, options: NativeHeldTextOptions): string {
  const style = options.style ?? PLAIN_STYLE;
  const file = sanitizeForTerminal(options.file, 200);
  if (result.objectCount === 0) return `Nothing in ${file} is held only by native code.\n`;
  const lines = [style.bold(`Held only by native code in ${file}: ${formatCount(result.objectCount)} ${result.objectCount === 1 ? 'object retains' : 'objects retain'} ${formatBytes(result.retainedSize)} (no JavaScript object keeps ${result.objectCount === 1 ? 'it' : 'them'} alive)`), ''];
  const limit = options.limit ?? 0;
  const shown = limit > 0 ? result.classes.slice(0, limit) : result.classes;
  lines.push(renderTable({
    head: ['Class', 'Count', 'Self size', 'Retained', 'Held by', 'Examples'],
    align: ['left', 'right', 'right', 'right', 'left', 'left'],
    rows: shown.map((row) => [
      result.classIndex.names[row.classId], row.count, formatBytes(row.selfSize), formatBytes(row.retainedSize),
      row.holders.map((h) => `${formatCount(h.count)} ${h.name}`).join(', '),
      row.examples.map((o) => `@${graph.nodeId[o]}`).join(' '),
    ]),
    style,
  }).trimEnd());
  if (shown.length < result.classes.length) lines.push(style.dim(`… ${formatCount(result.classes.length - shown.length)} more classes (--limit 0 shows all)`));
  lines.push('', style.dim('Find what one of them holds with `leakscope refs SNAP --id ID`; close or release it in native code (a port, a handle, an addon reference).'));
  return `${lines.join('\n')}\n`;
}

export interface NativeHeldJson {
  snapshot: { file: string; nodeCount: number };
  nativeOnly: {
    objectCount: number;
    retainedSize: number;
    classes: { name: string; count: number; selfSize: number; retainedSize: number; holders: { name: string; count: number }[]; examples: number[] }[];
  };
}

export function nativeHeldToJson(graph: HeapGraph, result: NativeHeldResult, file: string): NativeHeldJson {
  return {
    snapshot: { file, nodeCount: graph.nodeCount },
    nativeOnly: {
      objectCount: result.objectCount,
      retainedSize: result.retainedSize,
      classes: result.classes.map((row) => ({
        name: result.classIndex.names[row.classId], count: row.count, selfSize: row.selfSize, retainedSize: row.retainedSize,
        holders: row.holders, examples: row.examples.map((o) => graph.nodeId[o]),
      })),
    },
  };
}
