// The shortest chain of strong references from a root to an object (objgraph's find_backref_chain,
// DevTools' auto-expanded retainers; FORMAT.md §3.3).
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
// Cost: distances and parents once per snapshot (O(N + E)); then O(length) per chain. Grouping
// chains by shape visits each node on them once (shapes are memoised per node).

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeClassIndex } from '../snapshot/class-names.ts';
import { NO_DISTANCE, computeDistances, createDistanceFilterContext, ephemeronOf, type DistanceFilterContext } from './distances.ts';
import { computeRetainedSizes } from './dominators.ts';
import { computeChainParents, ephemeronPartnerEdge, type ChainParents } from './chain-parents.ts';

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

/** GC root categories that hold objects only during the snapshot call itself (FORMAT.md §2.3). */
const TRANSIENT_ROOTS = new Set(['(Stack roots)', '(Handle scope)', '(Relocatable)']);
/** The (Strong roots) entry that keeps WeakRef targets alive until the current job ends (§7.2). */
const KEEP_DURING_JOB = 'weak_refs_keep_during_job';

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

  /** The shortest strong chain to `target`, or null when no strong path reaches it. */
  find(target: number): RetainerChainResult | null {
    const graph = this.#graph;
    const dist = this.#distances;
    if (dist[target] === NO_DISTANCE) return null;
    const isFromUserRoot = this.#isFromUserRoot(target);
    const nodes = [target];
    const edges = [-1];
    const partnerEdges = [-1];
    let current = target;
    while (!this.isChainStart(current)) {
      const edge = this.#parents.edge[current];
      if (edge < 0) break; // cannot happen for a consistent layering; keep what was found
      const source = this.#parents.node[current];
      nodes.push(source);
      edges.push(edge);
      partnerEdges.push(ephemeronPartnerEdge(graph, this.#ctx, current, edge));
      current = source;
    }
    nodes.reverse();
    edges.reverse();
    partnerEdges.reverse();
    return { target, nodes, edges, partnerEdges, isFromUserRoot, transientRoot: this.#transientRoot(nodes, edges, isFromUserRoot) };
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

export interface GroupChainsOptions {
  /** Keep each group's members, nearest the root first (default true); false keeps counts only. */
  members?: boolean;
}

/**
 * Groups every target by the shape of its retainer chain (the `--all` view). A group's chain is
 * that of its member nearest the root (then the largest retained size, then file order); groups
 * with equal totals keep that order too.
 */
export function groupChainsByShape(graph: HeapGraph, targets: ArrayLike<number>, options: GroupChainsOptions = {}): ChainGroupsResult {
  const keepMembers = options.members ?? true;
  const shapes = chainShapesOf(graph);
  const retained = computeRetainedSizes(graph);
  const dist = computeDistances(graph);
  const nearerFirst = (a: number, b: number) => dist[a] - dist[b] || retained[b] - retained[a] || a - b;
  const byShape = new Map<number, { count: number; totalRetained: number; nearest: number; members: number[] }>();
  const unreachable: number[] = [];
  for (let k = 0; k < targets.length; k++) {
    const target = targets[k];
    if (dist[target] === NO_DISTANCE) {
      unreachable.push(target);
      continue;
    }
    const shape = shapes.of(target);
    let group = byShape.get(shape);
    if (group === undefined) byShape.set(shape, group = { count: 0, totalRetained: 0, nearest: target, members: [] });
    else if (nearerFirst(target, group.nearest) < 0) group.nearest = target;
    group.count++;
    group.totalRetained += retained[target];
    if (keepMembers) group.members.push(target);
  }
  const groups = [...byShape.values()]
    .sort((a, b) => b.totalRetained - a.totalRetained || b.count - a.count || nearerFirst(a.nearest, b.nearest))
    .map((g): ChainGroup => {
      const chain = shapes.finder.find(g.nearest)!;
      return { shape: shapes.describe(chain), count: g.count, totalRetained: g.totalRetained, members: g.members.sort(nearerFirst), chain };
    });
  return { groups, unreachable: unreachable.sort(nearerFirst) };
}

/** Chain shapes, memoised per node and shared by every grouping on one graph. */
function chainShapesOf(graph: HeapGraph): ChainShapes {
  return graph.cached('chainShapes', () => new ChainShapes(graph));
}

/**
 * Numbers chain shapes: two nodes get the same number when their chains have the same classes and
 * edge shapes. A node's shape is (its parent's shape, the edge shape, its class), interned, so each
 * node is looked at once however many chains pass through it.
 */
class ChainShapes {
  readonly finder: RetainerChainFinder;
  readonly #graph: HeapGraph;
  readonly #classOf: Uint16Array | Uint32Array;
  readonly #classKeys: string[];
  readonly #ctx: DistanceFilterContext;
  /** Shape number per node, -1 until computed. */
  readonly #shapeOf: Int32Array;
  /** Shape number by parent shape, then by (edge shape, class); chain starts by class alone. */
  readonly #shapeIds = new Map<number, Map<number, number>>();
  readonly #startShapeIds = new Map<number, number>();
  #shapeCount = 0;
  /** Edge shape number by (type, name string) or, for index edges, by type. */
  readonly #edgeShapeIds = new Map<number, number>();
  readonly #edgeShapeNumbers = new Map<string, number>();
  readonly #path: number[] = [];

  constructor(graph: HeapGraph) {
    this.#graph = graph;
    this.finder = new RetainerChainFinder(graph);
    const classes = computeClassIndex(graph, 'devtools');
    this.#classOf = classes.classOf;
    this.#classKeys = classes.keys;
    this.#ctx = createDistanceFilterContext(graph);
    this.#shapeOf = new Int32Array(graph.nodeCount).fill(-1);
  }

  /** The shape number of the chain to `node` (which some strong path reaches). */
  of(node: number): number {
    const shapeOf = this.#shapeOf;
    const path = this.#path;
    path.length = 0;
    let top = node;
    while (shapeOf[top] < 0) {
      path.push(top);
      if (this.finder.parentEdge(top) < 0) break;
      top = this.finder.parentNode(top);
    }
    let shape = shapeOf[top];
    for (let i = path.length - 1; i >= 0; i--) {
      const v = path[i];
      const edge = this.finder.parentEdge(v);
      const cls = this.#classOf[v];
      let ids = this.#startShapeIds;
      let key = cls;
      if (edge >= 0) {
        ids = this.#shapeIds.get(shape) ?? this.#shapeIds.set(shape, new Map()).get(shape)!;
        key = this.#edgeShape(edge) * this.#classKeys.length + cls;
      }
      let id = ids.get(key);
      if (id === undefined) ids.set(key, id = this.#shapeCount++);
      shapeOf[v] = shape = id;
    }
    return shape;
  }

  /** The shape as text: class keys and edge shapes from the root side, NUL-separated. */
  describe(chain: RetainerChainResult): string {
    const parts: string[] = [];
    for (let i = 0; i < chain.nodes.length; i++) {
      parts.push(this.#classKeys[this.#classOf[chain.nodes[i]]]);
      if (chain.edges[i] >= 0) parts.push(edgeShapeOf(this.#graph, chain.edges[i], this.#ctx));
    }
    return parts.join('\u0000');
  }

  #edgeShape(edge: number): number {
    const graph = this.#graph;
    // Index edges have one shape per type; named ones one per (type, name), ephemerons included.
    const key = graph.isIndexEdge(edge) ? -1 - graph.edgeType[edge] : graph.edgeType[edge] * 0x100000000 + graph.edgeNameOrIndex[edge];
    let id = this.#edgeShapeIds.get(key);
    if (id === undefined) {
      const text = edgeShapeOf(graph, edge, this.#ctx);
      id = this.#edgeShapeNumbers.get(text);
      if (id === undefined) this.#edgeShapeNumbers.set(text, id = this.#edgeShapeNumbers.size);
      this.#edgeShapeIds.set(key, id);
    }
    return id;
  }
}
