// "held from" of growth's accumulation points when a module-level variable holds the collection:
// the line that declares the variable (V8 records no position for context variables, and the module
// function that owns the scope sits at 1:1), in an ES module, a CommonJS module and a TypeScript
// module compiled with an inline source map (its .ts line); a script that is gone gives the file
// alone, never a made-up :1:1. One real program holds all three; its snapshots are taken from a timer.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-held-from-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const app = path.join(tmp, 'app');
const snapshots = [1, 2, 3].map((k) => path.join(tmp, `${k}.heapsnapshot`));

const MAIN = `import v8 from 'node:v8';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const store = require('./store.cjs');
const orders = require('./orders.js');

// Every request is logged here, and never dropped.
export const version = 1;
const requestLog = [];

let n = 0;
function round() {
  for (let i = 0; i < 100; i++) {
    const requestLog = { shadowing: 'a local of the same name, deeper in' };
    globalThis.last = requestLog;
    n++;
    module_log(n);
    store.keep(n);
    orders.addOrder(n);
  }
}
function module_log(id) { requestLog.push({ id, path: '/item/' + id }); }
const files = process.argv.slice(2);
let step = 0;
function next() {
  round();
  globalThis.gc();
  v8.writeHeapSnapshot(files[step++]);
  if (step < files.length) setTimeout(next, 5);
}
setTimeout(next, 5);
`;

const STORE = `'use strict';
// A CommonJS module: its variables live in the module wrapper's scope.

var kept = [];
exports.keep = function keep(id) { kept.push({ id, kind: 'kept' }); };
`;

const ORDERS = `interface Order {
  id: number;
  note: string;
}
type OrderId = number;

const orders: Order[] = [];

export function addOrder(id: OrderId): void {
  orders.push({ id, note: 'order ' + id });
}
`;

/** Growth's "Growing collections" lines. */
async function pointLines(): Promise<string[]> {
  const r = await runCliInProcess(['growth', ...snapshots], { env: { NO_COLOR: '1' } });
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return r.stdout.split('\n').filter((line) => / grew \d/.test(line));
}

describe('growth: the declaration line of a module-level variable that holds a growing collection', () => {
  beforeAll(() => {
    fs.mkdirSync(app);
    fs.writeFileSync(path.join(app, 'main.mjs'), MAIN);
    fs.writeFileSync(path.join(app, 'store.cjs'), STORE);
    fs.writeFileSync(path.join(app, 'orders.ts'), ORDERS);
    const output = ts.transpileModule(ORDERS, { fileName: 'orders.ts', compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, inlineSourceMap: true, inlineSources: false } });
    fs.writeFileSync(path.join(app, 'orders.js'), output.outputText);
    const r = spawnSync(process.execPath, ['--expose-gc', path.join(app, 'main.mjs'), ...snapshots], { encoding: 'utf8', timeout: 60_000 });
    if (r.status !== 0) throw new Error(`the program failed: ${r.stderr}`);
  }, 90_000);

  it('leakscope growth 1 2 3  (ES module, CommonJS module, TypeScript through its source map: the declaring line and column)', async () => {
    const lines = await pointLines();
    const compiled = fs.readFileSync(path.join(app, 'orders.js'), 'utf8').split('\n').findIndex((line) => line.includes('const orders')) + 1;
    // The TypeScript line differs from the compiled one: the mapping is what makes it right.
    expect(compiled).not.toBe(7);
    expect(lines).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^  ->requestLog \\(Array @\\d+, held from ${escape(path.join(app, 'main.mjs'))}:9:7\\) grew 100 → 200 → 300 elements`)),
      expect.stringMatching(new RegExp(`^  ->kept \\(Array @\\d+, held from ${escape(path.join(app, 'store.cjs'))}:4:5\\) grew 100 → 200 → 300 elements`)),
      expect.stringMatching(new RegExp(`^  ->orders \\(Array @\\d+, held from ${escape(path.join(app, 'orders.ts'))}:7:7\\) grew 100 → 200 → 300 elements`)),
    ]));
    const json = JSON.parse((await runCliInProcess(['growth', ...snapshots, '--json'])).stdout);
    const requestLog = json.accumulation.find((p: { heldAs: string }) => p.heldAs === '->requestLog');
    expect(requestLog.heldFrom).toEqual({ file: path.join(app, 'main.mjs'), line: 9, column: 7 });
  });

  it('leakscope growth 1 2 3  with the script gone: the file alone, no :1:1', async () => {
    fs.renameSync(path.join(app, 'main.mjs'), path.join(app, 'main.mjs.moved'));
    try {
      const line = (await pointLines()).find((l) => l.includes('->requestLog'));
      expect(line).toMatch(new RegExp(`\\(Array @\\d+, held from ${escape(path.join(app, 'main.mjs'))}\\) grew `));
      const json = JSON.parse((await runCliInProcess(['growth', ...snapshots, '--json'])).stdout);
      expect(json.accumulation.find((p: { heldAs: string }) => p.heldAs === '->requestLog').heldFrom).toEqual({ file: path.join(app, 'main.mjs'), line: null, column: null });
    } finally {
      fs.renameSync(path.join(app, 'main.mjs.moved'), path.join(app, 'main.mjs'));
    }
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
