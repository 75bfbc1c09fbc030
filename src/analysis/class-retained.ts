// Class retained size, as DevTools' Summary view shows it (docs/FORMAT.md §4.6): the sum of the retained
// sizes of a class's members that no other member of the same class dominates, so nested
// instances (a linked list of Nodes) are not counted twice.
//
// Algorithm: one iterative DFS over the dominator tree from the root. A class is "open" while the
// DFS is inside the subtree of a counted member; a member (DevTools' self size > 0, accepted by the
// filter) whose class is not open adds its retained size and, when it dominates anything, opens
// its class until its subtree is done. The result depends only on each node's ancestors, so the
// order children are visited in does not matter.
// Cost: O(N) time; a node stack that grows as needed, an open-class stack of at most one entry
// per class (a class is open at most once at a time), one byte per class.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import type { ClassIndexResult } from '../snapshot/class-names.ts';
import { computeOwnedSelfSizes } from './owned-sizes.ts';
import { computeDominatedChildren, computeRetainedSizes } from './dominators.ts';
import { grownUint32 } from '../snapshot/typed-arrays.ts';

/**
 * Retained size per class id of `classIndex`. `isIncluded(ordinal)` restricts the contributing
 * members (e.g. objects allocated between two snapshots), as DevTools applies its Summary filter.
 */
export function computeClassRetainedSizes(graph: HeapGraph, classIndex: ClassIndexResult, isIncluded?: (ordinal: number) => boolean): Float64Array {
  const compute = () => sumClassRetained(graph, classIndex, isIncluded);
  if (isIncluded !== undefined) return compute();
  return graph.cached(`classRetained:${classIndex.mode}`, compute);
}

function sumClassRetained(graph: HeapGraph, classIndex: ClassIndexResult, isIncluded?: (ordinal: number) => boolean): Float64Array {
  const { classOf, names } = classIndex;
  const selfSizes = computeOwnedSelfSizes(graph);
  const retained = computeRetainedSizes(graph);
  const { firstDominated, dominated } = computeDominatedChildren(graph);
  const n = graph.nodeCount;
  const result = new Float64Array(names.length);
  const isOpen = new Uint8Array(names.length);
  let stack: Uint32Array = new Uint32Array(Math.min(n + 1, 1 << 16));
  // Open classes, each with the stack height at which its subtree is finished.
  const openClass = new Uint32Array(names.length);
  const openUntil = new Uint32Array(names.length);
  let openCount = 0;
  let top = 0;
  stack[top++] = graph.rootOrdinal;
  while (top > 0) {
    const v = stack[--top];
    const cls = classOf[v];
    const from = firstDominated[v];
    const to = firstDominated[v + 1];
    if (isOpen[cls] === 0 && selfSizes[v] > 0 && (isIncluded === undefined || isIncluded(v))) {
      result[cls] += retained[v];
      if (from !== to) {
        isOpen[cls] = 1;
        openClass[openCount] = cls;
        openUntil[openCount++] = top;
      }
    }
    if (top + (to - from) > stack.length) stack = grownUint32(stack, top + (to - from));
    for (let k = from; k < to; k++) stack[top++] = dominated[k];
    // The stack is back at a recorded height exactly when that member's subtree has been visited.
    while (openCount > 0 && openUntil[openCount - 1] === top) isOpen[openClass[--openCount]] = 0;
  }
  return result;
}
