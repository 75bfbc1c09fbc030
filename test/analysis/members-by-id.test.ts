// "# New" / "# Deleted" by id (members-by-id.ts): the one-pass table join and the sorted merge walk
// must count the same on real snapshot pairs, and the table must step aside for what it cannot
// represent (ids far apart, repeated ids), where the merge walk's multiset answer is the reference.
import { describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import { parseSnapshotText } from '../../src/snapshot/load.ts';
import type { HeapGraph } from '../../src/snapshot/heap-graph.ts';
import { computeClassIndex } from '../../src/snapshot/class-names.ts';
import { selfSizesFor } from '../../src/analysis/histogram.ts';
import { countAddedAndDeleted, membersById } from '../../src/analysis/members-by-id.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';

/** Added/deleted per class key, from the first graph's members in the layout given. */
function addedAndDeleted(first: HeapGraph, last: HeapGraph, layout: 'auto' | 'sorted') {
  const a = computeClassIndex(first, 'raw');
  const b = computeClassIndex(last, 'raw');
  const keys = [...new Set([...a.keys, ...b.keys])];
  const firstMap = Uint32Array.from(a.keys, (k) => keys.indexOf(k));
  const lastMap = Uint32Array.from(b.keys, (k) => keys.indexOf(k));
  const firstSizes = selfSizesFor(first);
  const firstCounts = new Float64Array(keys.length);
  for (let i = 0; i < first.nodeCount; i++) if (firstSizes[i] !== 0) firstCounts[firstMap[a.classOf[i]]]++;
  const members = membersById(first, a.classOf, firstSizes, layout);
  const added = new Float64Array(keys.length);
  const deleted = new Float64Array(keys.length);
  countAddedAndDeleted(members, firstMap, firstCounts, { graph: last, classOf: b.classOf, sizes: selfSizesFor(last) }, lastMap, added, deleted);
  const byKey: Record<string, [number, number]> = {};
  // Raw-mode keys are `,name`.
  keys.forEach((k, c) => { if (added[c] !== 0 || deleted[c] !== 0) byKey[k.replace(/^,/, '')] = [added[c], deleted[c]]; });
  return { layout: members.kind, byKey };
}

describe('members by id: table join and merge walk agree', () => {
  it.each([['diff-a', 'diff-b'], ['leaky-server-1', 'leaky-server-3'], ['finreg-node20', 'finreg-node20']])('%s → %s', async (a, b) => {
    const [first, last] = await Promise.all([loadSnapshot(fixturePath(a)), loadSnapshot(fixturePath(b))]);
    const table = addedAndDeleted(first, last, 'auto');
    const sorted = addedAndDeleted(first, last, 'sorted');
    expect(table.layout).toBe('table');
    expect(sorted.layout).toBe('sorted');
    expect(table.byKey).toEqual(sorted.byKey);
    if (a === b) expect(table.byKey).toEqual({});
    else expect(Object.keys(table.byKey).length).toBeGreaterThan(0);
  });

  it('diff-a → diff-b: 200 Leak objects added, 50 deleted', async () => {
    const [first, last] = await Promise.all([loadSnapshot(fixturePath('diff-a')), loadSnapshot(fixturePath('diff-b'))]);
    expect(addedAndDeleted(first, last, 'auto').byKey['Leak']).toEqual([200, 50]);
  });
});

/** A graph whose nodes are (id, class) pairs under the root. */
function graphOf(nodes: [number, string][]): HeapGraph {
  const b = new SnapshotBuilder({ repeatedIds: true });
  const root = b.root();
  nodes.forEach(([id, name], k) => b.edge(root, 'element', k + 1, b.node('object', name, { id, selfSize: 16 })));
  return parseSnapshotText(b.toJSON(), 'hand-made');
}

describe('members by id: what the table cannot hold', () => {
  it('ids far apart fall back to the sorted layout, with the same counts', () => {
    const first = graphOf([[3, 'A'], [5, 'B'], [4_000_001, 'A'], [8, 'N']]);
    const last = graphOf([[3, 'A'], [5, 'A'], [4_000_003, 'B'], [8, 'N']]);
    const result = addedAndDeleted(first, last, 'auto');
    expect(result.layout).toBe('sorted');
    // @5 moved B → A (added to A, deleted from B); @4000001 (A) died; @4000003 (B) is new.
    expect(result.byKey).toEqual({ A: [1, 1], B: [1, 1] });
  });

  it('an id repeated in the first snapshot uses the sorted layout; in the last, the merge walk', () => {
    const repeatedFirst = graphOf([[3, 'A'], [3, 'A'], [5, 'B']]);
    const single = graphOf([[3, 'A'], [5, 'B'], [7, 'B']]);
    expect(addedAndDeleted(repeatedFirst, single, 'auto')).toEqual({ layout: 'sorted', byKey: { A: [0, 1], B: [1, 0] } });
    // The table is built (the first snapshot is fine); the join sees @3 twice and hands over.
    const repeatedLast = graphOf([[3, 'A'], [3, 'A'], [5, 'B'], [9, 'B']]);
    expect(addedAndDeleted(single, repeatedLast, 'auto')).toEqual({ layout: 'table', byKey: { A: [1, 0], B: [1, 1] } });
    expect(addedAndDeleted(single, repeatedLast, 'sorted').byKey).toEqual({ A: [1, 0], B: [1, 1] });
  });

  it('even (embedder) ids join too, and a class change counts in both columns', () => {
    const first = graphOf([[3, 'A'], [2_000_000_000, 'N'], [2_000_000_002, 'N']]);
    const last = graphOf([[3, 'B'], [2_000_000_002, 'N'], [2_000_000_004, 'N']]);
    expect(addedAndDeleted(first, last, 'auto')).toEqual({ layout: 'table', byKey: { A: [0, 1], B: [1, 0], N: [1, 1] } });
  });
});
