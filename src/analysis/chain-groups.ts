// Instances of a class grouped by the shape of their retainer chains (the `chain --all` view): the
// objects of one linked list, one tree, one cache are one group, whatever their number.
// Grouping visits each node on the chains once (shapes are memoised per node, ChainShapes), so it
// is O(N) however long the chains are, and never materialises a chain; a group's chain is walked
// only when its `view` or `chain` is read (paths.ts).

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeClassIndex, type ClassIndexResult } from '../snapshot/class-names.ts';
import { computeClassRetainedSizes } from './class-retained.ts';
import { NO_DISTANCE, computeDistances, createDistanceFilterContext, ephemeronOf, type DistanceFilterContext } from './distances.ts';
import { computeRetainedSizes } from './dominators.ts';
import {
  CHAIN_VIEW_LIMITS, RetainerChainFinder, compareNearestFirst, type ChainViewLimits, type ChainViewResult, type RetainerChainResult, type SameHopTest,
} from './paths.ts';

export interface ChainGroup {
  /** Shape key: classes and edge names along the chain, ids, indexes and repeated hops ignored. */
  readonly shape: string;
  count: number;
  /**
   * What the members retain together: the sum of their retained sizes, leaving out members another
   * member dominates (the rule of DevTools' class retained size), so a list is not counted once per node.
   */
  retainedSize: number;
  /** Members, nearest the root first (empty with `members: false`). */
  members: number[];
  /**
   * The member whose chain stands for the group: the deepest one, whose chain shows every run of
   * repeated hops at its longest; ties go to the larger retained size, then file order.
   */
  example: number;
  /** Members held by an object of their own class: a list or tree of them ("each held by the previous one"). */
  heldByOwnClass: number;
  /** The example's chain, hop by hop: computed on first use, as long as the chain (prefer `view`). */
  readonly chain: RetainerChainResult;
  /** The example's chain with runs of repeated hops as one step each, cut to CHAIN_VIEW_LIMITS. */
  readonly view: ChainViewResult;
  /** The same with other limits (`{ head: Infinity, tail: Infinity }`: every step). */
  viewWith(limits: ChainViewLimits): ChainViewResult;
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
 * Groups every target by the shape of its retainer chain (the `--all` view). Chains that differ only
 * in how often hops into one class repeat — the nodes of one linked list, one tree, nested arrays —
 * have one shape: a list of a million nodes is one group. Cost: O(N) over all targets together
 * (memoised shapes), plus sorting the members; chains are walked only when a group's `view` or
 * `chain` is read.
 */
export function groupChainsByShape(graph: HeapGraph, targets: ArrayLike<number>, options: GroupChainsOptions = {}): ChainGroupsResult {
  const keepMembers = options.members ?? true;
  const shapes = chainShapesOf(graph);
  const retained = computeRetainedSizes(graph);
  const dist = computeDistances(graph);
  const nearerFirst = compareNearestFirst(graph);
  const deeperFirst = (a: number, b: number) => dist[b] - dist[a] || retained[b] - retained[a] || a - b;
  const byShape = new Map<number, { index: number; count: number; retainedSize: number; nearest: number; example: number; heldByOwnClass: number; members: number[] }>();
  // Group number + 1 per member, 0 elsewhere: the "classes" whose retained sizes are the groups' totals.
  const groupOf = new Uint32Array(graph.nodeCount);
  const unreachable: number[] = [];
  for (let k = 0; k < targets.length; k++) {
    const target = targets[k];
    if (dist[target] === NO_DISTANCE) {
      unreachable.push(target);
      continue;
    }
    const shape = shapes.of(target);
    let group = byShape.get(shape);
    if (group === undefined) {
      byShape.set(shape, group = { index: byShape.size + 1, count: 0, retainedSize: 0, nearest: target, example: target, heldByOwnClass: 0, members: [] });
    } else {
      if (nearerFirst(target, group.nearest) < 0) group.nearest = target;
      if (deeperFirst(target, group.example) < 0) group.example = target;
    }
    group.count++;
    groupOf[target] = group.index;
    if (shapes.isHeldByOwnClass(target)) group.heldByOwnClass++;
    if (keepMembers) group.members.push(target);
  }
  const groupIndex: ClassIndexResult = { mode: 'devtools', classOf: groupOf, names: new Array<string>(byShape.size + 1).fill(''), keys: [], locations: [] };
  const totals = computeClassRetainedSizes(graph, groupIndex, (o) => groupOf[o] !== 0);
  for (const group of byShape.values()) group.retainedSize = totals[group.index];
  const sorted = [...byShape.entries()].sort(([, a], [, b]) => b.retainedSize - a.retainedSize || b.count - a.count || nearerFirst(a.nearest, b.nearest));
  const groups = sorted.map(([shapeId, g]) => createGroup(shapes, shapeId, g.count, g.retainedSize, g.members.sort(nearerFirst), g.example, g.heldByOwnClass));
  return { groups, unreachable: unreachable.sort(nearerFirst) };
}

/** A group whose shape text, chain and view are made on first use: most groups are never printed. */
function createGroup(shapes: ChainShapes, shapeId: number, count: number, retainedSize: number, members: number[], example: number, heldByOwnClass: number): ChainGroup {
  let shape: string | undefined;
  let chain: RetainerChainResult | undefined;
  let view: ChainViewResult | undefined;
  return {
    get shape() {
      return shape ??= shapes.describe(shapeId);
    },
    count,
    retainedSize,
    members,
    example,
    heldByOwnClass,
    get chain() {
      return chain ??= shapes.finder.find(example)!;
    },
    get view() {
      return view ??= this.viewWith(CHAIN_VIEW_LIMITS);
    },
    viewWith(limits: ChainViewLimits) {
      return shapes.finder.view(example, limits, shapes.isSameHop)!;
    },
  };
}

/** Chain shapes, memoised per node and shared by every grouping on one graph. */
function chainShapesOf(graph: HeapGraph): ChainShapes {
  return graph.cached('chainShapes', () => new ChainShapes(graph));
}

/**
 * Numbers chain shapes: two nodes get the same number when their chains have the same classes and
 * edge shapes once repeated hops are dropped. A node held by one of its own class has its parent's
 * shape (the nodes of a list, a tree, nested arrays share their first node's shape); any other node's
 * shape is (its parent's shape, the edge shape, its class), interned. Each node is looked at once
 * however many chains pass through it.
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
  /** Per shape number: its parent shape (-1 for a chain start), edge shape and class, to describe it. */
  readonly #shapeParent: number[] = [];
  readonly #shapeEdge: number[] = [];
  readonly #shapeClass: number[] = [];
  /** Edge shape number by (type, name string) or, for index edges, by type. */
  readonly #edgeShapeIds = new Map<number, number>();
  readonly #edgeShapeNumbers = new Map<string, number>();
  readonly #edgeShapeTexts: string[] = [];
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
    const classOf = this.#classOf;
    const finder = this.finder;
    const path = this.#path;
    path.length = 0;
    let top = node;
    while (shapeOf[top] < 0) {
      path.push(top);
      if (finder.parentEdge(top) < 0) break;
      top = finder.parentNode(top);
    }
    let shape = shapeOf[top];
    for (let i = path.length - 1; i >= 0; i--) {
      const v = path[i];
      const edge = finder.parentEdge(v);
      const cls = classOf[v];
      if (edge >= 0 && classOf[finder.parentNode(v)] === cls) {
        shapeOf[v] = shape;
        continue;
      }
      let ids = this.#startShapeIds;
      let key = cls;
      let edgeShape = -1;
      if (edge >= 0) {
        ids = this.#shapeIds.get(shape) ?? this.#shapeIds.set(shape, new Map()).get(shape)!;
        edgeShape = this.#edgeShape(edge);
        key = edgeShape * this.#classKeys.length + cls;
      }
      let id = ids.get(key);
      if (id === undefined) {
        ids.set(key, id = this.#shapeParent.length);
        this.#shapeParent.push(edge >= 0 ? shape : -1);
        this.#shapeEdge.push(edgeShape);
        this.#shapeClass.push(cls);
      }
      shapeOf[v] = shape = id;
    }
    return shape;
  }

