// Shallow-size transfer (docs/FORMAT.md §4.2): DevTools moves the self size of internal arrays and
// hidden objects (property backing stores, hash tables, WeakCells…) onto the one JS object that owns
// them, so `Map` shows the bytes of its table and the internals show 0. Counts, self sizes and
// retained sizes all use DevTools' self sizes; `--raw-sizes` keeps V8's own.
//
// Algorithm (DevTools' calculateShallowSizes): every node that is not hidden, not an array and not
// `system / ExternalStringData` owns itself and starts a walk; ownership flows along non-weak edges
// into the other ("transferable") nodes; a node reached from two owners becomes "multiple" and
// passes that on. Single-owned nodes hand their size to the owner unless the owner is synthetic or
// the root. Skipped entirely when the snapshot has no user roots (taken with exposeInternals).
//
// Each state only moves UNVISITED → owner → MULTIPLE, so the result is one fixed point whatever the
// walk order: the walks can go owner by owner in ordinal order with a small stack, where DevTools
// pushes all N owners at once.
// Memory: the result column only. While the walk runs, a transferable node's slot holds its owner
// (its size is still in graph.selfSize), so there is no N-sized owner array; sizes are Uint32
// (4 B/node) unless some DevTools' self size needs more than 32 bits.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { hasUserRoots } from './roots.ts';
import { EXTERNAL_STRING_DATA_NAME } from '../snapshot/v8-names.ts';
import { grownUint32 } from '../snapshot/typed-arrays.ts';

/** DevTools' self size per node ordinal. Uint32Array whenever every size fits (the usual case). */
export type SizeColumn = Float64Array | Uint32Array;

const UNVISITED = 0xffffffff;
const MULTIPLE = 0xfffffffe;
const MAX_UINT32 = 0xffffffff;

export function computeOwnedSelfSizes(graph: HeapGraph): SizeColumn {
  return graph.cached('ownedSelfSizes', () => {
    // Without user roots DevTools transfers nothing: the raw column is the answer.
    if (!hasUserRoots(graph)) return graph.selfSize;
    return transferShallowSizes(graph, fitsUint32(graph.selfSize) ? new Uint32Array(graph.nodeCount) : null)
      ?? transferShallowSizes(graph, null)!;
  });
}

/**
 * DevTools' self sizes computed elsewhere over this same graph (a worker reading it in shared
 * memory: workers/summary-parallel.ts) become its cached ones, as if computeOwnedSelfSizes had run here.
 */
export function adoptOwnedSelfSizes(graph: HeapGraph, sizes: SizeColumn): void {
  graph.cached('ownedSelfSizes', () => sizes);
}

function fitsUint32(sizes: SizeColumn): boolean {
  if (sizes instanceof Uint32Array) return true;
  for (let i = 0; i < sizes.length; i++) if (sizes[i] > MAX_UINT32) return false;
  return true;
}

/**
 * Fills `narrow` (or a new Float64Array when null) with DevTools' self sizes; null when an owner's total
 * outgrows 32 bits, so the caller retries wide.
 */
function transferShallowSizes(graph: HeapGraph, narrow: Uint32Array | null): SizeColumn | null {
  const n = graph.nodeCount;
  const raw = graph.selfSize;
  const sizes: SizeColumn = narrow ?? new Float64Array(n);
  const { nodeType, nodeName, types, firstEdge, edgeTarget, edgeType } = graph;
  const externalStringData = new Set(graph.strings.indexesOf(EXTERNAL_STRING_DATA_NAME));
  // One bit per node: the walks test every edge's target, and N/8 bytes stay in cache where the
  // type column (N bytes) does not.
  const transferable = new Uint8Array((n + 7) >>> 3);
  for (let i = 0; i < n; i++) {
    const type = nodeType[i];
    const isTransferable = type === types.hidden || type === types.array || (type === types.native && externalStringData.has(nodeName[i]));
    if (isTransferable) transferable[i >>> 3] |= 1 << (i & 7);
    sizes[i] = isTransferable ? UNVISITED : raw[i];
  }
  const isTransferable = (i: number) => (transferable[i >>> 3] & (1 << (i & 7))) !== 0;

  let stack: Uint32Array = new Uint32Array(1 << 16);
  let top = 0;
  const weak = types.weak;
  // Passes `owner` to the transferable targets of `id`'s strong edges; pushes those that changed.
  const spread = (id: number, owner: number) => {
    const end = firstEdge[id + 1];
    for (let e = firstEdge[id]; e < end; e++) {
      const target = edgeTarget[e];
      if (!isTransferable(target) || edgeType[e] === weak) continue;
      const current = sizes[target];
      if (current === UNVISITED) sizes[target] = owner;
      else if (current !== owner && current !== MULTIPLE) sizes[target] = MULTIPLE;
      else continue;
      if (top === stack.length) stack = grownUint32(stack);
      stack[top++] = target;
    }
  };
  for (let start = 0; start < n; start++) {
    if (isTransferable(start)) continue;
    spread(start, start);
    // Only transferable nodes are ever pushed; their slot holds the owner they pass on.
    while (top > 0) {
      const id = stack[--top];
      spread(id, sizes[id]);
    }
  }

  // Owners are never transferable, so an owner's slot already holds a size when bytes arrive.
  const root = graph.rootOrdinal;
  for (let i = 0; i < n; i++) {
    if (!isTransferable(i)) continue;
    const owner = sizes[i];
    if (owner === UNVISITED || owner === MULTIPLE || owner === root || nodeType[owner] === types.synthetic) {
      sizes[i] = raw[i];
      continue;
    }
    const total = sizes[owner] + raw[i];
    if (narrow !== null && total > MAX_UINT32) return null;
    sizes[owner] = total;
    sizes[i] = 0;
  }
  return sizes;
}
