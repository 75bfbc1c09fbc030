// Unfinalizable registrations (docs/FORMAT.md §7.4) and weak references held strongly, on real snapshots
// of fixtures/programs/finreg-patterns.mjs from Node 18, 20, 22 and 24. Counts come from the
// program's construction (fixtures/README.md): 4 instances of every pattern.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import type { HeapGraph } from '../../src/snapshot/heap-graph.ts';
import { findUnfinalizableRegistrations, findCleanupCallback, type FinalizationResult } from '../../src/analysis/finalization.ts';
import { findWeakKeptStrongly, type WeakKeptResult } from '../../src/analysis/weak-kept.ts';
import { fixturePath } from '../helpers/fixtures.ts';

function countBy<T>(items: T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

describe.each(['finreg-node18', 'finreg-node20', 'finreg-node22', 'finreg-node24'])('%s', (fixture) => {
  let graph: HeapGraph;
  let result: FinalizationResult;
  let weak: WeakKeptResult;
  const name = (o: number) => graph.nodeNameOf(o);

  beforeAll(async () => {
    graph = await loadSnapshot(fixturePath(fixture));
    result = findUnfinalizableRegistrations(graph);
    weak = findWeakKeptStrongly(graph);
  });

  it('reads every WeakCell: 24, plus 11 of diagnostics_channel on Node 22/24; none pending', () => {
    expect(result.cells.length).toBe(fixture === 'finreg-node18' || fixture === 'finreg-node20' ? 24 : 35);
    expect(result.pendingCleanups).toEqual([]);
    // The shared registry holds 20 live cells (patterns 1, 2, 5, 6), its callback is onFinalize.
    const shared = result.cells.find((c) => c.target >= 0 && name(c.target) === 'LeakedByHeldValue')!.registry;
    expect(result.cells.filter((c) => c.registry === shared && c.target >= 0)).toHaveLength(20);
    expect(name(findCleanupCallback(graph, shared))).toBe('onFinalize');
  });

  it('reports exactly the 16 leaking registrations, with their reasons', () => {
    expect(countBy(result.leaks, (l) => `${l.reason} ${name(l.target)}`)).toEqual({
      'held-value-references-target LeakedByHeldValue': 4,
      'held-values-reference-each-other CrossedA': 4,
      'held-values-reference-each-other CrossedB': 4,
      'callback-captures-target CapturedByCallback': 4,
    });
  });

  it('does not report the controls: still in use, listener owners, token = target, Node internals', () => {
    const names = new Set(result.leaks.map((l) => name(l.target)));
    for (const control of ['StillInUse', 'ListenerOwner', 'TokenIsTarget', 'Channel']) expect(names.has(control)).toBe(false);
  });

  it('explains a held value by FR -hidden-> WeakCell -hidden-> HeldValue .target', () => {
    for (const leak of result.leaks.filter((l) => l.reason === 'held-value-references-target')) {
      const path = leak.path;
      expect(path[0].from).toBe(leak.registry);
      expect(path.at(-1)!.to).toBe(leak.target);
      const last = path.at(-1)!;
      expect(name(last.from)).toBe('HeldValue');
      expect([graph.edgeTypeOf(last.edge), graph.edgeNameOf(last.edge)]).toEqual(['property', 'target']);
      expect(name(path.at(-2)!.from)).toBe('system / WeakCell');
      expect(path.at(-2)!.from).toBe(leak.cell); // its own cell's held value
    }
  });

  it('groups crossed held values into 4 cycles of one CrossedA and one CrossedB', () => {
    const crossed = result.leaks.filter((l) => l.reason === 'held-values-reference-each-other');
    const groups = new Map<number, string[]>();
    for (const l of crossed) groups.set(l.group, [...(groups.get(l.group) ?? []), name(l.target)].sort());
    expect(groups.size).toBe(4);
    for (const members of groups.values()) expect(members).toEqual(['CrossedA', 'CrossedB']);
    for (const l of crossed) {
      expect(l.keeperCell).not.toBe(l.cell);
      const last = l.path.at(-1)!;
      expect([name(last.from), graph.edgeNameOf(last.edge)]).toEqual(['CrossedHeldValue', 'other']);
    }
  });

  it('explains a capturing callback by FR -> closure cleanupCaptured -> Context ->target', () => {
    for (const leak of result.leaks.filter((l) => l.reason === 'callback-captures-target')) {
      expect(leak.path.map((s) => `${graph.edgeTypeOf(s.edge)}:${name(s.to)}`).slice(1)).toEqual([
        'internal:system / Context', 'context:CapturedByCallback',
      ]);
      expect(name(leak.path[0].to)).toBe('cleanupCaptured');
      expect(graph.edgeNameOf(leak.path.at(-1)!.edge)).toBe('target');
    }
  });

  it('flags the 4 WeakRef targets and the 2 live WeakMap values held strongly, nothing else', () => {
    expect(countBy(weak.findings, (f) => `${f.kind} ${name(f.target)}`)).toEqual({
      'weakref-target WeakRefKeptStrongly': 4,
      'weakmap-value WeakMapValueKeptStrongly': 2,
    });
    for (const f of weak.findings) {
      expect(name(f.holder)).toBe(f.kind === 'weakref-target' ? 'WeakRef' : 'WeakMap');
      const holderEdge = f.path.at(-2)!.edge; // module context -> strongRefs / strongValues
      expect(graph.edgeNameOf(holderEdge)).toBe(f.kind === 'weakref-target' ? 'strongRefs' : 'strongValues');
      if (f.kind === 'weakmap-value') expect(name(f.key)).toBe('WeakMapKey');
    }
  });
});
