import { describe, expect, it } from 'vitest';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { parseSnapshotText } from '../../src/snapshot/load.ts';
import { computeOwnedSelfSizes } from '../../src/analysis/owned-sizes.ts';

/**
 * root ─shortcut─▶ global(10) ─m─▶ Map(40) ─table─▶ T(hidden 100) ─store─▶ S(array 60)
 *                     │                 └─weak w─▶ K(hidden 8)
 *                     ├─a─▶ A(20) ─shared─▶ Shared(array 30) ◀─shared─ B(25) ◀─b─ global
 *                     └─k─▶ K
 *   └─element 1─▶ (GC roots)(synthetic) ─h─▶ H(hidden 7)
 */
function build(sizes: { table?: number; store?: number } = {}) {
  const b = new SnapshotBuilder();
  const root = b.root();
  const gcRoots = b.node('synthetic', '(GC roots)');
  const global = b.node('object', 'global', { selfSize: 10 });
  const map = b.node('object', 'Map', { selfSize: 40 });
  const table = b.node('hidden', 'system / OrderedHashMap', { selfSize: sizes.table ?? 100 });
  const store = b.node('array', '(object elements)', { selfSize: sizes.store ?? 60 });
  const weakOnly = b.node('hidden', 'system / WeakCell', { selfSize: 8 });
  const a = b.node('object', 'A', { selfSize: 20 });
  const bNode = b.node('object', 'B', { selfSize: 25 });
  const shared = b.node('array', '(object properties)', { selfSize: 30 });
  const underSynthetic = b.node('hidden', 'system / Foreign', { selfSize: 7 });
  b.edge(root, 'shortcut', 'global', global);
  b.edge(root, 'element', 1, gcRoots);
  b.edge(global, 'property', 'm', map);
  b.edge(global, 'property', 'a', a);
  b.edge(global, 'property', 'b', bNode);
  b.edge(global, 'property', 'k', weakOnly);
  b.edge(map, 'internal', 'table', table);
  b.edge(map, 'weak', 'w', weakOnly);
  b.edge(table, 'internal', 'store', store);
  b.edge(a, 'internal', 'shared', shared);
  b.edge(bNode, 'internal', 'shared', shared);
  b.edge(gcRoots, 'element', 1, underSynthetic);
  const graph = parseSnapshotText(b.toJSON());
  return { graph, global, map, table, store, weakOnly, a, bNode, shared, underSynthetic };
}

describe('shallow-size transfer (DevTools calculateShallowSizes, docs/FORMAT.md §4.2)', () => {
  it('moves single-owned internals onto their owner, through chains of internals', () => {
    const r = build();
    const sizes = computeOwnedSelfSizes(r.graph);
    expect(sizes).toBeInstanceOf(Uint32Array);
    expect(sizes[r.map]).toBe(40 + 100 + 60);
    expect([sizes[r.table], sizes[r.store]]).toEqual([0, 0]);
  });

  it('ignores weak edges, leaves shared internals alone and never gives bytes to synthetic nodes', () => {
    const r = build();
    const sizes = computeOwnedSelfSizes(r.graph);
    // K is held strongly by global only (the Map's edge is weak): global owns it.
    expect(sizes[r.global]).toBe(10 + 8);
    expect(sizes[r.weakOnly]).toBe(0);
    // Two owners: the array keeps its bytes, A and B keep theirs.
    expect([sizes[r.shared], sizes[r.a], sizes[r.bNode]]).toEqual([30, 20, 25]);
    // Owned by (GC roots), which is synthetic: no transfer.
    expect(sizes[r.underSynthetic]).toBe(7);
  });

  it('switches to 64-bit sizes, exactly, when an owner collects more than 4 GiB', () => {
    const r = build({ table: 3_000_000_000, store: 2_500_000_001 });
    const sizes = computeOwnedSelfSizes(r.graph);
    expect(sizes).toBeInstanceOf(Float64Array);
    expect(sizes[r.map]).toBe(40 + 3_000_000_000 + 2_500_000_001);
    expect(sizes[r.table]).toBe(0);
    expect(sizes[r.shared]).toBe(30);
  });

  it('keeps a raw size above 32 bits exactly', () => {
    const r = build({ store: 2 ** 40 + 3 });
    const sizes = computeOwnedSelfSizes(r.graph);
    expect(sizes).toBeInstanceOf(Float64Array);
    expect(sizes[r.map]).toBe(40 + 100 + 2 ** 40 + 3);
  });
});
