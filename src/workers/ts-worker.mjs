// Worker bootstrap for TypeScript modules. leakscope runs its sources through tsx, and a worker
// thread does not inherit the main thread's loader hooks, so the worker registers tsx itself, then
// imports the module named in workerData.module (a file: URL). Plain JavaScript so it can start
// without a loader, under `node bin/leakscope.js` and under vitest alike.

import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.module);
