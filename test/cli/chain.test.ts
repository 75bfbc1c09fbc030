import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runCliInProcess } from '../helpers/cli.ts';
import { fixturePath } from '../helpers/fixtures.ts';

// leaky-server keeps every RequestContext in the module-level array `requestLog` and in the closure
// `onConfigChanged` registered on the long-lived EventEmitter `configBus`.
const SNAP = fixturePath('leaky-server-1');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-chain-'));

describe('leakscope chain', () => {
  it('chain SNAP --class RequestContext', () => {
    const r = runCli(['chain', SNAP, '--class', 'RequestContext']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RequestContext @\d+: \d+ hops from a global object \(distance \d+\)$/);
    expect(lines[1]).toMatch(/^ {2}global @\d+ {2}self .+ {2}retained /);
    expect(lines.at(-2)).toMatch(/^ {2}->requestLog → Array @\d+ /);
    expect(lines.at(-1)).toMatch(/^ {2}\[\d+\] → RequestContext @\d+ {2}self 64 B {2}retained \d+ B$/);
    // The closure that declares the handler carries its source location.
    expect(r.stdout).toMatch(/Function \(anonymous\) @\d+ .*leaky-server\.mjs:\d+:\d+/);
  });

  it('chain SNAP --class RequestContext --json', async () => {
    const r = await runCliInProcess(['chain', SNAP, '--class', 'RequestContext', '--json']);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json)).toEqual(['target', 'chain']);
    expect(Object.keys(json.target)).toEqual(['id', 'name', 'selfSize', 'retainedSize', 'distance']);
    expect(json.target.name).toBe('RequestContext');
    expect(json.target.distance).toBe(json.chain.length);
    expect(json.chain[0].node).toMatchObject({ name: 'global', type: 'object' });
    expect(json.chain.at(-1)).toEqual({ node: { id: json.target.id, name: 'RequestContext', type: 'object' }, edge: null });
    const edges = json.chain.slice(0, -1).map((hop: { edge: { type: string; name: string | number } }) => hop.edge);
    expect(edges.at(-2)).toEqual({ type: 'context', name: 'requestLog' });
    expect(edges.at(-1).type).toBe('element');
    expect(typeof edges.at(-1).name).toBe('number');
  });

  it('chain SNAP --id @ID --json picks exactly that object', async () => {
    const first = JSON.parse((await runCliInProcess(['chain', SNAP, '--class', 'RequestContext', '--json'])).stdout);
    for (const id of [`@${first.target.id}`, String(first.target.id)]) {
      const r = await runCliInProcess(['chain', SNAP, '--id', id, '--json']);
      expect(r.status).toBe(0);
      expect(JSON.parse(r.stdout)).toEqual(first);
    }
  });

  it('chain SNAP --class RequestContext --all', async () => {
    const r = await runCliInProcess(['chain', SNAP, '--class', 'RequestContext', '--all']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^200 objects of class RequestContext in \d+ chain shapes?\n/);
    expect(r.stdout).toMatch(/#1 {2}200 objects, .* retained in total/);
    expect(r.stdout).toContain('->requestLog → Array');
  });

  it('chain SNAP --class RequestContext --all --json --limit 1', async () => {
    const r = await runCliInProcess(['chain', SNAP, '--class', 'RequestContext', '--all', '--json', '--limit', '1']);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json)).toEqual(['type', 'groups', 'moreGroups', 'unreachable', 'unreachableCount']);
    expect(json.groups).toHaveLength(1);
    const group = json.groups[0];
    expect(Object.keys(group)).toEqual(['count', 'totalRetainedSize', 'heldByOwnClass', 'ids', 'target', 'chain']);
    // 200 RequestContexts, none held by another one; ids are examples, nearest the root first.
    expect(group).toMatchObject({ count: 200, heldByOwnClass: 0 });
    expect(group.ids).toHaveLength(100);
    expect(group.chain.at(-1)).toEqual({ node: { id: group.target.id, name: 'RequestContext', type: 'object' }, edge: null });
    expect(group.chain.at(-3).edge).toEqual({ type: 'context', name: 'requestLog' });
    expect(group.chain.some((hop: { elidedHops?: number }) => hop.elidedHops !== undefined)).toBe(false);
  });

  it('chain SNAP --class RequestContext --dot FILE --svg FILE', async () => {
    const dot = path.join(tmp, 'chain.dot');
    const svg = path.join(tmp, 'chain.svg');
    const r = await runCliInProcess(['chain', SNAP, '--class', 'RequestContext', '--dot', dot, '--svg', svg]);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(dot, 'utf8')).toMatch(/^digraph /);
    expect(fs.readFileSync(dot, 'utf8')).toContain('->requestLog');
    expect(fs.readFileSync(svg, 'utf8')).toMatch(/<svg[\s>]/);
    expect(r.stderr).toContain(`leakscope: wrote ${svg}`);
  });

  it('chain SNAP --class Nope', async () => {
    const r = await runCliInProcess(['chain', SNAP, '--class', 'Nope']);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(`leakscope: no class "Nope" in ${SNAP} (see \`leakscope top\` for the class names)\n`);
  });

  it('chain SNAP --id @2', async () => {
    const r = await runCliInProcess(['chain', SNAP, '--id', '@2']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`leakscope: no object @2 in ${SNAP}\n`);
  });

  it('chain SNAP (no target)', async () => {
    const r = await runCliInProcess(['chain', SNAP]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('leakscope: say which object: --class NAME or --id ID (see --help)\n');
  });

  it('chain SNAP --type RequestContext --id 1: --type (the old name of --class) is read as --class', async () => {
    const r = await runCliInProcess(['chain', SNAP, '--type', 'RequestContext', '--id', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('leakscope: give either --class or --id, not both\n');
  });

  it('chain --help', async () => {
    const r = await runCliInProcess(['chain', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--all');
    expect(r.stdout).toContain('--all-hops');
  });
});
