// Reading .heapprofile files defensively: every bad value is one SnapshotFormatError naming where it is.
import { describe, expect, it } from 'vitest';
import { parseHeapProfile } from '../../src/snapshot/heap-profile.ts';
import { summarizeHeapProfile } from '../../src/analysis/heap-profile.ts';
import { SnapshotFormatError } from '../../src/errors.ts';

const frame = (name = 'f') => ({ functionName: name, scriptId: '1', url: 'file:///app.js', lineNumber: 0, columnNumber: 0 });
const single = (node: Record<string, unknown>, extra: Record<string, unknown> = {}) => JSON.stringify({ head: { callFrame: frame(), selfSize: 0, id: 1, children: [], ...node }, ...extra });

describe('parseHeapProfile refuses what is not a sampling heap profile', () => {
  const cases: [string, string, RegExp][] = [
    ['truncated JSON', '{"head":{"callFrame":', /not a sampling heap profile: invalid JSON/],
    ['an array', '[]', /the file is not a JSON object/],
    ['no head', '{"samples":[]}', /"head" is missing/],
    ['a size as a string', single({ selfSize: '12' }), /head\.selfSize is "12", not a byte count/],
    ['a huge size', single({}).replace('"selfSize":0', '"selfSize":1e300'), /head\.selfSize is 1e\+300/],
    ['a negative size', single({ selfSize: -1 }), /head\.selfSize is -1/],
    ['a fractional id', single({ id: 1.5 }), /head\.id is 1\.5, not a whole number/],
    ['one id twice (the tree would name one stack twice)', single({ children: [{ callFrame: frame('g'), selfSize: 8, id: 1, children: [] }] }), /head\.children\[0\]\.id 1 appears twice/],
    ['a url that is a number', single({ callFrame: { ...frame(), url: 7 } }), /head\.callFrame\.url is 7, not a string/],
    ['a line past 32 bits', single({ callFrame: { ...frame(), lineNumber: 2 ** 40 } }), /head\.callFrame\.lineNumber is 1099511627776, not a source position/],
    ['children that are not an array', single({ children: {} }), /head\.children is not an array/],
    ['a child that is not an object', single({ children: [null] }), /head\.children\[0\] is not an object/],
    ['a sample naming a node by text', single({}, { samples: [{ size: 8, nodeId: 'x', ordinal: 1 }] }), /samples\[0\]\.nodeId is "x"/],
    ['a sample of a negative size', single({}, { samples: [{ size: -8, nodeId: 1, ordinal: 1 }] }), /samples\[0\]\.size is -8/],
    ['a heap snapshot', '{"snapshot":{"meta":{}},"nodes":[]}', /a heap snapshot, not a sampling heap profile/],
  ];
  it.each(cases)('%s', (_, text, message) => {
    expect(() => parseHeapProfile(text, 'bad.heapprofile')).toThrowError(SnapshotFormatError);
    expect(() => parseHeapProfile(text, 'bad.heapprofile')).toThrowError(message);
  });

  it('names a deep bad node by a shortened path', () => {
    let node: Record<string, unknown> = { callFrame: frame(), selfSize: 'x', id: 99, children: [] };
    for (let id = 20; id >= 1; id--) node = { callFrame: frame(), selfSize: 0, id, children: [node] };
    expect(() => parseHeapProfile(JSON.stringify({ head: node }))).toThrowError('head.children[0].children[0].children[0]…(14 levels)….children[0].children[0].children[0].selfSize is "x"');
  });
});

describe('parseHeapProfile on trees a recursive reader could not take', () => {
  it('a chain 30,000 deep, recursing through three functions: flattened, each site counted once per stack', () => {
    const depth = 30_000;
    const parts = ['{"head":'];
    for (let id = 1; id <= depth; id++) parts.push(`{"callFrame":${JSON.stringify(frame(`f${id % 3}`))},"selfSize":${id === depth ? 8 : 0},"id":${id},"children":[`);
    parts.push(']}'.repeat(depth), '}');
    const profile = parseHeapProfile(parts.join(''));
    expect(profile.nodeCount).toBe(depth);
    expect(profile.frames).toHaveLength(3);
    const { sites } = summarizeHeapProfile(profile);
    expect(sites.map((s) => [s.site.functionName, s.selfSize, s.totalSize])).toEqual([['f0', 8, 8], ['f1', 0, 8], ['f2', 0, 8]]);
  });
});
