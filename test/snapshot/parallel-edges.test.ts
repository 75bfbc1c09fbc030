// The parallel path (a worker parses "edges" while the main thread parses the rest) must give the
// same columns and the same errors, byte offsets included, as the sequential parser.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import type { HeapGraph } from '../../src/snapshot/heap-graph.ts';
import { SnapshotFormatError } from '../../src/errors.ts';
import { fixturePath } from '../helpers/fixtures.ts';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';
import { caseCount } from '../helpers/counts.ts';

const PARALLEL = { parallelEdgesMinBytes: 0 };
/** Chunks of 1 KiB: the main thread and the worker meet somewhere inside "edges" of any fixture. */
const PARALLEL_SMALL_CLAIMS = { parallelEdgesMinBytes: 0, edgeClaimBytes: 1024 };
const SEQUENTIAL = { parallelEdgesMinBytes: Infinity };

function columns(g: HeapGraph) {
  return {
    nodeType: g.nodeType, nodeName: g.nodeName, nodeId: g.nodeId, selfSize: g.selfSize,
    attachedNodes: g.attachedNodes, detachedNodes: g.detachedNodes, traceNodeId: g.traceNodeId, firstEdge: g.firstEdge,
    edgeType: g.edgeType, edgeNameOrIndex: g.edgeNameOrIndex, edgeTarget: g.edgeTarget,
    locObject: g.locObject, locScriptId: g.locScriptId, locLine: g.locLine, locColumn: g.locColumn,
  };
}

function writeTemp(name: string, data: Uint8Array | string): string {
  const dir = fs.mkdtempSync(`${process.env.TMPDIR ?? '/tmp'}/leakscope-test-`);
  const file = `${dir}/${name}`;
  fs.writeFileSync(file, data);
  return file;
}

async function errorOf(file: string, options: object): Promise<string> {
  try {
    await loadSnapshot(file, options);
  } catch (error) {
    expect(error).toBeInstanceOf(SnapshotFormatError);
    const message = (error as Error).message;
    expect(message).not.toContain('\n');
    return message;
  }
  return 'no error';
}

