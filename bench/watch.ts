// npm run bench:watch — what watching costs the watched process, and a sampling heap profile
// against a snapshot of the same process (issue 17).
//
// 1. One program (a steady workload: 2,000 objects made every 10 ms, the last 50,000 kept, and a
//    live heap of 400,000 more) runs
//    for WATCH_SECONDS four times: unwatched; under `leakscope watch --pid` (RSS and cgroup from
//    /proc, no inspector); under `watch --pid --heap-above` (one inspector session, the heap read
//    every second); and with the preload (`--import leakscope/watch`, sampling from inside). For
//    each: the program's CPU time (utime + stime from /proc/PID/stat) and its RSS at the end.
// 2. The same program, once: `snapshot --pid` against `snapshot --pid --sampling 5` — bytes written
//    and wall time of each (the profile's time is the sampling plus the write).
// Prints a Markdown table; Linux only (/proc).

import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatBytes, formatDuration } from '../src/report/format.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const BIN = path.join(ROOT, 'bin/leakscope.js');
const WATCH_SECONDS = Number(process.env.WATCH_SECONDS ?? 20);
const TICKS_PER_SECOND = 100; // USER_HZ on Linux
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-bench-watch-'));

// The live heap hangs off globalThis (a module's locals die when its code has run); a ring of
// recent entries keeps some of each tick's allocations alive, for the sampling profile to see.
const PROGRAM = `
  class Entry { constructor(i) { this.i = i; this.name = 'entry-' + i; this.tags = [i, i + 1]; } }
  globalThis.live = Array.from({ length: 400_000 }, (_, i) => new Entry(i));
  const recent = new Array(50_000);
  let next = 0;
  setInterval(() => { for (let i = 0; i < 2000; i++) recent[next++ % recent.length] = new Entry(i); }, 10);
  console.log('ready');
`;
const programFile = path.join(work, 'steady.cjs');
fs.writeFileSync(programFile, PROGRAM);

function cpuTicks(pid: number): number {
  const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
  return Number(fields[11]) + Number(fields[12]); // utime, stime (fields 14 and 15)
}

function rss(pid: number): number {
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024;
}

async function startProgram(nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [...nodeArgs, programFile], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, ...env } });
  await new Promise((resolve) => child.stdout!.once('data', resolve));
  return child;
}

function leakscope(args: string[]): { child: ChildProcess; done: Promise<number> } {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'ignore'] });
  return { child, done: new Promise((resolve) => child.once('exit', (code) => resolve(code ?? -1))) };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface CostRow { setup: string; cpuMs: number; rss: number }

async function measureCost(setup: string, watchArgs: ((pid: number) => string[]) | undefined, nodeArgs: string[] = [], env: Record<string, string> = {}): Promise<CostRow> {
  const program = await startProgram(nodeArgs, env);
  const pid = program.pid!;
  await sleep(1000); // settle after start-up
  const watcher = watchArgs ? leakscope(['watch', '--pid', String(pid), '--every', '1', '--events', path.join(work, 'events.ndjson'), '--duration', String(WATCH_SECONDS + 2), ...watchArgs(pid)]) : undefined;
  if (watcher) await sleep(2000); // the watcher's own start (and inspector session)
  const before = cpuTicks(pid);
  await sleep(WATCH_SECONDS * 1000);
  const cpuMs = ((cpuTicks(pid) - before) / TICKS_PER_SECOND) * 1000;
  const row = { setup, cpuMs, rss: rss(pid) };
  if (watcher) await watcher.done;
  program.kill();
  return row;
}

async function measureCapture(): Promise<{ kind: string; bytes: number; ms: number }[]> {
  const program = await startProgram();
  const pid = String(program.pid);
  const rows = [];
  for (const [kind, args, file] of [
    ['snapshot', [], 'steady.heapsnapshot'],
    ['sampling profile (5 s)', ['--sampling', '5'], 'steady.heapprofile'],
  ] as const) {
    const out = path.join(work, file);
    const started = performance.now();
    const { done } = leakscope(['snapshot', '--pid', pid, '--out', out, ...args]);
    if (await done !== 0) throw new Error(`leakscope snapshot ${args.join(' ')} failed`);
    rows.push({ kind, bytes: fs.statSync(out).size, ms: performance.now() - started });
  }
  program.kill();
  return rows;
}

const costs = [
  await measureCost('unwatched', undefined),
  await measureCost('watch --pid --rss-above (from /proc)', () => ['--rss-above', '10GB']),
  await measureCost('watch --pid --heap-above (inspector session)', () => ['--heap-above', '99']),
  await measureCost('--import leakscope/watch (in-process)', undefined, ['--import', 'leakscope/watch'], { LEAKSCOPE_WATCH_RSS_ABOVE: '10GB', LEAKSCOPE_WATCH_EVERY: '1' }),
];
const base = costs[0];
console.log(`Watching a steady program (450,000 live objects, 2,000 new ones every 10 ms) for ${WATCH_SECONDS} s, a sample every second (Node ${process.version}, ${os.cpus().length} CPUs, load average ${os.loadavg()[0].toFixed(1)}):\n`);
console.log('| Setup | CPU of the watched process | vs unwatched | RSS at the end | vs unwatched |');
console.log('| --- | ---: | ---: | ---: | ---: |');
for (const row of costs) {
  const cpu = row === base ? '' : `${row.cpuMs >= base.cpuMs ? '+' : ''}${(((row.cpuMs - base.cpuMs) / base.cpuMs) * 100).toFixed(1)}%`;
  const mem = row === base ? '' : `${row.rss >= base.rss ? '+' : '−'}${formatBytes(Math.abs(row.rss - base.rss))}`;
  console.log(`| ${row.setup} | ${formatDuration(row.cpuMs)} | ${cpu} | ${formatBytes(row.rss)} | ${mem} |`);
}
console.log('\nA capture of the same program:\n');
console.log('| Capture | File | Wall time (leakscope start to file) |');
console.log('| --- | ---: | ---: |');
for (const row of await measureCapture()) console.log(`| ${row.kind} | ${formatBytes(row.bytes)} | ${formatDuration(row.ms)} |`);
fs.rmSync(work, { recursive: true, force: true });
