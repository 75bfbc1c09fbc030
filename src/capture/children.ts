// Child processes leakscope starts (scenario runners, programs under `snapshot --`), tracked by pid so
// that none outlives leakscope: on normal exit, on an error that unwinds to main, on Ctrl-C (SIGINT),
// on SIGTERM and on SIGHUP.
//
// A child started with spawnTree() leads a process tree, killed whole: it gets its own process group
// (detached: true, so setsid) and a marker variable in its environment, which every descendant
// inherits. Killing the tree kills the group, then — on Linux, from /proc — every descendant by
// parent pid and every process whose environment carries the marker: that reaches the grandchildren
// that left the group (`spawn(…, { detached: true })`, a daemonising shell) and those orphaned when
// their parent exited. A process that clears its environment and leaves the group is out of reach;
// elsewhere than Linux only the group is killed.
//
// Signal handlers are installed only while at least one child or clean-up is registered, so a library user (a vitest
// worker, a script) keeps Node's default signal behaviour the rest of the time. After killing or
// forwarding, a signal handler re-raises the signal on leakscope itself (with the handler removed),
// so the exit status still says "terminated by SIGINT" to the shell.

import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { processStatFields } from './target-process.ts';

/**
 * What happens to a child when leakscope receives a signal: `kill` it (our own helper processes), or
 * `forward` the signal and let it exit on its own terms (a user's program run under `snapshot --`).
 */
export type OnParentSignal = 'kill' | 'forward';

interface TrackedChild {
  child: ChildProcess;
  onParentSignal: OnParentSignal;
  /** The marker of the tree it leads (spawnTree); such an entry stays until killChild. */
  treeMarker?: string;
}

/** The variable that marks every process of a tree spawnTree started. */
const TREE_VARIABLE = 'LEAKSCOPE_PROCESS_TREE';

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
 * Spawns a tracked child that leads a process tree: killChild(), leakscope's exit and a signal to
 * leakscope kill all of it, grandchildren included. It is not in leakscope's process group, so a
 * Ctrl-C in the terminal reaches only leakscope, which kills the tree. It stays tracked after it
 * exits (its descendants may live on) until killChild() is called — call it on every path.
 */
export function spawnTree(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const marker = `${process.pid}-${randomUUID()}`;
  const child = spawn(command, args, {
    ...options,
    detached: process.platform !== 'win32', // on Windows detached means a new console window
    env: { ...(options.env ?? process.env), [TREE_VARIABLE]: marker },
  });
  if (child.pid !== undefined) {
    tracked.set(child.pid, { child, onParentSignal: 'kill', treeMarker: marker });
    install();
  }
  return child;
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

/** Kills every tracked child (and tree) now (SIGKILL unless told otherwise); safe to call from an 'exit' handler. */
export function killAllChildren(signal: NodeJS.Signals = 'SIGKILL'): void {
  for (const [pid, entry] of tracked) killEntry(pid, entry, signal);
}

/**
 * Kills one child — and its whole tree if spawnTree started it, even when the child itself has
 * exited — and waits for the child to be gone.
 */
export async function killChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.pid === undefined) return;
  const entry = tracked.get(child.pid);
  if (entry?.treeMarker !== undefined && entry.child === child) {
    killTree(child, entry.treeMarker, signal);
    untrack(child.pid);
  }
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killQuietly(child.pid, child, signal);
  await exited;
}

function killEntry(pid: number, entry: TrackedChild, signal: NodeJS.Signals): void {
  if (entry.treeMarker !== undefined) killTree(entry.child, entry.treeMarker, signal);
  else killQuietly(pid, entry.child, signal);
}

function killQuietly(pid: number, child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(pid, signal);
  } catch {
    // ESRCH: it exited between the check and the kill.
  }
}

/**
 * Kills the tree `leader` leads (synchronous: it runs in 'exit' handlers). Its members are found
 * first, while parent links still hold, then killed; repeated while it finds new ones, for a process
 * that forked meanwhile. Once the leader has exited and been reaped its pid may be reused, so only
 * the marker is trusted then: no group kill, no walk from the leader's pid.
 */
function killTree(leader: ChildProcess, marker: string, signal: NodeJS.Signals): void {
  const pid = leader.pid!;
  for (let round = 0; round < 3; round++) {
    const isLeaderUnreaped = leader.exitCode === null && leader.signalCode === null;
    const members = findTreeMembers(isLeaderUnreaped ? pid : undefined, marker);
    if (isLeaderUnreaped && process.platform !== 'win32') {
      try {
        process.kill(-pid, signal);
      } catch {
        // ESRCH: the group is empty
      }
    }
    for (const member of members) {
      try {
        process.kill(member, signal);
      } catch {
        // exited meanwhile
      }
    }
    if (members.length === 0) return;
  }
}

/**
 * The live (not zombie) processes that carry `marker` in their environment, and their descendants
 * and those of `leader`, from /proc; [] elsewhere.
 */
function findTreeMembers(leader: number | undefined, marker: string): number[] {
  let entries: string[];
  try {
    entries = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return [];
  }
  const needle = `${TREE_VARIABLE}=${marker}\0`;
  const childrenOf = new Map<number, number[]>();
  const members = new Set<number>();
  for (const name of entries) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    const fields = processStatFields(pid);
    if (fields === undefined) continue; // exited since readdir
    const [state, ppid] = fields;
    if (state === 'Z' || state === 'X') continue;
    const siblings = childrenOf.get(Number(ppid));
    if (siblings) siblings.push(pid);
    else childrenOf.set(Number(ppid), [pid]);
    try {
      if (fs.readFileSync(`/proc/${pid}/environ`, 'latin1').includes(needle)) members.add(pid);
    } catch {
      // another user's process: not ours to kill anyway
    }
  }
  const queue = leader === undefined ? [...members] : [leader, ...members];
  while (queue.length > 0) {
    for (const child of childrenOf.get(queue.pop()!) ?? []) {
      if (members.has(child) || child === process.pid) continue;
      members.add(child);
      queue.push(child);
    }
  }
  return [...members];
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
      killEntry(pid, entry, 'SIGKILL');
    }
  }
  // A forwarded child decides when to exit; leakscope waits for it (its 'exit' ends the command).
  if (forwarded > 0) return;
  runCleanups();
  uninstall();
  // Another listener (remote-session.ts closing a target's inspector) has work to finish and ends the process itself.
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

/**
 * Removes `dir` once leakscope has ended, however it ends: also killed by a signal with the default
 * disposition (Ctrl-C during synchronous work, where no JS handler can run), by SIGKILL, or crashed.
 * A detached `sh` waits for end-of-file on a pipe whose writing end only this process holds, then
 * removes the folder. Returns the function that lets it go early, once the caller has removed `dir`
 * itself. Only for folders leakscope created (mkdtemp). POSIX only; elsewhere it does nothing.
 */
export function removeWhenGone(dir: string): () => void {
  if (process.platform === 'win32') return () => undefined;
  let child: ChildProcess;
  try {
    child = spawn('/bin/sh', ['-c', 'cat >/dev/null; rm -rf -- "$1"', 'leakscope-cleanup', dir], {
      // Its own session: the Ctrl-C that ends leakscope must not end it first.
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
  } catch {
    return () => undefined;
  }
  child.on('error', () => undefined);
  child.stdin?.on('error', () => undefined);
  // Neither the process nor the pipe keeps leakscope running.
  child.unref();
  (child.stdin as { unref?: () => void } | null)?.unref?.();
  return () => child.stdin?.end();
}

