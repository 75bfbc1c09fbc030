// Dominator tree and retained sizes, exactly as Chrome DevTools computes them (FORMAT.md §4).
//
// Algorithm: Lengauer & Tarjan, "A fast algorithm for finding dominators in a flowgraph" (TOPLAS
// 1979), the simple variant (LINK only sets the ancestor; EVAL compresses paths without balancing),
// run over the *essential* edges only (§4.1). As in DevTools: vertices are numbered ordinal + 1 so
// that 0 means "none"; the DFS and the path compression are iterative; nodes the DFS from the root
// misses are attached to the root in DevTools' order (first DFS from each node whose retainers are
// all non-essential, then the remaining nodes one by one), and a node with no essential retainer is
// treated as a child of the root. Departures from the paper's data structures, not its results:
// buckets are intrusive FIFO lists in typed arrays (DevTools uses a Set per vertex; FIFO keeps its
// iteration order) and every array is a Uint32Array, so there is no per-node object.
//
// Invariants: idom[root] = root; every node, reachable or not, has an immediate dominator; a
// dominator precedes the nodes it dominates in `preorder` (so one reverse sweep sums retained sizes).
// Cost: O(E log N) time; ~44 B/node transient (11 Uint32Arrays of N + 1), then idom + preorder
// (8 B/node), retained sizes (8 B/node), dominated-children CSR (8 B/node) and the essential-edge
// bit vector (1 bit/edge).

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeOwnedSelfSizes } from './owned-sizes.ts';
import { ephemeronNamesOf, type EphemeronNames } from './distances.ts';

/**
 * Page-owned flags (FORMAT.md §2.3): 1 for everything reachable without weak edges from the targets
 * of the root's shortcut edges (the global objects) and from `(Document DOM trees)`.
 */
export function computePageOwned(graph: HeapGraph): Uint8Array {
  return graph.cached('pageOwned', () => {
    const n = graph.nodeCount;
    const { firstEdge, edgeTarget, edgeType, types } = graph;
    const root = graph.rootOrdinal;
    const owned = new Uint8Array(n);
    const stack = new Uint32Array(n);
    let top = 0;
    const domTrees = new Set(graph.strings.indexesOf('(Document DOM trees)'));
    for (let e = firstEdge[root]; e < firstEdge[root + 1]; e++) {
      const target = edgeTarget[e];
      const type = edgeType[e];
      if (type === types.element) {
        if (graph.nodeType[target] !== types.synthetic || !domTrees.has(graph.nodeName[target])) continue;
      } else if (type !== types.shortcut) {
        continue;
      }
      // DevTools marks and pushes once per root edge, even for a repeated target.
      if (top < n) stack[top++] = target;
      owned[target] = 1;
    }
    const weak = types.weak;
    while (top > 0) {
      const v = stack[--top];
      const end = firstEdge[v + 1];
      for (let e = firstEdge[v]; e < end; e++) {
        const w = edgeTarget[e];
        if (owned[w] === 1 || edgeType[e] === weak) continue;
        owned[w] = 1;
        stack[top++] = w;
      }
    }
    return owned;
  });
}

export interface EssentialEdgeContext {
  graph: HeapGraph;
  pageOwned: Uint8Array;
  ephemerons: EphemeronNames;
}

/**
 * Whether edge `edge` leaving `source` can retain its target for dominator purposes (FORMAT.md
 * §4.1, checked in DevTools' order):
 *  1. the table→value edge of a WeakMap ephemeron pair is dropped (the key→value edge stays, so a
 *     WeakMap value is dominated by its key);
 *  2. weak edges and 3. self edges never retain;
 *  4. away from the root, shortcuts (bound-function arguments) are dropped, and so are edges from a
 *     non-page-owned object into a page-owned one, so objects the debugger or the system also holds
 *     keep their page dominators.
 */
export function isEssentialEdge(ctx: EssentialEdgeContext, source: number, edge: number): boolean {
  const { graph, pageOwned } = ctx;
  const { types } = graph;
  const type = graph.edgeType[edge];
  if (type === types.internal) {
    const ephemeron = ctx.ephemerons.get(graph.edgeNameOrIndex[edge]);
    if (ephemeron !== undefined && graph.nodeId[source] === ephemeron.tableId) return false;
  }
  if (type === types.weak) return false;
  const target = graph.edgeTarget[edge];
  if (target === source) return false;
  if (source !== graph.rootOrdinal) {
    if (type === types.shortcut) return false;
    if (pageOwned[target] === 1 && pageOwned[source] === 0) return false;
  }
  return true;
}

