// `leakscope run SCENARIO`: run a scenario module in a child Node process with snapshots between
// batches (capture/scenario.ts), then the `growth` analysis and gate over those snapshots. Unlike
// `growth`, the gate is on by default: the point of `run` is the verdict (exit 1 = it leaks).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { registerCleanup, removeWhenGone } from '../../capture/children.ts';
import { DEFAULT_BATCHES, DEFAULT_ITERATIONS, DEFAULT_WARMUP, runScenario } from '../../capture/scenario.ts';
import { formatBytes, formatDuration } from '../../report/format.ts';
import { sanitizeForTerminal } from '../../report/sanitize.ts';
import { addClassOptions, checkOutputPaths, commandAction, loadAllForCli, parseNonNegativeInt, parsePositiveInt, sanitizeLine } from '../io.ts';
import { addGrowthOptions, outputFlags, reportGrowthOfGraphs, resolveGrowthSettings, type GrowthCommandOptions } from './growth.ts';
import { planAllocationRecording, reportAllocationRecording } from './profile.ts';

export interface RunCommandOptions extends GrowthCommandOptions {
  iterations: number;
  warmup: number;
  batches: number;
  out?: string;
  keep?: boolean;
  timeout?: number;
  trackAllocations?: boolean;
  sampling?: boolean;
}

export function registerRunCommand(program: Command): void {
  const command = program
    .command('run')
    .description('run a scenario (setup, warm-up, N actions) in a child process, snapshot between batches, and gate on growth')
    .argument('<scenario>', 'module exporting action() (may be async) and optionally setup() and teardown(); .js, .mjs, .ts')
    .option('--iterations <n>', 'actions measured after the warm-up, spread over the batches', parsePositiveInt, DEFAULT_ITERATIONS)
    .option('--warmup <n>', 'actions before the first snapshot (lazy compilation and caches settle)', parseNonNegativeInt, DEFAULT_WARMUP)
    .option('--batches <n>', 'snapshots after the first; a class must grow in every batch to count', parsePositiveInt, DEFAULT_BATCHES)
    .option('--out <dir>', 'write the snapshots to DIR and keep them')
    .option('--keep', 'keep the snapshots (in a temporary folder unless --out)')
    .option('--timeout <seconds>', 'kill the scenario after this long (default 600)', parsePositiveInt)
    .option('--track-allocations', 'start the scenario with --track-heap-objects (and --no-compact, so that stacks survive every snapshot): the snapshots carry allocation stacks, and the report says where the new objects were allocated')
    .option('--sampling', 'also record a sampling heap profile of the scenario (node --heap-prof) into --out DIR, or the working directory; read it with `leakscope profile`');
  addGrowthOptions(addClassOptions(command))
    .addHelpText('after', `
The scenario runs in a child Node process (with --expose-gc; TypeScript through tsx):
  setup() → action() × warmup → snapshot → (action() × iterations/batches → snapshot) × batches → teardown()
setup's return value is passed to action(context, iteration) and teardown(context). The snapshots
then go through the same analysis as \`leakscope growth\`, with the gate on (--no-fail-on-growth
reports only). Exit codes: 0 no class grew beyond its allowance, 1 it leaks, 2 bad input or the
scenario failed.

Examples:
  $ leakscope run examples/leaky-scenario.mjs
  $ leakscope run test/leaks/cache.ts --iterations 500 --threshold LRUCache=0
  $ leakscope run scenario.mjs --out snaps --format markdown --output report.md`)
    .action(commandAction(async (scenario: string, options: RunCommandOptions, cmd: Command) => {
      if (cmd.getOptionValueSource('names') === 'default') delete options.names;
      return runAndReport(scenario, options);
    }));
}

/** The whole `run` command as a function (also used by `demo`); returns the exit code. */
export async function runAndReport(scenario: string, options: RunCommandOptions): Promise<number> {
  // Validate every flag before spending time on the scenario.
  const settings = resolveGrowthSettings({ ...options, failOnGrowth: options.failOnGrowth ?? true });
  checkOutputPaths(outputFlags(settings), [scenario, settings.configFile], null);
  for (const warning of settings.warnings) process.stderr.write(`leakscope: warning: ${sanitizeLine(warning)}\n`);
  const isKept = options.keep === true || options.out !== undefined;
  const dir = options.out !== undefined ? path.resolve(options.out) : fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-run-'));
  if (options.out !== undefined) fs.mkdirSync(dir, { recursive: true });
  // The temporary snapshots never outlive leakscope: removed in `finally`, by the signal handler
  // while the scenario runs, and — should leakscope die where no JS runs — by removeWhenGone.
  const unregister = isKept ? () => undefined : registerCleanup(() => fs.rmSync(dir, { recursive: true, force: true }));
  const releaseRemover = isKept ? () => undefined : removeWhenGone(dir);
  try {
    const total = options.batches + 1;
    process.stderr.write(`leakscope: running ${sanitizeForTerminal(scenario, 200)}: ${options.warmup} warm-up, ${options.iterations} measured actions, ${total} snapshots\n`);
    const recording = planAllocationRecording(options, isKept ? dir : process.cwd());
    const run = await runScenario({
      scenario,
      nodeFlags: recording.nodeFlags,
      dir,
      warmup: options.warmup,
      iterations: options.iterations,
      batches: options.batches,
      timeoutMs: options.timeout !== undefined ? options.timeout * 1000 : undefined,
      onSnapshot: (s) => process.stderr.write(`leakscope: snapshot ${s.index + 1}/${total} after ${s.index === 0 ? 'warm-up' : `${s.iterations} actions`} (${formatBytes(s.bytes)})\n`),
    });
    // Reading and analysing the snapshots is synchronous work (readSync, then CPU): a JS signal
    // handler would run only once it was over — and was then dropped with its listener, so Ctrl-C
    // printed the report and exited 1. The scenario's processes are gone and removeWhenGone covers
    // the folder, so the handler goes now: Ctrl-C gets Node's default disposition back and ends
    // leakscope at once (130 in the shell).
    unregister();
    process.stderr.write(`leakscope: scenario done in ${formatDuration(run.durationMs)}; analysing\n`);
    const graphs = await loadAllForCli(run.snapshots);
    const labels = isKept ? run.snapshots : run.snapshots.map((file) => path.basename(file));
    const code = await reportGrowthOfGraphs(graphs, labels, settings);
    reportAllocationRecording(recording);
    if (isKept) process.stderr.write(`leakscope: snapshots kept in ${sanitizeForTerminal(dir, 300)}\n`);
    return code;
  } finally {
    unregister();
    if (!isKept) fs.rmSync(dir, { recursive: true, force: true });
    releaseRemover();
  }
}
