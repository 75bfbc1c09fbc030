// `leakscope snapshot`: take heap snapshots of Node programs.
//   --pid PID [--out FILE]           a running process, through its inspector (capture/remote.ts)
//   --pid PID --sampling SECONDS     a sampling heap profile instead (capture/sampling-profile.ts)
//   --pid PID --track-allocations SECONDS   record allocation stacks for SECONDS, then the snapshot
//   [--out-dir DIR] -- node app.js   start a program ready to write snapshots on SIGUSR2
//                                    (--track-allocations: with allocation stacks, from its start)

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { constants as osConstants } from 'node:os';
import type { Command } from 'commander';
import { LeakscopeError } from '../../errors.ts';
import { recordRemoteSamplingProfile, snapshotFiles, takeRemoteSnapshot } from '../../capture/remote.ts';
import { DEFAULT_ACTIVATION_TIMEOUT_MS, type RemoteSessionEnd, type RemoteSessionOptions } from '../../capture/remote-session.ts';
import { WATCH_MS } from '../../capture/inspector-closing.ts';
import { trackChild } from '../../capture/children.ts';
import { quoteNodeOption } from '../../capture/inspector-flags.ts';
import { formatBytes, formatDuration } from '../../report/format.ts';
import { sanitizeForTerminal } from '../../report/sanitize.ts';
import { checkOutputPaths, commandAction, parseNonNegativeInt, parsePositiveInt, writeOut } from '../io.ts';
import { MAX_SECONDS, parseSeconds } from '../../watch/settings.ts';

interface SnapshotOptions {
  pid?: number;
  out?: string;
  outDir?: string;
  port?: number;
  force?: boolean;
  gc: boolean;
  count: number;
  interval: number;
  timeout: number;
  signal: string;
  sampling?: number;
  /** `true` without a value (commander's optional value); SECONDS as text, parsed in the action. */
  trackAllocations?: string | true;
}

const SNAPSHOT_SIGNAL = 'SIGUSR2';

