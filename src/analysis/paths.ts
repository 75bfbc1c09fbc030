// The shortest chain of strong references from a root to an object (objgraph's find_backref_chain,
// DevTools' auto-expanded retainers; FORMAT.md §3.3).
//
// Algorithm: DevTools distances (§3.1) are a BFS layering, so a shortest chain is found by walking
// back from the target, each step to a retainer one hop closer to the root over an edge the BFS could
// have followed (strong, not refused by rules 2–3; an ephemeron edge only once its partner's source is
// no farther away). Among equally short candidates the step minimises
// (edgeTypeRank, retainerIsSystem, −retainedSize, retainerOrdinal): user-visible edges first, then
// JS objects over internals, then the bigger retainer, then file order — deterministic.
// Chains end at a global object when one reaches the target (distance < BASE_SYSTEM_DISTANCE), else at
// a child of the root ((GC roots), an embedder root). Chains through (Stack roots), (Handle scope),
// (Relocatable) or KeepDuringJob are marked transient: they exist only while the snapshot is taken.
// Cost: distances once per snapshot (O(N + E)); then O(length × in-degree) per chain.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeClassIndex } from '../snapshot/class-names.ts';
import {
  NO_DISTANCE, computeDistances, createDistanceFilterContext, ephemeronOf, isDistanceEdge,
  type DistanceFilterContext,
} from './distances.ts';
import { computeRetainedSizes } from './dominators.ts';

export interface RetainerChainResult {
  target: number;
  /** Node ordinals, root side first; the last is the target. */
  nodes: number[];
  /** edges[i] leaves nodes[i] toward nodes[i+1]; the target's entry is -1. */
  edges: number[];
  /**
   * For a hop over a WeakMap ephemeron edge, the partner edge (table→value for key→value and vice
   * versa) whose source is also needed to keep the value alive; -1 elsewhere.
   */
  partnerEdges: number[];
  /** True when the chain starts at a global object (a user root), false for GC / embedder roots. */
  isFromUserRoot: boolean;
  /** The GC root category when the chain only exists while the snapshot is taken, else null. */
  transientRoot: string | null;
}

/** GC root categories that hold objects only during the snapshot call itself (FORMAT.md §2.3). */
const TRANSIENT_ROOTS = new Set(['(Stack roots)', '(Handle scope)', '(Relocatable)']);
/** The (Strong roots) entry that keeps WeakRef targets alive until the current job ends (§7.2). */
const KEEP_DURING_JOB = 'weak_refs_keep_during_job';

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

export class RetainerChainFinder {
  readonly #graph: HeapGraph;
  readonly #distances: Int32Array;
  readonly #retained: Float64Array;
  readonly #ctx: DistanceFilterContext;

  constructor(graph: HeapGraph) {
    this.#graph = graph;
    this.#distances = computeDistances(graph);
    this.#retained = computeRetainedSizes(graph);
    this.#ctx = createDistanceFilterContext(graph);
  }

