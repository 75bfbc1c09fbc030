import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NODE24_NODE_FIELDS, SnapshotBuilder, type SnapshotBuilderOptions } from './snapshot-builder.ts';

interface Parsed {
  snapshot: { meta: Record<string, any>; node_count: number; edge_count: number; extra_native_bytes?: number };
  nodes: number[];
  edges: number[];
  strings: string[];
  locations?: number[];
  [section: string]: unknown;
}

/** root → (GC roots); root -shortcut-> global; global -property conn-> Connection -element 0-> Array. */
function buildSmall(options?: SnapshotBuilderOptions) {
  const b = new SnapshotBuilder(options);
  const root = b.root();
  const gcRoots = b.node('synthetic', '(GC roots)');
  const global = b.node('object', 'global', { selfSize: 24 });
  const conn = b.node('object', 'Connection', { selfSize: 100, location: [7, 3, 14], detachedness: 2 });
  const arr = b.node('array', '', { selfSize: 16 });
  b.edge(root, 'element', 1, gcRoots).edge(root, 'shortcut', '1', global);
  b.edge(conn, 'element', 0, arr); // added before global's edge: output must still group by source
  b.edge(global, 'property', 'conn', conn);
  return { b, text: b.toJSON(), refs: { root, gcRoots, global, conn, arr } };
}

/** Checks the invariants every reader relies on (docs/FORMAT.md §1.9). */
function checkInvariants(s: Parsed) {
  const nf = s.snapshot.meta.node_fields.length;
  const ef = s.snapshot.meta.edge_fields.length;
  const ec = s.snapshot.meta.node_fields.indexOf('edge_count');
  expect(s.nodes.length).toBe(s.snapshot.node_count * nf);
  expect(s.edges.length).toBe(s.snapshot.edge_count * ef);
  let sum = 0;
  for (let i = ec; i < s.nodes.length; i += nf) sum += s.nodes[i];
  expect(sum).toBe(s.snapshot.edge_count);
  for (let i = 2; i < s.edges.length; i += ef) {
    expect(s.edges[i] % nf).toBe(0);
    expect(s.edges[i]).toBeLessThan(s.nodes.length);
  }
  expect(s.strings[0]).toBe('<dummy>');
}

/** Outgoing edges of a node as "type name -> targetName", read back from the parsed JSON. */
function edgesOf(s: Parsed, ordinal: number): string[] {
  const meta = s.snapshot.meta;
  const nf = meta.node_fields.length;
  const ec = meta.node_fields.indexOf('edge_count');
  const nameAt = meta.node_fields.indexOf('name');
  let first = 0;
  for (let k = 0; k < ordinal; k++) first += s.nodes[k * nf + ec];
  const out: string[] = [];
  for (let e = first; e < first + s.nodes[ordinal * nf + ec]; e++) {
    const type = meta.edge_types[0][s.edges[e * 3]];
    const raw = s.edges[e * 3 + 1];
    const name = type === 'element' || type === 'hidden' ? String(raw) : s.strings[raw];
    out.push(`${type} ${name} -> ${s.strings[s.nodes[s.edges[e * 3 + 2] + nameAt]]}`);
  }
  return out;
}

