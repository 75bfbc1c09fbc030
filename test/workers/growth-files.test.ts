// growth of snapshot files with the earlier snapshots summarised in a worker thread
// (growth-files.ts, growth-worker.ts): the same result as computeGrowth over graphs in memory, the
// same refusals, and errors that name the right file. parallelMinBytes: 0 forces the worker on the
// small fixtures (the CLI uses it from 32 MiB of earlier snapshots).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import { computeGrowth, type GrowthOptions, type GrowthResult } from '../../src/analysis/growth.ts';
import { computeGrowthOfFiles } from '../../src/workers/growth-files.ts';
import { startGrowthWorkerEarly, takeEarlyGrowthWorker } from '../../src/workers/growth-worker-start.ts';
import type { Worker } from 'node:worker_threads';
import { LeakscopeError } from '../../src/errors.ts';
import { fixturePath } from '../helpers/fixtures.ts';

const load = (file: string) => loadSnapshot(file);

/** Everything but the ordinals array views, which toEqual compares fine anyway; kept explicit. */
function comparable(result: GrowthResult) {
  return { ...result, classes: result.classes.map((c) => ({ ...c, newOrdinals: Array.from(c.newOrdinals) })) };
}

/** Each comparison once per file: the tests that look at one result from two sides share it. */
const comparisons = new Map<string, ReturnType<typeof compareBothWays>>();

function bothWays(names: string[], options: GrowthOptions = {}) {
  const key = JSON.stringify([names, options]);
  if (!comparisons.has(key)) comparisons.set(key, compareBothWays(names, options));
  return comparisons.get(key)!;
}

async function compareBothWays(names: string[], options: GrowthOptions) {
  const files = names.map((n) => fixturePath(n));
  const inMemory = computeGrowth(await Promise.all(files.map(load)), { ...options, labels: files });
  const viaWorker = await computeGrowthOfFiles(files, { ...options, labels: files, parallelMinBytes: 0 });
  expect(viaWorker.usedWorker).toBe(true);
  return { inMemory: comparable(inMemory), viaWorker: comparable(viaWorker.result), last: viaWorker.last };
}

describe('growth of files, earlier snapshots in a worker', () => {
  it.each([
    ['diff pair with retained sizes', ['diff-a', 'diff-b'], { retainedSizes: true }],
    ['three leaky-server snapshots', ['leaky-server-1', 'leaky-server-2', 'leaky-server-3'], { retainedSizes: true }],
    ['raw names', ['leaky-server-1', 'leaky-server-3'], { names: 'raw' as const }],
    ['counts only across processes', ['clean-server-1', 'leaky-server-3'], { countsOnly: true }],
  ])('%s: same result as in memory', async (_label, names, options) => {
    const { inMemory, viaWorker, last } = await bothWays(names, options);
    expect(viaWorker).toEqual(inMemory);
    expect(last.source.file).toBe(fixturePath(names[names.length - 1]));
  });

  it('still finds the leak: RequestContext +400, all new and alive', async () => {
    const { viaWorker } = await bothWays(['leaky-server-1', 'leaky-server-2', 'leaky-server-3'], { retainedSizes: true });
    expect(viaWorker.classes.find((c) => c.name === 'RequestContext')).toMatchObject({ counts: [200, 400, 600], newAlive: 400, monotonic: true });
  });

  it('takes the worker the CLI started early, and stops it when the files are small', async () => {
    const files = [fixturePath('diff-a'), fixturePath('diff-b')];
    startGrowthWorkerEarly();
    const early = (globalThis as Record<symbol, unknown>)[Symbol.for('leakscope.earlyGrowthWorker')];
    expect(early).toBeDefined();
    const viaEarly = await computeGrowthOfFiles(files, { labels: files, parallelMinBytes: 0 });
    expect(viaEarly.usedWorker).toBe(true);
    expect(takeEarlyGrowthWorker()).toBeNull();
    expect(comparable(viaEarly.result)).toEqual(comparable(computeGrowth(await Promise.all(files.map(load)), { labels: files })));

    startGrowthWorkerEarly();
    const unused = (globalThis as Record<symbol, Worker>)[Symbol.for('leakscope.earlyGrowthWorker')];
    const exited = new Promise((resolve) => unused.once('exit', resolve));
    expect((await computeGrowthOfFiles(files)).usedWorker).toBe(false);
    await exited; // terminated, not left waiting for a job
  });

  it('keeps small files on this thread by default, and says how far it has read each', async () => {
    const files = [fixturePath('diff-a'), fixturePath('diff-b')];
    const read = new Map<string, [number, number]>();
    const result = await computeGrowthOfFiles(files, { onProgress: (file, bytes, total) => read.set(file, [bytes, total]) });
    expect(result.usedWorker).toBe(false);
    for (const file of files) expect(read.get(file)).toEqual([fs.statSync(file).size, fs.statSync(file).size]);
  });

  it('refuses snapshots of different processes with the in-memory message', async () => {
    const files = [fixturePath('leaky-server-1'), fixturePath('clean-server-3')];
    const error = await computeGrowthOfFiles(files, { parallelMinBytes: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeakscopeError);
    expect((error as LeakscopeError).exitCode).toBe(2);
    expect((error as Error).message).toMatch(/leaky-server-1.* and .*clean-server-3.* do not come from the same process.*--counts-only/);
  });

  it('names a missing earlier file before reading anything, and a damaged one by its offset', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-growth-files-'));
    const missing = path.join(dir, 'missing.heapsnapshot');
    const last = fixturePath('diff-b');
    await expect(computeGrowthOfFiles([missing, last], { parallelMinBytes: 0 })).rejects.toThrow(`${missing}: no such file`);
    const cut = path.join(dir, 'cut.heapsnapshot');
    const whole = fs.readFileSync(fixturePath('diff-a'));
    fs.writeFileSync(cut, whole.subarray(0, Math.floor(whole.length / 2)));
    const error = await computeGrowthOfFiles([cut, last], { parallelMinBytes: 0 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LeakscopeError);
    expect((error as Error).message).toMatch(new RegExp(`^${cut.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: truncated`));
  });
});
