// Distances from the roots, exactly as Chrome DevTools computes them (docs/FORMAT.md §3.1).
//
// Algorithm: two breadth-first searches sharing one distance array. The first starts at the user
// roots (the root's non-synthetic children, i.e. the global objects, and `(Document DOM trees)`) at
// distance 1; the second starts at the root itself, at BASE_SYSTEM_DISTANCE when there were user
// roots (else 0), and reaches what only `(GC roots)` and the embedder roots hold. Weak edges are
// never followed, and `followsForDistance` refuses three more kinds of edge (NativeContext's
// sloppy_function_map, old descriptor-array detail slots, the first edge of a WeakMap ephemeron pair).
//
// Invariants: dist[v] is set once, when v is first enqueued; a node's distance is its queue parent's
// plus one; everything unreachable keeps NO_DISTANCE.
// Cost: O(N + E) time; an Int32Array of N distances and a Uint32Array queue of N (+ root edges).

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { isUserRoot } from './roots.ts';
import { NATIVE_CONTEXT_NAME } from '../snapshot/v8-names.ts';

/** DevTools' distance of a node no strong path reaches. */
export const NO_DISTANCE = -5;
/** Distances at or above this were reached only through GC roots / embedder roots, not from a global. */
export const BASE_SYSTEM_DISTANCE = 100000000;

/** True when DevTools would print this distance (reached from a global object); it prints "−" otherwise. */
export function isUserDistance(distance: number): boolean {
  return distance >= 0 && distance < BASE_SYSTEM_DISTANCE;
}

/**
 * WeakMap ephemeron edge names (docs/FORMAT.md §7.3): `<n> / part of key (K @1) -> value (V @2) pair in
 * WeakMap (table @3)`. The part after the number is shared by the key→value and table→value edges.
 */
const EPHEMERON_EDGE_NAME = /^\d+(?<pair> \/ part of key \(.*? @\d+\) -> value \(.*? @\d+\) pair in WeakMap \(table @(?<table>\d+)\))$/;

/** Length of the shortest possible ephemeron edge name (empty class names, one-digit ids). */
const MIN_EPHEMERON_NAME_LENGTH = '1 / part of key ( @1) -> value ( @1) pair in WeakMap (table @1)'.length;

export interface EphemeronEdgeName {
  /** The name without its leading number: identical for both edges of one pair. */
  pair: string;
  /** Snapshot id of the EphemeronHashTable. */
  tableId: number;
}

/**
 * Parses internal edge names as ephemeron names, once per string index. Few strings are ephemeron
 * names, so the answer for everything else is one byte per string.
 */
export class EphemeronNames {
  readonly #graph: HeapGraph;
  /** Per string index: 0 not looked at yet, 1 not an ephemeron name, 2 ephemeron name. */
  readonly #state: Uint8Array;
  readonly #parsed = new Map<number, EphemeronEdgeName>();

  constructor(graph: HeapGraph) {
    this.#graph = graph;
    this.#state = new Uint8Array(graph.strings.count);
  }

  /** The parsed name of string `nameIndex`, or undefined when it is not an ephemeron edge name. */
  get(nameIndex: number): EphemeronEdgeName | undefined {
    const state = this.#state[nameIndex];
    if (state === 1) return undefined;
    if (state === 2) return this.#parsed.get(nameIndex);
    // Most internal edge names are short slot names ("map", "24"): rule them out without decoding.
    const strings = this.#graph.strings;
    const name = strings.rawLength(nameIndex) < MIN_EPHEMERON_NAME_LENGTH ? '' : strings.get(nameIndex);
    const match = name.includes('pair in WeakMap') ? EPHEMERON_EDGE_NAME.exec(name) : null;
    if (match === null || match.groups === undefined) {
      this.#state[nameIndex] = 1;
      return undefined;
    }
    const parsed = { pair: match.groups.pair, tableId: Number(match.groups.table) };
    this.#state[nameIndex] = 2;
    this.#parsed.set(nameIndex, parsed);
    return parsed;
  }
}