describe('SnapshotBuilder', () => {
  it('emits valid Node-20-style JSON with consistent counts', () => {
    const { text, refs } = buildSmall();
    const s = JSON.parse(text) as Parsed;
    checkInvariants(s);
    expect(s.snapshot.meta.node_fields).toEqual(['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id', 'detachedness']);
    expect(s.snapshot.meta.node_types[0]).toHaveLength(16);
    expect(s.snapshot.meta.edge_types[0]).toEqual(['context', 'element', 'property', 'internal', 'hidden', 'shortcut', 'weak']);
    expect(Object.keys(s)).toEqual(['snapshot', 'nodes', 'edges', 'trace_function_infos', 'trace_tree', 'samples', 'locations', 'strings']);
    expect(s.snapshot.node_count).toBe(5);
    expect(s.snapshot.edge_count).toBe(4);
    expect(edgesOf(s, refs.root)).toEqual(['element 1 -> (GC roots)', 'shortcut 1 -> global']);
    expect(edgesOf(s, refs.global)).toEqual(['property conn -> Connection']);
    expect(edgesOf(s, refs.conn)).toEqual(['element 0 -> ']);
    // Connection: type object, self size 100, detached, location at its node index.
    const conn = s.nodes.slice(refs.conn * 7, refs.conn * 7 + 7);
    expect(s.snapshot.meta.node_types[0][conn[0]]).toBe('object');
    expect(conn[3]).toBe(100);
    expect(conn[6]).toBe(2);
    expect(s.locations).toEqual([refs.conn * 7, 7, 3, 14]);
    expect(text.split('\n').length).toBeGreaterThan(10);
  });

  it('assigns odd ids from 1 and keeps explicit ids', () => {
    const b = new SnapshotBuilder();
    const root = b.root();
    const a = b.node('object', 'A', { id: 3 });
    const c = b.node('object', 'C');
    const d = b.node('native', 'D', { id: 42 });
    expect([b.idOf(root), b.idOf(a), b.idOf(c), b.idOf(d)]).toEqual([1, 3, 5, 42]);
    const s = JSON.parse(b.toJSON()) as Parsed;
    expect([s.nodes[2], s.nodes[9], s.nodes[16], s.nodes[23]]).toEqual([1, 3, 5, 42]);
    b.node('object', 'E', { id: 3 });
    expect(() => b.toJSON()).toThrow(/duplicate node id 3/);
  });

  it('writes 6 node fields without trace_node_id (Node 24 / Chrome)', () => {
    const { text } = buildSmall({ nodeFields: NODE24_NODE_FIELDS, extraNativeBytes: 8632 });
    const s = JSON.parse(text) as Parsed;
    checkInvariants(s);
    expect(s.snapshot.meta.node_fields).toHaveLength(6);
    expect(s.snapshot.extra_native_bytes).toBe(8632);
    expect(Object.keys(s.snapshot)).toEqual(['meta', 'node_count', 'edge_count', 'trace_function_count', 'extra_native_bytes']);
  });

  it('honours reordered node fields and a missing detachedness', () => {
    const fields = ['edge_count', 'id', 'type', 'self_size', 'name'];
    const { text, refs } = buildSmall({ nodeFields: fields });
    const s = JSON.parse(text) as Parsed;
    checkInvariants(s);
    expect(s.snapshot.meta.node_fields).toEqual(fields);
    expect(s.snapshot.meta.node_types[2]).toContain('object');
    expect(s.snapshot.meta.node_types[4]).toBe('string');
    expect(s.nodes.slice(refs.conn * 5, refs.conn * 5 + 5)).toEqual([1, 7, 3, 100, s.strings.indexOf('Connection')]);
    expect(edgesOf(s, refs.global)).toEqual(['property conn -> Connection']);
  });

  it('omits locations, adds unknown sections and node types, writes no newlines', () => {
    const b = new SnapshotBuilder({ locations: false, newlines: false, extraSections: { scopes: [1, 2], scope_uses: [] } });
    const root = b.root();
    const x = b.node('future kind', 'Ünïcode 😀', { fields: {} });
    b.edge(root, 'brand-new-edge', 'x', x);
    const text = b.toJSON();
    expect(text).not.toContain('\n');
    expect(/^[\x20-\x7e]*$/.test(text)).toBe(true);
    const s = JSON.parse(text) as Parsed;
    checkInvariants(s);
    expect(s.locations).toBeUndefined();
    expect(s.snapshot.meta.location_fields).toBeUndefined();
    expect(s.scopes).toEqual([1, 2]);
    expect(Object.keys(s).slice(-3)).toEqual(['scopes', 'scope_uses', 'strings']);
    expect(s.snapshot.meta.node_types[0].at(-1)).toBe('future kind');
    expect(s.snapshot.meta.edge_types[0].at(-1)).toBe('brand-new-edge');
    expect(s.strings).toContain('Ünïcode 😀');
  });

  it('rejects bad input', () => {
    const b = new SnapshotBuilder();
    b.node('object', 'first');
    expect(() => b.root()).toThrow(/before any other node/);
    expect(() => b.edge(0, 'element', 'x', 0)).toThrow(/numeric index/);
    expect(() => b.edge(0, 'property', 'x', 9)).toThrow(/no node 9/);
    expect(() => new SnapshotBuilder({ nodeFields: ['type', 'name', 'id'] })).toThrow(/self_size/);
  });

  it('writes a file', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-builder-')), 'x.heapsnapshot');
    const { b, text } = buildSmall();
    b.writeTo(file);
    expect(fs.readFileSync(file, 'utf8')).toBe(text);
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});
