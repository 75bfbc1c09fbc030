import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';
import { isAlive } from '../helpers/processes.ts';

// Small counts keep each run to a few seconds; 30 warm-up actions let express's lazy allocations settle.
const QUICK = ['--iterations', '60', '--warmup', '30'];
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-run-cli-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function waitUntilGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 100 && isAlive(pid); i++) await new Promise((r) => setTimeout(r, 50));
  return !isAlive(pid);
}

function runTempDirs(): string[] {
  return fs.readdirSync(os.tmpdir()).filter((name) => name.startsWith('leakscope-run-'));
}

describe('leakscope run', () => {
  it('leakscope run examples/leaky-scenario.mjs exits 1 naming RequestLog, its exact delta and what holds it', () => {
    const before = new Set(runTempDirs());
    const run = runCli(['run', 'examples/leaky-scenario.mjs', ...QUICK]);
    expect(run.status).toBe(1);
    expect(run.stdout).toMatch(/^FAIL /m);
    expect(run.stdout).toMatch(/^ {2}RequestLog {2}\+60 objects/m);
    expect(run.stdout).toMatch(/->requestLog → Array \[\d+\] → RequestLog/);
    expect(run.stderr).toMatch(/snapshot 4\/4 after 60 actions/);
    // The temporary snapshot folder is gone.
    expect(runTempDirs().filter((d) => !before.has(d))).toEqual([]);
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
    const before = new Set(runTempDirs());
    const cli = spawn(process.execPath, [BIN, 'run', scenario, '--iterations', '1000', '--warmup', '1'], { cwd: PROJECT_ROOT });
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
    expect(runTempDirs().filter((d) => !before.has(d))).toEqual([]);
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
