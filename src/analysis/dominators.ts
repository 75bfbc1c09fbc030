// Dominator tree and retained sizes, exactly as Chrome DevTools computes them (docs/FORMAT.md §4).
//
// Algorithm: the semidominators of Lengauer & Tarjan, "A fast algorithm for finding dominators in a
// flowgraph" (TOPLAS 1979; simple variant: LINK only sets the ancestor, EVAL compresses paths
// without balancing), then immediate dominators by semi-NCA (Georgiadis, "Linear-Time Algorithms
// for Dominators and Related Problems", 2005): walk up from the DFS parent to the first vertex at or
// above the semidominator. Same dominators as DevTools' bucket-based LT, with no buckets.
// Run over the *essential* edges only (§4.1). As in DevTools: the DFS starts at the root; nodes it
// misses are attached to the root in DevTools' order (first a DFS from each node with no essential
// retainer, then the remaining nodes one by one), and a node with no essential retainer is a child
// of the root. Everything after the DFS works on preorder numbers (1..N, 0 = none); the DFS and
// the path compression are iterative; every array is a typed array, no per-node objects.
//
// Invariants: idom[root] = root; every node, reachable or not, has an immediate dominator; a
// dominator precedes the nodes it dominates in `preorder` (so one reverse sweep sums retained sizes).
// Memory: five Uint32Arrays of N + 1 plus the essential predecessors at the peak, 4 B for each one
// that is not a DFS tree edge (tree edges need no entry: the parent is where the semidominator
// search starts). The predecessors are given back (a resizable buffer) before the children CSR is
// allocated, so the two never coexist. What stays is idom, preorder, retained sizes and the
// children CSR (28 B/node), all but the children offsets in buffers the algorithm already had,
// plus the essential-edge bit vector. Retained sizes are summed on first use, so DevTools' self
// sizes they start from need not exist during the peak (`top` computes them after). With
// `spareLength` (`top` on two cores) the predecessors' memory is kept, not given back (and may be
// made and touched ahead by the worker): it holds the children offsets and the worker's distances,
// which start once the semidominators no longer read that part (docs/FORMAT.md §8.5).

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeOwnedSelfSizes } from './owned-sizes.ts';
import { grownUint32, releasableUint32, touchedSharedBuffer, touchPages } from '../snapshot/typed-arrays.ts';
import { DOCUMENT_DOM_TREES_NAME } from '../snapshot/v8-names.ts';
import { ephemeronNamesOf, type EphemeronNames } from './distances.ts';

/**
 * Page-owned flags (docs/FORMAT.md §2.3): 1 for everything reachable without weak edges from the targets
 * of the root's shortcut edges (the global objects) and from `(Document DOM trees)`.
 */
export function computePageOwned(graph: HeapGraph): Uint8Array {
  return graph.cached('pageOwned', () => {
    const n = graph.nodeCount;
    const { firstEdge, edgeTarget, edgeType, types } = graph;
    const root = graph.rootOrdinal;
    const owned = new Uint8Array(n);
    // Grown on demand rather than N-sized: the dominator tree's arrays come next, and a dead
    // 4 B/node stack would still count until the collector finds it.
    let stack: Uint32Array = new Uint32Array(1024);
    let top = 0;
    const domTrees = new Set(graph.strings.indexesOf(DOCUMENT_DOM_TREES_NAME));
    for (let e = firstEdge[root]; e < firstEdge[root + 1]; e++) {
      const target = edgeTarget[e];
      const type = edgeType[e];
      if (type === types.element) {
        if (graph.nodeType[target] !== types.synthetic || !domTrees.has(graph.nodeName[target])) continue;
      } else if (type !== types.shortcut) {
        continue;
      }
      // DevTools marks and pushes once per root edge, even for a repeated target.
      if (top === stack.length) stack = grownUint32(stack);
      stack[top++] = target;
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
        if (top === stack.length) stack = grownUint32(stack);
        stack[top++] = w;
      }
    }
    return owned;
  });
}

/**
 * Bit vector over edge ordinals: bit e is set when edge e can retain its target for dominator
 * purposes (docs/FORMAT.md §4.1; DevTools checks these rules in this order, and an edge is essential
 * when none drops it):
 *  1. the table→value edge of a WeakMap ephemeron pair is dropped (the key→value edge stays, so a
 *     WeakMap value is dominated by its key);
 *  2. weak edges and 3. self edges never retain;
 *  4. away from the root, shortcuts (bound-function arguments) are dropped, and so are edges from a
 *     non-page-owned object into a page-owned one, so objects the debugger or the system also holds
 *     keep their page dominators.
 */
