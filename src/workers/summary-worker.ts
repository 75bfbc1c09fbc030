// Worker thread for `leakscope top` and `suspects` on big snapshots (summary-parallel.ts): over the
// main thread's graph in shared memory, it prepares memory for the dominator tree and counts its
// retainers, names classes, computes self sizes and distances (for suspects also the holders), while
// the main thread builds the tree. A 2-core machine's second core would otherwise idle after parsing.
//
// Protocol. workerData: { module } (for ts-worker.mjs). Main → worker, in one of two orders:
//   `top`:      graph, searchMemory, predecessorMemory, retainers, classes, sizes, distances
//   `suspects`: graph, classes, retainers, sizes, holders, distances
//   { kind: 'graph', graph: SharedGraph }            → { kind: 'graph' }
//   { kind: 'searchMemory' }                        → { kind: 'searchMemory', memory }
//   { kind: 'predecessorMemory', spareLength }      → { kind: 'predecessorMemory', memory }
//   { kind: 'retainers', essential, counts }        → { kind: 'retainers' } (counts written in place)
//   { kind: 'classes', names }                      → { kind: 'classes', index, interfaces }
//   { kind: 'sizes' }                               → { kind: 'sizes', sizes }
//   { kind: 'holders' }                             → { kind: 'holders', holders }
//   { kind: 'distances', memory? }                  → { kind: 'distances', distances } (in `memory` if given)
// For `top`, whose longest path is the main thread's dominator tree, the worker makes and touches
// the memory the tree fills next (dominators.ts) while the main thread computes the essential
// edges: the depth-first search's arrays and what the tree keeps for its predecessors. The
// essential edges then come with `retainers`: the worker counts each node's essential retainers
// into shared memory while the main thread searches, and touches what else of the predecessor
// memory the tree will write. Class names and self sizes, needed only after the tree, come next.
// For `suspects`, whose worker also finds the holders and the distances, it names classes while the
// main thread computes the essential edges and prepares no memory (that showed no gain there).
// The answers' typed arrays are transferred (moved, not copied) or, in shared memory, sent. Any
// failure answers { kind: 'failed', reason } and the main thread computes that part itself.
// For `top`, distances wait for their message because the main thread asks only once the dominator
// tree no longer needs the memory they use. `suspects` trades that memory for time
// (summary-parallel.ts).

import { parentPort } from 'node:worker_threads';
import { graphFromShared, type SharedGraph } from '../snapshot/shared-graph.ts';
import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeClassIndex, inferInterfaceDefinitions, type ClassIndexResult, type InterfaceDefinition, type NameMode } from '../snapshot/class-names.ts';
import { computeDistances } from '../analysis/distances.ts';
import { computeHolders, type HoldersResult } from '../analysis/holders.ts';
import { countEssentialRetainers, predecessorMemoryAhead, touchPredecessorMemory, touchedSearchMemory, type SearchMemory } from '../analysis/dominators.ts';
import { computeOwnedSelfSizes, type SizeColumn } from '../analysis/owned-sizes.ts';

export type SummaryWorkerRequest =
  | { kind: 'graph'; graph: SharedGraph }
  | { kind: 'searchMemory' }
  | { kind: 'predecessorMemory'; spareLength: number }
  | { kind: 'classes'; names: NameMode }
  | { kind: 'retainers'; essential: Uint8Array; counts: Uint32Array }
  | { kind: 'sizes' }
  | { kind: 'holders' }
  | { kind: 'distances'; memory?: Uint32Array };

export type SummaryWorkerAnswer =
  | { kind: 'graph' }
  | { kind: 'searchMemory'; memory: SearchMemory }
  | { kind: 'predecessorMemory'; memory: Uint32Array }
  | { kind: 'classes'; index: ClassIndexResult; interfaces: InterfaceDefinition[] | null }
  | { kind: 'sizes'; sizes: SizeColumn }
  | { kind: 'distances'; distances: Int32Array }
  | { kind: 'retainers' }
  | { kind: 'holders'; holders: HoldersResult }
  | { kind: 'failed'; reason: string };

const port = parentPort!;
let graph: HeapGraph | null = null;
/** What `predecessorMemory` made, for `retainers` to touch the rest of once the count is known. */
let predecessors: { memory: Uint32Array; spareLength: number } | null = null;

/** The graph the `graph` request brought; every later step reads it. */
function sharedGraph(step: string): HeapGraph {
  if (graph === null) throw new Error(`${step} asked before the graph`);
  return graph;
}

port.on('message', (request: SummaryWorkerRequest) => {
  try {
    if (request.kind === 'graph') {
      graph = graphFromShared(request.graph);
      const answer: SummaryWorkerAnswer = { kind: 'graph' };
      port.postMessage(answer);
    } else if (request.kind === 'searchMemory') {
      const shared = sharedGraph('searchMemory');
      const answer: SummaryWorkerAnswer = { kind: 'searchMemory', memory: touchedSearchMemory(shared.nodeCount, shared.edgeCount) };
      port.postMessage(answer);
    } else if (request.kind === 'predecessorMemory') {
      const shared = sharedGraph('predecessorMemory');
      const { spareLength } = request;
      predecessors = { memory: predecessorMemoryAhead(shared.nodeCount, shared.edgeCount, spareLength), spareLength };
      const answer: SummaryWorkerAnswer = { kind: 'predecessorMemory', memory: predecessors.memory };
      port.postMessage(answer);
    } else if (request.kind === 'classes') {
      const shared = sharedGraph('classes');
      const index = computeClassIndex(shared, request.names);
      const interfaces = request.names === 'devtools' ? inferInterfaceDefinitions(shared) : null;
      const answer: SummaryWorkerAnswer = { kind: 'classes', index, interfaces };
      port.postMessage(answer, [index.classOf.buffer as ArrayBuffer]);
    } else if (request.kind === 'sizes') {
      // While the main thread is still in the dominator tree (4 B/node, which the tree's peak has
      // room for within 1.2× the file; distances, 8 B/node, wait).
      const sizes = computeOwnedSelfSizes(sharedGraph('sizes'));
      const sized: SummaryWorkerAnswer = { kind: 'sizes', sizes };
      // The raw column (no user roots) is the graph's own, in shared memory: sent, not moved.
      port.postMessage(sized, sizes.buffer instanceof ArrayBuffer ? [sizes.buffer] : []);
    } else if (request.kind === 'retainers') {
      const shared = sharedGraph('retainers');
      const essentialCount = countEssentialRetainers(shared, request.essential, request.counts);
      if (predecessors !== null) touchPredecessorMemory(predecessors.memory, shared.nodeCount, essentialCount, predecessors.spareLength);
      const answer: SummaryWorkerAnswer = { kind: 'retainers' };
      port.postMessage(answer);
    } else if (request.kind === 'distances') {
      const distances = computeDistances(sharedGraph('distances'), request.memory);
      const answer: SummaryWorkerAnswer = { kind: 'distances', distances };
      // In the dominator tree's spare memory, shared: sent, not moved.
      port.postMessage(answer, distances.buffer instanceof ArrayBuffer ? [distances.buffer] : []);
    } else {
      const holders = computeHolders(sharedGraph('holders'));
      const answer: SummaryWorkerAnswer = { kind: 'holders', holders };
      port.postMessage(answer, [holders.kind.buffer as ArrayBuffer, holders.parent.buffer as ArrayBuffer]);
    }
  } catch (error) {
    const answer: SummaryWorkerAnswer = { kind: 'failed', reason: error instanceof Error ? error.stack ?? error.message : String(error) };
    port.postMessage(answer);
  }
});
