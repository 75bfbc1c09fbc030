// Growth's accumulation points (src/analysis/accumulation.ts) on real series of one process: the
// committed leaky Express server (its clean twin is in test/cli/accumulation.test.ts), and
// accumulation-series.mjs, which fills an Array, a Map, a Set, a plain-object dictionary and an
// EventEmitter's listener list (leak) or empties them after every round (its healthy twin).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import type { HeapGraph } from '../../src/snapshot/heap-graph.ts';
import { computeClassIndex } from '../../src/snapshot/class-names.ts';
import { censusCollections, findAccumulationPoints, type AccumulationResult } from '../../src/analysis/accumulation.ts';
import { sourceLocationOf } from '../../src/analysis/script-names.ts';
import { fixturePath } from '../helpers/fixtures.ts';

const PROGRAM = path.resolve(import.meta.dirname, '../../fixtures/programs/accumulation-series.mjs');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-accumulation-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** Each series is read once for all its tests. */
const loaded = new Map<string, Promise<HeapGraph[]>>();
function loadSeries(files: string[]): Promise<HeapGraph[]> {
  const key = files.join('\n');
  if (!loaded.has(key)) loaded.set(key, Promise.all(files.map((file) => loadSnapshot(file))));
  return loaded.get(key)!;
}

async function analyse(files: string[]): Promise<{ last: HeapGraph; result: AccumulationResult; names: string[] }> {
  const graphs = await loadSeries(files);
  const last = graphs[graphs.length - 1];
  const classes = computeClassIndex(last);
  const censuses = graphs.map((graph, k) => censusCollections(graph, k === 0));
  const result = findAccumulationPoints(censuses, last, { classes, firstMaxObjectId: graphs[0].maxOddObjectId(), limit: 0 });
  return { last, result, names: classes.names };
}

/** `heldAs unit counts mainClass×n` per point, in report order. */
function describePoints({ last, result, names }: Awaited<ReturnType<typeof analyse>>): string[] {
  return result.points.map((p) => `${p.heldAs < 0 ? '?' : last.edgeNameOf(p.heldAs)} ${p.unit} ${p.counts.join('→')} ${p.mainClass < 0 ? '-' : names[p.mainClass]}×${p.mainClassCount}`);
}

function runSeries(mode: 'leak' | 'healthy'): string[] {
  const prefix = path.join(tmp, mode);
  const r = spawnSync(process.execPath, ['--expose-gc', PROGRAM, prefix, mode], { encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0) throw new Error(`accumulation-series.mjs ${mode} failed: ${r.stderr}`);
  return [1, 2, 3].map((k) => `${prefix}-${k}.heapsnapshot`);
}

describe('accumulation points of a leaky Express server (committed fixtures)', () => {
  it('names the request log and the listener list, each grown by 200 per batch, with the class that accumulates', async () => {
    const analysed = await analyse([1, 2, 3].map((k) => fixturePath(`leaky-server-${k}`)));
    expect(describePoints(analysed)).toEqual([
      // The listener array retains its closures and their contexts; the request log only the
      // RequestContexts that the closures do not also hold: it retains less, so it comes second.
      'config-changed elements 200→400→600 Function×400',
      'requestLog elements 200→400→600 RequestContext×400',
    ]);
    const [listeners, requestLog] = analysed.result.points;
    expect(listeners.retainedSizeDelta!).toBeGreaterThan(requestLog.retainedSizeDelta!);
    expect(requestLog.retainedSizes![1] - requestLog.retainedSizes![0]).toBe(requestLog.retainedSizeDelta);
    // Both are module-level variables of the server: held from its module scope.
    expect(sourceLocationOf(analysed.last, requestLog.heldFrom)?.file).toMatch(/leaky-server\.mjs$/);
    expect(analysed.last.nodeNameOf(requestLog.node)).toBe('Array');
  });
});

describe('accumulation points of five kinds of collection (accumulation-series.mjs)', () => {
  let leak: string[];
  let healthy: string[];
  beforeAll(() => {
    leak = runSeries('leak');
    healthy = runSeries('healthy');
  }, 120_000);

  it('finds the Array, the Map, the Set, the dictionary and the listener list, 50 members a round, with what accumulates', async () => {
    const analysed = await analyse(leak);
    const points = describePoints(analysed).sort();
    expect(points).toEqual([
      'auditTrail elements 50→100→150 Session×100',
      'openSessions entries 50→100→150 Session×100',
      'refresh elements 50→100→150 Function×100',
      // Keys and values are both new; the values (Sessions) weigh more than the key strings.
      'sessionsById entries 50→100→150 Session×100',
      'sessionsByToken properties 50→100→150 Session×100',
    ]);
    for (const p of analysed.result.points) expect(sourceLocationOf(analysed.last, p.heldFrom)?.file).toMatch(/accumulation-series\.mjs$/);
    // Largest retained growth first.
    const deltas = analysed.result.points.map((p) => p.retainedSizeDelta!);
    expect(deltas).toEqual([...deltas].sort((a, b) => b - a));
  });

  it('finds none in the healthy twin, which empties every collection after each round', async () => {
    const { result } = await analyse(healthy);
    expect(result.points).toEqual([]);
  });

  it('needs growth at every step by at least minGrowth members', async () => {
    // The leak grows by 100 from first to last: a floor of 101 leaves nothing; two snapshots whose
    // order is reversed shrink.
    expect((await analyse(leak)).result.candidateCount).toBe(5);
    const graphs = await loadSeries(leak);
    const censuses = graphs.map((graph) => censusCollections(graph, false));
    expect(findAccumulationPoints(censuses, graphs[2], { minGrowth: 101 }).points).toEqual([]);
    expect(findAccumulationPoints([censuses[2], censuses[0]], graphs[0]).points).toEqual([]);
    const noRetained = findAccumulationPoints(censuses, graphs[2], {});
    expect(noRetained.points.map((p) => p.retainedSizes)).toEqual([null, null, null, null, null]);
  });
});
