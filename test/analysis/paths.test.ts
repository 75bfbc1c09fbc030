import { describe, expect, it } from 'vitest';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { parseSnapshotText } from '../../src/snapshot/load.ts';
import { RetainerChainFinder, findRetainerChain, rankNearestFirst, viewOfChain } from '../../src/analysis/paths.ts';
import { groupChainsByShape } from '../../src/analysis/chain-groups.ts';
import { computeRefGraph } from '../../src/analysis/ref-graph.ts';
import { computeRetainedSizes } from '../../src/analysis/dominators.ts';

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

describe('findRetainerChain (docs/FORMAT.md §3.3)', () => {
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
    expect(result.groups[0].retainedSize).toBe(24);
    expect(result.unreachable).toEqual([r.lone]);
  });

  it('ranks instances nearest a root first, unreachable ones last', () => {
    const { graph, refs: r } = build();
    const ranked = rankNearestFirst(graph, [r.lone, r.item4, r.V, r.items[0]]);
    expect(ranked[0]).toBe(r.items[0]);
    expect(ranked.at(-1)).toBe(r.lone);
    expect(rankNearestFirst(graph, [r.lone, r.item4, r.items[0]], 1)).toEqual([r.items[0]]);
  });
});

/**
 * root ─shortcut─▶ global ─.head─▶ Link#0 ─.next─▶ Link#1 ─.next─▶ … ─.next─▶ Link#(n-1) ─.tail─▶ Tail
 *                    │              └─.data─▶ Data#0   (every Link holds one Data)
 *                    └─.tree─▶ Node ─.left / .right─▶ Node … (a full binary tree of 15 Nodes)
 * Every Link, Data and Node is 10 B. Hand-worked: one chain shape for all Links (each held by the
 * previous one), one for all Datas, one for all Nodes; Link#0 retains the whole list (n Links, n
 * Datas, the Tail).
 */
function buildLists(n: number) {
  const b = new SnapshotBuilder();
  const root = b.root();
  const global = b.node('object', 'global', { selfSize: 10 });
  b.edge(root, 'shortcut', '1', global);
  const links = Array.from({ length: n }, () => b.node('object', 'Link', { selfSize: 10 }));
  const datas = links.map(() => b.node('object', 'Data', { selfSize: 10 }));
  const tail = b.node('object', 'Tail', { selfSize: 10 });
  b.edge(global, 'property', 'head', links[0]);
  links.forEach((link, i) => {
    if (i + 1 < n) b.edge(link, 'property', 'next', links[i + 1]);
    b.edge(link, 'property', 'data', datas[i]);
  });
  b.edge(links[n - 1], 'property', 'tail', tail);
  const nodes = Array.from({ length: 15 }, () => b.node('object', 'Node', { selfSize: 10 }));
  b.edge(global, 'property', 'tree', nodes[0]);
  for (let i = 1; i < 15; i++) b.edge(nodes[(i - 1) >> 1], 'property', i % 2 === 1 ? 'left' : 'right', nodes[i]);
  return { graph: parseSnapshotText(b.toJSON()), links, datas, tail, nodes };
}

describe('chains through long structures (issue 12)', () => {
  it('groups a linked list as one shape: each node held by the previous one', () => {
    const { graph, links } = buildLists(50);
    const { groups } = groupChainsByShape(graph, links);
    expect(groups).toHaveLength(1);
    expect(groups[0].count).toBe(50);
    expect(groups[0].heldByOwnClass).toBe(49);
    expect(groups[0].members[0]).toBe(links[0]);
    // The list retains itself once: Link#0's retained size, not the sum over 50 nested nodes.
    expect(groups[0].retainedSize).toBe(computeRetainedSizes(graph)[links[0]]);
    expect(groups[0].retainedSize).toBe(50 * 10 + 50 * 10 + 10);
    // Its chain is the deepest member's, the run of .next hops as one step.
    expect(groups[0].example).toBe(links[49]);
    const view = groups[0].view;
    expect(view.hopCount).toBe(50);
    expect(view.elidedHops).toBe(0);
    expect(view.steps.map((s) => [graph.nodeNameOf(s.firstNode), s.edge < 0 ? null : graph.edgeNameOf(s.edge), s.hops])).toEqual([
      ['global', null, 0], ['Link', 'head', 1], ['Link', 'next', 49],
    ]);
    expect(view.steps[2].node).toBe(links[49]);
  });

  it('groups what hangs off a list, and a binary tree, as one shape each', () => {
    const { graph, datas, nodes } = buildLists(50);
    const byData = groupChainsByShape(graph, datas);
    expect(byData.groups.map((g) => g.count)).toEqual([50]);
    expect(byData.groups[0].view.steps.map((s) => s.hops)).toEqual([0, 1, 49, 1]);
    const byNode = groupChainsByShape(graph, nodes);
    expect(byNode.groups.map((g) => g.count)).toEqual([15]);
    expect(byNode.groups[0].heldByOwnClass).toBe(14);
  });

  it('cuts a long chain to its first and last steps with a count of the rest', () => {
    const { graph, tail } = buildLists(50);
    const finder = new RetainerChainFinder(graph);
    const view = finder.view(tail, { head: 3, tail: 4 })!;
    // global .head Link#0 .next … Link#49 .tail Tail: 51 hops, 52 nodes; 7 shown, the first of them hop-less.
    expect(view.hopCount).toBe(51);
    expect(view.steps).toHaveLength(7);
    expect(view.elidedAt).toBe(3);
    expect(view.elidedHops).toBe(51 - 6);
    expect(view.steps.map((s) => graph.nodeNameOf(s.node))).toEqual(['global', 'Link', 'Link', 'Link', 'Link', 'Link', 'Tail']);
    expect(view.steps.at(-1)!.edgeOut).toBe(-1);
    // The same cut from the chain found hop by hop.
    expect(viewOfChain(findRetainerChain(graph, tail)!, { head: 3, tail: 4 })).toEqual(view);
    const whole = finder.collect(tail)!;
    expect(whole.nodes).toHaveLength(52);
    expect(Array.from(whole.nodes)).toEqual(findRetainerChain(graph, tail)!.nodes);
  });
});

describe('computeRefGraph', () => {
  it('stops at maxNodes and counts what it left out', () => {
    const { graph, links } = buildLists(50);
    const result = computeRefGraph(graph, [links[0]], { direction: 'refs', depth: 100, maxFanout: 10, maxNodes: 5 });
    expect(result.nodes).toHaveLength(5);
    expect(result.isNodeLimitReached).toBe(true);
    expect(result.truncated.reduce((n, t) => n + t.hidden, 0)).toBeGreaterThan(0);
  });

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
