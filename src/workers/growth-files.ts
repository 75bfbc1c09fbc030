// `growth` of snapshot files, with the work split over two threads: a worker reads and summarises
// every snapshot before the last (growth-worker.ts) while this thread reads and analyses the last
// one, which the report needs whole (new objects, their retainer chains). Same result as loading
// every graph here and calling computeGrowth; the earlier graphs never come to this thread, so
// only the last snapshot's memory stays here.
//
// The worker is only worth its start-up (~0.3 s for tsx to load the analysis modules; the CLI starts
// it while it loads itself, growth-worker-start.ts) on big files: below parallelMinBytes of earlier
// snapshots, or when a worker cannot start, everything runs here.

import type { Worker } from 'node:worker_threads';
import { LeakscopeError, EXIT_USAGE } from '../errors.ts';
import type { HeapGraph } from '../snapshot/heap-graph.ts';
import { checkSnapshotFile, loadSnapshot } from '../snapshot/load.ts';
import { inferInterfaceDefinitions } from '../snapshot/class-names.ts';
import { combineGrowth, computeGrowth, summariseSnapshot, type GrowthOptions, type GrowthResult } from '../analysis/growth.ts';
import { assertSameProcessEvidence, sampleForSameProcess } from '../analysis/same-process.ts';
import type { GrowthJob, GrowthWorkerAnswer, LastSnapshotFacts } from './growth-worker.ts';
import { startGrowthWorker, takeEarlyGrowthWorker } from './growth-worker-start.ts';

export interface GrowthFilesOptions extends GrowthOptions {
  /** Reading progress of the snapshots read on this thread (the worker reads the earlier ones silently). */
  onProgress?: (file: string, bytesRead: number, totalBytes: number) => void;
  /** Work on the last graph to overlap with the worker (e.g. distances for retainer chains). */
  prepareLast?: (last: HeapGraph) => void;
  /** Earlier snapshots smaller than this in total are read here, not in a worker. Default 32 MiB. */
  parallelMinBytes?: number;
}

const PARALLEL_MIN_BYTES = 32 * 1024 * 1024;

/** Growth over `files` (oldest first, at least two); resolves with the result and the last graph. */
export interface GrowthOfFiles {
  result: GrowthResult;
  /** The last snapshot's graph (for retainer chains of new objects). */
  last: HeapGraph;
  /** Whether a worker summarised the earlier snapshots (false: small files, or no worker could run). */
  usedWorker: boolean;
}

export async function computeGrowthOfFiles(files: string[], options: GrowthFilesOptions = {}): Promise<GrowthOfFiles> {
  if (files.length < 2) throw new LeakscopeError('growth needs at least two snapshots', EXIT_USAGE);
  // Missing, empty or unreadable files are reported in command-line order before any work starts.
  const bytes = files.map(checkSnapshotFile);
  const earlier = files.slice(0, -1);
  const earlierBytes = bytes.slice(0, -1).reduce((sum, size) => sum + size, 0);
  const worker = earlierBytes >= (options.parallelMinBytes ?? PARALLEL_MIN_BYTES) ? dispatchGrowthJob(earlier, options) : null;
  if (worker === null) {
    void takeEarlyGrowthWorker()?.terminate();
    return computeHere(files, options);
  }
  try {
    // A damaged last file is reported as soon as it is found (the worker is stopped); a damaged
    // earlier file when the worker gets to it. Missing and empty files were caught above, in order.
    const last = await loadHere(files[files.length - 1], options);
    const names = options.names ?? 'devtools';
    const countsOnly = options.countsOnly ?? false;
    const labels = options.labels ?? files;
    const facts: LastSnapshotFacts = {
      kind: 'facts',
      interfaces: names === 'devtools' ? inferInterfaceDefinitions(last) : null,
      sample: countsOnly ? null : sampleForSameProcess(last),
    };
    worker.send(facts);
    const lastSummary = summariseSnapshot(last, {
      names,
      rawSizes: options.rawSizes,
      retained: options.retainedSizes ?? false,
      members: false,
      collections: !countsOnly,
      label: labels[labels.length - 1],
    });
    options.prepareLast?.(last);
    const answer = await worker.answer;
    if (answer === null) return computeHere(files, options, last);
    if (!answer.ok) {
      if ('message' in answer) throw new LeakscopeError(answer.message, answer.exitCode);
      throw new Error(`growth worker failed: ${answer.crash}`);
    }
    const summaries = [...answer.summaries, lastSummary];
    if (!countsOnly) assertSameProcessEvidence(answer.evidence, labels, summaries.map((s) => s.info.maxObjectId), summaries.map((s) => s.keys));
    return { result: combineGrowth(summaries, last, answer.evidence, options), last, usedWorker: true };
  } finally {
    worker.terminate();
  }
}

/** Everything on this thread: the fallback, and the fast path for small files. */
async function computeHere(files: string[], options: GrowthFilesOptions, loadedLast?: HeapGraph): Promise<GrowthOfFiles> {
  const graphs: HeapGraph[] = [];
  for (const file of files.slice(0, -1)) graphs.push(await loadHere(file, options));
  graphs.push(loadedLast ?? await loadHere(files[files.length - 1], options));
  const result = computeGrowth(graphs, options);
  const last = graphs[graphs.length - 1];
  options.prepareLast?.(last);
  return { result, last, usedWorker: false };
}

function loadHere(file: string, options: GrowthFilesOptions): Promise<HeapGraph> {
  const onProgress = options.onProgress;
  return loadSnapshot(file, onProgress === undefined ? {} : { onProgress: (read, total) => onProgress(file, read, total) });
}

interface GrowthWorker {
  send(facts: LastSnapshotFacts): void;
  /** The worker's answer; null when the worker could not run (start-up failure, not a snapshot error). */
  answer: Promise<GrowthWorkerAnswer | null>;
  terminate(): void;
}

/** Gives the earlier snapshots to a worker (the one bin/leakscope.js started early, or a new one). */
function dispatchGrowthJob(files: string[], options: GrowthFilesOptions): GrowthWorker | null {
  const job: GrowthJob = {
    kind: 'job',
    files,
    labels: (options.labels ?? files).slice(0, files.length),
    names: options.names ?? 'devtools',
    rawSizes: options.rawSizes ?? false,
    retained: options.retainedSizes ?? false,
    countsOnly: options.countsOnly ?? false,
  };
  let worker: Worker;
  try {
    worker = takeEarlyGrowthWorker() ?? startGrowthWorker();
  } catch {
    return null;
  }
  worker.ref();
  worker.postMessage(job);
  const answer = new Promise<GrowthWorkerAnswer | null>((resolve) => {
    worker.once('message', (message: GrowthWorkerAnswer) => resolve(message));
    worker.once('error', () => resolve(null));
    worker.once('exit', () => resolve(null));
  });
  return {
    send: (facts) => worker.postMessage(facts),
    answer,
    terminate: () => { void worker.terminate(); },
  };
}
