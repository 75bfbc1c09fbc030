import { describe, expect, it } from 'vitest';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { parseSnapshotText } from '../../src/snapshot/load.ts';
import {
  computeDominatedChildren, computeDominatorTree, computeEssentialEdges, computePageOwned, computeRetainedSizes,
  countEssentialRetainers, finishDominatorTree, predecessorMemoryAhead, searchEssentialGraph, touchPredecessorMemory, touchedSearchMemory,
} from '../../src/analysis/dominators.ts';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import { computeDistances, distanceMemoryLength } from '../../src/analysis/distances.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import type { HeapGraph } from '../../src/snapshot/heap-graph.ts';
import { computeClassRetainedSizes } from '../../src/analysis/class-retained.ts';
import { computeClassIndex } from '../../src/snapshot/class-names.ts';

/**
 * root ─shortcut─▶ G(10) ─a─▶ A(20) ─c─▶ C(40) ─d─▶ D(50)      C ─self─▶ C
 *                    ├─b─▶ B(30) ─c─▶ C                           A ─shortcut bound_argument_0─▶ E(7)
 *                    ├─weak w─▶ W(5) ─q─▶ Q(6)                    B ─e─▶ E
 *                    ├─k─▶ K(8) ─(ephemeron key→value)─▶ V(9)
 *                    ├─wm─▶ WM(12) ─table─▶ T(0) ─(ephemeron table→value)─▶ V
 *                    └─list─▶ L1(10) ─next─▶ L2(10) ─next─▶ L3(10)
 *   └─element 1─▶ (GC roots) ─x─▶ S(11) ─p─▶ A
 * X(3) ⇄ Y(4): a cycle nothing else holds.
 */
function build() {
  const b = new SnapshotBuilder();
  const root = b.root();
  const gcRoots = b.node('synthetic', '(GC roots)');
  const G = b.node('object', 'global', { selfSize: 10 });
  const A = b.node('object', 'A', { selfSize: 20 });
  const B = b.node('object', 'B', { selfSize: 30 });
  const C = b.node('object', 'C', { selfSize: 40 });
  const D = b.node('object', 'D', { selfSize: 50 });
  const E = b.node('object', 'E', { selfSize: 7 });
  const W = b.node('object', 'W', { selfSize: 5 });
  const Q = b.node('object', 'Q', { selfSize: 6 });
  const K = b.node('object', 'K', { selfSize: 8 });
  const V = b.node('object', 'V', { selfSize: 9 });
  const WM = b.node('object', 'WeakMap', { selfSize: 12 });
  const T = b.node('array', '', { selfSize: 0 });
  const L1 = b.node('object', 'Node', { selfSize: 10 });
  const L2 = b.node('object', 'Node', { selfSize: 10 });
  const L3 = b.node('object', 'Node', { selfSize: 10 });
  const S = b.node('object', 'S', { selfSize: 11 });
  const X = b.node('object', 'X', { selfSize: 3 });
  const Y = b.node('object', 'Y', { selfSize: 4 });
  const pair = ` / part of key (K @${b.idOf(K)}) -> value (V @${b.idOf(V)}) pair in WeakMap (table @${b.idOf(T)})`;
  b.edge(root, 'element', 1, gcRoots).edge(root, 'shortcut', '1', G);
  b.edge(gcRoots, 'internal', 'x', S).edge(S, 'property', 'p', A);
  b.edge(G, 'property', 'a', A).edge(G, 'property', 'b', B).edge(G, 'weak', 'w', W).edge(G, 'property', 'k', K)
    .edge(G, 'property', 'wm', WM).edge(G, 'property', 'list', L1);
  b.edge(A, 'property', 'c', C).edge(A, 'shortcut', 'bound_argument_0', E);
  b.edge(B, 'property', 'c', C).edge(B, 'property', 'e', E);
  b.edge(C, 'property', 'd', D).edge(C, 'property', 'self', C);
  b.edge(W, 'property', 'q', Q);
  b.edge(K, 'internal', `2${pair}`, V).edge(WM, 'internal', 'table', T).edge(T, 'internal', `3${pair}`, V);
  b.edge(L1, 'property', 'next', L2).edge(L2, 'property', 'next', L3);
  b.edge(X, 'property', 'y', Y).edge(Y, 'property', 'x', X);
  const graph = parseSnapshotText(b.toJSON());
  return { graph, refs: { root, gcRoots, G, A, B, C, D, E, W, Q, K, V, WM, T, L1, L2, L3, S, X, Y } };
}

