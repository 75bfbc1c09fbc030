// Strongly connected components (iterative Tarjan) on hand-made graphs, and the user-object cycles
// of fixtures/programs/finreg-patterns.mjs on Node 18–24: the listener cycle kept by the
// module-level EventEmitter is the only one.
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot, parseSnapshotText } from '../../src/snapshot/load.ts';
import type { HeapGraph } from '../../src/snapshot/heap-graph.ts';
import { buildCycleGraph, findUserCycles, type CyclesResult } from '../../src/analysis/cycles.ts';
import { findStrongComponents } from '../../src/analysis/strong-components.ts';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { fixturePath } from '../helpers/fixtures.ts';

function componentsOf(graph: HeapGraph, isMember: Uint8Array, follows: (e: number) => boolean): string[][] {
  const result = findStrongComponents(graph, isMember, follows);
  const out: string[][] = [];
  for (let c = 0; c < result.count; c++) {
    const names = Array.from(result.members.subarray(result.componentStart[c], result.componentStart[c + 1]), (o) => graph.nodeNameOf(o));
    out.push(names.sort());
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

describe('findStrongComponents (hand-made graphs)', () => {
  it('finds A→B→C→A and D⇄E, not the singleton F or the chain into D, and ignores weak edges', () => {
    const b = new SnapshotBuilder();
    const root = b.root();
    const [a, bb, c, d, e, f, g] = ['A', 'B', 'C', 'D', 'E', 'F', 'G'].map((n) => b.node('object', n));
    b.edge(root, 'shortcut', '1', a);
    b.edge(a, 'property', 'b', bb).edge(bb, 'property', 'c', c).edge(c, 'property', 'a', a);
    b.edge(c, 'property', 'd', d).edge(d, 'property', 'e', e).edge(e, 'element', 0, d);
    b.edge(e, 'property', 'f', f).edge(f, 'property', 'self', f);
    b.edge(f, 'property', 'g', g).edge(g, 'weak', 'back', f);
    const graph = parseSnapshotText(b.toJSON());
    const all = new Uint8Array(graph.nodeCount).fill(1);
    const notWeak = (edge: number) => graph.edgeType[edge] !== graph.types.weak;
    expect(componentsOf(graph, all, notWeak)).toEqual([['A', 'B', 'C'], ['D', 'E']]);
    // The same graph with the weak edge followed: F⇄G becomes a component.
    expect(componentsOf(graph, all, () => true)).toEqual([['A', 'B', 'C'], ['D', 'E'], ['F', 'G']]);
  });

  it('is iterative: a 200,000-node ring is one component without a stack overflow', () => {
    const b = new SnapshotBuilder();
    const root = b.root();
    const n = 200_000;
    const first = b.node('object', 'Ring');
    b.edge(root, 'shortcut', '1', first);
    let prev = first;
    for (let i = 1; i < n; i++) {
      const next = b.node('object', 'Ring');
      b.edge(prev, 'property', 'next', next);
      prev = next;
    }
    b.edge(prev, 'property', 'next', first);
    const graph = parseSnapshotText(b.toJSON());
    const result = findStrongComponents(graph, new Uint8Array(graph.nodeCount).fill(1), () => true);
    expect(result.count).toBe(1);
    expect(result.componentStart[1]).toBe(n);
  });

  it('the cycle graph leaves out __proto__/constructor/prototype edges and module-level contexts', () => {
    const b = new SnapshotBuilder();
    const root = b.root();
    const nativeContext = b.node('hidden', 'system / NativeContext');
    const moduleContext = b.node('object', 'system / Context');
    const fnContext = b.node('object', 'system / Context');
    const klass = b.node('closure', 'Foo');
    const proto = b.node('object', 'Foo');
    const handler = b.node('closure', 'onEvent');
    const owner = b.node('object', 'Owner');
    b.edge(root, 'element', 1, nativeContext);
    b.edge(moduleContext, 'internal', 'previous', nativeContext);
    b.edge(fnContext, 'internal', 'previous', moduleContext);
    b.edge(klass, 'property', 'prototype', proto).edge(proto, 'property', 'constructor', klass);
    b.edge(klass, 'internal', 'context', moduleContext).edge(moduleContext, 'context', 'Foo', klass);
    // owner.handler = () => owner.x  — a real cycle through the function context.
    b.edge(owner, 'property', 'handler', handler).edge(handler, 'internal', 'context', fnContext).edge(fnContext, 'context', 'owner', owner);
    const graph = parseSnapshotText(b.toJSON());
    const { isMember, followsEdge } = buildCycleGraph(graph);
    expect(isMember[moduleContext]).toBe(0);
    expect(isMember[fnContext]).toBe(1);
    expect(componentsOf(graph, isMember, followsEdge)).toEqual([['Owner', 'onEvent', 'system / Context']]);
  });
});

describe.each(['finreg-node18', 'finreg-node20', 'finreg-node22', 'finreg-node24'])('findUserCycles on %s', (fixture) => {
  let graph: HeapGraph;
  let result: CyclesResult;
  const name = (o: number) => graph.nodeNameOf(o);

  beforeAll(async () => {
    graph = await loadSnapshot(fixturePath(fixture));
    result = findUserCycles(graph);
  });

  it('finds exactly one cycle of user objects: the listener cycle', () => {
    expect(result.userCycleCount).toBe(1);
    const cycle = result.cycles[0];
    const objects = cycle.members.filter((m) => graph.nodeTypeOf(m) !== 'array');
    const counts: Record<string, number> = {};
    for (const m of objects) counts[`${graph.nodeTypeOf(m)} ${name(m)}`] = (counts[`${graph.nodeTypeOf(m)} ${name(m)}`] ?? 0) + 1;
    expect(counts).toEqual({
      'object ListenerOwner': 4, 'closure native_bind': 4, 'object EventEmitter': 1,
      'object Object': 1, // bus._events
      'object Array': 1, // _events.tick
    });
    expect(cycle.selfSize).toBeGreaterThan(0);
    expect(cycle.retainedSize).toBeGreaterThanOrEqual(cycle.selfSize);
  });

  it('is kept by the one edge module context ->ownerBus, and closed by ListenerOwner.bus ×4', () => {
    const cycle = result.cycles[0];
    expect(cycle.entryEdgeCount).toBe(1);
    const keptBy = cycle.keptBy!;
    expect([name(keptBy.from), graph.edgeTypeOf(keptBy.edge), graph.edgeNameOf(keptBy.edge), name(keptBy.to)])
      .toEqual(['system / Context', 'context', 'ownerBus', 'EventEmitter']);
    expect(cycle.closingEdges.map((e) => `${name(e.from)}.${graph.edgeNameOf(e.edge)}`)).toEqual(Array(4).fill('ListenerOwner.bus'));
    expect(cycle.loop.map((e) => graph.edgeNameOf(e.edge))).toEqual(['_events', 'tick', expect.any(String), 'bound_this', 'bus']);
  });

  it('reports no cycle among the finalization controls or Node internals', () => {
    const names = new Set(result.cycles.flatMap((c) => c.members.map(name)));
    for (const absent of ['StillInUse', 'HeldValue', 'CrossedA', 'CapturedByCallback', 'FinalizationRegistry', 'WeakRefKeptStrongly']) expect(names.has(absent)).toBe(false);
    expect(result.componentCount).toBeGreaterThan(result.userCycleCount); // Node's own cycles exist, and are filtered
  });
});
