// Taking a heap snapshot over the inspector protocol: a full GC (HeapProfiler.collectGarbage), then
// HeapProfiler.takeHeapSnapshot (or stopTrackingHeapObjects, which ends allocation tracking with a
// snapshot), whose text arrives as HeapProfiler.addHeapSnapshotChunk events.
//
// Chunks go to disk as they arrive, never into one big string: a snapshot is often larger than the
// heap it describes. Writes are synchronous on purpose. With an in-process Session, V8 serialises the
// whole snapshot inside the takeHeapSnapshot call and emits every chunk synchronously, so the event
// loop never turns until it is done: an fs.WriteStream would queue every chunk in memory. writeSync
// puts each chunk on disk before the next is produced; over a websocket (remote.ts) it does the same.
//
// The file is written by output/write-output.ts's rules: chunks go to a temporary sibling that is
// renamed into place at the end and removed if anything fails (so a crash never leaves a truncated
// snapshot under the final name), a symlink is written through, and a new file is 0600.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'node:inspector';
import { LeakscopeError } from '../errors.ts';
import { openOutputFile, SNAPSHOT_FILE_MODE } from '../output/write-output.ts';

/**
 * An expression that, evaluated in a target over the inspector, yields Node's builtin module `name`
 * ('v8', 'inspector'): through process.getBuiltinModule (Node ≥ 20.16; it works in ES module apps,
 * where `require` is not defined), else through require.
 */
export function builtinInTarget(name: string): string {
  return `(typeof process.getBuiltinModule === 'function' ? process.getBuiltinModule('node:${name}') : require('${name}'))`;
}

/** The part of an inspector protocol connection a snapshot needs (in-process Session or websocket). */
export interface ProtocolClient {
  post(method: string, params?: Record<string, unknown>): Promise<unknown>;
  /** Subscribes to one protocol event; returns the unsubscribe function. */
  onEvent(method: string, handler: (params: Record<string, unknown>) => void): () => void;
}

export interface TakeSnapshotOptions {
  /** Where to write; default a new `leakscope-<pid>-<time>.heapsnapshot` in the OS temp folder. */
  file?: string;
  /** Run a full GC first (default true), so the snapshot shows what is really retained. */
  collectGarbage?: boolean;
}

export interface SnapshotFileResult {
  file: string;
  bytes: number;
  durationMs: number;
}

/** Default file name for a snapshot of process `pid`: unique, sortable, recognisable. */
export function defaultSnapshotPath(pid: number, dir = os.tmpdir(), extension = '.heapsnapshot'): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return path.join(dir, `leakscope-${pid}-${stamp}-${Math.random().toString(36).slice(2, 8)}${extension}`);
}

/**
 * Snapshot of the current process, through an in-process `node:inspector` Session (no port is opened,
 * no flag such as --expose-gc is needed). Resolves to the file written.
 */
export async function takeSnapshot(options: TakeSnapshotOptions = {}): Promise<SnapshotFileResult> {
  return streamHeapSnapshot(sharedClient(), options.file ?? defaultSnapshotPath(process.pid), options);
}

/** A full garbage collection in the current process, without --expose-gc. */
export async function collectGarbage(): Promise<void> {
  await sharedClient().post('HeapProfiler.collectGarbage');
}

let shared: ProtocolClient | undefined;

/**
 * One session for the life of the process, never disconnected. Disconnecting an inspector session
 * makes V8 disable its heap profiler agent, which calls ClearObjectIds: every later snapshot numbers
 * the same objects afresh, and growth could no longer tell new objects from old ones. Measured on
 * Node 20.20: two v8.writeHeapSnapshot() calls agree on 100% of shared ids; with a Session
 * connected and disconnected between them, on 14–23%. An idle connected session costs nothing.
 */
export function sharedClient(): ProtocolClient {
  if (!shared) {
    const session = new Session();
    session.connect();
    shared = sessionClient(session);
  }
  return shared;
}

export interface StreamSnapshotOptions {
  /** Run a full GC first (default true). */
  collectGarbage?: boolean;
  /**
   * End allocation tracking with this snapshot (HeapProfiler.stopTrackingHeapObjects, which streams
   * its snapshot as the same chunk events, then stops the tracker): the snapshot carries the
   * allocation stacks, and no second snapshot is serialised just to stop tracking.
   */
  isStoppingTracking?: boolean;
}

/** GC, then the snapshot streamed to `file`; shared by the in-process and the remote capture. */
export async function streamHeapSnapshot(
  client: ProtocolClient,
  file: string,
  options: StreamSnapshotOptions = {},
): Promise<SnapshotFileResult> {
  const started = performance.now();
  if (options.collectGarbage ?? true) await client.post('HeapProfiler.collectGarbage');
  const output = openOutputFile(file, SNAPSHOT_FILE_MODE);
  let bytes = 0;
  let writeError: unknown;
  const unsubscribe = client.onEvent('HeapProfiler.addHeapSnapshotChunk', (params) => {
    if (writeError !== undefined) return;
    try {
      // Written as a string: no Buffer copy of every chunk.
      const chunk = String(params.chunk);
      fs.writeSync(output.fd, chunk, null, 'utf8');
      bytes += Buffer.byteLength(chunk, 'utf8');
    } catch (error) {
      writeError = error; // reported once the snapshot call returns; V8 cannot be stopped mid-stream
    }
  });
  let isDone = false;
  try {
    await client.post(options.isStoppingTracking ? 'HeapProfiler.stopTrackingHeapObjects' : 'HeapProfiler.takeHeapSnapshot', { reportProgress: false, captureNumericValue: false });
    if (writeError !== undefined) {
      throw new LeakscopeError(`cannot write ${file}: ${(writeError as NodeJS.ErrnoException).code ?? String(writeError)}`);
    }
    if (bytes === 0) throw new LeakscopeError('the inspector sent an empty heap snapshot');
    output.commit();
    isDone = true;
  } finally {
    unsubscribe();
    if (!isDone) output.discard();
  }
  return { file, bytes, durationMs: performance.now() - started };
}

/**
 * Adapts node:inspector's callback Session to ProtocolClient. One permanent listener per event
 * dispatches to the current handlers: removing a Session's last listener makes EventEmitter replace
 * its `_events` object, which would be a new object in every snapshot the harness takes.
 */
function sessionClient(session: Session): ProtocolClient {
  const handlers = new Map<string, Set<(params: Record<string, unknown>) => void>>();
  return {
    post(method, params) {
      return new Promise((resolve, reject) => {
        // The callback API is typed per method; the generic form takes any method name.
        (session.post as (m: string, p: object | undefined, cb: (e: Error | null, r?: unknown) => void) => void)(
          method,
          params,
          (error, result) => (error ? reject(new LeakscopeError(`inspector ${method} failed: ${error.message}`)) : resolve(result)),
        );
      });
    },
    onEvent(method, handler) {
      let current = handlers.get(method);
      if (current === undefined) {
        const forMethod = new Set<(params: Record<string, unknown>) => void>();
        handlers.set(method, forMethod);
        session.on(method, (message: { params: Record<string, unknown> }) => { for (const h of forMethod) h(message.params); });
        current = forMethod;
      }
      current.add(handler);
      return () => { current.delete(handler); };
    },
  };
}
