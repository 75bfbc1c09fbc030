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
import { fileLocationOf } from '../../src/analysis/script-names.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { parseSnapshotText } from '../../src/snapshot/load.ts';

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
    expect(fileLocationOf(analysed.last, requestLog.heldFrom)?.file).toMatch(/leaky-server\.mjs$/);
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
    for (const p of analysed.result.points) expect(fileLocationOf(analysed.last, p.heldFrom)?.file).toMatch(/accumulation-series\.mjs$/);
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

/**
 * One snapshot of a series, all ids fixed so the two snapshots share them:
 *   root ─shortcut─▶ global(10) ─.cache─▶ Map(10) ─{table}─▶ (array)(10): entry i at slots 19+3i
 *                    │                      (key (string) 10 B, value Entry 20 B), `deleted` more
 *                    │                      entries whose key and value are the hole (an oddball)
 *                    ├─.seen─▶ Set(10) ─{table}─▶ (array)(10): key i at slot 9+2i (Entry, 20 B)
 *                    └─.log─▶ Array(10) ─[i]─▶ Entry(20)
 * A Map's table: 3 header slots, then 16 buckets, then entries of 3 slots (key, value, chain), so
 * keys sit at 19+3i (residue 1) and values at 20+3i (residue 2): one entry per key–value pair. A
 * Set's entries are 2 slots (key, chain): one parity, one entry per slot.
 */
function series(mapEntries: number, deleted: number, setEntries: number, logLength: number) {
  const b = new SnapshotBuilder();
  const root = b.root();
  let nextId = 1001;
  const fresh = () => (nextId += 2);
  const global = b.node('object', 'global', { selfSize: 10, id: 11 });
  const map = b.node('object', 'Map', { selfSize: 10, id: 21 });
  const mapTable = b.node('array', '', { selfSize: 10, id: 23 });
  const set = b.node('object', 'Set', { selfSize: 10, id: 31 });
  const setTable = b.node('array', '', { selfSize: 10, id: 33 });
  const log = b.node('object', 'Array', { selfSize: 10, id: 41 });
  const hole = b.node('hidden', 'system / Oddball', { selfSize: 8, id: 51 });
  b.edge(root, 'shortcut', '1', global).edge(global, 'property', 'cache', map).edge(global, 'property', 'seen', set).edge(global, 'property', 'log', log);
  b.edge(map, 'internal', 'table', mapTable).edge(set, 'internal', 'table', setTable);
  for (let i = 0; i < deleted; i++) b.edge(mapTable, 'internal', String(19 + 3 * i), hole).edge(mapTable, 'internal', String(20 + 3 * i), hole);
  for (let i = deleted; i < deleted + mapEntries; i++) {
    b.edge(mapTable, 'internal', String(19 + 3 * i), b.node('string', `key ${i}`, { selfSize: 10, id: fresh() }));
    b.edge(mapTable, 'internal', String(20 + 3 * i), b.node('object', 'Entry', { selfSize: 20, id: fresh() }));
  }
  for (let i = 0; i < setEntries; i++) b.edge(setTable, 'internal', String(9 + 2 * i), b.node('object', 'Entry', { selfSize: 20, id: fresh() }));
  for (let i = 0; i < logLength; i++) b.edge(log, 'element', i, b.node('object', 'Entry', { selfSize: 20, id: fresh() }));
  return parseSnapshotText(b.toJSON());
}

describe('members counted through hash tables (hand-made snapshots)', () => {
  it('counts a Map\'s key–value pairs once, a Set\'s keys, no deleted entries; growth below minGrowth is no point', () => {
    // Map 10 → 25 entries (+15; 6 deleted entries in the second), Set 12 → 30, Array 5 → 8 (+3 < 10).
    const graphs = [series(10, 0, 12, 5), series(25, 6, 30, 8)];
    const censuses = graphs.map((graph, k) => censusCollections(graph, k === 0));
    const result = findAccumulationPoints(censuses, graphs[1], { limit: 0 });
    expect(result.points.map((p) => [graphs[1].edgeNameOf(p.heldAs), p.unit, p.counts])).toEqual([
      // Retained growth: Map 15 × 30 B = +450, and the hole (8 B), which only its table refers to
      // here (in V8 the roots hold it); Set 18 × 20 B = +360.
      ['cache', 'entries', [10, 25]],
      ['seen', 'entries', [12, 30]],
    ]);
    expect(result.points.map((p) => p.retainedSizeDelta)).toEqual([458, 360]);
  });
});
