// Starting the growth worker (growth-worker.ts, through ../ts-worker.mjs). Plain JavaScript so that
// bin/leakscope.js can start it before tsx and the CLI have loaded: a worker takes ~0.3 s to load
// the analysis modules, and while the CLI loads, the second core is idle. The early worker waits,
// unreferenced (a usage error still exits at once), until computeGrowthOfFiles takes it.

import { Worker } from 'node:worker_threads';

/** Kept on globalThis: bin loads this module natively, the CLI through tsx's loader. */
const EARLY = Symbol.for('leakscope.earlyGrowthWorker');

export function startGrowthWorker() {
  const workerData = { module: new URL('./growth-worker.ts', import.meta.url).href };
  return new Worker(new URL('../ts-worker.mjs', import.meta.url), { workerData, execArgv: [], stdin: false });
}

export function startGrowthWorkerEarly() {
  const worker = startGrowthWorker();
  worker.on('error', () => {}); // a worker that failed is not taken; the command starts another
  worker.unref();
  globalThis[EARLY] = worker;
}

/** The early worker if one was started and is still running, else null; taken once. */
export function takeEarlyGrowthWorker() {
  const worker = globalThis[EARLY];
  delete globalThis[EARLY];
  // threadId is -1 once a worker has exited.
  return worker !== undefined && worker.threadId >= 0 ? worker : null;
}
