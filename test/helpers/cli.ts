// Two ways to run `leakscope` as a user would, without colour, capturing everything:
// - runCli spawns the real binary (bin/leakscope.js): for what only a process shows (exit by signal,
//   TTY and NO_COLOR, a closed stdout, startup, children left behind) and once per command, so the
//   binary's path stays covered;
// - runCliInProcess calls the same compiled main() (dist/cli/main.js, which bin runs) in this
//   process: for the many read-only commands on fixtures. A spawn costs a Node start, the CLI's
//   load and a cold JIT each time (top on basic: 0.9 s of CPU spawned, 0.16 s in process).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { commandNameOf } from '../../src/cli/command-name.ts';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BIN = path.join(PROJECT_ROOT, 'bin/leakscope.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

/** The environment both runners give the CLI: NO_COLOR, and no FORCE_COLOR (set by vitest, it would beat NO_COLOR). */
function cliEnv(options: CliOptions): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', ...options.env };
  if (!options.env?.FORCE_COLOR) delete env.FORCE_COLOR;
  return env;
}

export function runCli(args: string[], options: CliOptions = {}): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? PROJECT_ROOT,
    env: cliEnv(options),
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface AsyncCliResult extends CliResult {
  signal: NodeJS.Signals | null;
}

/**
 * The real binary, asynchronously, for tests that act while it runs (on a target process, or on
 * leakscope itself: `onStderr` sees the stderr so far and the child, to interrupt it at a message).
 * The caller kills `started` children it keeps a list of; this only spawns and collects.
 */
export function runCliAsync(args: string[], onStderr?: (text: string, cli: ChildProcess) => void, options: CliOptions = {}): Promise<AsyncCliResult> {
  const cli = spawn(process.execPath, [BIN, ...args], { cwd: options.cwd ?? PROJECT_ROOT, env: cliEnv(options) });
  let stdout = '';
  let stderr = '';
  cli.stdout.on('data', (d) => { stdout += d; });
  cli.stderr.on('data', (d) => { stderr += d; onStderr?.(stderr, cli); });
  return new Promise((resolve) => cli.once('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
}

interface CompiledCli {
  main(argv: string[]): Promise<number>;
  startGrowthWorkerEarly(): void;
}

let compiledCli: Promise<CompiledCli> | undefined;

/**
 * dist/ as Node loads it for bin/leakscope.js (vitest.config.ts leaves dist/ to Node, untransformed),
 * once per test file.
 */
function loadCompiledCli(): Promise<CompiledCli> {
  const load = (file: string): Promise<Record<string, unknown>> => import(pathToFileURL(path.join(PROJECT_ROOT, file)).href);
  compiledCli ??= Promise.all([load('dist/cli/main.js'), load('dist/workers/growth-worker-start.js')])
    .then(([cli, worker]) => ({ main: cli.main, startGrowthWorkerEarly: worker.startGrowthWorkerEarly }) as CompiledCli);
  return compiledCli;
}

type Write = typeof process.stdout.write;

/** A stream's write that appends to `sink` instead; callbacks run as a real write's would, later. */
function captureWrite(sink: string[]): Write {
  return ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    sink.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined;
    if (callback) process.nextTick(callback);
    return true;
  }) as Write;
}

/**
 * Runs the CLI's main() here, as bin/leakscope.js would in a process of its own with the same
 * arguments, environment and working folder, stdout and stderr being pipes. Everything it touches
 * is put back afterwards: the environment, the working folder, the streams' write and isTTY, and the
 * listeners main() adds to stdout. Not for commands that start programs or catch signals.
 */
export async function runCliInProcess(args: string[], options: CliOptions = {}): Promise<CliResult> {
  const cli = await loadCompiledCli();
  const savedEnv = process.env;
  const savedCwd = process.cwd();
  const streams = [process.stdout, process.stderr];
  const savedWrites = streams.map((stream) => stream.write);
  const savedTty = streams.map((stream) => Object.getOwnPropertyDescriptor(stream, 'isTTY'));
  const savedListeners = process.stdout.listeners('error');
  const stdout: string[] = [];
  const stderr: string[] = [];
  process.env = Object.fromEntries(Object.entries(cliEnv(options)).filter(([, value]) => value !== undefined)) as NodeJS.ProcessEnv;
  process.chdir(options.cwd ?? PROJECT_ROOT);
  process.stdout.write = captureWrite(stdout);
  process.stderr.write = captureWrite(stderr);
  for (const stream of streams) Object.defineProperty(stream, 'isTTY', { value: false, configurable: true, writable: true });
  try {
    // As bin/leakscope.js does before loading the CLI.
    if (commandNameOf(args) === 'growth') cli.startGrowthWorkerEarly();
    const status = await cli.main(args);
    return { status, stdout: stdout.join(''), stderr: stderr.join('') };
  } finally {
    process.env = savedEnv;
    process.chdir(savedCwd);
    streams.forEach((stream, i) => {
      stream.write = savedWrites[i];
      if (savedTty[i]) Object.defineProperty(stream, 'isTTY', savedTty[i]);
      else delete (stream as { isTTY?: boolean }).isTTY;
    });
    for (const listener of process.stdout.listeners('error')) {
      if (!savedListeners.includes(listener)) process.stdout.off('error', listener as () => void);
    }
  }
}
