// Where a function was defined, as a file a user can open: V8 records a location (script id, line,
// column) for closures and constructed objects, but names scripts only by id. A closure's shared
// function info points at its Script, and the Script node is named by its URL or path
// (`shared` → `script_or_debug_info`, `script` in older V8), so one walk over the located closures
// names every script id that any closure uses. Cost: O(located closures × their edges), once per graph.

import type { HeapGraph } from '../snapshot/heap-graph.ts';

/** A source position a user can click: the script's name and 1-based line and column. */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

const SHARED_EDGE = 'shared';
const SCRIPT_EDGES = new Set(['script_or_debug_info', 'script']);

/** Script name per script id, from the located closures of `graph` (cached). */
export function computeScriptNames(graph: HeapGraph): Map<number, string> {
  return graph.cached('scriptNames', () => {
    const names = new Map<number, string>();
    const closure = graph.types.closure;
    for (let k = 0; k < graph.locObject.length; k++) {
      const node = graph.locObject[k];
      const scriptId = graph.locScriptId[k];
      if (graph.nodeType[node] !== closure || names.has(scriptId)) continue;
      const shared = targetByName(graph, node, (name) => name === SHARED_EDGE);
      const script = shared < 0 ? -1 : targetByName(graph, shared, (name) => SCRIPT_EDGES.has(name));
      const name = script < 0 ? '' : graph.nodeNameOf(script);
      if (name !== '' && !name.startsWith('(') && !name.startsWith('system / ')) names.set(scriptId, name);
    }
    return names;
  });
}

function targetByName(graph: HeapGraph, node: number, isWanted: (name: string) => boolean): number {
  for (let e = graph.firstEdge[node]; e < graph.firstEdge[node + 1]; e++) {
    if (!graph.isIndexEdge(e) && isWanted(graph.edgeNameOf(e))) return graph.edgeTarget[e];
  }
  return -1;
}

/** The node's definition site, when V8 recorded one and the script has a name; else null. */
export function sourceLocationOf(graph: HeapGraph, ordinal: number): SourceLocation | null {
  const loc = graph.locationOf(ordinal);
  if (loc < 0) return null;
  const file = computeScriptNames(graph).get(graph.locScriptId[loc]);
  if (file === undefined) return null;
  return { file: displayPath(file), line: graph.locLine[loc] + 1, column: graph.locColumn[loc] + 1 };
}

/** `file:///app/src/server.js` as the path `/app/src/server.js`; other URLs as they are. */
function displayPath(name: string): string {
  if (!name.startsWith('file://')) return name;
  try {
    return decodeURIComponent(new URL(name).pathname);
  } catch {
    return name;
  }
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
