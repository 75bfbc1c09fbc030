import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { BIN, PROJECT_ROOT, runCli } from '../helpers/cli.ts';
import { isAlive } from '../helpers/processes.ts';

// Small counts keep each run to a few seconds; 30 warm-up actions let express's lazy allocations settle.
const QUICK = ['--iterations', '60', '--warmup', '30'];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-run-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function waitUntilGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !isAlive(pid);
}

/**
 * A TMPDIR of the test's own, so that `leakscope run`s elsewhere on the machine (other test files)
 * cannot look like a folder left behind.
 */
function privateTmp(): string {
  return fs.mkdtempSync(path.join(dir, 'tmp-'));
}

function runTempDirs(tmp: string): string[] {
  return fs.readdirSync(tmp).filter((name) => name.startsWith('leakscope-run-'));
}

/** A scenario whose setup starts `sleep 1000` twice, one of them detached (its own session), and prints both pids. */
function sleeperScenario(name: string, action: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, `
    import { spawn } from 'node:child_process';
    export function setup() {
      const attached = spawn('sleep', ['1000'], { stdio: 'ignore' });
      const detached = spawn('sleep', ['1000'], { stdio: 'ignore', detached: true });
      detached.unref();
      console.log('sleepers', attached.pid, detached.pid);
    }
    export function action() { ${action} }
  `);
  return file;
}

function sleepersOf(stderr: string): number[] {
  const match = /sleepers (\d+) (\d+)/.exec(stderr);
  return match ? [Number(match[1]), Number(match[2])] : [];
}

/** Starts the real binary; `onStderr` sees the text so far and may signal it. */
function startCli(args: string[], tmp: string, onStderr: (text: string, cli: ChildProcess) => void): Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const env: Record<string, string | undefined> = { ...process.env, NO_COLOR: '1', TMPDIR: tmp };
  delete env.FORCE_COLOR;
  const cli = spawn(process.execPath, [BIN, ...args], { cwd: PROJECT_ROOT, env });
  let stdout = '';
  let stderr = '';
  cli.stdout.on('data', (d) => { stdout += d; });
  cli.stderr.on('data', (d) => { stderr += d; onStderr(stderr, cli); });
  return new Promise((resolve) => cli.once('close', (status, signal) => resolve({ status, signal, stdout, stderr })));
}