export function computeEssentialEdges(graph: HeapGraph): Uint8Array {
  return graph.cached('essentialEdges', () => {
    const pageOwned = computePageOwned(graph);
    const ephemerons = ephemeronNamesOf(graph);
    // In shared memory when the graph is, so that a worker can count retainers from it (countEssentialRetainers).
    const length = (graph.edgeCount + 7) >>> 3;
    const bits = new Uint8Array(graph.edgeTarget.buffer instanceof SharedArrayBuffer ? new SharedArrayBuffer(length) : new ArrayBuffer(length));
    const { firstEdge, edgeTarget, edgeType, edgeNameOrIndex, nodeId, nodeCount, rootOrdinal } = graph;
    const { weak, shortcut, internal } = graph.types;
    // One loop with the graph's columns in locals: 12 M nodes and 46 M edges on a 1 GB heap.
    for (let v = 0; v < nodeCount; v++) {
      const isRoot = v === rootOrdinal;
      const isSourceOwned = pageOwned[v] === 1;
      const end = firstEdge[v + 1];
      for (let e = firstEdge[v]; e < end; e++) {
        const type = edgeType[e];
        if (type === internal) {
          const ephemeron = ephemerons.get(edgeNameOrIndex[e]);
          if (ephemeron !== undefined && nodeId[v] === ephemeron.tableId) continue;
        }
        if (type === weak) continue;
        const target = edgeTarget[e];
        if (target === v) continue;
        if (!isRoot && (type === shortcut || (!isSourceOwned && pageOwned[target] === 1))) continue;
        bits[e >>> 3] |= 1 << (e & 7);
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
  /** Retained size per node ordinal, summed on first read; see computeRetainedSizes. */
  readonly retained: Float64Array;
  /** Children of node k in the dominator tree: dominated[firstDominated[k] .. firstDominated[k+1]-1]. */
  firstDominated: Uint32Array;
  dominated: Uint32Array;
}

/** DevTools' dominator tree (cached per graph). */
export function computeDominatorTree(graph: HeapGraph): DominatorTreeResult {
  return graph.cached('dominatorTree', () => {
    const essential = computeEssentialEdges(graph);
    return finishDominatorTree(graph, essential, searchEssentialGraph(graph, essential));
  });
}

/**
 * Essential retainers per node ordinal (edges whose bit is set in `essential`), added into `counts`
 * (zeroed, at least N long); returns how many essential edges there are. Needs no search: another
 * thread counts them while this one searches (summary-parallel.ts), which saves finishDominatorTree
 * a pass over every edge.
 */
export function countEssentialRetainers(graph: HeapGraph, essential: Uint8Array, counts: Uint32Array): number {
  const edgeTarget = graph.edgeTarget;
  let total = 0;
  for (let byte = 0; byte < essential.length; byte++) {
    const bits = essential[byte];
    if (bits === 0) continue;
    const first = byte << 3;
    for (let k = 0; k < 8; k++) {
      if ((bits & (1 << k)) !== 0) { counts[edgeTarget[first + k]]++; total++; }
    }
  }
  return total;
}

/** Numbers finishDominatorTree keeps for its predecessors and what follows them (FinishOptions.spareLength). */
function keptPredecessorLength(predecessorCount: number, nodeCount: number, spareLength: number): number {
  return Math.max(predecessorCount, nodeCount + 1 + spareLength);
}

/**
 * The memory finishDominatorTree keeps for its predecessors (FinishOptions.predecessors), made ahead
 * by another thread while this one finds the essential edges, so before anyone knows how many
 * predecessors there are: long enough for every edge (pages never touched cost nothing), and
 * touched as far as the tree surely writes (its child offsets and `spareLength` more). On a VM,
 * faulting fresh pages in costs seconds per GiB (docs/FORMAT.md §8.5), which the thread that builds
 * the tree would otherwise pay between its search and its semidominators. touchPredecessorMemory
 * touches the rest once the essential edges are counted.
 */
export function predecessorMemoryAhead(nodeCount: number, edgeCount: number, spareLength: number): Uint32Array {
  const length = keptPredecessorLength(edgeCount, nodeCount, spareLength);
  return new Uint32Array(touchedSharedBuffer(length * 4, (nodeCount + 1 + spareLength) * 4));
}

/** Touches what else of predecessorMemoryAhead's memory the tree will write, given the essential-edge count. */
export function touchPredecessorMemory(memory: Uint32Array, nodeCount: number, essentialCount: number, spareLength: number): void {
  // Every node the search reaches through a tree edge has one predecessor fewer (step 2).
  const written = keptPredecessorLength(essentialCount - nodeCount, nodeCount, spareLength);
  touchPages(memory.buffer, (nodeCount + 1 + spareLength) * 4, written * 4);
}

/** The depth-first search's arrays (EssentialSearch), made ahead by another thread: touchedSearchMemory. */
export interface SearchMemory {
  /** (N + 1) × 8 bytes: `number`, then `cursor`. */
  scratch: SharedArrayBuffer;
  vertex: Uint32Array;
  parent: Uint32Array;
  treeEdge: Uint8Array;
  visited: Uint8Array;
}

/**
 * The search's memory (~16 B/node), made and touched by a thread that would otherwise wait for
 * this one's essential edges (summary-parallel.ts): the search then runs on pages already faulted
 * in, 0.7–0.8 s where it took 1.4–1.5 s on the real 1.7 GB heap.
 */
export function touchedSearchMemory(nodeCount: number, edgeCount: number): SearchMemory {
  const size = nodeCount + 1;
  return {
    scratch: touchedSharedBuffer(size * 8),
    vertex: new Uint32Array(touchedSharedBuffer(size * 4)),
    parent: new Uint32Array(touchedSharedBuffer(size * 4)),
    treeEdge: new Uint8Array(touchedSharedBuffer((edgeCount + 7) >>> 3)),
    visited: new Uint8Array(touchedSharedBuffer((size + 7) >>> 3)),
  };
}

function fitsSearch(memory: SearchMemory, nodeCount: number, edgeCount: number): boolean {
  const size = nodeCount + 1;
  return memory.scratch.byteLength === size * 8 && memory.vertex.length === size && memory.parent.length === size
    && memory.treeEdge.length === (edgeCount + 7) >>> 3 && memory.visited.length === (size + 7) >>> 3;
}

/** Step 1 of the dominator tree, the depth-first search; finishDominatorTree does the rest. */
export interface EssentialSearch {
  /** Shared by ordinal → number and each node's next edge; holds the retained sizes at the end. */
  scratch: ArrayBufferLike;
  number: Uint32Array;
  cursor: Uint32Array;
  /** number → ordinal; the preorder at the end. */
  vertex: Uint32Array;
  /** number → parent's number. */
  parent: Uint32Array;
  /** Bit e set: edge e is the tree edge that discovered its target. */
  treeEdge: Uint8Array;
  /** Vertices numbered (all of them). */
  n: number;
  /** Vertices up to this number were reached through a tree edge or started a search. */
  lastSearchedNumber: number;
}

export interface FinishOptions {
  /**
   * countEssentialRetainers' counts, from another thread (length at least N + 2, zeroed beyond N):
   * saves a pass over every edge. The buffer is reused for the predecessor offsets and then `idom`.
   */
  retainerCounts?: Uint32Array;
  /**
   * Keep the predecessors' memory for what comes after, rather than give it back: on a VM, fresh
   * memory costs far more than reused memory (docs/FORMAT.md §8.5). It is made large enough for the
   * tree's child offsets, which then live in it, and `spareLength` more numbers, which go to
   * afterPeak, in shared memory so that a worker can use them.
   */
  spareLength?: number;
  /**
   * With spareLength: predecessorMemoryAhead's memory for the predecessors, which the tree then
   * does not allocate itself.
   */
  predecessors?: Uint32Array;
  /**
   * Called once, when what comes after the tree may take its memory: with spareLength, with the
   * predecessors' memory past the child offsets as soon as the semidominators no longer read it
   * (during their loop); else with null, once the predecessors are given back.
   */
  afterPeak?: (spare: Uint32Array | null) => void;
}

/** `memory`: the arrays made ahead (touchedSearchMemory), zeroed; used when they fit this graph. */
export function searchEssentialGraph(graph: HeapGraph, essential: Uint8Array, memory?: SearchMemory): EssentialSearch {
  const nodeCount = graph.nodeCount;
  const { firstEdge, edgeTarget } = graph;
  const isEssential = (e: number) => (essential[e >>> 3] & (1 << (e & 7))) !== 0;
  const size = nodeCount + 1;
  const made = memory !== undefined && fitsSearch(memory, nodeCount, edgeTarget.length) ? memory : null;

  // 1. DFS over essential edges, numbering vertices 1..n in preorder (0 = not yet visited). The
  //    search backtracks through `parent`, so it needs no stack; `cursor` is each node's next edge.
  // `number` and `cursor` share one buffer that becomes the retained-size column at the end, so
  // that column costs no memory beyond the algorithm's own peak.
  const scratch: ArrayBufferLike = made?.scratch ?? new ArrayBuffer(size * 8);
  const number = new Uint32Array(scratch, 0, size); // ordinal → number
  const cursor = new Uint32Array(scratch, size * 4, size); // ordinal → next edge to try
  const vertex = made?.vertex ?? new Uint32Array(size); // number → ordinal
  const parent = made?.parent ?? new Uint32Array(size); // number → parent's number
  // Bit e set: edge e is the tree edge that discovered its target (step 2 leaves it out).
  const treeEdge = made?.treeEdge ?? new Uint8Array((edgeTarget.length + 7) >>> 3);
  // Bit o set: node o is numbered. The search tests every essential edge's target, and N/8 bytes
  // stay in cache where `number` (4 B/node) does not.
  const visited = made?.visited ?? new Uint8Array((size + 7) >>> 3);
  let n = 0;
  const visit = (ordinal: number, parentNumber: number) => {
    visited[ordinal >>> 3] |= 1 << (ordinal & 7);
    number[ordinal] = ++n;
    vertex[n] = ordinal;
    parent[n] = parentNumber;
    cursor[ordinal] = firstEdge[ordinal];
  };
  const dfs = (start: number, parentNumber: number) => {
    visit(start, parentNumber);
    let v = start;
    for (;;) {
      const end = firstEdge[v + 1];
      let e = cursor[v];
      let next = -1;
      for (; e < end; e++) {
        if (!isEssential(e)) continue;
        const w = edgeTarget[e];
        if ((visited[w >>> 3] & (1 << (w & 7))) === 0) {
          visit(w, number[v]);
          treeEdge[e >>> 3] |= 1 << (e & 7);
          next = w;
          e++;
          break;
        }
      }
      cursor[v] = e;
      if (next >= 0) v = next;
      else if (v === start) return;
      else v = vertex[parent[number[v]]];
    }
  };
  const root = graph.rootOrdinal;
  dfs(root, 0);
  // Nodes only weak (non-essential) edges reach hang off the root, each starting a DFS.
  if (n < nodeCount) {
    const retained = new Uint8Array((nodeCount + 7) >>> 3);
    for (let e = 0; e < edgeTarget.length; e++) {
      if (isEssential(e)) retained[edgeTarget[e] >>> 3] |= 1 << (edgeTarget[e] & 7);
    }
    for (let o = 0; o < nodeCount; o++) {
      if (number[o] === 0 && (retained[o >>> 3] & (1 << (o & 7))) === 0) dfs(o, 1);
    }
  }
  // Every vertex numbered so far was reached through its parent's essential edge, or started a
  // search having no essential retainer at all; the ones numbered below have neither.
  const lastSearchedNumber = n;
  // Cycles retained only by each other: numbered individually as children of the root.
  if (n < nodeCount) {
    for (let o = 0; o < nodeCount; o++) if (number[o] === 0) visit(o, 1);
  }
  return { scratch, number, cursor, vertex, parent, treeEdge, n, lastSearchedNumber };
}

/** Steps 2 to 6 of the dominator tree, after searchEssentialGraph. */
export function finishDominatorTree(graph: HeapGraph, essential: Uint8Array, search: EssentialSearch, options: FinishOptions = {}): DominatorTreeResult {
  const nodeCount = graph.nodeCount;
  const { firstEdge, edgeTarget } = graph;
  const root = graph.rootOrdinal;
  const { scratch, number, cursor, vertex, parent, treeEdge, n, lastSearchedNumber } = search;
  const { retainerCounts } = options;

  // 2. Essential predecessors by number (a reverse CSR filled back to front, so no fill cursor).
  //    Numbers, not ordinals: from here on the algorithm never needs an ordinal. The tree edges
  //    are left out: a tree edge's candidate for the semidominator is the parent itself, which
  //    step 3 starts from (10.9 M of 45.1 M predecessors on a 1 GB heap).
  //    Counted by ordinal first, in `cursor` (done with), then moved to numbers: one random access
  //    per edge instead of two.
  //    Counted by another thread, the counts include the tree edges: one per node a tree edge
  //    discovered, which is every searched node with an essential retainer but the root.
  const isPredecessorEdge = (e: number) => ((essential[e >>> 3] & ~treeEdge[e >>> 3]) & (1 << (e & 7))) !== 0;
  const predCountOf = cursor.fill(0);
  let predCount = 0;
  if (retainerCounts === undefined) {
    for (let e = 0; e < edgeTarget.length; e++) {
      if (isPredecessorEdge(e)) { predCountOf[edgeTarget[e]]++; predCount++; }
    }
  } else {
    for (let o = 0; o < nodeCount; o++) {
      const count = retainerCounts[o];
      const isTreeDiscovered = count > 0 && o !== root && number[o] <= lastSearchedNumber;
      predCountOf[o] = isTreeDiscovered ? count - 1 : count;
      predCount += predCountOf[o];
    }
  }
  const firstPred = retainerCounts === undefined ? new Uint32Array(n + 2) : retainerCounts.subarray(0, n + 2).fill(0);
  for (let o = 0; o < nodeCount; o++) firstPred[number[o]] = predCountOf[o];
  for (let k = 1; k <= n + 1; k++) firstPred[k] += firstPred[k - 1];
  // The largest array here (4 B per predecessor), given back as soon as step 3 is done with it.
  const { spareLength } = options;
  const { array: pred, release: releasePred } = spareLength !== undefined
    ? { array: keptPredecessorMemory(predCount, nodeCount, spareLength, options.predecessors), release: () => {} }
    : releasableUint32(predCount);
  for (let v = 0; v < nodeCount; v++) {
    const nv = number[v];
    const end = firstEdge[v + 1];
    for (let e = firstEdge[v]; e < end; e++) {
      if (isPredecessorEdge(e)) pred[--firstPred[number[edgeTarget[e]]]] = nv;
    }
  }

  // 3. Semidominators, in reverse preorder, with EVAL over a forest compressed iteratively.
  //    Memory trick: once w is done, the offset firstPred[w + 1] is never read again (w - 1 reads
  //    firstPred[w - 1] and firstPred[w]), so semi(w) is stored there. Every vertex above the
  //    current w is done and linked; every vertex below is not, and its semi is still itself.
  const semiSlot = firstPred;
  const label = number; // ordinal → number is done with: its buffer now holds labels
  const ancestor = cursor.fill(0);
  for (let w = 0; w <= n; w++) label[w] = w;
  let stack: Uint32Array = new Uint32Array(1024);
  // Only linked (done) vertices are compared here: labels stay inside a linked subtree.
  const evaluate = (v: number): number => {
    if (ancestor[v] === 0) return v;
    let sp = 0;
    let u = v;
    while (ancestor[ancestor[u]] !== 0) {
      if (sp + 1 === stack.length) stack = grownUint32(stack);
      stack[++sp] = u;
      u = ancestor[u];
    }
    while (sp > 0) {
      const w = stack[sp--];
      const a = ancestor[w];
      if (semiSlot[label[a] + 1] < semiSlot[label[w] + 1]) label[w] = label[a];
      ancestor[w] = ancestor[a];
    }
    return label[v];
  };
  // With spareLength, the predecessors' memory beyond the first N + 1 numbers goes to afterPeak as
  // soon as the vertices left to do (w and below) have no predecessor there, all lying below
  // firstPred[w + 1]: after two thirds of the predecessors on the real 1 GB heap, so the worker's
  // distances overlap the rest of this loop.
  const reused = spareLength !== undefined ? pred : null;
  let isSpareGiven = false;
  const giveSpare = () => {
    isSpareGiven = true;
    options.afterPeak?.(reused === null ? null : reused.subarray(nodeCount + 1));
  };
  for (let w = n; w >= 2; w--) {
    const start = firstPred[w];
    const end = firstPred[w + 1];
    if (reused !== null && !isSpareGiven && end <= nodeCount + 1) giveSpare();
    // A searched vertex starts from its parent: the left-out tree edge's source (not linked yet,
    // so EVAL would return the parent itself), or the root for a search start, which has no
    // essential retainer. A vertex numbered alone starts from itself.
    let best = w <= lastSearchedNumber ? parent[w] : start === end ? 1 : w;
    // 1 (the root) is the least a semidominator can be: no predecessor can lower it further.
    for (let k = start; k < end && best > 1; k++) {
      const u = evaluate(pred[k]);
      const s = u > w ? semiSlot[u + 1] : u;
      if (s < best) best = s;
    }
    semiSlot[w + 1] = best;
    ancestor[w] = parent[w];
  }
  releasePred();
  // Reused: the child offsets (step 5) in the predecessors' first N + 1 slots, the rest spare.
  if (!isSpareGiven) giveSpare();

  // 4. Immediate dominators (semi-NCA): idom(w) is the nearest ancestor of parent(w) in the
  //    dominator tree built so far whose number is at most semi(w). Computed in place over parent.
  const idomByNumber = parent;
  idomByNumber[1] = 1;
  for (let w = 2; w <= n; w++) {
    const semiW = semiSlot[w + 1];
    let d = parent[w];
    while (d > semiW) d = idomByNumber[d];
    idomByNumber[w] = d;
  }

  // By ordinal, in the predecessor offsets' buffer (done with); the preorder is `vertex` itself.
  const idom = new Uint32Array(firstPred.buffer, firstPred.byteOffset, nodeCount);
  for (let w = 1; w <= n; w++) idom[vertex[w]] = vertex[idomByNumber[w]];
  const preorder = vertex.subarray(1, n + 1);

  // 5. The tree as a CSR of children in ordinal order (root in no list). Counts at each parent's own
  //    slot are summed into end offsets, then filled back to front, each offset counting down to its
  //    start; the child list reuses `parent`'s buffer, which nothing reads any more.
  const firstDominated = reused === null ? new Uint32Array(nodeCount + 1) : reused.subarray(0, nodeCount + 1).fill(0);
  for (let o = 0; o < nodeCount; o++) if (o !== root) firstDominated[idom[o]]++;
  for (let o = 1; o <= nodeCount; o++) firstDominated[o] += firstDominated[o - 1];
  const dominated = parent.subarray(0, Math.max(0, nodeCount - 1));
  for (let o = nodeCount - 1; o >= 0; o--) if (o !== root) dominated[--firstDominated[idom[o]]] = o;

  // 6. Retained sizes (docs/FORMAT.md §4.5), on first use: DevTools' self size plus what the node
  //    immediately dominates, summed bottom-up in reverse preorder (a dominator precedes what it
  //    dominates), in the number/cursor buffer. Deferred so that DevTools' self sizes need not exist
  //    while the arrays above are at their peak.
  let retained: Float64Array | undefined;
  return {
    idom, preorder, firstDominated, dominated,
    get retained() {
      if (retained === undefined) {
        retained = new Float64Array(scratch, 0, nodeCount);
        retained.set(computeOwnedSelfSizes(graph));
        for (let i = preorder.length - 1; i >= 1; i--) {
          const o = preorder[i];
          retained[idom[o]] += retained[o];
        }
      }
      return retained;
    },
  };
}

/** The predecessors' memory when finishDominatorTree keeps it: the one made ahead if it is long enough. */
function keptPredecessorMemory(predecessorCount: number, nodeCount: number, spareLength: number, madeAhead: Uint32Array | undefined): Uint32Array {
  const length = keptPredecessorLength(predecessorCount, nodeCount, spareLength);
  return madeAhead !== undefined && madeAhead.length >= length ? madeAhead : new Uint32Array(new SharedArrayBuffer(length * 4));
}

/**
 * Retained size per node ordinal (docs/FORMAT.md §4.5): its DevTools' self size (§4.2) plus the retained
 * sizes of the nodes it immediately dominates. The root's is the total heap size.
 */
export function computeRetainedSizes(graph: HeapGraph): Float64Array {
  return computeDominatorTree(graph).retained;
}

export interface DominatedChildrenResult {
  /** Children of node k in the dominator tree: dominated[firstDominated[k] .. firstDominated[k+1]-1]. */
  firstDominated: Uint32Array;
  dominated: Uint32Array;
}

/** The dominator tree as a CSR of children (root excluded from every list), in ordinal order. */
export function computeDominatedChildren(graph: HeapGraph): DominatedChildrenResult {
  const { firstDominated, dominated } = computeDominatorTree(graph);
  return { firstDominated, dominated };
}

/** Immediate dominator ordinals per node (the root's is itself). */
export function computeImmediateDominators(graph: HeapGraph): Uint32Array {
  return computeDominatorTree(graph).idom;
}