  /** The shortest strong chain to `target`, or null when no strong path reaches it. */
  find(target: number): RetainerChainResult | null {
    const graph = this.#graph;
    const dist = this.#distances;
    const root = graph.rootOrdinal;
    if (dist[target] === NO_DISTANCE) return null;
    // The root sits at BASE_SYSTEM_DISTANCE when the snapshot has user roots (globals at 1), at 0
    // when it has none (newer Chrome links only (GC roots) from the root): then every chain starts
    // at a GC root, one hop from the root.
    const hasUserRoots = dist[root] !== 0;
    const isFromUserRoot = hasUserRoots && dist[target] < dist[root];
    const start = isFromUserRoot || !hasUserRoots ? 1 : dist[root] + 1;
    const nodes = [target];
    const edges = [-1];
    const partnerEdges = [-1];
    let current = target;
    while (current !== root && dist[current] > start) {
      const step = this.#bestRetainer(current);
      if (step < 0) break; // cannot happen for a consistent layering; keep what was found
      const edge = graph.retainerEdge[step];
      nodes.push(graph.retainerNode[step]);
      edges.push(edge);
      partnerEdges.push(this.#partnerEdge(current, step));
      current = graph.retainerNode[step];
    }
    nodes.reverse();
    edges.reverse();
    partnerEdges.reverse();
    return { target, nodes, edges, partnerEdges, isFromUserRoot, transientRoot: this.#transientRoot(nodes, edges, isFromUserRoot) };
  }

  /** Position (in the retainer CSR) of the preferred retainer one hop closer to a root, or -1. */
  #bestRetainer(node: number): number {
    const graph = this.#graph;
    const dist = this.#distances;
    const retained = this.#retained;
    const wanted = dist[node] - 1;
    const weak = graph.types.weak;
    let best = -1;
    let bestRank = 0;
    let bestSystem = false;
    for (let k = graph.firstRetainer[node]; k < graph.firstRetainer[node + 1]; k++) {
      const edge = graph.retainerEdge[k];
      const source = graph.retainerNode[k];
      if (graph.edgeType[edge] === weak || dist[source] !== wanted) continue;
      if (!isDistanceEdge(this.#ctx, source, edge)) continue;
      if (ephemeronOf(this.#ctx, edge) !== undefined && this.#partnerEdge(node, k) < 0) continue;
      const rank = edgeTypeRank(graph, edge);
      const system = isSystemNode(graph, source);
      if (best >= 0) {
        const bestSource = graph.retainerNode[best];
        if (rank > bestRank) continue;
        if (rank === bestRank) {
          if (system && !bestSystem) continue;
          if (system === bestSystem) {
            if (retained[source] < retained[bestSource]) continue;
            if (retained[source] === retained[bestSource] && source >= bestSource) continue;
          }
        }
      }
      best = k;
      bestRank = rank;
      bestSystem = system;
    }
    return best;
  }

  /**
   * For the ephemeron edge at retainer position `k` of `node`, the other edge of its pair whose
   * source is reachable and no farther from the root; -1 when there is none or `k` is no ephemeron.
   */
  #partnerEdge(node: number, k: number): number {
    const graph = this.#graph;
    const dist = this.#distances;
    const ephemeron = ephemeronOf(this.#ctx, graph.retainerEdge[k]);
    if (ephemeron === undefined) return -1;
    const limit = dist[graph.retainerNode[k]];
    for (let j = graph.firstRetainer[node]; j < graph.firstRetainer[node + 1]; j++) {
      if (j === k) continue;
      const other = ephemeronOf(this.#ctx, graph.retainerEdge[j]);
      const source = graph.retainerNode[j];
      if (other?.pair === ephemeron.pair && dist[source] !== NO_DISTANCE && dist[source] <= limit) return graph.retainerEdge[j];
    }
    return -1;
  }

  #transientRoot(nodes: number[], edges: number[], isFromUserRoot: boolean): string | null {
    if (isFromUserRoot || nodes.length < 2) return null;
    const graph = this.#graph;
    if (graph.nodeNameOf(nodes[0]) !== '(GC roots)') return null;
    const category = graph.nodeNameOf(nodes[1]);
    if (TRANSIENT_ROOTS.has(category)) return category;
    if (category === '(Strong roots)' && edges[1] >= 0 && graph.edgeNameOf(edges[1]) === KEEP_DURING_JOB) return `${category} ${KEEP_DURING_JOB}`;
    return null;
  }
}

/** The shortest strong retainer chain to one object (see RetainerChainFinder for many). */
export function findRetainerChain(graph: HeapGraph, target: number): RetainerChainResult | null {
  return new RetainerChainFinder(graph).find(target);
}

/**
 * The instance `--type` should explain: the one nearest a root (user distances before system ones),
 * ties broken by the larger retained size, then by file order. -1 when none is reachable.
 */
export function pickNearestInstance(graph: HeapGraph, candidates: ArrayLike<number>): number {
  const dist = computeDistances(graph);
  const retained = computeRetainedSizes(graph);
  let best = -1;
  for (let i = 0; i < candidates.length; i++) {
    const o = candidates[i];
    if (dist[o] === NO_DISTANCE) continue;
    if (best < 0 || dist[o] < dist[best] || (dist[o] === dist[best] && retained[o] > retained[best])) best = o;
  }
  return best;
}

export interface ChainGroup {
  /** Shape key: classes and edge names along the chain, ids and indexes ignored. */
  shape: string;
  count: number;
  /** Sum of the members' retained sizes (a member dominated by another is counted in both). */
  totalRetained: number;
  /** Members, nearest the root first. */
  members: number[];
  /** The chain of the first member, to print. */
  chain: RetainerChainResult;
}

export interface ChainGroupsResult {
  /** Largest total retained size first, then larger count. */
  groups: ChainGroup[];
  /** Instances no strong path reaches (retained only by weak references, or garbage). */
  unreachable: number[];
}

/**
 * The part of an edge that is the same for every instance held the same way: element and hidden
 * indexes, numeric internal slot names and ephemeron names (they embed ids) become wildcards.
 */
export function edgeShapeOf(graph: HeapGraph, edge: number, ctx?: DistanceFilterContext): string {
  const type = graph.edgeTypeOf(edge);
  if (graph.isIndexEdge(edge)) return `${type}:*`;
  if (ctx !== undefined && ephemeronOf(ctx, edge) !== undefined) return `${type}:<ephemeron>`;
  const name = graph.edgeNameOf(edge);
  return `${type}:${/^\d+$/.test(name) ? '*' : name}`;
}

/** Groups every target by the shape of its retainer chain (the `--all` view). */
export function groupChainsByShape(graph: HeapGraph, targets: ArrayLike<number>): ChainGroupsResult {
  const finder = new RetainerChainFinder(graph);
  const classes = computeClassIndex(graph, 'devtools');
  const retained = computeRetainedSizes(graph);
  const dist = computeDistances(graph);
  const ctx = createDistanceFilterContext(graph);
  const ordered = Array.from(targets).sort((a, b) => dist[a] - dist[b] || retained[b] - retained[a] || a - b);
  const byShape = new Map<string, ChainGroup>();
  const unreachable: number[] = [];
  for (const target of ordered) {
    const chain = finder.find(target);
    if (chain === null) {
      unreachable.push(target);
      continue;
    }
    const parts: string[] = [];
    for (let i = 0; i < chain.nodes.length; i++) {
      parts.push(classes.keys[classes.classOf[chain.nodes[i]]]);
      if (chain.edges[i] >= 0) parts.push(edgeShapeOf(graph, chain.edges[i], ctx));
    }
    const shape = parts.join('\u0000');
    const group = byShape.get(shape);
    if (group) {
      group.count++;
      group.totalRetained += retained[target];
      group.members.push(target);
    } else {
      byShape.set(shape, { shape, count: 1, totalRetained: retained[target], members: [target], chain });
    }
  }
  const groups = [...byShape.values()].sort((a, b) => b.totalRetained - a.totalRetained || b.count - a.count);
  return { groups, unreachable };
}
