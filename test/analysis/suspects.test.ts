// Leak suspects (src/analysis/suspects.ts) on hand-made graphs with hand-worked answers, then on
// real snapshots of small leaking programs, whose suspects' retained sizes must equal DevTools'.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'heap-snapshot-toolkit';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { loadSnapshot, parseSnapshotText } from '../../src/snapshot/load.ts';
import type { HeapGraph } from '../../src/snapshot/heap-graph.ts';
import { findLeakSuspects, type SuspectsResult } from '../../src/analysis/suspects.ts';
import { formatEdgeName } from '../../src/report/names.ts';
import { makeSuspectSnapshot, SUSPECT_PROGRAMS } from '../../fixtures/programs/suspects-make.mjs';

/** The suspects' class breakdowns as `Class×count retained`, for compact expectations. */
function rows(result: SuspectsResult, index: number): string[] {
  return result.suspects[index].breakdown.map((r) => `${result.classes.names[r.classId]}×${r.count} ${r.retainedSize}`);
}

function chainText(graph: HeapGraph, result: SuspectsResult, index: number): string {
  const chain = result.suspects[index].chain!;
  return chain.steps.map((s) => (s.edge < 0 ? graph.nodeNameOf(s.node) : `${formatEdgeName(graph, s.edge)} ${graph.nodeNameOf(s.node)}`)).join(' ');
}

/**
 * root ─shortcut─▶ global(100) ─.service─▶ Service(60) ─.cache─▶ Map(50) ─{table}─▶ table (array, 50)
 *                    │                                             table ─[i]─▶ Entry_i(100) ─.payload─▶ (string)(300), i < 10
 *                    └─.config─▶ Config(400)
 * root ─element─▶ (GC roots)
 * DevTools moves the table's 50 B to the Map (100). Retained: Entry 400, Map 100 + 4,000 = 4,100,
 * Service 4,160, global 4,660 = the heap. 10% = 466 B: Service is the top object; the Map still holds
 * 4,100 ≥ 80% of 4,160 and its entries (seen through the table) hold 400 each, so the Map is the
 * accumulation point. Config (400) is the largest object that is not a suspect.
 */
function buildCache() {
  const b = new SnapshotBuilder();
  const root = b.root();
  const gcRoots = b.node('synthetic', '(GC roots)');
  const global = b.node('object', 'global', { selfSize: 100 });
  const service = b.node('object', 'Service', { selfSize: 60 });
  const map = b.node('object', 'Map', { selfSize: 50 });
  const table = b.node('array', '', { selfSize: 50 });
  const config = b.node('object', 'Config', { selfSize: 400 });
  b.edge(root, 'shortcut', '1', global).edge(root, 'element', 1, gcRoots);
  b.edge(global, 'property', 'service', service).edge(global, 'property', 'config', config);
  b.edge(service, 'property', 'cache', map).edge(map, 'internal', 'table', table);
  const entries: number[] = [];
  for (let i = 0; i < 10; i++) {
    const entry = b.node('object', 'Entry', { selfSize: 100 });
    const payload = b.node('string', `payload ${i}`, { selfSize: 300 });
    b.edge(table, 'element', i, entry).edge(entry, 'property', 'payload', payload);
    entries.push(entry);
  }
  return { graph: parseSnapshotText(b.toJSON()), refs: { global, service, map, config, entries } };
}

/**
 * global ─.a─▶ A(16) ─[i]─▶ tick_i   and   global ─.b─▶ B(16) ─[i]─▶ tick_i      (i < 20; same for tock_i)
 * tick_i: closure(50) ─{context}─▶ system / Context(100); ─{shared}─▶ SFI tick (40); ─{map}─▶ FunctionMap (40)
 * tock_i: closure(10) ─{shared}─▶ SFI tock (40); ─{map}─▶ FunctionMap
 * tick_0 also keeps its compiled code ─{code}─▶ (code)(200), which no other closure shares.
 * Two arrays hold every closure, so each is dominated by global: siblings. Heap 3,652 B (10% =
 * 365.2): no closure is heavy (tick_0 350, the others 150), but the 20 ticks together retain 3,200
 * (one shape: class Function, one map, one SharedFunctionInfo). The 20 tocks (200) stay out, and are
 * not merged with the ticks although both are Function. The mean tick is 160: the typical one is
 * tick_1 (150), the largest tick_0.
 */
