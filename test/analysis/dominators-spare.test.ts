// finishDominatorTree hands the predecessors' memory past the first N + 1 numbers to afterPeak while
// the semidominator loop still runs (dominators.ts), and `top`'s worker writes distances there at
// once. Seeded random graphs with the oddities real heaps rarely show (the root and (GC roots)
// retained by others, self and parallel edges, weak-only nodes, cycles nothing holds, WeakMap
// ephemerons, page-owned nodes under (Document DOM trees)), dense enough that most have
// predecessors beyond N + 1: every spare number is overwritten the moment it is handed over, and
// the tree must still be the one computeDominatorTree builds.
import { describe, expect, it } from 'vitest';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { caseCount } from '../helpers/counts.ts';
import { parseSnapshotText } from '../../src/snapshot/load.ts';
import {
  computeDominatorTree, computeEssentialEdges, countEssentialRetainers, finishDominatorTree, predecessorMemoryAhead,
  searchEssentialGraph, touchPredecessorMemory, touchedSearchMemory,
} from '../../src/analysis/dominators.ts';
import { distanceMemoryLength } from '../../src/analysis/distances.ts';
import { seeded } from '../helpers/seeded.ts';

function randomSnapshot(seed: number): string {
  const random = seeded(seed);
  const below = (k: number) => Math.floor(random() * k);
  const b = new SnapshotBuilder();
  const root = b.root();
  const gcRoots = b.node('synthetic', '(GC roots)');
  const nodes = [root, gcRoots];
  if (random() < 0.3) {
    const domTrees = b.node('synthetic', '(Document DOM trees)');
    b.edge(root, 'element', 2, domTrees);
    nodes.push(domTrees);
  }
  b.edge(root, 'element', 1, gcRoots);
  for (let k = 0; k < 1 + below(3); k++) {
    const global = b.node('object', 'global', { selfSize: below(50) });
    b.edge(root, 'shortcut', String(k), global);
    nodes.push(global);
  }
  const size = 4 + below(random() < 0.5 ? 20 : 120);
  for (let k = 0; k < size; k++) nodes.push(b.node(random() < 0.8 ? 'object' : 'array', `C${below(4)}`, { selfSize: below(100) }));
  const pick = () => nodes[below(nodes.length)];
  const types = ['property', 'property', 'property', 'property', 'element', 'internal', 'context', 'weak', 'shortcut'];
  const edgeCount = Math.floor(nodes.length * (1 + random() * 7));
  for (let k = 0; k < edgeCount; k++) {
    const from = pick();
    const to = random() < 0.05 ? from : pick();
    const type = types[below(types.length)];
    b.edge(from, type, type === 'element' ? below(8) : `p${below(3)}`, to);
    if (random() < 0.05) b.edge(from, type, type === 'element' ? 9 : 'again', to);
  }
  for (let k = 0; k < below(3); k++) {
    const cycle = [b.node('object', 'Ring'), b.node('object', 'Ring')];
    b.edge(cycle[0], 'property', 'next', cycle[1]).edge(cycle[1], 'property', 'next', cycle[0]).edge(cycle[1], 'property', 'out', pick());
    const weakOnly = b.node('object', 'WeakOnly');
    b.edge(pick(), 'weak', 'w', weakOnly);
  }
  for (let k = 0; k < below(3); k++) {
    const key = pick();
    const value = b.node('object', 'Value', { selfSize: 9 });
    const table = b.node('array', '', { selfSize: 4 });
    b.edge(pick(), 'internal', 'table', table);
    const pair = ` / part of key (K @${b.idOf(key)}) -> value (V @${b.idOf(value)}) pair in WeakMap (table @${b.idOf(table)})`;
    b.edge(key, 'internal', `2${pair}`, value).edge(table, 'internal', `3${pair}`, value);
  }
  return b.toJSON();
}

describe('dominator tree with its spare memory handed over during the semidominators', () => {
  // The first 150 seeds in npm test (an off-by-one in when the spare is handed over fails several),
  // 2,000 under npm run bench:noise.
  const seeds = caseCount(150, 2000);

  for (const [label, withCounts, madeAhead] of [['counted here', false, false], ['counted and made by another thread', true, true]] as const) {
    it(`builds computeDominatorTree's tree on ${seeds} random graphs with the spare overwritten at once (${label})`, () => {
      let beyond = 0;
      for (let seed = 1; seed <= seeds; seed++) {
        const text = randomSnapshot(seed);
        const expected = computeDominatorTree(parseSnapshotText(text));
        const graph = parseSnapshotText(text);
        const essential = computeEssentialEdges(graph);
        const counts = new Uint32Array(graph.nodeCount + 2);
        const essentialCount = countEssentialRetainers(graph, essential, counts);
        const spareLength = distanceMemoryLength(graph);
        const predecessors = madeAhead ? predecessorMemoryAhead(graph.nodeCount, graph.edgeCount, spareLength) : undefined;
        if (predecessors !== undefined) touchPredecessorMemory(predecessors, graph.nodeCount, essentialCount, spareLength);
        const search = searchEssentialGraph(graph, essential, madeAhead ? touchedSearchMemory(graph.nodeCount, graph.edgeCount) : undefined);
        // Predecessors past N + 1 (not counting tree edges): the spare is handed over mid-loop.
        if (essentialCount - (search.lastSearchedNumber - 1) > graph.nodeCount + 1) beyond++;
        let handedOver = 0;
        const tree = finishDominatorTree(graph, essential, search, {
          retainerCounts: withCounts ? counts : undefined, spareLength, predecessors,
          // 1, the root's number: a loop that still read this memory would find the root a
          // predecessor of everything there and get wrong dominators, never an endless loop.
          afterPeak: (spare) => { handedOver++; spare!.fill(1); },
        });
        expect(handedOver, `seed ${seed}`).toBe(1);
        expect(Array.from(tree.idom), `seed ${seed}`).toEqual(Array.from(expected.idom));
        expect(Array.from(tree.dominated), `seed ${seed}`).toEqual(Array.from(expected.dominated));
        expect(Array.from(tree.retained), `seed ${seed}`).toEqual(Array.from(expected.retained));
      }
      // The case that matters is common, not an accident of the seeds.
      expect(beyond).toBeGreaterThan(seeds / 3);
    });
  }
});
