// The snapshots a measurement takes of its own process (`measureGrowth`, `toLeak`, the child of
// `leakscope run`): settled, then written by one synchronous call, so that nothing of leakscope's
// lives in the heap it measures.
//
// Why synchronous: a snapshot streamed through an inspector session is taken while leakscope's
// async functions wait for it, and their suspended state (the output file's handle, its temp name,
// the chunk listener's closure, promise reactions) is in the snapshot, new every time. A measurement
// that does nothing then showed `{commit, discard}`, closures and contexts growing by one per batch.
// v8.writeHeapSnapshot runs on this thread's stack: what it holds is under (Handle scope) and
// (Stack roots), which the growth gate treats as transient (analysis/holders.ts).
// The inspector session (inspector.ts) stays connected for the life of the process, so object ids
// stay comparable: V8 renumbers them when a session that used the heap profiler disconnects.

import fs from 'node:fs';
import v8 from 'node:v8';
import { LeakscopeError } from '../errors.ts';
import { collectGarbage, type SnapshotFileResult } from './inspector.ts';

/**
 * GC, one turn of the event loop, then the snapshot (which GCs again). Callbacks scheduled by the
 * last call (sockets closing) and async-hook destroy callbacks of collected promises run on that
 * turn; without it, bookkeeping keyed by async id (node:test's testResources map) still holds an
 * entry per awaited call and grows like a leak.
 */
export async function settleAndWriteSnapshot(file: string): Promise<SnapshotFileResult> {
  await collectGarbage();
  await new Promise((resolve) => setImmediate(resolve));
  return writeSnapshotNow(file);
}

/** The snapshot, written synchronously by V8 to `file` (mode 0600, as Node creates it). */
export function writeSnapshotNow(file: string): SnapshotFileResult {
  const started = performance.now();
  try {
    v8.writeHeapSnapshot(file);
  } catch (error) {
    throw new LeakscopeError(`cannot write ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return { file, bytes: fs.statSync(file).size, durationMs: performance.now() - started };
}