/** Shared per graph: distances, essential edges and paths all ask the same questions. */
export function ephemeronNamesOf(graph: HeapGraph): EphemeronNames {
  return graph.cached('ephemeronNames', () => new EphemeronNames(graph));
}

/**
 * String indexes and type ids the distance filter needs, resolved once. A Set of string indexes,
 * not names: a hand-made snapshot may repeat a string, V8 never does.
 */
export interface DistanceFilterContext {
  graph: HeapGraph;
  nativeContextNames: Set<number>;
  sloppyFunctionMapNames: Set<number>;
  mapDescriptorsNames: Set<number>;
  ephemerons: EphemeronNames;
  /** Ephemeron pairs whose first edge was refused (docs/FORMAT.md §3.1 rule 4). */
  pendingPairs: Set<string>;
}

export function createDistanceFilterContext(graph: HeapGraph): DistanceFilterContext {
  return {
    graph,
    nativeContextNames: new Set(graph.strings.indexesOf(NATIVE_CONTEXT_NAME)),
    sloppyFunctionMapNames: new Set(graph.strings.indexesOf('sloppy_function_map')),
    mapDescriptorsNames: new Set(graph.strings.indexesOf('(map descriptors)')),
    ephemerons: ephemeronNamesOf(graph),
    pendingPairs: new Set(),
  };
}

/**
 * The stateless part of DevTools' distance edge filter (docs/FORMAT.md §3.1 rules 2 and 3), for a
 * non-weak edge: retainer chains use it to walk back along exactly the edges the search followed.
 */
export function isDistanceEdge(ctx: DistanceFilterContext, source: number, edge: number): boolean {
  const graph = ctx.graph;
  const { types } = graph;
  const sourceType = graph.nodeType[source];
  const nameOrIndex = graph.edgeNameOrIndex[edge];
  // Rule 2: the map for sloppy-mode functions is shared machinery, not something a page holds.
  if (sourceType === types.hidden && ctx.sloppyFunctionMapNames.has(nameOrIndex) && !graph.isIndexEdge(edge)
    && ctx.nativeContextNames.has(graph.nodeName[source])) return false;
  // Rule 3: old-layout descriptor arrays share their detail slots between maps (crbug.com/413608).
  if (sourceType === types.array && ctx.mapDescriptorsNames.has(graph.nodeName[source])) {
    const index = graph.isIndexEdge(edge) ? nameOrIndex : parseInt(graph.strings.get(nameOrIndex), 10);
    return index < 2 || index % 3 !== 1;
  }
  return true;
}

/** Whether an edge (any type) is the key→value or table→value edge of a WeakMap entry. */
export function ephemeronOf(ctx: DistanceFilterContext, edge: number): EphemeronEdgeName | undefined {
  const graph = ctx.graph;
  if (graph.edgeType[edge] !== graph.types.internal) return undefined;
  return ctx.ephemerons.get(graph.edgeNameOrIndex[edge]);
}

/**
 * DevTools' distance edge filter (docs/FORMAT.md §3.1 rules 2–4), for a non-weak edge `edge` leaving
 * `source` whose target has no distance yet. Stateful: the first edge of an ephemeron pair is
 * refused and remembered, the second accepted, so the value's distance follows the later of its key
 * and its table. (Rule 3 returns before rule 4, as in DevTools.)
 */
export function followsForDistance(ctx: DistanceFilterContext, source: number, edge: number): boolean {
  const graph = ctx.graph;
  const sourceType = graph.nodeType[source];
  if (sourceType === graph.types.array && ctx.mapDescriptorsNames.has(graph.nodeName[source])) return isDistanceEdge(ctx, source, edge);
  if (!isDistanceEdge(ctx, source, edge)) return false;
  // Rule 4: a WeakMap value needs both its key and its table.
  const ephemeron = ephemeronOf(ctx, edge);
  if (ephemeron !== undefined && !ctx.pendingPairs.delete(ephemeron.pair)) {
    ctx.pendingPairs.add(ephemeron.pair);
    return false;
  }
  return true;
}

