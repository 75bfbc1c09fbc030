// The preferred retainer of every reachable node: the last hop of its shortest retainer chain
// (docs/FORMAT.md §3.3). Chains are then a walk up these parents, O(length) each, and chains that share
// a tail share its parents, so grouping hundreds of thousands of chains by shape costs little more
// than visiting each node on them once.
//
// Algorithm: a candidate for node w is a strong edge from a node one hop closer to the root
// (dist[v] = dist[w] − 1) that the distance search could follow (isDistanceEdge). The distance
// search itself shows every candidate as it meets it (computeDistancesVisiting), so parents cost no
// pass of their own; when distances were computed before, one forward pass over the edges finds
// the same candidates. Among candidates the minimum of (edgeTypeRank, retainerIsSystem, −retainedSize,
// retainerOrdinal, edge order) wins; that is a total order, so the pass order does not matter. A
// WeakMap ephemeron edge is a candidate only if the other edge of its pair also reaches w from no
// farther away, which needs all of w's retainers: such nodes are decided afterwards from their
// retainer lists, gathered in one more pass (WeakMap values are few).
// Cost: O(N + E) time; two Int32Arrays of N. No retainer index (8 B/edge) is built, unless a chain
// that is printed takes a WeakMap hop (ephemeronPartnerEdge).

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import {
  NO_DISTANCE, computeDistances, computeDistancesVisiting, createDistanceFilterContext, ephemeronOf, isDistanceEdge,
  type DistanceFilterContext,
} from './distances.ts';
import { computeRetainedSizes } from './dominators.ts';

export interface ChainParents {
  /** Preferred retainer of each node; -1 for the root, unreachable nodes and nodes with no candidate. */
  node: Int32Array;
  /** The edge from node[w] to w; -1 where node[w] is. */
  edge: Int32Array;
}

/** §3.3 edge preference: what a person wrote (properties, elements, closure variables) before V8 internals. */
export function edgeTypeRank(graph: HeapGraph, edge: number): number {
  const t = graph.edgeType[edge];
  const { types } = graph;
  if (t === types.property) return 0;
  if (t === types.element) return 1;
  if (t === types.context) return 2;
  if (t === types.shortcut) return 3;
  if (t === types.internal) return 4;
  if (t === types.hiddenEdge) return 5;
  return 6;
}

/** Retainers whose DevTools class is (system), (array), (object shape) or (compiled code). */
export function isSystemNode(graph: HeapGraph, ordinal: number): boolean {
  const t = graph.nodeType[ordinal];
  const { types } = graph;
  return t === types.hidden || t === types.array || t === types.objectShape || t === types.code;
}

/** Preferred retainers of every node (cached per graph; needs distances and retained sizes). */
export function computeChainParents(graph: HeapGraph): ChainParents {
  return graph.cached('chainParents', () => findChainParents(graph));
}

