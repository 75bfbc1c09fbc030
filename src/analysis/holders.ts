// What keeps each object alive, in four kinds, for the growth gate (issue "verdicts you can trust"):
//
//   program    a strong path from a lasting root (a global, a GC root other than the transient ones,
//              an embedder root) that passes through no V8 code metadata;
//   transient  no such path, but one from (Stack roots), (Handle scope), (Relocatable) or the
//              WeakRef keep-during-job list: the code running while the snapshot was written holds it;
//   v8         strongly reachable only through V8's code metadata: nodes of type `code` (compiled
//              code, bytecode and its constant pools, feedback vectors and cells, allocation sites,
//              shared function infos, scope infos, scripts' sources and line ends; docs/FORMAT.md §2.1),
//              or V8's caches among the GC roots (the string table, the compilation cache…);
//   weak       reachable only over weak edges (or not at all).
//
// A healthy server grows in the last three kinds between snapshots: V8 compiles functions lazily
// (their constant-pool strings and allocation-site boilerplates are new objects), and a snapshot
// written from a request handler has that handler's locals on the stack. None of that is a leak, and
// which functions got compiled when differs in every run, so the gate counts only `program` objects.
//
// Algorithm: three breadth-first searches sharing one queue and one kind array, each claiming only
// nodes no earlier search reached: (1) from the root without the transient root categories and
// without entering `code` nodes; (2) from the transient categories, same rule; (3) from every node
// claimed so far over every strong edge, entering everything (what is left after it is weak). Weak edges are never
// followed; ephemeron (WeakMap) edges are, as strong edges (a value lives while key and table live).
// The first search also records, per program node, the node it was first reached from: walking those
// parents up finds the named object that holds a string or a number (heldByNamedClass, below).
// Cost: O(N + E) time, 9 B per node (kind, parent, queue).

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { spreadOverStrongEdges } from './strong-reach.ts';
import { GC_ROOTS_NAME, KEEP_DURING_JOB_EDGE, STRONG_ROOTS_NAME, TRANSIENT_ROOT_NAMES, V8_CACHE_ROOT_NAMES } from '../snapshot/v8-names.ts';

export const HOLDER_KINDS = ['program', 'transient', 'v8', 'weak'] as const;
export type HolderKind = typeof HOLDER_KINDS[number];
export const HELD_BY_PROGRAM = 0;
export const HELD_TRANSIENTLY = 1;
export const HELD_BY_V8 = 2;
export const HELD_WEAKLY = 3;

/** Per kind, how many objects of a set it holds. */
export type HolderCounts = Record<HolderKind, number>;

export interface HoldersResult {
  /** Per node, an index into HOLDER_KINDS. */
  kind: Uint8Array;
  /** Per program node, the node the first search reached it from; NO_PARENT for the root and other kinds. */
  parent: Uint32Array;
}

export const NO_PARENT = 0xffffffff;
const UNSEEN = 0xff;

/** Cached per graph: growth, run and the matcher ask for the same snapshot's holders. */
export function computeHolders(graph: HeapGraph): HoldersResult {
  return graph.cached('holders', () => classifyHolders(graph));
}

/** Holders computed elsewhere over this same graph (a worker reading it in shared memory: summary-parallel.ts) become its cached ones. */
export function adoptHolders(graph: HeapGraph, holders: HoldersResult): void {
  graph.cached('holders', () => holders);
}

