// Shallow-size transfer (FORMAT.md §4.2): DevTools moves the self size of internal arrays and
// hidden objects (property backing stores, hash tables, WeakCells…) onto the one JS object that owns
// them, so `Map` shows the bytes of its table and the internals show 0. Counts, self sizes and
// retained sizes all use these adjusted sizes; `--raw-sizes` keeps V8's own.
//
// Algorithm (DevTools' calculateShallowSizes): every node that is not hidden, not an array and not
// `system / ExternalStringData` owns itself and starts a worklist; ownership flows along non-weak
// edges into unowned nodes; a node reached from two owners becomes "multiple" and passes that on.
// Single-owned nodes hand their size to the owner unless the owner is synthetic or the root.
// Skipped entirely when the snapshot has no user roots (taken with exposeInternals).
// Cost: O(N + E), one Uint32Array of N owners and a worklist.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { hasUserRoots } from './roots.ts';

const UNVISITED = 0xffffffff;
const MULTIPLE = 0xfffffffe;

export function computeOwnedSelfSizes(graph: HeapGraph): Float64Array {
  return graph.cached('ownedSelfSizes', () => transferShallowSizes(graph));
}

function transferShallowSizes(graph: HeapGraph): Float64Array {
  const sizes = Float64Array.from(graph.selfSize);
  if (!hasUserRoots(graph)) return sizes;
  const n = graph.nodeCount;
  const { nodeType, types, firstEdge, edgeTarget, edgeType } = graph;
  const externalStringData = new Set(graph.strings.indexesOf('system / ExternalStringData'));
  const owners = new Uint32Array(n);
  // Each node is pushed at most twice (as an owner or when claimed, then when it becomes multiple),
  // but the stack rarely holds more than the N initial owners: start at N + 1 and grow if needed.
  let worklist: Uint32Array = new Uint32Array(n + 1);
  let top = 0;
  for (let i = 0; i < n; i++) {
    const type = nodeType[i];
    if (type === types.hidden || type === types.array || (type === types.native && externalStringData.has(graph.nodeName[i]))) {
      owners[i] = UNVISITED;
    } else {
      owners[i] = i;
      worklist[top++] = i;
    }
  }
  const weak = types.weak;
  while (top > 0) {
    const id = worklist[--top];
    const owner = owners[id];
    for (let e = firstEdge[id]; e < firstEdge[id + 1]; e++) {
      if (edgeType[e] === weak) continue;
      const target = edgeTarget[e];
      const targetOwner = owners[target];
      if (targetOwner === UNVISITED) {
        owners[target] = owner;
      } else if (targetOwner !== target && targetOwner !== owner && targetOwner !== MULTIPLE) {
        owners[target] = MULTIPLE;
      } else {
        continue;
      }
      if (top === worklist.length) worklist = growWorklist(worklist, 2 * n + 1);
      worklist[top++] = target;
    }
  }
  const root = graph.rootOrdinal;
  for (let i = 0; i < n; i++) {
    const owner = owners[i];
    if (owner === UNVISITED || owner === MULTIPLE || owner === i) continue;
    if (owner === root || nodeType[owner] === types.synthetic) continue;
    sizes[owner] += sizes[i];
    sizes[i] = 0;
  }
  return sizes;
}

function growWorklist(worklist: Uint32Array, cap: number): Uint32Array {
  const grown = new Uint32Array(Math.min(cap, Math.ceil(worklist.length * 1.5) + 1));
  grown.set(worklist);
  return grown;
}
