// Worker thread for `leakscope top` on big snapshots (summary-parallel.ts): it names classes, then
// computes distances, over the main thread's graph in shared memory, while the main thread builds
// the dominator tree and sums sizes. A 2-core machine's second core would otherwise idle after
// parsing.
//
// Protocol. workerData: { module } (for ts-worker.mjs). Main → worker, in this order:
//   { kind: 'classes', graph: SharedGraph, names }  → { kind: 'classes', index, interfaces }
//   { kind: 'distances' }                           → { kind: 'distances', distances }
// The answers' typed arrays are transferred (moved, not copied). Any failure answers
// { kind: 'failed', reason } and the main thread computes the rest itself.
// Distances wait for their message because the main thread asks only once the dominator tree's
// memory peak is over: the search's two N-sized arrays must not add to it.

import { parentPort } from 'node:worker_threads';
import { graphFromShared, type SharedGraph } from '../snapshot/shared-graph.ts';
import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { computeClassIndex, inferInterfaceDefinitions, type ClassIndexResult, type InterfaceDefinition, type NameMode } from '../snapshot/class-names.ts';
import { computeDistances } from '../analysis/distances.ts';

export type SummaryWorkerRequest =
  | { kind: 'classes'; graph: SharedGraph; names: NameMode }
  | { kind: 'distances' };

export type SummaryWorkerAnswer =
  | { kind: 'classes'; index: ClassIndexResult; interfaces: InterfaceDefinition[] | null }
  | { kind: 'distances'; distances: Int32Array }
  | { kind: 'failed'; reason: string };

const port = parentPort!;
let graph: HeapGraph | null = null;

port.on('message', (request: SummaryWorkerRequest) => {
  try {
    if (request.kind === 'classes') {
      graph = graphFromShared(request.graph);
      const index = computeClassIndex(graph, request.names);
      const interfaces = request.names === 'devtools' ? inferInterfaceDefinitions(graph) : null;
      const answer: SummaryWorkerAnswer = { kind: 'classes', index, interfaces };
      port.postMessage(answer, [index.classOf.buffer as ArrayBuffer]);
    } else {
      if (graph === null) throw new Error('distances asked before the graph');
      const distances = computeDistances(graph);
      const answer: SummaryWorkerAnswer = { kind: 'distances', distances };
      port.postMessage(answer, [distances.buffer as ArrayBuffer]);
    }
  } catch (error) {
    const answer: SummaryWorkerAnswer = { kind: 'failed', reason: error instanceof Error ? error.stack ?? error.message : String(error) };
    port.postMessage(answer);
  }
});
