// HeapGraph.ordinalOfId: the direct table for dense odd ids, a scan for even ids, and the sorted
// index when ids are far apart or repeat must all answer the same.
import { describe, expect, it } from 'vitest';
import { loadSnapshot, parseSnapshotText } from '../../src/snapshot/load.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';

describe('HeapGraph.ordinalOfId', () => {
  it.each(['leaky-server-1', 'chrome-page'])('%s: every id finds its node, absent ids find none', async (name) => {
    const graph = await loadSnapshot(fixturePath(name));
    const wrong: string[] = [];
    for (let i = 0; i < graph.nodeCount && wrong.length < 5; i++) {
      if (graph.ordinalOfId(graph.nodeId[i]) !== i) wrong.push(`@${graph.nodeId[i]} → ${graph.ordinalOfId(graph.nodeId[i])}, not ${i}`);
    }
    expect(wrong).toEqual([]);
    const ids = new Set(graph.nodeId);
    const absent = [0, 2, 4, Math.max(...graph.nodeId) + 1, Math.max(...graph.nodeId) + 2].filter((id) => !ids.has(id));
    expect(absent.map((id) => graph.ordinalOfId(id))).toEqual(absent.map(() => -1));
  });

  it('ids far apart (no direct table) and even ids', () => {
    const b = new SnapshotBuilder();
    const root = b.root();
    const ids = [3, 2_000_000_001, 8, 4_000_000_000];
    const nodes = ids.map((id) => b.node('object', 'X', { id }));
    nodes.forEach((n, k) => b.edge(root, 'element', k + 1, n));
    const graph = parseSnapshotText(b.toJSON());
    expect(ids.map((id) => graph.ordinalOfId(id))).toEqual(nodes);
    expect([5, 2_000_000_003, 6].map((id) => graph.ordinalOfId(id))).toEqual([-1, -1, -1]);
  });
});
