// The shortest chain of strong references from a root to an object (objgraph's find_backref_chain,
// DevTools' auto-expanded retainers; docs/FORMAT.md §3.3).
//
// Algorithm: DevTools distances (§3.1) are a BFS layering, so a shortest chain is found by walking
// back from the target, each step to a retainer one hop closer to the root over an edge the BFS could
// have followed (strong, not refused by rules 2–3; an ephemeron edge only once its partner's source is
// no farther away). Among equally short candidates the step minimises
// (edgeTypeRank, retainerIsSystem, −retainedSize, retainerOrdinal): user-visible edges first, then
// JS objects over internals, then the bigger retainer, then file order — deterministic. That choice
// depends on the node alone, so it is made once per node (chain-parents.ts) and a chain is a walk up
// those parents.
// Chains end at a global object when one reaches the target (distance < BASE_SYSTEM_DISTANCE), else at
// a child of the root ((GC roots), an embedder root). Chains through (Stack roots), (Handle scope),
// (Relocatable) or KeepDuringJob are marked transient: they exist only while the snapshot is taken.
// Cost: distances and parents once per snapshot (O(N + E)); then O(length) per chain, in O(1)
// memory for a bounded view (ChainViewResult: the hops nearest the root and the target, a count of
// the rest). Grouping chains by shape: chain-groups.ts.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { NO_DISTANCE, computeDistances, createDistanceFilterContext, type DistanceFilterContext } from './distances.ts';
import { computeRetainedSizes } from './dominators.ts';
import { computeChainParents, ephemeronPartnerEdge, type ChainParents } from './chain-parents.ts';
import { GC_ROOTS_NAME, KEEP_DURING_JOB_EDGE, STRONG_ROOTS_NAME, TRANSIENT_ROOT_NAMES } from '../snapshot/v8-names.ts';

export { edgeTypeRank, isSystemNode } from './chain-parents.ts';

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

/** RetainerChainResult in typed arrays. */
export interface WholeChainResult {
  target: number;
  nodes: Int32Array;
  edges: Int32Array;
  partnerEdges: Int32Array;
  isFromUserRoot: boolean;
  transientRoot: string | null;
}

const TRANSIENT_ROOTS = new Set(TRANSIENT_ROOT_NAMES);

/**
 * One printed step of a chain: a hop, or a run of equal hops (the same edge shape into the same
 * class, each node held by the previous one: a linked list, a tree, nested arrays).
 */
export interface ChainStep {
  /** The node the step reaches; for a run, the last of its nodes. */
  node: number;
  /** For a run, the first node it reaches; `node` for a single hop. */
  firstNode: number;
  /** The edge into `firstNode`; -1 on the chain's first node. */
  edge: number;
  /** The edge leaving `node` toward the target; -1 on the target. */
  edgeOut: number;
  /** Hops the step stands for: 0 on the chain's first node, 1 for a hop, the length of a run. */
  hops: number;
  /** For a hop over a WeakMap ephemeron edge, the partner edge (see RetainerChainResult); else -1. */
  partnerEdge: number;
}

/** A chain cut to a bounded number of steps, whatever its length. */
export interface ChainViewResult {
  target: number;
  /** Hops from the chain's first node to the target. */
  hopCount: number;
  /** Root side first: the chain's first node (`edge` -1), then one step per hop or run. */
  steps: ChainStep[];
  /** The steps left out sit before `steps[elidedAt]`; they stand for `elidedHops` hops (0: none left out). */
  elidedAt: number;
  elidedHops: number;
  isFromUserRoot: boolean;
  transientRoot: string | null;
}

export interface ChainViewLimits {
  /** Steps kept on the root side (where the chain starts) and on the target side. */
  head: number;
  tail: number;
}

/**
 * What text, JSON and pictures show of a chain: enough of the root side to say where it starts, more
 * of the target side, where the variable or structure that holds the object is. A chain up to 30
 * hops long (the 21-hop chain of a real Express server) is shown whole.
 */
export const CHAIN_VIEW_LIMITS: ChainViewLimits = { head: 10, tail: 20 };

/** Whether two hops (edge into node) look the same: same edge shape into the same class. */
export type SameHopTest = (edgeA: number, nodeA: number, edgeB: number, nodeB: number) => boolean;

export class RetainerChainFinder {
  readonly #graph: HeapGraph;
  readonly #distances: Int32Array;
  readonly #parents: ChainParents;
  readonly #ctx: DistanceFilterContext;

