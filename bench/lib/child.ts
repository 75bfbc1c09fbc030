// Runs one measurement in a fresh Node process and collects what the child reports about itself
// (bench/tasks/child-result.mjs): its wall time for the task and its peak RSS. A fresh process per
// measurement means no tool profits from another's warm JIT or heap, and peak RSS is the task's own.

import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hugePagesEnvironment } from '../../src/cli/huge-pages.ts';

export type ToolName = 'leakscope' | 'devtools' | 'memlab';

export interface ChildResult {
  ok: boolean;
  ms?: number;
  peakRssBytes?: number;
  phases?: Record<string, number>;
  facts?: Record<string, unknown>;
  /** Set when the task could not run yet (a module it measures has not landed). */
  skipped?: string;
  /** Set when the task failed: the child's own error, an out-of-memory crash, a timeout. */
  error?: string;
}

export interface ChildOptions {
  timeoutMs: number;
  /** --max-old-space-size for the peers, in MB (leakscope always runs with Node's defaults). */
  peerHeapMb: number;
}

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function commandFor(tool: ToolName, peerHeapMb: number): string[] {
  switch (tool) {
    case 'leakscope':
      return [path.join(ROOT, 'bench/tasks/leakscope-task.mjs')];
    case 'devtools':
      return [`--max-old-space-size=${peerHeapMb}`, path.join(ROOT, 'bench/tasks/devtools-task.mjs')];
    case 'memlab':
      return [`--max-old-space-size=${peerHeapMb}`, path.join(ROOT, 'bench/tasks/memlab-task.mjs')];
  }
}

/** Keeps the last `limit` characters of a stream: enough for an error message, bounded for chatty peers. */
function tail(limit: number) {
  let text = '';
  return {
    push(chunk: Buffer) { text = (text + chunk.toString('utf8')).slice(-limit); },
    get text() { return text; },
  };
}

export async function runChild(tool: ToolName, task: string, args: string[], options: ChildOptions): Promise<ChildResult> {
  const resultFile = path.join(os.tmpdir(), `leakscope-bench-${process.pid}-${Date.now()}.json`);
  const argv = [...commandFor(tool, options.peerHeapMb), '--task', task, '--result', resultFile, ...args];
  const stderr = tail(4000);
  // memlab reports some errors on stdout (and then exits): keep a tail of it as well.
  const stdout = tail(4000);
  const outcome = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }>((resolve) => {
    // The whole CLI command runs in the environment bin/leakscope.js would give it (huge pages for big files).
    const env = { ...process.env, NO_COLOR: '1' };
    const cliEnv = tool === 'leakscope' && task === 'cli' ? hugePagesEnvironment(args, env) : null;
    const child = spawn(process.execPath, argv, {
      cwd: ROOT,
      env: cliEnv ?? env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let timedOut = false;
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, options.timeoutMs);
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, timedOut }); });
  });
  try {
    if (fs.existsSync(resultFile)) return JSON.parse(fs.readFileSync(resultFile, 'utf8')) as ChildResult;
  } finally {
    fs.rmSync(resultFile, { force: true });
  }
  return { ok: false, error: describeCrash(outcome, stderr.text || stdout.text, options.timeoutMs) };
}

function describeCrash(outcome: { code: number | null; signal: NodeJS.Signals | null; timedOut: boolean }, stderr: string, timeoutMs: number): string {
  if (outcome.timedOut) return `timed out after ${Math.round(timeoutMs / 1000)} s`;
  if (/heap out of memory|Allocation failed|Invalid array length|ERR_STRING_TOO_LONG|Cannot create a string longer/i.test(stderr)) {
    const line = stderr.split('\n').find((l) => /out of memory|Allocation failed|Invalid array length|ERR_STRING_TOO_LONG|string longer/i.test(l));
    return `out of memory (${(line ?? '').trim().slice(0, 160)})`;
  }
  if (outcome.signal === 'SIGKILL') return 'killed (SIGKILL: probably the kernel OOM killer)';
  // Strip terminal escapes (memlab's console) before quoting the tool's last words.
  const lines = stderr.replace(/\u001b\[[0-9;]*[A-Za-z]/g, '').split(/[\r\n]+/).map((l) => l.trim()).filter(Boolean);
  const last = lines.find((l) => /error/i.test(l)) ?? lines.pop() ?? '';
  // Node exits with 13 when the top-level await never settles: the tool stopped without an answer.
  const code = outcome.code === 13 ? '13 (the tool stopped without finishing: unsettled top-level await)' : String(outcome.code ?? outcome.signal);
  return `exited with ${code}${last ? `: ${last.slice(0, 200)}` : ''}`;
}
