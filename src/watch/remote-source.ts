// Watching another process from outside (`watch --pid P`, `watch -- node app.js`): RSS from /proc,
// the container from its cgroup, and V8's heap only through the inspector. Without --heap-above no
// inspector is opened until an alarm: the capture opens one session, reads the heap for the headroom
// check, takes the series and closes it (remote-session.ts, which also closes it on Ctrl-C or an error).
// With --heap-above one session stays open for the whole watch, so every sample can read the heap,
// and captures use that same session.

import { evaluateValue } from '../capture/inspector-endpoint.ts';
import type { ProtocolClient } from '../capture/inspector.ts';
import { withRemoteSession, type RemoteSessionOptions } from '../capture/remote-session.ts';
import { isAlive } from '../capture/target-process.ts';
import { LeakscopeError } from '../errors.ts';
import { captureEpisode, type CaptureOutcome, type EpisodePaths } from './capture.ts';
import { HEAP_FIGURES_EXPRESSION, sampleProcess, type HeapFigures, type MemorySample } from './memory-sample.ts';
import { writeSeriesReport } from './series-report.ts';
import type { WatchSettings } from './settings.ts';
import type { StopReason, WatchSource } from './watcher.ts';

export interface RemoteWatchOptions {
  pid: number;
  command: string[] | null;
  session: RemoteSessionOptions;
  settings: WatchSettings;
  /** Resolves when the launched program exits (watch -- CMD). */
  exited?: Promise<StopReason>;
  durationMs?: number;
  /** Resolves with the signal when leakscope is interrupted (ends a --pid watch). */
  interrupted?: Promise<NodeJS.Signals>;
  status: (message: string) => void;
}

/** Runs `use` with a WatchSource for the target: inside one inspector session when heap figures are needed. */
export async function withRemoteWatchSource<T>(options: RemoteWatchOptions, use: (source: WatchSource) => Promise<T>): Promise<T> {
  const needsHeap = options.settings.triggers.heapAbove !== undefined;
  if (!needsHeap) return use(makeSource(options, undefined));
  const { value } = await withRemoteSession(options.session, (session) => use(makeSource(options, session.client)));
  return value;
}

function makeSource(options: RemoteWatchOptions, held: ProtocolClient | undefined): WatchSource {
  const { pid, settings, status } = options;
  const readHeap = async (client: ProtocolClient): Promise<HeapFigures | undefined> => {
    const value = await evaluateValue(client, HEAP_FIGURES_EXPRESSION) as Partial<HeapFigures> | undefined;
    return typeof value?.heapUsed === 'number' && typeof value.heapLimit === 'number' ? { heapUsed: value.heapUsed, heapLimit: value.heapLimit } : undefined;
  };
  const captureWith = async (client: ProtocolClient, paths: EpisodePaths, sample: MemorySample): Promise<CaptureOutcome> => {
    const heap = await readHeap(client);
    return captureEpisode(client, { ...sample, heapUsed: heap?.heapUsed ?? sample.heapUsed, heapLimit: heap?.heapLimit ?? sample.heapLimit }, settings.capture!, paths, status);
  };
  // A launched program says when it exits; a process found by pid is polled.
  const stops: Promise<StopReason>[] = [options.exited ?? untilGone(pid)];
  if (options.exited === undefined && options.interrupted !== undefined) stops.push(options.interrupted.then((signal) => ({ reason: 'interrupted', exitCode: null, signal })));
  if (options.durationMs !== undefined) stops.push(idle(options.durationMs).then(() => ({ reason: 'duration', exitCode: null, signal: null })));
  return {
    pid,
    command: options.command,
    stopped: Promise.race(stops),
    status,
    async sample() {
      return sampleProcess(pid, held === undefined ? undefined : await readHeap(held));
    },
    async capture(paths, sample) {
      try {
        if (held !== undefined) return await captureWith(held, paths, sample);
        const { value } = await withRemoteSession(options.session, (session) => captureWith(session.client, paths, sample));
        return value;
      } catch (error) {
        // A program that simply finished meanwhile is not "not Node.js": say that it exited.
        if (isAlive(pid)) throw error;
        const end = await Promise.race([options.exited, idle(EXIT_STATUS_WAIT_MS).then(() => undefined)]);
        const how = end?.signal ? ` (${end.signal})` : end?.exitCode !== null && end?.exitCode !== undefined ? ` (exit code ${end.exitCode})` : '';
        throw new LeakscopeError(`process ${pid} exited${how} before the capture could be taken`);
      }
    },
    report: (files, paths) => writeSeriesReport(files, paths),
  };
}

/** How long a failed capture waits for a launched program's exit status. */
const EXIT_STATUS_WAIT_MS = 1000;

/** Resolves once `pid` has gone (a process we did not start: no exit event to wait for). */
async function untilGone(pid: number): Promise<StopReason> {
  while (isAlive(pid)) await idle(200);
  return { reason: 'gone', exitCode: null, signal: null };
}

/** A wait that does not keep leakscope alive once the watch has ended. */
function idle(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