  constructor(graph: HeapGraph) {
    this.#graph = graph;
    // Parents first: they come out of the distance search itself when it has not run yet.
    this.#parents = computeChainParents(graph);
    this.#distances = computeDistances(graph);
    this.#ctx = createDistanceFilterContext(graph);
  }

  /** The shortest strong chain to `target`, hop by hop, or null when no strong path reaches it. */
  find(target: number): RetainerChainResult | null {
    const whole = this.collect(target);
    if (whole === null) return null;
    const nodes = Array.from(whole.nodes);
    const edges = Array.from(whole.edges);
    return { target, nodes, edges, partnerEdges: Array.from(whole.partnerEdges), isFromUserRoot: whole.isFromUserRoot, transientRoot: whole.transientRoot };
  }

  /**
   * The whole chain in typed arrays, 12 bytes a hop (the fields of RetainerChainResult): for writers
   * that stream every hop of a chain millions of hops long.
   */
  collect(target: number): WholeChainResult | null {
    if (this.#distances[target] === NO_DISTANCE) return null;
    let length = 1;
    for (let v = target; this.parentEdge(v) >= 0; v = this.#parents.node[v]) length++;
    const nodes = new Int32Array(length);
    const edges = new Int32Array(length);
    const partnerEdges = new Int32Array(length).fill(-1);
    let v = target;
    let edgeOut = -1;
    for (let i = length - 1; i >= 0; i--) {
      nodes[i] = v;
      edges[i] = edgeOut;
      if (edgeOut >= 0) partnerEdges[i] = ephemeronPartnerEdge(this.#graph, this.#ctx, nodes[i + 1], edgeOut);
      edgeOut = this.parentEdge(v);
      v = this.#parents.node[v];
    }
    const isFromUserRoot = this.#isFromUserRoot(target);
    const transientRoot = isFromUserRoot ? null : this.#transientRoot(nodes[0], length > 1 ? nodes[1] : -1, length > 1 ? edges[1] : -1);
    return { target, nodes, edges, partnerEdges, isFromUserRoot, transientRoot };
  }

  /**
   * The chain to `target` cut to `limits` steps on each side, in one walk from the target and O(limits)
   * memory. With `sameHop`, runs of equal hops become one step each.
   */
  view(target: number, limits: ChainViewLimits = CHAIN_VIEW_LIMITS, sameHop?: SameHopTest): ChainViewResult | null {
    if (this.#distances[target] === NO_DISTANCE) return null;
    const tail: ChainStep[] = [];
    // The steps met after the tail filled, in walk order, oldest dropped: at the end, the root side.
    const ring: ChainStep[] = [];
    let elidedHops = 0;
    let hopCount = 0;
    const close = (step: ChainStep) => {
      if (step.hops === 1) step.partnerEdge = ephemeronPartnerEdge(this.#graph, this.#ctx, step.node, step.edge);
      if (tail.length < limits.tail) {
        tail.push(step);
        return;
      }
      ring.push(step);
      if (ring.length > limits.head) elidedHops += ring.shift()!.hops;
    };
    let open: ChainStep | null = null;
    // The two nodes nearest the root and the edge leaving the second: what #transientRoot reads.
    let second = -1;
    let secondEdgeOut = -1;
    let node = target;
    let edgeOut = -1;
    for (;;) {
      const edge = this.parentEdge(node);
      if (open !== null && edge >= 0 && open.edge >= 0 && sameHop?.(edge, node, open.edge, open.firstNode)) {
        open.firstNode = node;
        open.edge = edge;
        open.hops++;
      } else {
        if (open !== null) close(open);
        open = { node, firstNode: node, edge, edgeOut, hops: edge < 0 ? 0 : 1, partnerEdge: -1 };
      }
      if (edge < 0) break;
      hopCount++;
      second = node;
      secondEdgeOut = edgeOut;
      edgeOut = edge;
      node = this.#parents.node[node];
    }
    close(open);
    const steps = ring.reverse().concat(tail.reverse());
    const isFromUserRoot = this.#isFromUserRoot(target);
    return {
      target, hopCount, steps, elidedAt: elidedHops > 0 ? ring.length : 0, elidedHops,
      isFromUserRoot, transientRoot: isFromUserRoot ? null : this.#transientRoot(node, second, secondEdgeOut),
    };
  }

  /**
   * Where chains end: at the root, or at a node one hop from it — a global object for nodes a global
   * reaches (distance < BASE_SYSTEM_DISTANCE), else a child of the root. A property of the node
   * alone, so chains through a node share their part from it to the root.
   */
  isChainStart(node: number): boolean {
    const dist = this.#distances;
    const root = this.#graph.rootOrdinal;
    if (node === root) return true;
    // The root sits at BASE_SYSTEM_DISTANCE when the snapshot has user roots (globals at 1), at 0
    // when it has none (newer Chrome links only (GC roots) from the root): then every chain starts
    // at a GC root, one hop from the root.
    const hasUserRoots = dist[root] !== 0;
    const start = this.#isFromUserRoot(node) || !hasUserRoots ? 1 : dist[root] + 1;
    return dist[node] <= start;
  }

  /** The preferred retainer edge into `node` (-1 at a chain start or with no candidate). */
  parentEdge(node: number): number {
    return this.isChainStart(node) ? -1 : this.#parents.edge[node];
  }

  /** The node `parentEdge(node)` leaves. */
  parentNode(node: number): number {
    return this.#parents.node[node];
  }

  #isFromUserRoot(node: number): boolean {
    const dist = this.#distances;
    const root = this.#graph.rootOrdinal;
    return dist[root] !== 0 && dist[node] < dist[root];
  }

  /** `first` starts the chain, `second` follows it (-1 when none), leaving by `secondEdgeOut`. */
  #transientRoot(first: number, second: number, secondEdgeOut: number): string | null {
    if (second < 0) return null;
    const graph = this.#graph;
    if (graph.nodeNameOf(first) !== GC_ROOTS_NAME) return null;
    const category = graph.nodeNameOf(second);
    if (TRANSIENT_ROOTS.has(category)) return category;
    if (category === STRONG_ROOTS_NAME && secondEdgeOut >= 0 && graph.edgeNameOf(secondEdgeOut) === KEEP_DURING_JOB_EDGE) return `${category} ${KEEP_DURING_JOB_EDGE}`;
    return null;
  }
}

/** The shortest strong retainer chain to one object (see RetainerChainFinder for many). */
export function findRetainerChain(graph: HeapGraph, target: number): RetainerChainResult | null {
  return new RetainerChainFinder(graph).find(target);
}

/** The chain to `target` cut to `limits` (no runs merged), or null when no strong path reaches it. */
export function viewRetainerChain(graph: HeapGraph, target: number, limits: ChainViewLimits = CHAIN_VIEW_LIMITS): ChainViewResult | null {
  return new RetainerChainFinder(graph).view(target, limits);
}

/** The view of a chain already found hop by hop: its first and last steps. */
export function viewOfChain(chain: RetainerChainResult, limits: ChainViewLimits = CHAIN_VIEW_LIMITS): ChainViewResult {
  const n = chain.nodes.length;
  const step = (i: number): ChainStep => ({
    node: chain.nodes[i], firstNode: chain.nodes[i], edge: i > 0 ? chain.edges[i - 1] : -1, edgeOut: chain.edges[i],
    hops: i > 0 ? 1 : 0, partnerEdge: i > 0 ? chain.partnerEdges[i - 1] : -1,
  });
  const isCut = n > limits.head + limits.tail;
  const kept = isCut ? [...range(0, limits.head), ...range(n - limits.tail, n)] : range(0, n);
  return {
    target: chain.target, hopCount: n - 1, steps: kept.map(step), elidedAt: isCut ? limits.head : 0, elidedHops: isCut ? n - limits.head - limits.tail : 0,
    isFromUserRoot: chain.isFromUserRoot, transientRoot: chain.transientRoot,
  };
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

/**
 * Which instances to explain first: nearest a root (user distances before system ones), then the
 * larger retained size, then file order; unreachable ones last. `chain`, `refs`, chain groups'
 * members and examples all rank this way.
 */
export function compareNearestFirst(graph: HeapGraph): (a: number, b: number) => number {
  const dist = computeDistances(graph);
  const retained = computeRetainedSizes(graph);
  const rank = (o: number) => (dist[o] === NO_DISTANCE ? Number.MAX_SAFE_INTEGER : dist[o]);
  return (a, b) => rank(a) - rank(b) || retained[b] - retained[a] || a - b;
}

/** The `count` instances of `candidates` to explain first (compareNearestFirst). */
export function rankNearestFirst(graph: HeapGraph, candidates: ArrayLike<number>, count = Infinity): number[] {
  return Array.from(candidates).sort(compareNearestFirst(graph)).slice(0, count);
}