/**
 * DevTools distances per node ordinal (cached per graph). `memory`, when it holds at least
 * distanceMemoryLength(graph) numbers, holds the distances and the search's queue instead of two
 * fresh arrays (summary-parallel.ts: the dominator tree's spare memory).
 */
export function computeDistances(graph: HeapGraph, memory?: Uint32Array): Int32Array {
  return graph.cached('distances', () => runDistanceSearch(graph, undefined, memory));
}

/**
 * The distances (N) and the queue (N + the root's edges + 1: a global reached by two root edges
 * is enqueued twice, as in DevTools): numbers the search needs.
 */
export function distanceMemoryLength(graph: HeapGraph): number {
  const root = graph.rootOrdinal;
  return 2 * graph.nodeCount + (graph.firstEdge[root + 1] - graph.firstEdge[root]) + 1;
}

/**
 * Distances computed elsewhere over this same graph (a worker reading it in shared memory:
 * summary-parallel.ts) become its cached ones, as if computeDistances had run here.
 */
export function adoptDistances(graph: HeapGraph, distances: Int32Array): void {
  graph.cached('distances', () => distances);
}

/**
 * Called by the search for every strong edge v → w that could be the last hop of a shortest chain
 * to w: w's distance is v's plus one (set just now or earlier in this layer), or w has no distance
 * yet and the edge is an ephemeron edge (its pair may still give w that distance).
 */
export type ChainCandidateVisitor = (v: number, e: number, w: number) => void;

/**
 * The distance search, reporting chain candidates along the way (chain-parents.ts picks each node's
 * preferred retainer from them without a second pass over the edges). The distances it returns and
 * caches are exactly computeDistances'.
 */
export function computeDistancesVisiting(graph: HeapGraph, visit: ChainCandidateVisitor): Int32Array {
  const distances = runDistanceSearch(graph, visit);
  return graph.cached('distances', () => distances);
}

function runDistanceSearch(graph: HeapGraph, visit?: ChainCandidateVisitor, memory?: Uint32Array): Int32Array {
  const n = graph.nodeCount;
  const { firstEdge, edgeTarget, edgeType } = graph;
  const weak = graph.types.weak;
  const root = graph.rootOrdinal;
  const needed = distanceMemoryLength(graph);
  const isReused = memory !== undefined && memory.length >= needed;
  const distances = (isReused ? new Int32Array(memory.buffer, memory.byteOffset, n) : new Int32Array(n)).fill(NO_DISTANCE);
  const ctx = createDistanceFilterContext(graph);
  const queue = isReused ? memory.subarray(n, needed) : new Uint32Array(needed - n);

  // With `visit`, every candidate last hop is shown to it too; the distances are the same.
  const search = (queueLength: number) => {
    let head = 0;
    while (head < queueLength) {
      const v = queue[head++];
      const d = distances[v] + 1;
      const end = firstEdge[v + 1];
      for (let e = firstEdge[v]; e < end; e++) {
        if (edgeType[e] === weak) continue;
        const w = edgeTarget[e];
        const dw = distances[w];
        if (dw !== NO_DISTANCE) {
          if (visit !== undefined && dw === d && isDistanceEdge(ctx, v, e)) visit(v, e, w);
          continue;
        }
        if (!followsForDistance(ctx, v, e)) {
          if (visit !== undefined && ephemeronOf(ctx, e) !== undefined) visit(v, e, w);
          continue;
        }
        distances[w] = d;
        queue[queueLength++] = w;
        if (visit !== undefined) visit(v, e, w);
      }
    }
  };

  let seeds = 0;
  for (let e = firstEdge[root]; e < firstEdge[root + 1]; e++) {
    const child = edgeTarget[e];
    if (!isUserRoot(graph, child)) continue;
    distances[child] = 1;
    queue[seeds++] = child;
  }
  search(seeds);
  distances[root] = seeds > 0 ? BASE_SYSTEM_DISTANCE : 0;
  queue[0] = root;
  search(1);
  return distances;
}
