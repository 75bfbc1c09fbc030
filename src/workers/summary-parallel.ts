// The class summary (what `leakscope top` shows), and what `leakscope suspects` reads, on two cores.
// After parsing, the main thread builds the dominator tree, the longest step, while a worker
// (summary-worker.ts) works over the same graph in shared memory:
//   main:   essential edges           │ depth-first search │ predecessors, semidominators ╷ rest of the tree, retained sizes
//   worker: touch the tree's memory   │ retainer counts    │ class names, self sizes      ╵ distances
// That is `top`'s timeline. Fresh memory costs seconds per GiB on a VM (docs/FORMAT.md §8.5), so
// the worker makes and touches the memory this thread fills next: the search's arrays
// (touchedSearchMemory) and the memory the tree keeps for its predecessors (predecessorMemoryAhead).
// Its retainer counts spare the tree a pass over every edge (dominators.ts, countEssentialRetainers).
// Class names and self sizes are needed only after the tree. The distances start in the
// predecessors' memory as soon as the semidominators no longer read that part (afterPeak, after two
// thirds of the predecessors on the real 1 GB heap), so their two N-sized arrays do not add to the
// tree's peak. Same result as computeClassSummary, which this falls
// back to whenever the worker cannot help (small or gzipped files, whose columns are not in shared
// memory; a worker that failed).
// Memory: the dominator tree peaks at ~33 B/node; the worker adds its class ids (2 B/node), DevTools'
// self sizes (4 B/node, which the main thread would compute right after the peak anyway) and its
// own heap (~10 MB, ~30 MB when tsx runs the sources); the retainer counts' buffer becomes the
// tree's predecessor offsets, so it costs nothing at the peak.
// Suspects: the worker also sorts out the holders (holders.ts) and computes distances during the
// tree, where it would idle; afterwards the main thread picks the chain parents (chain-parents.ts:
// one pass over the edges, which needs the retained sizes). That adds the holders (5 B/node) and
// distances with their queue (8 B/node) to the tree's peak: `suspects` spends memory for time there.
//
// The worker is started before the file is read (startSummaryWorker), so that loading the analysis
// modules in it overlaps parsing, where this thread waits for the edges worker anyway.

import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from './start.ts';
import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { shareGraph } from '../snapshot/shared-graph.ts';
import { adoptClassIndex, computeClassIndex, type NameMode } from '../snapshot/class-names.ts';
import { checkSnapshotFile } from '../snapshot/load.ts';
import { computeClassSummary, type ClassSummaryResult, type HistogramOptions } from '../analysis/histogram.ts';
import { computeEssentialEdges, computeRetainedSizes, finishDominatorTree, searchEssentialGraph } from '../analysis/dominators.ts';
import { adoptOwnedSelfSizes, computeOwnedSelfSizes } from '../analysis/owned-sizes.ts';
import { computeClassRetainedSizes } from '../analysis/class-retained.ts';
import { adoptDistances, distanceMemoryLength } from '../analysis/distances.ts';
import { adoptHolders } from '../analysis/holders.ts';
import type { SummaryWorkerAnswer, SummaryWorkerRequest } from './summary-worker.ts';

/**
 * Files below this are parsed on one thread into ordinary memory (load.ts: 64 MiB), so a worker
 * could not read their graph; and their whole analysis takes about what starting a worker does.
 */
const PARALLEL_MIN_BYTES = 64 * 1024 * 1024;

/** A started summary worker, answering requests in order. */
export interface SummaryWorker {
  send(request: SummaryWorkerRequest): void;
  /** The next answer; `failed` when the worker errs or exits first. */
  next(): Promise<SummaryWorkerAnswer>;
  stop(): void;
}

/**
 * Starts the worker for `file` when the file has at least `minBytes` (default: the size from which
 * the graph is parsed into shared memory), else returns null. Missing and unreadable files throw
 * the error loadSnapshot would (checkSnapshotFile).
 */
