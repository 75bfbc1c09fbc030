// The protocol between bench/run.ts and a measurement child: the child times its own task (module
// loading excluded), then writes one JSON object to the file named by --result and exits. Results
// go to a file, not stdout, because peers print progress on stdout and leakscope's CLI prints its
// report there.

import fs from 'node:fs';

/** `--task NAME --result FILE ARG…` → { task, resultFile, args }. */
export function parseChildArgs(argv) {
  const out = { task: '', resultFile: '', args: [] };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--task') out.task = argv[++i];
    else if (argv[i] === '--result') out.resultFile = argv[++i];
    else out.args.push(argv[i]);
  }
  if (!out.task || !out.resultFile) throw new Error('usage: --task NAME --result FILE ARG…');
  return out;
}

/** Peak resident set size of this process so far, in bytes (`maxRSS` is in KiB). */
export function peakRssBytes() {
  return process.resourceUsage().maxRSS * 1024;
}

/**
 * Runs `run` (which returns { phases?, facts?, skipped? }) and writes
 * { ok, ms, peakRssBytes, phases, facts } or { ok: false, skipped } or { ok: false, error }.
 */
export async function runChild(tasks, argv = process.argv.slice(2)) {
  const { task, resultFile, args } = parseChildArgs(argv);
  const run = tasks[task];
  let result;
  if (!run) {
    result = { ok: false, error: `unknown task ${task}` };
  } else {
    try {
      const started = performance.now();
      const outcome = (await run(args)) ?? {};
      const ms = performance.now() - started;
      result = outcome.skipped
        ? { ok: false, skipped: outcome.skipped }
        : { ok: true, ms, peakRssBytes: peakRssBytes(), phases: outcome.phases ?? {}, facts: outcome.facts ?? {} };
    } catch (error) {
      result = { ok: false, error: error instanceof Error ? error.message : String(error) };
    }
  }
  fs.writeFileSync(resultFile, JSON.stringify(result) + '\n');
  // Peers leave handles open (DevTools' message ports, memlab's timers): do not wait for them.
  process.exit(0);
}

/** A stopwatch for phases: `lap('parse')` records the time since the previous lap. */
export function createLaps() {
  const phases = {};
  let last = performance.now();
  return {
    phases,
    lap(name) {
      const now = performance.now();
      phases[name] = (phases[name] ?? 0) + (now - last);
      last = now;
    },
  };
}
