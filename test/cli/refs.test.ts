import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, runCliInProcess } from '../helpers/cli.ts';
import { fixturePath } from '../helpers/fixtures.ts';

const SNAP = fixturePath('leaky-server-1');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'leakscope-refs-'));

describe('leakscope refs / backrefs', () => {
  it('backrefs SNAP --class RequestContext --depth 2 --max-fanout 3', () => {
    const r = runCli(['backrefs', SNAP, '--class', 'RequestContext', '--depth', '2', '--max-fanout', '3']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^RequestContext @\d+ {2}self 64 B/);
    // Both holders of the leak: the module-level array and the listener closure's context.
    expect(r.stdout).toMatch(/\n {2}\[\d+\] ← Array @\d+/);
    expect(r.stdout).toMatch(/\n {4}->requestLog ← system \/ Context @\d+/);
    expect(r.stdout).toMatch(/\n {2}->ctx ← system \/ Context @\d+/);
    expect(r.stdout).toMatch(/\n {4}\{context\} ← Function onConfigChanged @\d+ .*leaky-server\.mjs:\d+:\d+/);
  });

  it('refs SNAP --class RequestContext --depth 1 --json', async () => {
    const r = await runCliInProcess(['refs', SNAP, '--class', 'RequestContext', '--depth', '1', '--json']);
    expect(r.status).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json.direction).toBe('refs');
    expect(json.nodes[0].id).toBe(json.targets[0]);
    const names = json.edges.map((e: { name: string }) => e.name);
    expect(names).toEqual(expect.arrayContaining(['config', 'path', 'userAgent']));
  });

  it('refs SNAP --class RequestContext --filter Object', async () => {
    const r = await runCliInProcess(['refs', SNAP, '--class', 'RequestContext', '--depth', '1', '--filter', 'Object']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/\.config → Object @\d+/);
    expect(r.stdout).not.toContain('.path');
  });

  it('backrefs SNAP --class RequestContext --dot FILE', async () => {
    const dot = path.join(tmp, 'backrefs.dot');
    const r = await runCliInProcess(['backrefs', SNAP, '--class', 'RequestContext', '--dot', dot]);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    const text = fs.readFileSync(dot, 'utf8');
    expect(text).toMatch(/^digraph /);
    expect(text).toContain('more retainers');
  });

  it('backrefs SNAP --class RequestContext --svg FILE', async () => {
    const svg = path.join(tmp, 'backrefs.svg');
    const r = await runCliInProcess(['backrefs', SNAP, '--class', 'RequestContext', '--depth', '2', '--svg', svg]);
    expect(r.status).toBe(0);
    expect(fs.readFileSync(svg, 'utf8')).toMatch(/<svg[\s>]/);
  });

  it('refs SNAP --id 1 --dot A --svg B', async () => {
    const r = await runCliInProcess(['refs', SNAP, '--id', '1', '--dot', path.join(tmp, 'a.dot'), '--svg', path.join(tmp, 'b.svg')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^leakscope: option '--dot <file>' cannot be used with option '--svg <file>'/);
  });

  it('backrefs --help', async () => {
    const r = await runCliInProcess(['backrefs', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('Examples:');
    expect(r.stdout).toContain('--max-fanout');
  });
});