function buildClosures() {
  const b = new SnapshotBuilder();
  const root = b.root();
  const global = b.node('object', 'global', { selfSize: 100 });
  const a = b.node('object', 'Array', { selfSize: 16 });
  const bb = b.node('object', 'Array', { selfSize: 16 });
  const sfiTick = b.node('code', 'tick', { selfSize: 40 });
  const sfiTock = b.node('code', 'tock', { selfSize: 40 });
  const functionMap = b.node('object shape', 'system / Map', { selfSize: 40 });
  b.edge(root, 'shortcut', '1', global).edge(global, 'property', 'a', a).edge(global, 'property', 'b', bb);
  const ticks: number[] = [];
  for (let i = 0; i < 20; i++) {
    const tick = b.node('closure', 'tick', { selfSize: 50 });
    const context = b.node('object', 'system / Context', { selfSize: 100 });
    b.edge(tick, 'internal', 'context', context).edge(tick, 'internal', 'shared', sfiTick).edge(tick, 'internal', 'map', functionMap);
    if (i === 0) b.edge(tick, 'internal', 'code', b.node('code', '', { selfSize: 200 }));
    const tock = b.node('closure', 'tock', { selfSize: 10 });
    b.edge(tock, 'internal', 'shared', sfiTock).edge(tock, 'internal', 'map', functionMap);
    b.edge(a, 'element', 2 * i, tick).edge(bb, 'element', 2 * i, tick).edge(a, 'element', 2 * i + 1, tock).edge(bb, 'element', 2 * i + 1, tock);
    ticks.push(tick);
  }
  return { graph: parseSnapshotText(b.toJSON()), refs: { global, ticks } };
}

/**
 * global(100) ─.head─▶ N1 ─.next─▶ N2 … ─.next─▶ N12   (ListNode, 10 each; N_k ─.value─▶ Payload_k, 90)
 * global ─.w─▶ Wrapper(10) ─.inner─▶ Wrapper(10) ─.items─▶ Array(16) ─[i]─▶ Item_i(50), i < 30
 * Retained: N_k 100 × (13 − k), N1 1,200; the wrappers 1,536 and 1,526; heap 2,836 (10% = 283.6).
 * The list accumulates at its first node (a run of ≥ 8 ListNodes): 11 more ListNodes (N2's 1,100)
 * and one Payload. Two Wrappers in a row are nesting, not a list: the descent goes through them to
 * the Array.
 */
function buildList() {
  const b = new SnapshotBuilder();
  const root = b.root();
  const global = b.node('object', 'global', { selfSize: 100 });
  b.edge(root, 'shortcut', '1', global);
  const nodes: number[] = [];
  for (let k = 1; k <= 12; k++) {
    const node = b.node('object', 'ListNode', { selfSize: 10 });
    const payload = b.node('object', 'Payload', { selfSize: 90 });
    b.edge(node, 'property', 'value', payload);
    b.edge(nodes.length === 0 ? global : nodes.at(-1)!, 'property', nodes.length === 0 ? 'head' : 'next', node);
    nodes.push(node);
  }
  const outer = b.node('object', 'Wrapper', { selfSize: 10 });
  const inner = b.node('object', 'Wrapper', { selfSize: 10 });
  const items = b.node('object', 'Array', { selfSize: 16 });
  b.edge(global, 'property', 'w', outer).edge(outer, 'property', 'inner', inner).edge(inner, 'property', 'items', items);
  for (let i = 0; i < 30; i++) b.edge(items, 'element', i, b.node('object', 'Item', { selfSize: 50 }));
  return { graph: parseSnapshotText(b.toJSON()), refs: { global, nodes, outer, items } };
}

/**
 * global(100) ─.BuiltinModule─▶ Function BuiltinModule (50, in node:internal/bootstrap/realm)
 *     ─.map─▶ Map(50) ─{table}─▶ (array) ─[i]─▶ BuiltinModule_i (100, constructed there), i < 10
 * global ─.modules─▶ Array(16) ─[i]─▶ Module_i (50, constructed in file:///app/loader.js), i < 10
 * global ─.load─▶ Function load (10, in file:///app/loader.js)
 * (GC roots) ─▶ (Strong roots) ─{number_string_cache}─▶ (array)(600)
 * Heap 2,326 (10% = 232.6). Node's builtin-module map (1,100) is the runtime's own: listed apart.
 * The user's own class named Module is a suspect. V8's cache is a store: seen through, never named.
 */