function findChainParents(graph: HeapGraph): ChainParents {
  const n = graph.nodeCount;
  const retained = computeRetainedSizes(graph);
  const ctx = createDistanceFilterContext(graph);
  const { firstEdge, edgeTarget, edgeType } = graph;
  const weak = graph.types.weak;
  const parentNode = new Int32Array(n).fill(-1);
  const parentEdge = new Int32Array(n).fill(-1);
  /** Nodes an ephemeron edge may be a candidate for: decided from all their retainers below. */
  const hasEphemeronCandidate = new Uint8Array(n);
  let anyEphemeronCandidate = false;

  const isBetter = (source: number, edge: number, w: number): boolean => {
    const best = parentEdge[w];
    if (best < 0) return true;
    const bestSource = parentNode[w];
    const rank = edgeTypeRank(graph, edge);
    const bestRank = edgeTypeRank(graph, best);
    if (rank !== bestRank) return rank < bestRank;
    const system = isSystemNode(graph, source);
    if (system !== isSystemNode(graph, bestSource)) return !system;
    if (retained[source] !== retained[bestSource]) return retained[source] > retained[bestSource];
    return source < bestSource;
  };
  const consider = (v: number, e: number, w: number) => {
    if (ephemeronOf(ctx, e) !== undefined) {
      hasEphemeronCandidate[w] = 1;
      anyEphemeronCandidate = true;
    } else if (isBetter(v, e, w)) {
      parentNode[w] = v;
      parentEdge[w] = e;
    }
  };

  let dist: Int32Array;
  if (!graph.hasCached('distances')) {
    dist = computeDistancesVisiting(graph, consider);
  } else {
    dist = computeDistances(graph);
    for (let v = 0; v < n; v++) {
      const d = dist[v];
      if (d === NO_DISTANCE) continue;
      const wanted = d + 1;
      const end = firstEdge[v + 1];
      for (let e = firstEdge[v]; e < end; e++) {
        if (edgeType[e] !== weak && dist[edgeTarget[e]] === wanted && isDistanceEdge(ctx, v, e)) consider(v, e, edgeTarget[e]);
      }
    }
  }
  if (anyEphemeronCandidate) {
    const retainers = gatherRetainers(graph, hasEphemeronCandidate);
    for (const [w, list] of retainers) {
      parentNode[w] = -1;
      parentEdge[w] = -1;
      for (let k = 0; k < list.length; k += 2) {
        const source = list[k];
        const edge = list[k + 1];
        if (edgeType[edge] === weak || dist[source] !== dist[w] - 1 || !isDistanceEdge(ctx, source, edge)) continue;
        if (ephemeronOf(ctx, edge) !== undefined && partnerInList(ctx, dist, list, k) < 0) continue;
        if (isBetter(source, edge, w)) {
          parentNode[w] = source;
          parentEdge[w] = edge;
        }
      }
    }
  }
  return { node: parentNode, edge: parentEdge };
}

/** (source, edge) pairs of every edge into a marked node, in source then edge order. */
function gatherRetainers(graph: HeapGraph, marked: Uint8Array): Map<number, number[]> {
  const { firstEdge, edgeTarget } = graph;
  const lists = new Map<number, number[]>();
  for (let v = 0; v < graph.nodeCount; v++) {
    for (let e = firstEdge[v]; e < firstEdge[v + 1]; e++) {
      const w = edgeTarget[e];
      if (marked[w] === 0) continue;
      let list = lists.get(w);
      if (list === undefined) lists.set(w, list = []);
      list.push(v, e);
    }
  }
  return lists;
}

/**
 * For the ephemeron edge at pair position `k` of a retainer list, the other edge of its WeakMap pair
 * whose source is reachable and no farther from the root; -1 when there is none.
 */
function partnerInList(ctx: DistanceFilterContext, dist: Int32Array, list: number[], k: number): number {
  const ephemeron = ephemeronOf(ctx, list[k + 1]);
  if (ephemeron === undefined) return -1;
  const limit = dist[list[k]];
  for (let j = 0; j < list.length; j += 2) {
    if (j === k) continue;
    const other = ephemeronOf(ctx, list[j + 1]);
    const source = list[j];
    if (other?.pair === ephemeron.pair && dist[source] !== NO_DISTANCE && dist[source] <= limit) return list[j + 1];
  }
  return -1;
}

/**
 * The partner of the ephemeron edge `edge` into `node` (see partnerInList), or -1 for any other edge.
 * Uses the graph's retainer index, built on the first ephemeron hop a printed chain takes.
 */
export function ephemeronPartnerEdge(graph: HeapGraph, ctx: DistanceFilterContext, node: number, edge: number): number {
  if (ephemeronOf(ctx, edge) === undefined) return -1;
  const { firstRetainer, retainerNode, retainerEdge } = graph;
  const list: number[] = [];
  let position = -1;
  for (let k = firstRetainer[node]; k < firstRetainer[node + 1]; k++) {
    if (retainerEdge[k] === edge) position = list.length;
    list.push(retainerNode[k], retainerEdge[k]);
  }
  return position < 0 ? -1 : partnerInList(ctx, computeDistances(graph), list, position);
}