describe('parallel edges parsing', () => {
  it.each([
    ...['diff-a', 'finreg-node24', 'chrome-page'].map((name) => [name, PARALLEL] as const),
    ...['diff-a', 'finreg-node24', 'chrome-page'].map((name) => [`${name}, small claims`, PARALLEL_SMALL_CLAIMS] as const),
  ])('gives the same arrays as the sequential parser (%s)', async (label, claims) => {
    const name = label.replace(', small claims', '');
    // Every fixture is committed: a missing one fails here, naming `npm run fixtures`.
    const file = fixturePath(name);
    const sequential = await loadSnapshot(file, SEQUENTIAL);
    const parallel = await loadSnapshot(file, claims);
    // The parallel path really ran: its edge columns live in shared memory.
    expect(parallel.edgeTarget.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(sequential.edgeTarget.buffer).not.toBeInstanceOf(SharedArrayBuffer);
    const a = columns(sequential);
    const b = columns(parallel);
    for (const key of Object.keys(a) as (keyof typeof a)[]) {
      const x = a[key];
      const y = b[key];
      expect(y === null ? null : Buffer.from(y.buffer, y.byteOffset, y.byteLength).equals(Buffer.from(x!.buffer, x!.byteOffset, x!.byteLength)), key).toBe(x === null ? null : true);
    }
    expect(parallel.strings.count).toBe(sequential.strings.count);
    expect(parallel.strings.get(parallel.strings.count - 1)).toBe(sequential.strings.get(sequential.strings.count - 1));
    expect(parallel.source.sections).toEqual(sequential.source.sections);
  });

  describe('corrupt edges give the sequential parser\'s SnapshotFormatError', () => {
    const original = fs.readFileSync(fixturePath('diff-a'));
    const text = original.toString('latin1');
    const edgesStart = text.indexOf('"edges":[') + '"edges":['.length;
    const edgesEnd = text.indexOf(']', edgesStart);
    const at = (fraction: number) => edgesStart + Math.floor((edgesEnd - edgesStart) * fraction);
    const withByte = (offset: number, byte: string) => {
      const copy = Buffer.from(original);
      copy[offset] = byte.charCodeAt(0);
      return copy;
    };
    const firstLineEnd = text.indexOf('\n', edgesStart + 1);
    /** The file with its first edge ("type,name_or_index,to_node") replaced. */
    const withFirstEdge = (edge: (fields: string[]) => string[]) => {
      const first = /^(\d+),(\d+),(\d+)/.exec(text.slice(edgesStart))!;
      return Buffer.from(text.slice(0, edgesStart) + edge(first.slice(1)).join(',') + text.slice(edgesStart + first[0].length), 'latin1');
    };
    const cases: [string, Buffer, RegExp][] = [
      ['truncated inside edges', original.subarray(0, at(0.5)), /truncated: the file ends inside "edges" after \d+ of \d+ records/],
      ['truncated right after the bracket', original.subarray(0, edgesStart), /truncated: the file ends inside "edges"|more than a \d+-byte file can hold/],
      ['a letter inside edges', withByte(at(0.3) | 0, 'x'), /unexpected 'x' in "edges"/],
      ['a quote inside edges', withByte(at(0.6), '"'), /unexpected '"' in "edges"|"to_node" is|"type" is|holds/],
      ['a closing bracket early', withByte(at(0.7), ']'), /"edges"/],
      ['a to_node that is not a node index', Buffer.from(text.slice(0, firstLineEnd) + '1' + text.slice(firstLineEnd), 'latin1'), /edge \d+: "to_node" is \d+, which is not a node index/],
      ['a name_or_index past 32 bits', withFirstEdge(([, , to]) => ['2', '4294967299', to]), /edge 0: "name_or_index" is 4294967299, above 4294967295, the 32-bit maximum \(at byte \d+\)$/],
      ['a string index past the strings', withFirstEdge(([, , to]) => ['2', '4000000000', to]), /edge 0: "name_or_index" is 4000000000, but there are only \d+ strings \(at byte \d+\)$/],
      ['an element index past 32 bits', withFirstEdge(([, , to]) => ['1', '4294967296', to]), /edge 0: "name_or_index" is 4294967296, above/],
      ['an edge type past meta', withFirstEdge(([, name, to]) => ['7', name, to]), /edge 0: "type" is 7, but meta lists only 7 edge types/],
      ['a to_node past 32 bits', withFirstEdge(([type, name]) => [type, name, '4294967303']), /edge 0: "to_node" is 4294967303, which is not a node index/],
      ['edge count disagrees', Buffer.from(text.replace(/"edge_count":(\d+)/, (_m, n) => `"edge_count":${Number(n) + 1}`), 'latin1'), /but the header announces/],
      ['edges fine, strings broken', Buffer.from(text.slice(0, text.length - 20) + '\u0001' + text.slice(text.length - 19), 'latin1'), /control character inside a string/],
      ['edges and strings broken: the edges error comes first', (() => {
        const copy = withByte(at(0.4), 'x');
        copy[copy.length - 20] = 1;
        return copy;
      })(), /unexpected 'x' in "edges"/],
    ];
    it.each(cases)('%s', async (_label, data, message) => {
      const file = writeTemp('bad.heapsnapshot', data);
      const parallel = await errorOf(file, PARALLEL);
      const sequential = await errorOf(file, SEQUENTIAL);
      expect(parallel).toMatch(message);
      expect(parallel).toBe(sequential);
      expect(await errorOf(file, PARALLEL_SMALL_CLAIMS)).toBe(sequential);
    });

    it('refuses an "edges" section longer than its budget, as the sequential parser does', async () => {
      // Enough nodes that the worker starts (the first 64 KiB are read before it is decided).
      const b = new SnapshotBuilder();
      const root = b.root();
      for (let k = 0; k < 6000; k++) b.edge(root, 'element', k, b.node('object', `C${k % 7}`, { selfSize: 8 }));
      const built = b.toJSON();
      const open = built.indexOf('"edges":[') + '"edges":['.length - 1;
      const budget = 6000 * 3 * 64 + 65536;
      const sectionLength = built.indexOf(']', open) - open + 1;
      for (const padding of [budget, budget - sectionLength]) {
        const at = open + 1 + 5; // after the first edge ("1,0,7")
        const data = built.slice(0, at) + ' '.repeat(padding) + built.slice(at);
        const file = writeTemp('long-edges.heapsnapshot', data);
        const sequential = await errorOf(file, SEQUENTIAL);
        expect(await errorOf(file, PARALLEL)).toBe(sequential);
        if (padding === budget) {
          expect(sequential).toMatch(new RegExp(`"edges" runs past ${budget} bytes, more than 6000 edges of 3 numbers can take \\(64 bytes a number\\) \\(at byte ${open + budget}\\)$`));
        } else {
          expect(sequential).toBe('no error'); // the ']' is the budget's last byte
          expect((await loadSnapshot(file, PARALLEL)).edgeTarget.buffer).toBeInstanceOf(SharedArrayBuffer);
        }
      }
    });

    it('matches the sequential parser on random truncations and byte flips of the edges', async () => {
      let seed = 7;
      const random = () => {
        seed = (seed * 1103515245 + 12345) & 0x7fffffff;
        return seed / 0x80000000;
      };
      // The same seeded cases every run: the first 8 in npm test, all 24 in npm run bench:noise.
      for (let k = 0, cases = caseCount(8, 24); k < cases; k++) {
        const data = k % 2 === 0
          ? original.subarray(0, at(random()))
          : withByte(at(random()), String.fromCharCode(Math.floor(random() * 128)));
        const file = writeTemp('fuzz.heapsnapshot', data);
        const sequential = await errorOf(file, SEQUENTIAL);
        expect(await errorOf(file, PARALLEL), `case ${k}`).toBe(sequential);
        // Every sixth case also with small claims, where the main thread reads part of "edges" too
        // (the cases above cover each kind of error that way).
        if (k % 6 === 0) expect(await errorOf(file, PARALLEL_SMALL_CLAIMS), `case ${k}, small claims`).toBe(sequential);
      }
    });
  });
});
