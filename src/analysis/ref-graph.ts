// The bounded neighbourhood of some objects: what they refer to (objgraph show_refs) or what refers
// to them (show_backrefs), cut at a depth and at a fan-out per node, optionally restricted to some
// classes.
//
// Algorithm: a BFS from the targets. Each node is expanded once, at its first (shallowest) visit;
// its neighbours are ordered the way DevTools orders retainers (nearer the root first, then larger
// retained size, then file order) and the first `maxFanout` that pass the filter are kept, the rest
// counted in a "N more" entry. Edges to nodes already in the graph are kept, so cycles show.
// Edges leaving the synthetic root are not shown as references (DevTools hides them too); weak edges
// are kept and flagged, so a renderer can draw them dashed.
// Cost: O(Σ degree of expanded nodes × log) — bounded by the caps, independent of the heap size:
// besides depth and fan-out, the graph stops growing at `maxNodes` nodes (what a tree on a screen or
// a Graphviz picture can still show), the neighbours it leaves out counted as "N more".

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeDistances, NO_DISTANCE } from './distances.ts';
import { computeRetainedSizes } from './dominators.ts';
import type { EdgeStep } from './edge-step.ts';

export type RefDirection = 'refs' | 'backrefs';

/**
 * Deepest `--depth` honoured: a deeper tree is a chain (`leakscope chain` prints those, cut), and its
 * text indentation grows with the square of the depth (200,000 hops made a string V8 refused).
 */
export const MAX_REF_DEPTH = 100;
/**
 * Nodes a reference graph holds at most. Graphviz's layout time grows much faster than the boxes:
 * in-process (wasm) it took 1.7 s for 93, 3.6 s for 349, 110 s for 755, over 300 s for 1,144 (a
 * busy 2-core machine, refs --depth 2…5 of a Node heap).
 */
export const MAX_REF_NODES = 500;

export interface RefGraphOptions {
  direction: RefDirection;
  /** Hops from the targets; 0 shows the targets alone. */
  depth: number;
  /** Neighbours kept per node; the rest become one "N more" entry. */
  maxFanout: number;
  /** When given, only neighbours it accepts are shown (targets always are). */
  isShown?: (ordinal: number) => boolean;
  /** Nodes at most (default MAX_REF_NODES); targets always count. */
  maxNodes?: number;
}

/** `from` is the edge's real source: for refs the referring node, for backrefs the retainer. */
export interface RefGraphEdge extends EdgeStep {
  isWeak: boolean;
}

export interface RefGraphResult {
  direction: RefDirection;
  targets: number[];
  /** Node ordinals in BFS order (targets first). */
  nodes: number[];
  /** Hops from the nearest target, per entry of `nodes`. */
  depths: number[];
  edges: RefGraphEdge[];
  /** Nodes whose neighbours were cut at maxFanout or maxNodes, with how many were left out. */
  truncated: { node: number; hidden: number }[];
  /** Whether maxNodes stopped the graph from growing. */
  isNodeLimitReached: boolean;
}

export function computeRefGraph(graph: HeapGraph, targets: number[], options: RefGraphOptions): RefGraphResult {
  const dist = computeDistances(graph);
  const retained = computeRetainedSizes(graph);
  const root = graph.rootOrdinal;
  const isBack = options.direction === 'backrefs';
  const depthOf = new Map<number, number>();
  const nodes: number[] = [];
  const depths: number[] = [];
  const edges: RefGraphEdge[] = [];
  const truncated: { node: number; hidden: number }[] = [];
  const maxNodes = options.maxNodes ?? MAX_REF_NODES;
  let isNodeLimitReached = false;
  for (const t of targets) {
    if (depthOf.has(t)) continue;
    depthOf.set(t, 0);
    nodes.push(t);
    depths.push(0);
  }
  // Unreachable nodes sort after every reachable one.
  const rankDistance = (o: number) => (dist[o] === NO_DISTANCE ? Number.MAX_SAFE_INTEGER : dist[o]);
  for (let head = 0; head < nodes.length; head++) {
    const v = nodes[head];
    const d = depths[head];
    if (d >= options.depth) continue;
    const neighbours: { other: number; edge: number }[] = [];
    if (isBack) {
      for (let k = graph.firstRetainer[v]; k < graph.firstRetainer[v + 1]; k++) {
        const source = graph.retainerNode[k];
        if (source === root) continue;
        neighbours.push({ other: source, edge: graph.retainerEdge[k] });
      }
    } else {
      if (v === root) continue;
      for (let e = graph.firstEdge[v]; e < graph.firstEdge[v + 1]; e++) neighbours.push({ other: graph.edgeTarget[e], edge: e });
    }
    const kept = neighbours.filter((n) => n.other === v || depthOf.get(n.other) === 0 || options.isShown === undefined || options.isShown(n.other));
    kept.sort((a, b) => rankDistance(a.other) - rankDistance(b.other) || retained[b.other] - retained[a.other] || a.edge - b.edge);
    let hidden = Math.max(0, kept.length - options.maxFanout);
    for (const { other, edge } of kept.slice(0, options.maxFanout)) {
      if (!depthOf.has(other)) {
        if (nodes.length >= maxNodes) {
          isNodeLimitReached = true;
          hidden++;
          continue;
        }
        depthOf.set(other, d + 1);
        nodes.push(other);
        depths.push(d + 1);
      }
      edges.push({ from: isBack ? other : v, to: isBack ? v : other, edge, isWeak: graph.edgeType[edge] === graph.types.weak });
    }
    if (hidden > 0) truncated.push({ node: v, hidden });
  }
  return { direction: options.direction, targets: [...new Set(targets)], nodes, depths, edges, truncated, isNodeLimitReached };
}
