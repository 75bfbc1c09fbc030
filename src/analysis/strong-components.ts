// Strongly connected components: Tarjan's algorithm (R. E. Tarjan, "Depth-first search and linear
// graph algorithms", SIAM J. Comput. 1972), made iterative with an explicit call stack of
// (node, next edge) pairs in typed arrays, over the subgraph a caller chooses (a node mask and an
// edge filter). Generic: cycles.ts runs it over its cycle graph.
//
// Invariants: componentOf[v] is the component id for members of components of size ≥ 2, else -1;
// members of one component are contiguous in `members` (componentStart CSR).
// Cost: O(N + E) time; 6 typed arrays of N (≈ 25 B/node) during the search, plus the members found.

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { grownUint32 } from '../snapshot/typed-arrays.ts';

export interface StrongComponentsResult {
  /** Component id per node ordinal, -1 for nodes outside any component of two or more nodes. */
  componentOf: Int32Array;
  /** Members of component c: members[componentStart[c] .. componentStart[c+1]-1]. */
  componentStart: Uint32Array;
  members: Uint32Array;
  count: number;
}

/**
 * Strongly connected components of size ≥ 2 of the subgraph induced by `isMember` over the edges
 * `followsEdge` accepts. Iterative Tarjan: no recursion, no per-node objects.
 */
export function findStrongComponents(graph: HeapGraph, isMember: Uint8Array, followsEdge: (edge: number) => boolean): StrongComponentsResult {
  const n = graph.nodeCount;
  const { firstEdge, edgeTarget } = graph;
  const UNVISITED = -1;
  const index = new Int32Array(n).fill(UNVISITED);
  const low = new Int32Array(n);
  const onStack = new Uint8Array(n);
  const stack = new Uint32Array(n);
  const callNode = new Uint32Array(n);
  const callEdge = new Uint32Array(n);
  const componentOf = new Int32Array(n).fill(-1);
  // Members of all non-trivial components; grown by doubling (usually a small fraction of N).
  let members = new Uint32Array(1024);
  let memberCount = 0;
  const starts: number[] = [0];
  let sp = 0;
  let counter = 0;

  for (let start = 0; start < n; start++) {
    if (isMember[start] === 0 || index[start] !== UNVISITED) continue;
    let csp = 0;
    index[start] = low[start] = counter++;
    stack[sp++] = start;
    onStack[start] = 1;
    callNode[csp] = start;
    callEdge[csp] = firstEdge[start];
    csp++;
    while (csp > 0) {
      const v = callNode[csp - 1];
      let e = callEdge[csp - 1];
      const end = firstEdge[v + 1];
      let descended = false;
      for (; e < end; e++) {
        const w = edgeTarget[e];
        if (isMember[w] === 0 || !followsEdge(e)) continue;
        if (index[w] === UNVISITED) {
          callEdge[csp - 1] = e + 1;
          index[w] = low[w] = counter++;
          stack[sp++] = w;
          onStack[w] = 1;
          callNode[csp] = w;
          callEdge[csp] = firstEdge[w];
          csp++;
          descended = true;
          break;
        }
        if (onStack[w] === 1 && index[w] < low[v]) low[v] = index[w];
      }
      if (descended) continue;
      csp--;
      if (csp > 0) {
        const parent = callNode[csp - 1];
        if (low[v] < low[parent]) low[parent] = low[v];
      }
      if (low[v] !== index[v]) continue;
      // v is the head of a component: everything above it on the stack.
      if (stack[sp - 1] === v) {
        onStack[v] = 0;
        sp--;
        continue;
      }
      const id = starts.length - 1;
      let w: number;
      do {
        w = stack[--sp];
        onStack[w] = 0;
        componentOf[w] = id;
        if (memberCount === members.length) members = grownUint32(members);
        members[memberCount++] = w;
      } while (w !== v);
      starts.push(memberCount);
    }
  }
  return { componentOf, componentStart: Uint32Array.from(starts), members: members.slice(0, memberCount), count: starts.length - 1 };
}
