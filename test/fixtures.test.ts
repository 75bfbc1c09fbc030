// Every committed fixture gunzips, parses and is internally consistent; the format facts per
// Node version that the engine must cope with are pinned here (see fixtures/README.md).
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import { fixtureNames, fixturePath } from './helpers/fixtures.ts';

const N7 = ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness'];
const N6 = ['type', 'name', 'id', 'self_size', 'edge_count', 'detachedness'];

/** Expected node_fields, node-type enum tail and header keys by fixture. */
const formatByFixture: Record<string, { nodeFields: string[]; nodeTypeCount: number; extraNativeBytes: boolean }> = {
  'finreg-node18': { nodeFields: N7, nodeTypeCount: 14, extraNativeBytes: false },
  'finreg-node20': { nodeFields: N7, nodeTypeCount: 16, extraNativeBytes: false },
  'finreg-node22': { nodeFields: N7, nodeTypeCount: 15, extraNativeBytes: false },
  'finreg-node24': { nodeFields: N6, nodeTypeCount: 15, extraNativeBytes: true },
  'tracked-node24': { nodeFields: N7, nodeTypeCount: 15, extraNativeBytes: true },
  'chrome-page': { nodeFields: N6, nodeTypeCount: 15, extraNativeBytes: true },
};
const NODE20 = { nodeFields: N7, nodeTypeCount: 16, extraNativeBytes: false };

/** Instance counts of `object` nodes by class name that hold by construction; `Object.prop`
 *  counts plain `Object`s having a property edge `prop`. */
const finreg = { LeakedByHeldValue: 4, HeldValue: 4, CrossedA: 4, CrossedB: 4, CrossedHeldValue: 8, CapturedByCallback: 4,
  TokenIsTarget: 0, StillInUse: 4, StillInUseHeld: 4, ListenerOwner: 4, WeakRefKeptStrongly: 4, WeakRefOnly: 0,
  WeakMapKey: 2, WeakMapValueKeptStrongly: 4 };
// `Object.region`: plain Objects with a property edge `region` — the 500 literals plus the boilerplate
// copy V8 keeps in the literal's AllocationSite.
const basic = { Connection: 1000, SessionStore: 1, 'Object.region': 501 };
const objectCounts: Record<string, Record<string, number>> = {
  basic, tracked: basic, internals: basic, 'tracked-node24': basic,
  'diff-a': { Leak: 100, Stable: 1 }, 'diff-b': { Leak: 250, Stable: 2 },
  'leaky-server-1': { RequestContext: 200 }, 'leaky-server-2': { RequestContext: 400 }, 'leaky-server-3': { RequestContext: 600 },
  'clean-server-1': { RequestContext: 0 }, 'clean-server-2': { RequestContext: 0 }, 'clean-server-3': { RequestContext: 0 },
  'finreg-node18': finreg, 'finreg-node20': finreg, 'finreg-node22': finreg, 'finreg-node24': finreg,
  'chrome-page': { Widget: 300, 'Object.x': 200, 'Object.y': 200 },
};

interface Snapshot {
  snapshot: { meta: Record<string, any>; node_count: number; edge_count: number; trace_function_count: number; extra_native_bytes?: number };
  nodes: number[];
  edges: number[];
  trace_function_infos: number[];
  strings: string[];
}

const names = fixtureNames();

