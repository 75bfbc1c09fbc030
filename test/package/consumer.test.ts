// The package as a user gets it: `npm pack`, then the tarball installed into a fresh project that
// uses the CLI, the ESM and CommonJS API, both matchers, and the types, with no tsx and no special
// compiler flags. Slow (an npm install; its packages come from npm's cache, which `npm ci` filled).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../helpers/cli.ts';
import { fixtureGzPath } from '../helpers/fixtures.ts';

const require = createRequire(import.meta.url);
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-consumer-'));
const app = path.join(tmp, 'app');
let tarball = '';
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function run(command: string, args: string[], options: { env?: Record<string, string> } = {}) {
  return spawnSync(command, args, { cwd: app, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...options.env }, timeout: 180_000 });
}

beforeAll(() => {
  // --ignore-scripts: `prepare` would build dist/ again, which the tests' global setup has just built.
  const packed = JSON.parse(execFileSync(NPM, ['pack', '--json', '--ignore-scripts', '--pack-destination', tmp], { cwd: PROJECT_ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { filename: string }[];
  tarball = path.join(tmp, packed[0].filename);
  fs.mkdirSync(app);
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }));
  // vitest, jest and typescript as a user's project would have them; the versions this repo uses.
  const versions = ['vitest', 'jest', '@jest/globals', 'typescript'].map((name) => `${name}@${(require(`${name}/package.json`) as { version: string }).version}`);
  execFileSync(NPM, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball, ...versions], { cwd: app, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
}, 400_000);

describe('a project that installed the packed tarball', () => {
  it('the tarball holds compiled JavaScript and declarations, no sources, and is under 1 MB', () => {
    expect(fs.statSync(tarball).size).toBeLessThan(1024 * 1024);
    const installed = path.join(app, 'node_modules/leakscope');
    expect(fs.existsSync(path.join(installed, 'dist/index.js'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'dist/index.d.ts'))).toBe(true);
    expect(fs.existsSync(path.join(installed, 'src'))).toBe(false);
    expect(fs.existsSync(path.join(installed, 'test'))).toBe(false);
  });

  it('npx leakscope --version and top on a snapshot', () => {
    const version = run('npx', ['leakscope', '--version']);
    expect(version.stdout.trim()).toBe((require('../../package.json') as { version: string }).version);
    const top = run('npx', ['leakscope', 'top', fixtureGzPath('leaky-server-3'), '--limit', '3', '--json']);
    expect(top.status).toBe(0);
    expect(JSON.parse(top.stdout).classes).toHaveLength(3);
  });

  it("import { loadSnapshot, findInstances } from 'leakscope' in plain Node ESM, and require('leakscope') in CommonJS", () => {
    const snapshot = JSON.stringify(fixtureGzPath('leaky-server-3'));
    const esm = run(process.execPath, ['--input-type=module', '-e', `
      import { loadSnapshot, findInstances, computeHistogram } from 'leakscope';
      const graph = await loadSnapshot(${snapshot});
      console.log(findInstances(graph, 'RequestContext').length, computeHistogram(graph).classes.length > 10);`]);
    expect(esm.stderr).toBe('');
    expect(esm.stdout.trim()).toBe('600 true');
    const cjs = run(process.execPath, ['-e', `
      const { loadSnapshot, findInstances } = require('leakscope');
      loadSnapshot(${snapshot}).then((graph) => console.log(findInstances(graph, 'RequestContext').length));`]);
    expect(cjs.stderr).toBe('');
    expect(cjs.stdout.trim()).toBe('600');
  });

  it('a TypeScript file using the API and both matchers type-checks with a default `tsc --init`', () => {
    expect(run('npx', ['tsc', '--init']).status).toBe(0);
    fs.writeFileSync(path.join(app, 'check.mts'), `
      import { loadSnapshot, findInstances, computeGrowthOfFiles, evaluateGate, defaultGateSettings, type GateResult } from 'leakscope';
      import 'leakscope/vitest';
      import { expect } from 'vitest';
      const graph = await loadSnapshot('a.heapsnapshot');
      const instances: Uint32Array = findInstances(graph, 'RequestContext');
      const { result } = await computeGrowthOfFiles(['a.heapsnapshot', 'b.heapsnapshot']);
      const gate: GateResult = evaluateGate(result, { ...defaultGateSettings(), minDelta: 5 });
      await expect(() => instances.length).not.toLeak({ iterations: 10, types: ['RequestContext'] });
      console.log(gate.violations.length);
    `);
    fs.writeFileSync(path.join(app, 'check-jest.mts'), `
      import 'leakscope/jest';
      import { expect } from '@jest/globals';
      await expect(() => 1).not.toLeak({ iterations: 10 });
    `);
    const tsc = run('npx', ['tsc', '--noEmit', '-p', '.']);
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });

  it('jest: leakscope/jest fails a leaking function naming its class, passes a clean one', () => {
    fs.writeFileSync(path.join(app, 'leak.test.mjs'), `
      import 'leakscope/jest';
      import { expect, test } from '@jest/globals';
      class LeakedThing { constructor(i) { this.i = i; } }
      const kept = [];
      test('clean', async () => { await expect((i) => ({ i })).not.toLeak({ iterations: 20 }); });
      test('leaky', async () => { await expect((i) => { kept.push(new LeakedThing(i)); }).not.toLeak({ iterations: 20 }); });
      test('not a function', async () => { await expect(42).not.toLeak(); });
    `);
    // jest's default of 5 s per test is shorter than a measurement takes on a busy 2-core machine (9 s seen).
    const jest = run(process.execPath, ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--testTimeout=60000', 'leak.test.mjs'], { env: { NODE_OPTIONS: '' } });
    const output = jest.stdout + jest.stderr;
    expect(output).toMatch(/✓ clean/);
    expect(output).toMatch(/✕ leaky/);
    expect(output).toMatch(/expected the function not to leak, but after 20 calls these grew in every batch: LeakedThing \+20/);
    expect(output).toMatch(/✕ not a function/);
    expect(output).toMatch(/needs a function to call repeatedly, got number/);
    expect(output).toMatch(/Tests:\s+2 failed, 1 passed, 3 total/);
    expect(jest.status).toBe(1);
  }, 180_000); // jest's start and three measurements took over a minute on the busy machine
});
