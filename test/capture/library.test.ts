// The package's main export, imported by name as users do (self-reference through "exports").
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { computeHistogram, loadSnapshot, measureGrowth, takeSnapshot } from 'leakscope';

class ApiCacheEntry {
  constructor(readonly key: number) {}
}
const apiCache = new Map<number, ApiCacheEntry>();

describe("import { takeSnapshot, measureGrowth, loadSnapshot } from 'leakscope'", () => {
  it('takeSnapshot writes a file that loadSnapshot reads', async () => {
    const { file, bytes } = await takeSnapshot();
    try {
      expect(bytes).toBeGreaterThan(0);
      const graph = await loadSnapshot(file);
      expect(computeHistogram(graph).classes.length).toBeGreaterThan(10);
    } finally {
      fs.rmSync(file, { force: true });
    }
  });

  it('measureGrowth reports the growing class with its exact delta and deletes its snapshots', async () => {
    // `classes` names resolve as findInstances does: exactly, else ignoring case.
    const result = await measureGrowth((i) => { apiCache.set(i, new ApiCacheEntry(i)); }, { iterations: 20, warmup: 2, classes: ['apiCacheEntry'] });
    expect(result.isLeaking).toBe(true);
    expect(result.gate.violations).toEqual([expect.objectContaining({ name: 'ApiCacheEntry', delta: 20 })]);
    expect(result.growth.classes.find((c) => c.name === 'ApiCacheEntry')?.counts).toEqual([2, 12, 22]);
    expect(result.report).toMatch(/What holds the 20 new ApiCacheEntry objects/);
    expect(result.snapshots.some((f) => fs.existsSync(f))).toBe(false);
  });
});

describe("the analyses from 'leakscope'", () => {
  it('explain why the leaked RequestContext objects of the leaky server are alive', async () => {
    const { loadSnapshot: load, computeClassSummary, findRetainerChain, computeRetainedSizes, computeDistances, isUserDistance } = await import('leakscope');
    const { fixtureGzPath } = await import('../helpers/fixtures.ts');
    const graph = await load(fixtureGzPath('leaky-server-3'));
    const row = computeClassSummary(graph).classes.find((c) => c.name === 'RequestContext')!;
    expect(row.count).toBe(600);
    expect(row.retainedSize).toBeGreaterThanOrEqual(row.selfSize);
    const instance = graph.ordinalOfId(graph.nodeId.find((_, i) => graph.nodeTypeOf(i) === 'object' && graph.nodeNameOf(i) === 'RequestContext')!);
    const chain = findRetainerChain(graph, instance)!;
    const edgeNames = chain.edges.slice(0, -1).map((e) => graph.edgeNameOf(e));
    expect(edgeNames.slice(-2)).toEqual(['requestLog', '0']);
    expect(isUserDistance(computeDistances(graph)[instance])).toBe(true);
    expect(computeRetainedSizes(graph)[instance]).toBeGreaterThan(0);
  });
});

describe('the growth API with defaults, and clear errors for wrong arguments', () => {
  it('computeGrowthOfFiles(files) then evaluateGate(result, {}) gate with the defaults', async () => {
    const { computeGrowthOfFiles, evaluateGate, defaultGateSettings, DEFAULT_MIN_DELTA } = await import('leakscope');
    const { fixturePath } = await import('../helpers/fixtures.ts');
    const { result } = await computeGrowthOfFiles([fixturePath('leaky-server-1'), fixturePath('leaky-server-3')]);
    const gate = evaluateGate(result, {});
    expect(gate.violations[0]).toMatchObject({ name: 'RequestContext', delta: 400, limit: DEFAULT_MIN_DELTA - 1 });
    expect(evaluateGate(result, { thresholds: { RequestContext: 400 } }).violations.map((v) => v.name)).not.toContain('RequestContext');
    expect(defaultGateSettings().minDelta).toBe(DEFAULT_MIN_DELTA);
    expect(() => evaluateGate(result, { minDelta: -1 })).toThrow(new TypeError('gate setting minDelta must be a whole number ≥ 0, got -1'));
    expect(() => evaluateGate(result, { ignore: 'RequestContext' as unknown as string[] })).toThrow(TypeError);
    expect(() => evaluateGate({} as never, {})).toThrow(/result must be what computeGrowth returned/);
  });

  it('findInstances(graph, name): exact, then ignoring case; a typo throws with the closest name', async () => {
    const { findInstances, loadSnapshot: load } = await import('leakscope');
    const { fixturePath } = await import('../helpers/fixtures.ts');
    const graph = await load(fixturePath('leaky-server-3'));
    expect(findInstances(graph, 'RequestContext')).toHaveLength(600);
    expect(findInstances(graph, 'requestcontext')).toHaveLength(600);
    expect(() => findInstances(graph, 'RequestContxt')).toThrow(/no class "RequestContxt" in .* \(did you mean "RequestContext"\?\)/);
  });
});

describe('measureGrowth measures the function, not leakscope', () => {
  it('a function that does nothing, no warm-up, one batch, threshold 0, in a plain Node process → no violation', async () => {
    const { spawnSync } = await import('node:child_process');
    const script = `
      const { measureGrowth } = await import('leakscope');
      const result = await measureGrowth(() => {}, { warmup: 0, iterations: 9, batches: 1, threshold: 0 });
      console.log(JSON.stringify({ isLeaking: result.isLeaking, violations: result.gate.violations.map((v) => v.name + ' +' + v.delta) }));`;
    const { PROJECT_ROOT } = await import('../helpers/cli.ts');
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ isLeaking: false, violations: [] });
  });
});

describe('the README\'s library example runs as written', () => {
  it('node examples/library.mjs', async () => {
    const { spawnSync } = await import('node:child_process');
    const { PROJECT_ROOT } = await import('../helpers/cli.ts');
    const r = spawnSync(process.execPath, ['examples/library.mjs'], { cwd: PROJECT_ROOT, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^RequestContext instances: 600$/m);
    expect(r.stdout).toMatch(/^violations: RequestContext \+400, /m);
  });
});
