// Worker thread: parses the "edges" section of a plain snapshot file into shared typed arrays while
// the main thread parses everything else, and then reads the same section from its other end
// (load.ts, parseFileParallel; the decoding and how the two sides meet: edge-decoding.ts).
//
// Input (workerData): EdgeWorkerData. Output: one message, either { ok: true, result } with a
// FrontEdgesResult, or { ok: false, message, offset } with exactly the message and byte offset the
// sequential parser (SnapshotParser#feedNumbers / #storeEdgeField / #endNumbers / finish) would
// give, or { ok: false, crash } when the worker itself failed.

import { parentPort, workerData } from 'node:worker_threads';
import { EdgeFormatError, parseEdgesFromFront, type EdgeWorkerData } from './edge-decoding.ts';

try {
  const result = parseEdgesFromFront(workerData as EdgeWorkerData);
  parentPort!.postMessage({ ok: true, result });
} catch (error) {
  if (error instanceof EdgeFormatError) parentPort!.postMessage({ ok: false, message: error.message, offset: error.offset });
  else parentPort!.postMessage({ ok: false, crash: String(error instanceof Error && error.stack ? error.stack : error) });
}