function classifyHolders(graph: HeapGraph): HoldersResult {
  const n = graph.nodeCount;
  const { firstEdge, edgeTarget, edgeType, edgeNameOrIndex, nodeType, nodeName } = graph;
  const weak = graph.types.weak;
  const code = graph.types.code;
  const kind = new Uint8Array(n).fill(UNSEEN);
  const parent = new Uint32Array(n).fill(NO_PARENT);
  const queue = new Uint32Array(n);
  const transientNames = new Set(TRANSIENT_ROOT_NAMES.flatMap((name) => graph.strings.indexesOf(name)));
  const cacheNames = new Set(V8_CACHE_ROOT_NAMES.flatMap((name) => graph.strings.indexesOf(name)));
  const gcRootsNames = new Set(graph.strings.indexesOf(GC_ROOTS_NAME));
  const strongRootsNames = new Set(graph.strings.indexesOf(STRONG_ROOTS_NAME));
  const keepDuringJobNames = new Set(graph.strings.indexesOf(KEEP_DURING_JOB_EDGE));
  const isTransientEdge = (source: number, e: number) => (gcRootsNames.has(nodeName[source]) && transientNames.has(nodeName[edgeTarget[e]]))
    || (strongRootsNames.has(nodeName[source]) && edgeType[e] !== graph.types.element && edgeType[e] !== graph.types.hiddenEdge && keepDuringJobNames.has(edgeNameOrIndex[e]));

  /** One search from `starts`; claims unseen nodes as `as`. */
  const search = (starts: number[], as: number, recordParents: boolean) => {
    let head = 0;
    let tail = 0;
    for (const s of starts) {
      if (kind[s] !== UNSEEN) continue;
      kind[s] = as;
      queue[tail++] = s;
    }
    while (head < tail) {
      const node = queue[head++];
      if (nodeType[node] === code) continue;
      for (let e = firstEdge[node]; e < firstEdge[node + 1]; e++) {
        if (edgeType[e] === weak) continue;
        const target = edgeTarget[e];
        if (kind[target] !== UNSEEN) continue;
        if (isTransientEdge(node, e)) continue;
        if (gcRootsNames.has(nodeName[node]) && cacheNames.has(nodeName[target])) continue;
        // Code metadata is never held "by the program": it is V8's, whoever points at it.
        if (nodeType[target] === code) continue;
        kind[target] = as;
        if (recordParents) parent[target] = node;
        queue[tail++] = target;
      }
    }
  };

  const root = graph.rootOrdinal;
  search([root], HELD_BY_PROGRAM, true);
  search(transientRootsOf(graph, isTransientEdge), HELD_TRANSIENTLY, false);
  claimTheRestAsV8(graph, kind, queue);
  for (let i = 0; i < n; i++) if (kind[i] === UNSEEN) kind[i] = HELD_WEAKLY;
  return { kind, parent };
}

/** The targets of the transient root edges: the transient categories and keep-during-job targets. */
function transientRootsOf(graph: HeapGraph, isTransientEdge: (source: number, e: number) => boolean): number[] {
  const starts: number[] = [];
  const root = graph.rootOrdinal;
  // Root categories hang off (GC roots), one or two hops from the root; (Strong roots) under it.
  const level1: number[] = [];
  for (let e = graph.firstEdge[root]; e < graph.firstEdge[root + 1]; e++) level1.push(graph.edgeTarget[e]);
  for (const node of level1) {
    for (let e = graph.firstEdge[node]; e < graph.firstEdge[node + 1]; e++) {
      const target = graph.edgeTarget[e];
      if (isTransientEdge(node, e)) starts.push(target);
      for (let f = graph.firstEdge[target]; f < graph.firstEdge[target + 1]; f++) if (isTransientEdge(target, f)) starts.push(graph.edgeTarget[f]);
    }
  }
  return starts;
}

/**
 * Strong reachability over everything, for the nodes the first two searches left: only code metadata
 * (or a transient edge, whose far side the second search claimed) stopped them, so a search from every
 * claimed node over every strong edge finds exactly the nodes that V8's metadata alone holds.
 */
function claimTheRestAsV8(graph: HeapGraph, kind: Uint8Array, queue: Uint32Array): void {
  let tail = 0;
  for (let i = 0; i < graph.nodeCount; i++) if (kind[i] !== UNSEEN) queue[tail++] = i;
  spreadOverStrongEdges(graph, kind, UNSEEN, queue, tail, HELD_BY_V8);
}

/** How many of `ordinals` each kind holds. */
export function countHolders(holders: HoldersResult, ordinals: ArrayLike<number>): HolderCounts {
  const counts = [0, 0, 0, 0];
  for (let k = 0; k < ordinals.length; k++) counts[holders.kind[ordinals[k]]]++;
  return { program: counts[0], transient: counts[1], v8: counts[2], weak: counts[3] };
}
