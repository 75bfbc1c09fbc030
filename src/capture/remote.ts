// Snapshots and sampling profiles of another, running Node process (`leakscope snapshot --pid PID`),
// each taken within one remote session (remote-session.ts), which opens the target's inspector, or
// joins it, and leaves it as it was found.

import path from 'node:path';
import { defaultSnapshotPath, streamHeapSnapshot, type SnapshotFileResult } from './inspector.ts';
import { sleep, withDeadline } from './inspector-endpoint.ts';
import { guardInterrupts, INTERRUPT_CLOSE_MS, withRemoteSession, type RemoteSession, type RemoteSessionEnd, type RemoteSessionOptions } from './remote-session.ts';
import { startAllocationTracking } from './allocation-tracking.ts';
import { HEAP_PROFILE_EXTENSION, recordSamplingProfile, type SamplingProfileOptions, type SamplingProfileResult } from './sampling-profile.ts';

export interface RemoteSnapshotOptions extends RemoteSessionOptions {
  file?: string;
  collectGarbage?: boolean;
  /**
   * Snapshots to take over ONE connection (default 1), `intervalMs` apart. Object ids are only
   * comparable between snapshots of one session: when a session ends V8 clears its id map, so two
   * separate `snapshot --pid` runs cannot be compared by id (growth refuses them; --counts-only works).
   */
  count?: number;
  intervalMs?: number;
  /**
   * Record allocation stacks (HeapProfiler.startTrackingHeapObjects) for this long before the first
   * snapshot, and on through the series: every snapshot then says where its objects were allocated
   * (those made before tracking started have no stack). The last snapshot ends the tracking; a
   * session that ends early (an error, Ctrl-C) ends it too, as V8 stops tracking with the session.
   */
  trackAllocationsMs?: number;
}

export interface RemoteSnapshotResult extends RemoteSessionEnd {
  /** In the order taken. */
  snapshots: SnapshotFileResult[];
}

export async function takeRemoteSnapshot(options: RemoteSnapshotOptions): Promise<RemoteSnapshotResult> {
  const status = options.onStatus ?? (() => undefined);
  const { value: snapshots, ...end } = await withRemoteSession(options, (session) => takeSnapshots(session, options, status));
  return { snapshots, ...end };
}

export interface RemoteSamplingProfileOptions extends RemoteSessionOptions, SamplingProfileOptions {
  file?: string;
}

export interface RemoteSamplingProfileResult extends RemoteSessionEnd {
  profile: SamplingProfileResult;
}

/** A sampling profile of another Node process by pid (`snapshot --pid P --sampling S`), its inspector left as found. */
export async function recordRemoteSamplingProfile(options: RemoteSamplingProfileOptions): Promise<RemoteSamplingProfileResult> {
  const status = options.onStatus ?? (() => undefined);
  const file = options.file ?? defaultSnapshotPath(options.pid, process.cwd(), HEAP_PROFILE_EXTENSION);
  const { value: profile, ...end } = await withRemoteSession(options, async (session) => {
    status(`sampling allocations of process ${options.pid} for ${Math.round(options.durationMs / 100) / 10} s`);
    const result = await recordSamplingProfile(session.client, file, options);
    status(`wrote ${file}`);
    return result;
  });
  return { profile, ...end };
}

async function takeSnapshots(session: RemoteSession, options: RemoteSnapshotOptions, status: (message: string) => void): Promise<SnapshotFileResult[]> {
  const { client } = session;
  const count = options.count ?? 1;
  const intervalMs = options.intervalMs ?? 0;
  const files = snapshotFiles(options.file ?? defaultSnapshotPath(options.pid, process.cwd()), count);
  const snapshots: SnapshotFileResult[] = [];
  const trackMs = options.trackAllocationsMs;
  let restoreCompaction: (() => Promise<void>) | undefined;
  let guard: ReturnType<typeof guardInterrupts> | undefined;
  try {
    if (trackMs !== undefined) {
      restoreCompaction = await startAllocationTracking(client, trackMs + (count - 1) * intervalMs);
      // An inspector open before leakscope stays open, so the target's own timer would wait out the
      // planned time and its margin: on Ctrl-C compaction is set back from here (closing does it otherwise).
      const restore = restoreCompaction;
      if (session.wasAlreadyOpen) guard = guardInterrupts(() => withDeadline(restore(), Date.now() + INTERRUPT_CLOSE_MS, () => 'no answer in time'));
      status(`recording allocation stacks in process ${options.pid}${trackMs > 0 ? ` for ${trackMs / 1000} s` : ''} (compaction paused meanwhile)`);
      await sleep(trackMs);
    }
    for (let i = 0; i < count; i++) {
      if (i > 0) {
        status(`waiting ${Math.round(intervalMs / 1000)} s before snapshot ${i + 1}/${count}`);
        await sleep(intervalMs);
      }
      status(`taking heap snapshot ${count > 1 ? `${i + 1}/${count} ` : ''}of process ${options.pid}${trackMs !== undefined ? ', with allocation stacks' : ''}`);
      snapshots.push(await streamHeapSnapshot(client, files[i], { collectGarbage: options.collectGarbage ?? true, isStoppingTracking: trackMs !== undefined && i === count - 1 }));
      status(`wrote ${files[i]}`);
    }
  } finally {
    guard?.remove();
    // On an error the target's own timer restores it once the inspector is closed; this is sooner.
    await restoreCompaction?.().catch(() => undefined);
  }
  return snapshots;
}

/** FILE for one snapshot; FILE-1, FILE-2, … (before the extension) for several. */
export function snapshotFiles(file: string, count: number): string[] {
  if (count === 1) return [file];
  const ext = file.endsWith('.heapsnapshot') ? '.heapsnapshot' : path.extname(file);
  const stem = file.slice(0, file.length - ext.length);
  return Array.from({ length: count }, (_, i) => `${stem}-${i + 1}${ext}`);
}
