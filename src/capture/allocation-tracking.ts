// Allocation tracking in another process over the inspector (`snapshot --pid --track-allocations`):
// HeapProfiler.startTrackingHeapObjects {trackAllocations: true}, and compaction paused in the target
// while it runs.
//
// Why compaction: V8 keeps each tracked object's stack in a map keyed by address, and moves the entry
// when a GC moves the object — but only for an object that has no snapshot id yet (heap-profiler.cc,
// HeapProfiler::ObjectMoveEvent: `if (!known_object && allocation_tracker_)`). Tracking over the
// inspector gives every object an id within 50 ms (the agent's heap-stats timer runs a full GC and
// walks the heap: HeapObjectsMap::PushHeapObjectsStats → UpdateHeapObjectsMap), so any object a
// compacting full GC moves afterwards loses its stack, or takes the stale one a dead object left at
// its new address. Measured on a real HTTP server (fixtures/programs/watch-leaky-server.mjs,
// `--track-allocations 0 --count 2 --interval 4`): in 4 runs of 8 without the pause, 1–45 of ~400 new
// SessionRecords kept a stack (V8 compacts when its heuristics see fragmentation, so not every run);
// with compaction paused, every new SessionRecord in 10 runs of 10. `node --track-heap-objects` has
// no timer, but every snapshot gives ids too: an object that lived through one snapshot loses its
// stack to a compacting GC before the next. So `run --track-allocations`, which takes several,
// starts the scenario with --no-compact as well (TRACKING_FROM_START_FLAGS): in 7 of 12 runs of
// examples/leaky-scenario.mjs, 2 batches, only the last batch's 20 of 40 RequestLogs had a stack
// without it. (`snapshot --track-allocations -- CMD` passes its flag in NODE_OPTIONS, which refuses
// --no-compact.)
//
// Compaction is paused with v8.setFlagsFromString('--no-compact') in the target, and set back when
// tracking ends: by us after the last snapshot, or — whatever happened to leakscope (an error,
// Ctrl-C) — by a timer in the target once its inspector is closed again or the planned time plus a
// margin has passed. A target started with --no-compact is left as it is. Without compaction the heap
// may fragment a little for the duration; that is the price of stacks that survive.

import { randomUUID } from 'node:crypto';
import { LeakscopeError } from '../errors.ts';
import { builtinInTarget, type ProtocolClient } from './inspector.ts';

/** Node flags that track allocations from start-up and keep every stack across several snapshots (above). */
export const TRACKING_FROM_START_FLAGS = ['--track-heap-objects', '--no-compact'];

/** After the planned recording and series, how long the target's own safety net waits before restoring compaction. */
const RESTORE_MARGIN_MS = 5 * 60_000;
/** The target's safety net checks this often whether its inspector is closed (an unref'd timer). */
const RESTORE_POLL_MS = 1000;
const KEY = "Symbol.for('leakscope.allocationTracking')";

// One pause for every leakscope session recording in the target at once (a Set of their tokens):
// the first sets it, each session's end takes its token out, and the last one out sets compaction
// back; the safety net's deadline is the latest any session asked for.
const pauseCompactionExpression = (token: string, deadlineMs: number) => `(() => {
  const key = ${KEY};
  let pause = globalThis[key];
  if (pause === undefined) {
    if (/--no[-_]compact\\b/.test(\`\${process.execArgv.join(' ')} \${process.env.NODE_OPTIONS ?? ''}\`)) return 'off';
    const v8 = ${builtinInTarget('v8')};
    const inspector = ${builtinInTarget('inspector')};
    const restore = () => { clearInterval(timer); delete globalThis[key]; v8.setFlagsFromString('--compact'); };
    const timer = setInterval(() => { if (inspector.url() === undefined || Date.now() > pause.deadline) restore(); }, ${RESTORE_POLL_MS});
    timer.unref();
    pause = { sessions: new Set(), deadline: 0, end: (token) => { pause.sessions.delete(token); if (pause.sessions.size === 0) restore(); } };
    v8.setFlagsFromString('--no-compact');
    globalThis[key] = pause;
  }
  pause.sessions.add(${JSON.stringify(token)});
  pause.deadline = Math.max(pause.deadline, Date.now() + ${deadlineMs});
  return 'paused';
})()`;

const restoreExpression = (token: string) => `(() => {
  const pause = globalThis[${KEY}];
  if (pause !== undefined) pause.end(${JSON.stringify(token)});
  return true;
})()`;

/**
 * Starts allocation tracking in the target behind `client`, with compaction paused for up to
 * `plannedMs` (+ a margin). Resolves to the function that sets compaction back; stopping the
 * tracking itself is the caller's (stopTrackingHeapObjects streams the last snapshot).
 */
export async function startAllocationTracking(client: ProtocolClient, plannedMs: number): Promise<() => Promise<void>> {
  const token = randomUUID();
  const reply = await client.post('Runtime.evaluate', {
    expression: pauseCompactionExpression(token, plannedMs + RESTORE_MARGIN_MS), includeCommandLineAPI: true, returnByValue: true,
  }) as { result?: { value?: unknown }; exceptionDetails?: { exception?: { description?: string } } };
  if (reply.exceptionDetails !== undefined) {
    throw new LeakscopeError(`cannot pause compaction in the target for allocation tracking: ${reply.exceptionDetails.exception?.description?.split('\n')[0] ?? 'an exception'}`);
  }
  await client.post('HeapProfiler.startTrackingHeapObjects', { trackAllocations: true });
  return async () => {
    await client.post('Runtime.evaluate', { expression: restoreExpression(token), returnByValue: true });
  };
}