describe('dominators (DevTools rules, docs/FORMAT.md §4)', () => {
  it('marks what the globals reach without weak edges as page-owned', () => {
    const { graph, refs: r } = build();
    const owned = computePageOwned(graph);
    expect([r.G, r.A, r.C, r.E, r.V, r.L3].map((o) => owned[o])).toEqual([1, 1, 1, 1, 1, 1]);
    expect([r.root, r.gcRoots, r.S, r.W, r.Q, r.X].map((o) => owned[o])).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('drops weak, self, non-root shortcut, table→value and system→page edges', () => {
    const { graph, refs: r } = build();
    const bits = computeEssentialEdges(graph);
    const essential = (from: number, to: number) => {
      for (let e = graph.firstEdge[from]; e < graph.firstEdge[from + 1]; e++) {
        if (graph.edgeTarget[e] === to) return (bits[e >>> 3] & (1 << (e & 7))) !== 0;
      }
      throw new Error('no such edge');
    };
    expect(essential(r.root, r.G)).toBe(true); // a shortcut, but at the root
    expect(essential(r.G, r.W)).toBe(false);
    expect(essential(r.C, r.C)).toBe(false);
    expect(essential(r.A, r.E)).toBe(false);
    expect(essential(r.T, r.V)).toBe(false);
    expect(essential(r.K, r.V)).toBe(true);
    expect(essential(r.S, r.A)).toBe(false);
    expect(essential(r.gcRoots, r.S)).toBe(true);
  });

  it('computes the immediate dominators worked out by hand', () => {
    const { graph, refs: r } = build();
    const { idom, preorder } = computeDominatorTree(graph);
    const expected: [number, number][] = [
      [r.root, r.root], [r.gcRoots, r.root], [r.G, r.root], [r.A, r.G], [r.B, r.G], [r.C, r.G], [r.D, r.C],
      [r.E, r.B], [r.W, r.root], [r.Q, r.W], [r.K, r.G], [r.V, r.K], [r.WM, r.G], [r.T, r.WM],
      [r.L1, r.G], [r.L2, r.L1], [r.L3, r.L2], [r.S, r.gcRoots], [r.X, r.root], [r.Y, r.root],
    ];
    for (const [node, dominator] of expected) expect([node, idom[node]]).toEqual([node, dominator]);
    expect(preorder[0]).toBe(r.root);
    expect(new Set(preorder).size).toBe(graph.nodeCount);
  });

  it('sums retained sizes up the dominator tree', () => {
    const { graph, refs: r } = build();
    const retained = computeRetainedSizes(graph);
    expect(retained[r.D]).toBe(50);
    expect(retained[r.C]).toBe(90);
    expect(retained[r.A]).toBe(20);
    expect(retained[r.B]).toBe(37);
    expect(retained[r.K]).toBe(17);
    expect(retained[r.W]).toBe(11);
    expect(retained[r.L1]).toBe(30);
    expect(retained[r.G]).toBe(10 + 20 + 37 + 90 + 17 + 12 + 30);
    expect(retained[r.root]).toBe(graph.totalSelfSize());
  });

  it('lists each node under its immediate dominator', () => {
    const { graph, refs: r } = build();
    const { firstDominated, dominated } = computeDominatedChildren(graph);
    const children = (o: number) => Array.from(dominated.subarray(firstDominated[o], firstDominated[o + 1]));
    expect(children(r.C)).toEqual([r.D]);
    expect(children(r.G)).toEqual([r.A, r.B, r.C, r.K, r.WM, r.L1]);
    expect(children(r.root)).toEqual([r.gcRoots, r.G, r.W, r.X, r.Y]);
    expect(dominated.length).toBe(graph.nodeCount - 1);
  });

  it('counts a class once per outermost member (class retained size, §4.6)', () => {
    const { graph, refs: r } = build();
    const classes = computeClassIndex(graph, 'devtools');
    const byClass = computeClassRetainedSizes(graph, classes);
    expect(byClass[classes.classOf[r.L1]]).toBe(30); // not 30 + 20 + 10
    expect(byClass[classes.classOf[r.C]]).toBe(90);
  });

  // The root retained by an object, a parent holding its child twice, a node only a weak edge reaches.
  function buildOddities(): HeapGraph {
    const b = new SnapshotBuilder();
    const root = b.root();
    const G = b.node('object', 'global', { selfSize: 10 });
    const A = b.node('object', 'A', { selfSize: 20 });
    const B = b.node('object', 'B', { selfSize: 30 });
    const W = b.node('object', 'W', { selfSize: 5 });
    b.edge(root, 'shortcut', '1', G).edge(G, 'property', 'a', A).edge(G, 'property', 'again', A).edge(A, 'property', 'b', B)
      .edge(B, 'property', 'root', root).edge(A, 'weak', 'w', W).edge(W, 'property', 'b', B);
    return parseSnapshotText(b.toJSON());
  }

  it('builds the same tree from retainer counts another thread made (summary-parallel.ts)', async () => {
    const graphs: [string, () => Promise<HeapGraph>][] = [
      ['the hand-made graph', async () => build().graph],
      ['the oddities', async () => buildOddities()],
      ['leaky-server-1', () => loadSnapshot(fixturePath('leaky-server-1'))],
    ];
    for (const [label, make] of graphs) {
      const graph = await make();
      const essential = computeEssentialEdges(graph);
      const counts = new Uint32Array(graph.nodeCount + 2);
      countEssentialRetainers(graph, essential, counts);
      let peaks = 0;
      const tree = finishDominatorTree(graph, essential, searchEssentialGraph(graph, essential), { retainerCounts: counts, afterPeak: () => peaks++ });
      const expected = computeDominatorTree(await make());
      expect(peaks, label).toBe(1);
      expect(Array.from(tree.idom), label).toEqual(Array.from(expected.idom));
      expect(Array.from(tree.preorder), label).toEqual(Array.from(expected.preorder));
      expect(Array.from(tree.dominated), label).toEqual(Array.from(expected.dominated));
      expect(Array.from(tree.retained), label).toEqual(Array.from(expected.retained));
    }
  });

  it('builds the same tree and distances in the memory of its predecessors when asked to keep it (`top`)', async () => {
    const graph = await loadSnapshot(fixturePath('leaky-server-1'));
    const essential = computeEssentialEdges(graph);
    let spare: Uint32Array | null = null;
    let distances: Int32Array | null = null;
    // The spare memory comes while the semidominators are still being computed (dominators.ts):
    // the distances written into it at once, as the worker may, must leave the tree as it would be.
    const afterPeak = (memory: Uint32Array | null) => { spare = memory; distances = computeDistances(graph, memory!); };
    const tree = finishDominatorTree(graph, essential, searchEssentialGraph(graph, essential), { spareLength: distanceMemoryLength(graph), afterPeak });
    const alone = await loadSnapshot(fixturePath('leaky-server-1'));
    const expected = computeDominatorTree(alone);
    expect(tree.firstDominated.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(Array.from(tree.firstDominated)).toEqual(Array.from(expected.firstDominated));
    expect(Array.from(tree.dominated)).toEqual(Array.from(expected.dominated));
    expect(Array.from(tree.retained)).toEqual(Array.from(expected.retained));
    // Room for the distances and their queue, in the same buffer.
    expect(spare!.length).toBeGreaterThanOrEqual(distanceMemoryLength(graph));
    expect(spare!.buffer).toBe(tree.firstDominated.buffer);
    expect(distances!.buffer).toBe(spare!.buffer);
    expect(Array.from(distances!)).toEqual(Array.from(computeDistances(alone)));
    expect(Array.from(tree.idom)).toEqual(Array.from(expected.idom));
  });

  it('searches in memory another thread made ahead (touchedSearchMemory), and ignores memory made for another graph', async () => {
    const graph = await loadSnapshot(fixturePath('leaky-server-1'));
    const essential = computeEssentialEdges(graph);
    const memory = touchedSearchMemory(graph.nodeCount, graph.edgeCount);
    const search = searchEssentialGraph(graph, essential, memory);
    expect(search.scratch).toBe(memory.scratch);
    expect(search.vertex).toBe(memory.vertex);
    const tree = finishDominatorTree(graph, essential, search);
    const expected = computeDominatorTree(await loadSnapshot(fixturePath('leaky-server-1')));
    expect(Array.from(tree.idom)).toEqual(Array.from(expected.idom));
    expect(Array.from(tree.retained)).toEqual(Array.from(expected.retained));
    const other = touchedSearchMemory(graph.nodeCount + 1, graph.edgeCount);
    const fresh = searchEssentialGraph(graph, essential, other);
    expect(fresh.scratch).not.toBe(other.scratch);
    expect(Array.from(fresh.vertex)).toEqual(Array.from(search.vertex));
  });

  it('fills predecessor memory another thread made and touched ahead (predecessorMemoryAhead)', async () => {
    const graph = await loadSnapshot(fixturePath('leaky-server-1'));
    const essential = computeEssentialEdges(graph);
    const counts = new Uint32Array(graph.nodeCount + 2);
    const essentialCount = countEssentialRetainers(graph, essential, counts);
    let expectedCount = 0;
    for (let e = 0; e < graph.edgeCount; e++) if ((essential[e >>> 3] & (1 << (e & 7))) !== 0) expectedCount++;
    expect(essentialCount).toBe(expectedCount);
    const spareLength = distanceMemoryLength(graph);
    // Made before the count is known: room for every edge.
    const predecessors = predecessorMemoryAhead(graph.nodeCount, graph.edgeCount, spareLength);
    expect(predecessors.length).toBe(Math.max(graph.edgeCount, graph.nodeCount + 1 + spareLength));
    touchPredecessorMemory(predecessors, graph.nodeCount, essentialCount, spareLength);
    expect(predecessors.every((value) => value === 0)).toBe(true);
    let spare: Uint32Array | null = null;
    const tree = finishDominatorTree(graph, essential, searchEssentialGraph(graph, essential), {
      retainerCounts: counts, spareLength, predecessors, afterPeak: (memory) => { spare = memory; },
    });
    const expected = computeDominatorTree(await loadSnapshot(fixturePath('leaky-server-1')));
    expect(tree.firstDominated.buffer).toBe(predecessors.buffer);
    expect(spare!.buffer).toBe(predecessors.buffer);
    expect(Array.from(tree.idom)).toEqual(Array.from(expected.idom));
    expect(Array.from(tree.dominated)).toEqual(Array.from(expected.dominated));
    expect(Array.from(tree.retained)).toEqual(Array.from(expected.retained));
  });
});
