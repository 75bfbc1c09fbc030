// `leakscope watch`: watch a Node process's memory, raise one alarm per episode, capture safely and
// leave a verdict (src/watch/). Two ways in:
//   --pid PID         a running process (RSS and container from outside; the heap through its inspector)
//   -- node app.js    a program leakscope starts and watches (its exit ends the watch)
// Flags only: parsing here, rules in src/watch/.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { EXIT_FINDING, EXIT_OK, LeakscopeError } from '../../errors.ts';
import { trackChild } from '../../capture/children.ts';
import { DEFAULT_ACTIVATION_TIMEOUT_MS, InterruptedError } from '../../capture/remote-session.ts';
import { checkProcess } from '../../capture/target-process.ts';
import { sanitizeForTerminal } from '../../report/sanitize.ts';
import { EventWriter } from '../../watch/events.ts';
import { analyseNearLimitSnapshots, nearLimitNodeOptions, nearLimitSnapshotNames } from '../../watch/near-heap-limit.ts';
import { withRemoteWatchSource } from '../../watch/remote-source.ts';
import { DEFAULTS, hasTrigger, parseCount, parsePercent, parseRate, parseSeconds, parseSize, type WatchSettings } from '../../watch/settings.ts';
import { runWatch, type StopReason } from '../../watch/watcher.ts';
import { checkOutputPaths, commandAction, parsePositiveInt } from '../io.ts';

interface WatchOptions {
  pid?: number;
  rssAbove?: string;
  heapAbove?: string;
  containerAbove?: string;
  growthAbove?: string;
  window: string;
  every: string;
  cooldown: string;
  events?: string;
  exec?: string;
  dir: string;
  capture: boolean;
  count: number;
  interval: string;
  sampling: string;
  maxFiles: number;
  maxDisk: string;
  duration?: string;
  nearHeapLimit?: boolean | string;
  port?: number;
  force?: boolean;
  timeout: number;
}

export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description('watch a Node process\'s memory: one alarm per episode, a safe capture, and a growth verdict beside it')
    .argument('[command...]', 'after --: a program to start and watch (e.g. -- node app.js)')
    .option('--pid <pid>', 'watch this running Node process', parsePositiveInt)
    .option('--rss-above <size>', 'alarm when resident memory passes SIZE (300MB, 512MiB, 1G)')
    .option('--heap-above <pct>', 'alarm when the V8 heap used passes PCT of its limit (holds an inspector session open for --pid)')
    .option('--container-above <pct>', 'alarm when the container\'s working set passes PCT of its memory limit (cgroup v2, v1)')
    .option('--growth-above <rate>', 'alarm when resident memory grows faster than RATE (10MB/min, 1MiB/s) over --window')
    .option('--window <seconds>', 'the window of --growth-above', String(DEFAULTS.windowSeconds))
    .option('--every <seconds>', 'time between samples', String(DEFAULTS.everySeconds))
    .option('--cooldown <seconds>', 'after an alarm, memory must be back under every trigger and this long must pass before the next', String(DEFAULTS.cooldownSeconds))
    .option('--events <file>', 'append the NDJSON events to FILE instead of stdout')
    .option('--exec <command>', 'run COMMAND (through the shell) on each alarm, the event as JSON in $LEAKSCOPE_EVENT')
    .option('--dir <dir>', 'where each episode\'s capture and report go', 'leakscope-watch')
    .option('--no-capture', 'alarm only: take no snapshot and no profile')
    .option('--count <n>', 'snapshots per episode, in one inspector session', parsePositiveInt, DEFAULTS.count)
    .option('--interval <seconds>', 'seconds between those snapshots', String(DEFAULTS.intervalSeconds))
    .option('--sampling <seconds>', 'how long the sampling heap profile records when a snapshot does not fit', String(DEFAULTS.samplingSeconds))
    .option('--max-files <n>', 'cap on snapshots and profiles in --dir, earlier episodes included', parsePositiveInt, DEFAULTS.maxFiles)
    .option('--max-disk <size>', 'cap on their total size', '2GiB')
    .option('--duration <seconds>', 'stop watching after SECONDS (a started program is then sent SIGTERM)')
    .option('--near-heap-limit [n]', 'with a command: Node writes up to N snapshots (default 1) into --dir as the heap nears its limit; leakscope checks and analyses them when the program ends')
    .option('--port <port>', 'with --pid: its inspector port (default: its --inspect-port, else 9229)', parsePositiveInt)
    .option('--force', 'with --pid: signal the process even if its executable does not look like node')
    .option('--timeout <seconds>', 'how long to wait for the inspector to open and answer', parsePositiveInt, DEFAULT_ACTIVATION_TIMEOUT_MS / 1000)
    .addHelpText('after', `
Examples:
  $ leakscope watch --rss-above 300MB -- node leaky-server.js
  $ leakscope watch --pid 4242 --heap-above 85 --events watch.ndjson --exec 'curl -d "$LEAKSCOPE_EVENT" https://alerts.example'
  $ leakscope watch --container-above 80 --growth-above 20MB/min --window 120 -- node server.js
  $ leakscope watch --near-heap-limit -- node --max-old-space-size=512 app.js
  In a container, without leakscope outside it:  LEAKSCOPE_WATCH_RSS_ABOVE=300MB node --import leakscope/watch app.js

Each sample and each alarm is one NDJSON line (stdout, or --events FILE) and one line on stderr.
One alarm per episode: the trigger re-arms once memory is back under every trigger and --cooldown
has passed. On an alarm leakscope checks the room first: a snapshot needs memory of the order of
the heap; where the process, the container or the disk lacks it, or a cap would be passed, it
records a sampling heap profile instead and says why. The series gets a growth verdict beside it
(report.md, report.json; the alarm event names them).
Exit codes: 0 no alarm, 1 at least one alarm (or a near-heap-limit snapshot), 2 usage or input error,
130 interrupted by Ctrl-C (128 + the signal's number).`)
    .action(commandAction(async (command: string[], options: WatchOptions) => watch(command, options)));
}