export function startSummaryWorker(file: string, minBytes = PARALLEL_MIN_BYTES): SummaryWorker | null {
  if (checkSnapshotFile(file) < minBytes) return null;
  let worker: Worker;
  try {
    worker = startModuleWorker(siblingModule(import.meta.url, 'summary-worker'));
  } catch {
    return null;
  }
  // Never what keeps the process alive: the command stops it when done, or exits without it.
  worker.unref();
  const answers: SummaryWorkerAnswer[] = [];
  const waiting: ((answer: SummaryWorkerAnswer) => void)[] = [];
  let failure: string | null = null;
  const deliver = (answer: SummaryWorkerAnswer) => {
    const take = waiting.shift();
    if (take) take(answer);
    else answers.push(answer);
  };
  const fail = (reason: string) => {
    if (failure !== null) return;
    failure = reason;
    while (waiting.length > 0) waiting.shift()!({ kind: 'failed', reason });
  };
  worker.on('message', deliver);
  worker.on('error', (error) => fail(String(error)));
  worker.on('exit', (code) => fail(`summary worker exited with code ${code}`));
  return {
    send: (request) => worker.postMessage(request),
    next: () => {
      const answer = answers.shift();
      if (answer) return Promise.resolve(answer);
      if (failure !== null) return Promise.resolve({ kind: 'failed', reason: failure });
      return new Promise((resolve) => waiting.push(resolve));
    },
    stop: () => { void worker.terminate(); },
  };
}

/**
 * For the commands that analyse one snapshot on two cores (`top`, `suspects`): the worker is started
 * before `load` reads the file, so that it has loaded its modules by the time the graph is there
 * (null for small files, or when `isWorkerWanted` is false); it is stopped if loading fails.
 */
export async function loadWithSummaryWorker(
  file: string, load: (file: string) => Promise<HeapGraph>, isWorkerWanted = true,
): Promise<{ graph: HeapGraph; worker: SummaryWorker | null }> {
  const worker = isWorkerWanted ? startSummaryWorker(file) : null;
  try {
    return { graph: await load(file), worker };
  } catch (error) {
    worker?.stop();
    throw error;
  }
}

export interface ParallelSummaryResult extends ClassSummaryResult {
  /** Whether the worker named the classes (false: no worker, a graph not in shared memory, a failure). */
  usedWorker: boolean;
}

/**
 * computeClassSummary with the worker's help when `worker` is not null and the graph's columns are
 * in shared memory. Stops the worker before returning.
 */
export async function computeClassSummaryInParallel(graph: HeapGraph, options: HistogramOptions, worker: SummaryWorker | null): Promise<ParallelSummaryResult> {
  const names = options.names ?? 'devtools';
  const plan: WorkerPlan = { prepareTree: true, duringTree: [], afterTree: ['distances'] };
  const usedWorker = await analyseInParallel(graph, names, worker, plan, () => computeClassRetainedSizes(graph, computeClassIndex(graph, names)));
  // Every part is cached by now (or computed here if the worker failed): this only sums.
  return { ...computeClassSummary(graph, options), usedWorker };
}

/**
 * What findLeakSuspects reads, cached on `graph`, with the worker's help: besides naming classes and
 * computing self sizes, the worker sorts out the holders and computes distances during the dominator
 * tree, where it would idle (none of them needs the tree). Those leave the worker little slack, and
 * preparing the tree's memory as for `top` showed no gain (7.97 s against 7.63 s, median of 3
 * alternating runs on the 993 MB file), so it does not. The chain parents, which need the tree's
 * retained sizes, are left to findLeakSuspects: one pass over the edges once distances are known,
 * and only when there is a suspect to draw a chain to. Returns whether the worker helped (if not,
 * findLeakSuspects computes everything itself). Stops the worker before returning.
 */
export async function prepareSuspectsInParallel(graph: HeapGraph, names: NameMode, worker: SummaryWorker | null): Promise<boolean> {
  return analyseInParallel(graph, names, worker, { prepareTree: false, duringTree: ['holders', 'distances'], afterTree: [] });
}

type WorkerStep = 'holders' | 'distances';

interface WorkerPlan {
  /**
   * The worker first makes and touches the tree's memory, and names classes only after counting
   * retainers (`top`: the tree on this thread is its longest path). Else it names classes first.
   */
  prepareTree: boolean;
  /** Steps asked for with the tree's retainer counts. */
  duringTree: WorkerStep[];
  /** Steps asked for once the tree no longer needs the memory they use. */
  afterTree: WorkerStep[];
}

