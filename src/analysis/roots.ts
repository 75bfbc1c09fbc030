// Roots as DevTools sees them (FORMAT.md §2.3): the synthetic root's non-synthetic children (the
// global objects) and a synthetic `(Document DOM trees)` are *user roots*; everything reachable only
// through `(GC roots)` and the embedder's roots is "system".

import type { HeapGraph } from '../snapshot/heap-graph.ts';

const DOCUMENT_DOM_TREES = '(Document DOM trees)';

/** The node the GC root categories hang off. */
export const GC_ROOTS_NAME = '(GC roots)';
export const STRONG_ROOTS_NAME = '(Strong roots)';
/** GC root categories that hold objects only during the call that wrote the snapshot (FORMAT.md §2.3). */
export const TRANSIENT_ROOT_NAMES: readonly string[] = ['(Stack roots)', '(Handle scope)', '(Relocatable)'];
/** The (Strong roots) edge that keeps WeakRef targets alive until the current job ends (FORMAT.md §7.2). */
export const KEEP_DURING_JOB_EDGE = 'weak_refs_keep_during_job';
/**
 * GC root categories that are V8's caches, not the program's references: V8 clears what only they
 * hold. The string table shows every internalized string strongly; a healthy run's lazily compiled
 * functions add their identifiers and literals to it (measured: `leakscope run` of a scenario that
 * does nothing grew `(string)` by 14, all reached first through (Internalized strings)).
 */
export const V8_CACHE_ROOT_NAMES: readonly string[] = [
  '(Internalized strings)', '(External strings)', '(Compilation cache)', '(Builtins)', '(Code flusher)',
  '(Startup object cache)', '(Read-only object cache)', '(Shareable object cache)', '(Read-only roots)',
];

/** Whether a child of the root starts the user part of the heap. */
export function isUserRoot(graph: HeapGraph, ordinal: number): boolean {
  return graph.nodeType[ordinal] !== graph.types.synthetic || graph.nodeNameOf(ordinal) === DOCUMENT_DOM_TREES;
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
