import { describe, expect, it } from 'vitest';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { parseSnapshotText } from '../../src/snapshot/load.ts';
import { findRetainerChain, groupChainsByShape, pickNearestInstance } from '../../src/analysis/paths.ts';
import { computeRefGraph } from '../../src/analysis/ref-graph.ts';

/**
 * root ─shortcut─▶ global ─items─▶ Array ─[0..2]─▶ Item ×3       global ─{hid}─▶ Box ─{t}─▶ T
 *                    ├─holder─▶ Holder ─.it─▶ Item#4                 global ─.a─▶ A ─.t─▶ T
 *                    ├─k─▶ K ─(ephemeron)─▶ V;  wm─▶ WeakMap ─table─▶ Table ─(ephemeron)─▶ V
 *                    └─weak w─▶ Lone
 *   └─(GC roots) ─▶ (Stack roots) ─{local}─▶ OnStack
 */
function build() {
  const b = new SnapshotBuilder();
  const root = b.root();
  const gcRoots = b.node('synthetic', '(GC roots)');
  const stackRoots = b.node('synthetic', '(Stack roots)');
  const global = b.node('object', 'global', { selfSize: 10 });
  const arr = b.node('object', 'Array', { selfSize: 16 });
  const items = [0, 1, 2].map(() => b.node('object', 'Item', { selfSize: 8 }));
  const holder = b.node('object', 'Holder', { selfSize: 8 });
  const item4 = b.node('object', 'Item', { selfSize: 8 });
  const box = b.node('object', 'Box', { selfSize: 100 });
  const A = b.node('object', 'A', { selfSize: 4 });
  const T = b.node('object', 'T', { selfSize: 4 });
  const K = b.node('object', 'K', { selfSize: 4 });
  const WM = b.node('object', 'WeakMap', { selfSize: 4 });
  const table = b.node('array', '', { selfSize: 0 });
  const V = b.node('object', 'V', { selfSize: 4 });
  const lone = b.node('object', 'Lone', { selfSize: 4 });
  const onStack = b.node('object', 'OnStack', { selfSize: 4 });
  const pair = ` / part of key (K @${b.idOf(K)}) -> value (V @${b.idOf(V)}) pair in WeakMap (table @${b.idOf(table)})`;
  b.edge(root, 'element', 1, gcRoots).edge(root, 'shortcut', '1', global);
  b.edge(gcRoots, 'element', 7, stackRoots).edge(stackRoots, 'internal', 'local', onStack);
  b.edge(global, 'property', 'items', arr).edge(global, 'property', 'holder', holder).edge(global, 'hidden', 3, box)
    .edge(global, 'property', 'a', A).edge(global, 'property', 'k', K).edge(global, 'property', 'wm', WM).edge(global, 'weak', 'w', lone);
  items.forEach((item, i) => b.edge(arr, 'element', i, item));
  b.edge(holder, 'property', 'it', item4);
  b.edge(box, 'internal', 't', T).edge(A, 'property', 't', T);
  b.edge(K, 'internal', `2${pair}`, V).edge(WM, 'internal', 'table', table).edge(table, 'internal', `3${pair}`, V);
  const graph = parseSnapshotText(b.toJSON());
  return { graph, refs: { root, gcRoots, stackRoots, global, arr, items, holder, item4, box, A, T, K, WM, table, V, lone, onStack } };
}

const names = (graph: ReturnType<typeof build>['graph'], nodes: number[]) => nodes.map((o) => graph.nodeNameOf(o));

describe('findRetainerChain (FORMAT.md §3.3)', () => {
  it('walks from a global to the target, one edge per hop', () => {
    const { graph, refs: r } = build();
    const chain = findRetainerChain(graph, r.items[1])!;
    expect(names(graph, chain.nodes)).toEqual(['global', 'Array', 'Item']);
    expect(chain.edges.map((e) => (e < 0 ? null : graph.edgeNameOf(e)))).toEqual(['items', '1', null]);
    expect(chain.isFromUserRoot).toBe(true);
    expect(chain.transientRoot).toBeNull();
  });

  it('prefers a property edge over a bigger internal retainer at the same distance', () => {
    const { graph, refs: r } = build();
    const chain = findRetainerChain(graph, r.T)!;
    expect(names(graph, chain.nodes)).toEqual(['global', 'A', 'T']);
  });

  it('goes through the later of key and table for a WeakMap value and names the other', () => {
    const { graph, refs: r } = build();
    const chain = findRetainerChain(graph, r.V)!;
    expect(names(graph, chain.nodes)).toEqual(['global', 'WeakMap', '', 'V']);
    expect(graph.edgeSource(chain.partnerEdges[2])).toBe(r.K);
  });

  it('marks chains from (Stack roots) as transient', () => {
    const { graph, refs: r } = build();
    const chain = findRetainerChain(graph, r.onStack)!;
    expect(names(graph, chain.nodes)).toEqual(['(GC roots)', '(Stack roots)', 'OnStack']);
    expect(chain.isFromUserRoot).toBe(false);
    expect(chain.transientRoot).toBe('(Stack roots)');
  });

  it('finds no chain to an object held only weakly', () => {
    const { graph, refs: r } = build();
    expect(findRetainerChain(graph, r.lone)).toBeNull();
  });

  it('groups instances by chain shape, ignoring indexes and ids', () => {
    const { graph, refs: r } = build();
    const result = groupChainsByShape(graph, [...r.items, r.item4, r.lone]);
    expect(result.groups.map((g) => g.count)).toEqual([3, 1]);
    expect(result.groups[0].totalRetained).toBe(24);
    expect(result.unreachable).toEqual([r.lone]);
  });

  it('picks the instance nearest a root', () => {
    const { graph, refs: r } = build();
    expect(pickNearestInstance(graph, [r.items[0], r.item4, r.V, r.lone])).toBe(r.items[0]);
  });
});

describe('computeRefGraph', () => {
  it('cuts fan-out with a count of what was left out, and honours depth', () => {
    const { graph, refs: r } = build();
    const result = computeRefGraph(graph, [r.global], { direction: 'refs', depth: 1, maxFanout: 2 });
    expect(result.nodes.length).toBe(3);
    expect(result.truncated).toEqual([{ node: r.global, hidden: 5 }]);
    expect(result.depths).toEqual([0, 1, 1]);
  });

  it('follows retainers for backrefs and keeps weak edges flagged', () => {
    const { graph, refs: r } = build();
    const result = computeRefGraph(graph, [r.lone], { direction: 'backrefs', depth: 3, maxFanout: 10 });
    expect(result.edges).toHaveLength(1);
    expect(result.edges[0]).toMatchObject({ from: r.global, to: r.lone, isWeak: true });
  });

  it('shows only neighbours the filter accepts', () => {
    const { graph, refs: r } = build();
    const result = computeRefGraph(graph, [r.global], { direction: 'refs', depth: 2, maxFanout: 10, isShown: (o) => graph.nodeNameOf(o) === 'Array' || graph.nodeNameOf(o) === 'Item' });
    expect(names(graph, result.nodes)).toEqual(['global', 'Array', 'Item', 'Item', 'Item']);
  });
});