function buildRuntime() {
  const b = new SnapshotBuilder();
  const root = b.root();
  const gcRoots = b.node('synthetic', '(GC roots)');
  const strongRoots = b.node('synthetic', '(Strong roots)');
  const cache = b.node('array', '', { selfSize: 600 });
  const global = b.node('object', 'global', { selfSize: 100 });
  b.edge(root, 'shortcut', '1', global).edge(root, 'element', 1, gcRoots).edge(gcRoots, 'element', 1, strongRoots)
    .edge(strongRoots, 'internal', 'number_string_cache', cache);
  const script = (url: string, fn: number) => {
    const sfi = b.node('code', '');
    const code = b.node('code', url);
    b.edge(fn, 'internal', 'shared', sfi).edge(sfi, 'internal', 'script_or_debug_info', code);
  };
  const builtinModule = b.node('closure', 'BuiltinModule', { selfSize: 50, location: [7, 0, 0] });
  script('node:internal/bootstrap/realm', builtinModule);
  const map = b.node('object', 'Map', { selfSize: 50 });
  const table = b.node('array', '');
  b.edge(global, 'property', 'BuiltinModule', builtinModule).edge(builtinModule, 'property', 'map', map).edge(map, 'internal', 'table', table);
  for (let i = 0; i < 10; i++) b.edge(table, 'element', i, b.node('object', 'BuiltinModule', { selfSize: 100, location: [7, 10, 2] }));
  const load = b.node('closure', 'load', { selfSize: 10, location: [9, 0, 0] });
  script('file:///app/loader.js', load);
  const modules = b.node('object', 'Array', { selfSize: 16 });
  b.edge(global, 'property', 'load', load).edge(global, 'property', 'modules', modules);
  for (let i = 0; i < 10; i++) b.edge(modules, 'element', i, b.node('object', 'Module', { selfSize: 50, location: [9, 3, 4] }));
  return { graph: parseSnapshotText(b.toJSON()), refs: { builtinModule, map, modules, cache } };
}

describe('findLeakSuspects (hand-made graphs)', () => {
  it('names the top object, the accumulation point below it (stores seen through), what accumulates and the chain', () => {
    const { graph, refs } = buildCache();
    const result = findLeakSuspects(graph);
    expect(result.totalSize).toBe(4660);
    expect(result.threshold).toBeCloseTo(466);
    expect(result.suspects).toHaveLength(1);
    const [suspect] = result.suspects;
    expect(suspect).toMatchObject({ kind: 'object', top: refs.service, accumulation: refs.map, retainedSize: 4160, memberCount: 10 });
    expect(rows(result, 0)).toEqual(['Entry×10 4000']);
    // All ten are alike: the first is both the largest and the typical one.
    expect(suspect.breakdown[0]).toMatchObject({ largest: refs.entries[0], typical: refs.entries[0] });
    expect(suspect.example.map((s) => `${formatEdgeName(graph, s.edge)} ${graph.nodeNameOf(s.node)}`)).toEqual(['.payload payload 0']);
    expect(chainText(graph, result, 0)).toBe('global .service Service .cache Map');
    expect(suspect.lastingChain).toBeNull();
    expect(result.largestOther).toBe(refs.config);
    expect(result.skipped).toEqual([]);
  });

  it('reports nothing when no object reaches the threshold, and says which one came closest', () => {
    const { graph, refs } = buildCache();
    // Service retains 4,160 of 4,660: 89.3%.
    const result = findLeakSuspects(graph, { thresholdPercent: 90 });
    expect(result.suspects).toEqual([]);
    expect(result.largestOther).toBe(refs.service);
    expect(findLeakSuspects(graph, { thresholdPercent: 89 }).suspects).toHaveLength(1);
  });

  it('groups light siblings of one shape (class, hidden class, function) that together cross the threshold', () => {
    const { graph, refs } = buildClosures();
    const result = findLeakSuspects(graph);
    expect(result.totalSize).toBe(3652);
    expect(result.suspects).toHaveLength(1);
    const [group] = result.suspects;
    expect(group).toMatchObject({ kind: 'group', top: refs.global, accumulation: refs.ticks[1], retainedSize: 3200, memberCount: 20 });
    expect(rows(result, 0)).toEqual(['Function×20 3200']);
    expect(group.breakdown[0]).toMatchObject({ largest: refs.ticks[0], typical: refs.ticks[1] });
    expect(group.example.map((s) => `${formatEdgeName(graph, s.edge)} ${graph.nodeNameOf(s.node)}`)).toEqual(['{context} system / Context']);
    expect(chainText(graph, result, 0)).toBe('global .a Array [2] tick');
  });

  it('accumulates a list at its first node, and goes through short nesting of one class', () => {
    const { graph, refs } = buildList();
    const result = findLeakSuspects(graph);
    expect(result.totalSize).toBe(2836);
    expect(result.suspects.map((s) => [s.top, s.accumulation, s.retainedSize])).toEqual([
      [refs.outer, refs.items, 1536],
      [refs.nodes[0], refs.nodes[0], 1200],
    ]);
    expect(rows(result, 0)).toEqual(['Item×30 1500']);
    expect(rows(result, 1)).toEqual(['ListNode×11 1100', 'Payload×1 90']);
    expect(result.suspects[1].memberCount).toBe(12);
    // What one list node holds besides the rest of the list: its payload (90 of its own 100).
    expect(result.suspects[1].example.map((s) => `${formatEdgeName(graph, s.edge)} ${graph.nodeNameOf(s.node)}`)).toEqual(['.value Payload']);
    expect(chainText(graph, result, 1)).toBe('global .head ListNode');
  });

  it("lists Node's module registry apart, keeps a user class of the same name, and never names V8's caches", () => {
    const { graph, refs } = buildRuntime();
    const result = findLeakSuspects(graph);
    expect(result.totalSize).toBe(2326);
    expect(result.skipped).toEqual([{ reason: 'module-registry', node: refs.map, retainedSize: 1100 }]);
    expect(result.suspects.map((s) => s.accumulation)).toEqual([refs.modules]);
    expect(rows(result, 0)).toEqual(['Module×10 500']);
    expect(result.largestOther).not.toBe(refs.cache);
  });

  it('refuses thresholds outside (0, 100]', () => {
    const { graph } = buildCache();
    for (const thresholdPercent of [0, -1, 101, Number.NaN]) expect(() => findLeakSuspects(graph, { thresholdPercent })).toThrow(RangeError);
  });
});

