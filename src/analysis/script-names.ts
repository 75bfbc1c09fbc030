// Where a function was defined, as a file a user can open: V8 records a location (script id, line,
// column) for closures and constructed objects, but names scripts only by id; source-locations.ts
// recovers each script's URL from the heap, and this file turns it into a path to open.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeScriptUrls, displayPath, sourceLocationOf, type SourceLocation } from './source-locations.ts';

/** Script name per script id, from the located closures of `graph` (cached). */
export function computeScriptNames(graph: HeapGraph): Map<number, string> {
  return graph.cached('scriptNames', () => {
    const names = new Map<number, string>();
    // Synthetic names such as `(program)` are not files a user can open.
    for (const [scriptId, url] of computeScriptUrls(graph)) if (!url.startsWith('(')) names.set(scriptId, url);
    return names;
  });
}

/**
 * The node's definition site (sourceLocationOf) as a file a user can open: a file URL as its path;
 * null when V8 recorded no site or the script has no name (where sourceLocationOf says "script N").
 */
export function fileLocationOf(graph: HeapGraph, ordinal: number): SourceLocation | null {
  const loc = graph.locationOf(ordinal);
  if (loc < 0 || !computeScriptNames(graph).has(graph.locScriptId[loc])) return null;
  const location = sourceLocationOf(graph, ordinal)!;
  return { ...location, file: displayPath(location.file) };
}

/**
 * The innermost closure on a retainer chain (nodes root first) that has a known source location:
 * the function whose variable holds what follows, usually the line to change.
 */
export function innermostClosureLocation(graph: HeapGraph, nodes: ArrayLike<number>): SourceLocation | null {
  for (let i = nodes.length - 1; i >= 0; i--) {
    if (graph.nodeType[nodes[i]] !== graph.types.closure) continue;
    const location = fileLocationOf(graph, nodes[i]);
    if (location !== null) return location;
  }
  return null;
}
