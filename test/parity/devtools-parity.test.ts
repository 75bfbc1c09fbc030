// Node-by-node parity with Chrome DevTools' own heap snapshot code (the worker bundled by
// heap-snapshot-toolkit): distances, immediate dominators, retained sizes, and the Summary view's
// class aggregates (count, self size, min distance, class retained size). Zero differences allowed.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'heap-snapshot-toolkit';
import { fixturePath } from '../helpers/fixtures.ts';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import type { HeapGraph } from '../../src/snapshot/heap-graph.ts';
import { computeDistances } from '../../src/analysis/distances.ts';
import { computeDominatorTree, computeRetainedSizes } from '../../src/analysis/dominators.ts';
import { computeClassIndex } from '../../src/snapshot/class-names.ts';
import { computeOwnedSelfSizes } from '../../src/analysis/owned-sizes.ts';
import { computeClassRetainedSizes } from '../../src/analysis/class-retained.ts';

/** Node 18/20/22/24, with and without allocation tracking, and one taken with exposeInternals. */
const FIXTURES = ['leaky-server-1', 'basic', 'finreg-node18', 'finreg-node20', 'finreg-node22', 'finreg-node24', 'tracked-node24', 'internals', 'chrome-page'];

interface Aggregate { count: number; self: number; retained: number; distance: number; merged?: boolean }

/** The parts of DevTools' JSHeapSnapshot this test reads (public fields of its worker object). */
interface DevToolsSnapshot {
  nodeCount: number;
  nodeDistances: Int32Array;
  dominatorsTree: Uint32Array;
  retainedSizes: Float64Array;
  strings: string[];
  buildAggregates(filter?: unknown): Map<string | number, { count: number; self: number; maxRet: number; distance: number }>;
  calculateClassesRetainedSize(aggregates: Map<string | number, unknown>, filter?: unknown): void;
  classKeyFromClassKeyInternal(key: string | number): string;
}

function firstDifferences(name: string, ours: ArrayLike<number>, theirs: ArrayLike<number>, graph: HeapGraph): string[] {
  const out: string[] = [];
  for (let i = 0; i < ours.length && out.length < 5; i++) {
    if (ours[i] !== theirs[i]) out.push(`${name} @${graph.nodeId[i]} ${graph.nodeNameOf(i)}: ours ${ours[i]}, DevTools ${theirs[i]}`);
  }
  return out;
}

function countDifferences(ours: ArrayLike<number>, theirs: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < ours.length; i++) if (ours[i] !== theirs[i]) n++;
  return n;
}

/** Our Summary rows: nodes with adjusted self size 0 are not members, as in DevTools (§2.2). */
function ourAggregates(graph: HeapGraph): Map<string, Aggregate> {
  const classes = computeClassIndex(graph, 'devtools');
  const sizes = computeOwnedSelfSizes(graph);
  const distances = computeDistances(graph);
  const classRetained = computeClassRetainedSizes(graph, classes);
  const result = new Map<string, Aggregate>();
  for (let i = 0; i < graph.nodeCount; i++) {
    if (sizes[i] === 0) continue;
    const cls = classes.classOf[i];
    const key = classes.keys[cls];
    let row = result.get(key);
    if (!row) result.set(key, row = { count: 0, self: 0, retained: classRetained[cls], distance: Infinity });
    row.count++;
    row.self += sizes[i];
    row.distance = Math.min(row.distance, distances[i]);
  }
  return result;
}

/**
 * DevTools' rows by public class key. DevTools keys classes internally by the string index of the
 * class name, and two indexes can carry one name (a closure's appended "Function" and an object
 * whose constructor is named "Function"): its public map then keeps only the last row, silently
 * dropping the other (thousands of closures in an Express app). leakscope keeps one row per name,
 * so here the internal rows are merged under their public key before comparing. The class retained
 * size of a merged row is not comparable (DevTools counts a member dominated by a member of the other
 * internal row twice), so for those rows only its bounds are checked.
 */
function devtoolsAggregates(snapshot: DevToolsSnapshot): Map<string, Aggregate> {
  const internal = snapshot.buildAggregates(undefined);
  snapshot.calculateClassesRetainedSize(internal, undefined);
  const result = new Map<string, Aggregate>();
  for (const [key, a] of internal) {
    const publicKey = snapshot.classKeyFromClassKeyInternal(key);
    const row = result.get(publicKey);
    if (!row) result.set(publicKey, { count: a.count, self: a.self, retained: a.maxRet, distance: a.distance });
    else {
      row.merged = true;
      row.retained = Math.max(row.retained, a.maxRet);
      row.count += a.count;
      row.self += a.self;
      row.distance = Math.min(row.distance, a.distance);
    }
  }
  return result;
}

describe('DevTools parity (heap-snapshot-toolkit)', () => {
  for (const name of FIXTURES) {
    it(`${name}: distances, dominators, retained sizes and class aggregates equal DevTools'`, async () => {
      const file = fixturePath(name);
      const devtools = (await parse(fs.createReadStream(file))) as unknown as DevToolsSnapshot;
      const graph = await loadSnapshot(file);
      expect(graph.nodeCount).toBe(devtools.nodeCount);

      const distances = computeDistances(graph);
      const { idom } = computeDominatorTree(graph);
      const retained = computeRetainedSizes(graph);
      expect(firstDifferences('distance', distances, devtools.nodeDistances, graph)).toEqual([]);
      expect(firstDifferences('idom', idom, devtools.dominatorsTree, graph)).toEqual([]);
      expect(firstDifferences('retained', retained, devtools.retainedSizes, graph)).toEqual([]);
      expect(countDifferences(distances, devtools.nodeDistances)).toBe(0);
      expect(countDifferences(idom, devtools.dominatorsTree)).toBe(0);
      expect(countDifferences(retained, devtools.retainedSizes)).toBe(0);

      const ours = ourAggregates(graph);
      const theirs = devtoolsAggregates(devtools);
      expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
      const same = (a: Aggregate, b: Aggregate | undefined) => b !== undefined && a.count === b.count && a.self === b.self
        && a.distance === b.distance && (b.merged ? a.retained >= b.retained : a.retained === b.retained);
      const mismatched = [...ours].filter(([key, row]) => !same(row, theirs.get(key)))
        .map(([key, row]) => `${key}: ours ${JSON.stringify(row)}, DevTools ${JSON.stringify(theirs.get(key))}`);
      expect(mismatched).toEqual([]);
    }, 120_000);
  }
});