interface DevToolsSnapshot { nodeCount: number; retainedSizes: Float64Array }

describe('findLeakSuspects on real leaks: retained sizes equal DevTools\'', () => {
  for (const program of SUSPECT_PROGRAMS) {
    it(`${program}: the suspect's top object, accumulation point and class rows equal heap-snapshot-toolkit's numbers`, async () => {
      const file = await makeSuspectSnapshot(program, 'leak');
      const graph = await loadSnapshot(file);
      const result = findLeakSuspects(graph);
      expect(result.suspects.length).toBeGreaterThan(0);
      const devtools = (await parse(fs.createReadStream(file))) as unknown as DevToolsSnapshot;
      expect(devtools.nodeCount).toBe(graph.nodeCount);
      const theirs = devtools.retainedSizes;
      expect(result.totalSize).toBe(theirs[graph.rootOrdinal]);
      for (const suspect of result.suspects) {
        if (suspect.kind === 'object') expect(suspect.retainedSize).toBe(theirs[suspect.top]);
        expect(result.retainedSizes[suspect.accumulation]).toBe(theirs[suspect.accumulation]);
        for (const row of suspect.breakdown) {
          expect(result.retainedSizes[row.largest]).toBe(theirs[row.largest]);
          expect(result.retainedSizes[row.typical]).toBe(theirs[row.typical]);
        }
      }
    });
  }
});

describe('findLeakSuspects leaves garbage out', () => {
  /**
   * root ─shortcut─▶ global(100) ─[i]─▶ Live_i(100), i < 20          (2,100 B reachable)
   * Garbage(100) ─[i]─▶ GarbageItem_i(100), i < 40                   (4,100 B nothing references)
   * The dominator tree hangs Garbage off the root with 4,100 B, 57% of the heap; no strong reference
   * reaches it, so it is no suspect (as in Eclipse MAT): the 20 Live objects are the only group.
   */
  it('an object nothing references is not a suspect, however much it dominates', () => {
    const b = new SnapshotBuilder();
    const root = b.root();
    const gcRoots = b.node('synthetic', '(GC roots)');
    const global = b.node('object', 'global', { selfSize: 100 });
    b.edge(root, 'shortcut', '1', global).edge(root, 'element', 1, gcRoots);
    for (let i = 0; i < 20; i++) b.edge(global, 'element', i, b.node('object', 'Live', { selfSize: 100 }));
    const garbage = b.node('object', 'Garbage', { selfSize: 100 });
    for (let i = 0; i < 40; i++) b.edge(garbage, 'element', i, b.node('object', 'GarbageItem', { selfSize: 100 }));
    const graph = parseSnapshotText(b.toJSON());
    const result = findLeakSuspects(graph);
    expect(result.suspects.map((s) => graph.nodeNameOf(s.top))).not.toContain('Garbage');
    expect(result.suspects).toHaveLength(1);
    expect(result.suspects[0]).toMatchObject({ kind: 'group', memberCount: 20 });
    expect(rows(result, 0)).toEqual(['Live×20 2000']);
  });
});
