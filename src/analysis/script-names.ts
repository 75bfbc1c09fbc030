// Where a function was defined, as a file a user can open: V8 records a location (script id, line,
// column) for closures and constructed objects, but names scripts only by id; source-locations.ts
// recovers each script's URL from the heap, and this file turns it into a path to open.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeScriptUrls, displayPath, type SourceLocation } from './source-locations.ts';
import { originalLocationOf } from './original-locations.ts';

/** Script name per script id, from the located closures of `graph` (cached). */
export function computeScriptNames(graph: HeapGraph): Map<number, string> {
  return graph.cached('scriptNames', () => {
    const names = new Map<number, string>();
    // Synthetic names such as `(program)` are not files a user can open.
    for (const [scriptId, url] of computeScriptUrls(graph)) if (!url.startsWith('(')) names.set(scriptId, url);
    return names;
  });
}

/** The node's definition site, when V8 recorded one and the script has a name; else null. */
export function sourceLocationOf(graph: HeapGraph, ordinal: number): SourceLocation | null {
  const loc = graph.locationOf(ordinal);
  if (loc < 0) return null;
  const file = computeScriptNames(graph).get(graph.locScriptId[loc]);
  if (file === undefined) return null;
  const line = graph.locLine[loc] + 1;
  const column = graph.locColumn[loc] + 1;
  // Compiled code is shown where it came from, when the command registered source maps.
  const original = originalLocationOf(graph, file, line, column);
  if (original !== null) return { file: displayPath(original.url), line: original.line, column: original.column };
  return { file: displayPath(file), line, column };
}

/**
 * The innermost closure on a retainer chain (nodes root first) that has a known source location:
 * the function whose variable holds what follows, usually the line to change.
 */
export function innermostClosureLocation(graph: HeapGraph, nodes: ArrayLike<number>): SourceLocation | null {
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (graph.nodeType[nodes[i]] !== graph.types.closure) continue;
    const location = sourceLocationOf(graph, nodes[i]);
    if (location !== null) return location;
  }
  return null;
}