/** Bit vector over edge ordinals: bit e is set when edge e is essential. */
export function computeEssentialEdges(graph: HeapGraph): Uint8Array {
  return graph.cached('essentialEdges', () => {
    const ctx: EssentialEdgeContext = { graph, pageOwned: computePageOwned(graph), ephemerons: ephemeronNamesOf(graph) };
    const bits = new Uint8Array((graph.edgeCount + 7) >>> 3);
    const { firstEdge, nodeCount } = graph;
    for (let v = 0; v < nodeCount; v++) {
      const end = firstEdge[v + 1];
      for (let e = firstEdge[v]; e < end; e++) {
        if (isEssentialEdge(ctx, v, e)) bits[e >>> 3] |= 1 << (e & 7);
      }
    }
    return bits;
  });
}

export interface DominatorTreeResult {
  /** Immediate dominator ordinal per node ordinal; the root dominates itself. */
  idom: Uint32Array;
  /** Node ordinals in DFS preorder of the essential-edge graph (root first); dominators come first. */
  preorder: Uint32Array;
}

/** DevTools' dominator tree (cached per graph). */
export function computeDominatorTree(graph: HeapGraph): DominatorTreeResult {
  return graph.cached('dominatorTree', () => runLengauerTarjan(graph, computeEssentialEdges(graph)));
}

function runLengauerTarjan(graph: HeapGraph, essential: Uint8Array): DominatorTreeResult {
  const nodeCount = graph.nodeCount;
  const { firstEdge, edgeTarget, firstRetainer, retainerNode, retainerEdge } = graph;
  const size = nodeCount + 1;
  const parent = new Uint32Array(size);
  const ancestor = new Uint32Array(size);
  const label = new Uint32Array(size);
  const semi = new Uint32Array(size);
  const vertex = new Uint32Array(size);
  // The DFS cursor per vertex; reused as `dom` once every DFS has finished.
  const nextEdge = new Uint32Array(size);
  const bucketHead = new Uint32Array(size);
  const bucketTail = new Uint32Array(size);
  const bucketNext = new Uint32Array(size);
  const stack = new Uint32Array(size);
  let n = 0;

  const dfs = (start: number) => {
    nextEdge[start] = firstEdge[start - 1];
    let v = start;
    while (v !== 0) {
      if (semi[v] === 0) {
        semi[v] = ++n;
        vertex[n] = v;
        label[v] = v;
      }
      let next = parent[v];
      const end = firstEdge[v];
      let e = nextEdge[v];
      for (; e < end; e++) {
        if ((essential[e >>> 3] & (1 << (e & 7))) === 0) continue;
        const w = edgeTarget[e] + 1;
        if (semi[w] === 0) {
          parent[w] = v;
          nextEdge[w] = firstEdge[w - 1];
          next = w;
          break;
        }
      }
      nextEdge[v] = e;
      v = next;
    }
  };

  const hasEssentialRetainer = (ordinal: number) => {
    for (let k = firstRetainer[ordinal]; k < firstRetainer[ordinal + 1]; k++) {
      const e = retainerEdge[k];
      if ((essential[e >>> 3] & (1 << (e & 7))) !== 0) return true;
    }
    return false;
  };

  // EVAL with iterative path compression: collect the ancestor chain, then relabel top-down.
  const evaluate = (v: number): number => {
    if (ancestor[v] === 0) return v;
    let sp = 0;
    let u = v;
    while (ancestor[ancestor[u]] !== 0) {
      stack[++sp] = u;
      u = ancestor[u];
    }
    while (sp > 0) {
      const w = stack[sp--];
      const a = ancestor[w];
      if (semi[label[a]] < semi[label[w]]) label[w] = label[a];
      ancestor[w] = ancestor[a];
    }
    return label[v];
  };

  const r = graph.rootOrdinal + 1;
  dfs(r);
  // Nodes only weak (non-essential) edges reach hang off the root, each starting a DFS.
  if (n < nodeCount) {
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] === 0 && !hasEssentialRetainer(v - 1)) {
        parent[v] = r;
        dfs(v);
      }
    }
  }
  // Cycles retained only by each other: numbered individually as children of the root.
  if (n < nodeCount) {
    for (let v = 1; v <= nodeCount; v++) {
      if (semi[v] !== 0) continue;
      parent[v] = r;
      semi[v] = ++n;
      vertex[n] = v;
      label[v] = v;
    }
  }

  const dom = nextEdge;
  dom.fill(0);
  for (let i = n; i >= 2; i--) {
    const w = vertex[i];
    const wOrdinal = w - 1;
    let isOrphan = true;
    for (let k = firstRetainer[wOrdinal]; k < firstRetainer[wOrdinal + 1]; k++) {
      const e = retainerEdge[k];
      if ((essential[e >>> 3] & (1 << (e & 7))) === 0) continue;
      isOrphan = false;
      const u = evaluate(retainerNode[k] + 1);
      if (semi[u] < semi[w]) semi[w] = semi[u];
    }
    // No essential retainer: a child of the root (semi[r] = 1 is below every other number).
    if (isOrphan) semi[w] = semi[r];
    const b = vertex[semi[w]];
    if (bucketHead[b] === 0) bucketHead[b] = w;
    else bucketNext[bucketTail[b]] = w;
    bucketTail[b] = w;
    bucketNext[w] = 0;
    const p = parent[w];
    ancestor[w] = p;
    for (let v = bucketHead[p]; v !== 0; v = bucketNext[v]) {
      const u = evaluate(v);
      dom[v] = semi[u] < semi[v] ? u : p;
    }
    bucketHead[p] = 0;
  }
  // Unlike the paper, the root dominates itself, and slot 0 ("none") points at the root too.
  dom[0] = r;
  dom[r] = r;
  for (let i = 2; i <= n; i++) {
    const w = vertex[i];
    if (dom[w] !== vertex[semi[w]]) dom[w] = dom[dom[w]];
  }

  const idom = new Uint32Array(nodeCount);
  for (let o = 0; o < nodeCount; o++) idom[o] = dom[o + 1] - 1;
  const preorder = new Uint32Array(nodeCount);
  for (let i = 1; i <= n; i++) preorder[i - 1] = vertex[i] - 1;
  return { idom, preorder };
}

