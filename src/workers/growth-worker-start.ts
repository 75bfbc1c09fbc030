// Starting the growth worker (growth-worker.ts). bin/leakscope.js starts it before the CLI has
// loaded (this module is small and loads on its own): a worker takes a while to load the analysis
// modules, and while the CLI loads, the second core is idle. The early worker waits, unreferenced
// (a usage error still exits at once), until computeGrowthOfFiles takes it.

import type { Worker } from 'node:worker_threads';
import { siblingModule, startModuleWorker } from './start.ts';

/** Kept on globalThis, so the worker bin started is found whichever copy of this module asks. */
const EARLY = Symbol.for('leakscope.earlyGrowthWorker');

export function startGrowthWorker(): Worker {
  return startModuleWorker(siblingModule(import.meta.url, 'growth-worker'));
}

export function startGrowthWorkerEarly(): void {
  const worker = startGrowthWorker();
  worker.on('error', () => {}); // a worker that failed is not taken; the command starts another
  worker.unref();
  (globalThis as Record<symbol, unknown>)[EARLY] = worker;
}

/** The early worker if one was started and is still running, else null; taken once. */
export function takeEarlyGrowthWorker(): Worker | null {
  const store = globalThis as Record<symbol, unknown>;
  const worker = store[EARLY] as Worker | undefined;
  delete store[EARLY];
  // threadId is -1 once a worker has exited.
  return worker !== undefined && worker.threadId >= 0 ? worker : null;
}
