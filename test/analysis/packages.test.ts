// Memory by package (src/analysis/packages.ts with src/sources/packages.ts) on the committed leaky
// Express server, and the package resolver on a real folder tree.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import { computePackageSizes, UNATTRIBUTED } from '../../src/analysis/packages.ts';
import { computeDominatorTree } from '../../src/analysis/dominators.ts';
import { createPackageResolver, NODE_BUILTINS } from '../../src/sources/packages.ts';
import { renderPackagesText } from '../../src/report/packages.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { runCliInProcess } from '../helpers/cli.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-packages-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('packages of scripts', () => {
  it('reads the package from node_modules paths (the innermost), package.json names, and node: modules', () => {
    const app = path.join(tmp, 'app');
    fs.mkdirSync(path.join(app, 'packages/billing/src'), { recursive: true });
    fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'shop' }));
    fs.writeFileSync(path.join(app, 'packages/billing/package.json'), JSON.stringify({ name: '@shop/billing' }));
    const packageOf = createPackageResolver();
    expect(packageOf(pathToFileURL(path.join(app, 'packages/billing/src/invoice.js')).href)).toBe('@shop/billing');
    expect(packageOf(path.join(app, 'server.js'))).toBe('shop');
    expect(packageOf('/srv/app/node_modules/express/lib/router/index.js')).toBe('express');
    expect(packageOf('/srv/app/node_modules/@babel/core/node_modules/semver/index.js')).toBe('semver');
    expect(packageOf('/srv/app/node_modules/@babel/core/lib/index.js')).toBe('@babel/core');
    expect(packageOf('node:internal/timers')).toBe(NODE_BUILTINS);
    expect(packageOf('evalmachine.<anonymous>')).toBeNull();
  });
});

describe('bytes by package of an Express server', () => {
  it('attributes every byte once: Express and its dependencies, Node, and the rest', async () => {
    const graph = await loadSnapshot(fixturePath('leaky-server-3'));
    // The fixture's own scripts were under /work/main/fixtures/programs: name that folder whatever
    // machine runs the test; node_modules paths name themselves.
    const resolve = createPackageResolver();
    const result = computePackageSizes(graph, (script) => (script.includes('/fixtures/programs/') ? 'fixture-app' : resolve(script)));
    const byName = new Map(result.rows.map((row) => [row.name, row]));
    expect(result.totalSize).toBe(computeDominatorTree(graph).retained[graph.rootOrdinal]);
    for (const name of ['express', 'router', 'qs', NODE_BUILTINS, UNATTRIBUTED, 'fixture-app']) expect(byName.get(name)?.size).toBeGreaterThan(0);
    // The 600 RequestContexts (and what only they hold) are the app's: at least their self sizes.
    expect(byName.get('fixture-app')!.count).toBeGreaterThan(600);
    const sizes = result.rows.map((row) => row.size);
    expect(sizes).toEqual([...sizes].sort((a, b) => b - a));
    const text = renderPackagesText(result, { limit: 3 });
    expect(text.split('\n')[0]).toMatch(/^Package +Objects +Size +Share$/);
    expect(text).toMatch(/… \d+ more packages \(--limit 0 shows all\)/);
  });
});

describe('leakscope top --by package', () => {
  it('leakscope top leaky-server-3 --by package  (a table of packages; --json the same rows)', async () => {
    const r = await runCliInProcess(['top', fixturePath('leaky-server-3'), '--by', 'package', '--limit', '5'], { env: { NO_COLOR: '1' } });
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^Package +Objects +Size +Share$/);
    expect(lines.slice(2, 7).map((line) => line.split(/ {2,}/)[0])).toContain('node: (built-in modules)');
    const json = JSON.parse((await runCliInProcess(['top', fixturePath('leaky-server-3'), '--by', 'package', '--json', '--limit', '0'])).stdout);
    expect(json.packages.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['express', 'qs', 'node: (built-in modules)', '(unattributed)']));
    expect(json.packages.reduce((sum: number, p: { size: number }) => sum + p.size, 0)).toBe(json.totalSize);
  });

  it('leakscope top SNAP --by module  → exit 2', async () => {
    const r = await runCliInProcess(['top', fixturePath('leaky-server-3'), '--by', 'module'], { env: { NO_COLOR: '1' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^leakscope: option '--by <group>' argument 'module' is invalid\. Allowed choices are class, package\. \(see --help\)\n$/);
  });
});
