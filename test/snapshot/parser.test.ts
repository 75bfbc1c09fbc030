import fs from 'node:fs';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadSnapshot, parseSnapshotText } from '../../src/snapshot/load.ts';
import { SnapshotParser } from '../../src/snapshot/parser.ts';
import { LeakscopeError, SnapshotFormatError } from '../../src/errors.ts';
import { computeHistogram } from '../../src/analysis/histogram.ts';
import { NODE24_NODE_FIELDS, SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { fixtureGzPath, fixturePath } from '../helpers/fixtures.ts';

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
    ['edge count disagrees', text.replace('"edge_count":8', '"edge_count":9'), /"edges" holds 8 edges, but the header announces 9/],
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

function writeTemp(name: string, data: Uint8Array | string): string {
  const dir = fs.mkdtempSync(`${process.env.TMPDIR ?? '/tmp'}/leakscope-test-`);
  const file = `${dir}/${name}`;
  fs.writeFileSync(file, data);
  return file;
}

/** Mulberry32: a small seeded generator, so a failing case can be replayed. */
function seeded(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('fuzz: truncations and byte flips of a real snapshot', () => {
  const original = fs.readFileSync(fixturePath('finreg-node24'));
  const random = seeded(20261124);
  const SEED_CASES = 300;

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
});
