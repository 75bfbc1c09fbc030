// Child processes leakscope starts (scenario runners, programs under `snapshot --`), tracked by pid so
// that none outlives leakscope: on normal exit, on an error that unwinds to main, on Ctrl-C (SIGINT),
// on SIGTERM and on SIGHUP.
//
// Signal handlers are installed only while at least one child or clean-up is registered, so a library user (a vitest
// worker, a script) keeps Node's default signal behaviour the rest of the time. After killing or
// forwarding, a signal handler re-raises the signal on leakscope itself (with the handler removed),
// so the exit status still says "terminated by SIGINT" to the shell.

import type { ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * What happens to a child when leakscope receives a signal: `kill` it (our own helper processes), or
 * `forward` the signal and let it exit on its own terms (a user's program run under `snapshot --`).
 */
export type OnParentSignal = 'kill' | 'forward';

interface TrackedChild {
  child: ChildProcess;
  onParentSignal: OnParentSignal;
}

const tracked = new Map<number, TrackedChild>();
/** Synchronous clean-ups (temporary folders) run on exit and before a signal is re-raised. */
const cleanups = new Set<() => void>();
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
let isInstalled = false;

/** Starts tracking `child`; it is forgotten when it exits. */
export function trackChild(child: ChildProcess, onParentSignal: OnParentSignal = 'kill'): void {
  const pid = child.pid;
  if (pid === undefined) return; // spawn failed; the 'error' event reports it and nothing runs
  tracked.set(pid, { child, onParentSignal });
  child.once('exit', () => untrack(pid));
  install();
}

/**
 * Runs `cleanup` (synchronous) if leakscope exits or is interrupted before the returned function is
 * called; calling it unregisters the clean-up without running it.
 */
export function registerCleanup(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  install();
  return () => {
    cleanups.delete(cleanup);
    if (tracked.size === 0 && cleanups.size === 0) uninstall();
  };
}

function runCleanups(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch {
      // best effort: leakscope is going away
    }
  }
  cleanups.clear();
}

/** Pids still running that leakscope started (tests use this to check nothing leaks). */
export function trackedPids(): number[] {
  return [...tracked.keys()];
}

/** Kills every tracked child now (SIGKILL unless told otherwise); safe to call from an 'exit' handler. */
export function killAllChildren(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const [pid, entry] of tracked) killQuietly(pid, entry.child, signal);
}

/** Kills one child and waits for it to be gone; resolves at once if it already exited. */
export async function killChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killQuietly(child.pid, child, signal);
  await exited;
}

function killQuietly(pid: number, child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: it exited between the check and the kill.
  }
}

function untrack(pid: number): void {
  tracked.delete(pid);
  if (tracked.size === 0 && cleanups.size === 0) uninstall();
}

function onExit(): void {
  killAllChildren('SIGKILL');
  runCleanups();
}

function onSignal(signal: NodeJS.Signals): void {
  let forwarded = 0;
  for (const [pid, entry] of tracked) {
    if (entry.onParentSignal === 'forward') {
      killQuietly(pid, entry.child, signal);
      forwarded++;
    } else {
      killQuietly(pid, entry.child, 'SIGKILL');
    }
  }
  // A forwarded child decides when to exit; leakscope waits for it (its 'exit' ends the command).
  if (forwarded > 0) return;
  runCleanups();
  uninstall();
  // Another listener (remote.ts closing a target's inspector) has work to finish and ends the process itself.
  if (process.listenerCount(signal) > 0) return;
  process.kill(process.pid, signal);
}

function install(): void {
  if (isInstalled) return;
  isInstalled = true;
  process.on('exit', onExit);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function uninstall(): void {
  if (!isInstalled) return;
  isInstalled = false;
  process.off('exit', onExit);
  for (const signal of SIGNALS) process.off(signal, onSignal);
}

/** tsx's loader, resolved from leakscope's own dependencies (the user's project need not have tsx). */
export function tsxLoaderUrl(): string {
  return pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
}
