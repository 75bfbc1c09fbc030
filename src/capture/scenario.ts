// Running a leak scenario in a child Node process: the parent side of `leakscope run`.
//
// A scenario is a module exporting `action` (may be async) and optionally `setup` and `teardown`
// (`setup`'s return value is passed to `action(context, iteration)` and `teardown(context)`). The
// child (scenario-child.ts) runs it and takes snapshots; this side spawns it, collects the snapshot
// paths it reports over IPC, and makes sure it and every process it started are gone afterwards
// whatever happens (children.ts spawnTree).
//
// Why a child process: the snapshots then show the scenario's heap and not leakscope's own, and a
// scenario that crashes or hangs cannot take the analysis down with it.

import fs from 'node:fs';
import path from 'node:path';
import { LeakscopeError } from '../errors.ts';
import { killChild, registerCleanup, spawnTree } from './children.ts';
import { nodeArgsFor, siblingModule } from '../workers/start.ts';
import { removeTempFilesOf } from '../output/write-output.ts';

export type ScenarioPhase = 'load' | 'setup' | 'warmup' | 'action' | 'snapshot' | 'teardown';

/** Settings the parent hands to the child, as JSON in argv[2]. */
export interface ScenarioChildConfig {
  scenario: string;
  dir: string;
  warmup: number;
  iterations: number;
  batches: number;
}

export type ScenarioMessage =
  | { type: 'snapshot'; index: number; iterations: number; file: string; bytes: number }
  | { type: 'done' }
  | { type: 'error'; phase: ScenarioPhase; message: string; stack: string };

export interface RunScenarioOptions {
  /** Path of the scenario module (.js, .mjs, .cjs, .ts, .mts). */
  scenario: string;
  /** Folder for the snapshots; must exist. */
  dir: string;
  /** Actions before the first snapshot, so lazy allocations (compiled code, caches) settle. */
  warmup?: number;
  /** Actions measured after the first snapshot, spread over `batches`. */
  iterations?: number;
  /** Snapshots after the first one; growth must hold at every step to count (monotonic). */
  batches?: number;
  /** Give up (and kill the child) after this long; default 10 minutes. */
  timeoutMs?: number;
  /** Called as each snapshot is written. */
  onSnapshot?: (info: { index: number; iterations: number; file: string; bytes: number }) => void;
  /** Where the scenario's own stdout goes; default leakscope's stderr, so reports on stdout stay clean. */
  stdout?: NodeJS.WritableStream;
  /** Node flags for the scenario's process (`run --track-allocations`, `run --sampling`). */
  nodeFlags?: string[];
}

export interface ScenarioRunResult {
  /** Snapshot files in order: after warm-up, then after each batch. */
  snapshots: string[];
  durationMs: number;
}

/** V8 allocates feedback vectors and allocation sites only after a function has run a while: with 10
 *  warm-up requests an express server still grew Object by +12 in the first batch; 30 settles it. */
export const DEFAULT_WARMUP = 30;
export const DEFAULT_ITERATIONS = 100;
/** Four snapshots: a class must grow in three batches in a row. With two batches, lazily compiled
 *  code (constant-pool strings of a timer callback run for the first time) failed a clean express
 *  scenario about one run in three; noise rarely lasts three steps, a leak always does. */
export const DEFAULT_BATCHES = 3;
const DEFAULT_TIMEOUT_MS = 10 * 60_000;
/** After `done`, the scenario may still hold sockets or timers open; it gets this long to exit by itself. */
const EXIT_GRACE_MS = 1000;

const CHILD_ENTRY = siblingModule(import.meta.url, 'scenario-child');

export async function runScenario(options: RunScenarioOptions): Promise<ScenarioRunResult> {
  const scenario = path.resolve(options.scenario);
  if (!fs.existsSync(scenario)) throw new LeakscopeError(`${options.scenario}: no such scenario file`);
  if (fs.statSync(scenario).isDirectory()) throw new LeakscopeError(`${options.scenario}: is a directory, expected a scenario module`);
  const config: ScenarioChildConfig = {
    scenario,
    dir: path.resolve(options.dir),
    warmup: options.warmup ?? DEFAULT_WARMUP,
    iterations: options.iterations ?? DEFAULT_ITERATIONS,
    batches: options.batches ?? DEFAULT_BATCHES,
  };
  if (config.batches < 1) throw new LeakscopeError('--batches must be at least 1');
  if (config.iterations < config.batches) throw new LeakscopeError(`--iterations (${config.iterations}) must be at least --batches (${config.batches})`);

  const started = performance.now();
  // A process tree: whatever the scenario starts (servers, `sleep`, detached daemons) dies with it
  // on every path out of here, and with leakscope on Ctrl-C or SIGTERM.
  // tsx only where something is TypeScript: leakscope's own sources in development, or the scenario.
  const child = spawnTree(process.execPath, ['--expose-gc', ...(options.nodeFlags ?? []), ...nodeArgsFor(CHILD_ENTRY, [scenario]), JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    // The scenario resolves its own imports; its cwd is the caller's.
    cwd: process.cwd(),
    env: process.env,
  });
  // A child killed mid-snapshot cannot remove its temp file; with --keep or --out the folder stays.
  const removeChildTemps = () => { if (child.pid !== undefined) removeTempFilesOf(config.dir, child.pid); };
  const unregisterTemps = registerCleanup(removeChildTemps);
  child.stdout?.pipe(options.stdout ?? process.stderr, { end: false });

  const snapshots: string[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let failure: LeakscopeError | undefined;
      let isDone = false;
      const timer = setTimeout(() => {
        failure = new LeakscopeError(`scenario ${options.scenario} did not finish within ${Math.round((options.timeoutMs ?? DEFAULT_TIMEOUT_MS) / 1000)} s`);
        void killChild(child);
      }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      timer.unref();
      let graceTimer: NodeJS.Timeout | undefined;
      child.on('message', (message: ScenarioMessage) => {
        if (message.type === 'snapshot') {
          snapshots.push(message.file);
          options.onSnapshot?.(message);
        } else if (message.type === 'error') {
          failure = new LeakscopeError(`scenario ${options.scenario} failed during ${message.phase}: ${message.message}`);
          failure.stack = message.stack;
          // Its handles (a server, a child process) may keep it alive: it gets the same grace as after `done`.
          graceTimer = setTimeout(() => void killChild(child), EXIT_GRACE_MS);
          graceTimer.unref();
        } else if (message.type === 'done') {
          isDone = true;
          graceTimer = setTimeout(() => void killChild(child), EXIT_GRACE_MS);
          graceTimer.unref();
        }
      });
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(new LeakscopeError(`cannot start the scenario process: ${error.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        if (graceTimer) clearTimeout(graceTimer);
        if (failure) reject(failure);
        else if (isDone) resolve();
        else reject(new LeakscopeError(`scenario process for ${options.scenario} exited early (${signal ?? `exit code ${code}`}) after ${snapshots.length} snapshot(s)`));
      });
    });
  } finally {
    await killChild(child);
    removeChildTemps();
    unregisterTemps();
  }
  return { snapshots, durationMs: performance.now() - started };
}
