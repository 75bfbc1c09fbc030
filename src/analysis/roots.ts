// Roots as DevTools sees them (docs/FORMAT.md §2.3): the synthetic root's non-synthetic children (the
// global objects) and a synthetic `(Document DOM trees)` are *user roots*; everything reachable only
// through `(GC roots)` and the embedder's roots is "system".

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { DOCUMENT_DOM_TREES_NAME } from '../snapshot/v8-names.ts';

/** Whether a child of the root starts the user part of the heap. */
export function isUserRoot(graph: HeapGraph, ordinal: number): boolean {
  return graph.nodeType[ordinal] !== graph.types.synthetic || graph.nodeNameOf(ordinal) === DOCUMENT_DOM_TREES_NAME;
}

/** Targets of the root's edges that are user roots, in edge order (duplicates removed). */
export function userRoots(graph: HeapGraph): number[] {
  return graph.cached('userRoots', () => {
    const root = graph.rootOrdinal;
    const seen = new Set<number>();
    for (let e = graph.firstEdge[root]; e < graph.firstEdge[root + 1]; e++) {
      const target = graph.edgeTarget[e];
      if (isUserRoot(graph, target)) seen.add(target);
    }
    return [...seen];
  });
}

export function hasUserRoots(graph: HeapGraph): boolean {
  return userRoots(graph).length > 0;
}
