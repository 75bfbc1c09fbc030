// `leakscope growth --by package` on a real program: its leak comes from a package in its own
// node_modules (leaky-cache, a module-level array of CacheEntry objects that is never emptied);
// the healthy twin runs the same code, which keeps nothing, and no package grows.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli.ts';
import { NODE_BUILTINS } from '../../src/sources/packages.ts';
import { UNATTRIBUTED } from '../../src/analysis/packages.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-packages-growth-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const app = path.join(tmp, 'shop');

const MAIN = `const v8 = require('node:v8');
const cache = require('leaky-cache');
const [mode, ...files] = process.argv.slice(2);
let n = 0;
function round() {
  for (let i = 0; i < 100; i++, n++) cache.remember({ id: n, url: '/item/' + n }, mode === 'leak');
}
let step = 0;
function next() {
  round();
  global.gc();
  v8.writeHeapSnapshot(files[step++]);
  if (step < files.length) setTimeout(next, 5);
}
round();
setTimeout(next, 5);
`;

const PACKAGE = `class CacheEntry {
  constructor(request) {
    this.id = request.id;
    this.url = request.url;
    this.at = Date.now();
  }
}
const entries = [];
exports.remember = function remember(request, keep) {
  const entry = new CacheEntry(request);
  if (keep) entries.push(entry);
  return entry;
};
`;

function snapshotsOf(mode: 'leak' | 'healthy'): string[] {
  const files = [1, 2, 3].map((k) => path.join(tmp, `${mode}-${k}.heapsnapshot`));
  const r = spawnSync(process.execPath, ['--expose-gc', path.join(app, 'main.js'), mode, ...files], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`the ${mode} program failed: ${r.stderr}`);
  return files;
}

interface PackageJson {
  name: string;
  count: number;
  size: number;
}

describe('growth --by package', () => {
  let leak: string[];
  let healthy: string[];
  beforeAll(() => {
    fs.mkdirSync(path.join(app, 'node_modules/leaky-cache'), { recursive: true });
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'shop', private: true }));
    fs.writeFileSync(path.join(app, 'main.js'), MAIN);
    fs.writeFileSync(path.join(app, 'node_modules/leaky-cache/package.json'), JSON.stringify({ name: 'leaky-cache', version: '1.0.0' }));
    fs.writeFileSync(path.join(app, 'node_modules/leaky-cache/index.js'), PACKAGE);
    leak = snapshotsOf('leak');
    healthy = snapshotsOf('healthy');
  }, 120_000);

  it('leakscope growth leak-1 leak-2 leak-3 --by package  (the package that leaks leads the table)', async () => {
    const r = await runCliInProcess(['growth', ...leak, '--by', 'package'], { env: { NO_COLOR: '1' } });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    const heading = lines.findIndex((line) => line.startsWith('Grown by package'));
    expect(heading).toBeGreaterThan(0);
    expect(lines[heading + 1]).toMatch(/^Package +New objects +Size +Share$/);
    // 200 CacheEntry objects since the first snapshot, and the strings and numbers only they hold.
    expect(lines[heading + 3]).toMatch(/^leaky-cache +\d[\d,]* +[\d.]+ kB +\d+\.\d%$/);
  });

  it('leakscope growth leak-1 leak-2 leak-3 --by package --json  (packages: name, count, size)', async () => {
    const r = await runCliInProcess(['growth', ...leak, '--by', 'package', '--json']);
    expect(r.status).toBe(0);
    const packages = JSON.parse(r.stdout).packages as PackageJson[];
    expect(packages[0].name).toBe('leaky-cache');
    expect(packages[0].count).toBeGreaterThanOrEqual(200);
    const entries = JSON.parse(r.stdout).classes.find((c: { name: string }) => c.name === 'CacheEntry');
    expect(entries.newAlive).toBe(200);
    expect(packages[0].size).toBeGreaterThan(entries.newAliveSize);
    const sizes = packages.map((p) => p.size);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
  });

  it('leakscope growth healthy-1 healthy-2 healthy-3 --by package --json  (no package grew)', async () => {
    const r = await runCliInProcess(['growth', ...healthy, '--by', 'package', '--json']);
    expect(r.status).toBe(0);
    // Node's own timers may hold a few new objects; neither the package nor the app ('shop') grew.
    const packages = JSON.parse(r.stdout).packages as PackageJson[];
    for (const p of packages) expect([NODE_BUILTINS, UNATTRIBUTED]).toContain(p.name);
    const text = (await runCliInProcess(['growth', ...healthy, '--by', 'package'], { env: { NO_COLOR: '1' } })).stdout;
    expect(text).toMatch(/^Grown by package/m);
    expect(text).not.toMatch(/^(leaky-cache|shop) /m);
  });

  it('leakscope growth A B --by package --counts-only  → exit 2', async () => {
    const r = await runCliInProcess(['growth', leak[0], leak[1], '--by', 'package', '--counts-only'], { env: { NO_COLOR: '1' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('leakscope: --by package needs object ids, which --counts-only leaves out\n');
  });

  it('leakscope growth A B --by package --format markdown|github|junit  → exit 2, not a report that silently leaves the packages out', async () => {
    for (const format of ['markdown', 'github', 'junit']) {
      const r = await runCliInProcess(['growth', leak[0], leak[1], '--by', 'package', '--format', format], { env: { NO_COLOR: '1', GITHUB_STEP_SUMMARY: '' } });
      expect(r.status, format).toBe(2);
      expect(r.stderr).toBe(`leakscope: --by package is shown in the text report and --json, not with --format ${format}\n`);
      expect(r.stdout).toBe('');
    }
  });
});
