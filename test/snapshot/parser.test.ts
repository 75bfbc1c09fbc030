import fs from 'node:fs';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadSnapshot, parseSnapshotText } from '../../src/snapshot/load.ts';
import { SnapshotParser } from '../../src/snapshot/parser.ts';
import { LeakscopeError, SnapshotFormatError } from '../../src/errors.ts';
import { computeHistogram } from '../../src/analysis/histogram.ts';
import { EDGE_TYPES, NODE20_NODE_FIELDS, NODE20_NODE_TYPES, NODE24_NODE_FIELDS, SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { fixtureGzPath, fixturePath } from '../helpers/fixtures.ts';
import { caseCount } from '../helpers/counts.ts';
import { seeded } from '../helpers/seeded.ts';

/** A small graph with every edge kind, built with the given layout options. */
function sample(options: ConstructorParameters<typeof SnapshotBuilder>[0] = {}) {
  const b = new SnapshotBuilder(options);
  const root = b.root();
  const gcRoots = b.node('synthetic', '(GC roots)');
  const global = b.node('object', 'global', { selfSize: 24, detachedness: 1 });
  const conn = b.node('object', 'Connection', { selfSize: 5_000_000_000, location: [3, 10, 4] });
  const text = b.node('string', 'he said "hi"\n\u00e9\u2603', { selfSize: 32 });
  const fn = b.node('closure', 'onData', { selfSize: 64, location: [3, 20, 2] });
  b.edge(root, 'element', 1, gcRoots);
  b.edge(root, 'shortcut', '1', global);
  b.edge(global, 'property', 'conn', conn);
  b.edge(conn, 'property', 'label', text);
  b.edge(conn, 'context', 'handler', fn);
  b.edge(conn, 'weak', 'cache', global);
  b.edge(fn, 'hidden', 7, conn);
  b.edge(conn, 'element', 0, text);
  return { text: b.toJSON(), ids: { conn: b.idOf(conn), fn: b.idOf(fn) } };
}

function columnsOf(text: string) {
  const g = parseSnapshotText(text);
  return {
    nodes: g.nodeCount,
    edges: g.edgeCount,
    names: Array.from({ length: g.nodeCount }, (_, i) => `${g.nodeTypeOf(i)}:${g.nodeNameOf(i)}:${g.selfSize[i]}`),
    edgeList: Array.from({ length: g.edgeCount }, (_, e) => `${g.edgeSource(e)}-${g.edgeTypeOf(e)}:${g.edgeNameOf(e)}->${g.edgeTarget[e]}`),
  };
}

describe('streaming parser', () => {
  it('reads every field of a Node 20 layout, including self sizes above 2^32 and escaped strings', () => {
    const { text, ids } = sample();
    const g = parseSnapshotText(text);
    expect(g.nodeCount).toBe(6);
    expect(g.edgeCount).toBe(8);
    const conn = g.ordinalOfId(ids.conn);
    expect(g.nodeNameOf(conn)).toBe('Connection');
    expect(g.selfSize[conn]).toBe(5_000_000_000);
    expect(g.nodeNameOf(g.edgeTarget[g.firstEdge[conn]])).toBe('he said "hi"\n\u00e9\u2603');
    expect(g.locLine[g.locationOf(conn)]).toBe(10);
    expect(g.detachednessOf(g.ordinalOfId(ids.conn) - 1)).toBe(1);
    expect(g.detachednessOf(conn)).toBe(0);
    // retainers are the reverse of the edges
    const fn = g.ordinalOfId(ids.fn);
    const retainers = Array.from(g.retainerNode.subarray(g.firstRetainer[conn], g.firstRetainer[conn + 1]));
    expect(retainers.sort()).toEqual([2, fn].sort());
  });

  it.each([
    ['6 node fields (Node 24, Chrome)', { nodeFields: NODE24_NODE_FIELDS }],
    ['reordered node fields', { nodeFields: ['edge_count', 'id', 'self_size', 'name', 'type', 'detachedness', 'trace_node_id'] }],
    ['no detachedness', { nodeFields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id'] }],
    ['no locations', { locations: false }],
    ['Chrome extra sections and extra_native_bytes', { extraSections: { scopes: [[1, [2, 3]], { a: '"]}' }], scope_uses: [] }, extraNativeBytes: 8632 }],
    ['no newlines', { newlines: false }],
  ])('reads the same graph with %s', (_label, options) => {
    expect(columnsOf(sample(options).text)).toEqual(columnsOf(sample().text));
  });

  it('keeps detachedness as sparse ordinal lists (Node.js marks a handful of nodes)', async () => {
    const g = parseSnapshotText(sample({ nodeFields: ['type', 'name', 'id', 'self_size', 'edge_count', 'trace_node_id'] }).text);
    expect([g.attachedNodes.length, g.detachedNodes.length]).toEqual([0, 0]);
    const node = await loadSnapshot(fixturePath('basic'));
    expect(node.source.meta.node_fields).toContain('detachedness');
    expect(node.detachedNodes.length).toBe(10);
    expect(Array.from(node.detachedNodes).every((o) => node.detachednessOf(o) === 2)).toBe(true);
  });

  it('finds the source location of every node when V8 wrote the records out of node order', () => {
    const b = new SnapshotBuilder({ reverseLocations: true });
    const root = b.root();
    const located = [3, 1, 4, 1, 5, 9, 2, 6].map((line, k) => b.node('closure', `f${k}`, { selfSize: 8, location: [7, line, k] }));
    const plain = b.node('object', 'Plain', { selfSize: 8 });
    for (const ordinal of [...located, plain]) b.edge(root, 'element', ordinal, ordinal);
    const g = parseSnapshotText(b.toJSON());
    expect(located.map((o) => [g.locLine[g.locationOf(o)], g.locColumn[g.locationOf(o)]])).toEqual([3, 1, 4, 1, 5, 9, 2, 6].map((line, k) => [line, k]));
    expect(g.locationOf(plain)).toBe(-1);
    expect(g.locationOf(root)).toBe(-1);
    expect(Array.from(g.locObject)).toEqual([...located]);
  });

  it('gives the same result whatever the chunk boundaries', () => {
    const bytes = Buffer.from(sample({ extraSections: { scopes: ['a\\"b', [1, 2]] } }).text);
    const whole = new SnapshotParser('x', bytes.length);
    whole.feed(bytes);
    const expected = whole.finish();
    for (const size of [1, 2, 3, 7, 64]) {
      const parser = new SnapshotParser('x', bytes.length);
      for (let i = 0; i < bytes.length; i += size) parser.feed(bytes.subarray(i, i + size));
      const got = parser.finish();
      expect(Array.from(got.edgeTarget)).toEqual(Array.from(expected.edgeTarget));
      expect(Array.from(got.selfSize)).toEqual(Array.from(expected.selfSize));
      for (const column of ['nodeType', 'nodeName', 'nodeId', 'nodeEdgeCount'] as const) expect(Array.from(got[column])).toEqual(Array.from(expected[column]));
      expect(got.stringBytes.toString()).toEqual(expected.stringBytes.toString());
    }
  });

  it('finds nodes by id for ids above 2^21 written out of order', () => {
    const b = new SnapshotBuilder();
    const root = b.root();
    const ids = [4_000_000_001, 3_000_001, 2_097_153, 2_097_155, 77, 4_000_000_003];
    const refs = ids.map((id) => b.node('object', `N${id}`, { id, selfSize: 8 }));
    refs.forEach((ref, k) => b.edge(root, 'element', k, ref));
    const g = parseSnapshotText(b.toJSON());
    for (const id of ids) expect(g.nodeNameOf(g.ordinalOfId(id))).toBe(`N${id}`);
    expect(g.ordinalOfId(2_097_157)).toBe(-1);
  });

  it('keeps trace node ids only when the snapshot has allocation traces', async () => {
    const tracked = await loadSnapshot(fixtureGzPath('tracked'));
    expect(tracked.traceNodeId).not.toBeNull();
    expect(tracked.traceNodeId!.some((id) => id !== 0)).toBe(true);
    const untracked = await loadSnapshot(fixtureGzPath('basic'));
    expect(untracked.source.meta.node_fields).toContain('trace_node_id');
    expect(untracked.traceNodeId).toBeNull();
  });

  it('skips one UTF-8 byte order mark at the very start', () => {
    expect(columnsOf(`\ufeff${sample().text}`)).toEqual(columnsOf(sample().text));
  });

  it('records extra_native_bytes and the sections in file order', () => {
    const g = parseSnapshotText(sample({ extraNativeBytes: 8632, extraSections: { scopes: [] } }).text);
    expect(g.source.extraNativeBytes).toBe(8632);
    expect(g.source.sections).toContain('scopes');
    expect(g.source.sections[0]).toBe('snapshot');
  });

  it('reads real snapshots of Node 18, 20, 22 and 24 with the counts their headers announce', async () => {
    for (const major of [18, 20, 22, 24]) {
      const file = fixturePath(`finreg-node${major}`);
      const header = JSON.parse(/"snapshot":(\{.*?\}),\s*"nodes"/s.exec(fs.readFileSync(file, 'latin1').slice(0, 20000))![1].replace(/\s/g, ''));
      const g = await loadSnapshot(file);
      expect(g.nodeCount).toBe(header.node_count);
      expect(g.edgeCount).toBe(header.edge_count);
      expect(g.source.meta.node_fields.length).toBe(major === 24 ? 6 : 7);
      expect(computeHistogram(g).classes.some((c) => c.name === 'FinalizationRegistry')).toBe(true);
    }
  });

  it('reads gzipped files directly, to the same graph', async () => {
    const plain = await loadSnapshot(fixturePath('diff-a'));
    const gz = await loadSnapshot(fixtureGzPath('diff-a'));
    expect(gz.nodeCount).toBe(plain.nodeCount);
    expect(Array.from(gz.edgeTarget.subarray(0, 5000))).toEqual(Array.from(plain.edgeTarget.subarray(0, 5000)));
    expect(gz.strings.get(gz.strings.count - 1)).toBe(plain.strings.get(plain.strings.count - 1));
  });
});

describe('bad input ends in one clear error', () => {
  const { text } = sample();
  const withBytes = (bytes: number[], rest: string) => Buffer.concat([Buffer.from(bytes), Buffer.from(rest)]);
  const cases: [string, string | Uint8Array, RegExp][] = [
    ['empty', '', /empty file/],
    ['not JSON', 'hello world', /not a V8 heap snapshot: expected a JSON object/],
    ['JSON but not a snapshot', '{"name":"x","version":"1.0.0"}', /no "snapshot" header/],
    ['array', '[1,2,3]', /expected a JSON object/],
    ['unknown meta layout', text.replace('"edge_count","trace_node_id"', '"edges","trace_node_id"'), /node_fields has no "edge_count"/],
    ['node count disagrees', text.replace('"node_count":6', '"node_count":5'), /more than the 5 nodes/],
    ['edge count disagrees', text.replace('"edge_count":8', '"edge_count":9'), /the nodes' edge counts add up to 8, but the header announces 9 edges/],
    ['nodes before header', '{"nodes":[1,2,3],"snapshot":{}}', /before the "snapshot" header/],
    ['truncated in edges', text.slice(0, text.indexOf('"edges"') + 20), /truncated: the file ends inside "edges"/],
    ['truncated in strings', text.slice(0, text.length - 10), /truncated/],
    ['a float in nodes', text.replace('"nodes":[9', '"nodes":[9.5'), /unexpected '\.' in "nodes"/],
    ['header claims a huge heap', text.replace('"node_count":6', '"node_count":4000000000'), /more than a \d+-byte file can hold/],
    ['a byte order mark twice', `\ufeff\ufeff${text}`, /expected a JSON object, found byte 0xef \(at byte 3\)/],
    ['half a byte order mark', withBytes([0xef, 0xbb], text), /incomplete UTF-8 byte order mark, then '\{' \(at byte 2\)/],
    ['a byte order mark in the wrong order', withBytes([0xbb, 0xef, 0xbf], text), /found byte 0xbb \(at byte 0\)/],
    ['a byte order mark after a space', ` \ufeff${text}`, /found byte 0xef \(at byte 1\)/],
    ['a node field listed twice', text.replace('"edge_count","trace_node_id"', '"edge_count","type"'), /meta\.node_fields lists "type" twice/],
    ['an edge field listed twice', text.replace('"edge_fields":["type","name_or_index","to_node"]', '"edge_fields":["type","name_or_index","to_node","type"]'), /meta\.edge_fields lists "type" twice/],
    ['a location field listed twice', text.replace('"location_fields":["object_index","script_id","line","column"]', '"location_fields":["object_index","line","line","column"]'), /meta\.location_fields lists "line" twice/],
  ];
  it.each(cases)('%s', (_label, input, message) => {
    let error: unknown;
    try {
      parseSnapshotText(input, 'bad.heapsnapshot');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SnapshotFormatError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/^bad\.heapsnapshot: /);
    expect((error as Error).message).not.toContain('\n');
  });

  it('names a missing file, a directory and binary garbage', async () => {
    await expect(loadSnapshot('/nonexistent/x.heapsnapshot')).rejects.toThrow(/no such file/);
    await expect(loadSnapshot('test')).rejects.toThrow(/is a directory/);
    const garbage = Buffer.alloc(4096);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 2654435761) >>> 24;
    expect(() => parseSnapshotText(garbage, 'garbage')).toThrow(LeakscopeError);
    await expect(loadSnapshot(writeTemp('broken.heapsnapshot.gz', zlib.gzipSync(text).subarray(0, 100)))).rejects.toThrow(/truncated|damaged gzip/);
  });
});

/**
 * A snapshot written by hand, number by number, for values no builder would write: Node 20's
 * layout, node 0 the root. Values are strings so that digits past 2^53 stay exact.
 */
function handWritten(parts: { nodes: string[][]; edges?: string[][]; locations?: string[][]; strings?: string[]; header?: Record<string, unknown> }): string {
  const meta = {
    node_fields: NODE20_NODE_FIELDS,
    node_types: [NODE20_NODE_TYPES, 'string', 'number', 'number', 'number', 'number', 'number'],
    edge_fields: ['type', 'name_or_index', 'to_node'],
    edge_types: [EDGE_TYPES, 'string_or_number', 'node'],
    location_fields: ['object_index', 'script_id', 'line', 'column'],
  };
  const edges = parts.edges ?? [];
  const header = { meta, node_count: parts.nodes.length, edge_count: edges.length, trace_function_count: 0, ...parts.header };
  const rows = (list: string[][]) => list.map((row) => row.join(',')).join('\n,');
  return `{"snapshot":${JSON.stringify(header)},\n"nodes":[${rows(parts.nodes)}],\n"edges":[${rows(edges)}],\n`
    + `"trace_function_infos":[],"trace_tree":[],"samples":[],"locations":[${rows(parts.locations ?? [])}],\n`
    // As V8 writes them: ASCII only, everything else as \uXXXX (docs/FORMAT.md §1.6).
    + `"strings":${JSON.stringify(parts.strings ?? ['<dummy>', '', 'A', 'b']).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)}}`;
}

/** Root (one edge, to node 1) and node 1, with node 1's fields overridden. Types: 9 synthetic, 3 object. */
function twoNodes(node1: Partial<Record<(typeof NODE20_NODE_FIELDS)[number], string>>, edge: string[] = ['2', '3', '7']): string[][][] {
  const fields = { type: '3', name: '2', id: '3', self_size: '16', edge_count: '0', trace_node_id: '0', detachedness: '0', ...node1 };
  return [[['9', '1', '1', '0', '1', '0', '0'], NODE20_NODE_FIELDS.map((f) => fields[f as keyof typeof fields])], [edge]];
}

describe('integer fields: the exact number or a refusal naming field, value and byte', () => {
  const MAX_SAFE = String(Number.MAX_SAFE_INTEGER);
  // [label, snapshot, written value to find (its first occurrence is the offset named), message]
  const refused: [string, string, string, RegExp][] = [
    ['a node name index past 32 bits', (() => { const [nodes, edges] = twoNodes({ name: '4294967302' }); return handWritten({ nodes, edges }); })(), '4294967302', /node 1: "name" is 4294967302, above 4294967295, the 32-bit maximum/],
    ['a node name index past the strings', (() => { const [nodes, edges] = twoNodes({ name: '4000000001' }); return handWritten({ nodes, edges }); })(), '4000000001', /node 1: "name" is 4000000001, but there are only 4 strings/],
    ['an id past 32 bits', (() => { const [nodes, edges] = twoNodes({ id: '4294967299' }); return handWritten({ nodes, edges }); })(), '4294967299', /node 1: "id" is 4294967299, above 4294967295/],
    ['a self size of 2^53', (() => { const [nodes, edges] = twoNodes({ self_size: '9007199254740992' }); return handWritten({ nodes, edges }); })(), '9007199254740992', /node 1: "self_size" is about 9\.007199e\+15, above 2\^53 − 1/],
    ['a self size of 2^53 + 1 (rounds to 2^53 when read)', (() => { const [nodes, edges] = twoNodes({ self_size: '9007199254740993' }); return handWritten({ nodes, edges }); })(), '9007199254740993', /"self_size" is about 9\.007199e\+15/],
    ['a self size of sixteen 9s', (() => { const [nodes, edges] = twoNodes({ self_size: '9999999999999999' }); return handWritten({ nodes, edges }); })(), '9999999999999999', /"self_size" is about 1\.000000e\+16/],
    ['a self size of 1e300', (() => { const [nodes, edges] = twoNodes({ self_size: '1e300' }); return handWritten({ nodes, edges }); })(), 'e300', /unexpected 'e' in "nodes"/],
    ['a self size with a fraction', (() => { const [nodes, edges] = twoNodes({ self_size: '16.5' }); return handWritten({ nodes, edges }); })(), '.5', /unexpected '\.' in "nodes"/],
    ['a self size of 17 digits', (() => { const [nodes, edges] = twoNodes({ self_size: '10000000000000000' }); return handWritten({ nodes, edges }); })(), '0,0,0,0]', /number too long in "nodes"/],
    ['an edge_count of 2^32 + 2', (() => { const [nodes, edges] = twoNodes({ edge_count: '4294967298' }); return handWritten({ nodes, edges }); })(), '4294967298', /node 1: "edge_count" is 4294967298, more than the 1 edges the header announces/],
    ['edge counts adding up past the header', (() => { const [nodes, edges] = twoNodes({ edge_count: '1' }); return handWritten({ nodes, edges }); })(), '1,0,0]', /node 1: the edge counts of nodes 0 to 1 add up to 2, more than the 1 edges/],
    ['a node type past meta', (() => { const [nodes, edges] = twoNodes({ type: '16' }); return handWritten({ nodes, edges }); })(), '16,2', /node 1: "type" is 16, but meta lists only 16 node types/],
    ['a trace_node_id past 32 bits', (() => { const [nodes, edges] = twoNodes({ trace_node_id: '4294967296' }); return handWritten({ nodes, edges }); })(), '4294967296', /node 1: "trace_node_id" is 4294967296/],
    ['a detachedness of 3', (() => { const [nodes, edges] = twoNodes({ detachedness: '3' }); return handWritten({ nodes, edges }); })(), '3]', /node 1: "detachedness" is 3, but detachedness is 0 \(unknown\), 1 \(attached\) or 2 \(detached\)/],
    ['an edge type past meta', (() => { const [nodes, edges] = twoNodes({}, ['7', '3', '7']); return handWritten({ nodes, edges }); })(), '7,3,7', /edge 0: "type" is 7, but meta lists only 7 edge types/],
    ['a property name past 32 bits', (() => { const [nodes, edges] = twoNodes({}, ['2', '4294967299', '7']); return handWritten({ nodes, edges }); })(), '4294967299', /edge 0: "name_or_index" is 4294967299, above 4294967295/],
    ['a property name past the strings', (() => { const [nodes, edges] = twoNodes({}, ['2', '4', '7']); return handWritten({ nodes, edges }); })(), '4,7]', /edge 0: "name_or_index" is 4, but there are only 4 strings/],
    ['an element index past 32 bits', (() => { const [nodes, edges] = twoNodes({}, ['1', '4294967296', '7']); return handWritten({ nodes, edges }); })(), '4294967296', /edge 0: "name_or_index" is 4294967296/],
    ['a to_node between nodes', (() => { const [nodes, edges] = twoNodes({}, ['2', '3', '8']); return handWritten({ nodes, edges }); })(), '8]', /edge 0: "to_node" is 8, which is not a node index \(2 nodes × 7 fields\)/],
    ['a to_node past the nodes', (() => { const [nodes, edges] = twoNodes({}, ['2', '3', '14']); return handWritten({ nodes, edges }); })(), '14]', /edge 0: "to_node" is 14, which is not a node index/],
    ['a to_node that wraps to node 1 in 32 bits', (() => { const [nodes, edges] = twoNodes({}, ['2', '3', '4294967303']); return handWritten({ nodes, edges }); })(), '4294967303', /edge 0: "to_node" is 4294967303, which is not a node index/],
    ['a location line past 32 bits', (() => { const [nodes, edges] = twoNodes({}); return handWritten({ nodes, edges, locations: [['7', '1', '4294967296', '0']] }); })(), '4294967296', /location 0: "line" is 4294967296, above 4294967295/],
    ['a location script id past 32 bits', (() => { const [nodes, edges] = twoNodes({}); return handWritten({ nodes, edges, locations: [['7', '4294967296', '1', '0']] }); })(), '4294967296', /location 0: "script_id" is 4294967296/],
    ['a location of no node', (() => { const [nodes, edges] = twoNodes({}); return handWritten({ nodes, edges, locations: [['9', '1', '2', '0']] }); })(), '9,1,2,0', /location 0: "object_index" is 9, which is not a node index/],
  ];
  it.each(refused)('%s', (_label, input, written, message) => {
    let error: unknown;
    try {
      parseSnapshotText(input, 'bad.heapsnapshot');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SnapshotFormatError);
    expect((error as Error).message).toMatch(message);
    expect((error as SnapshotFormatError).offset).toBe(Buffer.from(input).indexOf(written));
    // The same error at the same byte whatever the chunks (numbers cut across them).
    for (const size of [1, 3]) {
      const bytes = Buffer.from(input);
      const parser = new SnapshotParser('bad.heapsnapshot', bytes.length);
      let chunked: unknown;
      try {
        for (let i = 0; i < bytes.length; i += size) parser.feed(bytes.subarray(i, i + size));
        parser.finish();
      } catch (e) {
        chunked = e;
      }
      expect((chunked as Error).message).toBe((error as Error).message);
      expect((chunked as SnapshotFormatError).offset).toBe((error as SnapshotFormatError).offset);
    }
  });

  const headers: [string, Record<string, unknown>, RegExp][] = [
    ['node_count past 32 bits', { node_count: 4294967298 }, /"node_count" is 4294967298, not a whole number from 0 to 4294967295/],
    ['a fractional edge_count', { edge_count: 1.5 }, /"edge_count" is 1\.5, not a whole number/],
    ['a negative trace_function_count', { trace_function_count: -1 }, /"trace_function_count" is -1/],
    ['extra_native_bytes of 1e300', { extra_native_bytes: 1e300 }, /"extra_native_bytes" is 1e\+300, not a whole number from 0 to 9007199254740991/],
    ['extra_native_bytes as a string', { extra_native_bytes: '12' }, /"extra_native_bytes" is "12"/],
  ];
  it.each(headers)('refuses a header with %s', (_label, header, message) => {
    const [nodes, edges] = twoNodes({});
    const input = handWritten({ nodes, edges, header });
    expect(() => parseSnapshotText(input, 'bad.heapsnapshot')).toThrow(message);
    expect(() => parseSnapshotText(input, 'bad.heapsnapshot')).toThrow(/\(at byte 12\)$/);
  });

  it('keeps the largest values that fit, exactly', () => {
    const [nodes, edges] = twoNodes({ id: '4294967295', self_size: MAX_SAFE, trace_node_id: '4294967295', detachedness: '2' }, ['1', '4294967295', '7']);
    const g = parseSnapshotText(handWritten({ nodes, edges, locations: [['7', '4294967295', '4294967295', '4294967295']], header: { extra_native_bytes: Number.MAX_SAFE_INTEGER } }));
    expect(g.nodeId[1]).toBe(4294967295);
    expect(g.selfSize[1]).toBe(Number.MAX_SAFE_INTEGER);
    expect(g.detachednessOf(1)).toBe(2);
    expect(g.edgeNameOrIndex[0]).toBe(4294967295);
    expect(g.edgeTarget[0]).toBe(1);
    expect([g.locScriptId[0], g.locLine[0], g.locColumn[0]]).toEqual([4294967295, 4294967295, 4294967295]);
    expect(g.source.extraNativeBytes).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses a string index past the strings also when "type" follows "name_or_index" in edge_fields', () => {
    const [nodes, edges] = twoNodes({}, ['2', '9', '7']);
    const input = handWritten({ nodes, edges }).replace('"edge_fields":["type","name_or_index","to_node"]', '"edge_fields":["name_or_index","type","to_node"]')
      .replace('"edge_types":[["context"', '"edge_types":["string_or_number",["context"').replace('"weak"],"string_or_number","node"]', '"weak"],"node"]')
      .replace('"edges":[2,9,7]', '"edges":[9,2,7]');
    expect(() => parseSnapshotText(input, 'bad.heapsnapshot')).toThrow(/edge 0: "name_or_index" is 9, but there are only 4 strings$/);
  });
});

describe('each section takes only the bytes its declared counts allow', () => {
  const [nodes, edges] = twoNodes({});
  const text = handWritten({ nodes, edges, locations: [['7', '1', '2', '3']] });
  /** The text with `padding` inserted right after `marker` (first occurrence). */
  const padded = (marker: string, padding: string) => {
    const at = text.indexOf(marker) + marker.length;
    return text.slice(0, at) + padding + text.slice(at);
  };
  const refusal = (input: string | Buffer) => {
    try {
      parseSnapshotText(input, 'bomb.heapsnapshot');
    } catch (error) {
      expect(error).toBeInstanceOf(SnapshotFormatError);
      return error as SnapshotFormatError;
    }
    throw new Error('parsed');
  };
  // 2 nodes × 7 numbers, 1 edge × 3, 2 nodes × 4 location numbers: 64 bytes a number + 64 KiB.
  const cases: [string, string, number, RegExp][] = [
    ['nodes', '"nodes":[', 2 * 7 * 64 + 65536, /"nodes" runs past 66432 bytes, more than 2 nodes of 7 numbers can take \(64 bytes a number\)/],
    ['edges', '"edges":[', 1 * 3 * 64 + 65536, /"edges" runs past 65728 bytes, more than 1 edges of 3 numbers can take/],
    ['locations', '"locations":[', 2 * 4 * 64 + 65536, /"locations" runs past 66048 bytes, more than one location for each of the 2 nodes can take/],
  ];
  it.each(cases)('"%s": padded past its budget, refused where the budget ends', (_key, marker, budget, message) => {
    const open = text.indexOf(marker) + marker.length - 1;
    const justFits = refusalOrNull(() => parseSnapshotText(padded(marker, ' '.repeat(budget - (text.indexOf(']', open) - open) - 1))));
    expect(justFits).toBeNull();
    const error = refusal(padded(marker, '\n'.repeat(budget)));
    expect(error.message).toMatch(message);
    expect(error.offset).toBe(open + budget);
  });

  it('refuses a string longer than V8 can create as it streams, counting escapes as one character', () => {
    const withString = (s: string) => handWritten({ nodes, edges, strings: ['<dummy>', '', 'A', 'b', s] });
    const parse = (input: string, size: number) => {
      const parser = new SnapshotParser('long.heapsnapshot', undefined, { maxStringChars: 10 });
      const bytes = Buffer.from(input);
      for (let i = 0; i < bytes.length; i += size) parser.feed(bytes.subarray(i, i + size));
      return parser.finish();
    };
    for (const size of [1, 5, 1 << 20]) {
      expect(parse(withString('\u00e9'.repeat(10)), size).stringOffsets.length).toBe(6);
      expect(parse(withString('ab\n"\u2603cdef\\'), size).stringOffsets.length).toBe(6);
      const input = withString('\u00e9'.repeat(11));
      expect(() => parse(input, size)).toThrow(/string 4 is longer than 10 characters, the longest string V8 can create/);
      try {
        parse(input, size);
      } catch (error) {
        expect((error as SnapshotFormatError).offset).toBe(Buffer.from(input).lastIndexOf('"\\u00e9'));
      }
    }
  });

  it('allows 1 MiB of whitespace outside the sections, not more', () => {
    expect(refusalOrNull(() => parseSnapshotText(`${text}${' '.repeat(1 << 19)}`))).toBeNull();
    expect(refusal(`${text}${' '.repeat((1 << 20) + 1)}`).message).toMatch(/more than 1048576 bytes of whitespace outside the sections/);
  });
});

function refusalOrNull(parse: () => unknown): Error | null {
  try {
    parse();
    return null;
  } catch (error) {
    return error as Error;
  }
}

describe('gzip input inflates only as far as the header allows', () => {
  const [nodes, edges] = twoNodes({});
  const MiB = 1 << 20;
  // Highly compressible payloads that a small header cannot account for: 70 MiB inflate from ~70 kB.
  const bombs: [string, () => string, RegExp][] = [
    ['one huge string', () => handWritten({ nodes, edges, strings: ['<dummy>', '', 'A', 'b', 'x'.repeat(70 * MiB)] }),
      /"strings" runs past 67133456 bytes, more than the header's 2 nodes, 1 edges and 0 trace functions can name \(64 MiB and 6 KiB a name/],
    ['millions of empty strings', () => handWritten({ nodes, edges }).replace('"strings":["<dummy>"', `"strings":[${'"",'.repeat(24 * MiB)}"<dummy>"`),
      /"strings" runs past 67133456 bytes/],
    ['a huge skipped section', () => handWritten({ nodes, edges }).replace('"samples":[]', `"samples":[${'0,'.repeat(35 * MiB)}0]`),
      /"samples" runs past 67109952 bytes, more than a section leakscope skips may take \(64 MiB and 64 bytes for each number the header announces\)/],
    ['whitespace after the end', () => `${handWritten({ nodes, edges })}${' '.repeat(70 * MiB)}`,
      /more than 1048576 bytes of whitespace outside the sections/],
  ];
  it.each(bombs)('refuses %s, naming it', async (_label, make, message) => {
    // Level 1: half the default level's time on these payloads, and still a third of 1 MiB.
    const gz = zlib.gzipSync(make(), { level: 1 });
    expect(gz.length).toBeLessThan(MiB);
    const error = await loadSnapshot(writeTemp('bomb.heapsnapshot.gz', gz)).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotFormatError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toMatch(/damaged gzip/);
  });
});

function writeTemp(name: string, data: Uint8Array | string): string {
  const dir = fs.mkdtempSync(`${process.env.TMPDIR ?? '/tmp'}/leakscope-test-`);
  const file = `${dir}/${name}`;
  fs.writeFileSync(file, data);
  return file;
}

describe('fuzz: truncations and byte flips of a real snapshot', () => {
  const original = fs.readFileSync(fixturePath('finreg-node24'));
  const random = seeded(20261124);
  // The same seeded cases every run: the first 60 in npm test, all 300 in npm run bench:noise.
  const SEED_CASES = caseCount(60, 300);

  it(`never crashes, hangs or throws anything but a LeakscopeError (${SEED_CASES} cases)`, () => {
    let failures = 0;
    let survivors = 0;
    for (let k = 0; k < SEED_CASES; k++) {
      let input: Buffer;
      const label = `case ${k}`;
      if (k % 2 === 0) {
        input = original.subarray(0, Math.floor(random() * original.length));
      } else {
        input = Buffer.from(original);
        const flips = 1 + Math.floor(random() * 4);
        // Half the flips land in the header and first nodes, where one byte changes the layout.
        for (let f = 0; f < flips; f++) {
          const at = random() < 0.5 ? Math.floor(random() * 4000) : Math.floor(random() * input.length);
          input[at] = Math.floor(random() * 256);
        }
      }
      try {
        const g = parseSnapshotText(input, label);
        computeHistogram(g); // the model must also survive analysis of whatever parsed
        survivors++;
      } catch (error) {
        if (!(error instanceof LeakscopeError)) {
          failures++;
          throw new Error(`${label}: ${String(error)}`);
        }
        expect(error.message.startsWith(`${label}: `)).toBe(true);
      }
    }
    expect(failures).toBe(0);
    // Flips inside digits parse into a different but valid heap; truncations never do.
    expect(survivors).toBeLessThan(SEED_CASES / 2 + 1);
  });

  const RANGE_CASES = caseCount(30, 120);
  it(`stores every number exactly or refuses it, naming its first byte (${RANGE_CASES} numbers replaced)`, () => {
    const text = original.toString('latin1');
    const header = JSON.parse(/"snapshot":(\{.*?\}),\s*"nodes"/s.exec(text.slice(0, 20000))![1]);
    const { meta, node_count: nodeCount, edge_count: edgeCount } = header;
    const nodeFieldCount = meta.node_fields.length;
    const UINT32 = 2n ** 32n - 1n;
    const nodeIndexLimit = BigInt((nodeCount - 1) * nodeFieldCount);
    const limits: Record<string, Record<string, bigint>> = {
      nodes: { type: BigInt(meta.node_types[0].length - 1), name: UINT32, id: UINT32, trace_node_id: UINT32, self_size: 2n ** 53n - 1n, edge_count: BigInt(edgeCount), detachedness: 2n },
      edges: { type: BigInt(meta.edge_types[0].length - 1), name_or_index: UINT32, to_node: nodeIndexLimit },
      locations: { object_index: nodeIndexLimit, script_id: UINT32, line: UINT32, column: UINT32 },
    };
    const fieldsOf: Record<string, string[]> = { nodes: meta.node_fields, edges: meta.edge_fields, locations: meta.location_fields };
    // Start offsets of every number in each section, so a case is one random pick.
    const tokens = Object.fromEntries(Object.keys(limits).map((name) => {
      const starts: number[] = [];
      let at = text.indexOf(`"${name}":[`) + name.length + 4;
      while (text[at] !== ']') {
        while (text[at] < '0' || text[at] > '9') at++;
        starts.push(at);
        while (text[at] >= '0' && text[at] <= '9') at++;
        while (text[at] === ',' || text[at] === '\n') at++;
      }
      return [name, starts];
    }));
    const values = ['0', '1', '2', '3', '7', '16', '4294967295', '4294967296', '4294967298', '4294967302', String(2 ** 32 + nodeFieldCount),
      '9007199254740991', '9007199254740992', '9007199254740993', '9999999999999999'];
    const stored = (parsed: ReturnType<SnapshotParser['finish']>, section: string, field: string, k: number): number | boolean => {
      if (section === 'nodes') {
        switch (field) {
          case 'type': return parsed.nodeType[k];
          case 'name': return parsed.nodeName[k];
          case 'id': return parsed.nodeId[k];
          case 'self_size': return parsed.selfSize[k];
          case 'edge_count': return parsed.nodeEdgeCount[k];
          case 'detachedness': return parsed.detachedNodes.includes(k) ? 2 : parsed.attachedNodes.includes(k) ? 1 : 0;
        }
      }
      if (section === 'edges') {
        switch (field) {
          case 'type': return parsed.edgeType[k];
          case 'name_or_index': return parsed.edgeNameOrIndex[k];
          case 'to_node': return parsed.edgeTarget[k] * nodeFieldCount;
        }
      }
      switch (field) {
        case 'object_index': return parsed.locObject[k] * nodeFieldCount;
        case 'script_id': return parsed.locScriptId[k];
        case 'line': return parsed.locLine[k];
        default: return parsed.locColumn[k];
      }
    };
    let refusals = 0;
    for (let c = 0; c < RANGE_CASES; c++) {
      const section = ['nodes', 'edges', 'locations'][c % 3];
      const starts = tokens[section];
      const index = Math.floor(random() * starts.length);
      const start = starts[index];
      let end = start;
      while (text[end] >= '0' && text[end] <= '9') end++;
      const value = random() < 0.8 ? values[Math.floor(random() * values.length)] : String(Math.floor(random() * 2 ** 32));
      const fields = fieldsOf[section];
      const field = fields[index % fields.length];
      const k = Math.floor(index / fields.length);
      const isNodeIndex = field === 'to_node' || field === 'object_index';
      const isOutOfRange = BigInt(value) > limits[section][field] || (isNodeIndex && BigInt(value) % BigInt(nodeFieldCount) !== 0n);
      const label = `case ${c}: ${section} ${k} "${field}" = ${value}`;
      const input = Buffer.concat([original.subarray(0, start), Buffer.from(value), original.subarray(end)]);
      const parser = new SnapshotParser(label, input.length);
      let parsed: ReturnType<SnapshotParser['finish']> | undefined;
      try {
        parser.feed(input);
        parsed = parser.finish();
      } catch (error) {
        expect(error, label).toBeInstanceOf(SnapshotFormatError);
        if (isOutOfRange) {
          expect((error as SnapshotFormatError).offset, label).toBe(start);
          expect((error as Error).message, label).toContain(`"${field}" is`);
          refusals++;
        }
      }
      if (parsed !== undefined) {
        expect(isOutOfRange, `${label} was accepted`).toBe(false);
        expect(stored(parsed, section, field, k), label).toBe(Number(value));
      }
    }
    expect(refusals).toBeGreaterThan(RANGE_CASES / 4);
  });

  it('refuses meta listing a field twice, in every field list', () => {
    const text = original.toString('latin1');
    const header = JSON.parse(/"snapshot":(\{.*?\}),\s*"nodes"/s.exec(text.slice(0, 20000))![1]);
    for (const list of ['node_fields', 'edge_fields', 'location_fields']) {
      const fields: string[] = header.meta[list];
      for (let c = 0; c < 4; c++) {
        const from = Math.floor(random() * fields.length);
        const to = (from + 1 + Math.floor(random() * (fields.length - 1))) % fields.length;
        const twice = fields.map((f, k) => (k === to ? fields[from] : f));
        const input = text.replace(`"${list}":${JSON.stringify(fields)}`, `"${list}":${JSON.stringify(twice)}`);
        expect(input).not.toBe(text);
        expect(() => parseSnapshotText(input, 'dup')).toThrow(new RegExp(`meta\\.${list} lists "${fields[from]}" twice`));
      }
    }
  });
});
