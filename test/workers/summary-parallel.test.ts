import { describe, expect, it } from 'vitest';
import { fixturePath } from '../helpers/fixtures.ts';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import { shareGraph } from '../../src/snapshot/shared-graph.ts';
import { computeClassSummary } from '../../src/analysis/histogram.ts';
import { computeClassSummaryInParallel, startSummaryWorker } from '../../src/workers/summary-parallel.ts';
import { failingAt } from '../helpers/failing-worker.ts';
import { computeDistances } from '../../src/analysis/distances.ts';
import { computeDominatorTree, computeRetainedSizes } from '../../src/analysis/dominators.ts';
import { computeClassIndex } from '../../src/snapshot/class-names.ts';

// Small fixtures take the parallel path when told to: parsed into shared memory
// (parallelEdgesMinBytes 0) and with a worker started whatever the file size (minBytes 0).
const SHARED = { parallelEdgesMinBytes: 0 };
const SEQUENTIAL = { parallelEdgesMinBytes: Infinity };

describe('class summary on two cores (summary-parallel.ts)', () => {
  for (const names of ['devtools', 'raw'] as const) {
    it(`leaky-server-1, --names ${names}: the same rows, class ids and distances as on one thread`, async () => {
      const file = fixturePath('leaky-server-1');
      const alone = await loadSnapshot(file, SEQUENTIAL);
      const expected = computeClassSummary(alone, { names });
      const graph = await loadSnapshot(file, SHARED);
      expect(shareGraph(graph)).not.toBeNull();
      const { usedWorker, ...summary } = await computeClassSummaryInParallel(graph, { names }, startSummaryWorker(file, 0));
      expect(usedWorker).toBe(true);
      expect(summary).toEqual(expected);
      // What the worker computed is what this thread would have: adopted into the graph's cache.
      expect(computeClassIndex(graph, names)).toEqual(computeClassIndex(alone, names));
      expect(computeDistances(graph)).toEqual(computeDistances(alone));
      // The tree built from the worker's retainer counts is the one-thread tree.
      expect(Array.from(computeDominatorTree(graph).idom)).toEqual(Array.from(computeDominatorTree(alone).idom));
      expect(Array.from(computeRetainedSizes(graph))).toEqual(Array.from(computeRetainedSizes(alone)));
    }, 60_000);
  }

  // `top`'s answers in order (summary-worker.ts).
  for (const [position, step] of ['graph', 'searchMemory', 'predecessorMemory', 'retainers', 'classes', 'sizes', 'distances'].entries()) {
    it(`gives the same summary and tree when the worker's '${step}' answer fails (that part computed here)`, async () => {
      const file = fixturePath('leaky-server-1');
      const alone = await loadSnapshot(file, SEQUENTIAL);
      const expected = computeClassSummary(alone, {});
      const graph = await loadSnapshot(file, SHARED);
      const { usedWorker, ...summary } = await computeClassSummaryInParallel(graph, {}, failingAt(startSummaryWorker(file, 0)!, position));
      expect(usedWorker).toBe(step !== 'classes');
      expect(summary).toEqual(expected);
      expect(Array.from(computeDominatorTree(graph).idom)).toEqual(Array.from(computeDominatorTree(alone).idom));
      expect(computeDistances(graph)).toEqual(computeDistances(alone));
    }, 60_000);
  }

  it('computes everything itself when the graph is not in shared memory', async () => {
    const file = fixturePath('basic');
    const graph = await loadSnapshot(file, SEQUENTIAL);
    expect(shareGraph(graph)).toBeNull();
    const { usedWorker, ...summary } = await computeClassSummaryInParallel(graph, {}, startSummaryWorker(file, 0));
    expect(usedWorker).toBe(false);
    expect(summary).toEqual(computeClassSummary(await loadSnapshot(file, SEQUENTIAL)));
  });

  it('starts no worker for a file below the size', () => {
    expect(startSummaryWorker(fixturePath('basic'))).toBeNull();
  });
});
