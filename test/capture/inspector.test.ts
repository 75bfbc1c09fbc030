import fs from 'node:fs';
import { PerformanceObserver, constants } from 'node:perf_hooks';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { collectGarbage, takeSnapshot } from '../../src/capture/inspector.ts';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import { computeHistogram } from '../../src/analysis/histogram.ts';
import { LeakscopeError } from '../../src/errors.ts';
import { checkSameProcess } from '../../src/analysis/same-process.ts';

class InspectorTestMarker {
  constructor(readonly n: number) {}
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-inspector-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('takeSnapshot (in-process inspector session)', () => {
  it('streams a loadable snapshot of this process to the file, with no temp file left behind', async () => {
    const kept = Array.from({ length: 37 }, (_, i) => new InspectorTestMarker(i));
    const file = path.join(dir, 'self.heapsnapshot');
    const result = await takeSnapshot({ file });
    expect(kept.length).toBe(37);
    expect(result.file).toBe(file);
    expect(result.bytes).toBe(fs.statSync(file).size);
    expect(fs.readdirSync(dir)).toEqual(['self.heapsnapshot']);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600); // a heap holds the program's secrets
    const graph = await loadSnapshot(file);
    const marker = computeHistogram(graph).classes.find((c) => c.name === 'InspectorTestMarker');
    expect(marker?.count).toBe(37);
  });

  it('runs a full GC of its own first (V8 also collects while snapshotting, so unreachable objects are gone either way)', async () => {
    // What the GC step adds is visible only as garbage collections: count the major ones.
    const majorGcs = async (options: { collectGarbage?: boolean }): Promise<number> => {
      let count = 0;
      const observer = new PerformanceObserver((list) => {
        count += list.getEntries().filter((entry) => (entry as unknown as { detail: { kind: number } }).detail.kind === constants.NODE_PERFORMANCE_GC_MAJOR).length;
      });
      observer.observe({ entryTypes: ['gc'] });
      await takeSnapshot({ file: path.join(dir, 'gc.heapsnapshot'), ...options });
      await new Promise((resolve) => setTimeout(resolve, 50)); // gc entries are delivered asynchronously
      observer.disconnect();
      return count;
    };
    let garbage: InspectorTestMarker[] | null = Array.from({ length: 50 }, (_, i) => new InspectorTestMarker(i));
    expect(garbage.length).toBe(50);
    garbage = null;
    const withGc = await majorGcs({});
    const graph = await loadSnapshot(path.join(dir, 'gc.heapsnapshot'));
    expect(computeHistogram(graph).classes.find((c) => c.name === 'InspectorTestMarker')).toBeUndefined();
    // Measured on Node 20: 4 major GCs with the step, 2 (the snapshot's own) without.
    expect(withGc).toBeGreaterThan(await majorGcs({ collectGarbage: false }));
  });

  it('keeps object ids stable across snapshots (one session: disconnecting would make V8 renumber objects)', async () => {
    const a = await takeSnapshot({ file: path.join(dir, 'ids-a.heapsnapshot') });
    await collectGarbage();
    const b = await takeSnapshot({ file: path.join(dir, 'ids-b.heapsnapshot') });
    const evidence = checkSameProcess(await loadSnapshot(a.file), await loadSnapshot(b.file));
    expect(evidence.isSameProcess).toBe(true);
    expect(evidence.fraction).toBeGreaterThan(0.99);
  });

  it('names the file it cannot write', async () => {
    const file = path.join(dir, 'missing-folder', 'x.heapsnapshot');
    await expect(takeSnapshot({ file })).rejects.toThrow(LeakscopeError);
    await expect(takeSnapshot({ file })).rejects.toThrow(/cannot write .*x\.heapsnapshot: no folder /);
  });

  it('collectGarbage works without --expose-gc', async () => {
    await expect(collectGarbage()).resolves.toBeUndefined();
  });
});