/**
 * Retained size per node ordinal (FORMAT.md §4.5): its adjusted self size (§4.2) plus the retained
 * sizes of the nodes it immediately dominates. The root's is the total heap size.
 */
export function computeRetainedSizes(graph: HeapGraph): Float64Array {
  return graph.cached('retainedSizes', () => {
    const { idom, preorder } = computeDominatorTree(graph);
    const retained = Float64Array.from(computeOwnedSelfSizes(graph));
    for (let i = preorder.length - 1; i >= 1; i--) {
      const o = preorder[i];
      retained[idom[o]] += retained[o];
    }
    return retained;
  });
}

export interface DominatedChildrenResult {
  /** Children of node k in the dominator tree: dominated[firstDominated[k] .. firstDominated[k+1]-1]. */
  firstDominated: Uint32Array;
  dominated: Uint32Array;
}

/** The dominator tree as a CSR of children (root excluded from every list), in ordinal order. */
export function computeDominatedChildren(graph: HeapGraph): DominatedChildrenResult {
  return graph.cached('dominatedChildren', () => {
    const { idom } = computeDominatorTree(graph);
    const n = graph.nodeCount;
    const root = graph.rootOrdinal;
    const firstDominated = new Uint32Array(n + 1);
    for (let o = 0; o < n; o++) if (o !== root) firstDominated[idom[o] + 1]++;
    for (let o = 0; o < n; o++) firstDominated[o + 1] += firstDominated[o];
    const fill = firstDominated.slice(0, n);
    const dominated = new Uint32Array(Math.max(0, n - 1));
    for (let o = 0; o < n; o++) if (o !== root) dominated[fill[idom[o]]++] = o;
    return { firstDominated, dominated };
  });
}

/** Immediate dominator ordinals per node (the root's is itself). */
export function computeImmediateDominators(graph: HeapGraph): Uint32Array {
  return computeDominatorTree(graph).idom;
}