/**
 * The shared timeline: while this thread finds the essential edges, the worker makes and touches
 * the tree's memory (plan.prepareTree) or names classes; it counts essential retainers while this
 * thread searches; then it names classes if not done yet, computes DevTools' self sizes and runs the
 * steps `duringTree` while this thread finishes the tree. The steps `afterTree` start once the tree
 * no longer needs the memory they use, while this thread finishes the tree, sums retained sizes and
 * runs `meanwhile` (which may read the class index). What the worker fails to answer is left to the
 * caller, which computes it on this thread (every part is cached on the graph). Returns whether the
 * worker named the classes.
 */
async function analyseInParallel(graph: HeapGraph, names: NameMode, worker: SummaryWorker | null, plan: WorkerPlan, meanwhile?: () => void): Promise<boolean> {
  const shared = worker === null ? null : shareGraph(graph);
  if (worker === null || shared === null) {
    worker?.stop();
    return false;
  }
  let usedWorker = false;
  try {
    worker.send({ kind: 'graph', graph: shared });
    // With distances after the tree, the tree keeps its predecessors' memory for them.
    const spareLength = plan.afterTree.includes('distances') ? distanceMemoryLength(graph) : undefined;
    if (plan.prepareTree) {
      worker.send({ kind: 'searchMemory' });
      if (spareLength !== undefined) worker.send({ kind: 'predecessorMemory', spareLength });
    } else {
      worker.send({ kind: 'classes', names });
    }
    const essential = computeEssentialEdges(graph);
    // N + 2: the counts' buffer becomes the tree's predecessor offsets (finishDominatorTree).
    const counts = essential.buffer instanceof SharedArrayBuffer ? new Uint32Array(new SharedArrayBuffer((graph.nodeCount + 2) * 4)) : null;
    if (counts !== null) worker.send({ kind: 'retainers', essential, counts });
    if (plan.prepareTree) worker.send({ kind: 'classes', names });
    worker.send({ kind: 'sizes' });
    for (const kind of plan.duringTree) worker.send({ kind });
    await worker.next(); // the graph: a failure there fails every later step too
    const memory = plan.prepareTree ? await worker.next() : null;
    const search = searchEssentialGraph(graph, essential, memory?.kind === 'searchMemory' ? memory.memory : undefined);
    const predecessors = plan.prepareTree && spareLength !== undefined ? await worker.next() : null;
    const namedFirst = plan.prepareTree ? null : await worker.next();
    const retainers = counts === null ? null : await worker.next();
    let isAfterTreeSent = false;
    const afterPeak = (spare: Uint32Array | null) => {
      isAfterTreeSent = true;
      for (const kind of plan.afterTree) worker.send(kind === 'distances' && spare !== null ? { kind, memory: spare } : { kind });
    };
    // The tree keeps its predecessors' memory (for its child offsets and these steps' arrays) only
    // when the worker answers, so is there to use it; the memory it made is touched once it has
    // counted.
    const options = retainers?.kind === 'retainers'
      ? { retainerCounts: counts!, spareLength, predecessors: predecessors?.kind === 'predecessorMemory' ? predecessors.memory : undefined, afterPeak }
      : { afterPeak };
    graph.cached('dominatorTree', () => finishDominatorTree(graph, essential, search, options));
    // A tree cached before this call never reached its peak here: the steps are asked for all the same.
    if (!isAfterTreeSent) afterPeak(null);
    const classes = namedFirst ?? await worker.next();
    if (classes.kind === 'classes') {
      usedWorker = true;
      adoptClassIndex(graph, classes.index, classes.interfaces);
    }
    const sizes = await worker.next();
    if (sizes.kind === 'sizes') adoptOwnedSelfSizes(graph, sizes.sizes);
    for (let k = 0; k < plan.duringTree.length; k++) adoptAnswer(graph, await worker.next());
    computeOwnedSelfSizes(graph);
    computeRetainedSizes(graph);
    meanwhile?.();
    for (let k = 0; k < plan.afterTree.length; k++) adoptAnswer(graph, await worker.next());
  } finally {
    worker.stop();
  }
  return usedWorker;
}

/** A step's result becomes the graph's cached one; a failed step is left for the caller to compute. */
function adoptAnswer(graph: HeapGraph, answer: SummaryWorkerAnswer): void {
  if (answer.kind === 'distances') adoptDistances(graph, answer.distances);
  else if (answer.kind === 'holders') adoptHolders(graph, answer.holders);
}
