// One reading of a process's memory, from outside (/proc, the cgroup, and the inspector when a
// session is open) or from inside (process.memoryUsage, v8.getHeapStatistics). A figure the source
// cannot give is null, never a guess: a trigger on it then never fires, and the event says null.

import fs from 'node:fs';
import v8 from 'node:v8';
import { execFileSync } from 'node:child_process';
import { readContainerMemory } from './cgroup.ts';
import { builtinInTarget } from '../capture/inspector.ts';

export interface MemorySample {
  /** ms since the epoch. */
  time: number;
  rss: number | null;
  heapUsed: number | null;
  heapLimit: number | null;
  /** The container's working set (cgroup use minus inactive file cache). */
  containerUsage: number | null;
  containerLimit: number | null;
}

/** The figures only V8 knows. */
export interface HeapFigures {
  heapUsed: number;
  heapLimit: number;
}

/** Resident set size of `pid`: /proc/PID/status on Linux, ps elsewhere; undefined when it has gone. */
export function readRss(pid: number): number | undefined {
  try {
    const match = /^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    if (match) return Number(match[1]) * 1024;
  } catch {
    // no /proc (macOS, BSD), or the process has exited
  }
  if (process.platform === 'win32') return undefined;
  try {
    const kb = Number(execFileSync('ps', ['-o', 'rss=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
    return kb > 0 ? kb * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A sample of process `pid` read from outside; `heap` when an inspector session supplies it. */
export function sampleProcess(pid: number, heap?: HeapFigures, env: NodeJS.ProcessEnv = process.env): MemorySample {
  const container = readContainerMemory(pid, env);
  return {
    time: Date.now(),
    rss: readRss(pid) ?? null,
    heapUsed: heap?.heapUsed ?? null,
    heapLimit: heap?.heapLimit ?? null,
    containerUsage: container?.workingSet ?? null,
    containerLimit: container?.limit ?? null,
  };
}

/** A sample of the current process, from inside (the preload). */
export function sampleOwnProcess(env: NodeJS.ProcessEnv = process.env): MemorySample {
  const heap = v8.getHeapStatistics();
  const container = readContainerMemory(process.pid, env);
  return {
    time: Date.now(),
    rss: process.memoryUsage.rss(),
    heapUsed: heap.used_heap_size,
    heapLimit: heap.heap_size_limit,
    containerUsage: container?.workingSet ?? null,
    containerLimit: container?.limit ?? null,
  };
}

/** Memory the machine can still give without swapping (/proc/meminfo MemAvailable); undefined elsewhere. */
export function readAvailableMemory(): number | undefined {
  try {
    const match = /^MemAvailable:\s+(\d+) kB$/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** The expression a remote session evaluates for HeapFigures. */
export const HEAP_FIGURES_EXPRESSION = `(() => {
  const v8 = ${builtinInTarget('v8')};
  const s = v8.getHeapStatistics();
  return { heapUsed: s.used_heap_size, heapLimit: s.heap_size_limit };
})()`;