export function registerSnapshotCommand(program: Command): void {
  program
    .command('snapshot')
    .description('take a heap snapshot of a running Node process (--pid), or start a program ready to take them on a signal')
    .argument('[command...]', 'after --: a program to start with --heapsnapshot-signal (e.g. -- node app.js)')
    .option('--pid <pid>', 'snapshot this running Node process through its inspector (opened on 127.0.0.1, closed afterwards)', parsePositiveInt)
    .option('--out <file>', 'with --pid: where to write (default leakscope-<pid>-<time>.heapsnapshot here)')
    .option('--port <port>', 'with --pid: inspector port (default: the target\'s --inspect-port, else 9229)', parsePositiveInt)
    .option('--force', 'with --pid: signal the process even if its executable does not look like node')
    .option('--no-gc', 'with --pid: skip the full GC before the snapshot')
    .option('--count <n>', 'with --pid: take N snapshots over one connection (FILE-1, FILE-2, …), comparable with `growth`', parsePositiveInt, 1)
    .option('--interval <seconds>', 'with --count: seconds between snapshots', parseNonNegativeInt, 10)
    .option('--sampling <seconds>', 'with --pid: record a sampling heap profile (.heapprofile: where memory is allocated) over SECONDS instead of a snapshot', parsePositiveInt)
    .option('--track-allocations [seconds]', 'with --pid: record allocation stacks for SECONDS, then the snapshot (`list`, `chain` and `growth` then say where objects were allocated); with a command: track from its start (no SECONDS)')
    .option('--timeout <seconds>', 'with --pid: how long to wait for the inspector to open and answer', parsePositiveInt, DEFAULT_ACTIVATION_TIMEOUT_MS / 1000)
    .option('--out-dir <dir>', 'with a command: folder for the snapshots it writes (default: current folder)')
    .option('--signal <name>', 'with a command: the signal that writes a snapshot', SNAPSHOT_SIGNAL)
    .addHelpText('after', `
Examples:
  $ leakscope snapshot --pid 4242 --out server.heapsnapshot
  $ leakscope snapshot --pid 4242 --out server.heapsnapshot --count 3 --interval 60
      then: leakscope growth server-1.heapsnapshot server-2.heapsnapshot server-3.heapsnapshot
  $ leakscope snapshot --pid 4242 --sampling 30 --out server.heapprofile
      then: leakscope profile server.heapprofile
  $ leakscope snapshot --pid 4242 --track-allocations 30 --out server.heapsnapshot
      then: leakscope list server.heapsnapshot --class Session   (an "Allocated in" column)
  $ leakscope snapshot --pid 4242 --track-allocations 0 --count 3 --interval 60 --out server.heapsnapshot
      then: leakscope growth server-1.heapsnapshot server-2.heapsnapshot server-3.heapsnapshot
            (new objects by allocation site)
  $ leakscope snapshot --out-dir snaps -- node server.js --port 3000
      then, from another terminal: kill -USR2 <pid>   (each signal writes one snapshot)
  $ leakscope snapshot --track-allocations --out-dir snaps -- node server.js

--pid activates the target's inspector the way \`node inspect -p\` does (SIGUSR1), connects only on
127.0.0.1, streams the snapshot to disk and closes the inspector again. The target keeps running.
A target set to open its inspector beyond loopback (--inspect-port=0.0.0.0:…) is refused. If the
target does not answer within --timeout (its main thread blocked) or leakscope is interrupted, a
background watcher closes the inspector as soon as the target responds, for up to ${WATCH_MS / 60_000} minutes.
V8 renumbers objects whenever an inspector session ends, so snapshots from separate --pid runs
cannot be compared by id: take the series with --count in one run (or use growth --counts-only).
--track-allocations slows the target down (a stack per allocation, and V8's tracker runs a full GC
every 50 ms) and pauses its heap compaction, which would make V8 forget stacks, until the last
snapshot ends the recording (an early end, Ctrl-C included, ends it too and compaction comes back).
Objects made before it started have no stack: record long enough for the objects you care about.`)
    .action(commandAction(async (command: string[], options: SnapshotOptions) => {
      if (options.pid !== undefined) {
        if (command.length > 0) throw new LeakscopeError('give either --pid or a command after --, not both');
        // Node's timers fire at once beyond 2^31-1 ms: a longer wait would silently be none.
        for (const [flag, seconds] of [['--interval', options.interval], ['--sampling', options.sampling]] as const) {
          if (seconds !== undefined && seconds > MAX_SECONDS) throw new LeakscopeError(`${flag} ${seconds}: at most ${MAX_SECONDS} seconds (about 24 days, the longest timer Node has)`);
        }
        if (options.sampling !== undefined && options.trackAllocations !== undefined) {
          throw new LeakscopeError('give either --sampling (a sampling profile) or --track-allocations (a snapshot with allocation stacks), not both');
        }
        if (options.sampling !== undefined) {
          if (options.count !== 1) throw new LeakscopeError('--sampling records one profile; it does not take --count');
          if (options.out !== undefined) checkOutputPaths([['--out', options.out]], [], 'the name of the profile written');
          return sampleHeapOfPid(options.pid, options.sampling, options);
        }
        if (options.out !== undefined) checkOutputPaths(snapshotFiles(options.out, options.count).map((file) => ['--out', file]), [], 'the names of the snapshots written');
        return snapshotPid(options.pid, options, trackingSeconds(options.trackAllocations));
      }
      if (command.length === 0) throw new LeakscopeError('nothing to snapshot: give --pid PID, or a command after -- (leakscope snapshot -- node app.js)');
      if (typeof options.trackAllocations === 'string') {
        throw new LeakscopeError(`--track-allocations ${JSON.stringify(options.trackAllocations)}: with a command it takes no SECONDS, the program tracks allocations from its start (leakscope snapshot --track-allocations -- node app.js)`);
      }
      return runWithSignal(command, options);
    }));
}

/** --track-allocations with --pid: how long to record before the first snapshot (undefined: not tracking). */
function trackingSeconds(value: string | true | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (value === true) {
    throw new LeakscopeError('--track-allocations needs SECONDS with --pid: how long to record allocation stacks before the snapshot (e.g. --track-allocations 30)');
  }
  return parseSeconds(value, '--track-allocations');
}

async function snapshotPid(pid: number, options: SnapshotOptions, trackSeconds: number | undefined): Promise<number> {
  const result = await takeRemoteSnapshot({
    ...sessionOptions(pid, options),
    file: options.out,
    collectGarbage: options.gc,
    count: options.count,
    intervalMs: options.interval * 1000,
    trackAllocationsMs: trackSeconds === undefined ? undefined : trackSeconds * 1000,
  });
  const closed = describeClose(result);
  const bytes = result.snapshots.reduce((n, s) => n + s.bytes, 0);
  const ms = result.snapshots.reduce((n, s) => n + s.durationMs, 0);
  process.stderr.write(`leakscope: ${result.snapshots.length === 1 ? 'snapshot' : `${result.snapshots.length} snapshots`}, ${formatBytes(bytes)} in ${formatDuration(ms)}; ${closed}\n`);
  for (const snapshot of result.snapshots) writeOut(snapshot.file);
  return 0;
}

