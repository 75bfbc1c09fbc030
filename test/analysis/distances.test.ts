import { describe, expect, it } from 'vitest';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { parseSnapshotText } from '../../src/snapshot/load.ts';
import { BASE_SYSTEM_DISTANCE, NO_DISTANCE, computeDistances, isUserDistance } from '../../src/analysis/distances.ts';

/**
 * root ─shortcut─▶ global ─a─▶ A ─b─▶ B ─c─▶ C
 *   │                 ├─k─▶ K ─(ephemeron key→value)─▶ V
 *   │                 ├─wm─▶ WeakMap ─table─▶ T ─(ephemeron table→value)─▶ V
 *   │                 ├─native_context─▶ NativeContext ─sloppy_function_map─▶ M
 *   │                 └─weak w─▶ W
 *   └─element 1─▶ (GC roots) ─▶ (Strong roots) ─x─▶ S ─d─▶ A, S ─map─▶ M
 */
function build() {
  const b = new SnapshotBuilder();
  const root = b.root();
  const gcRoots = b.node('synthetic', '(GC roots)');
  const strongRoots = b.node('synthetic', '(Strong roots)');
  const global = b.node('object', 'global', { selfSize: 24 });
  const A = b.node('object', 'A', { selfSize: 10 });
  const B = b.node('object', 'B', { selfSize: 10 });
  const C = b.node('object', 'C', { selfSize: 10 });
  const K = b.node('object', 'K', { selfSize: 10 });
  const WM = b.node('object', 'WeakMap', { selfSize: 10 });
  const T = b.node('array', '', { selfSize: 10 });
  const V = b.node('object', 'V', { selfSize: 10 });
  const NC = b.node('hidden', 'system / NativeContext', { selfSize: 10 });
  const M = b.node('object shape', 'system / Map', { selfSize: 10 });
  const W = b.node('object', 'W', { selfSize: 10 });
  const S = b.node('object', 'S', { selfSize: 10 });
  const pair = ` / part of key (K @${b.idOf(K)}) -> value (V @${b.idOf(V)}) pair in WeakMap (table @${b.idOf(T)})`;
  b.edge(root, 'element', 1, gcRoots).edge(root, 'shortcut', '1', global);
  b.edge(gcRoots, 'element', 0, strongRoots).edge(strongRoots, 'internal', 'x', S);
  b.edge(global, 'property', 'a', A).edge(global, 'property', 'k', K).edge(global, 'property', 'wm', WM)
    .edge(global, 'internal', 'native_context', NC).edge(global, 'weak', 'w', W);
  b.edge(A, 'property', 'b', B).edge(B, 'property', 'c', C);
  b.edge(K, 'internal', `2${pair}`, V);
  b.edge(WM, 'internal', 'table', T).edge(T, 'internal', `3${pair}`, V);
  b.edge(NC, 'internal', 'sloppy_function_map', M);
  b.edge(S, 'property', 'd', A).edge(S, 'internal', 'map', M);
  const graph = parseSnapshotText(b.toJSON());
  return { graph, refs: { root, gcRoots, strongRoots, global, A, B, C, K, WM, T, V, NC, M, W, S } };
}

describe('computeDistances (DevTools rules, docs/FORMAT.md §3.1)', () => {
  it('counts hops from the globals first, then from the root at BASE_SYSTEM_DISTANCE', () => {
    const { graph, refs: r } = build();
    const d = computeDistances(graph);
    expect([d[r.global], d[r.A], d[r.B], d[r.C], d[r.K], d[r.WM], d[r.T], d[r.NC]]).toEqual([1, 2, 3, 4, 2, 2, 3, 2]);
    expect(d[r.root]).toBe(BASE_SYSTEM_DISTANCE);
    expect([d[r.gcRoots], d[r.strongRoots], d[r.S]]).toEqual([BASE_SYSTEM_DISTANCE + 1, BASE_SYSTEM_DISTANCE + 2, BASE_SYSTEM_DISTANCE + 3]);
  });

  it('reaches a WeakMap value through the later of its key and its table', () => {
    const { graph, refs: r } = build();
    // K is at 2 and T at 3: the key→value edge is met first and refused; the table→value edge counts.
    expect(computeDistances(graph)[r.V]).toBe(4);
  });

  it("never follows weak edges or NativeContext's sloppy_function_map", () => {
    const { graph, refs: r } = build();
    const d = computeDistances(graph);
    expect(d[r.W]).toBe(NO_DISTANCE);
    expect(d[r.M]).toBe(BASE_SYSTEM_DISTANCE + 4); // only via S, not at 3 via the NativeContext
    expect(isUserDistance(d[r.M])).toBe(false);
    expect(isUserDistance(d[r.C])).toBe(true);
  });

  it('starts at the root with distance 0 when there are no user roots (exposeInternals)', () => {
    const b = new SnapshotBuilder();
    const root = b.root();
    const gcRoots = b.node('synthetic', '(GC roots)');
    const obj = b.node('object', 'Thing', { selfSize: 8 });
    b.edge(root, 'element', 1, gcRoots).edge(gcRoots, 'internal', 'x', obj);
    const d = computeDistances(parseSnapshotText(b.toJSON()));
    expect(Array.from(d)).toEqual([0, 1, 2]);
  });
});
