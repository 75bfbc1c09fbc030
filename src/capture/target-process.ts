// The process `snapshot --pid` and `watch --pid` act on: is it there, is it ours, is it Node, is it
// still the same process later (pids are reused), and the one irreversible act — asking it to open
// its inspector, as `node inspect -p` does.

import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { LeakscopeError } from '../errors.ts';

/** Throws unless `pid` is a live process of ours that looks like Node (or `force`). */
export function checkProcess(pid: number, force: boolean): void {
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new LeakscopeError(`--pid ${pid}: expected a process id`);
  if (pid === process.pid) throw new LeakscopeError('--pid is leakscope itself; use the library\'s takeSnapshot() for the current process');
  try {
    process.kill(pid, 0);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new LeakscopeError(`no process with pid ${pid}`);
    if (code === 'EPERM') throw new LeakscopeError(`process ${pid} belongs to another user; run leakscope as that user`);
    throw new LeakscopeError(`cannot signal process ${pid}: ${code ?? String(error)}`);
  }
  if (isZombie(pid)) throw new LeakscopeError(`process ${pid} has exited`);
  const executable = executableOf(pid);
  if (executable !== undefined && !isNodeExecutable(executable) && !force) {
    throw new LeakscopeError(
      `process ${pid} (${executable}) does not look like Node.js; refusing to send it SIGUSR1, which terminates most programs`
      + ' (pass --force if it is a Node-based binary)',
    );
  }
}

/** Node itself, or a versioned/renamed build of it (node20, nodejs, node.exe). */
function isNodeExecutable(executable: string): boolean {
  return /^node(js)?[-_.\d]*(\.exe)?$/i.test(path.basename(executable));
}

/** The target's executable: /proc on Linux (the real binary, unaffected by process.title), else ps. */
function executableOf(pid: number): string | undefined {
  try {
    return fs.readlinkSync(`/proc/${pid}/exe`).replace(/ \(deleted\)$/, '');
  } catch {
    // No /proc (macOS, BSD), or not readable: ask ps.
  }
  if (process.platform === 'win32') return undefined;
  try {
    const out = execFileSync('ps', ['-o', 'comm=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return out || undefined;
  } catch {
    return undefined;
  }
}

/**
 * The fields of /proc/PID/stat after `pid (comm)`, so field 3 (the state) comes first; undefined
 * without /proc or once the process is gone. comm may hold spaces and parentheses: read after the last ')'.
 */
export function processStatFields(pid: number): string[] | undefined {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** Field 22 of /proc/PID/stat (start time in clock ticks); undefined without /proc. */
export function startTimeOf(pid: number): string | undefined {
  return processStatFields(pid)?.[19];
}

/** SIGUSR1's bit in the SigCgt mask of /proc/PID/status (signal 10 on Linux: bit 9). */
const SIGUSR1_CAUGHT = 1n << 9n;
const HANDLER_POLL_MS = 10;

/**
 * Waits until `pid` catches SIGUSR1. Node installs that handler a few milliseconds into its start-up;
 * a signal sent earlier (a program `watch --` has just started and alarms on at once) takes the default
 * action and terminates it. On Linux the caught-signal mask says when it is safe; a process that never
 * installs the handler (not Node, or started with --disable-sigusr1) is refused rather than killed.
 * Without /proc there is nothing to read and it returns at once.
 */
export async function waitUntilSigusr1Caught(pid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const caught = caughtSignalsOf(pid);
    if (!isAlive(pid)) throw new LeakscopeError(`process ${pid} exited before its inspector could be activated`);
    if (caught === undefined || (caught & SIGUSR1_CAUGHT) !== 0n) return;
    if (Date.now() >= deadline) {
      throw new LeakscopeError(
        `process ${pid} does not handle SIGUSR1 (not Node.js, or started with --disable-sigusr1); refusing to send it, as it would terminate the process`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, HANDLER_POLL_MS));
  }
}

/** The SigCgt mask of /proc/PID/status; undefined without /proc or when it cannot be read. */
function caughtSignalsOf(pid: number): bigint | undefined {
  try {
    const match = /^SigCgt:\s*([0-9a-f]+)$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match === null ? undefined : BigInt(`0x${match[1]}`);
  } catch {
    return undefined;
  }
}

/** process._debugProcess: SIGUSR1 on POSIX, a remote thread on Windows. Cannot be taken back. */
export function activateInspector(pid: number): void {
  const debugProcess = (process as unknown as { _debugProcess?: (pid: number) => void })._debugProcess;
  try {
    if (typeof debugProcess === 'function') debugProcess(pid);
    else process.kill(pid, 'SIGUSR1');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ESRCH') throw new LeakscopeError(`process ${pid} exited before its inspector could be activated`);
    if (code === 'EPERM') throw new LeakscopeError(`process ${pid} belongs to another user; run leakscope as that user`);
    throw new LeakscopeError(`cannot activate the inspector of process ${pid}: ${(error as Error).message}`);
  }
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  return !isZombie(pid);
}

/**
 * A process that has exited but that its parent has not reaped yet: signals still reach its pid and
 * its SigCgt still shows its handlers, but it will never answer. From /proc/PID/stat; false without it.
 */
function isZombie(pid: number): boolean {
  return processStatFields(pid)?.[0] === 'Z';
}
