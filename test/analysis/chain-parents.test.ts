// computeChainParents decides each node's preferred retainer in one forward pass over the edges.
// The reference here decides it the direct way, from each node's own retainer list (the reverse
// index), with the rule of docs/FORMAT.md §3.3 written out again: the two must agree on every node of
// real snapshots from Node 18 to 24 and Chrome, WeakMap ephemerons included.
import { describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import type { HeapGraph } from '../../src/snapshot/heap-graph.ts';
import { NO_DISTANCE, computeDistances, createDistanceFilterContext, ephemeronOf, isDistanceEdge } from '../../src/analysis/distances.ts';
import { computeRetainedSizes } from '../../src/analysis/dominators.ts';
import { computeChainParents, edgeTypeRank, isSystemNode } from '../../src/analysis/chain-parents.ts';
import { fixturePath } from '../helpers/fixtures.ts';

/** The preferred retainer edge of every node, from the reverse index; -1 where there is none. */
function referenceParents(graph: HeapGraph): Int32Array {
  const dist = computeDistances(graph);
  const retained = computeRetainedSizes(graph);
  const ctx = createDistanceFilterContext(graph);
  const { firstRetainer, retainerNode, retainerEdge } = graph;
  const result = new Int32Array(graph.nodeCount).fill(-1);
  for (let w = 0; w < graph.nodeCount; w++) {
    if (dist[w] === NO_DISTANCE) continue;
    const candidates: { source: number; edge: number }[] = [];
    for (let k = firstRetainer[w]; k < firstRetainer[w + 1]; k++) {
      const source = retainerNode[k];
      const edge = retainerEdge[k];
      if (graph.edgeType[edge] === graph.types.weak || dist[source] !== dist[w] - 1 || !isDistanceEdge(ctx, source, edge)) continue;
      const ephemeron = ephemeronOf(ctx, edge);
      if (ephemeron !== undefined) {
        // Only with the other edge of its WeakMap pair coming from no farther away.
        let partnered = false;
        for (let j = firstRetainer[w]; j < firstRetainer[w + 1]; j++) {
          const other = ephemeronOf(ctx, retainerEdge[j]);
          if (j !== k && other?.pair === ephemeron.pair && dist[retainerNode[j]] !== NO_DISTANCE && dist[retainerNode[j]] <= dist[source]) partnered = true;
        }
        if (!partnered) continue;
      }
      candidates.push({ source, edge });
    }
    if (candidates.length === 0) continue;
    const key = (c: { source: number; edge: number }) => [edgeTypeRank(graph, c.edge), isSystemNode(graph, c.source) ? 1 : 0, -retained[c.source], c.source, c.edge];
    candidates.sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
      return 0;
    });
    result[w] = candidates[0].edge;
  }
  return result;
}

describe('computeChainParents', () => {
  it.each(['leaky-server-3', 'finreg-node18', 'finreg-node24', 'chrome-page', 'internals'])('%s: the same parent as the reverse-index reference on every node', async (name) => {
    // Parents found during the distance search, and by a pass after it: both must match.
    const during = await loadSnapshot(fixturePath(name));
    const parents = computeChainParents(during);
    const after = await loadSnapshot(fixturePath(name));
    const plainDistances = computeDistances(after);
    const parentsAfter = computeChainParents(after);
    expect(Array.from(computeDistances(during))).toEqual(Array.from(plainDistances));
    expect(Array.from(parentsAfter.edge)).toEqual(Array.from(parents.edge));

    const expected = referenceParents(during);
    const differences: string[] = [];
    for (let w = 0; w < during.nodeCount && differences.length < 5; w++) {
      if (parents.edge[w] !== expected[w]) differences.push(`@${during.nodeId[w]}: edge ${parents.edge[w]}, expected ${expected[w]}`);
      else if (parents.edge[w] >= 0 && parents.node[w] !== during.edgeSource(parents.edge[w])) differences.push(`@${during.nodeId[w]}: wrong source`);
    }
    expect(differences).toEqual([]);
    // Not vacuous: most reachable nodes have a parent.
    expect(parents.edge.filter((e) => e >= 0).length).toBeGreaterThan(during.nodeCount / 2);
  }, 60_000);
});