async function sampleHeapOfPid(pid: number, seconds: number, options: SnapshotOptions): Promise<number> {
  const result = await recordRemoteSamplingProfile({ ...sessionOptions(pid, options), file: options.out, durationMs: seconds * 1000 });
  const { profile } = result;
  process.stderr.write(`leakscope: sampling heap profile, ${profile.sampleCount.toLocaleString('en-US')} live samples, ${formatBytes(profile.bytes)}; ${describeClose(result)}\n`);
  writeOut(profile.file);
  return 0;
}

function sessionOptions(pid: number, options: SnapshotOptions): RemoteSessionOptions {
  return {
    pid,
    port: options.port,
    force: options.force,
    timeoutMs: options.timeout * 1000,
    onStatus: (message) => process.stderr.write(`leakscope: ${sanitizeForTerminal(message, 300)}\n`),
  };
}

function describeClose(end: RemoteSessionEnd): string {
  if (end.wasAlreadyOpen) return 'inspector left open as it was';
  return end.isClosedAfterwards ? 'inspector closed again' : end.closeNote ?? 'inspector may still be open';
}

/**
 * Starts the program with --heapsnapshot-signal through NODE_OPTIONS, so it works for `node app.js`
 * and for launchers (`npm start`, `npx tsx app.ts`) alike: every Node process in the tree gets the
 * flag and the pid printed is the one started here. Signals to leakscope are forwarded to it, and
 * leakscope exits with its exit code.
 */
async function runWithSignal(command: string[], options: SnapshotOptions): Promise<number> {
  const signal = options.signal.toUpperCase().startsWith('SIG') ? options.signal.toUpperCase() : `SIG${options.signal.toUpperCase()}`;
  if (!(signal in osConstants.signals) || signal === 'SIGKILL' || signal === 'SIGSTOP') {
    throw new LeakscopeError(`--signal ${options.signal}: not a signal a program can catch`);
  }
  const dir = path.resolve(options.outDir ?? '.');
  fs.mkdirSync(dir, { recursive: true });
  const nodeOptions = [
    process.env.NODE_OPTIONS ?? '',
    `--heapsnapshot-signal=${signal}`,
    `--diagnostic-dir=${quoteNodeOption(dir)}`,
    // V8's flag, which NODE_OPTIONS accepts: the allocation tracker runs from start-up, and every snapshot carries its stacks.
    ...(options.trackAllocations === true ? ['--track-heap-objects'] : []),
  ].join(' ').trim();
  const child = spawn(command[0], command.slice(1), { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: nodeOptions } });
  const started = await new Promise<boolean>((resolve) => {
    child.once('spawn', () => resolve(true));
    child.once('error', () => resolve(false));
  });
  if (!started || child.pid === undefined) {
    throw new LeakscopeError(`cannot start ${sanitizeForTerminal(command[0], 200)}: not found or not executable`);
  }
  trackChild(child, 'forward');
  const short = signal.replace(/^SIG/, '');
  process.stderr.write(
    `leakscope: started pid ${child.pid}: ${sanitizeForTerminal(command.join(' '), 200)}\n`
    + `leakscope: take a snapshot with:  kill -${short} ${child.pid}\n`
    + `leakscope: snapshots are written to ${sanitizeForTerminal(dir, 200)} (Heap.<date>.<time>.<pid>.<thread>.<seq>.heapsnapshot)\n`
    + (options.trackAllocations === true ? 'leakscope: allocations are tracked from start-up (--track-heap-objects): each snapshot says where its objects were allocated\n' : ''),
  );
  const watcher = watchForSnapshots(dir);
  const code = await new Promise<number>((resolve) => {
    child.once('exit', (exitCode, exitSignal) => {
      resolve(exitCode ?? 128 + (exitSignal ? osConstants.signals[exitSignal] ?? 0 : 0));
    });
  });
  watcher?.close();
  return code;
}

/** Tells the user when a snapshot file appears (it is named when V8 starts writing it; the program pauses until it is done). */
function watchForSnapshots(dir: string): fs.FSWatcher | undefined {
  const seen = new Set(fs.readdirSync(dir));
  try {
    const watcher = fs.watch(dir, (_event, name) => {
      if (!name || seen.has(name) || !name.endsWith('.heapsnapshot')) return;
      seen.add(name);
      process.stderr.write(`leakscope: snapshot ${sanitizeForTerminal(path.join(dir, name), 300)}\n`);
    });
    watcher.unref();
    return watcher;
  } catch {
    return undefined; // no watcher on this file system: the hint above still says where files go
  }
}
