// A chain from a lasting root (a global, a module, a handle: no transient root category) to an
// object the program holds, from the parents that the holders' search recorded (holders.ts: a
// breadth-first search from the root that never enters the transient root categories), so it is a
// shortest such chain. Suspects name the variable that keeps a collection with it when the
// shortest chain of all starts at the stack; growth's accumulation points name their holder with it.
// Cost: holders once per graph (O(N + E), cached), then O(chain length × edges of its nodes).

import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeHolders, HELD_BY_PROGRAM, NO_PARENT } from './holders.ts';
import { userRoots } from './roots.ts';
import { viewOfChain, type ChainViewLimits, type ChainViewResult } from './paths.ts';

/** The lasting chain to `target`, cut to `limits`; null when only transient roots, V8 code metadata or weak references hold it. */
export function findLastingChain(graph: HeapGraph, target: number, limits: ChainViewLimits): ChainViewResult | null {
  const { kind, parent } = computeHolders(graph);
  if (kind[target] !== HELD_BY_PROGRAM) return null;
  const nodes: number[] = [];
  for (let v = target; v !== NO_PARENT && v !== graph.rootOrdinal; v = parent[v]) nodes.push(v);
  nodes.reverse();
  const edges = nodes.map((node, i) => (i + 1 < nodes.length ? edgeBetween(graph, node, nodes[i + 1]) : -1));
  return viewOfChain({
    target, nodes, edges, partnerEdges: edges.map(() => -1),
    isFromUserRoot: nodes.length > 0 && userRoots(graph).includes(nodes[0]), transientRoot: null,
  }, limits);
}

/** A strong edge from `from` to `to`, preferring named ones; -1 when `from` only dominates `to` without referring to it. */
export function edgeBetween(graph: HeapGraph, from: number, to: number): number {
  let found = -1;
  for (let e = graph.firstEdge[from]; e < graph.firstEdge[from + 1]; e++) {
    if (graph.edgeTarget[e] !== to || graph.edgeType[e] === graph.types.weak) continue;
    if (found < 0 || (graph.edgeType[found] !== graph.types.property && graph.edgeType[found] !== graph.types.context)) found = e;
  }
  return found;
}