async function watch(command: string[], options: WatchOptions): Promise<number> {
  if ((options.pid === undefined) === (command.length === 0)) {
    throw new LeakscopeError(options.pid === undefined ? 'nothing to watch: give --pid PID, or a command after -- (leakscope watch --rss-above 300MB -- node app.js)' : 'give either --pid or a command after --, not both');
  }
  const nearLimit = options.nearHeapLimit === undefined ? undefined : options.nearHeapLimit === true ? 1 : parseCount(String(options.nearHeapLimit), '--near-heap-limit');
  if (nearLimit !== undefined && options.pid !== undefined) throw new LeakscopeError('--near-heap-limit needs a command to start (Node sets it up at start-up); it cannot be added to a running process');
  const settings = watchSettings(options);
  if (!hasTrigger(settings.triggers) && nearLimit === undefined) {
    throw new LeakscopeError('no trigger: give at least one of --rss-above, --heap-above, --container-above, --growth-above (or --near-heap-limit)');
  }
  const durationMs = options.duration === undefined ? undefined : parseSeconds(options.duration, '--duration') * 1000;
  const status = (message: string) => process.stderr.write(`leakscope: ${sanitizeForTerminal(message, 300)}\n`);

  // Checked and opened first: a bad --events or --dir is an error before any program starts.
  checkWatchPaths(command, options);
  const events = new EventWriter({ ndjson: options.events ?? '-', human: (line) => process.stderr.write(`leakscope: ${line}\n`), isSampleSummarised: true });
  const interrupt = catchInterrupts();
  try {
    let pid: number;
    let exited: Promise<StopReason> | undefined;
    let child: ReturnType<typeof spawn> | undefined;
    let nearLimitEarlier: string[] = [];
    if (options.pid !== undefined) {
      checkProcess(options.pid, options.force ?? false);
      pid = options.pid;
    } else {
      // Events on stdout: the program's own output goes to stderr, so the NDJSON stream stays clean.
      nearLimitEarlier = nearLimit === undefined ? [] : nearLimitSnapshotNames(path.resolve(options.dir));
      ({ child, exited } = await startProgram(command, path.resolve(options.dir), nearLimit, (options.events ?? '-') === '-'));
      pid = child.pid!;
    }
    const summary = await withRemoteWatchSource({
      pid, command: options.pid === undefined ? command : null, settings, exited, durationMs, status, interrupted: interrupt.signal,
      session: { pid, port: options.port, force: options.force, timeoutMs: options.timeout * 1000, onStatus: status },
    }, (source) => runWatch(source, settings, events)).catch((error: unknown) => {
      // The session's inspector is closed and runWatch has written its end event; exit as interrupted.
      if (error instanceof InterruptedError) return error;
      throw error;
    });
    if (summary instanceof InterruptedError || interrupt.received !== undefined) {
      return 128 + os.constants.signals[summary instanceof InterruptedError ? summary.signal : interrupt.received!];
    }
    if (child !== undefined && summary.stop.reason === 'duration') {
      child.kill('SIGTERM');
      await exited;
    }
    const nearLimitSnapshots = nearLimit === undefined ? 0 : await analyseNearLimitSnapshots(path.resolve(options.dir), pid, events, nearLimitEarlier);
    return summary.alarms > 0 || nearLimitSnapshots > 0 ? EXIT_FINDING : EXIT_OK;
  } finally {
    interrupt.remove();
    events.close();
  }
}

