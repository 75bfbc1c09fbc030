// Allocation stacks in snapshots taken with allocation tracking: a real program under
// `node --track-heap-objects` (fixtures/programs/alloc-sessions.mjs), the bundled `tracked` fixture
// (gzipped), a snapshot without tracking, and hand-made trace sections, worked out inline.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSnapshot } from '../../src/snapshot/load.ts';
import { readAllocationTraces } from '../../src/snapshot/allocation-traces.ts';
import { allocationSiteOf, groupByAllocationSite } from '../../src/analysis/allocation-sites.ts';
import { findInstances } from '../../src/analysis/class-lookup.ts';
import { SnapshotFormatError } from '../../src/errors.ts';
import { PROJECT_ROOT } from '../helpers/cli.ts';
import { fixtureGzPath } from '../helpers/fixtures.ts';
import { SnapshotBuilder } from '../helpers/snapshot-builder.ts';

const PROGRAM = path.join(PROJECT_ROOT, 'fixtures/programs/alloc-sessions.mjs');
const SOURCE_LINES = fs.readFileSync(PROGRAM, 'utf8').split('\n');
const ALLOC_LINE = SOURCE_LINES.findIndex((line) => line.startsWith('function openSessions(')) + 1;
const ALLOC_COLUMN = SOURCE_LINES[ALLOC_LINE - 1].indexOf('(') + 1;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-allocation-'));
const tracked = path.join(tmp, 'sessions.heapsnapshot');
beforeAll(() => {
  const child = spawnSync(process.execPath, ['--track-heap-objects', PROGRAM, 'snapshot', tracked], { encoding: 'utf8' });
  expect(child.status, child.stderr).toBe(0);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('allocation stacks of a real program', () => {
  it('the Sessions were allocated in openSessions, at its file:line:col, called from the module body', async () => {
    const graph = await loadSnapshot(tracked);
    expect(allocationSiteOf(graph, 0)).toBeNull(); // not read yet
    const traces = await readAllocationTraces(tracked, graph);
    expect(traces!.functionCount).toBe(graph.source.traceFunctionCount);
    const sessions = findInstances(graph, 'Session');
    expect(sessions.length).toBe(2000);
    const grouped = groupByAllocationSite(graph, sessions)!;
    const [top, caller] = grouped.groups[0].frames;
    expect(top).toEqual({ functionName: 'openSessions', scriptName: `file://${PROGRAM}`, line: ALLOC_LINE, column: ALLOC_COLUMN });
    expect(caller).toMatchObject({ functionName: '', scriptName: `file://${PROGRAM}`, line: 1, column: 1 });
    expect(allocationSiteOf(graph, grouped.groups[0].examples[0])!.slice(0, 2)).toEqual([top, caller]);
    // V8's tracker now and then leaves an object without a stack, or records it a frame off
    // (seen: 1 of 2,000 in some runs): the site is the one nearly all of them share.
    expect(grouped.groups[0].count).toBeGreaterThanOrEqual(1990);
    expect(grouped.groups[0].count + grouped.untracked + grouped.groups.slice(1).reduce((n, g) => n + g.count, 0)).toBe(2000);
  });

  it('the gzipped tracked fixture (basic.mjs): Connections come from the module body of basic.mjs', async () => {
    const file = fixtureGzPath('tracked');
    const graph = await loadSnapshot(file);
    await readAllocationTraces(file, graph);
    const connections = findInstances(graph, 'Connection');
    const grouped = groupByAllocationSite(graph, connections)!;
    expect(grouped.groups[0].count).toBe(1000);
    expect(grouped.groups[0].frames[0]).toMatchObject({ functionName: '', line: 1, column: 1 });
    expect(grouped.groups[0].frames[0].scriptName).toMatch(/basic\.mjs$/);
  });

  it('a snapshot without tracking has no traces and no allocation sites', async () => {
    const file = fixtureGzPath('basic');
    const graph = await loadSnapshot(file);
    expect(await readAllocationTraces(file, graph)).toBeNull();
    expect(allocationSiteOf(graph, findInstances(graph, 'Connection')[0])).toBeNull();
    expect(groupByAllocationSite(graph, [1, 2])).toBeNull();
  });
});

// (root) ─ 1:(root) ─ 2:handle app.js:10:3 ─ 3:makeUser app.js:2:18        users: trace node 3
//                                         └ 4:(anonymous) app.js:1:1        config: trace node 4
// functions: 0 (root), 1 handle, 2 makeUser, 3 anonymous
function trackedSnapshot(traceTree: string): string {
  const b = new SnapshotBuilder();
  const root = b.root();
  const names = ['(root)', 'handle', 'makeUser', '', 'file:///srv/app.js'].map((name) => b.node('hidden', name));
  const users = [0, 1].map(() => b.node('object', 'User', { selfSize: 32, traceNodeId: 3 }));
  const config = b.node('object', 'Config', { selfSize: 16, traceNodeId: 4 });
  const early = b.node('object', 'User', { selfSize: 32 });
  for (const n of [...names, ...users, config, early]) b.edge(root, 'element', n, n);
  const text = b.toJSON();
  const strings = JSON.parse(text.slice(text.indexOf('"strings":') + 10, -1)) as string[];
  const s = (name: string) => strings.indexOf(name);
  const url = s('file:///srv/app.js');
  const infos = [[0, s('(root)'), s(''), 0, 0, 0], [1, s('handle'), url, 3, 10, 3], [2, s('makeUser'), url, 3, 2, 18], [3, s(''), url, 3, 1, 1]];
  return text
    .replace('"trace_function_count":0', `"trace_function_count":${infos.length}`)
    .replace('"trace_function_infos":[]', `"trace_function_infos":[${infos.flat().join(',')}]`)
    .replace('"trace_tree":[]', `"trace_tree":${traceTree}`);
}
const TREE = '[1,0,3,80,[2,1,2,64,[3,2,2,64,[],4,3,1,16,[]]]]';

describe('allocation stacks from hand-made trace sections', () => {
  const load = async (text: string) => {
    const file = path.join(tmp, `hand-${Math.random().toString(36).slice(2)}.heapsnapshot`);
    fs.writeFileSync(file, text);
    const graph = await loadSnapshot(file);
    return { graph, read: () => readAllocationTraces(file, graph) };
  };

  it('stacks and groups as drawn; objects without a trace node are untracked', async () => {
    const { graph, read } = await load(trackedSnapshot(TREE));
    await read();
    const users = findInstances(graph, 'User');
    expect(allocationSiteOf(graph, users[0], 5)!.map((f) => `${f.functionName}@${f.line}:${f.column}`)).toEqual(['makeUser@2:18', 'handle@10:3']);
    const result = groupByAllocationSite(graph, [...users, ...findInstances(graph, 'Config')])!;
    expect(result.untracked).toBe(1);
    expect(result.groups.map((g) => [g.frames[0].functionName, g.count, g.selfSize])).toEqual([['makeUser', 2, 64], ['', 1, 16]]);
  });

  it('keys V8 does not write, before the trace sections, are skipped: a string with brackets and quotes, a number, an object', async () => {
    const text = trackedSnapshot(TREE).replace('"trace_function_infos"', '"note":"a]}\\"[{",\n"n":12,\n"o":{"x":[1,{"y":"]"}]},\n"trace_function_infos"');
    expect(text).toContain('"note":"a]}\\"[{"');
    const { graph, read } = await load(text);
    await read();
    expect(allocationSiteOf(graph, findInstances(graph, 'Config')[0])).toEqual([{ functionName: '', scriptName: 'file:///srv/app.js', line: 1, column: 1 }, { functionName: 'handle', scriptName: 'file:///srv/app.js', line: 10, column: 3 }]);
  });

  const bad: [string, string, RegExp][] = [
    ['a function index past the list', '[1,0,3,80,[2,9,2,64,[]]]', /"trace_tree" names function 9, past the 4/],
    ['a node cut short', '[1,0,3,80,[2,1]]', /"trace_tree" ends an array in the middle of a node/],
    ['a number where children belong', '[1,0,3,80,7]', /"trace_tree" has a number where a children array belongs/],
    ['an array where a number belongs', '[1,[0],3,80,[]]', /"trace_tree" has an array where a number belongs/],
    ['a number over 32 bits', '[1,0,3,99999999999,[]]', /"trace_tree" holds a number above 32 bits/],
    ['a string', '[1,"x",3,80,[]]', /"trace_tree" may hold only numbers and arrays/],
    ['an id twice', '[1,0,3,80,[1,1,2,64,[]]]', /"trace_tree" has trace node id 1 twice/],
  ];
  it.each(bad)('refuses %s with the offset', async (_, tree, message) => {
    const { read } = await load(trackedSnapshot(tree));
    const error = await read().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SnapshotFormatError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).toMatch(/\(at byte \d+\)$/);
  });
});
