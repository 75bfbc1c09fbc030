// What `leakscope suspects` reads, prepared on two cores (summary-parallel.ts: the worker names
// classes, computes self sizes, holders and distances while this thread builds the dominator tree),
// equals what one thread computes, down to the report.
import { describe, expect, it } from 'vitest';
import { fixturePath } from '../helpers/fixtures.ts';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import { shareGraph } from '../../src/snapshot/shared-graph.ts';
import { prepareSuspectsInParallel, startSummaryWorker } from '../../src/workers/summary-parallel.ts';
import { computeChainParents } from '../../src/analysis/chain-parents.ts';
import { computeDistances } from '../../src/analysis/distances.ts';
import { computeHolders } from '../../src/analysis/holders.ts';
import { findLeakSuspects } from '../../src/analysis/suspects.ts';
import { suspectsToJson } from '../../src/report/suspects.ts';
import { failingAt } from '../helpers/failing-worker.ts';

// Parsed into shared memory (parallelEdgesMinBytes 0) and with a worker whatever the file size (minBytes 0).
const SHARED = { parallelEdgesMinBytes: 0 };
const SEQUENTIAL = { parallelEdgesMinBytes: Infinity };

describe('suspects on two cores (prepareSuspectsInParallel)', () => {
  it('leaky-server-3 at a 1% threshold: the same holders, distances, chain parents and suspects as on one thread', async () => {
    const file = fixturePath('leaky-server-3');
    const alone = await loadSnapshot(file, SEQUENTIAL);
    const expected = suspectsToJson(alone, findLeakSuspects(alone, { thresholdPercent: 1 }), file);
    const graph = await loadSnapshot(file, SHARED);
    expect(shareGraph(graph)).not.toBeNull();
    expect(await prepareSuspectsInParallel(graph, 'devtools', startSummaryWorker(file, 0))).toBe(true);
    // Adopted from the worker, before findLeakSuspects asks for them.
    for (const key of ['holders', 'distances', 'classIndex:devtools', 'ownedSelfSizes']) expect(graph.hasCached(key)).toBe(true);
    expect(computeHolders(graph)).toEqual(computeHolders(alone));
    expect(computeDistances(graph)).toEqual(computeDistances(alone));
    // From the adopted distances by a pass over the edges; alone, during the distance search.
    expect(computeChainParents(graph)).toEqual(computeChainParents(alone));
    const json = suspectsToJson(graph, findLeakSuspects(graph, { thresholdPercent: 1 }), file);
    expect((json as { suspects: unknown[] }).suspects.length).toBeGreaterThan(1);
    expect(json).toEqual(expected);
  }, 60_000);

  // `suspects`' answers in order (summary-worker.ts).
  for (const [position, step] of ['graph', 'classes', 'retainers', 'sizes', 'holders', 'distances'].entries()) {
    it(`gives the same suspects when the worker's '${step}' answer fails (that part computed here)`, async () => {
      const file = fixturePath('leaky-server-3');
      const alone = await loadSnapshot(file, SEQUENTIAL);
      const expected = suspectsToJson(alone, findLeakSuspects(alone, { thresholdPercent: 1 }), file);
      const graph = await loadSnapshot(file, SHARED);
      expect(await prepareSuspectsInParallel(graph, 'devtools', failingAt(startSummaryWorker(file, 0)!, position))).toBe(step !== 'classes');
      expect(suspectsToJson(graph, findLeakSuspects(graph, { thresholdPercent: 1 }), file)).toEqual(expected);
    }, 60_000);
  }

  it('without a worker it prepares nothing: findLeakSuspects computes what it needs', async () => {
    const graph = await loadSnapshot(fixturePath('basic'), SEQUENTIAL);
    expect(await prepareSuspectsInParallel(graph, 'devtools', null)).toBe(false);
    expect(graph.hasCached('holders')).toBe(false);
    expect(graph.hasCached('distances')).toBe(false);
  });
});