  /** Whether the node that holds `node` on its chain has `node`'s class. */
  isHeldByOwnClass(node: number): boolean {
    return this.finder.parentEdge(node) >= 0 && this.#classOf[this.finder.parentNode(node)] === this.#classOf[node];
  }

  /** Same edge shape into the same class: the hops a run of repeated hops is made of. */
  readonly isSameHop: SameHopTest = (edgeA, nodeA, edgeB, nodeB) => this.#classOf[nodeA] === this.#classOf[nodeB] && this.#edgeShape(edgeA) === this.#edgeShape(edgeB);

  /** Shape `id` as text: class keys and edge shapes from the root side, NUL-separated. */
  describe(id: number): string {
    const parts: string[] = [];
    for (let s = id; s >= 0; s = this.#shapeParent[s]) {
      parts.push(this.#classKeys[this.#shapeClass[s]]);
      if (this.#shapeParent[s] >= 0) parts.push(this.#edgeShapeTexts[this.#shapeEdge[s]]);
    }
    return parts.reverse().join('\u0000');
  }

  #edgeShape(edge: number): number {
    const graph = this.#graph;
    // Index edges have one shape per type; named ones one per (type, name), ephemerons included.
    const key = graph.isIndexEdge(edge) ? -1 - graph.edgeType[edge] : graph.edgeType[edge] * 0x100000000 + graph.edgeNameOrIndex[edge];
    let id = this.#edgeShapeIds.get(key);
    if (id === undefined) {
      const text = edgeShapeOf(graph, edge, this.#ctx);
      id = this.#edgeShapeNumbers.get(text);
      if (id === undefined) {
        this.#edgeShapeNumbers.set(text, id = this.#edgeShapeTexts.length);
        this.#edgeShapeTexts.push(text);
      }
      this.#edgeShapeIds.set(key, id);
    }
    return id;
  }
}
