// The child side of `leakscope run` (started by scenario.ts with --expose-gc and tsx's loader, so
// .ts scenarios load as well as .js/.mjs/.cjs). It runs the scenario and reports over IPC:
//
//   setup → action × warmup → snapshot 0 → (action × batch size → snapshot k) for k = 1..batches → teardown
//
// Each snapshot is settled and written by in-process.ts, so this child's own objects are not
// measured. Messages to the parent are ScenarioMessage values; the parent owns the temp folder and
// this process, and kills it if anything goes wrong.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { settleAndWriteSnapshot } from './in-process.ts';
import type { ScenarioChildConfig, ScenarioMessage, ScenarioPhase } from './scenario.ts';

interface ScenarioModule {
  setup?: () => unknown;
  action: (context: unknown, iteration: number) => unknown;
  teardown?: (context: unknown) => unknown;
}

let phase: ScenarioPhase = 'load';

function send(message: ScenarioMessage): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!process.send) {
      reject(new Error('scenario-child must be started by leakscope with an IPC channel'));
      return;
    }
    process.send(message, undefined, undefined, (error) => (error ? reject(error) : resolve()));
  });
}

/** Named exports, or a default export that is the action itself or an object holding the hooks. */
function resolveScenario(mod: Record<string, unknown>, file: string): ScenarioModule {
  const source = typeof mod.action === 'function'
    ? mod
    : typeof mod.default === 'function'
      ? { action: mod.default }
      : (mod.default && typeof mod.default === 'object' ? mod.default as Record<string, unknown> : mod);
  if (typeof source.action !== 'function') {
    throw new Error(`${file} exports no action function (export function action() {…}, or a default export)`);
  }
  for (const hook of ['setup', 'teardown'] as const) {
    if (source[hook] !== undefined && typeof source[hook] !== 'function') throw new Error(`${file}: export ${hook} is not a function`);
  }
  return source as unknown as ScenarioModule;
}

/** Built before the first snapshot, so path strings made by leakscope itself do not count as growth. */
let snapshotFiles: string[] = [];

function planSnapshots(config: ScenarioChildConfig): number[] {
  const batchSizes: number[] = [];
  for (let batch = 1; batch <= config.batches; batch++) {
    // Spread the remainder over the first batches so every step runs about the same number of actions.
    batchSizes.push(Math.floor(config.iterations / config.batches) + (batch <= config.iterations % config.batches ? 1 : 0));
  }
  let done = 0;
  snapshotFiles = [0, ...batchSizes].map((size, index) => {
    done += size;
    return path.join(config.dir, `snapshot-${String(index).padStart(2, '0')}-after-${done}.heapsnapshot`);
  });
  return batchSizes;
}

async function snapshot(index: number, iterationsDone: number): Promise<void> {
  phase = 'snapshot';
  const result = await settleAndWriteSnapshot(snapshotFiles[index]);
  await send({ type: 'snapshot', index, iterations: iterationsDone, file: result.file, bytes: result.bytes });
}

async function runChild(config: ScenarioChildConfig): Promise<void> {
  const mod = await import(pathToFileURL(config.scenario).href) as Record<string, unknown>;
  const scenario = resolveScenario(mod, config.scenario);
  phase = 'setup';
  const context = scenario.setup ? await scenario.setup() : undefined;
  const batchSizes = planSnapshots(config);
  phase = 'warmup';
  for (let i = 0; i < config.warmup; i++) await scenario.action(context, i);
  await snapshot(0, 0);
  let done = 0;
  for (let batch = 1; batch <= config.batches; batch++) {
    phase = 'action';
    for (let i = 0; i < batchSizes[batch - 1]; i++) await scenario.action(context, config.warmup + done + i);
    done += batchSizes[batch - 1];
    await snapshot(batch, done);
  }
  phase = 'teardown';
  if (scenario.teardown) await scenario.teardown(context);
  await send({ type: 'done' });
}

// The child runs in its own process group (scenario.ts), so a terminal's Ctrl-C does not reach it:
// when leakscope goes away, however it died, the IPC channel closes, and so does this process.
process.on('disconnect', () => process.exit());

const config = JSON.parse(process.argv[2] ?? '{}') as ScenarioChildConfig;
try {
  await runChild(config);
  process.disconnect?.();
} catch (error) {
  const err = error instanceof Error ? error : new Error(String(error));
  await send({ type: 'error', phase, message: err.message, stack: err.stack ?? '' }).catch(() => undefined);
  process.exitCode = 1;
  process.disconnect?.();
}
