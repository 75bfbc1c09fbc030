// Growth between snapshots: facts by construction of the fixture programs (fixtures/programs/*.mjs),
// hand-made snapshots for the series logic and the same-process test, and the CI gate's rules.
import { describe, expect, it } from 'vitest';
import { loadSnapshot, parseSnapshotText } from '../../src/snapshot/load.ts';
import { computeGrowth, type ClassGrowth, type GrowthResult } from '../../src/analysis/growth.ts';
import { checkSameProcess } from '../../src/analysis/same-process.ts';
import { checkGateNames, evaluateGate, parseThreshold, resolveGateNames, V8_INTERNAL_CLASSES, defaultGateSettings, type GateSettings } from '../../src/analysis/growth-gate.ts';
import { didYouMean, matchClassName, suggestClassNames } from '../../src/analysis/class-suggestions.ts';
import { LeakscopeError } from '../../src/errors.ts';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { fixturePath } from '../helpers/fixtures.ts';

const load = (name: string) => loadSnapshot(fixturePath(name));
const byName = (result: GrowthResult, name: string) => result.classes.find((c) => c.name === name);

describe('computeGrowth on real snapshots of one process', () => {
  it('diff-a → diff-b: Leak +150 (200 new alive, 50 deleted), Stable +1', async () => {
    // diff-pair.mjs: 100 Leak in A; then 200 created and the 50 oldest dropped; one more Stable.
    const result = computeGrowth([await load('diff-a'), await load('diff-b')]);
    const leak = byName(result, 'Leak')!;
    expect(leak.counts).toEqual([100, 250]);
    expect(leak).toMatchObject({ delta: 150, newAlive: 200, added: 200, deleted: 50, monotonic: true });
    expect(leak.examples).toHaveLength(5);
    expect(leak.newOrdinals).toHaveLength(200);
    expect(byName(result, 'Stable')).toMatchObject({ counts: [1, 2], delta: 1, newAlive: 1, deleted: 0 });
    expect(result.sameProcess[0].isSameProcess).toBe(true);
  });

  it('leaky-server 1 → 2 → 3: RequestContext 200/400/600, grew at every step, 400 new and alive', async () => {
    // leaky-server.mjs: 200 requests per batch, each RequestContext kept forever.
    const result = computeGrowth([await load('leaky-server-1'), await load('leaky-server-2'), await load('leaky-server-3')]);
    const ctx = byName(result, 'RequestContext')!;
    expect(ctx.counts).toEqual([200, 400, 600]);
    expect(ctx).toMatchObject({ delta: 400, newAlive: 400, deleted: 0, monotonic: true });
    expect(result.snapshots).toHaveLength(3);
  });

  it('clean-server 1 → 3: no RequestContext at all, and nothing outside V8 internals grows by 10', async () => {
    const result = computeGrowth([await load('clean-server-1'), await load('clean-server-3')]);
    expect(byName(result, 'RequestContext')).toBeUndefined();
    const grown = result.classes.filter((c) => c.delta >= 10 && !V8_INTERNAL_CLASSES.includes(c.name));
    expect(grown).toEqual([]);
  });

  it('refuses snapshots of different processes (exit 2), and explains how to proceed', async () => {
    for (const [a, b] of [['leaky-server-1', 'clean-server-3'], ['diff-a', 'basic']]) {
      const graphs = [await load(a), await load(b)];
      let error: unknown;
      try {
        computeGrowth(graphs);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(LeakscopeError);
      expect((error as LeakscopeError).exitCode).toBe(2);
      expect((error as Error).message).toMatch(/do not come from the same process.*--counts-only/);
      expect(checkSameProcess(graphs[0], graphs[1]).fraction).toBeLessThan(0.5);
    }
  });

  it('refuses a reversed pair of one process with the right order in the message', async () => {
    const [a, b] = [await load('diff-a'), await load('diff-b')];
    expect(() => computeGrowth([b, a], { labels: ['b', 'a'] })).toThrow(/a was taken before b/);
  });

  it('--counts-only compares different processes by class name, without ids', async () => {
    const result = computeGrowth([await load('leaky-server-1'), await load('clean-server-3')], { countsOnly: true });
    const ctx = byName(result, 'RequestContext')!;
    expect(ctx).toMatchObject({ counts: [200, 0], delta: -200, newAlive: null, added: null });
  });
});

/** Three snapshots of one "process": the same long-lived objects keep their ids, new ones get higher ids. */
function series(countsPerSnapshot: Record<string, number>[], options: { renameGlobal?: boolean } = {}) {
  let nextNewId = 1001;
  const alive = new Map<string, number[]>(); // class → ids alive so far
  return countsPerSnapshot.map((counts, k) => {
    const b = new SnapshotBuilder();
    const root = b.root();
    const gcRoots = b.node('synthetic', '(GC roots)', { id: 3 });
    const global = b.node('object', options.renameGlobal && k > 0 ? 'NotGlobal' : 'global', { id: 5, selfSize: 24 });
    const holder = b.node('object', 'Array', { id: 7, selfSize: 16 });
    b.edge(root, 'element', 1, gcRoots).edge(root, 'shortcut', '1', global).edge(global, 'property', 'items', holder);
    let index = 0;
    for (const [name, count] of Object.entries(counts)) {
      const ids = alive.get(name) ?? [];
      while (ids.length < count) ids.push((nextNewId += 2));
      ids.splice(0, ids.length - count); // the oldest die first
      alive.set(name, ids);
      for (const id of ids) b.edge(holder, 'element', index++, b.node('object', name, { id, selfSize: 32 }));
    }
    return parseSnapshotText(b.toJSON(), `s${k + 1}`);
  });
}

describe('computeGrowth series logic (hand-made snapshots)', () => {
  it('a class is monotonic only if it grew at every step', () => {
    const graphs = series([{ Up: 1, Bump: 1, Flat: 2 }, { Up: 2, Bump: 5, Flat: 2 }, { Up: 3, Bump: 4, Flat: 3 }]);
    const result = computeGrowth(graphs);
    expect(byName(result, 'Up')).toMatchObject({ counts: [1, 2, 3], delta: 2, monotonic: true, newAlive: 2, sizeDelta: 64 });
    expect(byName(result, 'Bump')).toMatchObject({ counts: [1, 5, 4], delta: 3, monotonic: false });
    expect(byName(result, 'Flat')).toMatchObject({ counts: [2, 2, 3], delta: 1, monotonic: false });
    // Bump: 4 objects created after s1 (ids above s1's newest), 3 of them alive at s3, the original one dead.
    expect(byName(result, 'Bump')).toMatchObject({ newAlive: 4, added: 4, deleted: 1 });
  });

  it('the same ids naming different objects mean different processes', () => {
    const graphs = series([{ A: 1 }, { A: 1 }], { renameGlobal: true });
    expect(checkSameProcess(graphs[0], graphs[1])).toMatchObject({ isSameProcess: false });
    expect(() => computeGrowth(graphs)).toThrow(/do not come from the same process/);
  });

  it('needs two snapshots', () => {
    expect(() => computeGrowth(series([{ A: 1 }]))).toThrow(/at least two/);
  });
});

function growthOf(classes: Partial<ClassGrowth>[]): GrowthResult {
  return {
    snapshots: [], totalSizeDelta: 0, names: 'devtools', countsOnly: false, sameProcess: [], accumulation: null,
    knownClasses: { names: classes.map((c) => c.name ?? 'X'), keys: classes.map((c) => `,${c.name ?? 'X'}`) },
    classes: classes.map((c) => ({
      name: 'X', key: `,${c.name ?? 'X'}`, counts: [0, c.delta ?? 0], sizes: [0, 0], delta: 0, sizeDelta: 0, retainedSizes: null,
      retainedSizeDelta: null, monotonic: (c.delta ?? 0) > 0, newAlive: 0, newAliveSize: 0, added: 0, deleted: 0, heldBy: null, mainHolder: null, examples: [],
      newOrdinals: new Uint32Array(0), ...c,
    })),
  };
}
const gate = (overrides: Partial<GateSettings>): GateSettings => ({ ...defaultGateSettings(), ...overrides });
const violated = (result: GrowthResult, settings: GateSettings) => evaluateGate(result, settings).violations.map((v) => `${v.name}:${v.delta}>${v.limit}`);

describe('evaluateGate', () => {
  const result = growthOf([
    { name: 'Leak', delta: 400, sizeDelta: 1000 },
    { name: 'Small', delta: 9, sizeDelta: 100 },
    { name: 'Wobbly', delta: 50, monotonic: false, sizeDelta: 100 },
    { name: '(compiled code)', delta: 300, sizeDelta: 50_000 },
    { name: 'Detached <div>', delta: 20, sizeDelta: 10 },
  ]);

  it('defaults: monotonic growth of at least --min-delta 10, V8 internals aside', () => {
    expect(violated(result, gate({}))).toEqual(['Leak:400>9', 'Detached <div>:20>9']);
    expect(violated(result, gate({ minDelta: 1 }))).toEqual(['Leak:400>0', 'Detached <div>:20>0', 'Small:9>0']);
  });

  it('--threshold NAME=N sets one class\'s allowance, *=N every class\'s; monotonic is still required', () => {
    expect(violated(result, gate({ thresholds: new Map([['Small', 0]]) }))).toEqual(['Leak:400>9', 'Detached <div>:20>9', 'Small:9>0']);
    expect(violated(result, gate({ thresholds: new Map([['*', 100]]) }))).toEqual(['Leak:400>100']);
    expect(violated(result, gate({ thresholds: new Map([['*', 1000], ['Wobbly', 0]]) }))).toEqual([]);
    expect(evaluateGate(result, gate({ thresholds: new Map([['*', 100]]) })).violations[0].rule).toBe('threshold');
  });

  it('--ignore takes exact names and /regex/', () => {
    expect(violated(result, gate({ ignore: ['Leak', '/^Detached /'] }))).toEqual([]);
    expect(evaluateGate(result, gate({ ignore: ['Leak'] })).verdicts).toEqual(['ignored', 'watched', 'watched', 'internal', 'watched']);
  });

  it('V8 internals are gated with --include-internals, or when a threshold names them', () => {
    expect(violated(result, gate({ includeInternals: true }))).toContain('(compiled code):300>9');
    expect(violated(result, gate({ thresholds: new Map([['(compiled code)', 500]]) }))).not.toContain('(compiled code):300>500');
    expect(violated(result, gate({ thresholds: new Map([['(compiled code)', 100]]) }))).toContain('(compiled code):300>100');
  });

  it('--threshold-bytes limits the total self-size growth of the gated classes', () => {
    // Watched: 1000 + 100 + 100 + 10 bytes; (compiled code) is not watched.
    expect(violated(result, gate({ thresholdBytes: 1210 }))).not.toContain('(total self size):1210>1210');
    expect(violated(result, gate({ thresholdBytes: 1209 }))).toContain('(total self size):1210>1209');
  });

  it('parses NAME=N', () => {
    expect(parseThreshold('RequestContext=0')).toEqual(['RequestContext', 0]);
    expect(parseThreshold('*=100')).toEqual(['*', 100]);
    expect(parseThreshold('{a=b}=3')).toEqual(['{a=b}', 3]);
    for (const bad of ['X', '=3', 'X=-1', 'X=1.5', 'X=']) expect(() => parseThreshold(bad)).toThrow(SyntaxError);
  });
});

describe('evaluateGate: what holds the new objects', () => {
  const held = (program: number, transient: number, v8: number) => ({ program, transient, v8, weak: 0 });
  const result = growthOf([
    // A healthy server's lazily compiled routes: strings that V8's constant pools hold.
    { name: '(string)', delta: 37, sizeDelta: 1000, heldBy: held(3, 2, 37) },
    // A leak, with the strings and numbers its objects hold.
    { name: 'AuditEntry', delta: 955, sizeDelta: 50_000, heldBy: held(955, 0, 0) },
    { name: '(number)', delta: 956, sizeDelta: 15_000, heldBy: held(975, 0, 1), mainHolder: { name: 'AuditEntry', key: ',AuditEntry', count: 955 } },
    { name: '{a, b}', delta: 40, sizeDelta: 900, heldBy: held(40, 0, 0), mainHolder: { name: 'AuditEntry', key: ',AuditEntry', count: 10 } },
  ]);

  it('counts only what the program holds, unless a threshold names the class or --all-holders', () => {
    expect(violated(result, gate({}))).toEqual(['AuditEntry:955>9', '{a, b}:40>9', '(number):956>9']);
    expect(violated(result, gate({ allHolders: true }))).toContain('(string):37>9');
    expect(violated(result, gate({ thresholds: new Map([['(string)', 20]]) }))).toContain('(string):37>20');
    // The catch-all weighs program-held objects like the default does.
    expect(violated(result, gate({ thresholds: new Map([['*', 5]]) }))).not.toContain('(string):37>5');
  });

  it('a built-in class held (≥ 80%) by a failing named class is explained by it, and listed after the leaks', () => {
    const { violations } = evaluateGate(result, gate({}));
    expect(violations.map((v) => [v.name, v.explainedBy?.name ?? null])).toEqual([
      ['AuditEntry', null], ['{a, b}', null], ['(number)', 'AuditEntry'],
    ]);
    expect(violations[0].heldByProgram).toBe(955);
  });

  it('checkGateNames warns about names that match no class, with the closest ones', () => {
    const settings = { thresholds: new Map([['AuditEntri', 0], ['*', 3]]), ignore: ['(strin)', '/^Nope/', '/^Audit/', 'AuditEntry'] };
    expect(checkGateNames(result, settings)).toEqual([
      'threshold "AuditEntri" matches no class in any snapshot (did you mean "AuditEntry"?)',
      'ignore "(strin)" matches no class in any snapshot (did you mean "(string)"?)',
      'ignore /^Nope/ matches no class in any snapshot',
    ]);
  });

  it('resolveGateNames resolves names ignoring case and returns the unknown ones as data; classes gates only those', () => {
    const { settings, unknown } = resolveGateNames(result, { thresholds: new Map([['auditentry', 0], ['Sesion', 0]]), ignore: [], classes: ['auditentry', 'Sesion'] });
    expect([...settings.thresholds.keys()]).toEqual(['AuditEntry', 'Sesion']);
    expect(settings.classes).toEqual(['AuditEntry', 'Sesion']);
    // Unknown in thresholds and classes alike: reported once, under the threshold.
    expect(unknown).toEqual([{ setting: 'threshold', name: 'Sesion', warning: 'threshold "Sesion" matches no class in any snapshot' }]);
    expect(evaluateGate(result, { classes: ['(string)'], thresholds: { '*': 0 } }).violations.map((v) => v.name)).toEqual(['(string)']);
  });
});

describe('matchClassName', () => {
  it('exact name or key, else the one name equal ignoring case', () => {
    expect(matchClassName('Leak', ['Leak', 'leak'])).toEqual({ kind: 'exact', name: 'Leak' });
    expect(matchClassName('k1', ['Leak'], ['k1'])).toEqual({ kind: 'exact', name: 'k1' });
    expect(matchClassName('LEAK', ['Leak', 'Other'])).toEqual({ kind: 'ignoring-case', name: 'Leak' });
    expect(matchClassName('LEAK', ['Leak', 'leak'])).toEqual({ kind: 'ambiguous', names: ['Leak', 'leak'] });
    expect(matchClassName('Nope', ['Leak'])).toEqual({ kind: 'none' });
  });
});

describe('suggestClassNames', () => {
  const names = ['RequestContext', 'RequestLog', 'Request', 'Response', '(string)', 'ResponseCache'];
  it('case first, then edit distance, then containment', () => {
    expect(suggestClassNames('requestcontext', names)).toEqual(['RequestContext']);
    expect(suggestClassNames('RequestContxt', names)).toEqual(['RequestContext']);
    expect(suggestClassNames('RequsetLog', names)).toEqual(['RequestLog']);
    expect(suggestClassNames('Respons', names)).toEqual(['Response', 'ResponseCache']);
    expect(suggestClassNames('Zebra', names)).toEqual([]);
    expect(didYouMean(['A', 'B'])).toBe(' (did you mean "A" or "B"?)');
  });
});
