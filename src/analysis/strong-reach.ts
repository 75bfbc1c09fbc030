/**
 * One breadth-first spread over strong edges, shared by the analyses that sort nodes by what holds
 * them (holders.ts, native-held.ts): each labels the nodes it can reach from a queue of starts.
 */
import type { HeapGraph } from '../snapshot/heap-graph.ts';

/**
 * Labels `as` every node still labelled `unseen` that the first `tail` entries of `queue` reach over
 * strong (non-weak) edges, using `queue` as the work list (it must have room for every node).
 */
export function spreadOverStrongEdges(graph: HeapGraph, label: Uint8Array, unseen: number, queue: Uint32Array, tail: number, as: number): void {
  const { firstEdge, edgeTarget, edgeType } = graph;
  const weak = graph.types.weak;
  let head = 0;
  while (head < tail) {
    const node = queue[head++];
    for (let e = firstEdge[node]; e < firstEdge[node + 1]; e++) {
      if (edgeType[e] === weak) continue;
      const target = edgeTarget[e];
      if (label[target] !== unseen) continue;
      label[target] = as;
      queue[tail++] = target;
    }
  }
}