describe('leakscope run', () => {
  it('leakscope run examples/leaky-scenario.mjs exits 1 naming RequestLog, its exact delta and what holds it', () => {
    const tmp = privateTmp();
    const run = runCli(['run', 'examples/leaky-scenario.mjs', ...QUICK], { env: { TMPDIR: tmp } });
    expect(run.status).toBe(1);
    // The summary leads with RequestLog, the class that leaks one object per call.
    expect(run.stdout).toMatch(/^FAIL  \d+ class(es)? grew beyond the allowance: RequestLog \+60\b/m);
    expect(run.stdout).toMatch(/^ {2}RequestLog {2}\+60 objects/m);
    expect(run.stdout).toMatch(/->requestLog → Array \[\d+\] → RequestLog/);
    expect(run.stderr).toMatch(/snapshot 4\/4 after 60 actions/);
    // The temporary snapshot folder is gone.
    expect(runTempDirs(tmp)).toEqual([]);
  });

  it('leakscope run examples/clean-scenario.mjs (express, no leak) exits 0', () => {
    const run = runCli(['run', 'examples/clean-scenario.mjs', ...QUICK]);
    expect(run.stdout).toMatch(/^PASS /m);
    expect(run.status).toBe(0);
  });

  it('leakscope run SCENARIO.ts --out DIR --json --batches 1 keeps two snapshots and prints the growth JSON', () => {
    const scenario = path.join(dir, 'cache.ts');
    fs.writeFileSync(scenario, `
      class CacheEntry { constructor(readonly key: string) {} }
      const cache = new Map<string, CacheEntry>();
      export function action(_: unknown, i: number): void { cache.set('k' + i, new CacheEntry('k' + i)); }
    `);
    const out = path.join(dir, 'snaps');
    const run = runCli(['run', scenario, '--out', out, '--json', '--batches', '1', '--iterations', '25', '--warmup', '5']);
    expect(run.status).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report.snapshots).toHaveLength(2);
    expect(report.violations).toContainEqual(expect.objectContaining({ name: 'CacheEntry', delta: 25 }));
    const snapshots = fs.readdirSync(out).filter((f) => f.endsWith('.heapsnapshot'));
    expect(snapshots).toHaveLength(2);
    // Heaps hold secrets: owner-only, and no temp file left beside them.
    for (const f of snapshots) expect(fs.statSync(path.join(out, f)).mode & 0o777).toBe(0o600);
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('leakscope run SCENARIO --no-fail-on-growth reports the leak but exits 0', () => {
    const run = runCli(['run', 'examples/leaky-scenario.mjs', '--iterations', '20', '--warmup', '5', '--no-fail-on-growth']);
    expect(run.stdout).toMatch(/RequestLog/);
    expect(run.status).toBe(0);
  });

  it('Ctrl-C during leakscope run kills the scenario process and removes the temporary snapshots', async () => {
    const { spawn } = await import('node:child_process');
    const { BIN, PROJECT_ROOT } = await import('../helpers/cli.ts');
    const scenario = path.join(dir, 'slow.mjs');
    fs.writeFileSync(scenario, "export function setup() { console.log('pid', process.pid); }\nexport function action() { return new Promise((r) => setTimeout(r, 100)); }\n");
    const tmp = privateTmp();
    const cli = spawn(process.execPath, [BIN, 'run', scenario, '--iterations', '1000', '--warmup', '1'], { cwd: PROJECT_ROOT, env: { ...process.env, TMPDIR: tmp } });
    let stderr = '';
    const scenarioPid = await new Promise<number>((resolve) => {
      cli.stderr.on('data', (d) => {
        stderr += d;
        const m = /pid (\d+)/.exec(stderr);
        if (m && stderr.includes('snapshot 1/')) resolve(Number(m[1]));
      });
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => cli.once('exit', (_c, signal) => resolve(signal)));
    cli.kill('SIGINT');
    expect(await exited).toBe('SIGINT');
    expect(await waitUntilGone(scenarioPid)).toBe(true);
    expect(runTempDirs(tmp)).toEqual([]);
  });

  it('leakscope run <missing file> exits 2', () => {
    const run = runCli(['run', 'examples/nope.mjs']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/^leakscope: examples\/nope\.mjs: no such scenario file$/m);
  });

  it('leakscope run <scenario that throws> exits 2 naming the phase', () => {
    const scenario = path.join(dir, 'broken.mjs');
    fs.writeFileSync(scenario, "export function setup() { throw new Error('no database'); }\nexport function action() {}\n");
    const run = runCli(['run', scenario]);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/broken\.mjs failed during setup: no database/);
  });
});

describe('leakscope run leaves no process behind', () => {
  const QUICKEST = ['--iterations', '2', '--warmup', '0', '--batches', '1'];

  it('leakscope run <scenario starting sleep, detached and not>: both sleeps are gone after a normal finish', async () => {
    const run = runCli(['run', sleeperScenario('sleepers-done.mjs', ''), ...QUICKEST]);
    expect(run.status).toBe(0);
    const sleepers = sleepersOf(run.stderr);
    expect(sleepers).toHaveLength(2);
    for (const pid of sleepers) expect(await waitUntilGone(pid)).toBe(true);
  });

  it('leakscope run <scenario starting sleep, then hanging> --timeout 5: exits 2 and both sleeps are gone', async () => {
    const run = runCli(['run', sleeperScenario('sleepers-hang.mjs', 'return new Promise(() => {});'), ...QUICKEST, '--timeout', '5']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/did not finish within 5 s/);
    const sleepers = sleepersOf(run.stderr);
    expect(sleepers).toHaveLength(2);
    for (const pid of sleepers) expect(await waitUntilGone(pid)).toBe(true);
  });

  it('leakscope run <scenario starting sleep, then failing>: exits 2 and both sleeps are gone', async () => {
    const run = runCli(['run', sleeperScenario('sleepers-fail.mjs', "throw new Error('broken');"), ...QUICKEST], { timeoutMs: 30_000 });
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/failed during action: broken/);
    const sleepers = sleepersOf(run.stderr);
    expect(sleepers).toHaveLength(2);
    for (const pid of sleepers) expect(await waitUntilGone(pid)).toBe(true);
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal} to leakscope run while the scenario runs: dies of ${signal}, both sleeps and the temporary snapshots are gone`, async () => {
      const tmp = privateTmp();
      const scenario = sleeperScenario(`sleepers-${signal}.mjs`, 'return new Promise((r) => setTimeout(r, 100));');
      let sleepers: number[] = [];
      const run = await startCli(['run', scenario, '--iterations', '1000', '--warmup', '1'], tmp, (text, cli) => {
        if (sleepers.length === 0 && text.includes('snapshot 1/')) {
          sleepers = sleepersOf(text);
          cli.kill(signal);
        }
      });
      expect(run.signal).toBe(signal);
      expect(sleepers).toHaveLength(2);
      for (const pid of sleepers) expect(await waitUntilGone(pid)).toBe(true);
      expect(runTempDirs(tmp)).toEqual([]);
    });
  }

  it('Ctrl-C while leakscope run analyses: dies of SIGINT at once, no report, no temporary folder left', async () => {
    const scenario = path.join(dir, 'large-heap.mjs');
    // About 20 MB per snapshot: reading and analysing two takes seconds, time to interrupt it.
    fs.writeFileSync(scenario, `
      class Entry { constructor(i) { this.i = i; this.name = 'entry-' + i; } }
      const kept = [];
      export function setup() { for (let i = 0; i < 100000; i++) kept.push(new Entry(i)); }
      export function action(_context, i) { kept.push(new Entry(-i)); }
    `);
    const tmp = privateTmp();
    let sentAt = 0;
    const run = await startCli(['run', scenario, ...QUICKEST], tmp, (text, cli) => {
      if (sentAt === 0 && text.includes('analysing')) {
        sentAt = Date.now();
        // A moment in: the snapshots are being read (synchronous work), no JS handler can run.
        setTimeout(() => cli.kill('SIGINT'), 300);
      }
    });
    const exitedAfter = Date.now() - sentAt - 300;
    expect(run.signal).toBe('SIGINT');
    expect(run.stdout).toBe('');
    expect(exitedAfter).toBeLessThan(3000);
    // The folder goes with leakscope (removeWhenGone's shell notices its end).
    const isClean = async () => runTempDirs(tmp).length === 0;
    for (let i = 0; i < 40 && !(await isClean()); i++) await new Promise((r) => setTimeout(r, 50));
    expect(await isClean()).toBe(true);
  });
});