describe('committed fixtures', () => {
  it('are all listed here', () => {
    expect(names).toEqual(Object.keys(objectCounts).sort());
  });

  describe.each(names)('%s', (name) => {
    it('parses, matches its header counts and holds its facts by construction', () => {
      const text = fs.readFileSync(fixturePath(name), 'latin1');
      const s = JSON.parse(text) as Snapshot;
      const meta = s.snapshot.meta;
      const nf = meta.node_fields.length;
      const ef = meta.edge_fields.length;
      expect(s.nodes.length).toBe(s.snapshot.node_count * nf);
      expect(s.edges.length).toBe(s.snapshot.edge_count * ef);
      const ec = meta.node_fields.indexOf('edge_count');
      let sum = 0;
      for (let i = ec; i < s.nodes.length; i += nf) sum += s.nodes[i];
      expect(sum).toBe(s.snapshot.edge_count);

      const format = formatByFixture[name] ?? NODE20;
      expect(meta.node_fields).toEqual(format.nodeFields);
      expect(meta.node_types[0]).toHaveLength(format.nodeTypeCount);
      expect('extra_native_bytes' in s.snapshot).toBe(format.extraNativeBytes);
      expect(meta.edge_types[0]).toEqual(['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak']);
      const tracked = name.startsWith('tracked');
      expect(s.snapshot.trace_function_count > 0).toBe(tracked);
      expect(s.trace_function_infos.length > 0).toBe(tracked);

      const object = meta.node_types[0].indexOf('object');
      const property = meta.edge_types[0].indexOf('property');
      const typeAt = meta.node_fields.indexOf('type');
      const nameAt = meta.node_fields.indexOf('name');
      const counts = new Map<string, number>();
      for (let i = 0, firstEdge = 0; i < s.nodes.length; firstEdge += s.nodes[i + ec], i += nf) {
        if (s.nodes[i + typeAt] !== object) continue;
        const cls = s.strings[s.nodes[i + nameAt]];
        counts.set(cls, (counts.get(cls) ?? 0) + 1);
        if (cls !== 'Object') continue;
        for (let e = firstEdge; e < firstEdge + s.nodes[i + ec]; e++) {
          if (s.edges[e * ef] !== property) continue;
          const key = `Object.${s.strings[s.edges[e * ef + 1]]}`;
          counts.set(key, (counts.get(key) ?? 0) + 1);
        }
      }
      const expected = objectCounts[name];
      expect(Object.fromEntries(Object.keys(expected).map((c) => [c, counts.get(c) ?? 0]))).toEqual(expected);
    });
  });

  it('Node 24 writes almost no newlines, Node 20 one per node/edge', () => {
    const lines = (name: string) => fs.readFileSync(fixturePath(name), 'latin1').split('\n').length;
    expect(lines('finreg-node24')).toBeLessThan(20);
    expect(lines('finreg-node20')).toBeGreaterThan(100_000);
  });

  it('leaky-server: every RequestContext has both documented retainer edges', () => {
    const s = JSON.parse(fs.readFileSync(fixturePath('leaky-server-1'), 'latin1')) as Snapshot;
    const m = s.snapshot.meta;
    const nf = m.node_fields.length;
    const ec = m.node_fields.indexOf('edge_count');
    const edgeTypes: string[] = m.edge_types[0];
    const retainers = new Map<number, string[]>();
    for (let i = 0, e = 0; i < s.nodes.length; i += nf) {
      const from = `${s.strings[s.nodes[i + 1]]}`;
      for (const end = e + s.nodes[i + ec]; e < end; e++) {
        const type = edgeTypes[s.edges[e * 3]];
        const name = type === 'element' || type === 'hidden' ? 'N' : s.strings[s.edges[e * 3 + 1]];
        const to = s.edges[e * 3 + 2];
        if (!retainers.has(to)) retainers.set(to, []);
        retainers.get(to)!.push(`${from} -${type} ${name}->`);
      }
    }
    const contexts = [];
    for (let i = 0; i < s.nodes.length; i += nf) {
      if (m.node_types[0][s.nodes[i]] === 'object' && s.strings[s.nodes[i + 1]] === 'RequestContext') contexts.push(retainers.get(i) ?? []);
    }
    expect(contexts).toHaveLength(200);
    for (const r of contexts) {
      expect(r).toContain('Array -element N->');
      expect(r).toContain('system / Context -context ctx->');
    }
  });

  it('keeps object ids of survivors stable between diff-a and diff-b', () => {
    const ids = (name: string) => {
      const s = JSON.parse(fs.readFileSync(fixturePath(name), 'latin1')) as Snapshot;
      const m = s.snapshot.meta;
      const nf = m.node_fields.length;
      const leak = s.strings.indexOf('Leak');
      const out = new Set<number>();
      for (let i = 0; i < s.nodes.length; i += nf) {
        if (m.node_types[0][s.nodes[i]] === 'object' && s.nodes[i + 1] === leak) out.add(s.nodes[i + 2]);
      }
      return out;
    };
    const a = ids('diff-a');
    const b = ids('diff-b');
    const survivors = [...a].filter((id) => b.has(id));
    expect(survivors).toHaveLength(50);
    expect(b.size - survivors.length).toBe(200);
  });
});