/**
 * Ctrl-C, SIGTERM and SIGHUP end the watch, not the process: a started program gets the signal
 * (children.ts forwards it) and its exit ends the watch; a --pid watch ends on it. Either way the
 * capture's inspector is closed (remote-session.ts) and the end event written; the exit code is then 128 + the
 * signal's number, as the shell reports a process the signal ended.
 */
function catchInterrupts(): { signal: Promise<NodeJS.Signals>; received: NodeJS.Signals | undefined; remove: () => void } {
  const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
  let onSignal: (signal: NodeJS.Signals) => void = () => undefined;
  const state = {
    received: undefined as NodeJS.Signals | undefined,
    signal: new Promise<NodeJS.Signals>((resolve) => {
      onSignal = (signal) => {
        state.received ??= signal;
        resolve(signal);
      };
    }),
    remove: () => {
      for (const signal of signals) process.off(signal, onSignal);
    },
  };
  for (const signal of signals) process.on(signal, onSignal);
  return state;
}

/**
 * --dir must be a folder or not exist yet (else the capture would fail only after the target's
 * inspector was opened); --events follows the rules of every output (write-output.ts) and is never
 * one of the program's own files (`--events app.js -- node app.js` would append to app.js).
 */
function checkWatchPaths(command: string[], options: WatchOptions): void {
  const dir = fs.statSync(options.dir, { throwIfNoEntry: false });
  if (dir !== undefined && !dir.isDirectory()) throw new LeakscopeError(`--dir ${sanitizeForTerminal(options.dir, 200)}: not a folder`);
  checkOutputPaths([['--events', options.events]], command, null);
}

function watchSettings(options: WatchOptions): WatchSettings {
  const dir = path.resolve(options.dir);
  return {
    triggers: {
      rssAbove: options.rssAbove === undefined ? undefined : parseSize(options.rssAbove, '--rss-above'),
      heapAbove: options.heapAbove === undefined ? undefined : parsePercent(options.heapAbove, '--heap-above'),
      containerAbove: options.containerAbove === undefined ? undefined : parsePercent(options.containerAbove, '--container-above'),
      growthAbove: options.growthAbove === undefined ? undefined : parseRate(options.growthAbove, '--growth-above'),
      growthWindowMs: parseSeconds(options.window, '--window') * 1000,
    },
    capture: options.capture ? {
      dir,
      count: options.count,
      intervalMs: parseSeconds(options.interval, '--interval') * 1000,
      samplingMs: parseSeconds(options.sampling, '--sampling') * 1000,
      maxFiles: options.maxFiles,
      maxBytes: parseSize(options.maxDisk, '--max-disk'),
    } : undefined,
    everyMs: Math.max(50, parseSeconds(options.every, '--every') * 1000),
    cooldownMs: parseSeconds(options.cooldown, '--cooldown') * 1000,
    exec: options.exec,
  };
}

/**
 * Starts the program with, through NODE_OPTIONS, an inspector port chosen at activation (port 0:
 * leakscope finds it through /proc on Linux, so parallel programs never fight over 9229) and, with
 * --near-heap-limit, Node's own near-limit snapshots into --dir. Signals to leakscope are forwarded.
 */
async function startProgram(command: string[], dir: string, nearLimit: number | undefined, isStdoutTaken: boolean): Promise<{ child: ReturnType<typeof spawn>; exited: Promise<StopReason> }> {
  const extra: string[] = [];
  if (process.platform === 'linux') extra.push('--inspect-port=127.0.0.1:0');
  if (nearLimit !== undefined) {
    fs.mkdirSync(dir, { recursive: true });
    extra.push(...nearLimitNodeOptions(dir, nearLimit));
  }
  const nodeOptions = [process.env.NODE_OPTIONS ?? '', ...extra].join(' ').trim();
  const child = spawn(command[0], command.slice(1), { stdio: ['inherit', isStdoutTaken ? 2 : 'inherit', 'inherit'], env: { ...process.env, NODE_OPTIONS: nodeOptions } });
  const started = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!started || child.pid === undefined) throw new LeakscopeError(`cannot start ${sanitizeForTerminal(command[0], 200)}: not found or not executable`);
  trackChild(child, 'forward');
  const exited = new Promise<StopReason>((resolve) => {
    child.once('exit', (code, signal) => resolve({ reason: 'exited', exitCode: code, signal: signal === null ? null : signal }));
  });
  return { child, exited };
}
